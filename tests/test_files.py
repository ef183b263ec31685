"""Tests of kequn_lib.datasets.files: the analyst's own CSV, Parquet and Excel exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kequn_lib as kq

GBK_CUSTOMERS = (
    "客户号,客户类型,年龄,存款余额(万元),理财余额,贷款余额,是否贷款客户,卡等级,开户日期\n"
    '1001,个人,35,12.5,"1,200.50",0,否,金卡,2019-03-15\n'
    '1002,对公,,3,"12,000",250000,是,普卡,2020/1/2\n'
    "1003,个人,61,0.8,0,0,否,白金卡,2015年7月1日\n"
)


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_gbk_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "客户.csv", GBK_CUSTOMERS, "gbk")
    out = kq.read_customers(path, as_of="2024-12-31")
    assert out["customer_id"].tolist() == [1001, 1002, 1003]
    assert out["customer_id"].dtype == "int64"
    # header-declared 万元 scales deposits; thousands separators are parsed
    assert out["deposit_balance"].tolist() == [125_000.0, 30_000.0, 8_000.0]
    assert out["wealth_balance"].tolist() == [1_200.5, 12_000.0, 0.0]
    assert out["aum"].tolist() == [126_200.5, 42_000.0, 8_000.0]  # deposit + wealth
    assert out["age"].dtype == "Int64" and pd.isna(out["age"].iloc[1])
    assert out["has_loan"].tolist() == [False, True, False]
    assert out["customer_kind"].tolist() == ["individual", "corporate", "individual"]
    assert out["card_level"].cat.ordered and out["card_level"].tolist() == [
        "gold",
        "standard",
        "platinum",
    ]
    assert (
        out["open_date"].tolist()
        == pd.to_datetime(["2019-03-15", "2020-01-02", "2015-07-01"]).tolist()
    )
    assert out["tenure_months"].tolist() == [69, 59, 113]
    assert isinstance(out.index, pd.RangeIndex)


def test_gb18030_utf8_and_bom_give_the_same_table(tmp_path: Path) -> None:
    text = "客户编号,资产余额,年龄\n1,100,30\n2,200,40\n"
    tables = [
        kq.read_customers(_write(tmp_path / f"{enc}.csv", text, enc))
        for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16")
    ]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])
    assert list(tables[0].columns) == ["customer_id", "aum", "age"]


def test_separators_and_explicit_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "客户号\t资产余额\n7\t1,234,567.8\n", "gbk")
    out = kq.read_customers(path, encoding="gb18030")
    assert out["aum"].tolist() == [1_234_567.8]
    path = _write(tmp_path / "s.csv", "customer_id;aum\n7;5\n", "ascii")
    assert kq.read_customers(path)["aum"].tolist() == [5.0]


def test_unit_argument_and_header_precedence(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "客户号,资产余额,贷款余额(元)\n1,2.5,300\n", "utf-8")
    out = kq.read_customers(path, unit="万")
    assert out["aum"].tolist() == [25_000.0]
    assert out["loan_balance"].tolist() == [300.0]  # the header says yuan
    assert kq.read_customers(path)["aum"].tolist() == [2.5]


def test_columns_mapping_first_then_preset(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", "编号,总资产,年龄,备注\nA01,10,30,x\nA02,20,41,y\n", "utf-8")
    mapping = {"编号": "customer_id", "总资产": "aum"}
    before = dict(mapping)
    out = kq.read_customers(path, columns=mapping)
    assert mapping == before  # the caller's mapping is not changed
    assert list(out.columns) == ["customer_id", "aum", "age", "备注"]
    assert out["customer_id"].tolist() == ["A01", "A02"]  # text ids stay text
    raw = kq.read_customers(path, columns=mapping, preset=False)
    assert "年龄" in raw.columns


def test_leading_zero_ids_stay_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "z.csv", "客户号,资产余额\n000123,1\n000124,2\n", "utf-8")
    assert kq.read_customers(path)["customer_id"].tolist() == ["000123", "000124"]


def test_xlsx_with_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "导出.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["customer export"]}).to_excel(writer, sheet_name="封面", index=False)
        pd.DataFrame(
            {
                "客户号": [1, 2],
                "资产余额": ["1,000.5", 20],
                "开户日期": pd.to_datetime(["2020-01-01", "2021-06-30"]),
            }
        ).to_excel(writer, sheet_name="客户", index=False)
    out = kq.read_customers(path, sheet="客户")
    assert out["aum"].tolist() == [1_000.5, 20.0]
    assert out["open_date"].dtype == "datetime64[ns]"
    assert kq.read_customers(path, sheet=1).equals(out)
    with pytest.raises(kq.KequnError, match=r"no sheet '明细'.*'封面', '客户'") as info:
        kq.read_customers(path, sheet="明细")
    assert "导出.xlsx" in str(info.value)
    with pytest.raises(kq.KequnError, match="no sheet 5"):
        kq.read_customers(path, sheet=5)


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pd.DataFrame({"customer_id": [3, 4], "AUM": [1.5, 2.0], "存款余额": [1.0, 2.0]}).to_parquet(
        path
    )
    out = kq.read_customers(path)
    assert out["aum"].tolist() == [1.5, 2.0] and out["deposit_balance"].tolist() == [1.0, 2.0]


def test_read_transactions_dates_amounts_and_categories(tmp_path: Path) -> None:
    text = (
        "客户号,交易日期,交易金额,交易类型,渠道\n"
        '1001,2024/1/5,"1,200.00",转账,手机银行\n'
        "1001,20240207,35.5,消费,柜面\n"
        "1002,2024年3月9日,-80,退款,手机银行\n"
        "1002,2024-03-10 14:22:05,10,消费,网银\n"
    )
    out = kq.read_transactions(_write(tmp_path / "jy.csv", text, "gbk"))
    assert out["date"].dtype == "datetime64[ns]"
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05",
        "2024-02-07",
        "2024-03-09",
        "2024-03-10",
    ]
    assert out["amount"].tolist() == [1200.0, 35.5, -80.0, 10.0]
    assert isinstance(out["channel"].dtype, pd.CategoricalDtype)
    assert out["kind"].tolist() == ["转账", "消费", "退款", "消费"]
    kq.validate_transactions(out)


def test_read_transactions_unit_and_bad_date(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "客户号,交易日期,交易金额\n1,2024-01-01,1.5\n", "utf-8")
    assert kq.read_transactions(path, unit="万元")["amount"].tolist() == [15_000.0]
    path = _write(
        tmp_path / "b.csv", "客户号,交易日期,交易金额\n1,2024-01-01,1\n2,昨天,1\n", "utf-8"
    )
    with pytest.raises(kq.SchemaError, match=r"b\.csv, column 'date': not a date.*lines \[3\]"):
        kq.read_transactions(path)
    path = _write(tmp_path / "e.csv", "客户号,交易日期,交易金额\n1,,1\n", "utf-8")
    with pytest.raises(kq.SchemaError, match="empty date"):
        kq.read_transactions(path)


# --- bad input --------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(kq.KequnError, match=r"nope\.csv not found") as info:
        kq.read_customers(tmp_path / "nope.csv")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(kq.KequnError, match="not found"):
        kq.read_transactions(tmp_path / "nope.xlsx")


def test_unreadable_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.csv", GBK_CUSTOMERS, "gbk")
    with pytest.raises(kq.KequnError, match=r"g\.csv: cannot be decoded as utf-8.*gb18030"):
        kq.read_customers(path, encoding="utf-8")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\xff\xfe\x80\x00" * 50 + bytes(range(256)))
    with pytest.raises(kq.KequnError, match=r"junk\.csv: cannot tell the text encoding"):
        kq.read_customers(junk)


def test_mapping_names_absent_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "客户号,资产余额\n1,2\n", "utf-8")
    with pytest.raises(
        kq.SchemaError, match=r"'总资产', not in a\.csv.*'客户号', '资产余额'"
    ) as info:
        kq.read_customers(path, columns={"总资产": "aum"})
    assert info.value.column == "总资产"


def test_duplicate_customer_ids(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "客户号,资产余额\n1,2\n2,3\n1,4\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"d\.csv.*'customer_id' has duplicate values") as info:
        kq.read_customers(path)
    assert info.value.column == "customer_id" and info.value.rows == [0, 2]


def test_non_numeric_and_empty_balances(tmp_path: Path) -> None:
    path = _write(tmp_path / "n.csv", "客户号,资产余额\n1,2\n2,约三万\n3,1.2.3\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"n\.csv, column 'aum': not a number") as info:
        kq.read_customers(path)
    assert info.value.rows == [1, 2]
    assert "lines [3, 4]" in str(info.value) and "约三万" in str(info.value)
    path = _write(tmp_path / "e.csv", "客户号,资产余额\n1,2\n2,\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"'aum': empty cell.*index \[1\]"):
        kq.read_customers(path)
    path = _write(tmp_path / "c.csv", '客户号,资产余额\n1,"1,2"\n', "utf-8")
    with pytest.raises(kq.SchemaError, match="not a number"):  # not a thousands grouping
        kq.read_customers(path)


def test_negative_balance_fails_validation_with_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "neg.csv", "客户号,资产余额\n1,2\n2,-5\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"neg\.csv.*'aum' must be non-negative"):
        kq.read_customers(path)


def test_bad_flags_and_two_columns_to_one_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", "客户号,资产余额,是否贷款客户\n1,2,也许\n", "utf-8")
    with pytest.raises(kq.SchemaError, match="'has_loan': not a yes/no value"):
        kq.read_customers(path)
    path = _write(tmp_path / "two.csv", "客户号,客户编号,资产余额\n1,1,2\n", "utf-8")
    with pytest.raises(kq.SchemaError, match="'客户号', '客户编号' all map to 'customer_id'"):
        kq.read_customers(path)


def test_no_id_or_aum_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "姓名,资产余额\n张三,2\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"x\.csv has no customer id column"):
        kq.read_customers(path)
    path = _write(tmp_path / "y.csv", "客户号,年龄\n1,30\n", "utf-8")
    table = kq.read_customers(path)  # aum is an optional role: functions that need it say so
    assert "aum" not in table.columns
    with pytest.raises(kq.SchemaError, match="aum_tiers needs an AUM column"):
        kq.aum_tiers(table)


def test_bad_parameters_and_formats(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", "客户号,资产余额\n1,2\n", "utf-8")
    with pytest.raises(kq.ParameterError, match="unit='千'"):
        kq.read_customers(path, unit="千")
    with pytest.raises(kq.ParameterError, match="sheet= applies to Excel"):
        kq.read_customers(path, sheet="客户")
    with pytest.raises(kq.ParameterError, match="unknown encoding"):
        kq.read_customers(path, encoding="klingon")
    other = _write(tmp_path / "p.json", "{}", "utf-8")  # read by content: text, no id column
    with pytest.raises(kq.SchemaError, match="no customer id column"):
        kq.read_customers(other)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated zip")  # looks like Excel, is not
    with pytest.raises(kq.KequnError, match=r"cannot read .*broken\.xlsx"):
        kq.read_customers(broken)


def test_file_is_not_modified(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.csv", GBK_CUSTOMERS, "gbk")
    before = path.read_bytes()
    kq.read_customers(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.csv"]


# --- structure, encodings and formats (issue: files never read silently wrong) ------------------


def test_unquoted_thousands_separator_is_a_field_count_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.csv", "客户号,资产余额\n1000,5\n1001,1,234.5\n1002,7\n", "utf-8")
    with pytest.raises(kq.SchemaError, match=r"header has 2 fields but line 3 has 3") as info:
        kq.read_customers(path)
    assert info.value.rows == [3] and "thousands separator" in str(info.value)
    short = _write(tmp_path / "s.csv", "客户号,资产余额,年龄\n1000,5,30\n1001,6\n", "utf-8")
    with pytest.raises(kq.SchemaError, match="line 3 has 2"):
        kq.read_customers(short)


def test_total_rows_are_dropped_with_a_warning_or_refused(tmp_path: Path) -> None:
    text = "客户号,资产余额\n1001,5\n1002,7\n合计,12\n"
    path = _write(tmp_path / "t.csv", text, "utf-8")
    with pytest.warns(UserWarning, match=r"dropped 1 total .*line 4: 合计"):
        data = kq.read_customers(path)
    assert data["customer_id"].tolist() == [1001, 1002] and data["aum"].sum() == 12
    with pytest.raises(kq.SchemaError, match="total or subtotal row"):
        kq.read_customers(path, drop_totals=False)


def test_duplicate_headers_and_mixed_ids(tmp_path: Path) -> None:
    dup = _write(tmp_path / "d.csv", "客户号,资产余额,资产余额\n1,5,6\n", "utf-8")
    with pytest.raises(kq.SchemaError, match="'资产余额' more than once"):
        kq.read_customers(dup)
    with pytest.raises(kq.SchemaError, match="1 and '1' would be two customers"):
        kq.validate_customers(pd.DataFrame({"customer_id": [1, "1", "2"], "aum": [5.0, 6, 7]}))
    with pytest.raises(kq.SchemaError, match="blank"):
        kq.validate_customers(pd.DataFrame({"customer_id": ["a", " "], "aum": [5.0, 6]}))


def test_layout_arguments(tmp_path: Path) -> None:
    titled = _write(tmp_path / "r.dat", "客户资产报表 2024年\n客户号;资产余额\n1;1.234,5\n2;7\n",
                    "utf-8")
    data = kq.read_customers(titled, skiprows=1, sep=";", decimal=",", thousands=".")
    assert data["aum"].tolist() == [1234.5, 7.0]
    bare = _write(tmp_path / "n.asc", "1|5\n2|6\n", "utf-8")
    data = kq.read_customers(bare, header=None, names=["customer_id", "aum"])
    assert data["aum"].tolist() == [5.0, 6.0]
    assert data.attrs["currency"] == "CNY"
    eur = kq.read_customers(bare, header=None, names=["customer_id", "aum"], currency="eur")
    assert kq.table_currency(eur) == "EUR"
    hidden = tmp_path / "export.txt"  # Parquet content behind a text extension
    pd.DataFrame({"customer_id": [1, 2], "aum": [1.0, 2.0]}).to_parquet(hidden)
    assert kq.read_customers(hidden)["aum"].tolist() == [1.0, 2.0]
    with pytest.raises(kq.ParameterError, match="currency="):
        kq.read_customers(hidden, currency="euro")


@pytest.mark.parametrize("encoding, region", [
    ("big5", "臺北市信義區"), ("shift_jis", "東京都新宿区"), ("gbk", "北京市朝阳区"),
    ("utf-16-le", "上海市浦东新区"), ("utf-8-sig", "广州市天河区"),
])
def test_encodings_are_read_or_refused_never_mojibake(tmp_path: Path, encoding, region):
    text = f"customer_id,deposit_balance,region\n1001,12.5,{region}\n1002,3,{region}\n"
    path = tmp_path / "e.csv"
    path.write_bytes(text.encode(encoding))
    try:
        data = kq.read_customers(path)
    except kq.KequnError as err:  # a weak guess must name the encoding to pass
        assert encoding in str(err) and "encoding=" in str(err)
        data = kq.read_customers(path, encoding=encoding)
    assert data["region"].astype(str).tolist() == [region, region]
    assert data["customer_id"].tolist() == [1001, 1002]


def test_mixed_encodings_are_an_error_naming_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("客户号,地区,存款余额\n1,北京,5\n".encode() + "2,上海,6\n".encode("gbk"))
    with pytest.raises(kq.KequnError, match=r"mixes text encodings.*\[1, 2\].*\[3\]"):
        kq.read_customers(path)
