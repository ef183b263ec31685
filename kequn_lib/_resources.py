"""Locate the curated tables that ship with kequn (``data/*.csv``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import DataUnavailableError

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def data_path(name: str) -> Path:
    """Return the path of a curated table, e.g. ``data_path("tier_presets.csv")``.

    Looks in the repository's ``data/`` folder (a clone or an editable install), then in the
    installed package data (``kequn_lib/data``).
    """
    candidate = _REPO_DATA / name
    if candidate.is_file():
        return candidate
    installed = resources.files("kequn_lib") / "data" / name
    if installed.is_file():
        return Path(str(installed))
    msg = (
        f"kequn's curated table {name!r} was not found in {_REPO_DATA} nor in the installed "
        "package. Reinstall kequn (pip install -e . from the repository)."
    )
    raise DataUnavailableError(msg)
