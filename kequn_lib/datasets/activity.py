"""A synthetic weekly activity log of customer groups (客群活动日志), with a ground truth.

The source essay (article part 2) argues that a group lives on value content: content that fits
the members (it answers what it has to do with them, what value it brings, what problem it
solves) builds a sense of presence, participation and belonging (存在感、参与感、归属感), and only
then do members take up products; groups fed identical forwarded "central kitchen" (中央厨房)
items fall silent (死群/咸鱼群). No bank publishes such logs, so :func:`make_group_activity`
simulates one whose mechanics follow that argument, with every parameter a documented default of
:class:`ActivityAssumptions`. The ground truth (which groups are dying) is in ``true_*`` columns,
so the group-health methods (:func:`~kequn_lib.silent_groups`) can be checked against it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from .._validation import (
    check_int,
    check_number,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
)
from ..errors import InputTypeError, ParameterError, SchemaError

__all__ = ["ActivityAssumptions", "make_group_activity"]


@dataclass(frozen=True)
class ActivityAssumptions:
    """How the synthetic group activity log is generated. Assumptions, not sourced figures.

    Each group gets a latent content fit and a forwarded share; both move its activity level,
    its chance of dying and its members' take-up. Member activity is Poisson around a member
    propensity times the group's weekly level.

    Parameters
    ----------
    content_fit_mean, content_fit_sd : float, default=0.55, 0.15
        Mean and spread (Beta distribution) across groups of content fit: the share of the
        three questions (relevance to the client, value, problem solved) that the staff's items
        answer, 0–1.
    forwarded_mean, forwarded_sd : float, default=0.5, 0.2
        Mean and spread (Beta) across groups of the forwarded share: the share of staff items
        that are identical forwarded "central kitchen" items, 0–1.
    dying_share : float, default=0.25
        Chance that a group with average content is dying.
    dying_fit_effect, dying_forwarded_effect : float, default=4.0, 3.0
        Log-odds of dying lost per unit of content fit, gained per unit of forwarded share
        (deviations from the means).
    dying_decline : tuple of float, default=(1.2, 3.5)
        Range (uniform) of a dying group's total log decline of activity from onset to the last
        week: it loses 70% to 97% of its activity.
    onset_max : float, default=0.25
        A dying group starts to decline within the first ``onset_max`` of the weeks.
    healthy_drift_sd : float, default=0.15
        Spread of a healthy group's total log drift over the window, clipped to ±0.4 (at most a
        third lost or a half gained).
    posts_per_member, replies_per_member : float, default=0.15, 0.35
        Weekly posts and replies of an average member in an average group.
    member_shape : float, default=0.5
        Gamma shape of member propensity (mean 1): small values make most members lurkers and a
        few very active.
    group_sd : float, default=0.5
        Log-normal spread of groups' activity levels, so some healthy groups are simply quiet.
    fit_activity_effect, forwarded_activity_effect : float, default=1.5, 1.0
        Log activity gained per unit of content fit, lost per unit of forwarded share.
    week_cv : float, default=0.2
        Coefficient of variation of a group's week-to-week shock (Gamma, mean 1).
    event_rate : tuple of float, default=(0.1, 0.5)
        Range (uniform) of the share of weeks in which a group holds an event (a salon, a
        lecture, a privilege day): the bank's resources put into the group.
    attend_scale : float, default=0.6
        Chance to attend an event held: ``1 - exp(-attend_scale * propensity * level)``.
    staff_items_per_week : float, default=4.0
        Mean items the staff post a week (at least one).
    fit_noise : float, default=0.08
        Spread of the weekly audit score of content fit around the group's latent fit.
    take_up_base : float, default=0.004
        Weekly chance that a member who is not active that week takes up a product, at average
        content.
    take_up_fit_effect, take_up_forwarded_effect : float, default=2.0, 1.5
        Log-odds of take-up gained per unit of the week's content fit, lost per unit of the
        group's forwarded share.
    take_up_active_effect : float, default=1.2
        Log-odds of take-up gained in a week the member posted, replied or attended: adoption
        follows participation.
    """

    content_fit_mean: float = 0.55
    content_fit_sd: float = 0.15
    forwarded_mean: float = 0.5
    forwarded_sd: float = 0.2
    dying_share: float = 0.25
    dying_fit_effect: float = 4.0
    dying_forwarded_effect: float = 3.0
    dying_decline: tuple[float, float] = (1.2, 3.5)
    onset_max: float = 0.25
    healthy_drift_sd: float = 0.15
    posts_per_member: float = 0.15
    replies_per_member: float = 0.35
    member_shape: float = 0.5
    group_sd: float = 0.5
    fit_activity_effect: float = 1.5
    forwarded_activity_effect: float = 1.0
    week_cv: float = 0.2
    event_rate: tuple[float, float] = (0.1, 0.5)
    attend_scale: float = 0.6
    staff_items_per_week: float = 4.0
    fit_noise: float = 0.08
    take_up_base: float = 0.004
    take_up_fit_effect: float = 2.0
    take_up_forwarded_effect: float = 1.5
    take_up_active_effect: float = 1.2

    def __post_init__(self) -> None:
        owner = "ActivityAssumptions"
        unit = ("content_fit_mean", "forwarded_mean", "dying_share", "onset_max", "take_up_base")
        positive = ("content_fit_sd", "forwarded_sd", "posts_per_member", "replies_per_member",
                    "member_shape", "attend_scale", "staff_items_per_week")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("dying_decline", "event_rate"):
                ok = isinstance(value, tuple | list) and len(value) == 2
                lo, hi = (value if ok else (None, None))
                high = 1.0 if f.name == "event_rate" else None
                check_number(lo, name=f"{f.name}[0]", owner=owner, low=0, high=high)
                check_number(hi, name=f"{f.name}[1]", owner=owner, low=lo, high=high)
            elif f.name in unit:
                check_number(value, name=f.name, owner=owner, low=0, high=1,
                             low_inclusive=False, high_inclusive=False)
            elif f.name in positive:
                check_number(value, name=f.name, owner=owner, low=0, low_inclusive=False)
            else:
                check_number(value, name=f.name, owner=owner, low=0)
        for mean, sd in (("content_fit_mean", "content_fit_sd"), ("forwarded_mean",
                                                                  "forwarded_sd")):
            m, s = getattr(self, mean), getattr(self, sd)
            if s * s >= m * (1 - m):
                msg = (
                    f"{owner}: {sd}={s} is too large for {mean}={m}: a share's spread must be "
                    f"below sqrt(mean * (1 - mean)) = {np.sqrt(m * (1 - m)):.3f}."
                )
                raise ParameterError(msg)


def _beta(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Beta draws with the given mean and standard deviation."""
    k = mean * (1 - mean) / (sd * sd) - 1
    return rng.beta(mean * k, (1 - mean) * k, size)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _members(groups: pd.DataFrame, group_col: Hashable, customer_col: Hashable | None,
             owner: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Group codes (sorted order of appearance), group labels and customer ids, checked."""
    groups = require_frame(groups, owner=owner)
    require_columns(groups, [group_col] + ([customer_col] if customer_col is not None else []),
                    owner=owner)
    gid = groups[group_col]
    cid = (pd.Series(groups.index, index=groups.index) if customer_col is None
           else groups[customer_col])
    for name, s in ((group_col, gid), (customer_col or "index", cid)):
        bad = s.isna().to_numpy()
        if bad.any():
            rows = groups.index[bad]
            msg = (
                f"{owner}: column {name!r} has {int(bad.sum())} missing value(s), first at index "
                f"[{fmt_values(rows)}]. Every member needs a group and a customer id; drop "
                "or fill these rows."
            )
            raise SchemaError(msg, column=str(name), rows=list(rows))
    pairs = pd.DataFrame({"g": gid.to_numpy(), "c": cid.to_numpy()})
    dup = pairs.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = groups.index[dup]
        msg = (
            f"{owner}: {int(dup.sum())} row(s) repeat a (group, customer) pair, first at index "
            f"[{fmt_values(rows)}]. List each member of a group once."
        )
        raise SchemaError(msg, column=str(group_col), rows=list(rows))
    if isinstance(gid.dtype, pd.CategoricalDtype):
        gid = gid.cat.remove_unused_categories()
        codes = gid.cat.codes.to_numpy().astype("int64")
        labels = pd.Index(gid.cat.categories)
    else:
        codes, labels = pd.factorize(gid, sort=True)
        labels = pd.Index(labels)
    return codes, labels, cid.to_numpy()


def make_group_activity(
    groups: pd.DataFrame,
    *,
    weeks: int = 12,
    group_col: Hashable = "group",
    customer_col: Hashable | None = "customer_id",
    assumptions: ActivityAssumptions | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Simulate a weekly activity log of customer groups: one row per member and week.

    Parameters
    ----------
    groups : pandas.DataFrame
        One row per (group, member): a group id column and a customer id column, e.g.
        ``customers[["customer_id"]].join(kq.dunbar_groups(...))`` or a plain frame of
        ``group``/``customer_id``. A customer may belong to several groups.
    weeks : int, default=12
        Number of weeks to simulate (6 to 520).
    group_col : hashable, default="group"
        Column of ``groups`` with the group id (``"group"`` in the output of
        :func:`~kequn_lib.dunbar_groups`).
    customer_col : hashable or None, default="customer_id"
        Column of ``groups`` with the customer id; ``None`` takes the index labels.
    assumptions : ActivityAssumptions, optional
        The generator's parameters; ``ActivityAssumptions()`` by default.
    random_state : int, numpy Generator or None, default=0
        Seed; the same seed and input give the same log.

    Returns
    -------
    pandas.DataFrame
        One row per member and week, sorted by group, member (input order) and week, RangeIndex.
        Member-week columns: ``group_id`` (categorical), ``customer_id``, ``week`` (int16,
        1..weeks), ``posts`` and ``replies`` (int16, messages in the group), ``attended``
        (bool, came to the group's event that week), ``took_up`` (bool, took up a product that
        week). Group-week columns (the same for every member of a group in a week):
        ``event_held`` (bool), ``staff_items`` (int16, items the bank's staff posted),
        ``forwarded_items`` (int16, of which identical forwarded "central kitchen" items) and
        ``content_fit`` (float32, 0–1: the week's audit score, the share of the three questions
        the staff items answer). Ground truth, per group (never read by kequn's methods):
        ``true_dying`` (bool), ``true_decline`` (float32, the group's total log change of
        activity over the window; about -1.2 to -3.5 for dying groups), ``true_content_fit``
        and ``true_forwarded_share`` (float32, the latent values). ``.attrs`` holds the
        assumptions and the number of weeks.

    Raises
    ------
    SchemaError
        If a named column is missing, an id is missing or a (group, member) pair repeats.
    ParameterError
        If ``weeks`` is out of range or ``random_state`` is not a seed.
    InputTypeError
        If ``groups`` is not a DataFrame or ``assumptions`` not an :class:`ActivityAssumptions`.

    See Also
    --------
    group_health : presence, participation and belonging per group.
    silent_groups : flags groups whose activity decays toward zero.

    Notes
    -----
    Per group ``g``: latent content fit ``f`` and forwarded share ``c`` (Beta); it is dying
    with probability ``sigmoid(logit(dying_share) - dying_fit_effect * (f - mean) +
    dying_forwarded_effect * (c - mean))``. Its weekly log level is a base (Normal,
    ``group_sd``, plus ``fit_activity_effect * (f - mean) - forwarded_activity_effect *
    (c - mean)``), a trajectory (a linear drift for healthy groups; for dying groups flat until
    an onset in the first ``onset_max`` of the weeks, then a linear decline in log terms down to
    ``-decline`` at the last week) and a Gamma week shock. A member with propensity ``z``
    (Gamma, mean 1) posts ``Poisson(posts_per_member * z * level)`` and replies likewise,
    attends a held event with probability ``1 - exp(-attend_scale * z * level)``, and takes up
    a product with probability ``sigmoid(logit(take_up_base) + take_up_fit_effect * (fit_week -
    mean) - take_up_forwarded_effect * (c - mean) + take_up_active_effect * active)``.

    These mechanics encode the essay's argument (content fit and variety keep a group alive;
    adoption follows participation) as assumptions; the log is a test bed for the methods, not
    evidence that the argument holds.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> roster = pd.DataFrame({"group": ["a"] * 60 + ["b"] * 80, "customer_id": range(140)})
    >>> log = kq.make_group_activity(roster, weeks=8, random_state=0)
    >>> log.shape
    (1120, 15)
    >>> log.groupby("group_id", observed=True)["customer_id"].nunique().to_dict()
    {'a': 60, 'b': 80}
    """
    owner = "make_group_activity"
    weeks = check_int(weeks, name="weeks", owner=owner, low=6, high=520)
    a = ActivityAssumptions() if assumptions is None else assumptions
    if not isinstance(a, ActivityAssumptions):
        msg = (
            f"{owner}: assumptions must be a kq.ActivityAssumptions, got {type(a).__name__}. "
            "Build one with kq.ActivityAssumptions(dying_share=0.3, ...)."
        )
        raise InputTypeError(msg)
    codes, labels, cids = _members(groups, group_col, customer_col, owner)
    rng = check_random_state(random_state, owner=owner)
    n_groups, n, w = len(labels), len(codes), weeks
    order = np.argsort(codes, kind="stable")
    codes, cids = codes[order], cids[order]

    # --- groups ------------------------------------------------------------------------------
    fit = _beta(rng, a.content_fit_mean, a.content_fit_sd, n_groups)
    fwd = _beta(rng, a.forwarded_mean, a.forwarded_sd, n_groups)
    dfit, dfwd = fit - a.content_fit_mean, fwd - a.forwarded_mean
    p_dying = _sigmoid(_logit(a.dying_share) - a.dying_fit_effect * dfit
                       + a.dying_forwarded_effect * dfwd)
    dying = rng.random(n_groups) < p_dying
    decline = rng.uniform(*a.dying_decline, n_groups)
    onset = rng.uniform(0, a.onset_max, n_groups) * (w - 1)
    drift = np.clip(rng.normal(0, a.healthy_drift_sd, n_groups), -0.4, 0.4)
    base = (rng.normal(0, a.group_sd, n_groups) + a.fit_activity_effect * dfit
            - a.forwarded_activity_effect * dfwd)
    event_rate = rng.uniform(*a.event_rate, n_groups)

    t = np.arange(w, dtype="float64")
    frac_after = np.clip((t[None, :] - onset[:, None]) / np.maximum(w - 1 - onset, 1)[:, None],
                         0, 1)
    trajectory = np.where(dying[:, None], -decline[:, None] * frac_after,
                          drift[:, None] * t[None, :] / (w - 1))
    shape = 1.0 / (a.week_cv ** 2) if a.week_cv > 0 else np.inf
    shock = (rng.gamma(shape, 1.0 / shape, (n_groups, w)) if np.isfinite(shape)
             else np.ones((n_groups, w)))
    level = np.exp(base[:, None] + trajectory) * shock  # (groups, weeks)
    true_decline = np.where(dying, -decline, drift)

    staff = 1 + rng.poisson(max(a.staff_items_per_week - 1, 0), (n_groups, w))
    forwarded = rng.binomial(staff, fwd[:, None])
    fit_week = np.clip(fit[:, None] + rng.normal(0, a.fit_noise, (n_groups, w)), 0, 1)
    event = rng.random((n_groups, w)) < event_rate[:, None]

    # --- members x weeks ----------------------------------------------------------------------
    z = rng.gamma(a.member_shape, 1.0 / a.member_shape, n)
    lam = z[:, None] * level[codes]  # (members, weeks)
    posts = rng.poisson(a.posts_per_member * lam)
    replies = rng.poisson(a.replies_per_member * lam)
    attended = event[codes] & (rng.random((n, w)) < -np.expm1(-a.attend_scale * lam))
    del lam
    active = (posts > 0) | (replies > 0) | attended
    logit_take = (_logit(a.take_up_base) + a.take_up_fit_effect * (fit_week[codes]
                  - a.content_fit_mean) - a.take_up_forwarded_effect * dfwd[codes][:, None]
                  + a.take_up_active_effect * active)
    took_up = rng.random((n, w)) < _sigmoid(logit_take)
    del logit_take, active

    rows_g = np.repeat(codes, w)
    cells = rows_g * w + np.tile(np.arange(w), n)
    out = pd.DataFrame(
        {
            "group_id": pd.Categorical.from_codes(rows_g, categories=labels),
            "customer_id": np.repeat(cids, w),
            "week": np.tile(np.arange(1, w + 1, dtype="int16"), n),
            "posts": np.minimum(posts, np.iinfo("int16").max).astype("int16").ravel(),
            "replies": np.minimum(replies, np.iinfo("int16").max).astype("int16").ravel(),
            "attended": attended.ravel(),
            "took_up": took_up.ravel(),
            "event_held": event.ravel()[cells],
            "staff_items": staff.astype("int16").ravel()[cells],
            "forwarded_items": forwarded.astype("int16").ravel()[cells],
            "content_fit": fit_week.astype("float32").ravel()[cells],
            "true_dying": dying[rows_g],
            "true_decline": true_decline.astype("float32")[rows_g],
            "true_content_fit": fit.astype("float32")[rows_g],
            "true_forwarded_share": fwd.astype("float32")[rows_g],
        },
        copy=False,  # every column is a fresh array; skip pandas' block consolidation copy
    )
    out.attrs = {"weeks": w, "assumptions": asdict(a)}
    return out

