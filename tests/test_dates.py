"""kq.parse_dates: the one date reader behind rfm, the transaction checks and the file readers."""

from __future__ import annotations

import pandas as pd
import pytest

import kequn_lib as kq


def _iso(s: pd.Series) -> list[str]:
    return s.dt.strftime("%Y-%m-%d").tolist()


@pytest.mark.parametrize("values, expected", [
    (["2024-01-05", "2024-12-31"], ["2024-01-05", "2024-12-31"]),
    (["2024/1/5", "2024.01.06", "2024年1月7日", "2024年 2月 8日"],
     ["2024-01-05", "2024-01-06", "2024-01-07", "2024-02-08"]),
    ([20240105, 20231231], ["2024-01-05", "2023-12-31"]),
    (["20240105", "20231231"], ["2024-01-05", "2023-12-31"]),
    (["05/01/2024", "25/01/2024"], ["2024-01-05", "2024-01-25"]),   # day first, decided
    (["01/05/2024", "01/25/2024"], ["2024-01-05", "2024-01-25"]),   # month first, decided
])
def test_forms_read_without_being_told(values, expected):
    assert _iso(kq.parse_dates(values)) == expected


def test_numbers_are_never_epoch_nanoseconds():
    with pytest.raises(kq.SchemaError, match="date_format='excel'"):
        kq.parse_dates(pd.Series([45292.0, 45293.0], name="d"))
    assert _iso(kq.parse_dates([45292.0, 45293], date_format="excel")) == [
        "2024-01-01", "2024-01-02"]
    with pytest.raises(kq.SchemaError, match="yymmdd"):
        kq.parse_dates(["240105"])
    assert _iso(kq.parse_dates(["240105"], date_format="yymmdd")) == ["2024-01-05"]
    tx = pd.DataFrame({"customer_id": [1, 1], "date": [20240105, 20240205],
                       "amount": [10.0, 20.0]})
    r = kq.rfm(tx, observation_end="2024-03-01")
    assert r.loc[1, "recency"] == 31 and r.loc[1, "T"] == 56  # days, not 19,813


def test_undecided_or_mixed_orders_name_the_argument():
    with pytest.raises(kq.SchemaError, match="dayfirst=True") as info:
        kq.parse_dates(["05/01/2024", "06/02/2024"], column="交易日期")
    assert "'交易日期'" in str(info.value) and "05/01/2024" in str(info.value)
    assert _iso(kq.parse_dates(["05/01/2024"], dayfirst=True)) == ["2024-01-05"]
    assert _iso(kq.parse_dates(["05/01/2024"], dayfirst=False)) == ["2024-05-01"]
    with pytest.raises(kq.SchemaError, match="day first and others with the month first"):
        kq.parse_dates(["25/01/2024", "01/13/2024"])
    with pytest.raises(kq.SchemaError, match="contradicts dayfirst=False"):
        kq.parse_dates(["25/01/2024"], dayfirst=False)
    with pytest.raises(kq.SchemaError, match="mixes date forms"):
        kq.parse_dates(["2024-01-05", "05/01/2024"])
    assert _iso(kq.parse_dates(["05.01.2024"], date_format="%d.%m.%Y")) == ["2024-01-05"]


def test_missing_stays_missing_and_bad_days_are_named():
    out = kq.parse_dates(["2024-01-05", "", "NA", None])
    assert out.isna().tolist() == [False, True, True, True]
    with pytest.raises(kq.SchemaError, match="not dates") as info:
        kq.parse_dates(pd.Series(["2024-01-05", "2024-02-30"], index=[10, 11]))
    assert info.value.rows == [11]


def test_file_readers_use_the_same_parser(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("客户号,交易日期,交易金额\n1,05/01/2024,10\n1,06/02/2024,5\n", encoding="utf-8")
    with pytest.raises(kq.SchemaError, match="dayfirst="):
        kq.read_transactions(path)
    tx = kq.read_transactions(path, dayfirst=True)
    assert _iso(tx["date"]) == ["2024-01-05", "2024-02-06"]
    serial = tmp_path / "serial.csv"
    serial.write_text("客户号,交易日期,交易金额\n1,45292,10\n", encoding="utf-8")
    with pytest.raises(kq.SchemaError, match="excel"):
        kq.read_transactions(serial)
    assert _iso(kq.read_transactions(serial, date_format="excel")["date"]) == ["2024-01-01"]
