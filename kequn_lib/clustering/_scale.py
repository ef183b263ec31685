"""Clustering at scale: fit on a sample, label every customer chunk by chunk."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from .._validation import check_int, check_random_state, require_columns, require_frame
from ..errors import ParameterError
from ._pipeline import (
    _check_rows,
    _progress,
    _RandomState,
    _require_pipeline,
    _sample_index,
)

# Records keep the logger name of the former single-file module.
log = logging.getLogger(__package__)


# --- scale --------------------------------------------------------------------------------------


def fit_on_sample(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    sample_size: int = 200_000,
    stratify: str | None = None,
    random_state: _RandomState = 0,
) -> Pipeline:
    """Fit a segmentation on a (stratified) random sample of a large customer table.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table, possibly millions of rows.
    pipeline : Pipeline, optional
        Pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); not modified.
    sample_size : int, default=200_000
        Rows to fit on. A table no larger than this is used whole.
    stratify : str, optional
        Column whose levels keep their shares in the sample (e.g. ``"customer_kind"`` or
        ``"region"``); each level contributes ``round(share × sample_size)`` rows, at least one.
    random_state : int, numpy Generator or None, default=0
        Seed of the sample.

    Returns
    -------
    Pipeline
        A fitted clone of ``pipeline``; label all customers with :func:`predict_in_chunks`.

    Raises
    ------
    SchemaError
        Missing ``stratify`` column, or a bad table.
    ParameterError
        ``sample_size < 2``.

    See Also
    --------
    predict_in_chunks

    Notes
    -----
    k-means centres estimated on 200,000 customers are, for a handful of segments, as good as
    those from millions: the error of a segment mean shrinks with the square root of its size.
    Ward and HDBSCAN cannot label new rows, so only k-means and mixtures suit this path.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.normal(size=1000),
    ...                      "kind": rng.choice(["a", "b"], 1000, p=[0.9, 0.1])})
    >>> pipe = kq.fit_on_sample(data, kq.segment_pipeline(numeric=["x"], n_clusters=2),
    ...                         sample_size=100, stratify="kind")
    >>> kq.predict_in_chunks(pipe, data, chunk_size=300).shape
    (1000,)
    """
    owner = "fit_on_sample"
    _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = check_random_state(random_state, owner=owner)
    n = len(data)
    if n <= sample_size:
        sample = data
    elif stratify is None:
        sample = data.iloc[_sample_index(n, sample_size, rng)]
    else:
        require_columns(data, [stratify], owner=owner)
        codes, _levels = pd.factorize(data[stratify], use_na_sentinel=False)
        take = []
        for code in np.unique(codes):
            pos = np.flatnonzero(codes == code)
            m = min(len(pos), max(1, round(len(pos) / n * sample_size)))
            take.append(rng.choice(pos, size=m, replace=False))
        sample = data.iloc[np.sort(np.concatenate(take))]
    log.info("fit_on_sample: fitting on %d of %d rows", len(sample), n)
    return clone(pipeline).fit(sample)


def _require_fitted_predictor(pipeline: Pipeline, owner: str) -> None:
    """Raise unless the pipeline's last step can label new rows and the pipeline is fitted."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    model = pipeline.steps[-1][1]
    if not hasattr(model, "predict"):
        msg = (
            f"{owner}: {type(model).__name__} cannot label new customers (no predict). Use "
            "algorithm='kmeans', 'minibatch_kmeans' or 'gmm' for the sample-then-predict path."
        )
        raise ParameterError(msg)
    try:
        check_is_fitted(pipeline)
    except NotFittedError:
        raise ParameterError(f"{owner}: the pipeline is not fitted; call .fit first.") from None


def predict_in_chunks(
    pipeline: Pipeline,
    data: pd.DataFrame,
    *,
    chunk_size: int = 250_000,
    progress: bool = False,
) -> pd.Series:
    """Label every customer with a fitted pipeline, a chunk of rows at a time.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline whose model has ``predict`` (k-means, mini-batch k-means, mixture).
    data : pandas.DataFrame
        The customer table (same columns as the fitting table).
    chunk_size : int, default=250_000
        Rows per chunk: the prepared matrix of one chunk is all that is held in memory at once.
    progress : bool, default=False
        Show a progress bar over chunks.

    Returns
    -------
    pandas.Series
        int64 labels named ``"segment"`` on ``data``'s index; identical to
        ``pipeline.predict(data)``.

    Raises
    ------
    ParameterError
        Unfitted pipeline, or a model that cannot label new rows (Ward, HDBSCAN).
    SchemaError
        Missing or non-numeric columns.

    See Also
    --------
    fit_on_sample

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 0.2]})
    >>> pipe = kq.segment_pipeline(n_clusters=2).fit(data)
    >>> kq.predict_in_chunks(pipe, data, chunk_size=2).equals(pipe.predict(data))
    True
    """
    owner = "predict_in_chunks"
    pipeline = _require_pipeline(pipeline, owner)
    require_frame(data, owner=owner)
    chunk_size = check_int(chunk_size, name="chunk_size", owner=owner, low=1)
    _require_fitted_predictor(pipeline, owner)
    n = len(data)
    parts = []
    starts = range(0, n, chunk_size)
    for start in _progress(starts, progress=progress, desc="predict", total=len(starts)):
        chunk = data.iloc[start:start + chunk_size]
        parts.append(np.asarray(pipeline.predict(chunk), dtype="int64"))
    labels = np.concatenate(parts) if parts else np.empty(0, dtype="int64")
    return pd.Series(labels, index=data.index, name="segment")
