"""The behaviour matrix: every tabular step x {pandas, Parquet, Dask} x edge cases.

For each case the pandas path runs first; the Parquet files (the same rows, split over two
files) and a Dask DataFrame (two partitions, synchronous scheduler) must then give the same
result to 1e-9, or raise the same error class with the same message and the same rows.
Row-aligned Parquet results are indexed by ``customer_id``; they are compared by position and
their index must be that column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.errors import KequnError

dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed (dev extra)")
dask = pytest.importorskip("dask")

TOL = {"rtol": 1e-9, "atol": 1e-9}
KINDS = ["parquet", "dask"]


@pytest.fixture(autouse=True)
def synchronous_dask():
    # the same input on every kind: Dask keeps pandas' dtypes (no string[pyarrow] conversion)
    with dask.config.set({"scheduler": "synchronous", "dataframe.convert-string": False}):
        yield


# --- inputs --------------------------------------------------------------------------------------


def _log(n: int = 400, customers: int = 30, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, n),
        "date": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 200 * 24, n), unit="h"),
        "amount": np.round(rng.lognormal(4, 1, n), 2),
    })


def _table(n: int = 60, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    aum = np.round(rng.lognormal(11, 2, n), 2)
    return pd.DataFrame({
        "customer_id": np.arange(100, 100 + n),
        "aum": aum,
        "deposit_balance": np.round(aum * 0.6, 2),
        "wealth_balance": np.round(aum * 0.4, 2),
        "loan_balance": np.where(rng.random(n) < 0.3, np.round(rng.lognormal(12, 1, n)), 0.0),
        "fee_income_12m": np.round(rng.lognormal(5, 1, n), 2),
        "fx_volume_12m": np.where(rng.random(n) < 0.2, np.round(rng.lognormal(10, 1, n)), 0.0),
        "products_held": rng.integers(1, 6, n),
        "rm_contacts_90d": rng.poisson(1.0, n),
        "contribution": np.round(rng.normal(500, 900, n), 2),
    })


def _set(frame: pd.DataFrame, row: int, column: str, value: Any) -> pd.DataFrame:
    out = frame.copy()
    if pd.isna(value) and column in ("customer_id", "products_held", "rm_contacts_90d"):
        out[column] = out[column].astype("float64")
    out.loc[row, column] = value
    return out


def _rfm_cases() -> dict[str, tuple[pd.DataFrame, dict]]:
    log = _log()
    first, last = log["date"].min(), log["date"].max()
    dup = pd.concat([log, log.head(20)], ignore_index=True)  # the same events twice
    refunds = log.assign(amount=np.where(np.arange(len(log)) % 7 == 0, -log["amount"],
                                         log["amount"]))
    return {
        "plain": (log, {}),
        "weeks": (log, {"freq": "W"}),
        "empty": (log.head(0), {}),
        "empty_with_end": (log.head(0), {"observation_end": "2024-03-01"}),
        "end_before": (log, {"observation_end": first - pd.Timedelta(days=3)}),
        "end_inside": (log, {"observation_end": first + (last - first) / 2}),
        "end_inside_weeks": (log, {"observation_end": "2024-04-10", "freq": "W"}),
        "end_after": (log, {"observation_end": last + pd.Timedelta(days=30)}),
        "nan_amount": (_set(log, 17, "amount", np.nan), {}),
        "nan_amounts_late": (_set(_set(log, 5, "amount", np.inf), 250, "amount", np.nan),
                             {"observation_end": first + pd.Timedelta(days=1)}),
        "many_nan": (log.assign(amount=np.where(np.arange(len(log)) % 9 == 0, np.nan,
                                                log["amount"])), {}),
        "missing_id": (_set(log, 33, "customer_id", np.nan), {}),
        "missing_date": (_set(log, 8, "date", pd.NaT), {}),
        "duplicate_rows": (dup, {}),
        "negative_amounts": (refunds, {}),
        "one_customer": (log.assign(customer_id=7), {}),
        "tz_dates": (log.assign(date=log["date"].dt.tz_localize("Asia/Shanghai")), {}),
        "string_dates": (log.assign(date=log["date"].dt.strftime("%Y-%m-%d %H:%M")), {}),
        "bad_string_date": (_set(log.assign(date=log["date"].dt.strftime("%Y-%m-%d")), 12,
                                 "date", "not a date"), {}),
        "string_ids": (log.assign(customer_id="c" + log["customer_id"].astype(str)), {}),
        "one_row": (log.head(1), {}),
        # amounts adding up to more than float64 holds, in both files (partitions): the rows
        # named are the largest over the whole log, ties in row order
        "overflow": (_set(_set(_set(log, 300, "amount", 1.7e308), 100, "amount", 1e308), 5,
                          "amount", 1.7e308), {}),
        "huge_but_summable": (_set(_set(log, 300, "amount", 8e307), 5, "amount", -8e307), {}),
    }


def _table_cases(value: str) -> dict[str, pd.DataFrame]:
    table = _table()
    many = table.copy()
    many.loc[many.index % 6 == 1, value] = np.nan
    return {
        "plain": table,
        "empty": table.head(0),
        "nan": _set(table, 11, value, np.nan),
        "many_nan": many,
        "inf": _set(table, 40, value, np.inf),
        "duplicate_ids": _set(_set(table, 9, "customer_id", 100), 30, "customer_id", 101),
        "negative": _set(table, 23, value, -5.0),
        "nan_and_duplicate_ids": _set(_set(table, 50, value, np.nan), 3, "customer_id", 100),
        "one_customer": table.head(1),
        "overflow": _set(_set(_set(table, 44, value, 1.7e308), 7, value, 1e308), 50, value,
                         1.7e308),
        "huge_but_summable": _set(_set(table, 44, value, 8e307), 7, value, 8e307),
    }


# --- running one case on every kind --------------------------------------------------------------


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        got = fn()
    except KequnError as err:
        return "error", err
    if hasattr(got, "compute"):
        got = got.compute()
    return "ok", got


def _inputs(frame: pd.DataFrame, tmp_path) -> dict[str, Any]:
    folder = tmp_path / "files"
    folder.mkdir()
    halves = [frame.iloc[: len(frame) // 2], frame.iloc[len(frame) // 2:]] if len(frame) > 1 \
        else [frame]
    for i, part in enumerate(halves):
        part.to_parquet(folder / f"part-{i}.parquet", index=False)
    return {
        "parquet": str(folder / "*.parquet"),
        "dask": dd.from_pandas(frame, npartitions=2 if len(frame) > 1 else 1, sort=False),
    }


def _same(expected: tuple[str, Any], got: tuple[str, Any], *, frame: pd.DataFrame, kind: str,
          aligned: bool) -> None:
    if expected[0] == "error":
        assert got[0] == "error", f"{kind}: pandas raised {expected[1]!r}, {kind} returned"
        assert type(got[1]) is type(expected[1])
        assert str(got[1]) == str(expected[1])
        assert getattr(got[1], "rows", None) == getattr(expected[1], "rows", None)
        return
    assert got[0] == "ok", f"{kind} raised {got[1]!r} where pandas returned"
    want, have = expected[1], got[1]
    if aligned and kind == "parquet":
        ids = pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
        pd.testing.assert_index_equal(have.index, ids, exact=False)
        have = have.set_axis(want.index)
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(have, want, **TOL)
    else:
        pd.testing.assert_series_equal(have, want)


RFM = _rfm_cases()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(RFM))
def test_rfm_matrix(case, kind, tmp_path) -> None:
    frame, kwargs = RFM[case]
    expected = _outcome(lambda: kq.rfm(frame, **kwargs))
    data = _inputs(frame, tmp_path)[kind]
    _same(expected, _outcome(lambda: kq.rfm(data, **kwargs)), frame=frame, kind=kind,
          aligned=False)


AUM = _table_cases("aum")
CONTRIBUTION = _table_cases("loan_balance")
PARETO = _table_cases("contribution")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(AUM))
def test_aum_tiers_matrix(case, kind, tmp_path) -> None:
    frame = AUM[case][["customer_id", "aum"]]
    expected = _outcome(lambda: kq.aum_tiers(frame, labels="en"))
    data = _inputs(frame, tmp_path)[kind]
    _same(expected, _outcome(lambda: kq.aum_tiers(data, labels="en")), frame=frame, kind=kind,
          aligned=True)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(CONTRIBUTION))
def test_contribution_matrix(case, kind, tmp_path) -> None:
    frame = CONTRIBUTION[case].drop(columns=["aum", "contribution"])
    expected = _outcome(lambda: kq.contribution(frame))
    data = _inputs(frame, tmp_path)[kind]
    _same(expected, _outcome(lambda: kq.contribution(data)), frame=frame, kind=kind,
          aligned=True)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(PARETO))
def test_pareto_tiers_matrix(case, kind, tmp_path) -> None:
    frame = PARETO[case][["customer_id", "contribution"]]
    expected = _outcome(lambda: kq.pareto_tiers(frame, value_col="contribution",
                                                cuts=(0.5, 0.8, 0.95)))
    data = _inputs(frame, tmp_path)[kind]
    got = _outcome(lambda: kq.pareto_tiers(data, value_col="contribution",
                                           cuts=(0.5, 0.8, 0.95)))
    _same(expected, got, frame=frame, kind=kind, aligned=True)


# a table without the role a step needs: the same need message (require_role) on every kind
ROLE_CASES: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "aum_tiers_without_aum": (lambda d: kq.aum_tiers(d, labels="en"),
                              ["customer_id", "deposit_balance", "wealth_balance",
                               "loan_balance"]),
    "aum_tiers_without_assets": (lambda d: kq.aum_tiers(d, labels="en"),
                                 ["customer_id", "loan_balance", "products_held"]),
    "aum_tiers_other_aum_col": (lambda d: kq.aum_tiers(d, aum_col="aum_cny", labels="en"),
                                ["customer_id", "aum", "loan_balance"]),
    "contribution_without_balances": (kq.contribution,
                                      ["customer_id", "aum", "fee_income_12m", "products_held",
                                       "rm_contacts_90d"]),
    "contribution_without_balances_zero": (lambda d: kq.contribution(d, missing="zero"),
                                           ["customer_id", "fee_income_12m", "products_held"]),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(ROLE_CASES))
def test_role_needs_matrix(case, kind, tmp_path) -> None:
    call, columns = ROLE_CASES[case]
    frame = _table()[columns]
    expected = _outcome(lambda: call(frame))
    assert expected[0] == "error" and " needs " in str(expected[1]), expected
    offered = re.search(r"this table has ([^:(]*)", str(expected[1])).group(1)
    assert "loan" not in offered, offered  # a loan never stands in for a balance role
    data = _inputs(frame, tmp_path)[kind]
    _same(expected, _outcome(lambda: call(data)), frame=frame, kind=kind, aligned=True)


def test_the_matrix_holds_errors_and_results() -> None:
    """The cases above are not all errors (nor all results): both branches are exercised."""
    outcomes = {c: _outcome(lambda f=f, k=k: kq.rfm(f, **k))[0] for c, (f, k) in RFM.items()}
    assert outcomes["end_before"] == "error" and outcomes["nan_amount"] == "error"
    assert outcomes["end_inside"] == "ok" and outcomes["negative_amounts"] == "ok"
    aum = {c: _outcome(lambda f=f: kq.aum_tiers(f))[0] for c, f in AUM.items()}
    assert aum["negative"] == "error" and aum["duplicate_ids"] == "error"
    assert aum["one_customer"] == "ok" and aum["empty"] == "ok"
    assert outcomes["overflow"] == aum["overflow"] == "error"
    assert outcomes["huge_but_summable"] == aum["huge_but_summable"] == "ok"
    err = _outcome(lambda: kq.rfm(RFM["overflow"][0]))[1]
    assert "'amount' adds up to more than" in str(err) and err.rows == [5, 300, 100]


def test_parquet_error_rows_are_row_numbers_across_files(tmp_path) -> None:
    frame = _set(_table(), 45, "aum", -1.0)  # in the second of the two files
    with pytest.raises(kq.SchemaError, match=r"index \[45\]") as err:
        kq.aum_tiers(_inputs(frame, tmp_path)["parquet"])
    assert err.value.rows == [45]


@pytest.mark.parametrize(
    "ids",
    [np.array([5, 3, 5, 9, 3, 3]), np.array([7], dtype="uint32"), np.array([-4, 10**12, -4]),
     np.array([2, 1], dtype="int8"), np.array(["b", "a", "b"], dtype=object)],
    ids=["compact", "uint", "sparse", "int8", "strings"],
)
def test_rfm_id_coding_matches_pandas_factorize(ids) -> None:
    from kequn_lib.rfm_analysis import _factorize

    codes, uniques = _factorize(ids)
    assert np.array_equal(np.asarray(uniques)[codes], ids)
    assert len(uniques) == len(set(ids.tolist()))
    assert np.asarray(uniques).dtype == ids.dtype
