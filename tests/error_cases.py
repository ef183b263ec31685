"""The bad-input matrix: every bad input kequn handles, in one list.

Each :class:`Case` names a module area, a callable that makes one bad call, the exception class
it must raise and a fragment of the message. ``tests/test_errors.py`` runs every case, and
``docs/errors.md`` is generated from this list with the messages the calls actually produce::

    python -m tests.error_cases > docs/errors.md

A test checks that the committed document lists the same cases with the same classes.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import kequn_lib as kq
from kequn_lib import report
from kequn_lib.datasets import _download
from kequn_lib.errors import DataUnavailableError, ParameterError, SchemaError


@dataclass(frozen=True)
class Case:
    """One bad call and what it must raise."""

    id: str
    area: str
    what: str
    call: Callable[[], Any]
    error: type[Exception]
    fragment: str


# --- small inputs (built once) -------------------------------------------------------------------

_TMP = Path(tempfile.mkdtemp(prefix="kequn-errors-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
_FOLDER = "<folder>"  # how the temporary folder is shown in docs/errors.md


@functools.cache
def customers() -> pd.DataFrame:
    return kq.make_customers(n=300, random_state=0)


@functools.cache
def transactions() -> pd.DataFrame:
    return kq.make_transactions(customers(), months=2, random_state=0)


@functools.cache
def individuals() -> pd.DataFrame:
    c = customers()
    return c[c["customer_kind"] == "individual"]


def _cards() -> pd.DataFrame:
    """A card portfolio: ids, card balances and limits, no AUM."""
    return pd.DataFrame({"customer_id": ["K01", "K02"], "card_balance": [1200.0, 80.0],
                         "credit_limit": [2e4, 5e3]})


def _with(**changes: Any) -> pd.DataFrame:
    """The small customer table with some columns replaced."""
    return customers().assign(**changes)


def _folder(name: str, files: dict[str, bytes] | None = None) -> Path:
    folder = _TMP / name
    folder.mkdir(parents=True, exist_ok=True)
    for fname, data in (files or {}).items():
        (folder / fname).write_bytes(data)
    return folder


def _text_file(name: str, text: str, encoding: str = "utf-8") -> Path:
    path = _folder("files") / name
    path.write_text(text, encoding=encoding)
    return path


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


class _Offline:
    """A downloader that fails as a machine without network does (no request is made)."""

    def __call__(self, url: str, output_file: Any, pooch: Any) -> None:
        raise ConnectionError("network unreachable")


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    saved = _download._DOWNLOADER
    _download._DOWNLOADER = _Offline()
    try:
        yield
    finally:
        _download._DOWNLOADER = saved


def _offline_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    def call() -> Any:
        with _offline():
            return fn(*args, **kwargs)

    return call


def _bank_raw(**changes: Any) -> pd.DataFrame:
    raw = pd.DataFrame({
        "age": [30, 61], "job": ["admin.", "retired"], "marital": ["single", "married"],
        "education": ["tertiary", "primary"], "default": [False, False],
        "balance": [1200, -300], "housing": [True, False], "loan": [False, False],
        "campaign": [1, 2], "previous": [0, 3], "y": [False, True]})
    return raw.assign(**changes)


def _credit_raw(**changes: Any) -> pd.DataFrame:
    cols: dict[str, Any] = {"ID": [1, 2], "LIMIT_BAL": [20000, 50000], "SEX": [2, 1],
                            "EDUCATION": [2, 5], "MARRIAGE": [1, 2], "AGE": [24, 37]}
    cols |= {c: [0, 2] for c in ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]}
    cols |= {f"BILL_AMT{i}": [3913, -200] for i in range(1, 7)}
    cols |= {f"PAY_AMT{i}": [0, 1000] for i in range(1, 7)}
    cols["default payment next month"] = [1, 0]
    return pd.DataFrame(cols).assign(**changes)


def _failing_notebook() -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken (坏)\n\nFails on purpose."),
                nbformat.v4.new_code_cell("1 / 0")]
    path = _folder("notebooks") / "01_broken.ipynb"
    nbformat.write(nb, path)
    return path


@functools.cache
def _pipeline() -> Any:
    return kq.segment_pipeline(numeric=["age", "app_logins_90d"], money=["aum"], n_clusters=3,
                               random_state=0).fit(individuals())


@functools.cache
def _weekly() -> pd.DataFrame:
    return kq.simulate_bgnbd(200, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)


# --- the cases -----------------------------------------------------------------------------------

from kequn_lib.datasets.files import _FileReadError as _FILE_ERROR  # noqa: E402


def _bytes_file(name: str, data: bytes) -> Path:
    path = _folder("files") / name
    path.write_bytes(data)
    return path


def _arrow_array() -> Any:
    import pyarrow as pa

    return pa.array([5.0, 6.0])  # one column, not a table (a pyarrow Table is accepted)


def _parquet(name: str, frame: pd.DataFrame) -> str:
    """``frame`` written as a Parquet file; its path, for the DuckDB engine."""
    path = _folder("parquet") / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


def _in_eur() -> pd.DataFrame:
    table = individuals().copy()
    table.attrs["currency"] = "EUR"
    return table


C = Case
CASES: list[Case] = [
    # loaders: public datasets
    C("public-bank-variant", "loaders (public)", "unknown Bank Marketing variant",
      lambda: kq.load_bank_marketing("small", data_home=_folder("empty")),
      ParameterError, "variant"),
    C("public-bank-offline", "loaders (public)", "file absent and no network",
      _offline_call(kq.load_bank_marketing, data_home=_folder("offline")),
      DataUnavailableError, "Could not download"),
    C("public-bank-bad-hash", "loaders (public)", "cached CSV altered (hash mismatch)",
      _offline_call(kq.load_bank_marketing,
                    data_home=_folder("hash", {"bank-full.csv": b"age;job\n1;x\n"})),
      DataUnavailableError, "SHA-256"),
    C("public-archive-traversal", "loaders (public)", "archive member named ../evil.csv",
      _offline_call(kq.load_bank_marketing, data_home=_folder(
          "evil", {"bank.zip": _zip({"bank-full.csv": b"x", "../evil.csv": b"x"})})),
      DataUnavailableError, "outside its folder"),
    C("public-not-a-zip", "loaders (public)", "cached archive is not a zip file",
      _offline_call(kq.load_bank_marketing,
                    data_home=_folder("notzip", {"bank.zip": b"not a zip"})),
      DataUnavailableError, "not a readable zip"),
    C("public-missing-member", "loaders (public)", "archive lacks the data file",
      _offline_call(kq.load_bank_marketing,
                    data_home=_folder("member", {"bank.zip": _zip({"other.csv": b"x"})})),
      DataUnavailableError, "does not contain"),
    C("public-credit-offline", "loaders (public)", "credit file absent and no network",
      _offline_call(kq.load_credit_default, data_home=_folder("offline-credit")),
      DataUnavailableError, "Could not download"),
    C("public-bank-map-columns", "loaders (public)", "raw table lacks 'balance'",
      lambda: kq.bank_marketing_customers(_bank_raw().drop(columns="balance")),
      SchemaError, "missing column(s) 'balance'"),
    C("public-bank-map-text", "loaders (public)", "'balance' holds text",
      lambda: kq.bank_marketing_customers(_bank_raw(balance=["1200", "n/a"])),
      SchemaError, "must be numeric"),
    C("public-credit-map-fraction", "loaders (public)", "fractional AGE in the credit table",
      lambda: kq.credit_default_customers(_credit_raw(AGE=[24.5, 37])),
      SchemaError, "whole numbers"),
    C("public-credit-map-frame", "loaders (public)", "a list instead of a DataFrame",
      lambda: kq.credit_default_customers([1, 2, 3]), kq.InputTypeError, "DataFrame"),
    C("load-customers-source", "loaders (public)", "unknown data source name",
      lambda: kq.load_customers("my-bank"), ParameterError, "source"),
    C("load-customers-n", "loaders (public)", "negative synthetic size",
      lambda: kq.load_customers("synthetic", n=-5), ParameterError, "n"),
    # loaders: the analyst's files
    C("files-not-found", "loaders (files)", "file does not exist",
      lambda: kq.read_customers(_TMP / "nope.csv"), kq.DataFileNotFoundError, "not found"),
    C("files-path-type", "loaders (files)", "a number instead of a path",
      lambda: kq.read_customers(42), ParameterError, "path must be a file path"),
    C("files-encoding", "loaders (files)", "unknown text encoding",
      lambda: kq.read_customers(_text_file("c.csv", "客户号,存款余额\n1,5\n"), encoding="klingon"),
      ParameterError, "encoding"),
    C("files-missing-id", "loaders (files)", "export has no customer id column",
      lambda: kq.read_customers(_text_file("noid.csv", "年龄,存款余额\n35,5\n")),
      SchemaError, "customer_id"),
    C("files-duplicate-id", "loaders (files)", "customer id repeated",
      lambda: kq.read_customers(_text_file("dup.csv", "客户号,存款余额\n1,5\n1,6\n")),
      SchemaError, "duplicate"),
    C("files-bad-number", "loaders (files)", "balance cell is not a number",
      lambda: kq.read_customers(_text_file("num.csv", "客户号,存款余额\n1,5\n2,abc\n")),
      SchemaError, "not a number"),
    C("files-bad-date", "loaders (files)", "transaction date unreadable",
      lambda: kq.read_transactions(_text_file(
          "tx.csv", "客户号,交易日期,交易金额\n1,2024-01-05,10\n1,someday,5\n")),
      SchemaError, "not a date"),
    C("files-date-order", "loaders (files)", "dd/mm vs mm/dd order that no value decides",
      lambda: kq.read_transactions(_text_file(
          "order.csv", "客户号,交易日期,交易金额\n1,05/01/2024,10\n1,06/02/2024,5\n")),
      SchemaError, "dayfirst="),
    C("files-date-serial", "loaders (files)", "Excel serial dates without date_format='excel'",
      lambda: kq.read_transactions(_text_file(
          "serial.csv", "客户号,交易日期,交易金额\n1,45292,10\n")),
      SchemaError, "date_format='excel'"),
    C("dates-mixed-forms", "loaders (files)", "a date column mixing year-first and day-first",
      lambda: kq.parse_dates(["2024-01-05", "05/01/2024"], column="交易日期"),
      SchemaError, "mixes date forms"),
    C("dates-both-orders", "loaders (files)", "day-first and month-first dates in one column",
      lambda: kq.parse_dates(["25/01/2024", "01/13/2024"]), SchemaError, "month first"),
    C("dates-yymmdd", "loaders (files)", "6-digit dates without date_format='yymmdd'",
      lambda: kq.parse_dates(["240105", "240131"]), SchemaError, "yymmdd"),
    C("files-field-count", "loaders (files)", "unquoted thousands separator shifts the columns",
      lambda: kq.read_customers(_text_file("shift.csv", "客户号,资产余额\n1000,5\n1001,1,234.5\n")),
      SchemaError, "header has 2 fields but line 3 has 3"),
    C("files-totals", "loaders (files)", "a 合计 (total) row with drop_totals=False",
      lambda: kq.read_customers(_text_file("tot.csv", "客户号,资产余额\n1,5\n合计,5\n"),
                                drop_totals=False), SchemaError, "total or subtotal"),
    C("files-duplicate-header", "loaders (files)", "the same column name twice",
      lambda: kq.read_customers(_text_file("dh.csv", "客户号,资产余额,资产余额\n1,5,6\n")),
      SchemaError, "more than once"),
    C("files-mixed-encoding", "loaders (files)", "a UTF-8 file with one GBK row",
      lambda: kq.read_customers(_bytes_file(
          "mix.csv", "客户号,地区,资产余额\n1,北京,5\n".encode() + "2,上海,6\n".encode("gbk"))),
      _FILE_ERROR, "mixes text encodings"),
    C("files-weak-encoding", "loaders (files)", "bytes no encoding explains",
      lambda: kq.read_customers(_bytes_file("junk.csv", b"\x00\xff\xfe\x80\x00" * 50
                                            + bytes(range(256)))),
      _FILE_ERROR, "cannot tell the text encoding"),
    C("files-header-arg", "loaders (files)", "negative header row",
      lambda: kq.read_customers(_text_file("h.csv", "客户号,资产余额\n1,5\n"), header=-1),
      ParameterError, "header="),
    C("files-currency", "loaders (files)", "currency that is not an ISO code",
      lambda: kq.read_customers(_text_file("cur.csv", "客户号,资产余额\n1,5\n"), currency="euro"),
      ParameterError, "currency="),
    C("files-names-length", "loaders (files)", "names= of another length than the header row",
      lambda: kq.read_customers(_text_file("nl.csv", "客户资产报表\n客户号,资产余额\n1,5\n"),
                                header=1, names=["customer_id"]),
      ParameterError, "names= gives 1 name(s)"),
    C("files-unit", "loaders (files)", "unknown money unit",
      lambda: kq.read_customers(_text_file("u.csv", "客户号,存款余额\n1,5\n"), unit="gold"),
      ParameterError, "unit"),
    # schema
    C("schema-not-frame", "schema", "a dict instead of a DataFrame",
      lambda: kq.validate_customers({"customer_id": [1]}), kq.InputTypeError, "DataFrame"),
    C("schema-missing-column", "schema", "customer table without 'customer_id'",
      lambda: kq.validate_customers(customers().drop(columns="customer_id")),
      SchemaError, "'customer_id'"),
    C("schema-duplicate-id", "schema", "duplicate customer_id",
      lambda: kq.validate_customers(_with(customer_id=1)), SchemaError, "customer_id"),
    C("schema-negative-money", "schema", "negative AUM",
      lambda: kq.validate_customers(_with(aum=-customers()["aum"])), SchemaError, "aum"),
    C("schema-mixed-id-types", "schema", "ids 1 and '1' in one column",
      lambda: kq.validate_customers(pd.DataFrame({"customer_id": [1, "1"], "aum": [5.0, 6.0]})),
      SchemaError, "two customers"),
    C("schema-blank-id", "schema", "a blank customer id",
      lambda: kq.validate_customers(pd.DataFrame({"customer_id": ["a", " "], "aum": [5.0, 6.0]})),
      SchemaError, "blank"),
    C("schema-bool-money", "schema", "true/false AUM",
      lambda: kq.validate_customers(pd.DataFrame({"customer_id": [1, 2], "aum": [True, False]})),
      SchemaError, "true/false"),
    C("schema-arrow-array", "schema", "a pyarrow Array (one column) instead of a table",
      lambda: kq.validate_customers(_arrow_array()), kq.InputTypeError, ".to_pandas()"),
    C("schema-money-overflow", "schema", "balances whose total overflows float64",
      lambda: kq.validate_customers(pd.DataFrame({"customer_id": [1, 2],
                                                  "aum": [1.7e308, 1.7e308]})),
      SchemaError, "overflow to inf or NaN"),
    C("schema-tx-amount", "schema", "transaction with a NaN amount",
      lambda: kq.validate_transactions(transactions().assign(amount=np.nan)),
      SchemaError, "amount"),
    C("schema-tx-amount-overflow", "schema", "transaction amounts whose total overflows float64",
      lambda: kq.validate_transactions(transactions().assign(
          amount=np.where(transactions().index < 2, 1.7e308, transactions()["amount"]))),
      SchemaError, "'amount' adds up to more than the largest number"),
    C("schema-tx-date", "schema", "transaction log without 'date'",
      lambda: kq.validate_transactions(transactions().drop(columns="date")),
      SchemaError, "'date'"),
    # tiering
    C("tiers-preset", "tiering", "unknown tier preset",
      lambda: kq.aum_tiers(customers(), preset="gold"), ParameterError, "preset"),
    C("tiers-thresholds", "tiering", "tier bars not increasing",
      lambda: kq.aum_tiers(customers(), thresholds={"a": 0, "b": 5e5, "c": 1e5}),
      ParameterError, "increas"),
    C("tiers-missing-aum", "tiering", "customer table without 'aum'",
      lambda: kq.aum_tiers(customers().drop(columns="aum")), SchemaError, "'aum'"),
    C("tiers-text-aum", "tiering", "AUM held as text",
      lambda: kq.aum_tiers(_with(aum=customers()["aum"].astype(str).where(
          customers().index > 0, "n/a"))), SchemaError, "numeric"),
    C("tiers-currency", "tiering", "CNY ladder on a table in EUR",
      lambda: kq.aum_tiers(_in_eur()), ParameterError, "kq.quantile_tiers"),
    C("tiers-currency-parquet", "tiering", "CNY ladder on Parquet files in EUR",
      lambda: kq.aum_tiers(_parquet("eur", _in_eur()[["customer_id", "aum"]])),
      ParameterError, "thresholds= in EUR"),
    C("tiers-fx-rate", "tiering", "negative fx_rate",
      lambda: kq.aum_tiers(_in_eur(), fx_rate=-2.0), ParameterError, "fx_rate"),
    C("quantile-cuts", "tiering", "quantile cuts not increasing within (0, 1)",
      lambda: kq.quantile_tiers(customers(), cuts=(0.9, 0.5)), ParameterError, "cuts"),
    C("tiers-labels", "tiering", "unknown label language",
      lambda: kq.aum_tiers(customers(), labels="fr"), ParameterError, "labels"),
    C("contribution-missing", "tiering", "contribution with a deposit balance only",
      lambda: kq.contribution(customers()[["customer_id", "deposit_balance"]]), SchemaError,
      "missing='zero'"),
    C("pareto-cuts", "tiering", "Pareto cuts not increasing within (0, 1)",
      lambda: kq.pareto_tiers(customers()["aum"], cuts=(0.9, 0.5)), ParameterError, "cuts"),
    C("pareto-nan", "tiering", "NaN among the values",
      lambda: kq.pareto_tiers(pd.Series([1.0, np.nan, 3.0])), SchemaError, "NaN"),
    C("concentration-overflow", "tiering", "amounts whose total overflows float64 (Gini, shares)",
      lambda: kq.concentration(pd.Series([1e308, 1e308], name="aum")), SchemaError,
      "adds up to more than the largest number"),
    C("concentration-empty", "tiering", "no values at all",
      lambda: kq.concentration(pd.Series([], dtype=float)), SchemaError, "empty"),
    C("concentration-none", "tiering", "None instead of values",
      lambda: kq.concentration(None), SchemaError, "must be numeric"),
    C("rfm-missing-date", "tiering", "transaction log without 'date'",
      lambda: kq.rfm(transactions().drop(columns="date")), SchemaError, "'date'"),
    C("rfm-amount-text", "tiering", "transaction amounts held as text",
      lambda: kq.rfm(transactions().assign(amount="12")), SchemaError, "numbers stored as text"),
    C("rfm-parquet-overflow", "tiering", "a Parquet log whose amounts overflow float64",
      lambda: kq.rfm(_parquet("overflow-log", transactions().assign(
          amount=np.where(transactions().index < 2, 1.7e308, transactions()["amount"])))),
      SchemaError, "'amount' adds up to more than the largest number"),
    C("clv-truth-amount-text", "potential", "realised value of a log with text amounts",
      lambda: kq.realised_value(transactions().assign(amount="12"), start="2024-01-01"),
      SchemaError, "numbers stored as text"),
    C("rfm-int-dates-serial", "tiering", "Excel serial numbers as transaction dates",
      lambda: kq.rfm(transactions().assign(date=45292.0)), SchemaError, "excel"),
    C("rfm-end-before-log", "tiering", "observation_end before every transaction",
      lambda: kq.rfm(transactions(), observation_end="2000-01-01"), ParameterError,
      "before every transaction"),
    C("rfm-scores-bins", "tiering", "one score bin",
      lambda: kq.rfm_scores(kq.rfm(transactions()), bins=1), ParameterError, "bins"),
    C("rfm-segments-columns", "tiering", "segments from a table without scores",
      lambda: kq.rfm_segments(kq.rfm(transactions())), SchemaError, "r_score"),
    C("migration-types", "tiering", "before/after given as plain lists",
      lambda: kq.tier_migration([1, 2], [1, 2]), ParameterError, "must be a Series of tiers"),
    # potential
    C("wallet-features", "potential", "wallet features not in the table",
      lambda: kq.estimate_wallet(customers(), features=["salary"]), SchemaError, "salary"),
    C("wallet-quantile", "potential", "quantile outside (0, 1)",
      lambda: kq.estimate_wallet(customers(), features=["region"], quantile=1.5),
      ParameterError, "quantile"),
    C("wallet-nan-feature", "potential", "NaN in a numeric feature",
      lambda: kq.estimate_wallet(customers(), features=["age"]), SchemaError, "age"),
    C("value-matrix-columns", "potential", "value matrix without 'potential'",
      lambda: kq.value_matrix(customers().assign(contribution=1.0)), SchemaError, "potential"),
    C("value-matrix-quantile", "potential", "cut quantile of 0",
      lambda: kq.value_matrix(pd.DataFrame({"contribution": [1.0, 2.0],
                                            "potential": [1.0, 0.0]}), quantile=0.0),
      ParameterError, "quantile"),
    C("bgnbd-recency", "potential", "recency longer than the observed period",
      lambda: kq.BGNBD().fit(_weekly().assign(recency=_weekly()["T"] + 1)),
      SchemaError, "recency"),
    C("bgnbd-unfitted", "potential", "p_alive before fit",
      lambda: kq.BGNBD().p_alive(), kq.NotFittedError, "call .fit"),
    C("bgnbd-simulate", "potential", "non-positive BG/NBD parameter",
      lambda: kq.simulate_bgnbd(10, r=-1.0, alpha=1.0, a=1.0, b=1.0), ParameterError, "r"),
    # clustering
    C("pipeline-algorithm", "clustering", "unknown clustering algorithm",
      lambda: kq.segment_pipeline(algorithm="magic"), ParameterError, "algorithm"),
    C("pipeline-k", "clustering", "zero clusters",
      lambda: kq.segment_pipeline(n_clusters=0), ParameterError, "n_clusters"),
    C("pipeline-missing-column", "clustering", "named feature not in the table",
      lambda: kq.segment_pipeline(numeric=["salary"]).fit(individuals()),
      SchemaError, "salary"),
    C("pipeline-text-money", "clustering", "a money column holding text",
      lambda: kq.segment_pipeline(money=["aum"]).fit(
          individuals().assign(aum=individuals()["aum"].astype(str))), SchemaError,
      "numbers stored as text"),
    C("pipeline-empty-predict", "clustering", "labelling a table with no rows",
      lambda: _pipeline().predict(individuals().iloc[:0]), SchemaError, "no rows"),
    C("choose-k-range", "clustering", "k range beyond the sample size",
      lambda: kq.choose_k(individuals().head(20), kq.segment_pipeline(),
                          k_range=range(2, 40), progress=False),
      ParameterError, "Use k_range up to"),
    C("profile-labels-length", "clustering", "labels shorter than the table",
      lambda: kq.profile_segments(individuals(), [0, 1, 0]), SchemaError, "one entry per row"),
    C("compare-lengths", "clustering", "partitions of different lengths",
      lambda: kq.compare_partitions([0, 1, 1], [0, 1]), SchemaError, "same length"),
    C("predict-unfitted", "clustering", "predict_in_chunks with an unfitted pipeline",
      lambda: kq.predict_in_chunks(kq.segment_pipeline(), individuals()),
      ParameterError, "not fitted"),
    C("stability-boot", "clustering", "zero bootstrap runs",
      lambda: kq.stability(individuals(), kq.segment_pipeline(), n_boot=0, progress=False),
      ParameterError, "n_boot"),
    C("sample-stratify", "clustering", "stratify column absent",
      lambda: kq.fit_on_sample(individuals(), kq.segment_pipeline(), sample_size=50,
                               stratify="branch"),
      SchemaError, "branch"),
    C("pipeline-exclude-with-lists", "clustering", "exclude= together with explicit column lists",
      lambda: kq.segment_pipeline(numeric=["age"], exclude=["aum"]), ParameterError,
      "exclude= and target_col="),
    C("features-exclude-type", "clustering", "exclude= that is not a column name or list",
      lambda: kq.choose_features(individuals(), exclude=3), ParameterError, "exclude="),
    C("profile-lexicon", "clustering", "persona words that are not four strings",
      lambda: kq.profile_segments(individuals(), _pipeline().predict(individuals()),
                                  lexicon={"age": ("年长",)}), ParameterError, "lexicon"),
    # column roles: a table without the AUM a function needs
    C("roles-tiers-card-portfolio", "roles", "AUM tiers of a card portfolio (no aum column)",
      lambda: kq.aum_tiers(_cards()), SchemaError, "aum_tiers needs an AUM column"),
    C("roles-quantile-no-aum", "roles", "quantile tiers of a table without aum",
      lambda: kq.quantile_tiers(_cards().assign(savings=[5e4, 2e3])), SchemaError,
      "pass aum_col='savings'"),
    C("roles-aum-never-owed", "roles", "AUM tiers of a table of loans and credit limits only",
      lambda: kq.aum_tiers(pd.DataFrame({"customer_id": [1, 2], "loan_balance": [1e5, 2e5],
                                         "credit_limit": [2e4, 5e4]})),
      SchemaError, "loans, card balances and credit limits are not assets"),
    C("roles-parquet-no-aum", "roles", "AUM tiers of a Parquet card portfolio",
      lambda: kq.aum_tiers(_parquet("cards", _cards())), SchemaError,
      "aum_tiers needs an AUM column"),
    C("roles-contribution-cards", "roles", "contribution of a card portfolio (no balance role)",
      lambda: kq.contribution(_cards(), missing="zero"), SchemaError,
      "contribution needs a deposit balance column"),
    C("roles-wallet-loan-book", "roles", "wallet estimate of a loan-only table",
      lambda: kq.estimate_wallet(pd.DataFrame({"customer_id": [1, 2], "age": [30, 40],
                                               "loan_balance": [1e5, 2e5]}), features=["age"]),
      SchemaError, "estimate_wallet needs an AUM column"),
    C("roles-layers-no-aum", "roles", "trust layer's wealth share without aum",
      lambda: kq.relationship_layers(individuals().drop(columns="aum")), SchemaError,
      "layer_criteria needs an AUM column"),
    C("roles-no-balance", "roles", "AUM tiers of a table with no balance at all",
      lambda: kq.aum_tiers(pd.DataFrame({"customer_id": ["a"], "region": ["n"]})),
      SchemaError, "no asset column"),
    # groups
    C("dunbar-band", "groups", "min_size larger than max_size",
      lambda: kq.dunbar_groups(individuals(), by="region", features=["age"], min_size=200,
                               max_size=100), ParameterError, "min_size"),
    C("dunbar-by", "groups", "grouping column absent",
      lambda: kq.dunbar_groups(individuals(), by="branch", features=["app_logins_90d"]),
      SchemaError, "branch"),
    C("dunbar-features", "groups", "feature column absent",
      lambda: kq.dunbar_groups(individuals(), by="region", features=["salary"]),
      SchemaError, "salary"),
    C("dispersion-groups", "groups", "groups not aligned with the table",
      lambda: kq.dunbar_dispersion(individuals(), pd.Series(["g"] * 3), features=["age"]),
      ParameterError, "does not match the data"),
    C("layers-missing", "groups", "layers without the app-login column",
      lambda: kq.relationship_layers(individuals().drop(columns="app_logins_90d")),
      SchemaError, "app_logins_90d"),
    C("layer-rules", "groups", "negative layer threshold",
      lambda: kq.relationship_layers(individuals(), rules=kq.LayerRules(min_app_logins=-1)),
      ParameterError, "min_app_logins"),
    C("funnel-layers", "groups", "funnel of labels that are not layers",
      lambda: kq.layer_funnel(pd.DataFrame(index=range(2)), layer_col=pd.Series(["x", "y"])),
      ParameterError, "relationship_layers"),
    C("content-profile", "groups", "content needs from a profile without z-scores",
      lambda: kq.content_needs(pd.DataFrame({"aum": [1.0]})), SchemaError, "z_"),
    # group health
    C("activity-roster", "group health", "activity log from a roster without a group column",
      lambda: kq.make_group_activity(pd.DataFrame({"customer_id": [1, 2]})), SchemaError,
      "'group'"),
    C("activity-weeks", "group health", "activity log shorter than six weeks",
      lambda: kq.make_group_activity(pd.DataFrame({"group": ["a"], "customer_id": [1]}),
                                     weeks=2), ParameterError, "weeks"),
    C("health-log", "group health", "health of a log without replies",
      lambda: kq.group_health(pd.DataFrame({"group_id": ["a"], "customer_id": [1], "week": [1],
                                            "posts": [1], "attended": [False],
                                            "took_up": [False]})), SchemaError, "'replies'"),
    C("silent-short", "group health", "silent groups on a three-week log",
      lambda: kq.silent_groups(pd.DataFrame({"group_id": ["a"] * 3, "customer_id": [1] * 3,
                                             "week": [1, 2, 3], "posts": [1, 0, 0],
                                             "replies": [0, 0, 0]})), ParameterError, "weeks"),
    C("take-up-counts", "group health", "more take-ups than member-weeks",
      lambda: kq.content_take_up(pd.DataFrame({"content_fit": [0.5] * 4,
                                               "forwarded_share": [0.1, 0.2, 0.3, 0.4],
                                               "take_ups": [5, 1, 1, 1],
                                               "member_weeks": [4, 10, 10, 10]})),
      SchemaError, "above"),
    C("reach-sizes", "group health", "group size of zero in the reach model",
      lambda: kq.service_reach(group_sizes=[0]), ParameterError, "group_sizes"),
    # lending
    C("lending-bank", "lending", "unknown bank",
      lambda: kq.calibrate_loan_sizes("Citibank"), ParameterError, "bank"),
    C("lending-sigma", "lending", "negative log-normal spread",
      lambda: kq.calibrate_loan_sizes("WeBank", sigma=-1.0), ParameterError, "sigma"),
    C("lending-fact-violated", "lending", "assumed mean breaks the stated bound",
      lambda: kq.calibrate_loan_sizes("WeBank", mean_loan=50_000), ParameterError,
      "impossible calibration"),
    C("book-volume", "lending", "negative book volume",
      lambda: kq.simulate_loan_book("WeBank", volume=-1.0), ParameterError, "volume"),
    C("tolerance-range", "lending", "tolerance outside (0, 1)",
      lambda: kq.approval_under_tolerance(tolerance=[1.5]), ParameterError, "tolerance"),
    C("compare-books-amount", "lending", "loan book without 'amount'",
      lambda: kq.compare_books(pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [1.0]})),
      SchemaError, "amount"),
    C("book-checks-frame", "lending", "a list instead of a loan book",
      lambda: kq.loan_book_checks([1, 2]), kq.InputTypeError, "DataFrame"),
    C("growth-months", "lending", "negative number of months",
      lambda: kq.growth_path(1.0, monthly_rate=0.1, months=-1), ParameterError, "months"),
    C("decompose-keys", "lending", "summary without 'volume'",
      lambda: kq.decompose_volume({"n_loans": 1}, {"n_loans": 2}),
      ParameterError, "missing ['volume']"),
    C("facts-bank", "lending", "facts for an unknown bank",
      lambda: kq.lending_facts("Citibank"), ParameterError, "bank"),
    C("pool-size", "lending", "applicant pool of zero",
      lambda: kq.make_applicant_pool(0), ParameterError, "n_applicants"),
    # plots
    C("plot-rfm-empty", "plots", "RFM grid of an empty table",
      lambda: kq.plot_rfm(pd.DataFrame({"r_score": [], "f_score": []})), SchemaError, "no rows"),
    C("plot-loan-zero", "plots", "loan of 0 on a log axis",
      lambda: kq.plot_loan_sizes(pd.DataFrame({"amount": [0.0, 10.0]}), hue=None),
      SchemaError, "positive"),
    C("plot-k-fraction", "plots", "fractional k in a k-selection table",
      lambda: kq.plot_k_selection(pd.DataFrame({"k": [2.5, 3.0], "silhouette": [0.1, 0.2]})),
      SchemaError, "whole numbers"),
    C("plot-migration-empty", "plots", "migration table with no customers",
      lambda: kq.plot_migration(pd.DataFrame({"low": [0], "high": [0]}, index=["low"])),
      SchemaError, "no customers"),
    C("plot-aum-no-aum", "plots", "AUM histogram of a card portfolio",
      lambda: kq.plot_aum_distribution(_cards()), SchemaError,
      "plot_aum_distribution needs an AUM column"),
    C("plot-lorenz-x", "plots", "Lorenz curve of a frame without x=",
      lambda: kq.plot_lorenz(customers()), ParameterError, "x="),
    # report builder and key figures
    C("report-params", "report", "parameter no notebook declares",
      lambda: report.build(_TMP / "report", params={"N_CUSTOMER": 10}, api=False),
      report.ReportParameterError, "not declared"),
    C("report-param-object", "report", "parameter value that is not a plain literal",
      lambda: report.build(_TMP / "report", params={"SEED": object()}, api=False),
      report.ReportParameterError, "plain literals"),
    C("report-jobs", "report", "zero notebooks side by side",
      lambda: report.build(_TMP / "report", jobs=0, api=False),
      report.ReportParameterError, "jobs must be a whole number"),
    C("report-only", "report", "no notebook matches only=",
      lambda: report.build(_TMP / "report", only=["99"], api=False),
      report.ReportError, "no notebook matches"),
    C("report-notebook-fails", "report", "a notebook cell raises",
      lambda: report.execute_notebook(_failing_notebook(), timeout=120),
      report.ReportError, "ZeroDivisionError"),
    C("key-figures-nan", "report", "key figure that is NaN",
      lambda: kq.key_figures(share=float("nan")), ParameterError, "finite"),
    C("key-figures-type", "report", "key figure that is a list",
      lambda: kq.key_figures(shares=[0.1, 0.2]), ParameterError, "number, bool or str"),
]


def message(case: Case) -> tuple[type[BaseException], str]:
    """Run ``case`` and return the class and text of what it raised (``AssertionError`` if
    nothing was raised)."""
    try:
        case.call()
    except Exception as exc:  # the point is to capture whatever escapes
        return type(exc), str(exc)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    return AssertionError, "no exception was raised"


def _clean(text: str) -> str:
    """Message text for the table: no machine paths, no table-breaking characters."""
    text = text.replace(str(_TMP), _FOLDER).replace(str(_TMP.resolve()), _FOLDER)
    text = re.sub(r"/(?:tmp|home|work|Users|var)/[^\s'\"),;]*", _FOLDER, text)
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def shown(cls: type[BaseException]) -> str:
    """How an exception class is named in docs/errors.md: its own name when public, else the
    public classes it derives from (e.g. ``KequnError + TypeError``)."""
    if not cls.__name__.startswith("_"):
        return cls.__name__
    bases = [b.__name__ for b in cls.__bases__]
    return " + ".join(bases)


def render() -> str:
    """The Markdown of docs/errors.md (runs every case)."""
    lines = [
        "# Bad input: what kequn raises, and what it says",
        "",
        "<!-- Generated by `python -m tests.error_cases > docs/errors.md`; do not edit. -->",
        "",
        "Every row is a bad call that kequn rejects at the door, before any work, with one of its",
        "own exceptions: `ParameterError` (a bad argument, also a `ValueError`), `SchemaError` (a",
        "table that breaks its column contract, also a `ValueError`), `DataUnavailableError` (a",
        "dataset that cannot be found or verified, also a `LookupError`) and `ReportError` (a",
        "notebook that fails, also a `RuntimeError`); all derive from `KequnError`. The message is",
        "the text the call produces, with temporary folders shown as `<folder>`. Each row is a",
        "test case in `tests/test_errors.py`, driven by the list in `tests/error_cases.py`.",
        "",
        f"{len(CASES)} cases.",
        "",
        "| id | area | bad input | exception | message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case in CASES:
        cls, text = message(case)
        lines.append(
            f"| `{case.id}` | {case.area} | {case.what} | `{shown(cls)}` | {_clean(text)} |"
        )
    return "\n".join(lines) + "\n"


def documented_rows(text: str) -> dict[str, str]:
    """``{case id: exception class name}`` read back from a rendered docs/errors.md."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `([^`]+)` \|[^|]*\|[^|]*\| `([\w +]+)` \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


if __name__ == "__main__":  # pragma: no cover
    import logging

    logging.disable(logging.CRITICAL)
    sys.stdout.write(render())
