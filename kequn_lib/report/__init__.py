"""Build the report: a Sphinx book of the executed notebooks, switched in atomically.

``make report`` calls :func:`main`; the same build is available from Python::

    import kequn_lib as kq
    kq.report.build(params={"N_CUSTOMERS": 20_000, "SEED": 1})

papermill executes each notebook (its ``parameters`` cell receives the values), Sphinx with
MyST-NB and sphinx-book-theme renders the executed notebooks without running them again, and the
API reference (autodoc + numpydoc) and the references page join the same site. Pages bring a
subset of an OFL-licensed CJK font, so Chinese shows on machines without one.

``reports`` is a link to a complete build in ``.reports-builds/``: a build is written into a
staging folder and the link is switched to it in one atomic rename, so the previous report stays
complete until the new one is (see :mod:`kequn_lib.report._folders`). ``key_figures.json`` holds
the headline numbers each notebook declares with :func:`kequn_lib.key_figures`.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import logging
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import _sphinx_i18n
from ..errors import KequnError
from . import _execute, _folders, _site
from ._execute import Terminated, execute
from ._notebooks import (
    Chapter,
    ReportError,
    ReportParameterError,
    check_declared,
    check_params,
    parameter_names,
    read,
    select,
)
from ._notebooks import list_chapters as _list_chapters

__all__ = [
    "LANGUAGES",
    "Chapter",
    "ReportError",
    "ReportParameterError",
    "build",
    "execute_notebook",
    "list_chapters",
    "main",
]

log = logging.getLogger("kequn_lib.report")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOKS = REPO_ROOT / "notebooks"
DEFAULT_OUTPUT = REPO_ROOT / "reports"
BOOK_CONFIG = REPO_ROOT / "book"


def list_chapters(notebooks: str | Path | None = None) -> list[Chapter]:
    """List the report's chapters: ``NN_*.ipynb`` files in reading (file-name) order.

    Parameters
    ----------
    notebooks : str or Path, optional
        Folder of the notebooks; the repository's ``notebooks/`` by default.

    Returns
    -------
    list of Chapter

    Raises
    ------
    ReportError
        If the folder does not exist or holds no notebook.
    """
    return _list_chapters(notebooks, default=DEFAULT_NOTEBOOKS)


def execute_notebook(
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
    strict: bool = False,
    setup: str | None = None,
    output: str | Path | None = None,
) -> Any:
    """Execute one notebook with papermill in a fresh kernel and return the executed notebook.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file. It is read, never written.
    params : mapping, optional
        Values for names assigned in the notebook's ``parameters`` cell (e.g.
        ``{"N_CUSTOMERS": 5000}``): plain literals only; names the notebook does not declare
        are ignored.
    timeout : int, default=900
        Seconds allowed per cell.
    kernel_name : str, default="python3"
        Jupyter kernel to start.
    strict : bool, default=False
        Also fail when a cell writes to stderr (warnings).
    setup : str, optional
        Code run in the kernel before the first cell, e.g. warning filters that turn
        matplotlib's "Glyph … missing" warnings into errors. It is removed from the result.
    output : str or Path, optional
        Where to write the executed notebook; a temporary file by default.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ReportError
        Naming the notebook, the failing cell (position and first line) and the error.
    ReportParameterError
        If a parameter value is not a plain literal.
    """
    import tempfile

    params = check_params(params)
    path = Path(path)
    with contextlib.ExitStack() as stack:
        if output is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kequn-")))
            target = folder / path.name
        else:
            target = Path(output)
        return execute(path, target, params=params, timeout=timeout, kernel_name=kernel_name,
                       strict=strict, setup=setup)


@contextlib.contextmanager
def _sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a build runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    _execute.state.clear()
    previous = signal.signal(signal.SIGTERM, _execute.on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _execute.state.clear()


def _key_figures(nb: Any) -> dict[str, Any]:
    from .._display import KEY_FIGURES_MIME

    figures: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if KEY_FIGURES_MIME in data:
                figures.update(data[KEY_FIGURES_MIME])
    return figures


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _previous_manifest(previous: Path | None) -> dict[str, Any]:
    if previous is None:
        return {}
    try:
        return json.loads((previous / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


#: the book's languages, in order: the ``LANG`` value a notebook receives -> Sphinx's language
LANGUAGES: dict[str, str] = {"en": "en", "zh": "zh_CN"}
#: the folder of each language inside the report (``reports/en``, ``reports/zh``)
FOLDERS: dict[str, str] = {"en": "en", "zh": "zh"}
LOCALES = BOOK_CONFIG / "locales"


def _check_languages(languages: Sequence[str] | str | None) -> list[str]:
    if languages is None:
        return list(LANGUAGES)
    if isinstance(languages, str):
        languages = [languages]
    chosen = []
    for lang in languages:
        code = {"zh_cn": "zh", "zh-cn": "zh"}.get(str(lang).lower(), str(lang).lower())
        if code not in LANGUAGES:
            msg = (f"build: language {lang!r} is not one of the book's languages "
                   f"({', '.join(map(repr, LANGUAGES))}); pass e.g. languages=['en'].")
            raise ReportParameterError(msg)
        if code not in chosen:
            chosen.append(code)
    if not chosen:
        raise ReportParameterError("build: languages is empty; pass e.g. languages=['en'].")
    return [lang for lang in LANGUAGES if lang in chosen]  # always in the book's order


def build(
    output: str | Path | None = None,
    *,
    notebooks: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
    strict: bool = False,
    api: bool = True,
    keep_executed: str | Path | None = None,
    jobs: int | None = None,
) -> Path:
    """Execute the notebooks in reading order and render the book; switch it in when complete.

    The book is built in English and in Chinese from the same notebooks: each notebook is
    executed once per language (its ``parameters`` cell receives ``LANG = "en"`` or
    ``LANG = "zh"``), and each language is rendered by Sphinx into its own folder
    (``reports/en/``, ``reports/zh/``; the Chinese prose comes from the translation catalogues in
    ``book/locales``). ``reports/index.html`` leads to both, and every page links the same page in
    the other language.

    Parameters
    ----------
    output : str or Path, optional
        Report location (a link to the current build); the repository's ``reports/`` by
        default. Builds live in ``.<name>-builds/`` beside it; the previous one is kept.
    notebooks : str or Path, optional
        Folder of ``NN_*.ipynb`` notebooks; the repository's ``notebooks/`` by default.
    params : mapping, optional
        Values for the notebooks' parameters cells, e.g. ``{"DATA": "uci-bank-marketing",
        "N_CUSTOMERS": 20_000, "SEED": 1}``: plain literals (str, int, float, bool, None).
        Each notebook receives the names it declares. ``LANG`` is set by the builder.
    only : sequence of str, optional
        Rebuild only the chapters whose file name starts with one of these prefixes
        (``["02"]``); the other chapters are kept from the current report, in every language.
    languages : sequence of str, optional
        Build only these languages (``["en"]`` for a quick English build); the others are kept
        from the current report. Both (``"en"``, ``"zh"``) by default.
    timeout : int, default=900
        Seconds allowed per cell.
    kernel_name : str, default="python3"
        Jupyter kernel used to execute the notebooks.
    strict : bool, default=False
        Fail when a notebook writes warnings (stderr) into its output.
    api : bool, default=True
        Also render the API reference.
    keep_executed : str or Path, optional
        Also write each executed notebook, as the kernel left it (before the book's page
        preparation), to ``<keep_executed>/<lang>/NN_name.ipynb``: every output of the run, to
        inspect or to test without executing again.
    jobs : int, optional
        Notebooks executed side by side, each in its own kernel: one per core (at most four) by
        default; ``1`` executes one at a time. The pages do not depend on it.

    Returns
    -------
    Path
        The report location (containing ``index.html``).

    Raises
    ------
    ReportError
        If a notebook fails or the build is stopped (naming the chapter, the language and the
        cell), the output cannot be written, no notebook matches ``only``, or a chapter's key
        figures differ between its English and Chinese runs. The previous report is left as it
        was.
    ReportParameterError
        Before any kernel starts, if a parameter is not a plain literal or no notebook being
        built declares it, ``LANG`` is passed, or a language is unknown.

    Notes
    -----
    ``key_figures.json`` is one file for the whole report, not one per language: the language
    changes words, never numbers, so the builder checks that both runs of a chapter declare the
    same key figures and writes them once.
    """
    output = Path(output) if output is not None else DEFAULT_OUTPUT
    params = check_params(params)
    langs = _check_languages(languages)
    jobs = _check_jobs(jobs)
    if "LANG" in params:
        msg = ("build: LANG is set by the builder for each language of the book; pass "
               "languages=['zh'] (make report LANG=zh) to build one language.")
        raise ReportParameterError(msg)
    chapters = list_chapters(notebooks)
    chosen = select(chapters, only)
    declared = {c.name: parameter_names(read(c.path))[1] for c in chosen}
    check_declared(params, declared)
    try:
        _folders.check_output(output)
        with _sigterm(), _folders.locked(output) as builds:
            return _build(output, builds, chapters, chosen, declared, params, langs,
                          timeout=timeout, kernel_name=kernel_name, strict=strict, api=api,
                          keep_executed=None if keep_executed is None else Path(keep_executed),
                          jobs=jobs)
    except Terminated:
        raise ReportError("the build was stopped (SIGTERM); the previous report is unchanged.") \
            from None
    except OSError as err:
        msg = (
            f"cannot write the report at {output.name!r}: {err.strerror or err}. Free disk space, "
            "make the folder writable, or pass another output folder. The previous report is "
            "unchanged."
        )
        raise ReportError(msg) from None


def _kept_source(previous: Path | None, lang: str, name: str) -> Path | None:
    """A chapter's rendered notebook in the current report (for ``only=``)."""
    if previous is None:
        return None
    candidates = [previous / FOLDERS[lang] / "_sources" / name]
    if lang == "en":  # a report from before the book had languages
        candidates.append(previous / "_sources" / name)
    return next((p for p in candidates if p.is_file()), None)


def _catalogue(lang: str, chapter: Chapter) -> _site.Catalogue:
    if lang == "en":
        return _site.Catalogue()
    return _site.Catalogue(LOCALES / LANGUAGES[lang] / "LC_MESSAGES" / f"{chapter.name}.po")


def _setup_for(lang: str) -> str:
    """Kernel set-up for a chapter that does not declare ``LANG``: set the language directly."""
    return f"import kequn_lib as _kq\n_kq.set_language({lang!r})\ndel _kq\n"


def _compare_figures(name: str, first: Mapping[str, Any], again: Mapping[str, Any],
                     lang: str) -> None:
    if dict(first) == dict(again):
        return
    keys = sorted(k for k in set(first) | set(again) if first.get(k) != again.get(k))
    shown = ", ".join(f"{k}: {first.get(k)!r} vs {again.get(k)!r}" for k in keys[:5])
    msg = (f"{name}.ipynb: the key figures of the English and the {lang!r} run differ ({shown}). "
           "The language must change words, never numbers: look for a computation that "
           "depends on LANG or on a translated label, or for an unseeded random step.")
    raise ReportError(msg)


def _default_jobs() -> int:
    """Notebooks executed side by side: one per core, at most four (each kernel holds its data)."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _check_jobs(jobs: int | None) -> int:
    if jobs is None:
        return _default_jobs()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        msg = f"build: jobs must be a whole number of at least 1, got {jobs!r}; pass e.g. jobs=2."
        raise ReportParameterError(msg)
    return jobs


def _execute_all(
    jobs_list: list[tuple[str, Chapter]],
    folder: Path,
    declared: Mapping[str, set[str]],
    params: Mapping[str, Any],
    *,
    jobs: int,
    timeout: int,
    kernel_name: str,
    strict: bool,
) -> dict[tuple[str, str], tuple[Any, dict[str, Any]]]:
    """Execute each (language, chapter), ``jobs`` at a time, in reading order.

    Returns ``{(lang, chapter name): (executed notebook, parameters given)}``. Each run has its own
    kernel (notebooks share nothing but the data cache, which is written atomically); when runs
    fail, the first in reading order is raised, after every running kernel has finished.
    """
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    def one(k: int, lang: str, chapter: Chapter) -> tuple[Any, dict[str, Any]]:
        mine = {key: v for key, v in params.items() if key in declared[chapter.name]}
        setup = None
        if "LANG" in declared[chapter.name]:
            mine["LANG"] = lang
        elif lang != "en":
            setup = _setup_for(lang)
        log.info("[%d/%d] executing %s (%s)", k + 1, len(jobs_list), chapter.path.name, lang)
        nb = execute(chapter.path, folder / lang / chapter.path.name, params=mine,
                     timeout=timeout, kernel_name=kernel_name, strict=strict, setup=setup,
                     label=f"LANG={lang!r}")
        return nb, mine

    if jobs <= 1 or len(jobs_list) <= 1:
        return {(lang, c.name): one(k, lang, c) for k, (lang, c) in enumerate(jobs_list)}
    _execute.state["workers"] = True
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="kequn-notebook") as pool:
            futures = [pool.submit(one, k, lang, c) for k, (lang, c) in enumerate(jobs_list)]
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f.done() and not f.cancelled() and f.exception()]
            if failed:  # nothing new starts, and the kernels still running are stopped
                for f in futures:
                    f.cancel()
                if not _execute.state.get("terminated"):
                    _execute.stop_kernels()  # their own failures are not the cause
                wait(futures)
                if _execute.state.get("terminated"):  # SIGTERM: every run was stopped
                    failed = [f for f in futures if not f.cancelled() and f.exception()]
                raise failed[0].exception()
        if _execute.state.get("terminated"):
            raise Terminated()
        return {(lang, c.name): f.result() for (lang, c), f in zip(jobs_list, futures,
                                                                      strict=True)}
    finally:
        _execute.state.pop("workers", None)


def _build(
    output: Path,
    builds: Path,
    chapters: list[Chapter],
    chosen: list[Chapter],
    declared: dict[str, set[str]],
    params: dict[str, Any],
    langs: list[str],
    *,
    timeout: int,
    kernel_name: str,
    strict: bool,
    api: bool,
    keep_executed: Path | None = None,
    jobs: int = 1,
) -> Path:
    previous = _folders.current(output)
    manifest = _previous_manifest(previous)
    # a report from before the book had languages: its chapters are the English ones
    old_langs = manifest.get("languages") or {"en": {"chapters": manifest.get("chapters", {})}}
    old_figures: dict[str, Any] = {}
    if previous is not None and (previous / "key_figures.json").exists():
        with contextlib.suppress(OSError, ValueError):
            old_figures = json.loads((previous / "key_figures.json").read_text(encoding="utf-8"))
    # everything is written inside the staging folder; the site itself is its "site" subfolder,
    # renamed to the build's final name when complete
    work = _folders.new_staging(builds)
    site = work / "site"
    started = time.perf_counter()
    chosen_names = {c.name for c in chosen}
    # languages in the finished report: those built, and those kept from the current one
    kept_langs = [lang for lang in LANGUAGES if lang not in langs and previous is not None
                  and (previous / FOLDERS[lang] / "index.html").is_file()]
    present = [lang for lang in LANGUAGES if lang in langs or lang in kept_langs]
    try:
        site.mkdir(parents=True)
        figures: dict[str, Any] = {}
        made: dict[str, dict[str, Any]] = {}
        if "zh" in langs:  # the catalogues are compiled in the build folder, never in the book
            shutil.copytree(LOCALES / LANGUAGES["zh"], work / "locales" / LANGUAGES["zh"],
                            ignore=shutil.ignore_patterns("*.mo"))
        # the top page leading to each language; its characters join the embedded font of the
        # last language built, which the page uses
        top = _site.top_page(
            {LANGUAGES[x]: (FOLDERS[x], _sphinx_i18n.LANGUAGES[LANGUAGES[x]][1])
             for x in present}, font=f"{FOLDERS[langs[-1]]}/_static/{_site.FONT_FILE}")
        runs = _execute_all(
            [(lang, c) for lang in langs for c in chapters if c.name in chosen_names],
            work / "executed", declared, params, jobs=jobs, timeout=timeout,
            kernel_name=kernel_name, strict=strict)
        if keep_executed is not None:
            for (lang, name), (nb, _) in runs.items():
                _write_notebook(nb, keep_executed / lang / f"{name}.ipynb")
        for lang in langs:
            source = work / "source" / lang
            source.mkdir(parents=True)
            shown: list[Chapter] = []
            used: dict[str, dict[str, Any]] = {}
            counts: dict[str, int] = {}
            texts: dict[str, tuple[str, str]] = {}
            old_chapters = old_langs.get(lang, {}).get("chapters", {})
            for i, chapter in enumerate(chapters):
                catalogue = _catalogue(lang, chapter)
                if chapter.name in chosen_names:
                    nb, mine = runs[(lang, chapter.name)]
                    declared_figures = _key_figures(nb)
                    if chapter.name in figures:
                        _compare_figures(chapter.name, figures[chapter.name], declared_figures,
                                         lang)
                    figures[chapter.name] = declared_figures
                    used[chapter.name] = {k: v for k, v in mine.items() if k != "LANG"}
                    counts[chapter.name] = _site.count_figures(nb)
                    prepared = _site.prepare(nb, chapter, language=LANGUAGES[lang],
                                             catalogue=catalogue)
                    _write_notebook(prepared, source / chapter.path.name)
                    meta = read(chapter.path).metadata
                else:
                    kept = _kept_source(previous, lang, chapter.path.name)
                    if kept is None:
                        log.warning("%s (%s): not in the current report and not rebuilt "
                                    "(only=); left out", chapter.path.name, lang)
                        continue
                    shutil.copy2(kept, source / chapter.path.name)
                    figures.setdefault(chapter.name, old_figures.get(chapter.name, {}))
                    old = old_chapters.get(chapter.name, {})
                    used[chapter.name] = old.get("params", {})
                    counts[chapter.name] = old.get("figures", 0)
                    meta = read(kept).metadata
                    log.info("[%d/%d] %s (%s) kept from the current report", i + 1,
                             len(chapters), chapter.path.name, lang)
                texts[chapter.name] = _site.chapter_text(chapter, lang, catalogue, meta)
                shown.append(chapter)
            _write(source / "index.md", _site.index_page(
                shown, used, {c.name: figures.get(c.name, {}) for c in shown}, api=api,
                lang=lang, texts=texts, figures_href="../key_figures.json"))
            _write(source / "references.md", _site.references_page(lang))
            if api:
                _site.api_pages(source / "api", lang)
            log.info("rendering the book (%s: %d chapters%s)", lang, len(shown),
                     ", API" if api else "")
            t0 = time.perf_counter()
            # rendered beside the site, not in it: MyST-NB writes a folder next to the output
            out = work / "render" / lang / "html"
            env = {"KEQUN_BOOK_LANGUAGE": LANGUAGES[lang],
                   "KEQUN_BOOK_LOCALES": str(work / "locales"),
                   "KEQUN_BOOK_LANGUAGES": ",".join(LANGUAGES[x] for x in present)}
            _site.run_sphinx(BOOK_CONFIG, source, out, work / "doctrees" / lang,
                             work / f"sphinx-{lang}.log", env=env)
            log.info("book rendered (%s) in %.0f s", lang, time.perf_counter() - t0)
            _site.embed_font(out, extra=top if lang == langs[-1] else "")
            (out / ".buildinfo").unlink(missing_ok=True)
            out.rename(site / FOLDERS[lang])
            made[lang] = {
                "chapters": {
                    c.name: {"params": used[c.name], "figures": counts[c.name],
                             "rebuilt": c.name in chosen_names}
                    for c in shown
                },
            }
        for lang in kept_langs:
            log.info("%s: kept from the current report", lang)
            shutil.copytree(previous / FOLDERS[lang], site / FOLDERS[lang], symlinks=True)
            made[lang] = {"chapters": {
                name: {**info, "rebuilt": False}
                for name, info in old_langs.get(lang, {}).get("chapters", {}).items()}}
            for name in made[lang]["chapters"]:
                figures.setdefault(name, old_figures.get(name, {}))
        _write(site / "index.html", top)
        _write(site / "key_figures.json",
               json.dumps(figures, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        built = {"languages": {lang: made[lang] for lang in present},
                 "key_figures": "shared by the languages (checked equal)"}
        _write(site / "build.json", json.dumps(built, indent=2, sort_keys=True,
                                               ensure_ascii=False) + "\n")
        final = _folders.switch(output, site, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    removed = _folders.prune(output)
    log.info("report %s written in %.0f s%s", final.name, time.perf_counter() - started,
             f" (removed old builds {_folders.describe(removed)})" if removed else "")
    return output


def _write_notebook(nb: Any, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m kequn_lib.report [--data NAME] [--n-customers N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kequn_lib.report",
        description="Execute kequn's notebooks and render the report (a Sphinx book).",
    )
    parser.add_argument("--output", default=None, help="report location (default: reports)")
    parser.add_argument("--notebooks", default=None, help="notebook folder (default: notebooks/)")
    parser.add_argument("--data", default=None, help="data source, e.g. uci-bank-marketing")
    parser.add_argument("--n-customers", type=int, default=None, help="synthetic bank size")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the notebooks")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="any other parameter (repeatable)")
    parser.add_argument("--only", action="append", default=None, metavar="PREFIX",
                        help="rebuild only notebooks starting with PREFIX (repeatable); the "
                        "other chapters are kept")
    parser.add_argument("--lang", action="append", default=None, metavar="LANG",
                        choices=list(LANGUAGES),
                        help="build only this language (en or zh; repeatable); the others are "
                        "kept. Default: both")
    parser.add_argument("--no-api", action="store_true", help="leave out the API reference")
    parser.add_argument("--strict", action="store_true", help="fail on warnings in outputs")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="notebooks executed side by side (default: one per core, at most 4)")
    parser.add_argument("--keep-executed", default=None, metavar="FOLDER",
                        help="also write the executed notebooks to FOLDER/<lang>/")
    parser.add_argument("-q", "--quiet", action="store_true", help="less progress output")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    for noisy in ("fontTools", "papermill", "traitlets", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)  # failures come as ReportError
    params: dict[str, Any] = {}
    if args.data is not None:
        params["DATA"] = args.data
    if args.n_customers is not None:
        params["N_CUSTOMERS"] = args.n_customers
    if args.seed is not None:
        params["SEED"] = args.seed
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--param expects NAME=VALUE, got {item!r}")
        params[name.strip()] = _parse_value(value.strip())
    started = time.perf_counter()
    try:
        out = build(args.output, notebooks=args.notebooks, params=params, only=args.only,
                    languages=args.lang, timeout=args.timeout, strict=args.strict,
                    api=not args.no_api, keep_executed=args.keep_executed,
                    jobs=args.jobs)
    except KequnError as err:
        sys.stderr.write(f"report failed: {err}\n")
        return 1
    where = out.name if args.output is None else out
    sys.stderr.write(
        f"report written to {where}/index.html in {time.perf_counter() - started:.0f} s\n"
    )
    return 0
