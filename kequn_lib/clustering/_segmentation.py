"""One call from a customer table to a named segmentation: choose k, fit, profile.

The segmentation chapter and the group-operations chapter must work on exactly the same
segments. Both call :func:`segment_customers` with the same arguments, so the same seed gives
the same number of segments, the same labels and the same names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._repr import ResultRepr
from .._validation import check_int, require_frame
from ..errors import ParameterError, SchemaError
from ._pipeline import SegmentPipeline, _RandomState, _seed, segment_pipeline
from ._profiles import profile_segments
from ._selection import choose_k

__all__ = ["Segmentation", "segment_customers"]

#: Default search range for k (an assumption about use: fewer segments than the distinct
#: treatments a bank can offer add little to the tiers; more than nine cannot be served apart).
DEFAULT_K_RANGE = range(4, 10)
#: Largest k the search widens to when the best k keeps sitting at the upper edge.
DEFAULT_K_MAX = 16
#: How many values of k one widening step adds at an edge.
WIDEN_STEP = 3
_COLUMN_LISTS = ("numeric", "categorical", "money")


@dataclass(frozen=True, repr=False)
class Segmentation(ResultRepr):
    """Result of :func:`segment_customers`.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows that were segmented (individuals when the table has ``customer_kind``).
    labels : pandas.Series
        Segment of each row of ``data`` (int64, name ``"segment"``, on ``data``'s index).
    profile : pandas.DataFrame
        :func:`profile_segments` of ``data`` by ``labels`` on the number columns the pipeline
        used as features (so a persona is never named after a column left out of the
        clustering); persona names are unique.
    names : pandas.Series
        Short English name of each segment (index = segment label), unique within the run:
        the English half of the persona, with ``" #<label>"`` added where two would repeat.
    pipeline : SegmentPipeline
        The pipeline fitted on ``data`` with ``k`` segments; ``pipeline.predict`` labels new rows.
    scores : pandas.DataFrame
        :func:`choose_k` over the final search range (on a seeded sample of ``data``).
    k : int
        Number of segments chosen.
    k_range : tuple of int
        First and last k of the range first asked for.
    searched : tuple of int
        First and last k of the range finally searched (wider than ``k_range`` if widened).
    widened : bool
        True when the best k sat at an edge of ``k_range`` and the search was widened.
    at_edge : bool
        True when the chosen k still sits at an edge of ``searched`` (the widening reached its
        limit, ``k_min`` or ``k_max``): the scores would prefer a k outside what was searched.
    sample : pandas.DataFrame
        The seeded sample of ``data`` on which k was chosen (reuse it for :func:`stability`).
    features : tuple of str
        The columns the pipeline used as features (money, then numbers, then categories).
    """

    data: pd.DataFrame
    labels: pd.Series
    profile: pd.DataFrame
    names: pd.Series
    pipeline: SegmentPipeline
    scores: pd.DataFrame
    k: int
    k_range: tuple[int, int]
    searched: tuple[int, int]
    widened: bool
    at_edge: bool
    sample: pd.DataFrame
    features: tuple[str, ...] = ()

    def _repr_headline(self) -> dict[str, Any]:
        return {"rows": len(self.data), "k": self.k}


def _short_names(persona: pd.Series) -> pd.Series:
    short = persona.astype(str).str.split(" / ").str[-1].str.strip()
    dup = short.duplicated(keep=False)
    short[dup] = [f"{name} #{label}" if f"#{label}" not in name else name
                  for label, name in short[dup].items()]
    return short.rename("name")


def segment_customers(
    data: pd.DataFrame,
    *,
    kind: str | None = "individual",
    kind_col: str = "customer_kind",
    k_range: Iterable[int] = DEFAULT_K_RANGE,
    k_min: int = 2,
    k_max: int = DEFAULT_K_MAX,
    sample_size: int = 8_000,
    silhouette_sample: int = 4_000,
    random_state: _RandomState = 0,
    **pipeline_params: Any,
) -> Segmentation:
    """Segment a customer table: choose k (widening the range at an edge), fit, profile, name.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table (one row per customer). Not modified.
    kind : str or None, default="individual"
        Keep only rows whose ``kind_col`` equals this value (individuals and corporates are
        segmented apart). Ignored when the table has no ``kind_col``; ``None`` keeps every row.
    kind_col : str, default="customer_kind"
        Column naming the kind of customer.
    k_range : iterable of int, default=range(4, 10)
        Numbers of segments to try first (consecutive integers, each at least 2).
    k_min, k_max : int, default=2, 16
        Limits the search may widen to when the best k sits at an edge of the range.
    sample_size : int, default=8_000
        Rows of the seeded sample on which k is chosen (the final fit uses every row).
    silhouette_sample : int, default=4_000
        Rows of that sample on which the silhouette is computed (see :func:`choose_k`).
    random_state : int, numpy Generator or None, default=0
        Seed of the sample, the silhouette sample and the clustering.
    **pipeline_params
        Passed to :func:`segment_pipeline` (e.g. ``algorithm="minibatch_kmeans"``, column
        lists, ``exclude=`` or ``target_col=``, formerly ``target=``); ``n_clusters`` is
        chosen here and may not be passed. Without column lists, a table that names its
        outcome in ``data.attrs["outcome"]`` (the public UCI tables do) gets ``target_col=``
        that column, so the outcome is never a feature.

    Returns
    -------
    Segmentation
        Labels, profile, unique names, the fitted pipeline, the k scores and how k was chosen.

    Raises
    ------
    ParameterError
        ``n_clusters`` passed, a k range that is empty or not consecutive, or limits that do
        not contain it.
    SchemaError
        Bad table (see :func:`segment_pipeline`), or no row of the requested kind.

    See Also
    --------
    segment_pipeline, choose_k, profile_segments, stability

    Notes
    -----
    k is chosen by the largest silhouette (the rule of :func:`choose_k` for k-means) on a seeded
    sample. When the best k is the last of the range (and below ``k_max``), the range is
    extended by three values of k and scored again; likewise at the first k (down to ``k_min``).
    This repeats until the best k lies inside the range or a limit is reached; ``at_edge`` then
    says that the scores would prefer a k beyond the limit. The same arguments and seed give
    the same segments, labels and names, which is how two chapters share one segmentation.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=600, random_state=0)
    >>> seg = kq.segment_customers(customers, k_range=range(3, 6), random_state=0)
    >>> seg.labels.index.equals(seg.data.index), seg.profile["persona"].is_unique
    (True, True)
    >>> seg.k == seg.labels.nunique()
    True
    """
    owner = "segment_customers"
    data = require_frame(data, owner=owner)
    if "n_clusters" in pipeline_params:
        msg = (f"{owner}: n_clusters is chosen here from k_range; pass k_range=range(k, k + 1) "
               "to fix it, not n_clusters=.")
        raise ParameterError(msg)
    ks = [check_int(k, name="each k in k_range", owner=owner, low=2) for k in k_range]
    if not ks or ks != list(range(ks[0], ks[0] + len(ks))):
        msg = f"{owner}: k_range must be consecutive integers such as range(4, 10), got {ks}."
        raise ParameterError(msg)
    k_min = check_int(k_min, name="k_min", owner=owner, low=2)
    k_max = check_int(k_max, name="k_max", owner=owner, low=2)
    if not k_min <= ks[0] <= ks[-1] <= k_max:
        msg = (f"{owner}: k_range {ks[0]}..{ks[-1]} must lie within k_min={k_min} and "
               f"k_max={k_max}.")
        raise ParameterError(msg)
    sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    silhouette_sample = check_int(silhouette_sample, name="silhouette_sample", owner=owner,
                                  low=2)
    seed = _seed(random_state, owner)

    rows = data
    if kind is not None and kind_col in data.columns:
        rows = data[data[kind_col].astype("string") == kind]
        if rows.empty:
            present = sorted(map(str, data[kind_col].dropna().unique()))
            msg = (f"{owner}: no row has {kind_col} == {kind!r}; the column holds {present}. "
                   "Pass kind= one of those, or kind=None for every row.")
            raise SchemaError(msg, column=kind_col)
    outcome = data.attrs.get("outcome")
    if outcome is not None and not any(k in pipeline_params for k in
                                       (*_COLUMN_LISTS, "target", "target_col")):
        pipeline_params["target_col"] = outcome  # the table's own outcome: never a feature
    pipe = segment_pipeline(random_state=seed, **pipeline_params)
    sample = rows.sample(n=min(len(rows), sample_size), random_state=seed)
    lo, hi = ks[0], min(ks[-1], len(sample) - 1)
    top = min(k_max, len(sample) - 1)
    scored: list[pd.DataFrame] = []
    todo = list(range(lo, hi + 1))
    widened = False
    while True:
        if todo:  # score only the values of k not scored yet
            scored.append(choose_k(sample, pipe, k_range=todo, sample_size=silhouette_sample,
                                   random_state=seed, progress=False).scores)
        scores = pd.concat(scored).sort_values("k").reset_index(drop=True)
        best = int(scores.loc[scores["silhouette"].idxmax(), "k"])
        new_lo = max(k_min, lo - WIDEN_STEP) if best == lo and lo > k_min else lo
        new_hi = min(top, hi + WIDEN_STEP) if best == hi and hi < top else hi
        if (new_lo, new_hi) == (lo, hi):
            break
        todo = [*range(new_lo, lo), *range(hi + 1, new_hi + 1)]
        lo, hi, widened = new_lo, new_hi, True
    scores["recommended"] = scores["k"] == best
    at_edge = hi > lo and best in (lo, hi)
    pipe.set_params(model__n_clusters=best)
    labels = pipe.fit_predict(rows)
    used = {name: list(cols) for name, _t, cols in pipe.named_steps["prepare"].transformers_
            if name in ("money", "numeric", "categorical")}
    numbers = [*used.get("money", []), *used.get("numeric", [])]
    profile = profile_segments(rows, labels, features=numbers or None)
    return Segmentation(
        data=rows, labels=labels, profile=profile, names=_short_names(profile["persona"]),
        pipeline=pipe, scores=scores, k=best, k_range=(ks[0], ks[-1]), searched=(lo, hi),
        widened=widened, at_edge=at_edge, sample=sample,
        features=(*numbers, *used.get("categorical", [])),
    )
