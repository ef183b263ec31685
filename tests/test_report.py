"""The report builder: pages, navigation, API page, key figures, failures, parameters."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import kequn_lib as kq
from kequn_lib import report


def _notebook(path: Path, title: str, summary: str, body: str, params: str = "SEED = 0") -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n{summary}"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "01_first.ipynb", "First chapter (第一章)", "It counts.",
              "import kequn_lib as kq\nkq.key_figures(seed=SEED, twice=2 * SEED)")
    _notebook(folder / "02_second.ipynb", "Second chapter", "It prints.",
              "print('客群', SEED)")
    return folder


@pytest.mark.slow
def test_build_writes_index_pages_navigation_and_api(book, tmp_path):
    out = report.build(tmp_path / "reports", notebooks=book, params={"SEED": 3})
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_first.html"' in index and 'href="02_second.html"' in index
    assert "First chapter (第一章)" in index and "It counts." in index
    assert 'href="api.html"' in index
    first = (out / "01_first.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in first and 'href="02_second.html"' in first
    assert "@font-face" in first and "KequnCJK" in first  # carries its own CJK glyphs
    assert "require.js" not in first and "mathjax" not in first.lower()
    second = (out / "02_second.html").read_text(encoding="utf-8")
    assert "客群 3" in second  # the injected parameter reached the kernel
    figures = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    assert figures == {"01_first": {"seed": 3, "twice": 6}, "02_second": {}}
    api = (out / "api.html").read_text(encoding="utf-8")
    assert "make_customers" in api and "validate_customers" in api


@pytest.mark.slow
def test_failing_notebook_names_cell_and_keeps_previous_report(book, tmp_path):
    out = tmp_path / "reports"
    report.build(out, notebooks=book, only=["01"], api=False)
    before = (out / "index.html").read_text(encoding="utf-8")
    _notebook(book / "02_second.ipynb", "Broken", "Fails.", "x = 1\nraise ValueError('boom')")
    with pytest.raises(report.ReportError, match=r"02_second.ipynb failed at cell 3.*boom"):
        report.build(out, notebooks=book, api=False)
    assert (out / "index.html").read_text(encoding="utf-8") == before
    assert not list(tmp_path.glob(".reports.building-*"))


@pytest.mark.slow
def test_same_parameters_give_identical_key_figures(book, tmp_path):
    a = report.build(tmp_path / "a", notebooks=book, params={"SEED": 5}, api=False)
    b = report.build(tmp_path / "b", notebooks=book, params={"SEED": 5}, api=False)
    assert (a / "key_figures.json").read_bytes() == (b / "key_figures.json").read_bytes()


@pytest.mark.slow
def test_cli_exit_code_on_failure(book, tmp_path, capsys):
    _notebook(book / "02_second.ipynb", "Broken", "Fails.", "raise RuntimeError('nope')")
    code = report.main(["--notebooks", str(book), "--output", str(tmp_path / "r"), "-q"])
    assert code == 1
    assert "02_second.ipynb failed" in capsys.readouterr().err


def test_unknown_parameter_is_refused(book, tmp_path):
    with pytest.raises(kq.ParameterError, match="'N_ROWS'.*not declared.*'SEED'"):
        report.build(tmp_path / "r", notebooks=book, params={"N_ROWS": 3})


def test_missing_folder_and_unmatched_only(tmp_path, book):
    with pytest.raises(report.ReportError, match="does not exist"):
        report.list_chapters(tmp_path / "nowhere")
    with pytest.raises(report.ReportError, match="no notebook matches"):
        report.build(tmp_path / "r", notebooks=book, only=["99"])


def test_chapters_are_in_reading_order_with_titles(book):
    chapters = report.list_chapters(book)
    assert [c.path.name for c in chapters] == ["01_first.ipynb", "02_second.ipynb"]
    assert chapters[0].title == "First chapter (第一章)"
    assert chapters[0].summary == "It counts."


def test_key_figures_rejects_non_numbers():
    with pytest.raises(kq.ParameterError, match="must be a number"):
        kq.key_figures(bad=[1, 2])
    with pytest.raises(kq.ParameterError, match="not a finite number"):
        kq.key_figures(bad=float("nan"))


def test_figures_get_alternative_text_from_the_prose_before_them():
    import base64

    png = base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )).decode()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\n\nThe curve shows 客群 shares. More text here."),
        nbformat.v4.new_code_cell("plot()"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    chapter = report.Chapter(Path("01_t.ipynb"), "T", "")
    page = report._render(nb, chapter, report._nav([chapter], 0))
    assert '<img alt="Figure. The curve shows 客群 shares."' in page
