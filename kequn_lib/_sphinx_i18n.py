"""Sphinx extension for the book in two languages (``extensions = ["kequn_lib._sphinx_i18n"]``).

The English prose lives in the notebooks; its Chinese translation lives in gettext catalogues
(``book/locales/zh_CN/LC_MESSAGES/<chapter>.po``, made with the gettext builder and
sphinx-intl). Each language is its own Sphinx build into its own folder (``reports/en/``,
``reports/zh/``) from notebooks executed with ``LANG`` set to that language. This extension:

- keeps the outputs of code cells out of the catalogues: a sentence bound to the run
  (``kq.prose(en, zh=...)``) is already in the page's language and its numbers change with every
  run, so it must never become a catalogue entry;
- puts a language switch on every page, linking the same page in the other language;
- gives :func:`language_index` for the site's top ``index.html`` that leads to both.

Configuration values: ``kequn_languages`` (language code -> (folder, name), in order; default
English and Chinese) and ``kequn_language_switch`` (default True).
"""

from __future__ import annotations

import html
from typing import Any

#: language code (Sphinx's ``language``) -> (folder under reports/, name shown in the switch)
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("en", "English"), "zh_CN": ("zh", "中文")}


def _outputs_untranslatable(app: Any, doctree: Any, docname: str) -> None:
    """Mark every node inside a notebook cell's output as not translatable."""
    from docutils import nodes

    for container in doctree.findall(nodes.container):
        if "cell_output" in container.get("classes", []):
            for node in container.findall(nodes.Element):
                node["translatable"] = False


def switch_html(pagename: str, language: str, languages: dict[str, tuple[str, str]]) -> str:
    """The language switch of one page: the current language, then links to the others.

    Examples
    --------
    >>> print(switch_html("api/plots", "en", LANGUAGES))  # doctest: +NORMALIZE_WHITESPACE
    <nav class="kequn-lang" aria-label="Language / 语言"><span aria-current="true"
    lang="en">English</span> · <a href="../../zh/api/plots.html" hreflang="zh-CN"
    lang="zh-CN">中文</a></nav>
    """
    up = "../" * (pagename.count("/") + 1)
    parts = []
    for code, (folder, name) in languages.items():
        tag = code.replace("_", "-")
        if code == language:
            parts.append(f'<span aria-current="true" lang="{tag}">{html.escape(name)}</span>')
        else:
            href = html.escape(f"{up}{folder}/{pagename}.html", quote=True)
            parts.append(f'<a href="{href}" hreflang="{tag}" lang="{tag}">{html.escape(name)}</a>')
    return f'<nav class="kequn-lang" aria-label="Language / 语言">{" · ".join(parts)}</nav>'


def _add_switch(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if not app.config.kequn_language_switch or "body" not in context:
        return
    languages = app.config.kequn_languages
    language = app.config.language if app.config.language in languages else "en"
    context["body"] = switch_html(pagename, language, languages) + context["body"]


#: one line under each language's link on the top index
DESCRIPTIONS = {
    "en": "The book in English: tiering, segments, groups, lending and customer value.",
    "zh_CN": "中文版：客户分层、客群细分、社群经营、贷款案例与客户终身价值。",
}


def language_index(languages: dict[str, tuple[str, str]] | None = None, *,
                   title: str = "kequn 客群", head: str = "",
                   descriptions: dict[str, str] | None = None) -> str:
    """The site's top ``index.html``: a page leading to each language's book.

    ``head`` is added to the page's ``<head>`` (a style sheet, for instance); ``descriptions``
    gives a line under each language's link (language code -> text).

    Examples
    --------
    >>> page = language_index()
    >>> 'href="en/index.html"' in page and 'href="zh/index.html"' in page
    True
    """
    languages = LANGUAGES if languages is None else languages
    descriptions = DESCRIPTIONS if descriptions is None else descriptions
    items = []
    for code, (folder, name) in languages.items():
        tag = code.replace("_", "-")
        line = descriptions.get(code, "")
        extra = f'<p lang="{tag}">{html.escape(line)}</p>' if line else ""
        items.append(f'<li><a href="{html.escape(folder)}/index.html" hreflang="{tag}" '
                     f'lang="{tag}">{html.escape(name)}</a>{extra}</li>')
    links = "\n".join(items)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}</head>\n<body>\n<main>\n"
        f"<h1>{html.escape(title)}</h1>\n<ul>\n{links}\n</ul>\n</main>\n</body>\n</html>\n"
    )


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("kequn_languages", LANGUAGES, "html")
    app.add_config_value("kequn_language_switch", True, "html")
    app.connect("doctree-resolved", _outputs_untranslatable)
    app.connect("html-page-context", _add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
