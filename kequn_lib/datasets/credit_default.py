"""UCI Default of Credit Card Clients (Taiwan, 30,000 cardholders, 2005): the loader, the typed
raw table and its mapping to kequn's customer table.

Integrity: the ``.xls`` has no confirmed hash, so its parsed values must reproduce a pinned CSV
rendering (whose SHA-256 is registered); once verified, that rendering is cached and later loads
only check its hash. Download, cache and extraction: :mod:`._download`.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import require_columns, require_frame, require_numeric
from ..errors import DataUnavailableError
from ..schema import validate_customers
from ._download import (
    _LICENCE,
    _REGISTRY,
    ENV_VAR,
    _check_cached,
    _DamagedArchive,
    _discard_damaged,
    _download,
    _extract_chain,
    _register,
    _sha256,
    _whole_numbers,
    _write_cache,
    cache_dir,
    logger,
)

__all__ = [
    "credit_default_customers",
    "load_credit_default",
]

_CREDIT_PAGE = "https://archive.ics.uci.edu/dataset/350/default+of+credit+card+clients"
_CREDIT_CSV = "default of credit card clients.csv"
_CREDIT_XLS = "default of credit card clients.xls"
_CREDIT_ZIP = "default+of+credit+card+clients.zip"

_register({
    _CREDIT_ZIP: {
        "url": "https://archive.ics.uci.edu/static/public/350/default+of+credit+card+clients.zip",
        "sha256": None,  # not checked yet: its hash is logged on use
    },
    _CREDIT_XLS: {"sha256": None, "inside": _CREDIT_ZIP, "member": _CREDIT_XLS},
    # The CSV rendering of the .xls (second header row + 30,000 rows, CRLF, no quoting). Its hash
    # also pins the *values* of the .xls: a parsed .xls is rendered this way and must match.
    _CREDIT_CSV: {
        "sha256": "88bd2bd25327b52af2148b7437740aca427aaf8f0e52ad782ee8bbae44b509bd",
    },
})

_CREDIT_META = {
    "dataset": "UCI Default of Credit Card Clients (id 350)",
    "citation": (
        "I-C. Yeh, C-H. Lien (2009). The comparisons of data mining techniques for the predictive "
        "accuracy of probability of default of credit card clients. Expert Systems with "
        "Applications 36(2), 2473-2480. doi:10.1016/j.eswa.2007.12.020. Dataset: Yeh, I-C. "
        "(2009). Default of Credit Card Clients. UCI Machine Learning Repository. "
        "https://doi.org/10.24432/C55S3H"
    ),
    "licence": _LICENCE,
    "source_url": _CREDIT_PAGE,
    "doi": "10.24432/C55S3H",
    "currency": "TWD",
}


_CREDIT_COLUMNS = [
    "ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE",
    "PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6",
    *[f"BILL_AMT{i}" for i in range(1, 7)], *[f"PAY_AMT{i}" for i in range(1, 7)],
    "default payment next month",
]  # fmt: skip
_CREDIT_TARGET_ALIASES = ("default payment next month", "default.payment.next.month", "Y")
_CREDIT_FACTS = {"rows": 30_000, "target_counts": {0: 23_364, 1: 6_636}}


def _credit_help(folder: Path) -> str:
    return (
        f"To use the data without a network, download {_CREDIT_ZIP} from {_CREDIT_PAGE} and put "
        f"that file (or the {_CREDIT_XLS!r} inside it, or a CSV rendering named {_CREDIT_CSV!r}) "
        f"in the folder {folder} ; or pass data_home= (or set {ENV_VAR}) to a folder that holds it."
    )


def _credit_frame(values: pd.DataFrame, source: Any) -> pd.DataFrame:
    """Check the header and make every column int64 (as read from .xls or CSV)."""
    header = [str(h).strip() for h in values.columns]
    if header and header[-1] in _CREDIT_TARGET_ALIASES:
        header[-1] = _CREDIT_COLUMNS[-1]
    if header != _CREDIT_COLUMNS:
        msg = (
            f"{source}: header {header} differs from the published one {_CREDIT_COLUMNS}. "
            "Is this the UCI Default of Credit Card Clients file?"
        )
        raise DataUnavailableError(msg)
    values = values.set_axis(header, axis=1)
    num = values.apply(pd.to_numeric, errors="coerce")
    bad = num.isna().any(axis=1) | (num.round() != num).any(axis=1)
    if bad.any():
        msg = (
            f"{source}: {int(bad.sum())} row(s) have empty or non-integer cells, first data "
            f"rows {[int(i) + 1 for i in values.index[bad][:5]]}. The published file has none."
        )
        raise DataUnavailableError(msg)
    return num.astype("int64")


def _render_credit_csv(df: pd.DataFrame) -> bytes:
    """The canonical CSV rendering (CRLF, no quoting) whose SHA-256 is pinned in the registry."""
    lines = [",".join(df.columns)]
    lines += [",".join(map(str, row)) for row in df.to_numpy().tolist()]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _read_xls_table(source: Path | bytes, label: Any) -> pd.DataFrame:
    import xlrd

    try:
        kwargs = (
            {"file_contents": source} if isinstance(source, bytes) else {"filename": str(source)}
        )
        book = xlrd.open_workbook(**kwargs, on_demand=True)
        try:
            sheet = book.sheet_by_index(0)
            rows = [sheet.row_values(i) for i in range(sheet.nrows)]
        finally:
            book.release_resources()
    except Exception as exc:  # xlrd raises several classes on damaged or foreign files
        raise DataUnavailableError(f"{label} is not a readable .xls workbook ({exc}).") from exc
    rows = [r for r in rows if any(str(v).strip() for v in r)]
    if len(rows) < 2:
        raise DataUnavailableError(f"{label}: the first sheet has no header and data rows.")
    # Row 1 is '' + X1..X23 + Y; row 2 has the descriptive names used by the published CSV.
    # Columns without a name (formatting left to the right of the table) are ignored.
    named = [j for j, name in enumerate(rows[1]) if str(name).strip()]
    header = [rows[1][j] for j in named]
    return _credit_frame(
        pd.DataFrame([[r[j] for j in named] for r in rows[2:]], columns=header), label
    )


def _verify_credit(df: pd.DataFrame, label: Any) -> bytes:
    """Check documented facts and the pinned hash of the canonical rendering; return it."""
    facts = _CREDIT_FACTS
    counts = df["default payment next month"].value_counts().to_dict()
    problems = []
    if len(df) != facts["rows"]:
        problems.append(f"{len(df):,} rows instead of {facts['rows']:,}")
    if counts != facts["target_counts"]:
        problems.append(f"target counts {counts} instead of {facts['target_counts']}")
    if not problems and not df["ID"].equals(pd.Series(np.arange(1, len(df) + 1), name="ID")):
        problems.append("ID does not run 1..n in order")
    rendered = _render_credit_csv(df)
    got = hashlib.sha256(rendered).hexdigest()
    if not problems and got != _REGISTRY[_CREDIT_CSV]["sha256"]:
        problems.append(
            f"its values differ from the published table (SHA-256 of the CSV rendering {got}, "
            f"expected {_REGISTRY[_CREDIT_CSV]['sha256']})"
        )
    if problems:
        msg = f"{label} does not hold the published data: {'; '.join(problems)}. It was not used."
        raise DataUnavailableError(msg)
    return rendered


def _credit_file(folder: Path) -> Path | io.BytesIO:
    """Locate or build the verified CSV rendering of the credit data; return its path."""
    help_text = _credit_help(folder)
    csv = folder / _CREDIT_CSV
    if csv.is_file():
        _check_cached(csv, remedy=f"load again to rebuild it from the .xls or zip. {help_text}")
        return csv
    xls, archive = folder / _CREDIT_XLS, folder / _CREDIT_ZIP
    downloaded = not xls.is_file() and not archive.is_file()
    if downloaded:
        archive = _download(_CREDIT_ZIP, folder, offline_help=help_text)
    try:
        if xls.is_file():
            label: Any = xls
            logger.info("SHA-256 of %s: %s", xls, _sha256(xls))
            df = _read_xls_table(xls, xls)
        else:
            logger.info("SHA-256 of %s: %s", archive, _sha256(archive))
            data = _extract_chain(_CREDIT_XLS, archive)
            label = f"{_CREDIT_XLS} in {archive}"
            logger.info("SHA-256 of %s: %s", label, hashlib.sha256(data).hexdigest())
            df = _read_xls_table(data, label)
        rendered = _verify_credit(df, label)
    except _DamagedArchive as exc:
        raise _discard_damaged(archive, exc, help_text) from None
    except DataUnavailableError as exc:
        if downloaded:
            archive.unlink(missing_ok=True)
            raise DataUnavailableError(f"{exc} The downloaded archive was deleted.") from None
        raise DataUnavailableError(f"{exc} {help_text}") from None
    logger.info("Verified %s; cached its CSV rendering as %s", label, csv)
    return _write_cache(folder, _CREDIT_CSV, rendered)


def _read_credit_csv(source: Any) -> pd.DataFrame:
    try:
        df = pd.read_csv(source, sep=",")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataUnavailableError(f"{source} cannot be parsed as CSV ({exc}).") from exc
    return _credit_frame(df, source)


def load_credit_default(
    *,
    data_home: str | os.PathLike[str] | None = None,
    as_customers: bool = False,
) -> pd.DataFrame:
    """Load the UCI Default of Credit Card Clients data (Taiwan, 30,000 cardholders, 2005).

    Looks in the cache folder (see :func:`cache_dir`) for, in order: the CSV rendering
    ``default of credit card clients.csv``, the original ``default of credit card clients.xls``,
    the official archive ``default+of+credit+card+clients.zip``; if none is there, downloads the
    archive from the UCI repository over HTTPS.

    How the files are verified: the CSV rendering must match its pinned SHA-256. The SHA-256 of
    the ``.xls`` and of the zip have not been independently confirmed, so they are not pinned;
    they are logged (logger ``kequn_lib.datasets.public``, level INFO) each time they are used.
    Instead, the ``.xls`` is parsed (second header row, as ``pandas.read_excel(header=1)``) and
    checked against the documented facts (30,000 rows, IDs 1..30,000 in order, 23,364 non-default
    and 6,636 default) and, value by value, against the pinned CSV rendering: the parsed table is
    rendered as that CSV (comma-separated, CRLF) and its SHA-256 must match. Once verified, that
    rendering is written to the cache, so later loads only check the CSV's hash.

    Parameters
    ----------
    data_home : str or path-like, optional
        Cache folder; default ``KEQUN_DATA``, else the platform cache (see :func:`cache_dir`).
    as_customers : bool, default=False
        Return :func:`credit_default_customers` of the raw table instead.

    Returns
    -------
    pandas.DataFrame
        The raw table, one row per cardholder, RangeIndex, the 25 published columns, all int64
        and as published (codes are not relabelled here: ``SEX`` 1/2, ``EDUCATION`` 1-4 plus the
        undocumented 0, 5, 6, ``MARRIAGE`` 1-3 plus 0, ``PAY_0``/``PAY_2``..``PAY_6`` -2..9;
        money in NT$). The target is ``default payment next month`` (1 = default), whatever its
        name in the source file. ``.attrs``: ``citation``, ``licence``, ``source_url``, ``doi``,
        ``currency`` ("TWD"), ``file``, ``sha256``, ``n_duplicate_rows`` (ignoring ``ID``;
        duplicates are kept), ``notes``.

    Raises
    ------
    DataUnavailableError
        If the data are neither in the cache nor downloadable (the message says which file to put
        in which folder), a cached CSV has the wrong hash, or an ``.xls`` does not hold the
        published values. A rejected file is not used and not deleted (except an archive that
        was just downloaded).

    See Also
    --------
    credit_default_customers : the customer-table mapping.
    load_customers : ``kq.load_customers("uci-credit-default")``.

    Notes
    -----
    Source: Yeh and Lien (2009), UCI dataset 350, licence CC BY 4.0 (attribution required; the
    citation is in ``.attrs["citation"]``). ``PAY_0`` and ``BILL_AMT1``/``PAY_AMT1`` are September
    2005, ``PAY_6`` and ``BILL_AMT6``/``PAY_AMT6`` April 2005; there is no ``PAY_1``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> raw = kq.load_credit_default(data_home="data-cache")  # doctest: +SKIP
    >>> raw["default payment next month"].sum()  # doctest: +SKIP
    np.int64(6636)
    """
    folder = cache_dir(data_home)
    path = _credit_file(folder)
    raw = _read_credit_csv(path)
    raw.attrs.update(
        {
            **_CREDIT_META,
            "file": _CREDIT_CSV,
            "sha256": _REGISTRY[_CREDIT_CSV]["sha256"],
            "n_rows": len(raw),
            "n_duplicate_rows": int(raw.drop(columns="ID").duplicated().sum()),
            "notes": (
                "Codes kept as published, including undocumented ones (EDUCATION 0/5/6, "
                "MARRIAGE 0, PAY_x -2 and 0). BILL_AMT can be negative. Money in NT$ (TWD). "
                "Rows duplicated apart from ID are kept."
            ),
        }
    )
    return credit_default_customers(raw) if as_customers else raw


_SEX = {1: "male", 2: "female"}
_CREDIT_EDUCATION = {1: "graduate school", 2: "university", 3: "high school", 4: "others"}
_MARRIAGE = {1: "married", 2: "single", 3: "others"}


def credit_default_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Map the raw UCI Default of Credit Card Clients table to kequn's customer table.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by :func:`load_credit_default`.

    Returns
    -------
    pandas.DataFrame
        One row per cardholder, same index as ``raw``; money in NT$ (``.attrs["currency"]`` is
        ``"TWD"``, not converted; ``.attrs["outcome"]`` is ``"defaulted_next_month"``):

        - ``customer_id`` (int64): ``ID``.
        - ``aum`` (float64): ``LIMIT_BAL``, the credit limit. This is **not** an asset balance
          (the data hold none); the limit is the bank's own appraisal of the client's capacity
          and serves as the value proxy so that tiering runs. Also kept as ``credit_limit``.
        - ``loan_balance`` (float64): the September 2005 bill ``BILL_AMT1`` clipped at 0 (the
          card debt); ``credit_balance`` (float64): the negative part of that bill (an
          overpayment the bank owes the client), else 0.
        - ``has_loan`` (bool): ``loan_balance > 0``.
        - ``bill_mean_6m`` (float64, may be negative): mean of ``BILL_AMT1..6``;
          ``payment_total_6m`` (float64): sum of ``PAY_AMT1..6``; ``utilisation`` (float64):
          ``loan_balance / credit_limit``.
        - ``pay_delay_max_6m`` (int64): the longest repayment delay in months over
          ``PAY_0, PAY_2..PAY_6`` (codes <= 0, i.e. paid duly or no use, count as 0).
        - ``age`` (Int64); ``sex``, ``education``, ``marital`` (categorical with the documented
          labels; undocumented codes, EDUCATION 0/5/6 and MARRIAGE 0, become missing).
        - ``defaulted_next_month`` (bool): the target.

    Raises
    ------
    SchemaError
        If ``raw`` lacks a needed column.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> cols = {"ID": [1, 2], "LIMIT_BAL": [20000, 50000], "SEX": [2, 1],
    ...         "EDUCATION": [2, 5], "MARRIAGE": [1, 2], "AGE": [24, 37]}
    >>> cols |= {c: [0, 2] for c in ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]}
    >>> cols |= {f"BILL_AMT{i}": [3913, -200] for i in range(1, 7)}
    >>> cols |= {f"PAY_AMT{i}": [0, 1000] for i in range(1, 7)}
    >>> cols["default payment next month"] = [1, 0]
    >>> kq.credit_default_customers(pd.DataFrame(cols))[["aum", "loan_balance", "education"]]
           aum  loan_balance   education
    0  20000.0        3913.0  university
    1  50000.0           0.0         NaN
    """
    owner = "credit_default_customers"
    raw = require_frame(raw, owner=owner)
    require_columns(raw, _CREDIT_COLUMNS, owner=owner)
    whole = {c: _whole_numbers(raw, c, owner=owner) for c in _CREDIT_COLUMNS
             if c not in ("LIMIT_BAL",) and not c.startswith(("BILL_AMT", "PAY_AMT"))}
    for c in _CREDIT_COLUMNS:
        if c.startswith(("BILL_AMT", "PAY_AMT")):
            require_numeric(raw, c, owner=owner)
    limit = require_numeric(raw, "LIMIT_BAL", owner=owner)
    bill = raw["BILL_AMT1"].astype("float64")
    pays = [c for c in _CREDIT_COLUMNS if c.startswith("PAY_") and "AMT" not in c]
    loan = bill.clip(lower=0)

    def labelled(col: str, labels: dict[int, str]) -> pd.Categorical:
        return pd.Categorical(raw[col].map(labels), categories=list(labels.values()))

    out = pd.DataFrame(
        {
            "customer_id": whole["ID"].astype("int64"),
            "aum": limit,
            "credit_limit": limit,
            "loan_balance": loan,
            "credit_balance": (-bill).clip(lower=0),
            "has_loan": loan > 0,
            "bill_mean_6m": raw[[f"BILL_AMT{i}" for i in range(1, 7)]].mean(axis=1),
            "payment_total_6m": raw[[f"PAY_AMT{i}" for i in range(1, 7)]]
            .sum(axis=1)
            .astype("float64"),
            "utilisation": (loan / limit.where(limit > 0)).astype("float64"),
            "pay_delay_max_6m": raw[pays].clip(lower=0).max(axis=1).astype("int64"),
            "age": whole["AGE"].astype("Int64"),
            "sex": labelled("SEX", _SEX),
            "education": labelled("EDUCATION", _CREDIT_EDUCATION),
            "marital": labelled("MARRIAGE", _MARRIAGE),
            "defaulted_next_month": raw["default payment next month"].astype(bool),
        },
        index=raw.index,
    )
    out.attrs.update(
        {
            **_CREDIT_META,
            "outcome": "defaulted_next_month",
            "column_map": {
                "customer_id": "ID",
                "aum": "LIMIT_BAL (credit limit, NT$; a value proxy, not assets)",
                "loan_balance": "max(BILL_AMT1, 0), NT$ (September 2005 bill)",
                "credit_balance": "max(-BILL_AMT1, 0), NT$",
                "defaulted_next_month": "default payment next month",
            },
        }
    )
    return validate_customers(out)
