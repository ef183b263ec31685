"""Public datasets, downloaded once, verified and typed: UCI Bank Marketing and UCI Default of
Credit Card Clients. Each loader returns the raw table or, with ``as_customers=True``, a customer
table in kequn's schema. Files live in a cache folder (:func:`cache_dir`).

Integrity: the CSV that is finally parsed always matches a pinned SHA-256. Archives are containers
(the outer UCI archive is repacked by the server, so its own hash changes): the member extracted
from them is checked. The credit ``.xls`` has no confirmed hash: its parsed values must reproduce
the pinned CSV rendering. A file that fails its check is never used and, unless just downloaded,
is left in place, with a :class:`~kequn_lib.DataUnavailableError`. Archive members are read by
fixed names and written under fixed names into the cache folder only; an archive with an absolute
or ``..`` member name is rejected whole. Offline use: see ``docs/bring_your_own_data.md``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option, fmt_values
from ..errors import DataUnavailableError, KequnError, ParameterError
from ..schema import validate_customers

__all__ = [
    "bank_marketing_customers",
    "cache_dir",
    "credit_default_customers",
    "load_bank_marketing",
    "load_credit_default",
]

logger = logging.getLogger(__name__)

ENV_VAR = "KEQUN_DATA"
"""Environment variable naming the cache folder when ``data_home`` is not given."""

_LICENCE = "CC BY 4.0 (Creative Commons Attribution 4.0 International)"
_MAX_MEMBER_BYTES = 64 * 1024 * 1024  # refuse to inflate an archive member larger than this

# --- registry ----------------------------------------------------------------------------------
# One entry per file the loaders may read. ``sha256`` None means "not pinned": such a file is only
# a container (an archive) or is verified through what is parsed from it (the credit .xls).
# ``inside`` names the archive that holds the file, ``member`` its name in that archive.

_BANK_PAGE = "https://archive.ics.uci.edu/dataset/222/bank+marketing"
_CREDIT_PAGE = "https://archive.ics.uci.edu/dataset/350/default+of+credit+card+clients"
_CREDIT_CSV = "default of credit card clients.csv"
_CREDIT_XLS = "default of credit card clients.xls"
_CREDIT_ZIP = "default+of+credit+card+clients.zip"

_REGISTRY: dict[str, dict[str, Any]] = {
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
}

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

# Downloader handed to pooch; None uses pooch's HTTPS downloader. Tests put a local one here.
_DOWNLOADER: Callable[..., Any] | None = None
_TIMEOUT_S = 60


# --- cache folder and file checks --------------------------------------------------------------


def cache_dir(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where kequn keeps (and looks for) public dataset files.

    Parameters
    ----------
    data_home : str or path-like, optional
        The folder to use. When None, the ``KEQUN_DATA`` environment variable is used if set,
        else the platform's user cache folder for kequn (``pooch.os_cache("kequn")``, e.g.
        ``~/.cache/kequn`` on Linux).

    Returns
    -------
    pathlib.Path
        The folder (``~`` expanded). It is not created here; loaders create it when they need to
        write into it.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.cache_dir("my-data").name
    'my-data'
    """
    if data_home is None:
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            return Path(env).expanduser()
        pooch = _pooch()
        return Path(pooch.os_cache("kequn"))
    return Path(data_home).expanduser()


def _pooch():
    """Import pooch without tqdm's "IProgress not found" warning in notebooks without widgets."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import pooch
    return pooch


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_cached(path: Path, *, remedy: str) -> str:
    """Return the hash of ``path`` if it matches the registry; raise if it does not."""
    expected = _REGISTRY[path.name]["sha256"]
    got = _sha256(path)
    if got != expected:
        msg = (
            f"The cached file {path} has SHA-256 {got}, but the published {path.name} has "
            f"{expected}. It is truncated, edited or from another release, so it was NOT used "
            f"(and was left in place). Delete it and {remedy}."
        )
        raise DataUnavailableError(msg)
    return got


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = (
            f"Cannot create the data folder {folder} ({exc.strerror or exc}). Pass "
            f"data_home= a writable folder, or set the {ENV_VAR} environment variable to one."
        )
        raise DataUnavailableError(msg) from exc


def _safe_names(zf: zipfile.ZipFile, archive: Path) -> list[str]:
    """Return the member names, rejecting the archive if any of them could escape a folder."""
    names = zf.namelist()
    bad = [
        name
        for name in names
        if name.startswith(("/", "\\"))
        or ".." in PurePosixPath(name.replace("\\", "/")).parts
        or name[1:2] == ":"
        or "\x00" in name
    ]
    if bad:
        msg = (
            f"The archive {archive} has member names that point outside its folder "
            f"({', '.join(repr(b) for b in bad[:3])}). It is not the published archive and "
            "nothing was extracted from it. Delete it and use the official file."
        )
        raise DataUnavailableError(msg)
    return names


def _find_member(names: list[str], wanted: str) -> str | None:
    """Return the member whose name (or base name) is ``wanted``, ignoring macOS debris."""
    if wanted in names:
        return wanted
    base = PurePosixPath(wanted).name.lower()
    for name in names:
        if name.startswith("__MACOSX/"):
            continue
        if PurePosixPath(name.replace("\\", "/")).name.lower() == base:
            return name
    return None


class _DamagedArchive(DataUnavailableError):
    """An archive (or an archive inside it) cannot be inflated: a broken or partial download."""


def _discard_damaged(archive: Path, exc: _DamagedArchive, help_text: str) -> DataUnavailableError:
    """Delete the damaged ``archive`` so that the next call downloads it again."""
    try:
        archive.unlink(missing_ok=True)
        done = f"{archive} was deleted, so the next call downloads it again."
    except OSError as err:
        done = f"It could not be deleted ({err.strerror or err}): delete {archive} yourself."
    logger.warning("Deleted the damaged archive %s", archive)
    return DataUnavailableError(f"{exc} {done} {help_text}")


def _read_member(zf: zipfile.ZipFile, archive: Path, member: str) -> bytes:
    info = zf.getinfo(member)
    if info.file_size > _MAX_MEMBER_BYTES:
        msg = (
            f"The member {member!r} of {archive} would inflate to {info.file_size:,} bytes, more "
            "than any file of this dataset. It was not extracted; use the official archive."
        )
        raise DataUnavailableError(msg)
    try:
        return zf.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        msg = (
            f"Cannot read {member!r} from {archive} ({type(exc).__name__}: {exc}): the archive "
            "is damaged (a broken or partial download)."
        )
        raise _DamagedArchive(msg) from exc


def _open_zip(source: Path | bytes, label: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        msg = f"{label} is not a readable zip archive ({exc}): damaged, or not the official file."
        raise _DamagedArchive(msg) from exc


def _write_cache(folder: Path, name: str, data: bytes) -> Path | io.BytesIO:
    """Write verified ``data`` as ``folder/name`` (atomically, never outside ``folder``).

    Returns the path, or the bytes as a buffer when the folder is read-only (logged).
    """
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise DataUnavailableError(f"Refusing to write {name!r} outside the folder {folder}.")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kequn-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache file is ordinary data
        os.replace(tmp, target)
    except OSError as exc:
        logger.warning(
            "Could not cache %s in %s (%s); using it from memory. Pass a writable data_home "
            "to avoid extracting it on every load.",
            name,
            folder,
            exc.strerror or exc,
        )
        return io.BytesIO(data)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    return target


def _extract_chain(target: str, archive: Path) -> bytes:
    """Return the bytes of ``target`` found (possibly nested) inside ``archive``."""
    chain = [target]
    while _REGISTRY[chain[-1]].get("inside") not in (None, archive.name):
        chain.append(_REGISTRY[chain[-1]]["inside"])
    source: Path | bytes = archive
    label = archive
    for name in reversed(chain):
        with _open_zip(source, label) as zf:
            names = _safe_names(zf, label)
            member = _find_member(names, _REGISTRY[name]["member"])
            if member is None:
                msg = (
                    f"{label} does not contain {_REGISTRY[name]['member']!r} (it has: "
                    f"{', '.join(names[:8])}). It is not the published archive: delete it."
                )
                raise DataUnavailableError(msg)
            source = _read_member(zf, label, member)
        label = Path(f"{label}!{member}")
    assert isinstance(source, bytes)
    return source


def _download(name: str, folder: Path, *, offline_help: str) -> Path:
    """Fetch ``name`` from its HTTPS address into ``folder`` with pooch."""
    pooch = _pooch()

    url = _REGISTRY[name]["url"]
    _ensure_folder(folder)
    pooch_logger = pooch.get_logger()
    level = pooch_logger.level
    pooch_logger.setLevel(logging.WARNING)  # keep pooch's own INFO lines out of notebooks
    logger.info("Downloading %s into %s", url, folder)
    try:
        downloader = _DOWNLOADER or pooch.HTTPDownloader(progressbar=False, timeout=_TIMEOUT_S)
        path = Path(
            pooch.retrieve(url, known_hash=None, fname=name, path=folder, downloader=downloader)
        )
    except Exception as exc:  # network, HTTP, TLS and proxy errors come in many classes
        msg = f"Could not download {url} ({type(exc).__name__}: {exc}). {offline_help}"
        raise DataUnavailableError(msg) from exc
    finally:
        pooch_logger.setLevel(level)
    logger.info("Downloaded %s (SHA-256 %s)", path, _sha256(path))
    return path


# --- bank marketing ----------------------------------------------------------------------------


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


def _whole_numbers(raw: pd.DataFrame, column: str, *, owner: str) -> pd.Series:
    """Return ``raw[column]`` as float64 after checking it holds finite whole numbers."""
    from .._validation import require_numeric
    from ..errors import SchemaError

    values = require_numeric(raw, column, owner=owner)
    frac = values != values.round()
    if frac.any():
        rows = values.index[frac]
        msg = (
            f"{owner}: column {column!r} must hold whole numbers (a count, an age or a code); "
            f"{int(frac.sum())} row(s) do not, first at index [{fmt_values(rows)}] with values "
            f"[{fmt_values(values[frac].tolist())}]. Pass the file's columns unchanged."
        )
        raise SchemaError(msg, column=column, rows=list(rows))
    return values


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
    from .._validation import require_columns, require_frame, require_numeric

    owner = "bank_marketing_customers"
    require_frame(raw, owner=owner)
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


# --- credit default ----------------------------------------------------------------------------

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
    from .._validation import require_columns, require_frame, require_numeric

    owner = "credit_default_customers"
    require_frame(raw, owner=owner)
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
