"""Sphinx configuration of the kequn book (used by ``make report``; see kequn_lib.report).

The builder writes the source folder (executed notebooks, index, API pages, references) and
calls Sphinx with this folder as the configuration directory. Notebooks are never executed
here: papermill has run them already.
"""

from __future__ import annotations

import os

project = "kequn 客群"
author = "The kequn developers"
copyright = "the kequn developers, MIT licence"
# The book is built once per language (kequn_lib.report): "en", or "zh_CN" with the chapters'
# prose from the translation catalogues (one per chapter) in locales/zh_CN/LC_MESSAGES.
language = os.environ.get("KEQUN_BOOK_LANGUAGE", "en")
locale_dirs = [os.environ.get("KEQUN_BOOK_LOCALES",
                              os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                           "locales"))]
gettext_compact = False
ZH = language.startswith("zh")

extensions = [
    "myst_nb",
    "kequn_lib._sphinx_i18n",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

# notebooks: rendered as executed by papermill
nb_execution_mode = "off"
nb_render_markdown_format = "myst"  # Markdown outputs (kq.prose) may use MyST syntax
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

# figures: numbered per chapter, with their captions
numfig = True
numfig_format = {"figure": "图 %s", "table": "表 %s"} if ZH else {"figure": "Figure %s",
                                                                  "table": "Table %s"}

# API reference
autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
add_module_names = False

# site
html_theme = "sphinx_book_theme"
html_title = "kequn 客群" if not ZH else "kequn 客群（中文版）"

# the language switch on every page: the languages this report holds (set by the builder)
_built = os.environ.get("KEQUN_BOOK_LANGUAGES")
if _built:
    from kequn_lib._sphinx_i18n import LANGUAGES as _ALL

    kequn_languages = {k: v for k, v in _ALL.items() if k in _built.split(",")}
html_static_path = ["_static"]
html_css_files = ["kequn.css"]
html_copy_source = True  # the executed notebooks, for the download button
html_sourcelink_suffix = ""
html_show_sourcelink = False
html_last_updated_fmt = None
html_search_language = "zh"  # Chinese terms (客群) and English words (tier) are both indexed
html_search_options = {"dict": os.path.join(os.path.dirname(__file__), "search_terms.txt")}
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_context = {"default_mode": "light"}


def setup(app):
    from sphinx.search.zh import SearchChinese

    class _Search(SearchChinese):
        # Sphinx's Chinese search ships the English stemmer for the Latin words but names it
        # after the language ("ChineseStemmer"), which the page never defines.
        language_name = "English"

    app.add_search_language(_Search)
