"""Content needs of customer groups (信息裂变): which content lines each group needs, and the
three questions every piece of content should answer.

The source essay (article part 2) argues that value recognition (价值认同) in a 客群 grows partly
through information fission (信息裂变): content cut to the group's needs along three lines,
market (市场), professional (专业) and emotional (情感), each piece answering what it means to
the client, what value it brings and what problem it solves. The groups themselves come from
:mod:`kequn_lib.groups`.

* :func:`content_needs` weighs the three content lines for each group from its profile with the
  visible rules of :class:`ContentRules`, and :func:`content_checklist` lists the three questions.

All weights are assumptions, not sourced figures: they are dataclass defaults so a bank can
replace them with its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._i18n import get_language
from ._labels import column_labels
from ._validation import fmt_values, require_frame, require_numeric
from .errors import ParameterError, SchemaError
from .groups import _check_rules

__all__ = [
    "ContentRules",
    "content_checklist",
    "content_needs",
]


# --- content needs (信息裂变) -------------------------------------------------------------------

CONTENT_LINES = ("market", "professional", "emotional")


@dataclass(frozen=True)
class ContentRules:
    """Transparent rules that weigh the three content lines from a group profile. Assumptions.

    Each line's score is ``base`` plus, for each of its ``(feature, weight)`` pairs found in the
    profile, ``max(weight * z_feature, 0)``: only the features in which the group stands out in
    the direction named count. Scores are normalised to sum to 1.

    Parameters
    ----------
    market : tuple of (str, float)
        Market content (市场: rates, markets, allocation news) for groups with more money to
        place: AUM, wealth and deposit balances above average.
    professional : tuple of (str, float)
        Professional content (专业: financing, FX, settlement, product know-how) for groups that
        borrow, trade FX, remit or hold many products.
    emotional : tuple of (str, float)
        Emotional content (情感: care, community, life events) for older, long-tenured and less
        digital groups (negative weight on app logins: fewer logins raise the score).
    base : float, default=1.0
        Floor score of every line, so each group still receives some of all three.
    """

    market: tuple[tuple[str, float], ...] = (
        ("aum", 1.0), ("wealth_balance", 1.0), ("deposit_balance", 0.5),
    )
    professional: tuple[tuple[str, float], ...] = (
        ("loan_balance", 1.0), ("fx_volume_12m", 1.0), ("products_held", 1.0),
        ("remittance_count_12m", 0.5),
    )
    emotional: tuple[tuple[str, float], ...] = (
        ("age", 1.0), ("tenure_months", 1.0), ("app_logins_90d", -1.0),
    )
    base: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.base, int | float) and np.isfinite(self.base) and self.base >= 0):
            raise ParameterError(f"ContentRules: base must be a finite number >= 0, got "
                                 f"{self.base!r}.")
        for line in CONTENT_LINES:
            for pair in getattr(self, line):
                ok = (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                      and isinstance(pair[1], int | float) and np.isfinite(pair[1]))
                if not ok:
                    msg = (f"ContentRules: {line} must hold (feature, weight) pairs such as "
                           f"('aum', 1.0); got {pair!r}.")
                    raise ParameterError(msg)


def content_needs(
    profile: pd.DataFrame,
    *,
    rules: ContentRules | None = None,
    prefix: str = "z_",
) -> pd.DataFrame:
    """Weights of the market / professional / emotional content lines for each group (信息裂变).

    Parameters
    ----------
    profile : pandas.DataFrame
        One row per segment or group with z-score columns ``<prefix><feature>``, e.g. the output
        of ``kq.profile_segments(data, labels)``.
    rules : ContentRules, optional
        The visible rules; ``ContentRules()`` by default.
    prefix : str, default ``"z_"``
        Prefix of the z-score columns.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``profile``: ``market``, ``professional``, ``emotional`` (weights summing
        to 1), ``lead`` (the line with the largest weight) and ``drivers`` (the features that
        raised the lead line, with their contributions: ``"aum +1.35; wealth_balance +1.68"``;
        after ``kq.set_language("zh")`` the features are named by their Chinese terms from the
        data dictionary, ``"管理资产 +1.35；理财余额 +1.68"``, with the same numbers).

    Raises
    ------
    ParameterError
        If ``rules`` is not a :class:`ContentRules`.
    SchemaError
        If the profile has none of the z-score columns the rules use, or NaN in them.

    See Also
    --------
    content_checklist : the three questions every piece of content should answer.

    Notes
    -----
    The source essay (article part 2) asks that group content follow the group's overall needs
    and portrait along three lines, market, professional and emotional, in words the client
    understands. How a profile maps to the lines is this package's assumption, stated in
    :class:`ContentRules`; features missing from the profile are skipped.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> prof = pd.DataFrame({"z_aum": [2.0, -0.5], "z_loan_balance": [0.0, 1.0],
    ...                      "z_age": [0.0, 1.0]}, index=["rich", "older borrowers"])
    >>> kq.content_needs(prof)[["market", "professional", "emotional"]].round(2)
                     market  professional  emotional
    rich                0.6           0.2        0.2
    older borrowers     0.2           0.4        0.4
    """
    owner = "content_needs"
    profile = require_frame(profile, owner=owner)
    rules = ContentRules() if rules is None else rules
    _check_rules(rules, ContentRules, owner)
    wanted = {f"{prefix}{f}" for line in CONTENT_LINES for f, _ in getattr(rules, line)}
    present = [c for c in profile.columns if c in wanted]
    if not present:
        msg = (
            f"{owner}: the profile has none of the z-score columns the rules use "
            f"({fmt_values(sorted(wanted), 12)}). The profile has: "
            f"{fmt_values([str(c) for c in profile.columns], 20)}. Pass the output of "
            "kq.profile_segments with these features, or rules for your columns."
        )
        raise SchemaError(msg)
    for c in present:
        require_numeric(profile, c, owner=owner)
    name = _feature_names()
    scores: dict[str, np.ndarray] = {}
    drivers: dict[str, list[list[str]]] = {}
    for line in CONTENT_LINES:
        s = np.full(len(profile), float(rules.base))
        parts: list[list[str]] = [[] for _ in range(len(profile))]
        for feat, w in getattr(rules, line):
            col = f"{prefix}{feat}"
            if col not in profile.columns:
                continue
            contrib = np.maximum(w * profile[col].to_numpy(dtype="float64"), 0.0)
            s += contrib
            for i in np.flatnonzero(contrib > 0):
                parts[i].append(f"{name(feat)} {'+' if w > 0 else '-'}{contrib[i]:.2f}")
        scores[line] = s
        drivers[line] = parts
    total = sum(scores.values())
    total = np.where(total > 0, total, 1.0)
    out = pd.DataFrame({line: scores[line] / total for line in CONTENT_LINES},
                       index=profile.index)
    if rules.base == 0:
        zero = out.sum(axis=1).to_numpy() == 0
        out.loc[zero, list(CONTENT_LINES)] = 1.0 / 3
    lead = out[list(CONTENT_LINES)].to_numpy().argmax(axis=1)
    out["lead"] = pd.Categorical([CONTENT_LINES[i] for i in lead], categories=CONTENT_LINES)
    zh = get_language() == "zh"
    sep, none = ("；", "（均未高于平均）") if zh else ("; ", "(none above average)")
    out["drivers"] = [
        sep.join(drivers[CONTENT_LINES[li]][i]) or none for i, li in enumerate(lead)
    ]
    return out


def _feature_names() -> Callable[[str], str]:
    """How ``drivers`` names a feature: its column name, or its Chinese term in the Chinese
    build (the data dictionary's Labels; a column without one keeps its name)."""
    if get_language() != "zh":
        return str
    labels = column_labels()
    return lambda feat: labels[feat].zh if feat in labels and labels[feat].zh else feat


#: Chinese wording of the checklist's English cells, ``(column, English) -> Chinese``: the
#: Chinese build of the report shows these (through the data dictionary's value names).
CHECKLIST_ZH: dict[tuple[str, str], str] = {
    ("question", "What does it mean to the client?"): "对客户意味着什么？",
    ("question", "What value does it bring?"): "带来什么价值？",
    ("question", "What problem does it solve?"): "解决什么问题？",
    ("check", "The first lines name the client's own situation, not the bank's product."):
        "开头几句说的是客户自己的处境，而不是银行的产品。",
    ("check", "The benefit is stated in the client's terms (money, time, risk, peace of mind)."):
        "用客户的语言讲好处（钱、时间、风险、安心）。",
    ("check", "The message ends with one concrete step the client can take."):
        "结尾给出客户可以马上做的一个具体步骤。",
    ("market", "A rate cut: what happens to your maturing deposits"): "降息了：您到期的存款怎么办",
    ("market", "Keep the yield you have for three more years"): "把现在的收益率再锁定三年",
    ("market", "Where to park money that comes free next month"): "下个月到账的闲钱放在哪里",
    ("professional", "New export-settlement rules and your invoices"): "出口结算新规与您的发票",
    ("professional", "Lower FX cost on your regular supplier payments"):
        "降低日常付款给供应商的换汇成本",
    ("professional", "How to bridge a 60-day receivable gap"): "如何度过 60 天的应收账款缺口",
    ("emotional", "Planning for a child's university years"): "为孩子的大学时光做规划",
    ("emotional", "Peace of mind for your parents' savings"): "让父母的积蓄更安心",
    ("emotional", "Who to call when a card is lost abroad"): "在国外丢了卡该打给谁",
}


def content_checklist() -> pd.DataFrame:
    """The three questions every piece of group content should answer, as a checklist table.

    Returns
    -------
    pandas.DataFrame
        Three rows indexed 1..3 (``question_no``) with columns ``question``, ``question_zh``,
        ``check`` (a test a reviewer can apply before sending) and one example per content line
        (``market``, ``professional``, ``emotional``).

    Notes
    -----
    The three questions and the three content lines come from the source essay (article
    part 2), which asks bank teams to drop jargon-heavy, copy-pasted product notices and to
    build every message on these questions instead. Wording and examples are this package's.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.content_checklist()["question_zh"].tolist()
    ['对客户意味着什么', '带来什么价值', '解决什么问题']
    """
    return pd.DataFrame(
        {
            "question": [
                "What does it mean to the client?",
                "What value does it bring?",
                "What problem does it solve?",
            ],
            "question_zh": ["对客户意味着什么", "带来什么价值", "解决什么问题"],
            "check": [
                "The first lines name the client's own situation, not the bank's product.",
                "The benefit is stated in the client's terms (money, time, risk, peace of mind).",
                "The message ends with one concrete step the client can take.",
            ],
            "market": [
                "A rate cut: what happens to your maturing deposits",
                "Keep the yield you have for three more years",
                "Where to park money that comes free next month",
            ],
            "professional": [
                "New export-settlement rules and your invoices",
                "Lower FX cost on your regular supplier payments",
                "How to bridge a 60-day receivable gap",
            ],
            "emotional": [
                "Planning for a child's university years",
                "Peace of mind for your parents' savings",
                "Who to call when a card is lost abroad",
            ],
        },
        index=pd.RangeIndex(1, 4, name="question_no"),
    )

