"""The book in a real browser: the system's headless chromium, on a machine without CJK fonts.

Both books (``reports/en``, ``reports/zh``) and the top page leading to them. Every page (index,
each chapter, the references, every API page, a search for 客群 in the Chinese book and one for
"tier" in the English book) at 1280 px and at 390 px: the page declares its language, its
language switch leads to pages that exist, no console errors or failed loads, every image
loaded, the embedded CJK face loaded and used, nothing wider than the viewport, search results
found, and each chapter shows as many figures as its notebook made. Screenshots are written to
``screenshots/`` in the report folder (``reports/screenshots`` when a report exists in the
repository, otherwise next to the tested build); they are not committed. By default one per page
(its first screen), which keeps the run short; ``KEQUN_SCREENSHOTS=all`` takes every screen of
every page (to look at a whole book, several minutes), ``KEQUN_SCREENSHOTS=none`` takes none.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from . import _browser
from .conftest import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not _browser.available(),
                       reason="chromium is not installed (.ci/run installs it with apt-get)"),
]

WIDTHS = (1280, 390)
#: screens kept per page (chapter, API page) for each KEQUN_SCREENSHOTS value
SCREENS = {"all": (40, 4), "first": (1, 1), "none": (0, 0)}

CHECK = """(() => {
  const imgs = [...document.querySelectorAll('img')];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'KequnCJK');
  const vw = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) return false;
    if (r.bottom <= 0 || r.left >= vw || getComputedStyle(e).visibility === 'hidden') return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(s.overflowX) && p.clientWidth <= vw) return false;
    }
    return true;
  }).slice(0, 5).map(e => e.tagName + '.' + e.className);
  const cjk = [...document.querySelectorAll('h1, p, li, td, th, a, span')].find(
    e => /[\\u4e00-\\u9fff]/.test(e.textContent) && e.children.length === 0);
  return {
    broken, wide,
    scrollWidth: document.documentElement.scrollWidth, viewport: vw,
    faceLoaded: faces.some(f => f.status === 'loaded'),
    cjkFamily: cjk ? getComputedStyle(cjk).fontFamily : null,
    cjkDrawn: document.fonts.check('16px KequnCJK', '客群'),
    figures: document.querySelectorAll('main figure img, article figure img').length,
    lang: document.documentElement.lang,
    switch: [...document.querySelectorAll('nav.kequn-lang a')].map(a => a.href),
  };
})()"""


LANGS = {"en": "en", "zh": "zh-CN"}
#: the search each book must answer
SEARCHES = {"zh": "客群", "en": "tier"}


def _pages(out):
    pages = ["index.html", "references.html"]
    pages += sorted(p.name for p in out.glob("[0-9][0-9]_*.html"))
    pages += sorted(f"api/{p.name}" for p in (out / "api").glob("*.html"))
    return pages


def _shots(out):
    link = REPO / "reports"
    return (link if link.is_symlink() and link.is_dir() else out) / "screenshots"


@pytest.fixture(scope="module")
def seen(book):
    """Open every page of both books at both widths once; the tests below read what was found."""
    top, _ = book
    shots = _shots(top)
    choice = os.environ.get("KEQUN_SCREENSHOTS", "first")
    if choice not in SCREENS:
        pytest.fail(f"KEQUN_SCREENSHOTS={choice!r}: use one of {', '.join(SCREENS)}")
    screens, api_screens = SCREENS[choice]
    found = {}
    with _browser.browser() as b:
        for width in WIDTHS:
            b.viewport(width, 900, mobile=width < 500)
            b.open(top.resolve().as_uri() + "/index.html")
            found[(width, "top", "index.html")] = {**b.eval(CHECK), "problems": b.problems()}
            b.screenshots(shots / f"{width}" / "top-index", limit=min(screens, 2))
            for lang in LANGS:
                out = top / lang
                for page in _pages(out):
                    b.open(out.resolve().as_uri() + "/" + page)
                    info = b.eval(CHECK)
                    info["problems"] = b.problems()
                    found[(width, lang, page)] = info
                    stem = f"{lang}-" + page.replace("/", "_").removesuffix(".html")
                    b.screenshots(shots / f"{width}" / stem,
                                  limit=api_screens if page.startswith("api/") else screens)
                query = SEARCHES[lang]
                b.open(out.resolve().as_uri() + f"/search.html?q={query}")
                end = time.monotonic() + 20
                hits = 0
                while time.monotonic() < end:
                    hits = b.eval("document.querySelectorAll('#search-results li').length")
                    if hits:
                        break
                    time.sleep(0.25)
                found[(width, lang, f"search:{query}")] = {"hits": hits,
                                                           "problems": b.problems()}
                if screens:
                    b.screenshot(shots / f"{width}" / f"{lang}-search-{query}.png")
    return found


def test_no_console_errors_or_failed_loads(seen):
    bad = {k: v["problems"] for k, v in seen.items() if v["problems"]}
    assert not bad, bad


def test_every_image_loads(seen):
    bad = {k: v["broken"] for k, v in seen.items() if v.get("broken")}
    assert not bad, bad


def test_the_embedded_cjk_face_is_loaded_and_used(seen):
    for key, info in seen.items():
        if "faceLoaded" not in info:
            continue
        assert info["faceLoaded"], f"{key}: the KequnCJK face did not load"
        assert info["cjkDrawn"], f"{key}: KequnCJK cannot draw 客群"
        if info["cjkFamily"] is not None:
            assert info["cjkFamily"].replace('"', "").startswith("KequnCJK"), (key, info)


def test_nothing_is_wider_than_the_viewport(seen):
    bad = {k: (v["scrollWidth"], v["viewport"], v["wide"]) for k, v in seen.items()
           if "scrollWidth" in v and (v["scrollWidth"] > v["viewport"] or v["wide"])}
    assert not bad, bad


def test_search_finds_chinese_in_the_chinese_book_and_english_in_the_english(seen):
    for width in WIDTHS:
        for lang, query in SEARCHES.items():
            assert seen[(width, lang, f"search:{query}")]["hits"] > 0, (width, lang, query)


def test_each_chapter_shows_the_figures_its_notebook_made(seen, book):
    top, _ = book
    languages = json.loads((top / "build.json").read_text(encoding="utf-8"))["languages"]
    for lang, made in languages.items():
        for name, info in made["chapters"].items():
            for width in WIDTHS:
                assert seen[(width, lang, f"{name}.html")]["figures"] == info["figures"], (
                    lang, name, width)


def test_pages_declare_their_language_and_switch_to_pages_that_exist(seen):
    from urllib.parse import unquote, urlparse

    checked = 0
    for (width, lang, page), info in seen.items():
        if lang == "top" or page.startswith("search:"):
            continue
        assert info["lang"] == LANGS[lang], (width, lang, page, info["lang"])
        assert len(info["switch"]) == 1, (width, lang, page, info["switch"])
        for href in info["switch"]:
            target = Path(unquote(urlparse(href).path))
            other = next(x for x in LANGS if x != lang)
            assert target.is_file(), (lang, page, href)
            assert target.parent.name == other or other in target.parts, (lang, page, href)
            checked += 1
    assert checked
    top = seen[(WIDTHS[0], "top", "index.html")]
    assert top["faceLoaded"] and top["cjkDrawn"], top
