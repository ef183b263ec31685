"""UCI Bank Marketing (Portuguese bank phone campaigns, 2008-2010): the loader, the typed raw
table and its mapping to kequn's customer table.

Integrity: the CSV that is finally parsed always matches a pinned SHA-256. The archives are
containers (the outer UCI archive is repacked by the server, so its own hash changes): the member
extracted from them is checked. Download, cache and extraction: :mod:`._download`.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option, require_columns, require_frame, require_numeric
from ..errors import DataUnavailableError, KequnError, ParameterError
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
    _whole_numbers,
    _write_cache,
    cache_dir,
    logger,
)

__all__ = [
    "bank_marketing_customers",
    "load_bank_marketing",
]

_BANK_PAGE = "https://archive.ics.uci.edu/dataset/222/bank+marketing"

_register({
    "bank+marketing.zip": {
        "url": "https://archive.ics.uci.edu/static/public/222/bank+marketing.zip",
        "sha256": None,  # repacked by the server: not stable, its members are checked instead
    },
    "bank.zip": {"sha256": None, "inside": "bank+marketing.zip", "member": "bank.zip"},
    "bank-additional.zip": {
        "sha256": None,
        "inside": "bank+marketing.zip",
        "member": "bank-additional.zip",
    },
    "bank-full.csv": {
        "sha256": "d1513ec63b385506f7cfce9f2c5caa9fe99e7ba4e8c3fa264b3aaf0f849ed32d",
        "inside": "bank.zip",
        "member": "bank-full.csv",
    },
    "bank-additional-full.csv": {
        "sha256": "74adfc578bf77a7ff4bb1ba4a9f8709d9e3c6907342959c2c8416847e0afb4d8",
        "inside": "bank-additional.zip",
        "member": "bank-additional/bank-additional-full.csv",
    },
})

_BANK_VARIANTS = {
    "full": {"csv": "bank-full.csv", "rows": 45_211, "sentinel": -1},
    "additional": {"csv": "bank-additional-full.csv", "rows": 41_188, "sentinel": 999},
}

_BANK_META = {
    "dataset": "UCI Bank Marketing (id 222)",
    "citation": (
        "S. Moro, P. Cortez, P. Rita (2014). A data-driven approach to predict the success of "
        "bank telemarketing. Decision Support Systems 62, 22-31. doi:10.1016/j.dss.2014.03.001. "
        "Dataset: Moro, S., Rita, P., Cortez, P. (2014). Bank Marketing. UCI Machine Learning "
        "Repository. https://doi.org/10.24432/C5K306"
    ),
    "licence": _LICENCE,
    "source_url": _BANK_PAGE,
    "doi": "10.24432/C5K306",
}


def _bank_help(variant: str, folder: Path) -> str:
    csv = _BANK_VARIANTS[variant]["csv"]
    inner = _REGISTRY[csv]["inside"]
    return (
        f"To use the data without a network, download bank+marketing.zip from {_BANK_PAGE} and "
        f"put that file (or the {inner} inside it, or the extracted {csv}) in the folder "
        f"{folder} ; or pass data_home= (or set {ENV_VAR}) to a folder that holds it."
    )


def _bank_file(variant: str, folder: Path) -> Path | io.BytesIO:
    """Locate, extract or download the verified CSV of ``variant``; return its path."""
    csv = _BANK_VARIANTS[variant]["csv"]
    inner = _REGISTRY[csv]["inside"]
    help_text = _bank_help(variant, folder)
    remedy = f"load again to extract or download it. {help_text}"
    path = folder / csv
    if path.is_file():
        _check_cached(path, remedy=remedy)
        return path
    downloaded = False
    for archive_name in (inner, "bank+marketing.zip", None):
        if archive_name is None:
            archive = _download("bank+marketing.zip", folder, offline_help=help_text)
            downloaded = True
        else:
            archive = folder / archive_name
            if not archive.is_file():
                continue
        try:
            data = _extract_chain(csv, archive)
            got = hashlib.sha256(data).hexdigest()
            if got != _REGISTRY[csv]["sha256"]:
                msg = (
                    f"{csv} extracted from {archive} has SHA-256 {got}, but the published file "
                    f"has {_REGISTRY[csv]['sha256']}; it was not used."
                )
                raise DataUnavailableError(msg)
        except _DamagedArchive as exc:
            raise _discard_damaged(archive, exc, help_text) from None
        except DataUnavailableError as exc:
            if downloaded:
                archive.unlink(missing_ok=True)
                msg = f"{exc} The downloaded archive was deleted. {help_text}"
                raise DataUnavailableError(msg) from None
            raise DataUnavailableError(f"{exc} {help_text}") from None
        logger.info("Extracted %s from %s (SHA-256 verified)", csv, archive)
        return _write_cache(folder, csv, data)
    raise AssertionError("unreachable")  # pragma: no cover


_BANK_COLUMNS = {
    "full": [
        "age", "job", "marital", "education", "default", "balance", "housing", "loan",
        "contact", "day", "month", "duration", "campaign", "pdays", "previous", "poutcome", "y",
    ],
    "additional": [
        "age", "job", "marital", "education", "default", "housing", "loan", "contact", "month",
        "day_of_week", "duration", "campaign", "pdays", "previous", "poutcome", "emp.var.rate",
        "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed", "y",
    ],
}  # fmt: skip
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_EDUCATION = {
    "full": ["primary", "secondary", "tertiary"],
    "additional": [
        "illiterate", "basic.4y", "basic.6y", "basic.9y", "high.school",
        "professional.course", "university.degree",
    ],
}  # fmt: skip
_ORDERED = {"month": _MONTHS, "day_of_week": ["mon", "tue", "wed", "thu", "fri"]}
_YES_NO = ("default", "housing", "loan")


def _fail(source: Any, what: str) -> KequnError:
    return KequnError(f"{source}: {what}. Is this the published UCI Bank Marketing file?")


def _read_bank_csv(source: Any, variant: str) -> pd.DataFrame:
    """Parse a UCI Bank Marketing CSV (quoted, ';'-separated) into the typed raw table."""
    try:
        df = pd.read_csv(source, sep=";", quotechar='"', dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(source, f"cannot be parsed ({exc})") from exc
    expected = _BANK_COLUMNS[variant]
    if list(df.columns) != expected:
        raise _fail(source, f"has columns {list(df.columns)}, expected {expected}")
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    unknown: dict[str, int] = {}
    floats = {"emp.var.rate", "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed"}
    previous = pd.to_numeric(df["previous"], errors="coerce")
    for col in expected:
        s = df[col].str.strip()
        if col in floats or col in {"age", "balance", "day", "duration", "campaign", "pdays",
                                    "previous"}:  # fmt: skip
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna()
            if bad.any():
                rows = list(df.index[bad][:5])
                raise _fail(source, f"column {col!r} has non-numbers at rows {rows}")
            out[col] = num.astype("float64" if col in floats else "int64")
            continue
        is_unknown = s == "unknown"
        if is_unknown.any():
            unknown[col] = int(is_unknown.sum())
        if col == "y" or col in _YES_NO:
            values = s.map({"yes": True, "no": False})
            bad = values.isna() & ~is_unknown
            if bad.any() or (col == "y" and is_unknown.any()):
                raise _fail(source, f"column {col!r} has values other than yes/no/unknown")
            out[col] = values.astype("bool" if col == "y" else "boolean")
            continue
        if col == "poutcome":
            # 2012 release: 'unknown' where the client was never contacted before (previous == 0)
            # is the 2014 release's 'nonexistent'; the few other 'unknown' rows are missing.
            s = s.mask(is_unknown & (previous == 0), "nonexistent")
        s = s.mask(s == "unknown")
        levels = _EDUCATION[variant] if col == "education" else _ORDERED.get(col)
        if levels is not None:
            extra = sorted(set(s.dropna()) - set(levels))
            if extra:
                raise _fail(source, f"column {col!r} has unexpected values {extra}")
            out[col] = pd.Categorical(s, categories=levels, ordered=True)
        else:
            out[col] = pd.Categorical(s, categories=sorted(s.dropna().unique()))
    sentinel = _BANK_VARIANTS[variant]["sentinel"]
    out["pdays"] = out["pdays"].astype("Int64").mask(out["pdays"] == sentinel)
    out["previously_contacted"] = out["previous"] > 0
    out.attrs.update(
        {
            **_BANK_META,
            "variant": variant,
            "currency": "EUR" if variant == "full" else "none (no money columns)",
            "n_rows": len(out),
            "n_duplicate_rows": int(out.duplicated().sum()),
            "n_unknown": unknown,
            "notes": (
                "'unknown' is stored as missing (counts in n_unknown). pdays sentinel "
                f"{sentinel} -> missing; previously_contacted = previous > 0. In the 2012 release "
                "poutcome 'unknown' with previous == 0 is stored as 'nonexistent' (the 2014 "
                "release's label). duration is known only after the call and leaks the target. "
                "Duplicated rows are kept."
            ),
        }
    )
    return out


def load_bank_marketing(
    variant: str = "full",
    *,
    data_home: str | os.PathLike[str] | None = None,
    as_customers: bool = False,
) -> pd.DataFrame:
    """Load the UCI Bank Marketing data (Portuguese bank phone campaigns, 2008-2010).

    Looks in the cache folder (see :func:`cache_dir`) for, in order: the extracted CSV, the inner
    archive (``bank.zip`` or ``bank-additional.zip``), the official ``bank+marketing.zip``; if none
    is there, downloads ``bank+marketing.zip`` from the UCI repository over HTTPS. The CSV (cached
    or extracted) must match its pinned SHA-256; the archives are only containers and are not
    hash-pinned (the server repacks the outer one).

    Parameters
    ----------
    variant : {"full", "additional"}, default="full"
        ``"full"``: the 2012 release ``bank-full.csv`` (45,211 rows, 17 columns, with the average
        yearly ``balance`` in EUR). ``"additional"``: the 2014 release
        ``bank-additional-full.csv`` (41,188 rows, 21 columns, no ``balance``, five economic
        context indicators).
    data_home : str or path-like, optional
        Cache folder; default ``KEQUN_DATA``, else the platform cache (see :func:`cache_dir`).
    as_customers : bool, default=False
        Return :func:`bank_marketing_customers` of the raw table instead (``variant="full"``
        only: the 2014 release has no balance to use as assets).

    Returns
    -------
    pandas.DataFrame
        The raw table, one row per client contact, RangeIndex, published column names:
        ``age``, ``balance``, ``day``, ``duration``, ``campaign``, ``previous`` int64; ``pdays``
        Int64 with the "not previously contacted" sentinel (-1 in 2012, 999 in 2014) as missing;
        ``default``, ``housing``, ``loan`` nullable boolean; ``y`` bool; ``job``, ``marital``,
        ``contact``, ``poutcome`` categorical; ``education``, ``month``, ``day_of_week`` ordered
        categorical; the 2014 indicators float64; plus ``previously_contacted`` (bool,
        ``previous > 0``). The string ``unknown`` becomes missing. ``.attrs`` holds ``citation``,
        ``licence``, ``source_url``, ``doi``, ``currency``, ``file``, ``sha256``,
        ``n_duplicate_rows`` (duplicates are kept), ``n_unknown`` and ``notes``.

    Raises
    ------
    ParameterError
        If ``variant`` is unknown, or ``as_customers=True`` with ``variant="additional"``.
    DataUnavailableError
        If the data are neither in the cache nor downloadable (the message says which file to put
        in which folder), or a file there has the wrong hash (it is not used and not deleted).

    See Also
    --------
    bank_marketing_customers : the customer-table mapping.
    load_customers : ``kq.load_customers("uci-bank-marketing")``.

    Notes
    -----
    Source: Moro, Cortez and Rita (2014), UCI dataset 222, licence CC BY 4.0 (attribution
    required; the citation is in ``.attrs["citation"]``). Each row is a contact, not a client:
    the data have no client identifier. ``duration`` is the length of the last call, known only
    after it; drop it for realistic models.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> raw = kq.load_bank_marketing(data_home="data-cache")  # doctest: +SKIP
    >>> raw["y"].mean().round(3)  # doctest: +SKIP
    np.float64(0.117)
    """
    variant = check_option(variant, _BANK_VARIANTS, name="variant", owner="load_bank_marketing")
    if as_customers and variant != "full":
        msg = (
            "load_bank_marketing: as_customers=True needs variant='full' (the 2012 release has "
            "the balance used as the asset proxy; the 'additional' release has none)."
        )
        raise ParameterError(msg)
    folder = cache_dir(data_home)
    path = _bank_file(variant, folder)
    raw = _read_bank_csv(path, variant)
    csv = _BANK_VARIANTS[variant]["csv"]
    raw.attrs.update({"file": csv, "sha256": _REGISTRY[csv]["sha256"]})
    return bank_marketing_customers(raw) if as_customers else raw


def bank_marketing_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Map the raw UCI Bank Marketing table (2012 release) to kequn's customer table.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by ``load_bank_marketing(variant="full")``.

    Returns
    -------
    pandas.DataFrame
        One row per contact (the data have no client id), same index as ``raw``:

        - ``customer_id`` (int64): row number + 1; a client contacted in two campaigns may
          appear twice.
        - ``aum`` (float64, EUR): ``balance`` clipped at 0. ``balance`` is the average yearly
          account balance, used as the asset proxy; it can be negative (an overdrawn account),
          and aum must be >= 0, so the negative part goes to ``overdraft`` instead.
        - ``deposit_balance`` (float64, EUR): equal to ``aum`` (the balance is a deposit account
          balance; no investment holdings are known, so ``wealth_balance`` is absent).
        - ``overdraft`` (float64, EUR): ``-balance`` where the balance is negative, else 0.
        - ``age`` (Int64); ``occupation`` (= ``job``), ``marital``, ``education`` (categorical,
          missing where the data say ``unknown``).
        - ``has_loan`` (bool): a housing or a personal loan; ``has_housing_loan``,
          ``has_personal_loan``, ``has_credit_default`` (bool).
        - ``campaign_contacts``, ``previous_contacts`` (int64); ``previously_contacted`` (bool).
        - ``subscribed_term_deposit`` (bool): the campaign outcome ``y``.

        ``duration`` is left out (it leaks the outcome). ``.attrs`` keeps the raw table's
        citation, licence and source, sets ``currency`` to ``"EUR"``, names the campaign outcome in
        ``outcome`` (``"subscribed_term_deposit"``: never a segmentation feature) and adds
        ``column_map``.

    Raises
    ------
    SchemaError
        If ``raw`` lacks a needed column (e.g. the 2014 release, which has no ``balance``).

    Notes
    -----
    Money stays in EUR (2008-2010) and is not converted to CNY: kequn's CNY tier thresholds do
    not apply to it as they stand. The validated table passes :func:`kequn_lib.validate_customers`.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> raw = pd.DataFrame({"age": [30, 61], "job": ["admin.", "retired"],
    ...     "marital": ["single", "married"], "education": ["tertiary", "primary"],
    ...     "default": [False, False], "balance": [1200, -300], "housing": [True, False],
    ...     "loan": [False, False], "campaign": [1, 2], "previous": [0, 3],
    ...     "y": [False, True]})
    >>> kq.bank_marketing_customers(raw)[["aum", "overdraft", "has_loan"]]
          aum  overdraft  has_loan
    0  1200.0        0.0      True
    1     0.0      300.0     False
    """
    owner = "bank_marketing_customers"
    raw = require_frame(raw, owner=owner)
    need = ["age", "job", "marital", "education", "default", "balance", "housing", "loan",
            "campaign", "previous", "y"]  # fmt: skip
    require_columns(raw, need, owner=owner)
    balance = require_numeric(raw, "balance", owner=owner)
    counts = {c: _whole_numbers(raw, c, owner=owner) for c in ("age", "campaign", "previous")}
    housing = raw["housing"].astype("boolean").fillna(False).astype(bool)
    personal = raw["loan"].astype("boolean").fillna(False).astype(bool)
    out = pd.DataFrame(
        {
            "customer_id": np.arange(1, len(raw) + 1, dtype="int64"),
            "aum": balance.clip(lower=0),
            "deposit_balance": balance.clip(lower=0),
            "overdraft": (-balance).clip(lower=0),
            "age": counts["age"].astype("Int64"),
            "occupation": raw["job"].astype("category"),
            "marital": raw["marital"].astype("category"),
            "education": raw["education"].astype("category"),
            "has_loan": housing | personal,
            "has_housing_loan": housing,
            "has_personal_loan": personal,
            "has_credit_default": raw["default"].astype("boolean").fillna(False).astype(bool),
            "campaign_contacts": counts["campaign"].astype("int64"),
            "previous_contacts": counts["previous"].astype("int64"),
            "previously_contacted": counts["previous"] > 0,
            "subscribed_term_deposit": raw["y"].astype(bool),
        },
        index=raw.index,
    )
    out.attrs.update(
        {
            **_BANK_META,
            "currency": "EUR",
            "outcome": "subscribed_term_deposit",
            "column_map": {
                "customer_id": "row number + 1 (no client id in the data)",
                "aum": "max(balance, 0), EUR, asset proxy",
                "deposit_balance": "max(balance, 0), EUR",
                "overdraft": "max(-balance, 0), EUR",
                "occupation": "job",
                "has_loan": "housing or loan",
                "subscribed_term_deposit": "y",
            },
        }
    )
    return validate_customers(out)
