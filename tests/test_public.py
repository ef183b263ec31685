"""Tests of the public datasets (kequn_lib.datasets.public and its modules): UCI loaders,
cache, hashes, safe extraction, mappings."""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.datasets import _download, bank_marketing, credit_default

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
BANK_DIR = SHARED / "uci-bank-marketing"
CREDIT_CSV = SHARED / "uci-default-credit-card-clients" / "default of credit card clients.csv"

# --- small format-faithful files -----------------------------------------------------------------

BANK_FULL_SMALL = (
    '"age";"job";"marital";"education";"default";"balance";"housing";"loan";"contact";"day";'
    '"month";"duration";"campaign";"pdays";"previous";"poutcome";"y"\n'
    '58;"management";"married";"tertiary";"no";2143;"yes";"no";"unknown";5;"may";261;1;-1;0;'
    '"unknown";"no"\n'
    '44;"unknown";"single";"unknown";"no";-29;"no";"yes";"cellular";5;"may";151;1;-1;0;'
    '"unknown";"no"\n'
    '33;"entrepreneur";"divorced";"secondary";"yes";2;"no";"no";"telephone";6;"jun";76;2;180;2;'
    '"failure";"yes"\n'
    '47;"blue-collar";"married";"primary";"no";1506;"yes";"no";"cellular";7;"nov";92;1;90;1;'
    '"unknown";"no"\n'
    '44;"unknown";"single";"unknown";"no";-29;"no";"yes";"cellular";5;"may";151;1;-1;0;'
    '"unknown";"no"\n'
)

BANK_ADDITIONAL_SMALL = (
    '"age";"job";"marital";"education";"default";"housing";"loan";"contact";"month";'
    '"day_of_week";"duration";"campaign";"pdays";"previous";"poutcome";"emp.var.rate";'
    '"cons.price.idx";"cons.conf.idx";"euribor3m";"nr.employed";"y"\r\n'
    '56;"housemaid";"married";"basic.4y";"no";"no";"no";"telephone";"may";"mon";261;1;999;0;'
    '"nonexistent";1.1;93.994;-36.4;4.857;5191;"no"\r\n'
    '37;"services";"unknown";"high.school";"unknown";"unknown";"unknown";"telephone";"may";'
    '"tue";226;1;999;1;"failure";1.1;93.994;-36.4;4.857;5191;"no"\r\n'
    '40;"admin.";"single";"university.degree";"no";"yes";"no";"cellular";"oct";"fri";300;2;6;1;'
    '"success";-1.1;94.601;-49.5;0.959;4963.6;"yes"\r\n'
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def small_bank(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The small 2012-style file, with its hash pinned in the registry for this test."""
    data = BANK_FULL_SMALL.encode("ascii")
    monkeypatch.setitem(_download._REGISTRY["bank-full.csv"], "sha256", _sha(data))
    return data


class FakeDownloader:
    """A pooch downloader serving bytes from memory (or failing), recording the URLs asked."""

    def __init__(self, payload: bytes | None = None, error: Exception | None = None):
        self.payload, self.error, self.urls = payload, error, []

    def __call__(self, url: str, output_file, pooch) -> None:  # pooch's downloader signature
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        Path(output_file).write_bytes(self.payload)


def _offline(monkeypatch: pytest.MonkeyPatch) -> FakeDownloader:
    fake = FakeDownloader(error=ConnectionError("network unreachable"))
    monkeypatch.setattr(_download, "_DOWNLOADER", fake)
    return fake


# --- parsers -------------------------------------------------------------------------------------


def test_bank_full_parser_types_unknowns_and_sentinels(tmp_path: Path) -> None:
    path = tmp_path / "bank-full.csv"
    path.write_text(BANK_FULL_SMALL, encoding="ascii")
    raw = bank_marketing._read_bank_csv(path, "full")
    assert raw.shape == (5, 18)
    assert raw["age"].dtype == "int64" and raw["balance"].dtype == "int64"
    assert raw["y"].dtype == bool and raw["housing"].dtype == "boolean"
    assert isinstance(raw["job"].dtype, pd.CategoricalDtype)
    assert raw["education"].cat.ordered and list(raw["education"].cat.categories) == [
        "primary",
        "secondary",
        "tertiary",
    ]
    assert raw["month"].cat.ordered and raw["month"].cat.categories[0] == "jan"
    # 'unknown' is missing, and counted
    assert raw["job"].isna().tolist() == [False, True, False, False, True]
    assert raw["contact"].isna().sum() == 1
    assert raw.attrs["n_unknown"]["education"] == 2
    # pdays sentinel -1 -> missing; previously_contacted follows previous
    assert raw["pdays"].dtype == "Int64"
    assert raw["pdays"].isna().tolist() == [True, True, False, False, True]
    assert raw["previously_contacted"].tolist() == [False, False, True, True, False]
    # poutcome: never contacted -> 'nonexistent'; contacted but 'unknown' -> missing
    assert raw["poutcome"].tolist()[:3] == ["nonexistent", "nonexistent", "failure"]
    assert pd.isna(raw["poutcome"].iloc[3])
    # duplicates kept and counted
    assert raw.attrs["n_duplicate_rows"] == 1
    assert raw.attrs["licence"].startswith("CC BY 4.0")
    assert raw.attrs["currency"] == "EUR"


def test_bank_additional_parser_crlf_999_and_boolean_unknowns(tmp_path: Path) -> None:
    path = tmp_path / "bank-additional-full.csv"
    path.write_bytes(BANK_ADDITIONAL_SMALL.encode("ascii"))
    raw = bank_marketing._read_bank_csv(path, "additional")
    assert len(raw) == 3
    assert raw["pdays"].isna().tolist() == [True, True, False]
    # pdays 999 does not mean "never contacted": row 2 had a previous contact
    assert raw["previously_contacted"].tolist() == [False, True, True]
    assert raw["default"].isna().tolist() == [False, True, False]
    assert raw["marital"].isna().sum() == 1
    assert raw["nr.employed"].dtype == "float64"
    assert raw["cons.conf.idx"].iloc[2] == pytest.approx(-49.5)
    assert raw["day_of_week"].cat.ordered
    assert raw["education"].cat.categories[0] == "illiterate"
    assert raw["y"].tolist() == [False, False, True]


def test_bank_parser_rejects_wrong_header_and_levels(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(BANK_FULL_SMALL.replace('"balance"', '"saldo"'), encoding="ascii")
    with pytest.raises(kq.KequnError, match="saldo"):
        bank_marketing._read_bank_csv(path, "full")
    path.write_text(BANK_FULL_SMALL.replace('"tertiary"', '"phd"'), encoding="ascii")
    with pytest.raises(kq.KequnError, match=r"unexpected values.*phd"):
        bank_marketing._read_bank_csv(path, "full")
    path.write_text(BANK_FULL_SMALL.replace(";2143;", ";lots;"), encoding="ascii")
    with pytest.raises(kq.KequnError, match="'balance' has non-numbers"):
        bank_marketing._read_bank_csv(path, "full")


# --- registry and cache folder -------------------------------------------------------------------


def test_registry_urls_are_https_only() -> None:
    urls = [e["url"] for e in _download._REGISTRY.values() if "url" in e]
    assert urls, "the registry has download addresses"
    assert all(u.startswith("https://archive.ics.uci.edu/") for u in urls)
    pinned = [e["sha256"] for e in _download._REGISTRY.values() if e["sha256"]]
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in pinned)


def test_cache_dir_argument_env_then_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEQUN_DATA", str(tmp_path / "env"))
    assert kq.cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert kq.cache_dir() == tmp_path / "env"
    monkeypatch.delenv("KEQUN_DATA")
    assert kq.cache_dir().name == "kequn"
    assert not (tmp_path / "env").exists()  # cache_dir never creates folders


# --- bank: locate, extract, download, refuse -----------------------------------------------------


def test_bank_loads_csv_placed_by_hand(tmp_path: Path, small_bank: bytes) -> None:
    (tmp_path / "bank-full.csv").write_bytes(small_bank)
    raw = kq.load_bank_marketing(data_home=tmp_path)
    assert len(raw) == 5
    assert raw.attrs["file"] == "bank-full.csv"
    assert raw.attrs["sha256"] == _sha(small_bank)


def test_bank_extracts_from_inner_and_outer_archive(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    inner = _zip({"bank-full.csv": small_bank, "bank-names.txt": b"names"})
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bank.zip").write_bytes(inner)
    assert len(kq.load_bank_marketing(data_home=tmp_path / "a")) == 5
    assert (tmp_path / "a" / "bank-full.csv").read_bytes() == small_bank
    outer = _zip({"bank.zip": inner, "bank-additional.zip": b"x"}, zipfile.ZIP_STORED)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bank+marketing.zip").write_bytes(outer)
    assert len(kq.load_bank_marketing(data_home=tmp_path / "b")) == 5
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "bank+marketing.zip",
        "bank-full.csv",
    ]


def test_bank_download_path_through_pooch(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = _zip({"bank.zip": _zip({"bank-full.csv": small_bank})}, zipfile.ZIP_STORED)
    fake = FakeDownloader(payload=outer)
    monkeypatch.setattr(_download, "_DOWNLOADER", fake)
    raw = kq.load_bank_marketing(data_home=tmp_path / "new" / "cache")
    assert len(raw) == 5
    assert fake.urls == ["https://archive.ics.uci.edu/static/public/222/bank+marketing.zip"]
    kq.load_bank_marketing(data_home=tmp_path / "new" / "cache")
    assert len(fake.urls) == 1  # second load uses the cache


def test_download_failure_says_which_file_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    with pytest.raises(kq.DataUnavailableError) as info:
        kq.load_bank_marketing(data_home=tmp_path)
    msg = str(info.value)
    assert "Could not download" in msg and "network unreachable" in msg
    assert "bank+marketing.zip" in msg and "bank.zip" in msg and "bank-full.csv" in msg
    assert str(tmp_path) in msg and "KEQUN_DATA" in msg
    assert msg.count("without a network") == 1
    with pytest.raises(kq.DataUnavailableError, match=r"bank-additional-full\.csv"):
        kq.load_bank_marketing("additional", data_home=tmp_path)
    assert isinstance(info.value, LookupError)


def test_corrupted_cached_file_is_refused_and_kept(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _offline(monkeypatch)
    bad = small_bank.replace(b"2143", b"2144")
    (tmp_path / "bank-full.csv").write_bytes(bad)
    with pytest.raises(kq.DataUnavailableError, match=r"SHA-256.*NOT used") as info:
        kq.load_bank_marketing(data_home=tmp_path)
    assert _sha(bad) in str(info.value) and _sha(small_bank) in str(info.value)
    assert (tmp_path / "bank-full.csv").read_bytes() == bad  # left alone, not overwritten
    assert fake.urls == []  # and no silent re-download


def test_archive_member_with_wrong_hash_is_refused(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    (tmp_path / "bank.zip").write_bytes(_zip({"bank-full.csv": small_bank + b"\n"}))
    with pytest.raises(kq.DataUnavailableError, match=r"extracted from .*bank\.zip"):
        kq.load_bank_marketing(data_home=tmp_path)
    assert not (tmp_path / "bank-full.csv").exists()


def test_bad_download_is_deleted(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = _zip({"bank.zip": _zip({"bank-full.csv": b"tampered"})})
    monkeypatch.setattr(_download, "_DOWNLOADER", FakeDownloader(payload=outer))
    with pytest.raises(kq.DataUnavailableError, match="downloaded archive was deleted"):
        kq.load_bank_marketing(data_home=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("evil", ["../evil.csv", "/evil.csv", "sub/../../evil.csv"])
def test_path_traversal_in_archive_is_rejected(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch, evil: str
) -> None:
    _offline(monkeypatch)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "bank.zip").write_bytes(_zip({"bank-full.csv": small_bank, evil: b"x"}))
    with pytest.raises(kq.DataUnavailableError, match="outside its folder"):
        kq.load_bank_marketing(data_home=cache)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bank.zip", "cache"]


def test_not_a_zip_and_missing_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _offline(monkeypatch)
    (tmp_path / "bank.zip").write_bytes(b"not a zip at all")
    with pytest.raises(kq.DataUnavailableError, match="not a readable zip"):
        kq.load_bank_marketing(data_home=tmp_path)
    (tmp_path / "bank.zip").write_bytes(_zip({"other.csv": b"x"}))
    with pytest.raises(kq.DataUnavailableError, match=r"does not contain 'bank-full\.csv'"):
        kq.load_bank_marketing(data_home=tmp_path)


def test_unwritable_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _offline(monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(kq.DataUnavailableError, match="Cannot create the data folder"):
        kq.load_bank_marketing(data_home=blocker / "sub")


def test_bank_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(kq.ParameterError, match="variant='partial'"):
        kq.load_bank_marketing("partial", data_home=tmp_path)
    with pytest.raises(kq.ParameterError, match="needs variant='full'"):
        kq.load_bank_marketing("additional", data_home=tmp_path, as_customers=True)


# --- customer tables -----------------------------------------------------------------------------


def test_bank_customers_mapping_and_no_mutation(tmp_path: Path) -> None:
    path = tmp_path / "bank-full.csv"
    path.write_text(BANK_FULL_SMALL, encoding="ascii")
    raw = bank_marketing._read_bank_csv(path, "full")
    before = raw.copy()
    cust = kq.bank_marketing_customers(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert cust.index.equals(raw.index)
    assert cust["customer_id"].tolist() == [1, 2, 3, 4, 5]
    assert cust["aum"].tolist() == [2143.0, 0.0, 2.0, 1506.0, 0.0]
    assert cust["overdraft"].tolist() == [0.0, 29.0, 0.0, 0.0, 29.0]
    assert (cust["aum"] - cust["overdraft"]).tolist() == raw["balance"].astype(float).tolist()
    assert cust["has_loan"].tolist() == [True, True, False, True, True]
    assert cust["age"].dtype == "Int64" and cust["has_loan"].dtype == bool
    assert "duration" not in cust.columns
    assert cust.attrs["currency"] == "EUR" and "Moro" in cust.attrs["citation"]
    assert kq.validate_customers(cust) is cust


def test_bank_customers_needs_balance(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(BANK_ADDITIONAL_SMALL.encode())
    raw = bank_marketing._read_bank_csv(path, "additional")
    with pytest.raises(kq.SchemaError, match="'balance'"):
        kq.bank_marketing_customers(raw)


def _small_credit() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 6
    cols = {"ID": np.arange(1, n + 1), "LIMIT_BAL": [20000, 120000, 90000, 50000, 50000, 10000]}
    cols |= {"SEX": [2, 2, 1, 1, 2, 1], "EDUCATION": [2, 2, 1, 5, 0, 4]}
    cols |= {"MARRIAGE": [1, 2, 2, 0, 3, 1], "AGE": [24, 26, 34, 37, 57, 79]}
    for c in ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]:
        cols[c] = rng.integers(-2, 4, n)
    cols |= {f"BILL_AMT{i}": [3913, 2682, -165, 46990, 8617, 0] for i in range(1, 7)}
    cols |= {f"PAY_AMT{i}": rng.integers(0, 5000, n) for i in range(1, 7)}
    cols["default payment next month"] = [1, 1, 0, 0, 0, 1]
    return pd.DataFrame(cols).astype("int64")


@pytest.fixture
def small_credit(monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, bytes]:
    df = _small_credit()
    rendered = credit_default._render_credit_csv(df)
    monkeypatch.setitem(_download._REGISTRY[credit_default._CREDIT_CSV], "sha256", _sha(rendered))
    monkeypatch.setattr(credit_default, "_CREDIT_FACTS", {"rows": 6, "target_counts": {0: 3, 1: 3}})
    return df, rendered


def test_credit_customers_mapping_and_no_mutation() -> None:
    raw = _small_credit()
    before = raw.copy()
    cust = kq.credit_default_customers(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert cust["customer_id"].tolist() == raw["ID"].tolist()
    assert cust["aum"].tolist() == raw["LIMIT_BAL"].astype(float).tolist()
    assert cust["loan_balance"].tolist() == [3913.0, 2682.0, 0.0, 46990.0, 8617.0, 0.0]
    assert cust["credit_balance"].iloc[2] == 165.0
    assert cust["education"].isna().tolist() == [False, False, False, True, True, False]
    assert cust["marital"].isna().sum() == 1
    assert cust["sex"].tolist()[:3] == ["female", "female", "male"]
    assert cust["defaulted_next_month"].dtype == bool
    assert cust["pay_delay_max_6m"].min() >= 0
    assert cust["utilisation"].iloc[0] == pytest.approx(3913 / 20000)
    assert cust.attrs["currency"] == "TWD" and "Yeh" in cust.attrs["citation"]
    kq.validate_customers(cust)


def test_credit_loads_csv_rendering(tmp_path: Path, small_credit) -> None:
    df, rendered = small_credit
    (tmp_path / credit_default._CREDIT_CSV).write_bytes(rendered)
    raw = kq.load_credit_default(data_home=tmp_path)
    pd.testing.assert_frame_equal(raw, df)
    assert raw.attrs["licence"].startswith("CC BY 4.0")
    cust = kq.load_credit_default(data_home=tmp_path, as_customers=True)
    assert len(cust) == 6


def test_credit_corrupted_csv_refused(tmp_path: Path, small_credit) -> None:
    _, rendered = small_credit
    (tmp_path / credit_default._CREDIT_CSV).write_bytes(rendered.replace(b"20000", b"20001", 1))
    with pytest.raises(kq.DataUnavailableError, match="NOT used"):
        kq.load_credit_default(data_home=tmp_path)


def test_credit_download_failure_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _offline(monkeypatch)
    with pytest.raises(kq.DataUnavailableError) as info:
        kq.load_credit_default(data_home=tmp_path)
    msg = str(info.value)
    assert "default+of+credit+card+clients.zip" in msg and str(tmp_path) in msg
    assert "default of credit card clients.xls" in msg
    assert msg.count("without a network") == 1
    assert fake.urls == [
        "https://archive.ics.uci.edu/static/public/350/default+of+credit+card+clients.zip"
    ]


def _write_xls(df: pd.DataFrame, path: Path, *, second_header: bool = True) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the legacy .xls used by UCI")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for j in range(1, df.shape[1]):
        sheet.write(0, j, f"X{j}" if j < df.shape[1] - 1 else "Y")
    for j, name in enumerate(df.columns):
        sheet.write(1, j, name)
    for i, row in enumerate(df.to_numpy().tolist()):
        for j, value in enumerate(row):
            sheet.write(i + 2, j, value)
    book.save(str(path))


def test_credit_xls_is_verified_cached_and_hash_logged(
    tmp_path: Path, small_credit, caplog: pytest.LogCaptureFixture
) -> None:
    df, rendered = small_credit
    _write_xls(df, tmp_path / credit_default._CREDIT_XLS)
    with caplog.at_level(logging.INFO, logger="kequn_lib.datasets.public"):
        raw = kq.load_credit_default(data_home=tmp_path)
    pd.testing.assert_frame_equal(raw, df)
    xls_hash = _sha((tmp_path / credit_default._CREDIT_XLS).read_bytes())
    assert xls_hash in caplog.text
    assert (tmp_path / credit_default._CREDIT_CSV).read_bytes() == rendered


def test_credit_zip_download_and_altered_xls(
    tmp_path: Path, small_credit, monkeypatch: pytest.MonkeyPatch
) -> None:
    df, _ = small_credit
    _write_xls(df, tmp_path / "good.xls")
    payload = _zip({credit_default._CREDIT_XLS: (tmp_path / "good.xls").read_bytes()})
    monkeypatch.setattr(_download, "_DOWNLOADER", FakeDownloader(payload=payload))
    assert len(kq.load_credit_default(data_home=tmp_path / "c1")) == 6
    altered = df.copy()
    altered.loc[3, "LIMIT_BAL"] = 60000
    _write_xls(altered, tmp_path / "c2.xls")
    (tmp_path / "c2").mkdir()
    shutil.copy(tmp_path / "c2.xls", tmp_path / "c2" / credit_default._CREDIT_XLS)
    with pytest.raises(kq.DataUnavailableError, match="values differ from the published"):
        kq.load_credit_default(data_home=tmp_path / "c2")
    assert not (tmp_path / "c2" / credit_default._CREDIT_CSV).exists()


def test_credit_xls_not_a_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _offline(monkeypatch)
    (tmp_path / credit_default._CREDIT_XLS).write_bytes(b"ID,LIMIT_BAL\n1,2\n")
    with pytest.raises(kq.DataUnavailableError, match=r"not a readable \.xls workbook"):
        kq.load_credit_default(data_home=tmp_path)
    assert fake.urls == [] and not (tmp_path / credit_default._CREDIT_CSV).exists()


def test_credit_zip_traversal_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _offline(monkeypatch)
    cache = tmp_path / "cache"
    cache.mkdir()
    evil = _zip({"../../default of credit card clients.xls": b"x"})
    (cache / credit_default._CREDIT_ZIP).write_bytes(evil)
    with pytest.raises(kq.DataUnavailableError, match="outside its folder"):
        kq.load_credit_default(data_home=cache)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cache", credit_default._CREDIT_ZIP]


def test_load_customers_dispatches_to_public(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bank-full.csv").write_bytes(small_bank)
    cust = kq.load_customers("uci-bank-marketing", data_home=tmp_path)
    assert len(cust) == 5 and cust.attrs["currency"] == "EUR"
    _offline(monkeypatch)
    with pytest.raises(kq.DataUnavailableError, match="default"):
        kq.load_customers("uci-credit-default", data_home=tmp_path)


# --- the real files (../shared/datasets), through the same code path -----------------------------


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real dataset not found: {path} (present next to the repository in CI)")
    return path


@pytest.mark.shared
def test_real_bank_full_documented_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(_need(BANK_DIR / "bank-full.csv"), tmp_path)
    _offline(monkeypatch)
    raw = kq.load_bank_marketing(data_home=tmp_path)
    assert len(raw) == 45_211
    assert raw["y"].sum() == 5_289 and round(raw["y"].mean(), 4) == 0.117
    assert (raw["age"].min(), raw["age"].max()) == (18, 95)
    assert (raw["balance"].min(), raw["balance"].max()) == (-8_019, 102_127)
    assert (raw["duration"].max(), raw["campaign"].max(), raw["previous"].max()) == (4918, 63, 275)
    assert raw["pdays"].max() == 871
    assert raw["pdays"].isna().sum() == 36_954 == (~raw["previously_contacted"]).sum()
    assert raw.attrs["n_unknown"] == {
        "job": 288,
        "education": 1_857,
        "contact": 13_020,
        "poutcome": 36_959,
    }
    assert (raw["poutcome"] == "nonexistent").sum() == 36_954
    assert raw["poutcome"].isna().sum() == 5
    cust = kq.bank_marketing_customers(raw)
    assert cust["overdraft"].max() == 8_019 and cust["aum"].max() == 102_127
    assert (cust["aum"] >= 0).all()


@pytest.mark.shared
def test_real_bank_zip_extracts_verified_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = _need(BANK_DIR / "bank.zip").read_bytes()
    fake = FakeDownloader(payload=_zip({"bank.zip": inner}, zipfile.ZIP_STORED))
    monkeypatch.setattr(_download, "_DOWNLOADER", fake)
    cust = kq.load_customers("uci-bank-marketing", data_home=tmp_path)
    assert len(cust) == 45_211 and len(fake.urls) == 1
    assert _sha((tmp_path / "bank-full.csv").read_bytes()) == (
        "d1513ec63b385506f7cfce9f2c5caa9fe99e7ba4e8c3fa264b3aaf0f849ed32d"
    )


@pytest.mark.shared
def test_real_bank_additional_documented_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(_need(BANK_DIR / "bank-additional-full.csv"), tmp_path)
    _offline(monkeypatch)
    raw = kq.load_bank_marketing("additional", data_home=tmp_path)
    assert len(raw) == 41_188 and raw["y"].sum() == 4_640
    assert raw.attrs["n_duplicate_rows"] == 12
    assert raw["pdays"].isna().sum() == 39_673
    never = (raw["poutcome"] == "nonexistent").sum()
    assert never == 35_563 == (~raw["previously_contacted"]).sum()
    assert raw.attrs["n_unknown"]["default"] == 8_597 and raw["default"].sum() == 3
    assert raw["month"].value_counts()[["jan", "feb"]].sum() == 0


@pytest.mark.shared
def test_real_credit_default_documented_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(_need(CREDIT_CSV), tmp_path)
    _offline(monkeypatch)
    raw = kq.load_credit_default(data_home=tmp_path)
    assert raw.shape == (30_000, 25)
    assert raw["ID"].tolist() == list(range(1, 30_001))
    assert raw["default payment next month"].value_counts().to_dict() == {0: 23_364, 1: 6_636}
    assert raw["SEX"].value_counts().to_dict() == {2: 18_112, 1: 11_888}
    assert (raw["AGE"].min(), raw["AGE"].max()) == (21, 79)
    assert (raw["LIMIT_BAL"].min(), raw["LIMIT_BAL"].max()) == (10_000, 1_000_000)
    assert raw.attrs["n_duplicate_rows"] == 35
    cust = kq.load_customers("uci-credit-default", data_home=tmp_path)
    assert cust["education"].isna().sum() == 14 + 280 + 51
    assert round(cust["defaulted_next_month"].mean(), 4) == 0.2212


@pytest.mark.shared
@pytest.mark.slow
def test_real_credit_values_through_the_xls_path(tmp_path: Path) -> None:
    """An .xls holding the published values (as UCI ships them) passes the pinned check."""
    df = pd.read_csv(_need(CREDIT_CSV))
    _write_xls(df, tmp_path / credit_default._CREDIT_XLS)
    raw = kq.load_credit_default(data_home=tmp_path)
    assert len(raw) == 30_000
    cached = tmp_path / credit_default._CREDIT_CSV
    assert _sha(cached.read_bytes()) == _sha(CREDIT_CSV.read_bytes())


def _corrupt_deflate(archive: bytes, member: str) -> bytes:
    """Overwrite bytes inside the compressed stream of the first member: zlib.error on read."""
    raw = bytearray(archive)
    start = 30 + len(member)  # the local header, then the compressed data
    raw[start + 5:start + 25] = b"\xff" * 20
    return bytes(raw)


def test_corrupt_cached_download_is_deleted_and_downloaded_again(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached archive whose deflate stream is broken raises DataUnavailableError naming the
    file (not a raw zlib.error), is deleted, and the next call downloads it again."""
    import zlib

    good = _zip({"bank.zip": _zip({"bank-full.csv": small_bank})})
    bad = _corrupt_deflate(_zip({"bank-full.csv": small_bank * 40}), "bank-full.csv")
    with pytest.raises(zlib.error):  # the damage is the kind the issue names
        zipfile.ZipFile(io.BytesIO(bad)).read("bank-full.csv")
    (tmp_path / "bank.zip").write_bytes(bad)
    fake = FakeDownloader(payload=good)
    monkeypatch.setattr(_download, "_DOWNLOADER", fake)
    with pytest.raises(kq.DataUnavailableError, match=r"bank\.zip.*damaged.*was deleted, so the "
                       r"next call downloads it again") as info:
        kq.load_bank_marketing(data_home=tmp_path)
    assert "zlib" in str(info.value) or "Error -3" in str(info.value)
    assert not (tmp_path / "bank.zip").exists()
    assert fake.urls == []  # this call reported the damage; it did not download behind it
    raw = kq.load_bank_marketing(data_home=tmp_path)
    assert len(fake.urls) == 1 and len(raw) == 5


def test_damaged_zip_is_deleted_not_left_to_fail_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    (tmp_path / credit_default._CREDIT_ZIP).write_bytes(b"PK\x03\x04 truncated download")
    with pytest.raises(kq.DataUnavailableError, match="not a readable zip.*was deleted"):
        kq.load_credit_default(data_home=tmp_path)
    assert not (tmp_path / credit_default._CREDIT_ZIP).exists()
