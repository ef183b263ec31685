"""The two-language book machinery on a one-chapter Sphinx project (kequn_lib._sphinx_i18n).

gettext extracts the chapter's prose but never a code cell's output (a sentence bound to the
run); a catalogue translates the prose; the Chinese build declares ``<html lang="zh-CN">``,
shows the translation, links the same page in English, and its search index holds Chinese words.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the book's dependencies (sphinx, myst-nb) are not installed")
pytest.importorskip("myst_nb", reason="the book's dependencies (sphinx, myst-nb) are not installed")

from kequn_lib._sphinx_i18n import LANGUAGES, language_index, switch_html

CONF = """\
import os
project = "kequn"
language = os.environ.get("KEQUN_BOOK_LANGUAGE", "en")
extensions = ["myst_nb", "kequn_lib._sphinx_i18n"]
nb_execution_mode = "off"
locale_dirs = ["../locales"]
gettext_compact = False
html_search_language = "zh"
"""
PROSE = "A relationship manager serves each tier."
RUN_SENTENCE = "The top decile holds 81.2% of AUM."
ZH = {"Tiering by contribution": "按贡献度分层", PROSE: "每个层级都由客户经理服务。"}


def _project(root: Path) -> Path:
    import nbformat as nbf

    src = root / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.md").write_text("# kequn\n\n```{toctree}\n01_tiers\n```\n", encoding="utf-8")
    nb = nbf.v4.new_notebook()
    code = nbf.v4.new_code_cell("kq.prose(...)", metadata={"tags": ["remove-input"]})
    code.execution_count = 1
    code.outputs = [nbf.v4.new_output("execute_result", execution_count=1,
                                      data={"text/markdown": RUN_SENTENCE, "text/plain": ""})]
    nb.cells = [nbf.v4.new_markdown_cell(f"# Tiering by contribution\n\n{PROSE}"), code]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbf.write(nb, src / "01_tiers.ipynb")
    return src


def _sphinx(src: Path, builder: str, out: Path, language: str = "en") -> None:
    env = {"KEQUN_BOOK_LANGUAGE": language, "PATH": "", "HOME": str(out.parent),
           "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", builder, str(src),
                           str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    root = tmp_path_factory.mktemp("book")
    src = _project(root)
    _sphinx(src, "gettext", root / "gettext")
    pot = (root / "gettext" / "01_tiers.pot").read_text(encoding="utf-8")
    with (root / "gettext" / "01_tiers.pot").open("rb") as f:
        template = read_po(f)
    catalog = Catalog(locale="zh_CN")
    for message in template:
        if message.id:
            catalog.add(message.id, ZH.get(message.id, ""))
    po = root / "locales" / "zh_CN" / "LC_MESSAGES" / "01_tiers.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as f:
        write_po(f, catalog)
    _sphinx(src, "html", root / "zh", language="zh_CN")
    _sphinx(src, "html", root / "en")
    return root, pot


@pytest.mark.slow
def test_gettext_extracts_prose_but_not_cell_outputs(built):
    _root, pot = built
    assert f'msgid "{PROSE}"' in pot
    assert "Tiering by contribution" in pot
    assert "81.2%" not in pot and "top decile" not in pot


@pytest.mark.slow
def test_chinese_pages_declare_their_language_and_show_the_translation(built):
    root, _pot = built
    page = (root / "zh" / "01_tiers.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in page
    assert ZH[PROSE] in page and PROSE not in page
    assert RUN_SENTENCE in page  # the run's own sentence is left as the kernel wrote it
    assert '<html lang="en"' in (root / "en" / "01_tiers.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_page_links_the_same_page_in_the_other_language(built):
    root, _pot = built
    for lang, other in (("zh", "en"), ("en", "zh")):
        for name in ("index", "01_tiers"):
            page = (root / lang / f"{name}.html").read_text(encoding="utf-8")
            assert f'href="../{other}/{name}.html"' in page, (lang, name)
            assert (root / other / f"{name}.html").is_file()


@pytest.mark.slow
def test_chinese_search_index_holds_chinese_words(built):
    root, _pot = built
    index = (root / "zh" / "searchindex.js").read_text(encoding="utf-8")
    assert "\\u5ba2\\u6237\\u7ecf\\u7406" in index or "客户经理" in index  # 客户经理, one word


def test_switch_and_language_index_escape_and_point_at_both_builds():
    nav = switch_html('odd"name', "zh_CN", LANGUAGES)
    assert 'href="../en/odd&quot;name.html"' in nav and '<span aria-current="true"' in nav
    page = language_index()
    assert page.count("<li>") == 2 and 'lang="zh-CN">中文</a>' in page
