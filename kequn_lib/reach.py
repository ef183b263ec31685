"""How many customers one relationship manager can serve: one-to-one against groups of 50–150.

The source essay (article part 2) says banks have a built-in advantage in one-to-one service
(一对一) for valuable clients, and that since mobile internet marketing to one person at a time has
given way to marketing to groups (群体性营销). This module turns that shift into a small capacity
model: a relationship manager (客户经理) has a fixed number of client hours a week; serving a
client one-to-one costs a few contacts a month, while running a group costs a fixed number of
hours a week plus a personal follow-up for the few members who raise a real need.

Every number in :class:`ServiceAssumptions` is an assumption, not a sourced figure: a bank should
replace the defaults with its own time records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ._validation import check_int, check_number
from .errors import InputTypeError, ParameterError

__all__ = ["ServiceAssumptions", "service_reach"]


@dataclass(frozen=True)
class ServiceAssumptions:
    """Time a relationship manager spends on clients. Assumptions, not sourced figures.

    Parameters
    ----------
    service_hours_per_week : float, default=30.0
        Hours a week left for clients out of a 40-hour week, after administration, compliance,
        training and internal meetings.
    weeks_per_month : float, default=52/12
        Weeks in an average month (4.33).
    contact_hours : float, default=0.75
        Hours one personal contact costs, preparation and notes included (a call or a visit).
    contacts_per_month : float, default=1.0
        Personal contacts a one-to-one client receives a month: the least touch that still
        counts as being served.
    group_hours_per_week : float, default=3.0
        Hours a week to run one group: preparing content that answers the essay's three
        questions, moderating, replying, and a share of the group's events.
    member_followup_rate : float, default=0.05
        Share of group members who, in a month, need a personal contact (a real need raised in
        the group is followed up one-to-one), each costing ``contact_hours``.
    """

    service_hours_per_week: float = 30.0
    weeks_per_month: float = 52 / 12
    contact_hours: float = 0.75
    contacts_per_month: float = 1.0
    group_hours_per_week: float = 3.0
    member_followup_rate: float = 0.05

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "member_followup_rate":
                check_number(value, name=f.name, owner="ServiceAssumptions", low=0, high=1)
            else:
                check_number(value, name=f.name, owner="ServiceAssumptions", low=0,
                             low_inclusive=False)


def service_reach(
    assumptions: ServiceAssumptions | None = None,
    *,
    group_sizes: Sequence[int] = (50, 100, 150),
    customers: int | None = None,
) -> pd.DataFrame:
    """Customers one relationship manager can serve one-to-one and through groups of each size.

    Parameters
    ----------
    assumptions : ServiceAssumptions, optional
        Hours per contact, per group and per week; ``ServiceAssumptions()`` by default.
    group_sizes : sequence of int, default=(50, 100, 150)
        Group sizes to compare (the essay's band is 50–150 members).
    customers : int, optional
        A customer base to serve; adds the column ``rms_needed``.

    Returns
    -------
    pandas.DataFrame
        One row for ``one_to_one`` and one per group size, RangeIndex. Columns: ``mode``
        (``one_to_one`` or ``group``), ``group_size`` (Int64, missing for one-to-one),
        ``hours_per_customer_month`` (RM hours a served customer costs a month),
        ``groups_per_rm`` (groups one RM can run; missing for one-to-one),
        ``customers_per_rm`` (customers one RM serves), ``reach_ratio`` (``customers_per_rm``
        over the one-to-one figure) and, with ``customers``, ``rms_needed`` (RMs to serve them
        all, rounded up).

    Raises
    ------
    ParameterError
        If a group size is not a positive integer or ``customers`` is negative.
    InputTypeError
        If ``assumptions`` is not a :class:`ServiceAssumptions`.

    Notes
    -----
    With ``H`` client hours a week, ``w`` weeks a month, ``c`` hours per contact and ``k``
    contacts a month, one-to-one capacity is ``H * w / (c * k)`` customers. A group of ``n``
    costs ``g * w + n * f * c`` hours a month (``g`` hours a week to run it, a share ``f`` of
    members followed up personally), so one RM runs ``H * w / (g * w + n * f * c)`` groups and
    serves ``n`` times as many customers. Capacities are averages: a fractional group means a
    group shared with a colleague. The model counts time only; it says nothing about whether a
    group member is served as well as a one-to-one client, which the group-health measures
    (:func:`~kequn_lib.group_health`) look at.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> r = kq.service_reach(customers=50_000)
    >>> r["customers_per_rm"].round().tolist()
    [173.0, 437.0, 776.0, 1047.0]
    >>> r["rms_needed"].tolist()
    [289, 115, 65, 48]
    """
    owner = "service_reach"
    a = ServiceAssumptions() if assumptions is None else assumptions
    if not isinstance(a, ServiceAssumptions):
        msg = (
            f"{owner}: assumptions must be a kq.ServiceAssumptions, got {type(a).__name__}. "
            "Build one with kq.ServiceAssumptions(contact_hours=1.0, ...)."
        )
        raise InputTypeError(msg)
    if isinstance(group_sizes, int | np.integer):
        group_sizes = [int(group_sizes)]
    if isinstance(group_sizes, str) or not isinstance(group_sizes, Sequence | np.ndarray | range):
        msg = f"{owner}: group_sizes must be a sequence of integers, got {group_sizes!r}."
        raise ParameterError(msg)
    sizes = [check_int(s, name="group_sizes", owner=owner, low=1) for s in group_sizes]
    if customers is not None:
        customers = check_int(customers, name="customers", owner=owner, low=0)
    month_hours = a.service_hours_per_week * a.weeks_per_month
    one_cost = a.contact_hours * a.contacts_per_month
    one_reach = month_hours / one_cost
    n = np.asarray(sizes, dtype="float64")
    group_cost = a.group_hours_per_week * a.weeks_per_month + n * a.member_followup_rate * (
        a.contact_hours)
    groups_per_rm = month_hours / group_cost
    reach = groups_per_rm * n
    out = pd.DataFrame(
        {
            "mode": ["one_to_one"] + ["group"] * len(sizes),
            "group_size": pd.array([pd.NA, *sizes], dtype="Int64"),
            "hours_per_customer_month": np.r_[one_cost, group_cost / n],
            "groups_per_rm": np.r_[np.nan, groups_per_rm],
            "customers_per_rm": np.r_[one_reach, reach],
        }
    )
    out["reach_ratio"] = out["customers_per_rm"] / one_reach
    if customers is not None:
        out["rms_needed"] = np.ceil(customers / out["customers_per_rm"]).astype("int64")
    return out
