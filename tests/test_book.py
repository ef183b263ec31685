"""The real chapters as a book: every chapter rendered, its figures shown, a clean build log."""

from __future__ import annotations

import json
import re

import pytest

from kequn_lib import report

from .conftest import BOOK_PARAMS, REPO

CHAPTERS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.slow
def test_build_log_names_no_machine_path_and_no_download_error(book):
    out, stderr = book
    if not stderr:
        pytest.skip("a reused report (KEQUN_TEST_BOOK): its build log is not known")
    assert "report written to" in stderr
    stderr = stderr.replace(str(out), "<output>")  # the folder the test asked for
    machine = ("/" + "home/", "/" + "tmp/", "/" + "root/")  # spelled apart: no path in the file
    for bad in (str(REPO), *machine, "Traceback", "Errno",
                "HTTPError", "ConnectionError", "Downloading", "WARNING | Kernel"):
        assert bad not in stderr, f"the build log shows {bad!r}"
    sphinx = [ln for ln in stderr.splitlines() if ln.startswith("Sphinx:") or "WARNING:" in ln
              or "ERROR:" in ln]
    assert not sphinx, "Sphinx warns while rendering the book (fix the docstring or page):\n" + (
        "\n".join(sphinx[:10]))


@pytest.mark.slow
def test_every_chapter_is_a_page_with_its_figures(book):
    top, _ = book
    languages = json.loads((top / "build.json").read_text(encoding="utf-8"))["languages"]
    assert sorted(languages) == ["en", "zh"]
    for lang, manifest in languages.items():
        out = top / lang
        assert sorted(manifest["chapters"]) == CHAPTERS
        for name in CHAPTERS:
            page = (out / f"{name}.html").read_text(encoding="utf-8")
            assert manifest["chapters"][name]["params"].get("SEED") == BOOK_PARAMS["SEED"]
            n = manifest["chapters"][name]["figures"]
            assert n >= 1, f"{name} shows no figure"
            assert n == languages["en"]["chapters"][name]["figures"], (lang, name)
            assert len(re.findall(r"<figcaption", page)) == n, (lang, name)
            assert "Traceback (most recent call last)" not in page, (lang, name)
            assert "Warning:" not in page, (lang, name)
            assert (out / "_sources" / f"{name}.ipynb").is_file()


@pytest.mark.slow
def test_chinese_book_uses_the_chinese_captions_titles_and_figure_labels(book):
    top, _ = book
    index = (top / "zh" / "index.html").read_text(encoding="utf-8")
    assert "章节" in index
    for name in CHAPTERS:
        page = (top / "zh" / f"{name}.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in page, name
        assert re.search(r"图 \d+\.\d+", page), name  # figures numbered in Chinese
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)
        assert all(re.search(r"[\u4e00-\u9fff]", c) for c in captions), name


@pytest.mark.slow
def test_pages_show_no_machine_path_or_raw_download_error(book):
    out, _ = book
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert str(REPO) not in text, page.name
        assert "site-packages" not in text, page.name
        assert "Errno" not in text and "HTTPError" not in text, page.name


@pytest.mark.slow
def test_key_figures_of_every_chapter(book):
    out, _ = book
    figures = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    assert sorted(figures) == CHAPTERS
    assert figures["02_contribution_tiering"]["customers"] == BOOK_PARAMS["N_CUSTOMERS"]
    assert report.list_chapters()[0].name == CHAPTERS[0]
