"""Clustering at scale: fit on a sample, label every customer chunk by chunk or partition by
partition (Dask DataFrames, local or on a cluster; dask is imported only for Dask input)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from .._validation import (
    check_int,
    check_random_state,
    check_seed,
    missing_columns_error,
    require_columns,
    require_frame,
)
from ..backends import is_dask
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
    data = _check_rows(data, owner)
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
        codes, _uniques = pd.factorize(data[stratify], use_na_sentinel=False)
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
    data = require_frame(data, owner=owner)
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


# --- Dask DataFrames -----------------------------------------------------------------------------


def _dask_columns(ddf: Any, columns: Sequence[str], *, owner: str) -> None:
    missing = [c for c in columns if c not in ddf.columns]
    if missing:
        raise missing_columns_error(missing, ddf._meta, owner=owner)


def _seed(random_state: Any) -> int:
    return check_seed(random_state, owner="sample_partitions")


_ALL = "<all rows>"


def _levels(s: pd.Series) -> pd.Series:
    """Stratum of each row as a string (missing values form their own level)."""
    return s.astype("object").where(s.notna(), "<NA>").astype(str)


def _level_counts(s: pd.Series) -> pd.Series:
    return _levels(s).value_counts()


def _keyed(part: pd.DataFrame, seed: int, stratify: str | None, q: dict,
           partition_info: dict | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    key = np.random.default_rng([seed, number]).random(len(part))
    if stratify is None:
        limit = np.full(len(part), q[_ALL])
    else:
        limit = _levels(part[stratify]).map(q).to_numpy(dtype="float64")
    keep = key < limit
    return part[keep].assign(_kequn_key=key[keep])


def sample_partitions(
    data: Any,
    *,
    n: int = 200_000,
    stratify: str | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Draw a (stratified) simple random sample of ``n`` rows from a Dask DataFrame, as pandas.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The customer table, possibly spread over a cluster.
    n : int, default=200_000
        Rows in the sample. A table with at most ``n`` rows is returned whole.
    stratify : str, optional
        Column whose levels keep their shares: each level contributes
        ``round(share * n)`` rows, at least one (the rule of :func:`fit_on_sample`).
    random_state : int, numpy Generator or None, default=0
        Seed. The same seed and the same partitioning give the same sample.

    Returns
    -------
    pandas.DataFrame
        The sampled rows, with their original index, in partition order.

    Raises
    ------
    ParameterError
        ``data`` is not a Dask DataFrame, or ``n < 2``.
    SchemaError
        The ``stratify`` column is missing (the message lists the columns present).

    See Also
    --------
    fit_on_partitions : fit a segmentation on such a sample.

    Notes
    -----
    Each row gets a uniform random key (a generator seeded by ``random_state`` and the
    partition number); the rows with the ``m`` smallest keys of a level are a simple random
    sample without replacement of that level. Partitions send back only rows whose key is below
    a bound chosen so that, with overwhelming probability, at least ``m`` rows come back (the
    expected count plus five standard deviations); should a level still fall short, it is drawn
    again with no bound. Cost: one pass to count the levels and one to draw.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> df = pd.DataFrame({"x": range(1000), "kind": ["a"] * 900 + ["b"] * 100})
    >>> sample = kq.sample_partitions(dd.from_pandas(df, npartitions=4), n=100,
    ...                               stratify="kind")
    >>> sample["kind"].value_counts().sort_index().tolist()
    [90, 10]
    """
    import dask

    owner = "sample_partitions"
    _dask_frame_module(data, owner)
    n = check_int(n, name="n", owner=owner, low=2)
    if stratify is not None:
        _dask_columns(data, [stratify], owner=owner)
    seed = _seed(random_state)
    if stratify is None:
        sizes = {_ALL: int(data.shape[0].compute())}
    else:
        parts = data[stratify].to_delayed()
        counts = dask.compute(*[dask.delayed(_level_counts)(p) for p in parts])
        total_counts = pd.concat(counts).groupby(level=0).sum() if counts else pd.Series()
        sizes = {str(k): int(v) for k, v in total_counts.items()}
    total = sum(sizes.values())
    if total <= n:
        return data.compute()
    want = {lvl: min(c, max(1, round(c / total * n))) for lvl, c in sizes.items()}
    q = {lvl: min(1.0, (m + 5 * math.sqrt(m) + 10) / sizes[lvl]) for lvl, m in want.items()}
    meta = data._meta.assign(_kequn_key=pd.Series(dtype="float64"))
    for _attempt in range(2):
        cand = data.map_partitions(_keyed, seed, stratify, q, meta=meta).compute()
        if stratify is None:
            level = np.full(len(cand), _ALL, dtype=object)
        else:
            level = _levels(cand[stratify]).to_numpy(dtype=object)
        short = [lvl for lvl, m in want.items() if int(np.count_nonzero(level == lvl)) < m]
        if not short:
            break
        log.info("sample_partitions: levels %s fell short, drawn again without a bound", short)
        q.update(dict.fromkeys(short, 1.0))
    keep = np.zeros(len(cand), dtype=bool)
    keys = cand["_kequn_key"].to_numpy()
    for lvl, m in want.items():
        pos = np.flatnonzero(level == lvl)
        keep[pos[np.argsort(keys[pos], kind="stable")[:m]]] = True
    return cand[keep].drop(columns="_kequn_key")


def _dask_frame_module(data: Any, owner: str) -> Any:
    if not is_dask(data):
        msg = (
            f"{owner}: expected a Dask DataFrame, got {type(data).__name__}. For a pandas table "
            "use fit_on_sample and predict_in_chunks."
        )
        raise ParameterError(msg)
    import dask.dataframe as dd

    if not isinstance(data, dd.DataFrame):
        raise ParameterError(f"{owner}: expected a Dask DataFrame, got a Dask Series.")
    return dd


def fit_on_partitions(
    data: Any,
    pipeline: Any = None,
    *,
    sample_size: int = 200_000,
    stratify: str | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> Any:
    """Fit a segmentation on a stratified sample drawn from a Dask DataFrame.

    The first half of clustering at scale: fit on a sample that fits in memory, then label
    every customer where the data lives with :func:`predict_partitions`.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The customer table (a pandas DataFrame is handed to :func:`fit_on_sample`).
    pipeline : Pipeline, optional
        Unfitted pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); it is
        cloned, not modified.
    sample_size : int, default=200_000
        Rows to fit on (see :func:`sample_partitions`).
    stratify : str, optional
        Column whose levels keep their shares in the sample, e.g. ``"customer_kind"``.
    random_state : int, numpy Generator or None, default=0
        Seed of the sample.

    Returns
    -------
    Pipeline
        A fitted clone of ``pipeline``.

    Raises
    ------
    ParameterError
        ``data`` is not a DataFrame, ``sample_size < 2``.
    SchemaError
        A column the pipeline needs, or ``stratify``, is missing.

    See Also
    --------
    sample_partitions, predict_partitions, fit_on_sample, predict_in_chunks

    Notes
    -----
    Why a sample: k-means (and mixture) centres are means; the error of a segment's mean falls
    with the square root of its size, so a few hundred thousand customers pin down a handful
    of centres as well as tens of millions do, and the fit stays on one machine in seconds.
    Stratifying on a column such as ``customer_kind`` keeps small but important levels
    (corporate customers) in their true share. The expensive, embarrassingly parallel part,
    assigning every customer to its nearest centre, runs on the cluster with
    :func:`predict_partitions`. Ward and HDBSCAN cannot label new rows and do not suit this
    path.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 500), rng.normal(8, 1, 500)]})
    >>> ddf = dd.from_pandas(df, npartitions=4)
    >>> pipe = kq.fit_on_partitions(ddf, kq.segment_pipeline(n_clusters=2), sample_size=200)
    >>> kq.predict_partitions(pipe, ddf).compute().value_counts().tolist()
    [500, 500]
    """
    owner = "fit_on_partitions"
    if isinstance(data, pd.DataFrame):
        return fit_on_sample(data, pipeline, sample_size=sample_size, stratify=stratify,
                             random_state=random_state)
    _dask_frame_module(data, owner)
    sample = sample_partitions(data, n=sample_size, stratify=stratify, random_state=random_state)
    log.info("fit_on_partitions: fitting on a sample of %d rows", len(sample))
    return fit_on_sample(sample, pipeline, sample_size=max(2, len(sample)),
                         random_state=random_state)


def _predict_part(part: pd.DataFrame, pipeline: Any) -> pd.Series:
    if len(part) == 0:
        return pd.Series([], index=part.index, dtype="int64", name="segment")
    labels = np.asarray(pipeline.predict(part), dtype="int64")
    return pd.Series(labels, index=part.index, name="segment")


def predict_partitions(pipeline: Any, data: Any) -> Any:
    """Label every customer of a Dask DataFrame with a fitted pipeline, partition by partition.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline whose model has ``predict`` (k-means, mini-batch k-means, mixture),
        e.g. from :func:`fit_on_partitions`.
    data : dask.dataframe.DataFrame
        The customer table with the columns the pipeline was fitted on.

    Returns
    -------
    dask.dataframe.Series
        Lazy int64 labels named ``"segment"`` on ``data``'s partitions and index; call
        ``.compute()`` for pandas, or join it back / write it with ``to_parquet``.

    Raises
    ------
    ParameterError
        ``data`` is not a Dask DataFrame; the pipeline is unfitted or cannot label new rows.
    SchemaError
        A column the pipeline was fitted on is missing (checked before any work).

    See Also
    --------
    fit_on_partitions, predict_in_chunks

    Notes
    -----
    Each partition is labelled independently by a copy of the fitted pipeline shipped to the
    workers (``map_partitions``): no data moves between workers, and each label is identical
    to ``pipeline.predict`` on the same rows. For a large pipeline on a real cluster, scatter
    it once first (``client.scatter(pipeline, broadcast=True)``) and pass the future.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> df = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 0.2, 5.2]})
    >>> pipe = kq.segment_pipeline(n_clusters=2).fit(df)
    >>> labels = kq.predict_partitions(pipe, dd.from_pandas(df, npartitions=3)).compute()
    >>> labels.equals(pipe.predict(df))
    True
    """
    owner = "predict_partitions"
    _dask_frame_module(data, owner)
    if not hasattr(pipeline, "predict") or not hasattr(pipeline, "steps"):
        msg = f"{owner}: pass a fitted Pipeline (segment_pipeline), got {type(pipeline).__name__}."
        raise ParameterError(msg)
    _require_fitted_predictor(pipeline, owner)
    needed = [str(c) for c in getattr(pipeline, "feature_names_in_", [])]
    _dask_columns(data, needed, owner=owner)
    meta = pd.Series([], dtype="int64", name="segment")
    return data.map_partitions(_predict_part, pipeline, meta=meta)
