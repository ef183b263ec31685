"""From segments to operable customer groups (客群): Dunbar-sized groups.

A segment from :mod:`~kequn_lib.clustering` is a label in a system; a *group* a team can run is
something smaller. The source essay (article part 2) argues that a 客群 is a set of people who
share values, that it works best at roughly 50 to 150 members, and that value recognition
(价值认同) grows through information fission (信息裂变, content cut to the group's needs: see
:mod:`kequn_lib.content`) and relationship fission (关系裂变, three layers of depth: see
:mod:`kequn_lib.layers`).

This module makes the groups themselves: :func:`dunbar_groups` splits every segment into groups
of 50 to 150 similar customers (exact sizes, vectorised, fast on millions of rows) and
:func:`dunbar_dispersion` checks that the groups are more homogeneous than random groups of the
same sizes.

The size band is the source's rule of thumb, not a law: it is a keyword default so a bank can
replace it with its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    check_int,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
    warn,
)
from .errors import ParameterError, SchemaError

__all__ = [
    "dunbar_dispersion",
    "dunbar_groups",
]

log = logging.getLogger(__name__)

GROUP_STATUS = ("in_band", "small_segment", "band_too_narrow")


# --- shared input checks ------------------------------------------------------------------------


def _resolve_by(data: pd.DataFrame, by: Any, *, owner: str, name: str = "by") -> pd.Series:
    """Return the segment labels as a Series aligned to ``data.index``.

    ``by`` is a column name of ``data``, or a Series / array with one label per row.
    """
    if isinstance(by, str | int) and not isinstance(by, bool) and by in data.columns:
        labels = data[by]
    elif isinstance(by, str):
        require_columns(data, [by], owner=owner)
        raise AssertionError  # pragma: no cover - require_columns raised
    elif isinstance(by, pd.Series):
        if not by.index.equals(data.index):
            same_set = len(by) == len(data) and by.index.is_unique and data.index.is_unique
            if same_set and by.index.sort_values().equals(data.index.sort_values()):
                labels = by.reindex(data.index)
            else:
                extra = by.index.difference(data.index)
                lacking = data.index.difference(by.index)
                msg = (
                    f"{owner}: {name} is a Series whose index does not match the data "
                    f"({len(by)} labels for {len(data)} rows; {len(lacking)} row(s) without a "
                    f"label, e.g. [{fmt_values(lacking)}]; {len(extra)} label(s) for unknown "
                    f"rows, e.g. [{fmt_values(extra)}]). Pass labels computed on this very "
                    "table, e.g. pd.Series(pipe.fit_predict(data), index=data.index)."
                )
                raise ParameterError(msg)
        else:
            labels = by
    elif isinstance(by, np.ndarray | list | tuple | pd.Index | pd.Categorical):
        arr = np.asarray(by)
        if arr.ndim != 1 or len(arr) != len(data):
            msg = (
                f"{owner}: {name} has shape {arr.shape} but the data has {len(data)} rows. "
                "Pass one label per row, in the same order as the data."
            )
            raise ParameterError(msg)
        labels = pd.Series(by, index=data.index)
    else:
        msg = (
            f"{owner}: {name}={by!r} is neither a column of the data nor a Series/array of "
            "labels. Pass a column name or one label per row."
        )
        raise ParameterError(msg)
    missing = labels.isna().to_numpy()
    if missing.any():
        rows = data.index[missing]
        msg = (
            f"{owner}: {name} has {int(missing.sum())} missing label(s), first at index "
            f"[{fmt_values(rows)}]. Every customer needs a segment; fill or drop these rows."
        )
        raise SchemaError(msg, column=by if isinstance(by, str) else None, rows=list(rows))
    out = labels.copy()
    if isinstance(by, str):
        out.name = by
    elif labels.name is None:
        out.name = "segment"
    return out


def _as_list(cols: Any, *, name: str, owner: str, allow_empty: bool = False) -> list[str]:
    if cols is None:
        cols = []
    if isinstance(cols, str):
        cols = [cols]
    cols = list(cols)
    if not cols and not allow_empty:
        msg = f"{owner}: {name} is empty. Name at least one numeric column, e.g. {name}=['aum']."
        raise ParameterError(msg)
    return cols


def _feature_matrix(
    data: pd.DataFrame, features: Any, money: Any, *, owner: str, exclude: Any = (),
    target_col: Any = None,
) -> tuple[np.ndarray, list[str]]:
    """Standardised feature matrix (money columns log1p first); z-score over all rows."""
    if features is None and money is None:  # the package's one feature rule, numbers only
        from .clustering._features import _auto_columns

        picked = _auto_columns(data, exclude=exclude, target_col=target_col, owner=owner)
        features = [c for c in picked["numeric"] if not data[c].isna().any()]
        money = [c for c in picked["money"] if not data[c].isna().any()]
    feats = _as_list(features, name="features", owner=owner, allow_empty=money is not None)
    money = _as_list(money, name="money", owner=owner, allow_empty=True)
    cols = list(dict.fromkeys([*feats, *money]))
    if not cols:
        msg = f"{owner}: no feature columns given. Pass features=[...] (and/or money=[...])."
        raise ParameterError(msg)
    require_columns(data, cols, owner=owner)
    n = len(data)
    X = np.empty((n, len(cols)), dtype="float64")
    for j, c in enumerate(cols):
        if c in money:
            X[:, j] = np.log1p(require_numeric(data, c, owner=owner, nonnegative=True).to_numpy())
        else:
            X[:, j] = require_numeric(data, c, owner=owner).to_numpy()
    if n:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std[std == 0] = 1.0
        X -= mean
        X /= std
    return X, cols


def _check_rules(rules: Any, cls: type, owner: str) -> None:
    if not isinstance(rules, cls):
        msg = (
            f"{owner}: rules must be a kq.{cls.__name__}, got {type(rules).__name__}. "
            f"Build one with kq.{cls.__name__}(...)."
        )
        raise ParameterError(msg)



# --- Dunbar groups ------------------------------------------------------------------------------


def _groups_per_segment(
    sizes: np.ndarray, *, min_size: int, max_size: int, target: int
) -> tuple[np.ndarray, np.ndarray]:
    """Number of groups per segment and a status code (index into GROUP_STATUS)."""
    k_lo = -(-sizes // max_size)  # ceil: fewest groups with none above max_size
    k_hi = sizes // min_size  # most groups with none below min_size
    k = np.clip(np.rint(sizes / target).astype("int64"), k_lo, np.maximum(k_hi, 1))
    status = np.zeros(len(sizes), dtype="int64")
    small = sizes < min_size
    narrow = ~small & (k_lo > k_hi)
    k[small] = 1
    k[narrow] = k_lo[narrow]
    status[small] = 1
    status[narrow] = 2
    return np.maximum(k, 1), status


_COV_SAMPLE = 128  # rows per node used to estimate its principal direction


def _pca_tree(X: np.ndarray, seg: np.ndarray, seg_k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split every segment into ``seg_k`` groups of near-equal size (sizes differ by at most 1).

    Recursive bisection, processed level by level for all nodes at once: each node is split
    along its own first principal component at the position that gives each half the right
    number of members for its share of the groups. Returns the leaf id per row and a sort key
    per leaf that keeps neighbouring leaves next to each other. Ties in the projection are
    broken by row order, so callers shuffle the rows first to break them at random; the
    principal direction of a large node is estimated on about ``_COV_SAMPLE`` of its rows, a
    sample that is random for the same reason.
    """
    n, d = X.shape
    XT = np.ascontiguousarray(X.T)  # one contiguous row per feature
    spread = (np.arange(n) * 0.6180339887498949) % 1.0  # low-discrepancy sampling key
    node = seg.astype("int64").copy()
    node_k = seg_k.astype("int64").copy()
    node_path = np.zeros(len(node_k), dtype="int64")
    node_depth = np.zeros(len(node_k), dtype="int64")
    while (node_k > 1).any():
        m = len(node_k)
        active = node_k > 1
        idx = np.flatnonzero(active)
        rows = np.flatnonzero(active[node])
        nd = node[rows]
        cnt = np.bincount(nd, minlength=m)
        # principal direction of each active node, from a sample of its rows
        keep = spread[rows] < _COV_SAMPLE / np.maximum(cnt, 1)[nd]
        srows, snd = rows[keep], nd[keep]
        scnt = np.maximum(np.bincount(snd, minlength=m), 1)
        S = XT[:, srows]
        mean = np.stack([np.bincount(snd, weights=S[j], minlength=m) / scnt for j in range(d)])
        cov = np.zeros((m, d, d))
        for a in range(d):
            for b in range(a, d):
                v = np.bincount(snd, weights=S[a] * S[b], minlength=m) / scnt
                v -= mean[a] * mean[b]
                cov[:, a, b] = v
                cov[:, b, a] = v
        del S
        axis = np.zeros((m, d))
        axis[idx] = np.linalg.eigh(cov[idx])[1][:, :, -1]  # eigenvector of largest eigenvalue
        proj = np.zeros(len(rows))
        for j in range(d):
            proj += XT[j, rows] * axis[nd, j]
        # sort by (node, projection) with one float key: node id + projection scaled into [0, 1)
        lo, hi = proj.min(), proj.max()
        proj -= lo
        proj *= 0.999 / (hi - lo) if hi > lo else 0.0
        proj += nd
        order = np.argsort(proj)
        del proj
        sorted_nd = nd[order]
        start = np.cumsum(cnt) - cnt
        pos = np.arange(len(rows)) - start[sorted_nd]
        k_safe = np.maximum(node_k, 1)
        q, r = cnt // k_safe, cnt % k_safe
        k1 = node_k // 2
        n1 = k1 * q + np.minimum(r, k1)  # members for the left half's k1 groups
        right_id = np.full(m, -1, dtype="int64")
        right_id[idx] = m + np.arange(len(idx))
        left = pos < n1[sorted_nd]
        node[rows[order]] = np.where(left, sorted_nd, right_id[sorted_nd])
        new_k = node_k.copy()
        new_k[idx] = k1[idx]
        node_k = np.concatenate([new_k, node_k[idx] - k1[idx]])
        node_depth = np.concatenate([node_depth, node_depth[idx] + 1])
        node_depth[idx] += 1
        node_path = np.concatenate([node_path, node_path[idx] * 2 + 1])
        node_path[idx] *= 2
    max_depth = int(node_depth.max()) if len(node_depth) else 0
    leaf_key = node_path << (max_depth - node_depth)
    return node, leaf_key


def dunbar_groups(
    data: pd.DataFrame,
    *,
    by: Any,
    features: Sequence[str] | None = None,
    money: Sequence[str] | None = None,
    exclude: Sequence[str] | str | None = None,
    target_col: Sequence[str] | str | None = None,
    min_size: int = 50,
    max_size: int = 150,
    target_size: int | None = None,
    random_state: Any = 0,
) -> pd.DataFrame:
    """Split each segment into operable groups of ``min_size`` to ``max_size`` similar customers.

    Every customer lands in exactly one group; every group lies inside the size band, except a
    segment smaller than ``min_size``, which stays one group and is flagged. Members of a group
    are close to each other in the (standardised) feature space.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table, one row per customer.
    by : str or array-like
        Segment of each customer: a column of ``data`` or a Series/array aligned to it (e.g. the
        labels of ``kq.segment_pipeline(...).fit_predict(data)``). Groups never cross segments.
    features : list of str, optional
        Numeric columns that define "similar". Bool and integer columns are fine; NaN is not.
        If both ``features`` and ``money`` are omitted, the number columns chosen by
        :func:`choose_features` (the rule of :func:`segment_pipeline`) without missing values.
    money : list of str, optional
        Non-negative money columns (CNY) added to the features after ``log1p``, so that a few
        very rich customers do not dominate the distances.
    exclude, target_col : str or list of str, optional
        Refine the default choice as in :func:`choose_features` (ignored when ``features`` or
        ``money`` is given). A ``by`` column is never a feature.
    min_size, max_size : int, default=50, 150
        The size band. The defaults are the 50–150 members at which, by the source essay
        (article part 2), a group co-operates best.
    target_size : int, optional
        Preferred size; the number of groups in a segment is ``round(n / target_size)`` moved
        into the feasible range. Default: the middle of the band (100).
    random_state : int, numpy Generator or None, default=0
        Seeds the shuffle of the rows, which breaks ties between customers with identical
        features and picks the rows that estimate each split direction.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``, with columns ``segment`` (the ``by`` labels), ``group``
        (categorical id ``"<segment>-<k>"``, unique across segments, numbered so that
        neighbouring numbers are neighbouring groups), ``group_size`` (int64) and ``status``
        (categorical: ``in_band``; ``small_segment`` for a segment below ``min_size`` kept whole;
        ``band_too_narrow`` when no split of the segment fits a band narrower than
        ``max_size >= 2 * min_size - 1``). The table says everything: the number of groups is
        ``result["group"].nunique()``, the small segments are the ``segment`` values of rows
        with status ``small_segment``.

    Raises
    ------
    ParameterError
        If a size is not a positive integer, ``min_size > max_size``, ``target_size`` is outside
        the band, or ``by`` does not align with ``data``.
    SchemaError
        If a feature column is missing, not numeric or has NaN/inf, a money column is negative,
        or a segment label is missing.

    Warns
    -----
    UserWarning
        When a segment cannot be split inside a narrow band; its groups respect ``max_size``
        and are flagged ``band_too_narrow``.

    See Also
    --------
    dunbar_dispersion : within-group dispersion against random groups of the same sizes.
    kequn_lib.segment_pipeline : the segments to split.

    Notes
    -----
    Method: a principal-direction tree. Features are z-scored over all customers. Within each
    segment the number of groups ``k`` is fixed first, so that all groups have size
    ``floor(n/k)`` or ``ceil(n/k)``, both inside the band (possible for every ``n >= min_size``
    when ``max_size >= 2 * min_size - 1``). The segment is then cut in two along its first
    principal component at the rank that gives each half the exact number of members for its
    share of the ``k`` groups, and each half is cut again, until every node holds one group.
    All nodes of one level are handled together with vectorised numpy (bincounts, a batched
    eigen-decomposition and one sort), so the cost is ``O(n log n)`` per level and about
    ``log2(k)`` levels: a million customers take seconds. The principal direction of a node is
    estimated on about 128 of its (randomly ordered) rows; the cut itself uses every row, so
    sizes stay exact.

    The 50–150 band is the source's figure (article part 2: early humans co-operated best in
    groups of that size, and the author finds the same in online customer groups); it is a rule
    of thumb, not a law.

    Earlier versions also put the size band, the number of groups and the small segments in the
    result's ``attrs``; the band is the caller's arguments and the rest is in the table.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"aum": rng.lognormal(10, 1, 400), "age": rng.integers(20, 80, 400),
    ...                    "seg": ["a"] * 330 + ["b"] * 40 + ["c"] * 30})
    >>> g = kq.dunbar_groups(df, by="seg", features=["age"], money=["aum"])
    >>> g.groupby("group", observed=True).size().to_dict()
    {'a-1': 110, 'a-2': 110, 'a-3': 110, 'b-1': 40, 'c-1': 30}
    >>> sorted(g.loc[g["status"] == "small_segment", "segment"].unique())
    ['b', 'c']
    """
    owner = "dunbar_groups"
    data = require_frame(data, owner=owner)
    min_size = check_int(min_size, name="min_size", owner=owner, low=1)
    max_size = check_int(max_size, name="max_size", owner=owner, low=1)
    if min_size > max_size:
        msg = (
            f"{owner}: min_size ({min_size}) is larger than max_size ({max_size}). "
            "Pass a band with min_size <= max_size, e.g. min_size=50, max_size=150."
        )
        raise ParameterError(msg)
    if target_size is None:
        target_size = (min_size + max_size) // 2
    target_size = check_int(target_size, name="target_size", owner=owner, low=min_size,
                            high=max_size)
    labels = _resolve_by(data, by, owner=owner)
    if isinstance(by, str) and features is None and money is None:
        from .clustering._features import _names

        exclude = {*_names(exclude, "exclude", owner), by}  # the segment label is no feature
    X, _cols = _feature_matrix(data, features, money, owner=owner, exclude=exclude,
                               target_col=target_col)
    rng = check_random_state(random_state, owner=owner)

    seg_codes, seg_uniques = pd.factorize(labels, sort=True)
    seg_sizes = np.bincount(seg_codes, minlength=len(seg_uniques)).astype("int64")
    seg_k, seg_status = _groups_per_segment(seg_sizes, min_size=min_size, max_size=max_size,
                                            target=target_size)
    narrow = np.flatnonzero(seg_status == 2)
    if len(narrow):
        msg = (
            f"{owner}: {len(narrow)} segment(s) cannot be split into groups of {min_size} to "
            f"{max_size} (sizes {fmt_values(seg_sizes[narrow].tolist())}); their groups keep "
            f"at most {max_size} members but fall below {min_size} and are flagged "
            f"'band_too_narrow'. Use max_size >= 2 * min_size - 1 to avoid this."
        )
        warn(msg, UserWarning)

    shuffle = rng.permutation(len(data))
    leaf = np.empty(len(data), dtype="int64")
    leaf[shuffle], leaf_key = _pca_tree(X[shuffle], seg_codes[shuffle], seg_k)
    del X
    # number the leaves 1..k within each segment, in tree order (left to right)
    leaf_seg = np.full(len(leaf_key), -1, dtype="int64")
    leaf_seg[leaf] = seg_codes
    used = np.flatnonzero(leaf_seg >= 0)
    order = used[np.lexsort((leaf_key[used], leaf_seg[used]))]
    seg_of = leaf_seg[order]
    first = np.r_[0, np.flatnonzero(np.diff(seg_of)) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    group_code = np.empty(len(leaf_key), dtype="int64")
    group_code[order] = np.arange(len(order))
    width = np.array([len(str(k)) for k in seg_k])
    names = [
        f"{seg_uniques[s]}-{str(r + 1).zfill(width[s])}"
        for s, r in zip(seg_of.tolist(), rank.tolist(), strict=True)
    ]
    codes = group_code[leaf]
    sizes = np.bincount(codes, minlength=len(names))
    out = pd.DataFrame(
        {
            "segment": labels.to_numpy(),
            "group": pd.Categorical.from_codes(codes, categories=names),
            "group_size": sizes[codes].astype("int64"),
            "status": pd.Categorical.from_codes(seg_status[seg_codes], categories=GROUP_STATUS),
        },
        index=data.index,
    )
    if isinstance(labels.dtype, pd.CategoricalDtype):
        out["segment"] = labels.to_numpy()
        out["segment"] = out["segment"].astype(labels.dtype)
    log.info("%s: %d customers in %d segments -> %d groups", owner, len(data),
             len(seg_uniques), len(names))
    return out


def _within_ss(X: np.ndarray, codes: np.ndarray, m: int) -> np.ndarray:
    """Sum of squared distances to the group centroid, per group."""
    cnt = np.maximum(np.bincount(codes, minlength=m), 1)
    ss = np.zeros(m)
    for j in range(X.shape[1]):
        s = np.bincount(codes, weights=X[:, j], minlength=m)
        s2 = np.bincount(codes, weights=X[:, j] ** 2, minlength=m)
        ss += s2 - s * s / cnt
    return np.maximum(ss, 0.0)


def dunbar_dispersion(
    data: pd.DataFrame,
    groups: pd.DataFrame | pd.Series,
    *,
    features: Sequence[str] | None,
    money: Sequence[str] | None = None,
    random_state: Any = 0,
) -> pd.DataFrame:
    """Within-group dispersion of groups against random groups of the same sizes.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table the groups were made from.
    groups : DataFrame or Series
        The result of :func:`dunbar_groups` (columns ``group`` and ``segment``), or a Series of
        group ids aligned to ``data``.
    features, money : list of str
        The columns to measure distances on, as in :func:`dunbar_groups` (use the same ones).
    random_state : int, numpy Generator or None, default=0
        Seed of the random baseline.

    Returns
    -------
    pandas.DataFrame
        One row per segment plus a final row ``"all"``, indexed by segment, with columns
        ``customers``, ``groups``, ``dispersion`` (mean squared distance of a member to its
        group centroid, in standard deviations squared), ``random_dispersion`` (the same for
        random groups of identical sizes drawn within the segment), ``segment_dispersion``
        (the whole segment as one group) and ``ratio`` (dispersion / random_dispersion;
        below 1 means the groups are more homogeneous than chance).

    Raises
    ------
    ParameterError
        If ``groups`` does not align with ``data``.
    SchemaError
        If a feature column is missing or has NaN.

    See Also
    --------
    dunbar_groups

    Notes
    -----
    Features are standardised exactly as in :func:`dunbar_groups`. The random baseline shuffles
    the group labels within each segment once, which keeps every group size and segment
    composition and destroys only the similarity ordering.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=600), "seg": 0})
    >>> g = kq.dunbar_groups(df, by="seg", features=["x"])
    >>> d = kq.dunbar_dispersion(df, g, features=["x"])
    >>> bool(d.loc["all", "ratio"] < 0.1)
    True
    """
    owner = "dunbar_dispersion"
    data = require_frame(data, owner=owner)
    if isinstance(groups, pd.DataFrame):
        require_columns(groups, ["group"], owner=owner)
        group_s = _resolve_by(data, groups["group"], owner=owner, name="groups")
        seg_s = (
            _resolve_by(data, groups["segment"], owner=owner, name="groups['segment']")
            if "segment" in groups.columns
            else pd.Series("all", index=data.index)
        )
    else:
        group_s = _resolve_by(data, groups, owner=owner, name="groups")
        seg_s = pd.Series("all", index=data.index)
    X, _ = _feature_matrix(data, features, money, owner=owner)
    rng = check_random_state(random_state, owner=owner)
    gcodes, guniq = pd.factorize(group_s)
    scodes, suniq = pd.factorize(seg_s, sort=True)
    m = len(guniq)
    # random baseline: shuffle group codes within each segment
    perm = np.lexsort((rng.random(len(data)), scodes))
    rand_codes = np.empty_like(gcodes)
    by_seg = np.argsort(scodes, kind="stable")
    rand_codes[perm] = gcodes[by_seg]
    ss = _within_ss(X, gcodes, m)
    ss_rand = _within_ss(X, rand_codes, m)
    ss_seg = _within_ss(X, scodes, len(suniq))
    group_seg = np.zeros(m, dtype="int64")
    group_seg[gcodes] = scodes
    ns = len(suniq)
    n_cust = np.bincount(scodes, minlength=ns)
    n_groups = np.bincount(group_seg, minlength=ns)
    disp = np.bincount(group_seg, weights=ss, minlength=ns)
    disp_rand = np.bincount(group_seg, weights=ss_rand, minlength=ns)
    rows = pd.DataFrame(
        {
            "customers": n_cust,
            "groups": n_groups,
            "dispersion": disp,
            "random_dispersion": disp_rand,
            "segment_dispersion": ss_seg,
        },
        index=pd.Index(list(suniq), name="segment"),
    )
    total = rows.sum().to_frame("all").T
    out = pd.concat([rows, total]) if ns > 1 or suniq[0] != "all" else total
    out.index.name = "segment"
    for c in ("dispersion", "random_dispersion", "segment_dispersion"):
        out[c] = out[c] / out["customers"].clip(lower=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["dispersion"] / out["random_dispersion"]
    out = out.astype({"customers": "int64", "groups": "int64"})
    return out
