"""Choosing and checking segmentations: number of segments, stability, partition agreement."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.pipeline import Pipeline

from .._repr import ResultRepr
from .._validation import check_int, check_option, check_random_state, fmt_values
from ..errors import ParameterError, SchemaError
from ._pipeline import (
    SegmentPipeline,
    _check_rows,
    _k_param,
    _progress,
    _RandomState,
    _require_pipeline,
    _sample_index,
    _seed,
)

# Records keep the logger name of the former single-file module.
log = logging.getLogger(__package__)


# --- choosing k ---------------------------------------------------------------------------------


def _within_ss(X: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for lab in np.unique(labels):
        part = X[labels == lab]
        total += float(((part - part.mean(axis=0)) ** 2).sum())
    return total


RULES = {
    "silhouette": "largest silhouette (on a seeded sample)",
    "bic": "lowest BIC of the Gaussian mixture",
    "consensus": "best mean rank of silhouette, Calinski-Harabasz and Davies-Bouldin",
}


@dataclass(frozen=True, repr=False)
class KSelection(ResultRepr):
    """Result of :func:`choose_k`: the scores per number of segments and the recommendation.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per k (RangeIndex) with columns ``k``, ``n_segments`` (segments actually
        found), ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``inertia``
        (within-segment sum of squares on the prepared matrix), ``bic`` (NaN unless the model
        is a mixture) and ``recommended`` (bool, True on one row).
    recommended_k : int
        The recommended number of segments.
    rule : str
        How it was chosen, in words (e.g. ``"largest silhouette"``).
    silhouette_sample : int
        Rows on which the silhouette was computed.
    """

    scores: pd.DataFrame
    recommended_k: int
    rule: str
    silhouette_sample: int


def choose_k(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    k_range: Iterable[int] = range(2, 11),
    rule: str = "auto",
    sample_size: int | None = 10_000,
    random_state: _RandomState = 0,
    progress: bool | None = None,
) -> KSelection:
    """Score a segmentation for each number of segments k, and recommend one.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table (one row per customer).
    pipeline : Pipeline, optional
        A pipeline from :func:`segment_pipeline` (default: ``segment_pipeline()``). It is not
        modified; each k is fitted on a clone.
    k_range : iterable of int, default=range(2, 11)
        Numbers of segments to try; each at least 2 and below the number of rows.
    rule : {"auto", "silhouette", "consensus", "bic"}, default="auto"
        How to recommend k: ``"bic"`` (lowest BIC) for a Gaussian mixture under ``"auto"``,
        else ``"silhouette"`` (largest silhouette). ``"consensus"`` takes the best mean rank of
        silhouette, Calinski-Harabasz (higher is better) and Davies-Bouldin (lower is better).
    sample_size : int or None, default=10_000
        Rows of a seeded sample on which the silhouette is computed (it costs n² time); the
        other scores use every row. ``None`` uses every row.
    random_state : int, numpy Generator or None, default=0
        Seed of the silhouette sample.
    progress : bool, optional
        Show a progress bar over k. Default: only in an interactive session (never under CI,
        pytest or papermill); the environment variable ``KEQUN_PROGRESS=0`` (or ``1``) decides
        when set.

    Returns
    -------
    KSelection
        A frozen dataclass: ``scores`` (one row per k: ``k``, ``n_segments``, ``silhouette``,
        ``calinski_harabasz``, ``davies_bouldin``, ``inertia``, ``bic``, ``recommended``),
        ``recommended_k``, ``rule`` and ``silhouette_sample``.

    Raises
    ------
    ParameterError
        Empty ``k_range``, a k below 2 or not below the number of rows, an unknown rule, ``bic``
        for a model without BIC, or a model without a number of segments (HDBSCAN).
    SchemaError
        Bad table (see :func:`segment_pipeline`).

    See Also
    --------
    segment_pipeline, stability, kequn_lib.plot_k_selection

    Notes
    -----
    The preparation step is fitted once (it does not depend on k); the model is re-fitted per
    k on the prepared matrix. Silhouette (−1…1, higher is better) measures how much closer
    customers are to their own segment than to the next one; Calinski-Harabasz is the ratio of
    between- to within-segment dispersion; Davies-Bouldin the average similarity of each segment
    to its most similar one (lower is better). No score is the truth: read the curve, not only
    the recommended k.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 30), rng.normal(8, 1, 30)],
    ...                      "y": np.r_[rng.normal(0, 1, 30), rng.normal(8, 1, 30)]})
    >>> selection = kq.choose_k(data, kq.segment_pipeline(), k_range=range(2, 5),
    ...                         progress=False)
    >>> selection.recommended_k
    2
    """
    owner = "choose_k"
    data = _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    ks = list(k_range)
    if not ks:
        raise ParameterError(f"{owner}: k_range is empty; pass e.g. range(2, 11).")
    n = len(data)
    for k in ks:
        check_int(k, name="each k in k_range", owner=owner, low=2)
        if k >= n:
            msg = (
                f"{owner}: k={k} is not below the number of rows ({n}); the scores need at "
                f"least one more row than segments. Use k_range up to {n - 1}."
            )
            raise ParameterError(msg)
    model0 = pipeline.named_steps["model"]
    kp = _k_param(model0)
    if kp is None:
        msg = (
            f"{owner}: {type(model0).__name__} has no number of segments to choose "
            "(HDBSCAN finds its own); use algorithm='kmeans', 'minibatch_kmeans', 'gmm' or "
            "'ward'."
        )
        raise ParameterError(msg)
    is_mixture = hasattr(model0, "bic")
    rule = check_option(rule, ["auto", *RULES], name="rule", owner=owner)
    if rule == "auto":
        rule = "bic" if is_mixture else "silhouette"
    if rule == "bic" and not is_mixture:
        raise ParameterError(f"{owner}: rule='bic' needs algorithm='gmm'.")
    if sample_size is not None:
        sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = check_random_state(random_state, owner=owner)

    probe = clone(pipeline)
    probe.set_params(**{f"model__{kp}": max(ks)})
    probe._check_fit_input(data) if isinstance(probe, SegmentPipeline) else None
    Xt = np.asarray(clone(pipeline.named_steps["prepare"]).fit_transform(data), dtype="float64")
    idx = _sample_index(n, sample_size, rng)
    rows = []
    for k in _progress(ks, progress=progress, desc="choose_k"):
        model = clone(model0).set_params(**{kp: k})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = np.asarray(model.fit_predict(Xt))
        found = len(np.unique(labels))
        row = {"k": k, "n_segments": found, "silhouette": np.nan, "calinski_harabasz": np.nan,
               "davies_bouldin": np.nan}
        if found >= 2:
            if len(np.unique(labels[idx])) >= 2:
                row["silhouette"] = float(silhouette_score(Xt[idx], labels[idx]))
            row["calinski_harabasz"] = float(calinski_harabasz_score(Xt, labels))
            row["davies_bouldin"] = float(davies_bouldin_score(Xt, labels))
        row["inertia"] = float(getattr(model, "inertia_", np.nan))
        if not math.isfinite(row["inertia"]) or isinstance(model, MiniBatchKMeans):
            row["inertia"] = _within_ss(Xt, labels)
        row["bic"] = float(model.bic(Xt)) if is_mixture else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if rule == "silhouette":
        score = out["silhouette"]
    elif rule == "bic":
        score = -out["bic"]
    else:
        ranks = pd.concat([out["silhouette"].rank(ascending=False),
                           out["calinski_harabasz"].rank(ascending=False),
                           out["davies_bouldin"].rank(ascending=True)], axis=1)
        score = -ranks.mean(axis=1)
    if score.notna().any():
        best = int(out.loc[score.idxmax(), "k"])
    else:  # pragma: no cover - every fit collapsed to one segment
        best = int(out["k"].iloc[0])
    out["recommended"] = out["k"] == best
    log.info("choose_k: recommended k=%d by %s", best, RULES[rule])
    return KSelection(scores=out, recommended_k=best, rule=RULES[rule],
                      silhouette_sample=len(idx))


# --- stability ----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class StabilityResult(ResultRepr):
    """Result of :func:`stability`.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per bootstrap run (RangeIndex): ``run``, ``ari`` (adjusted Rand index against
        the reference segmentation), ``nmi``, ``n_segments`` (segments found in the run),
        ``rows_compared`` and ``method`` (``"bootstrap+predict"`` or ``"subsample"``).
    summary : pandas.Series
        ``n_boot``, ``mean_ari``, ``median_ari``, ``min_ari``, ``q05_ari``, ``q95_ari``,
        ``rows`` (rows used) and ``verdict`` (``"stable"``, ``"moderately stable"`` or
        ``"unstable"``, judged by ``q05_ari``).
    """

    runs: pd.DataFrame
    summary: pd.Series

    def _repr_headline(self) -> dict[str, Any]:
        s = self.summary
        return {key: s[key] for key in ("n_boot", "mean_ari", "q05_ari", "verdict")}


#: Verdict thresholds on the lower (5 %) quantile of the bootstrap ARI (an assumption, in the
#: spirit of the usual cluster-stability rules of thumb: above 0.85 stable, above 0.6
#: moderately stable).
STABILITY_THRESHOLDS = (0.85, 0.6)


def stability(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    n_boot: int = 20,
    sample_size: int | None = 20_000,
    random_state: _RandomState = 0,
    progress: bool | None = None,
) -> StabilityResult:
    """Check whether segments are real: re-fit on bootstrap samples and compare the labels.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table.
    pipeline : Pipeline, optional
        A pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); not modified.
    n_boot : int, default=20
        Number of bootstrap runs.
    sample_size : int or None, default=20_000
        Larger tables are first reduced to a seeded random sample of this many rows (the
        stability of a segmentation is a property of its shape, not of every row).
    random_state : int, numpy Generator or None, default=0
        Seed of the samples and of each run's model (run ``b`` uses seed ``seed + b``), so the
        check covers both data and start-value variation.
    progress : bool, optional
        Show a progress bar over runs; default as in :func:`choose_k` (interactive sessions
        only, ``KEQUN_PROGRESS`` overrides).

    Returns
    -------
    StabilityResult
        ``.runs`` (one row per run) and ``.summary`` (mean, median, min, 5 % and 95 % quantiles
        of the ARI and a verdict).

    Raises
    ------
    ParameterError
        ``n_boot < 2``, or a bad pipeline.
    SchemaError
        Bad table (see :func:`segment_pipeline`).

    See Also
    --------
    choose_k, compare_partitions

    Notes
    -----
    The reference segmentation is the pipeline fitted on all (sampled) rows. For a model with
    ``predict`` (k-means, mixtures) each run draws rows with replacement, fits a clone (new
    seed), labels every row with ``predict`` and compares with the reference by the adjusted
    Rand index (ARI: 1 identical, about 0 no better than chance). Ward and HDBSCAN cannot label
    new rows, so each run fits on a random 80 % subsample and is compared on those rows. The
    verdict is judged by the lower 5 % quantile of the ARI (``q05_ari``), so a segmentation
    is called stable only if nearly every run reproduces it: ``"stable"`` when it is at least
    0.85, ``"moderately stable"`` at least 0.6, else ``"unstable"`` (thresholds are an
    assumption).

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 40), rng.normal(8, 1, 40)]})
    >>> res = kq.stability(data, kq.segment_pipeline(n_clusters=2), n_boot=3, progress=False)
    >>> res.summary["verdict"]
    'stable'
    """
    owner = "stability"
    data = _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    n_boot = check_int(n_boot, name="n_boot", owner=owner, low=2)
    if sample_size is not None:
        sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = check_random_state(random_state, owner=owner)
    base_seed = _seed(random_state, owner)
    base_seed = 0 if base_seed is None else base_seed
    work = data.iloc[_sample_index(len(data), sample_size, rng)]
    reference = clone(pipeline).fit_predict(work)
    ref = np.asarray(reference)
    n = len(work)
    has_predict = hasattr(pipeline.named_steps["model"], "predict")
    model_params = pipeline.named_steps["model"].get_params(deep=False)
    rows = []
    for b in _progress(range(n_boot), progress=progress, desc="stability"):
        run = clone(pipeline)
        if "random_state" in model_params and model_params["random_state"] is not None:
            run.set_params(model__random_state=base_seed + b + 1)
        if has_predict:
            take = rng.integers(0, n, size=n)
            sample = work.iloc[take]
            if sample.index.has_duplicates:
                sample = sample.reset_index(drop=True)
            run.fit(sample)
            labels = np.asarray(run.predict(work))
            compared, method = ref, "bootstrap+predict"
        else:
            take = np.sort(rng.choice(n, size=max(2, int(0.8 * n)), replace=False))
            labels = np.asarray(run.fit_predict(work.iloc[take]))
            compared, method = ref[take], "subsample"
        rows.append({
            "run": b,
            "ari": float(adjusted_rand_score(compared, labels)),
            "nmi": float(normalized_mutual_info_score(compared, labels)),
            "n_segments": len(np.unique(labels)),
            "rows_compared": len(labels),
            "method": method,
        })
    runs = pd.DataFrame(rows)
    ari = runs["ari"]
    mean = float(ari.mean())
    lower = float(ari.quantile(0.05))
    hi, mid = STABILITY_THRESHOLDS
    # judged by the lower 5 % quantile: "stable" must hold in nearly every run, not on average
    verdict = "stable" if lower >= hi else ("moderately stable" if lower >= mid else "unstable")
    summary = pd.Series({
        "n_boot": n_boot, "mean_ari": mean, "median_ari": float(ari.median()),
        "min_ari": float(ari.min()), "q05_ari": lower,
        "q95_ari": float(ari.quantile(0.95)), "rows": n, "verdict": verdict,
    }, name="stability", dtype=object)
    return StabilityResult(runs=runs, summary=summary)


# --- comparing partitions -----------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class PartitionComparison(ResultRepr):
    """Result of :func:`compare_partitions`.

    Attributes
    ----------
    crosstab : pandas.DataFrame
        Counts of customers: index = labels of ``a``, columns = labels of ``b`` (their names
        are the Series names, or ``"a"`` / ``"b"``).
    adjusted_rand : float
        Adjusted Rand index (1 identical partitions, about 0 chance agreement, can be < 0).
    nmi : float
        Normalised mutual information (0 independent, 1 identical up to relabelling).
    n : int
        Number of customers compared.
    """

    crosstab: pd.DataFrame
    adjusted_rand: float
    nmi: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy summary: ``a``, ``b``, ``n``, ``adjusted_rand``, ``nmi``."""
        return pd.DataFrame([{
            "a": self.crosstab.index.name, "b": self.crosstab.columns.name, "n": self.n,
            "adjusted_rand": self.adjusted_rand, "nmi": self.nmi,
        }])


def _as_labels(x: Any, name: str, owner: str) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x
    elif isinstance(x, pd.DataFrame):
        msg = f"{owner}: {name} must be one column of labels (a Series), got a DataFrame."
        raise ParameterError(msg)
    else:
        try:
            s = pd.Series(np.asarray(x), name=None)
        except Exception:  # pragma: no cover - exotic inputs
            raise ParameterError(f"{owner}: {name} must be array-like labels.") from None
        if s.ndim != 1:  # pragma: no cover
            raise ParameterError(f"{owner}: {name} must be one-dimensional.")
    if s.isna().any():
        rows = s.index[s.isna()]
        msg = (
            f"{owner}: {name} has {len(rows)} missing label(s), first at index "
            f"[{fmt_values(rows)}]. Give every customer a label (e.g. fillna('unknown'))."
        )
        raise SchemaError(msg, rows=list(rows))
    return s


def compare_partitions(a: Any, b: Any) -> PartitionComparison:
    """Compare two labellings of the same customers (e.g. AUM tiers vs segments).

    Parameters
    ----------
    a, b : pandas.Series or array-like
        Labels of the same customers. Two Series are matched by index (both must hold the same
        index labels); otherwise they are matched by position and must have the same length.

    Returns
    -------
    PartitionComparison
        ``.crosstab`` (counts, rows = ``a``, columns = ``b``), ``.adjusted_rand``, ``.nmi``,
        ``.n``; ``.to_frame()`` gives a one-row summary.

    Raises
    ------
    SchemaError
        Different lengths or different indexes, missing labels, or fewer than two customers.

    See Also
    --------
    stability, kequn_lib.plot_partition_crosstab

    Notes
    -----
    Both indices are symmetric and ignore label names: ARI corrects the Rand index for chance;
    NMI uses the arithmetic mean of the two entropies (scikit-learn's default).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> cmp = kq.compare_partitions(pd.Series([0, 0, 1, 1], name="segment"),
    ...                             pd.Series(["x", "x", "y", "y"], name="persona"))
    >>> cmp.adjusted_rand, cmp.nmi
    (1.0, 1.0)
    >>> cmp.crosstab.loc[0, "x"]
    np.int64(2)
    """
    owner = "compare_partitions"
    sa, sb = _as_labels(a, "a", owner), _as_labels(b, "b", owner)
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if not sa.index.equals(sb.index):
            if len(sa) != len(sb) or not sa.index.sort_values().equals(sb.index.sort_values()):
                extra = sa.index.symmetric_difference(sb.index)
                msg = (
                    f"{owner}: a and b cover different customers ({len(sa)} vs {len(sb)} rows; "
                    f"{len(extra)} index label(s) in only one, e.g. [{fmt_values(extra)}]). "
                    "Label the same table twice, or align them first."
                )
                raise SchemaError(msg, rows=list(extra))
            sb = sb.reindex(sa.index)
    elif len(sa) != len(sb):
        msg = f"{owner}: a and b must have the same length, got {len(sa)} and {len(sb)}."
        raise SchemaError(msg)
    if len(sa) < 2:
        raise SchemaError(f"{owner}: need at least 2 customers to compare, got {len(sa)}.")
    va, vb = sa.to_numpy(), sb.to_numpy()
    # keep the labels' own dtype (an ordered tier category keeps its order); drop empty levels
    table = pd.crosstab(pd.Series(sa.array, name=sa.name or "a"),
                        pd.Series(sb.array, name=sb.name or "b"))
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    return PartitionComparison(
        crosstab=table,
        adjusted_rand=float(adjusted_rand_score(va, vb)),
        nmi=float(normalized_mutual_info_score(va, vb)),
        n=len(sa),
    )
