"""The download and cache core of the public datasets: one cache folder, pooch downloads over
HTTPS, SHA-256 checks and safe extraction from zip archives.

Each dataset module (:mod:`~kequn_lib.datasets.bank_marketing`,
:mod:`~kequn_lib.datasets.credit_default`) registers the files it may read with
:func:`_register` and asks this module for them: :func:`_download` fetches an archive,
:func:`_extract_chain` reads a (possibly nested) member by its fixed name, :func:`_check_cached`
and the dataset's own checks verify what is parsed, and :func:`_write_cache` writes it under a
fixed name into the cache folder only. An archive with an absolute or ``..`` member name is
rejected whole; a damaged archive is deleted (:func:`_discard_damaged`) so the next call
downloads it again.

Events go to one logger for the whole family, ``kequn_lib.datasets.public``.
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

import pandas as pd

from .._validation import fmt_values, require_numeric
from ..errors import DataUnavailableError, SchemaError

__all__ = ["cache_dir"]

# One logger for every public dataset (the name the loaders' docstrings give).
logger = logging.getLogger("kequn_lib.datasets.public")

ENV_VAR = "KEQUN_DATA"
"""Environment variable naming the cache folder when ``data_home`` is not given."""

_LICENCE = "CC BY 4.0 (Creative Commons Attribution 4.0 International)"
_MAX_MEMBER_BYTES = 64 * 1024 * 1024  # refuse to inflate an archive member larger than this

# --- registry ----------------------------------------------------------------------------------
# One entry per file the loaders may read, filled by the dataset modules through _register.
# ``sha256`` None means "not pinned": such a file is only a container (an archive) or is verified
# through what is parsed from it (the credit .xls). ``url`` is the HTTPS address of a file that
# can be downloaded; ``inside`` names the archive that holds the file, ``member`` its name there.
_REGISTRY: dict[str, dict[str, Any]] = {}

# Downloader handed to pooch; None uses pooch's HTTPS downloader. Tests put a local one here.
_DOWNLOADER: Callable[..., Any] | None = None
_TIMEOUT_S = 60


def _register(files: dict[str, dict[str, Any]]) -> None:
    """Add a dataset's files to the registry; a name registered twice must not change."""
    for name, entry in files.items():
        if _REGISTRY.setdefault(name, entry) is not entry:
            raise AssertionError(f"{name!r} is registered by two datasets")  # pragma: no cover


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


# --- shared by the dataset mappings ------------------------------------------------------------


def _whole_numbers(raw: pd.DataFrame, column: str, *, owner: str) -> pd.Series:
    """Return ``raw[column]`` as float64 after checking it holds finite whole numbers."""
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
