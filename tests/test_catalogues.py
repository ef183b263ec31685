"""The Chinese translation catalogues are complete, and translate words, never numbers.

Each chapter's English prose lives once in its notebook and once, translated, in
``book/locales/zh_CN/LC_MESSAGES/<chapter>.po`` (Sphinx's gettext catalogues). For every chapter
not in ``PENDING`` the catalogue must exist and every entry must be translated, not fuzzy, keep
the numbers of the English text exactly (numbers about the run are glued, not translated), and
use the glossary's word for the core terms (book/locales/glossary.csv).

``PENDING`` holds the chapters whose translation is not written yet. The translator removes a
chapter from it when its catalogue is complete; a new chapter is checked from the start.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from .conftest import REPO

LOCALE = REPO / "book" / "locales" / "zh_CN" / "LC_MESSAGES"
GLOSSARY = REPO / "book" / "locales" / "glossary.csv"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: chapters (two-digit numbers) whose catalogue is not translated yet
PENDING: set[str] = set()

#: glossary terms a translation must render with the glossary's word (the terms of issue 17
#: that have one accepted rendering; others, such as "tier", read 分层 or 层级 by context)
STRICT = ("contribution", "private banking", "gold card", "relationship manager", "churn",
          "customer lifetime value")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: an English month name is a number in Chinese (May 2021 -> 2021年5月)
_MONTHS = {name: str(i) for i, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b")
#: "Chapter 02" is 第2章 in Chinese (a chapter's file name, 02_..., is code and keeps its zero)
_CHAPTER = re.compile(r"\b([Cc]hapters? )0(\d)\b(?!_)")


def _english_numbers(text: str) -> Counter:
    """The numbers of an English message, a month name counting as its number and a chapter
    number without its leading zero."""
    text = _CHAPTER.sub(r"\1\2", text)
    return Counter(_NUMBER.findall(text)) + Counter(_MONTHS[m] for m in _MONTH.findall(text))


def _strict_terms() -> dict[str, str]:
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        rows = {row["en"].split(" (")[0].lower(): row["zh"] for row in csv.DictReader(f)}
    return {term: rows[term] for term in STRICT}


def catalogue_problems(path: Path) -> list[str]:
    """What is wrong with one catalogue: untranslated, fuzzy, changed numbers, off-glossary."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f)
    terms = _strict_terms()
    problems = []
    for message in catalog:
        if not message.id:
            continue  # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        where = f"{path.name}:{message.lineno} {msgid[:60]!r}"
        if not msgstr:
            problems.append(f"{where}: not translated")
            continue
        if message.fuzzy:
            problems.append(f"{where}: fuzzy (check the translation, then drop the flag)")
        if _english_numbers(msgid) != Counter(_NUMBER.findall(msgstr)):
            problems.append(f"{where}: numbers differ ({_NUMBER.findall(msgid)} vs "
                            f"{_NUMBER.findall(msgstr)}); keep the English numbers")
        for term, zh in terms.items():
            if re.search(rf"\b{re.escape(term)}\b", msgid, re.IGNORECASE) and zh not in msgstr:
                problems.append(f"{where}: {term!r} must read {zh!r} (glossary)")
    return problems


_PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "The top decile holds most of the contribution."
msgstr "头部一成客户带来了大部分贡献度。"

msgid "Groups of 50 to 150 customers."
msgstr "由五十到一百五十位客户组成的群。"

msgid "A relationship manager serves the group."
msgstr ""

#, fuzzy
msgid "Private banking starts at a bar."
msgstr "私人银行有门槛。"

msgid "Gold card customers."
msgstr "高端卡客户。"

msgid "Rules of May 2021."
msgstr "2021年5月的规则。"
"""


def test_the_checker_finds_each_kind_of_problem(tmp_path):
    po = tmp_path / "99_example.po"
    po.write_text(_PO, encoding="utf-8")
    problems = catalogue_problems(po)
    text = "\n".join(problems)
    assert "numbers differ" in text and "'Groups of 50 to 150" in text  # 50/150 written out
    assert "'A relationship manager" in text and "not translated" in text
    assert "fuzzy" in text and "'Private banking" in text
    assert "'gold card' must read '金卡'" in text
    assert not [p for p in problems if "top decile" in p]  # the good entry passes
    assert len(problems) == 4


def test_pending_names_real_chapters():
    chapters = {nb.name[:2] for nb in NOTEBOOKS}
    assert chapters, "no chapter notebooks found"
    # a chapter may be pending before its notebook lands (06), never after it is removed
    assert PENDING <= chapters | {"06"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_translated_chapters_have_complete_catalogues(notebook):
    chapter = notebook.name[:2]
    po = LOCALE / f"{notebook.stem}.po"
    if chapter in PENDING:
        pytest.skip(f"chapter {chapter}: translation pending (tests/test_catalogues.py PENDING)")
    assert po.is_file(), f"chapter {chapter} has no catalogue {po.relative_to(REPO)}"
    problems = catalogue_problems(po)
    assert not problems, "\n".join(problems)
