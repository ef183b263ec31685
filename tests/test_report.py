"""The book builder: pages, navigation, figures, search, parameters, failures and safe switching.

A small book of three tiny notebooks is built once (module fixture) and shared; the tests that
break builds copy it first. The real chapters are built once per session in
``tests/test_book.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import kequn_lib as kq
from kequn_lib import report
from kequn_lib.report import _folders, _site

from .conftest import REPO


def _notebook(path: Path, title: str, summary: str, *cells: str, params: str = "SEED = 0"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n{summary}"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
    ]
    for source in cells:
        if source.startswith("md:"):
            nb.cells.append(nbformat.v4.new_markdown_cell(source[3:]))
        elif source.startswith("hidden:"):
            nb.cells.append(nbformat.v4.new_code_cell(source[7:],
                                                      metadata={"tags": ["remove-input"]}))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


PLOT = (
    "import matplotlib.pyplot as plt\n"
    "from IPython.display import display\nfig, ax = plt.subplots(figsize=(3, 2))\n"
    "ax.plot([0, 1], [0, SEED])\ndisplay(fig)\nplt.close(fig)"
)


def _book(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _notebook(folder / "01_first.ipynb", "First chapter (第一章)", "It counts 客群 by tier.",
              "import kequn_lib as kq\nkq.key_figures(seed=SEED, twice=2 * SEED)",
              "md:The line below rises with the seed.",
              PLOT,
              "hidden:kq.prose(f'The seed is **{kq.fmt(SEED)}**; HIDDEN_INPUT_MARK')")
    _notebook(folder / "02_second.ipynb", "Second chapter", "It shows two figures.",
              f"{PLOT}\ndisplay(fig)",
              "print('客群', SEED)")
    _notebook(folder / "03_third.ipynb", "Third chapter", "It takes no seed.",
              "x = 1", params="LABEL = 'third'")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small book, built once: (notebook folder, output link)."""
    root = tmp_path_factory.mktemp("book")
    notebooks = _book(root / "notebooks")
    out = report.build(root / "reports", notebooks=notebooks, params={"SEED": 3}, timeout=120)
    return notebooks, out


def _copy(built, tmp_path):
    """A private copy of the built book (link and builds folder) for tests that change it."""
    notebooks, out = built
    nb_copy = tmp_path / "notebooks"
    shutil.copytree(notebooks, nb_copy)
    shutil.copytree(_folders.builds_folder(out), tmp_path / f".{out.name}-builds",
                    ignore=shutil.ignore_patterns("lock"))
    (tmp_path / out.name).symlink_to(os.readlink(out))
    return nb_copy, tmp_path / out.name


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


# --- the built book -------------------------------------------------------------------------


@pytest.mark.slow
def test_index_lists_chapters_with_summary_download_and_reference(built):
    _, top = built
    assert top.is_symlink() and (top / "index.html").is_file()
    out = top / "en"
    index = (out / "index.html").read_text(encoding="utf-8")
    for page, title in [("01_first.html", "First chapter (第一章)"),
                        ("02_second.html", "Second chapter"), ("03_third.html", "Third chapter")]:
        assert f'href="{page}"' in index and title in index
    assert "It counts 客群 by tier." in index
    assert 'href="_sources/01_first.ipynb"' in index
    assert (out / "_sources" / "01_first.ipynb").is_file()
    assert 'href="references.html"' in index and 'href="api/index.html"' in index
    assert 'href="../key_figures.json"' in index
    assert "SEED = 3" in index and "LANG" not in index
    for name in ("references.html", "api/index.html", "api/display.html", "search.html"):
        assert (out / name).is_file(), name
    api = (out / "api" / "display.html").read_text(encoding="utf-8")
    assert "display_table" in api and "Parameters" in api


@pytest.mark.slow
def test_chapters_have_navigation_numbered_figures_and_hidden_inputs(built):
    _, top = built
    out = top / "en"
    first = (out / "01_first.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in first and 'href="02_second.html"' in first  # prev / next
    assert "Figure 1.1" in first and "The line below rises with the seed." in first
    assert "The seed is <strong>3</strong>; HIDDEN_INPUT_MARK" in first
    assert "kq.prose" not in first  # the input of a remove-input cell is not shown
    assert "<td>twice" not in first and "KeyFigures(" not in first  # no key-figure table
    second = (out / "02_second.html").read_text(encoding="utf-8")
    assert "Figure 2.1" in second and "Figure 2.2" in second
    assert "客群 3" in second  # the parameter reached the kernel
    assert second.count("<img") == 2
    manifest = json.loads((top / "build.json").read_text(encoding="utf-8"))["languages"]
    for lang in ("en", "zh"):
        assert manifest[lang]["chapters"]["02_second"]["figures"] == 2
        assert manifest[lang]["chapters"]["03_third"]["params"] == {}  # SEED: not declared


@pytest.mark.slow
def test_key_figures_search_index_and_font(built):
    _, top = built
    figures = json.loads((top / "key_figures.json").read_text(encoding="utf-8"))
    assert figures == {"01_first": {"seed": 3, "twice": 6}, "02_second": {}, "03_third": {}}
    assert not (top / "jupyter_execute").exists()
    for lang in ("en", "zh"):
        index = (top / lang / "searchindex.js").read_text(encoding="utf-8")
        terms = json.loads(index[index.index("(") + 1: index.rindex(")")])["terms"]
        assert "客群" in terms and "tier" in terms, lang
    out = top / "zh"
    font = out / "_static" / _site.FONT_FILE
    assert font.is_file() and 1_000 < font.stat().st_size < 2_000_000
    css = (out / "_static" / "kequn.css").read_text(encoding="utf-8")
    assert _site.FONT_FAMILY in css and _site.FONT_FILE in css
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font)).getBestCmap()
    assert ord("客") in cmap and ord("群") in cmap and ord("章") in cmap


@pytest.mark.slow
def test_both_languages_declare_themselves_and_link_each_other(built):
    _, top = built
    index = (top / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html"' in index and 'href="zh/index.html"' in index
    from fontTools.ttLib import TTFont

    # the top page's characters are all in the font file it uses (no empty boxes)
    font = top / "zh" / "_static" / _site.FONT_FILE
    assert f'url("zh/_static/{_site.FONT_FILE}")' in index
    cmap = TTFont(str(font)).getBestCmap()
    assert [ch for ch in index if _site._is_cjk(ch) and ord(ch) not in cmap] == []
    for lang, other, tag in (("en", "zh", "en"), ("zh", "en", "zh-CN")):
        for page in ("index.html", "01_first.html", "references.html", "api/display.html"):
            text = (top / lang / page).read_text(encoding="utf-8")
            assert f'<html lang="{tag}"' in text, (lang, page)
            up = "../" * (page.count("/") + 1)
            assert f'href="{up}{other}/{page}"' in text, (lang, page)
            assert (top / other / page).is_file()
    zh = (top / "zh" / "index.html").read_text(encoding="utf-8")
    assert "章节" in zh and "参考文献" in zh and "下载 notebook" in zh and "构建参数" in zh
    assert "SEED = 3" in zh
    assert "图 2.1" in (top / "zh" / "02_second.html").read_text(encoding="utf-8")
    assert "API 参考" in (top / "zh" / "api" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_one_language_rebuilt_keeps_the_other(built, tmp_path):
    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    report.build(out, notebooks=notebooks, only=["03"], languages=["en"], api=False)
    after = _snapshot(out)
    zh = {k: v for k, v in before.items() if k.startswith("zh/")}
    assert {k: after[k] for k in zh} == zh  # the Chinese book is kept as it was
    manifest = json.loads(after["build.json"])["languages"]
    assert manifest["en"]["chapters"]["03_third"]["rebuilt"] is True
    assert manifest["zh"]["chapters"]["03_third"]["rebuilt"] is False
    assert 'href="zh/index.html"' in after["index.html"].decode()


def test_lang_is_the_builders_and_languages_are_checked(tmp_path):
    book = _book(tmp_path / "nb")
    with pytest.raises(report.ReportParameterError, match="LANG is set by the builder"):
        report.build(tmp_path / "r", notebooks=book, params={"LANG": "zh"})
    with pytest.raises(report.ReportParameterError, match="'fr' is not one of"):
        report.build(tmp_path / "r", notebooks=book, languages=["fr"])
    assert not (tmp_path / ".r-builds").exists()  # nothing started


_ZH_PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "First chapter"
msgstr "第一章"

msgid ""
"It counts customers "
"by tier."
msgstr "按层级清点客户。"

#, fuzzy
msgid "The line below rises with the seed."
msgstr "下面的线随种子上升。"
"""


def test_chinese_titles_summaries_and_captions_come_from_the_catalogue(tmp_path):
    po = tmp_path / "01_first.po"
    po.write_text(_ZH_PO, encoding="utf-8")
    catalogue = _site.Catalogue(po)
    chapter = report.Chapter(Path("01_first.ipynb"), "First chapter", "It counts customers by "
                             "tier.")
    assert _site.chapter_text(chapter, "zh", catalogue) == ("第一章", "按层级清点客户。")
    assert _site.chapter_text(chapter, "en", catalogue) == (chapter.title, chapter.summary)
    other = report.Chapter(Path("02_x.ipynb"), "Untranslated", "Not in the catalogue.")
    assert _site.chapter_text(other, "zh", catalogue, {"title_zh": "第二章"}) == (
        "第二章", "Not in the catalogue.")
    # a figure without caption metadata takes the translated sentence before it; fuzzy: English
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("It counts customers\nby tier."),
                nbformat.v4.new_code_cell("plot()"),
                nbformat.v4.new_markdown_cell("The line below rises with the seed."),
                nbformat.v4.new_code_cell("plot()")]
    img = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    nb.cells[1].outputs = nb.cells[3].outputs = [img]
    out = _site.prepare(nb, chapter, language="zh_CN", catalogue=catalogue)
    caps = [c.metadata["mystnb"]["figure"]["caption"] for c in out.cells if "mystnb" in c.metadata]
    assert caps == ["按层级清点客户。", "The line below rises with the seed."]
    page = _site.index_page([chapter], {chapter.name: {"SEED": 1}}, {}, api=True, lang="zh",
                            texts={chapter.name: ("第一章", "按层级清点客户。")})
    assert "{doc}`第一章 <01_first>`" in page and "## 章节" in page and "SEED = 1" in page


@pytest.mark.slow
def test_only_rebuilds_one_chapter_and_keeps_the_others(built, tmp_path):
    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    _notebook(notebooks / "02_second.ipynb", "Second chapter, again", "Rebuilt.", "y = 2")
    report.build(out, notebooks=notebooks, only=["02"], params={"SEED": 4}, api=False)
    after = _snapshot(out)
    figures = json.loads(after["key_figures.json"])
    assert figures["01_first"] == {"seed": 3, "twice": 6}
    manifest = json.loads(after["build.json"])["languages"]
    for lang in ("en", "zh"):  # in both languages
        assert "Second chapter, again" in after[f"{lang}/02_second.html"].decode()
        kept = f"{lang}/_sources/01_first.ipynb"
        assert after[kept] == before[kept]
        assert "HIDDEN_INPUT_MARK" in after[f"{lang}/01_first.html"].decode()
        assert manifest[lang]["chapters"]["02_second"] == {"figures": 0, "params": {"SEED": 4},
                                                           "rebuilt": True}
        assert manifest[lang]["chapters"]["01_first"]["rebuilt"] is False
    # the previous build is kept beside the new one, older ones are pruned
    builds = [p for p in _folders.builds_folder(out).iterdir() if p.is_dir()]
    assert len(builds) == 2


@pytest.mark.slow
def test_failing_notebook_names_chapter_and_cell_and_keeps_report(built, tmp_path):
    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    _notebook(notebooks / "02_second.ipynb", "Broken", "Fails.", "x = 1",
              "raise ValueError('boom')")
    with pytest.raises(report.ReportError,
                       match=r"02_second.ipynb failed at cell 4 \(.raise ValueError.*boom"):
        report.build(out, notebooks=notebooks, api=False)
    assert _snapshot(out) == before
    assert not [p for p in _folders.builds_folder(out).iterdir()
                if p.name.endswith(_folders.STAGING)]


@pytest.mark.slow
def test_side_by_side_a_failure_stops_the_other_kernels_and_is_the_one_named(built, tmp_path):
    """With two notebooks running at once, the one that fails is reported and the other run is
    stopped at once rather than left to finish."""
    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    _notebook(notebooks / "01_first.ipynb", "Slow", "Sleeps, then leaves a mark.", "x = 1",
              "import pathlib, time\ntime.sleep(60)\npathlib.Path('finished').touch()")
    _notebook(notebooks / "02_second.ipynb", "Broken", "Fails.", "x = 1",
              "import time\ntime.sleep(3)\nraise ValueError('boom')")
    with pytest.raises(report.ReportError, match=r"02_second.ipynb failed at cell 4 .*boom"):
        report.build(out, notebooks=notebooks, api=False, languages=["en"], jobs=2)
    assert not (notebooks / "finished").exists(), "the slow notebook was left running"
    assert _snapshot(out) == before


@pytest.mark.slow
def test_dead_kernel_names_chapter_and_cell(built, tmp_path):
    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    _notebook(notebooks / "01_first.ipynb", "Dies", "The kernel dies.", "x = 1",
              "import os\nos._exit(3)")
    with pytest.raises(report.ReportError, match=r"01_first.ipynb failed at cell 4 \('import os"):
        report.build(out, notebooks=notebooks, api=False, only=["01"])
    assert _snapshot(out) == before


# --- parameters: refused before any kernel starts -------------------------------------------


class _Loud:
    def __repr__(self):  # pragma: no cover - must never run
        raise AssertionError("the object's repr ran")


@pytest.mark.parametrize("value", [_Loud(), [1, 2], {"a": 1}, (1,), b"x", 1j, float("nan")])
def test_parameters_must_be_plain_literals(tmp_path, value):
    book = _book(tmp_path / "nb")
    with pytest.raises(report.ReportParameterError, match=r"SEED=.*plain literals|finite"):
        report.build(tmp_path / "r", notebooks=book, params={"SEED": value})
    assert not (tmp_path / ".r-builds").exists()  # nothing started


def test_unknown_parameter_is_refused(tmp_path):
    book = _book(tmp_path / "nb")
    with pytest.raises(kq.ParameterError, match="'N_ROWS'.*not declared.*'LABEL', 'SEED'"):
        report.build(tmp_path / "r", notebooks=book, params={"N_ROWS": 3})
    # LABEL is declared by chapter 03 only: refused when building chapter 01 alone
    with pytest.raises(report.ReportParameterError, match="'LABEL'.*not declared"):
        report.build(tmp_path / "r", notebooks=book, params={"LABEL": "x"}, only=["01"])
    with pytest.raises(report.ReportParameterError, match="identifier"):
        report.build(tmp_path / "r", notebooks=book, params={"A B": 1})


def test_missing_folder_and_unmatched_only(tmp_path):
    book = _book(tmp_path / "nb")
    with pytest.raises(report.ReportError, match="does not exist"):
        report.list_chapters(tmp_path / "nowhere")
    with pytest.raises(report.ReportError, match="no notebook matches"):
        report.build(tmp_path / "r", notebooks=book, only=["99"])


def test_chapters_are_in_reading_order_with_titles(tmp_path):
    chapters = report.list_chapters(_book(tmp_path / "nb"))
    assert [c.path.name for c in chapters] == ["01_first.ipynb", "02_second.ipynb",
                                               "03_third.ipynb"]
    assert chapters[0].title == "First chapter (第一章)"
    assert chapters[0].summary == "It counts 客群 by tier."


def test_key_figures_rejects_non_numbers():
    with pytest.raises(kq.ParameterError, match="must be a number"):
        kq.key_figures(bad=[1, 2])
    with pytest.raises(kq.ParameterError, match="not a finite number"):
        kq.key_figures(bad=float("nan"))


# --- the book's source: figures, captions, index --------------------------------------------


def _png() -> str:
    import base64

    return base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )).decode()


def test_prepare_captions_figures_and_drops_key_figures():
    from kequn_lib._display import KEY_FIGURES_MIME

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\n\nThe curve shows 客群 shares. More text here."),
        nbformat.v4.new_code_cell("plot()"),
        nbformat.v4.new_code_cell("two()", metadata={"caption": ["First.", "Second."]}),
        nbformat.v4.new_code_cell("kq.key_figures(a=1)"),
    ]
    img = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    text = nbformat.v4.new_output("stream", name="stdout", text="hi\n")
    nb.cells[1].outputs = [text, img]
    nb.cells[2].outputs = [img, text, img]
    nb.cells[3].outputs = [nbformat.v4.new_output(
        "display_data", data={KEY_FIGURES_MIME: {"a": 1}, "text/plain": ""})]
    chapter = report.Chapter(Path("01_t.ipynb"), "T", "")
    out = _site.prepare(nb, chapter)
    figs = [c.metadata["mystnb"]["figure"] for c in out.cells if "mystnb" in c.metadata]
    assert figs == [
        {"caption": "The curve shows 客群 shares.", "name": "fig-01_t-1"},
        {"caption": "First.", "name": "fig-01_t-2"},
        {"caption": "Second.", "name": "fig-01_t-3"},
    ]
    assert _site.count_figures(out) == _site.count_figures(nb) == 3
    assert all(KEY_FIGURES_MIME not in o.get("data", {})
               for c in out.cells for o in c.get("outputs", []))
    # every figure sits in a cell of its own; source cells keep their code
    assert [c.source for c in out.cells if c.cell_type == "code"][:2] == ["plot()", "two()"]
    assert nb.cells[1].outputs == [text, img]  # the executed notebook is not modified


def test_prepare_picks_the_chinese_caption_for_the_chinese_book():
    nb = nbformat.v4.new_notebook()
    img = nbformat.v4.new_output("display_data", data={"image/png": _png()})
    nb.cells = [
        nbformat.v4.new_code_cell("plot()", metadata={"caption": "AUM by tier.",
                                                      "caption_zh": "各层级的管理资产。"}),
        nbformat.v4.new_code_cell("other()", metadata={"caption": "Only English."}),
    ]
    for cell in nb.cells:
        cell.outputs = [img]
    chapter = report.Chapter(Path("01_t.ipynb"), "T", "")

    def captions(**kw):
        out = _site.prepare(nb, chapter, **kw)
        return [c.metadata["mystnb"]["figure"]["caption"] for c in out.cells]

    assert captions() == ["AUM by tier.", "Only English."]
    assert captions(language="zh") == captions(language="zh_CN") == ["各层级的管理资产。",
                                                                       "Only English."]


def test_prepare_shows_one_parameters_cell_with_the_values_used():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('SEED = 0  # 种子 (seed)\nSCALE = 1e-3\nLANG = "en"',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('# Parameters\nSEED = 12345\nLANG = "zh"\n',
                                  metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x = SEED"),
    ]
    chapter = report.Chapter(Path("01_t.ipynb"), "T", "")
    for language in ("en", "zh"):
        out = _site.prepare(nb, chapter, language=language)
        code = [c for c in out.cells if c.cell_type == "code"]
        assert [c.source for c in code] == [
            'SEED = 12345  # 种子 (seed)\nSCALE = 1e-3\nLANG = "zh"', "x = SEED"]
        assert code[0].metadata["tags"] == ["parameters"]
    assert len(nb.cells) == 3  # the executed notebook keeps its injected cell
    alone = nbformat.v4.new_notebook()
    alone.cells = [nbformat.v4.new_code_cell("SEED = 0", metadata={"tags": ["parameters"]})]
    assert [c.source for c in _site.prepare(alone, chapter).cells] == ["SEED = 0"]


def test_chinese_references_page_words_its_tables_in_chinese():
    import re

    en, zh = _site.references_page("en"), _site.references_page("zh")
    facts, later = kq.lending_facts(), kq.public_figures()
    assert all(d in zh for d in facts["description_zh"]) and all(
        d in en for d in facts["description"])
    assert "| 有公开出处 |" in zh and "| sourced |" in en and "| 行业通行分层 | 大众 |" in zh
    # what a Chinese reader meets outside code, web addresses and the datasets' citations
    tables = zh.split("\n## 数据集及其论文")[0]
    text = re.sub(r"`[^`]*`|\S*[./]\S*", " ", tables)
    english = set(re.findall(r"[A-Za-z]{4,}", text)) - {"kequn"}
    assert not english, english
    # the numbers of the Chinese tables are the English ones
    assert len(zh.splitlines()) == len(en.splitlines())
    assert all(str(y) in zh for y in later["year"])


def test_index_escapes_odd_file_names():
    chapter = report.Chapter(Path('01_a"b <c>.ipynb'), "Title `x` <y>", "Sum.")
    page = _site.index_page([chapter], {chapter.name: {}}, {}, api=False)
    assert 'href="_sources/01_a%22b%20%3Cc%3E.ipynb"' in page
    assert "{doc}`Title 'x' ‹y› <01_a\"b <c>>`" in page


# --- folders: atomic switch, stale staging, foreign outputs ---------------------------------


def _fake_build(builds: Path, text: str) -> Path:
    staging = _folders.new_staging(builds)
    site = staging / "site"
    site.mkdir()
    (site / "index.html").write_text(text)
    return staging


def test_switch_is_a_link_rename_and_keeps_two_builds(tmp_path):
    out = tmp_path / "reports"
    for i in range(4):
        with _folders.locked(out) as builds:
            staging = _fake_build(builds, f"build {i}")
            _folders.switch(out, staging / "site", staging)
            shutil.rmtree(staging)
            _folders.prune(out)
        assert (out / "index.html").read_text() == f"build {i}"
        time.sleep(1.05)  # build folders are named by the second
    assert out.is_symlink() and not Path(os.readlink(out)).is_absolute()
    kept = sorted(p.name for p in _folders.builds_folder(out).iterdir() if p.is_dir())
    assert len(kept) == 2


def test_stale_staging_is_cleaned_at_the_next_start(tmp_path):
    out = tmp_path / "reports"
    builds = _folders.builds_folder(out)
    builds.mkdir()
    stale = builds / "20200101T000000-1.staging"
    (stale / "site").mkdir(parents=True)
    link = tmp_path / ".reports.link-1"
    link.symlink_to("nowhere")
    with _folders.locked(out):
        assert not stale.exists() and not link.is_symlink()


def test_a_second_build_waits_for_none_and_is_refused(tmp_path):
    out = tmp_path / "reports"
    with _folders.locked(out), pytest.raises(_folders.FolderError, match="another report"):
        with _folders.locked(out):
            pass


def test_foreign_link_or_file_is_left_alone(tmp_path):
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    (tmp_path / "reports").symlink_to(elsewhere)
    book = _book(tmp_path / "nb")
    with pytest.raises(report.ReportError, match="did not make; it is left alone"):
        report.build(tmp_path / "reports", notebooks=book, api=False)
    assert (tmp_path / "reports").resolve() == elsewhere
    (tmp_path / "file").write_text("x")
    with pytest.raises(report.ReportError, match="not a folder"):
        report.build(tmp_path / "file", notebooks=book, api=False)


def test_old_report_folder_is_moved_into_the_builds(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("old")
    with _folders.locked(out) as builds:
        staging = _fake_build(builds, "new")
        final = _folders.switch(out, staging / "site", staging)
    assert (out / "index.html").read_text() == "new"
    assert (final.parent / f"{final.name}-previous" / "index.html").read_text() == "old"


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot write in (a read-only file system when running as root)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for candidate in (Path("/proc"), Path("/sys")):
        try:
            (candidate / "kequn-probe").mkdir()
        except OSError:
            return candidate
    pytest.skip("no read-only folder available to this user")


def test_read_only_output_is_a_report_error(tmp_path):
    book = _book(tmp_path / "nb")
    folder = _unwritable(tmp_path)
    with pytest.raises(report.ReportError, match="cannot write the report .*reports"):
        report.build(folder / "reports", notebooks=book, api=False)


# --- the command line: exit codes, signals, full disk ---------------------------------------


def _cli(args: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kequn_lib.report", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, **kw,
    )


@pytest.mark.slow
def test_cli_exit_code_and_message_on_failure(built, tmp_path):
    notebooks, out = _copy(built, tmp_path)
    _notebook(notebooks / "02_second.ipynb", "Broken", "Fails.", "raise RuntimeError('nope')")
    proc = _cli(["--notebooks", str(notebooks), "--output", str(out), "--no-api", "-q"])
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "02_second.ipynb failed at cell 3" in err and "RuntimeError: nope" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_sigterm_names_chapter_and_cell_and_keeps_report(built, tmp_path):
    import signal

    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    _notebook(notebooks / "01_first.ipynb", "Slow", "Sleeps.", "x = 1",
              "import time, pathlib\npathlib.Path('started').touch()\ntime.sleep(120)")
    proc = _cli(["--notebooks", str(notebooks), "--output", str(out), "--no-api",
                 "--only", "01"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (notebooks / "started").exists():
        time.sleep(0.2)  # until the slow cell runs
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "01_first.ipynb was stopped (SIGTERM) at cell 4 ('import time, pathlib')" in err
    assert _snapshot(out) == before


@pytest.mark.slow
def test_full_disk_is_a_report_error_and_keeps_report(built, tmp_path):
    import resource
    import signal

    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)

    def limit():  # every file the build writes may grow to 64 KiB only: a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = _cli(["--notebooks", str(notebooks), "--output", str(out), "--no-api", "-q"],
                preexec_fn=limit)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "report failed:" in err and "Traceback" not in err
    assert "File too large" in err or "could not be written" in err
    assert _snapshot(out) == before


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["executing", "rendering", "late"])
def test_sigkill_at_any_moment_leaves_the_previous_report_complete(built, tmp_path, moment):
    import signal

    notebooks, out = _copy(built, tmp_path)
    before = _snapshot(out)
    proc = _cli(["--notebooks", str(notebooks), "--output", str(out), "--no-api"])
    os.set_blocking(proc.stderr.fileno(), False)
    seen = ""

    def more() -> str:
        try:
            return os.read(proc.stderr.fileno(), 65536).decode(errors="replace")
        except BlockingIOError:
            return ""

    wanted = {"executing": "[2/3] executing", "rendering": "rendering the book (en",
              "late": "book rendered (zh"}[moment]
    deadline = time.monotonic() + 300
    while wanted not in seen and proc.poll() is None and time.monotonic() < deadline:
        seen += more()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    now = _snapshot(out)
    # the report is the previous one, or (killed after the switch) the complete new one
    assert now == before or (json.loads(now["build.json"]).keys()
                             == json.loads(before["build.json"]).keys()
                             and now.keys() >= {"index.html", "en/01_first.html",
                                                "zh/02_second.html"})
    # the next build starts by removing what the killed one left
    report.build(out, notebooks=notebooks, only=["03"], api=False)
    assert not [p for p in _folders.builds_folder(out).iterdir()
                if p.name.endswith(_folders.STAGING)]
    assert (out / "en" / "01_first.html").is_file() and (out / "zh" / "01_first.html").is_file()
