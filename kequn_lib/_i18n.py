"""The language of generated text: figure labels, table headers and run-bound sentences.

The report is built in English and in Chinese from the same notebooks. A notebook's parameters
cell holds ``LANG = "en"`` (the Chinese build passes ``LANG = "zh"``) and hands it to the library
once, ``kq.use_theme(lang=LANG)`` or ``kq.set_language(LANG)``. From then on:

- plot labels put the page's language first: "Share of customers (客户占比)" in English,
  "客户占比（Share of customers）" in Chinese;
- :func:`~kequn_lib.display_table` headers do the same, from the data dictionary's Labels table;
- :func:`~kequn_lib.prose` and :func:`localise` show the Chinese sentence when one is given.

The language is a setting of the Python session (one kernel per chapter), like the plot theme.
Importing kequn does not change it; the default is English.
"""

from __future__ import annotations

from ._validation import check_option

__all__ = ["LANGUAGES", "get_language", "localise", "set_language"]

LANGUAGES = ("en", "zh")
# Other spellings of the two languages (Sphinx, gettext and browser codes).
_ALIASES = {
    "en": "en", "en-us": "en", "en_us": "en", "en-gb": "en", "en_gb": "en", "english": "en",
    "zh": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "zh_hans": "zh", "chinese": "zh",
}

_state = {"lang": "en"}


def _normalise(lang: object, *, owner: str) -> str:
    if isinstance(lang, str) and lang.strip().lower() in _ALIASES:
        return _ALIASES[lang.strip().lower()]
    # not a known spelling: the shared validator words the error (names the allowed values)
    return check_option(lang, list(LANGUAGES), name="lang", owner=owner)


def set_language(lang: str) -> str:
    """Choose the language of generated labels, table headers and sentences.

    Call it once near the top of a notebook (the parameters cell holds ``LANG``), or pass
    ``lang=`` to :func:`~kequn_lib.use_theme`, which calls it.

    Parameters
    ----------
    lang : {"en", "zh"}
        ``"en"`` for English first, ``"zh"`` for Chinese first. The codes ``"zh_CN"``,
        ``"zh-CN"`` and ``"en_US"`` are accepted too.

    Returns
    -------
    str
        The language that was set before (so a caller can restore it).

    Raises
    ------
    ParameterError
        If ``lang`` is not one of the languages.

    See Also
    --------
    get_language : the language now set.
    localise : choose between an English and a Chinese text.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> before = kq.set_language("zh")
    >>> kq.get_language()
    'zh'
    >>> _ = kq.set_language(before)
    """
    new = _normalise(lang, owner="set_language")
    before = _state["lang"]
    _state["lang"] = new
    return before


def get_language() -> str:
    """The language set by :func:`set_language`: ``"en"`` (the default) or ``"zh"``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.get_language() in kq.LANGUAGES
    True
    """
    return _state["lang"]


def localise(en: str, zh: str | None = None) -> str:
    """The text in the page's language: ``zh`` in the Chinese build when given, else ``en``.

    Use it for captions, titles and any short text a notebook writes for readers; for sentences
    bound to the run use ``kq.prose(en, zh=...)``, which calls it.

    Parameters
    ----------
    en : str
        The English text.
    zh : str, optional
        The Chinese text. Without it, the English text is used in both languages.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        If ``en`` or ``zh`` is not a string.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.localise("Tier shares", zh="各层级占比")
    'Tier shares'
    """
    from .errors import ParameterError

    for name, value in (("en", en), ("zh", zh)):
        if value is not None and not isinstance(value, str):
            msg = f"localise: {name} must be a str, got {type(value).__name__}."
            raise ParameterError(msg)
    if en is None:
        raise ParameterError("localise: en must be a str, got NoneType.")
    if zh is not None and _state["lang"] == "zh":
        return zh
    return en


def label(en: str, zh: str | None = None, *, paren: bool = True) -> str:
    """A bilingual label with the page's language first.

    English: ``"Share of customers (客户占比)"`` (or ``"Silhouette 轮廓系数"`` with
    ``paren=False``). Chinese: ``"客户占比（Share of customers）"`` (or ``"轮廓系数 Silhouette"``).
    Without ``zh`` the English text alone.
    """
    if not zh:
        return en
    if _state["lang"] == "zh":
        return f"{zh}（{en}）" if paren else f"{zh} {en}"
    return f"{en} ({zh})" if paren else f"{en} {zh}"
