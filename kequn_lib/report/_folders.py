"""Versioned report folders: ``reports`` is a link switched atomically to a complete build.

Layout next to the output (``reports`` by default)::

    reports -> .reports-builds/20261201T203000-1234      (a relative symbolic link)
    .reports-builds/
        lock                                             (held by the running build)
        20261201T193000-1200/                            (the previous build, kept)
        20261201T203000-1234/                            (the current build)
        20261201T204500-1301.staging/                    (a build in progress)

A build writes into its ``.staging`` folder, renames it to its final name when complete, then
points a temporary link at it and renames that link over ``reports`` (``rename`` replaces a link
atomically). At every moment ``reports`` is either the old complete build or the new one. Staging
folders left by a killed build are removed when the next build starts (it holds the lock, so no
other build is using them).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from .._validation import fmt_values

KEEP = 2  # complete builds kept: the current one and the one before it
STAGING = ".staging"


class FolderError(OSError):
    """The output location cannot be used (raised as ReportError by the builder)."""


def builds_folder(output: Path) -> Path:
    """The hidden folder holding the versioned builds of ``output``."""
    return output.parent / f".{output.name}-builds"


def current(output: Path) -> Path | None:
    """The build folder ``output`` points at, or None when there is no report yet."""
    if output.is_symlink():
        target = Path(os.readlink(output))
        target = target if target.is_absolute() else output.parent / target
        return target if target.is_dir() else None
    return None


def check_output(output: Path) -> None:
    """Refuse an output that the builder did not make (a foreign link, a file)."""
    builds = builds_folder(output)
    if output.is_symlink():
        target = Path(os.readlink(output))
        resolved = (output.parent / target) if not target.is_absolute() else target
        if resolved.parent.resolve() != builds.resolve():
            msg = (
                f"the output {output.name!r} is a link to {target}, which this builder did not "
                f"make; it is left alone. Remove the link or pass another output folder."
            )
            raise FolderError(msg)
    elif output.exists() and not output.is_dir():
        msg = (
            f"the output {output.name!r} exists and is not a folder; it is left alone. "
            "Remove it or pass another output folder."
        )
        raise FolderError(msg)


@contextlib.contextmanager
def locked(output: Path) -> Iterator[Path]:
    """Hold the build lock of ``output`` and clean what killed builds left; yield the folder."""
    builds = builds_folder(output)
    builds.mkdir(parents=True, exist_ok=True)
    handle = open(builds / "lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = (
                f"another report build into {output.name!r} is running; wait for it to finish "
                "(or stop it) and start again."
            )
            raise FolderError(msg) from None
        clean_stale(output)
        yield builds
    finally:
        handle.close()


def clean_stale(output: Path) -> list[str]:
    """Remove staging folders and temporary links left by killed builds; return their names."""
    builds = builds_folder(output)
    removed = []
    if builds.is_dir():
        for path in builds.iterdir():
            if path.name.endswith(STAGING):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
    for link in output.parent.glob(f".{output.name}.link-*"):
        if link.is_symlink():
            link.unlink(missing_ok=True)
            removed.append(link.name)
    return removed


def new_staging(builds: Path) -> Path:
    """A fresh staging folder named after the time and the process."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = builds / f"{stamp}-{os.getpid()}{STAGING}"
    path.mkdir()
    return path


def switch(output: Path, site: Path, staging: Path) -> Path:
    """Make ``site`` (inside ``staging``) the report: move it to the build's final name, then
    swap the link atomically.

    A real folder at ``output`` (a report written before reports were versioned) is moved into
    the builds folder first.
    """
    final = staging.with_name(staging.name.removesuffix(STAGING))
    site.rename(final)
    if output.exists() and not output.is_symlink():
        output.rename(output.parent / builds_folder(output).name / f"{final.name}-previous")
    link = output.with_name(f".{output.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(Path(builds_folder(output).name) / final.name)
    os.replace(link, output)
    return final


def prune(output: Path, keep: int = KEEP) -> list[str]:
    """Delete complete builds beyond the newest ``keep`` (never the current one)."""
    builds = builds_folder(output)
    now = current(output)
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(STAGING)),
        key=lambda p: p.name,
    )
    old = [p for p in done[:-keep] if now is None or p.resolve() != now.resolve()]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in old]


def describe(paths: list[str]) -> str:
    return fmt_values(paths, 5)
