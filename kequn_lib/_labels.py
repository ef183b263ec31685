"""The data dictionary's column labels (``data/README.md``, section "Labels").

Each column name has an English label, its Chinese term and a kind (``money``, ``pct``, ``int``,
``num``, ``p`` or none), read once. Tables (:func:`~kequn_lib.display_table`), figure labels and
the analysis modules that name features for readers (content drivers, persona names) all read
them here. It needs only the language setting and the package's data files, so any module may
import it without a cycle.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

from ._i18n import get_language

#: number formats of :func:`~kequn_lib.fmt`; a label's kind is one of them (or empty)
KINDS = ("auto", "int", "pct", "num", "money", "p")


@dataclass(frozen=True)
class _Label:
    en: str
    zh: str = ""
    kind: str = ""

    def text(self) -> str:
        """The label with the page's language first ("Tier (分层)" or "分层（Tier）")."""
        if not self.zh:
            return self.en
        return f"{self.zh}（{self.en}）" if get_language() == "zh" else f"{self.en} ({self.zh})"

    def html(self) -> str:
        if not self.zh:
            return html.escape(self.en)
        zh = html.escape(self.zh)
        if get_language() == "zh":
            return f'{zh}<br><span class="kequn-en" lang="en">{html.escape(self.en)}</span>'
        return f'{html.escape(self.en)}<br><span class="kequn-zh" lang="zh-CN">{zh}</span>'


@lru_cache(maxsize=1)
def column_labels() -> dict[str, _Label]:
    """Column labels of the data dictionary (``data/README.md``, section "Labels").

    Returns a mapping from column name to its English label, Chinese term and kind
    (``money``, ``pct``, ``int``, ``num`` or empty).
    """
    from ._resources import data_path

    text = data_path("README.md").read_text(encoding="utf-8")
    start = text.find("## Labels")
    labels: dict[str, _Label] = {}
    if start < 0:
        return labels
    section = text[start:].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        kind = cells[3] if len(cells) > 3 and cells[3] in KINDS else ""
        labels[name] = _Label(cells[1], cells[2], kind)
    return labels
