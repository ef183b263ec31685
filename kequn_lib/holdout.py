"""Calibration and holdout periods of a transaction log: the test bed of every activity model.

:func:`calibration_holdout` splits a log at ``calibration_end``: each customer's RFM summary of
the calibration period (what a model is fitted on) next to what the customer did in the
holdout period that follows (what the model should have predicted). The definitions are those
of the BG/NBD literature and of the ``lifetimes`` package's ``calibration_and_holdout_data``.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ._validation import check_option, require_columns, require_frame
from .errors import ParameterError, SchemaError
from .rfm_analysis import (
    _end_period,
    _period_codes,
    _rfm_columns,
    _rfm_summary,
    _time_unit_factor,
)

__all__ = ["calibration_holdout"]

log = logging.getLogger(__name__)

HOLDOUT_COLUMNS = (
    "frequency_cal",
    "recency_cal",
    "T_cal",
    "monetary_value_cal",
    "frequency_holdout",
    "monetary_value_holdout",
    "duration_holdout",
)


def calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    freq: str = "D",
    time_unit: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Summarise a log into a calibration RFM table and the purchases of the holdout after it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log, one row per event, in any order (``customer_id``, ``date``,
        ``amount`` by default).
    calibration_end : date-like
        Last day of the calibration period; its whole period of ``freq`` belongs to it.
    observation_end : date-like, optional
        Last day of the holdout period; default: the latest date in the log. Later
        transactions are left out.
    freq : {"D", "W"}, default="D"
        Period used to count purchases: days, or weeks running Monday to Sunday.
    time_unit : float, str or None, default=None
        Time unit of ``recency_cal``, ``T_cal`` and ``duration_holdout`` (the unit the models
        see), as a number of days or a string such as ``"7D"``; ``None`` is one period of
        ``freq``. ``freq="D", time_unit=7`` gives the weeks of days/7 of the BG/NBD literature.
    customer_col, date_col, amount_col : str
        Column names; defaults ``"customer_id"``, ``"date"``, ``"amount"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), one row per customer with a transaction in the
        calibration period (customers first seen in the holdout are left out, as a model
        fitted on the calibration period knows nothing of them); float64 columns:

        * ``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``: the RFM table
          of :func:`rfm` with ``observation_end=calibration_end``;
        * ``frequency_holdout``: number of periods with a transaction in the holdout (every
          period counts: there is no first purchase to leave out);
        * ``monetary_value_holdout``: mean amount of the holdout *transactions* (0 without
          any), as in ``lifetimes``;
        * ``duration_holdout``: length of the holdout in ``time_unit`` (the same for everyone).

        ``attrs`` records ``time_unit_days``, ``freq``, ``calibration_end`` and
        ``observation_end``: frame metadata, the units and periods of these columns, which
        travel with the table as :func:`rfm`'s ``time_unit_days`` does (the lifetime-value
        functions read it), not a separate result.

    Raises
    ------
    SchemaError
        A column is missing, an id or date is missing or unparseable, an amount is not finite.
    ParameterError
        ``calibration_end`` is not a date, is not before ``observation_end``'s period, or is
        before every transaction; an unsupported ``freq`` or ``time_unit``.

    See Also
    --------
    rfm : the calibration summary on its own.
    BGNBD.expected_purchases : what the model predicts for the holdout.
    holdout_by_frequency : expected against actual holdout purchases.

    Notes
    -----
    Definitions of ``calibration_and_holdout_data`` in ``lifetimes`` 0.11 (Fader, Hardie and
    Lee's calibration/holdout design): a transaction belongs to the calibration period when its
    period of ``freq`` is at most ``calibration_end``'s, to the holdout when it is after that
    and at most ``observation_end``'s. ``time_unit`` plays the role of lifetimes'
    ``freq_multiplier`` (in days rather than in periods).

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> log = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20", "2024-01-05",
    ...                             "2024-01-18"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0, 7.0]})
    >>> kq.calibration_holdout(log, calibration_end="2024-01-10", observation_end="2024-01-31"
    ...                        )[["frequency_cal", "T_cal", "frequency_holdout",
    ...                           "duration_holdout"]]  # doctest: +NORMALIZE_WHITESPACE
                 frequency_cal  T_cal  frequency_holdout  duration_holdout
    customer_id
    1                      1.0    9.0                1.0              21.0
    2                      0.0    5.0                0.0              21.0
    """
    owner = "calibration_holdout"
    transactions = require_frame(transactions, owner=owner)
    require_columns(transactions, [customer_col, date_col, amount_col], owner=owner)
    freq = check_option(freq, ["D", "W"], name="freq", owner=owner)
    unit_days, factor = _time_unit_factor(time_unit, freq, owner=owner)
    if calibration_end is None:
        msg = f"{owner}: calibration_end is required (the last day fitted on), e.g. '2024-12-31'."
        raise ParameterError(msg)
    cal_p = _end_period(calibration_end, freq, owner=owner)
    if len(transactions) == 0:
        msg = f"{owner}: the transaction log is empty; pass at least one transaction."
        raise SchemaError(msg)
    ids, ns, amount = _rfm_columns(transactions, customer_col, date_col, amount_col, owner=owner)
    p = _period_codes(ns, freq)
    obs_p = _end_period(observation_end, freq, owner=owner)
    obs_p = int(p.max()) if obs_p is None else obs_p
    if obs_p <= cal_p:
        msg = (
            f"{owner}: calibration_end={calibration_end!r} must fall in an earlier period of "
            f"freq={freq!r} than observation_end={observation_end!r} (the last transaction when "
            "None), or there is no holdout. Pass an earlier calibration_end."
        )
        raise ParameterError(msg)
    in_cal = p <= cal_p
    if not in_cal.any():
        first_date = pd.Timestamp(int(ns.min())).date()
        msg = (
            f"{owner}: calibration_end={calibration_end!r} is before every transaction (the "
            f"first is on {first_date}), so no customer is in the calibration period. Pass a "
            "later calibration_end."
        )
        raise ParameterError(msg)
    frame = pd.DataFrame({customer_col: ids.to_numpy(), "_ns": ns, "_amount": amount})
    cal = _rfm_summary(frame.loc[in_cal].astype({"_ns": "datetime64[ns]"}),
                      observation_end=calibration_end, freq=freq, customer_col=customer_col,
                      date_col="_ns", amount_col="_amount")
    cal = cal.assign(recency=cal["recency"] / factor, T=cal["T"] / factor)
    cal.columns = [f"{c}_cal" for c in cal.columns]

    in_hold = (p > cal_p) & (p <= obs_p)
    hold_ids = ids.to_numpy()[in_hold]
    pairs = pd.DataFrame({"id": hold_ids, "p": p[in_hold]}).drop_duplicates()
    freq_hold = pairs.groupby("id", sort=False).size().astype("float64")
    mean_hold = pd.Series(amount[in_hold]).groupby(hold_ids, sort=False).mean()
    index = cal.index
    out = cal.assign(
        frequency_holdout=freq_hold.reindex(index, fill_value=0.0).to_numpy(),
        monetary_value_holdout=mean_hold.reindex(index, fill_value=0.0).to_numpy(),
        duration_holdout=float(obs_p - cal_p) / factor,
    )
    n_new = int(pd.Index(hold_ids).unique().difference(index).size)
    if n_new:
        log.info("%s: %d customer(s) first seen in the holdout left out", owner, n_new)
    out.attrs.update(
        time_unit_days=unit_days,
        freq=freq,
        calibration_end=str(pd.Timestamp(calibration_end).date()),
        observation_end=str(
            pd.Timestamp(int(ns[p <= obs_p].max())).date()
            if observation_end is None
            else pd.Timestamp(observation_end).date()
        ),
    )
    return out
