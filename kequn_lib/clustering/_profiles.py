"""Segment profiles and generated persona names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._i18n import get_language
from .._validation import (
    fmt_values,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
)
from ..errors import ParameterError, SchemaError
from ._features import DEFAULT_MONEY, _auto_columns
from ._pipeline import _columns_arg

# --- profiles and personas ----------------------------------------------------------------------

# feature -> (family, zh when high, en when high, zh when low, en when low)
_LEXICON: dict[str, tuple[str, str, str, str, str]] = {
    "aum": ("assets", "高资产", "high AUM", "低资产", "low AUM"),
    "deposit_balance": ("deposit", "高存款", "high deposits", "低存款", "low deposits"),
    "wealth_balance": ("wealth", "重理财", "wealth-heavy", "少理财", "little wealth mgmt"),
    "loan_balance": ("loan", "高贷款", "high loans", "低贷款", "low loans"),
    "has_loan": ("loan", "有贷款", "borrowers", "无贷款", "no loans"),
    "fx_volume_12m": ("fx", "外汇活跃", "FX-active", "少外汇", "little FX"),
    "fee_income_12m": ("fees", "高贡献", "high fee income", "低贡献", "low fee income"),
    "remittance_count_12m": ("remit", "汇款频繁", "frequent remitters", "少汇款",
                             "few remittances"),
    "has_remittance": ("remit", "常汇款", "remitters", "不汇款", "no remittances"),
    "app_logins_90d": ("digital", "高数字化", "high digital", "低数字化", "low digital"),
    "rm_contacts_90d": ("rm", "经理常联系", "RM-served", "少经理联系", "little RM contact"),
    "referrals_12m": ("referral", "爱推荐", "referrers", "少推荐", "few referrals"),
    "products_held": ("products", "多产品", "multi-product", "少产品", "few products"),
    "tenure_months": ("tenure", "老客户", "long tenure", "新客户", "new customers"),
    "age": ("age", "年长", "older", "年轻", "younger"),
    "has_safe_box": ("safe", "用保险箱", "safe-box users", "无保险箱", "no safe box"),
    "has_deposit": ("deposit", "有存款", "depositors", "无存款", "no deposits"),
    # columns of the public datasets (kq.load_customers("uci-..."))
    "has_housing_loan": ("loan", "有房贷", "mortgage holders", "无房贷", "no mortgage"),
    "has_personal_loan": ("loan", "有消费贷", "personal-loan holders", "无消费贷",
                          "no personal loan"),
    "has_credit_default": ("default", "有违约", "past default", "无违约", "no default"),
    "overdraft": ("overdraft", "透支", "overdrawn", "无透支", "not overdrawn"),
    "credit_limit": ("assets", "高额度", "high credit limit", "低额度", "low credit limit"),
    "utilisation": ("use", "额度用满", "high utilisation", "额度少用", "low utilisation"),
    "pay_delay_max_6m": ("delay", "常逾期", "late payers", "按时还款", "on-time payers"),
    "bill_mean_6m": ("bill", "高账单", "high bills", "低账单", "low bills"),
    "payment_total_6m": ("pay", "高还款", "high repayments", "低还款", "low repayments"),
    "credit_balance": ("credit", "有溢缴款", "in credit", "无溢缴款", "not in credit"),
}
#: |z| a feature needs to enter a persona name (an assumption: half a standard deviation).
PERSONA_MIN_Z = 0.5


def _generic_terms(feat: str) -> tuple[str, str, str, str, str]:
    """Persona terms for a column outside the lexicon: has_x -> with/without x, else high/low."""
    from .._display import column_labels

    known = column_labels().get(feat)
    if feat.startswith("has_"):
        thing = feat[4:].replace("_", " ")
        zh = known.zh.removesuffix("客户") if known is not None and known.zh else thing
        return feat, f"有{zh}", f"with {thing}", f"无{zh}", f"no {thing}"
    name = feat.replace("_", " ")
    zh = known.zh if known is not None and known.zh else name
    return feat, f"{zh}高", f"high {name}", f"{zh}低", f"low {name}"


_Terms = tuple[str, str, str, str, str]


def _check_lexicon(lexicon: Any, owner: str) -> dict[str, _Terms]:
    """``{column: (family, zh high, en high, zh low, en low)}`` from the user's ``lexicon=``."""
    if lexicon is None:
        return {}
    if not isinstance(lexicon, dict):
        msg = (f"{owner}: lexicon= must be a dict {{column: (zh when high, en when high, zh when "
               f"low, en when low)}}, got {type(lexicon).__name__}.")
        raise ParameterError(msg)
    out = {}
    for col, terms in lexicon.items():
        ok = isinstance(terms, tuple | list) and len(terms) in (4, 5) and all(
            isinstance(t, str) and t for t in terms)
        if not ok:
            msg = (
                f"{owner}: lexicon[{col!r}] must be 4 non-empty strings (zh when high, en when "
                "high, zh when low, en when low), optionally preceded by a family name; got "
                f"{terms!r}. Example: {{'salary': ('高收入', 'high income', '低收入', "
                "'low income')}."
            )
            raise ParameterError(msg)
        out[col] = tuple(terms) if len(terms) == 5 else (str(col), *terms)
    return out


def _persona_terms(z: pd.Series, lexicon: dict[str, _Terms]) -> list[tuple[str, str]]:
    """Every (zh, en) term of a segment with |z| >= PERSONA_MIN_Z, largest first, one per
    family."""
    order = z.abs().sort_values(ascending=False, kind="stable")
    terms, families = [], set()
    for feat in order.index:
        val = z[feat]
        if not abs(val) >= PERSONA_MIN_Z:
            break
        family, hz, he, lz, le = (lexicon.get(feat) or _LEXICON.get(feat)
                                  or _generic_terms(str(feat)))
        if family in families:
            continue
        families.add(family)
        terms.append((hz, he) if val > 0 else (lz, le))
    return terms


def _name(terms: list[tuple[str, str]]) -> str:
    """"高资产·经理常联系 / high AUM, RM-served"; the Chinese half alone in the Chinese build."""
    zh = "·".join(t[0] for t in terms) if terms else "大众均衡"
    if get_language() == "zh":
        return zh
    return f"{zh} / {', '.join(t[1] for t in terms) if terms else 'mass, balanced'}"


def _persona(z: pd.Series, *, max_terms: int = 2) -> str:
    return _name(_persona_terms(z, {})[:max_terms])


def _unique_personas(z: pd.DataFrame, lexicon: dict[str, _Terms], max_terms: int = 2
                     ) -> list[str]:
    """One persona per segment, unique within the run: segments that would share a name get
    their next distinguishing term, and a ``#<segment>`` suffix only when none is left."""
    terms = {s: _persona_terms(z.loc[s], lexicon) for s in z.index}
    used = {s: min(max_terms, len(t)) for s, t in terms.items()}
    while True:
        names = pd.Series({s: _name(terms[s][:used[s]]) for s in z.index})
        dup = names[names.duplicated(keep=False)]
        grow = [s for s in dup.index if used[s] < len(terms[s])]
        if dup.empty or not grow:
            break
        for s in grow:
            used[s] += 1
    dup = names.duplicated(keep=False)
    names[dup] = [f"{p} #{s}" for s, p in names[dup].items()]
    return names.tolist()


@renamed_keywords(target="target_col")
def profile_segments(
    data: pd.DataFrame,
    labels: Any,
    *,
    features: Sequence[str] | None = None,
    exclude: Sequence[str] | str | None = None,
    target_col: Sequence[str] | str | None = None,
    lexicon: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Describe each segment: size, share, medians, z-scores and a generated persona name.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table that was segmented.
    labels : pandas.Series or array-like
        Segment of each customer: a Series on ``data``'s index (as returned by
        ``pipeline.fit_predict(data)``) or an array of ``len(data)`` labels.
    features : list of str, optional
        Number or boolean columns to profile. Default: the number and boolean columns that
        :func:`choose_features` keeps (no ids, labels, campaign outcome or contact columns,
        ``true_*`` ground truth), the same rule as :func:`segment_pipeline`.
    exclude, target_col : str or list of str, optional
        Refine the default choice as in :func:`choose_features` (ignored with ``features=``).
        ``target_col`` was called ``target``; the old name still works, with a
        ``FutureWarning``.
    lexicon : dict, optional
        Extra persona vocabulary, ``{column: (zh when high, en when high, zh when low, en when
        low)}`` (optionally with a family name first: columns of one family enter a name at most
        once), e.g. ``{"salary": ("高收入", "high income", "低收入", "low income")}``. It takes
        precedence over the built-in words.

    Returns
    -------
    pandas.DataFrame
        One row per segment, indexed by segment label (index name ``"segment"``, sorted), with
        ``size`` (customers), ``share`` (of all customers, 0–1), ``persona`` (short bilingual
        name such as ``"高资产·低数字化 / high AUM, low digital"``), ``top_features`` (the three
        features with the largest \\|z\\|, e.g. ``"aum +1.8, app_logins_90d -1.2, ..."``), then
        ``median_<f>`` for each feature and ``z_<f>`` for each feature.

    Raises
    ------
    SchemaError
        Labels of the wrong length or index, missing labels, a missing or non-numeric feature.

    See Also
    --------
    segment_pipeline, kequn_lib.plot_segment_profile

    Notes
    -----
    ``z_<f>`` is the segment mean minus the whole base's mean, divided by the whole base's
    standard deviation. Money columns (the data dictionary's ``aum``, balances, volumes and
    fees) are heavy-tailed, so their z-scores are computed on ``log1p`` of the amount: a few
    millionaires would otherwise decide every segment's name. Missing values are ignored.
    The persona joins the (at most) two features with the largest \\|z\\| of at least 0.5 (an
    assumption), skipping a feature of the same family as one already used (AUM and deposits,
    say), using a small bilingual lexicon (extend it with ``lexicon=``); segments with no such
    feature are called ``"大众均衡 / mass, balanced"``. Names are unique within a run: segments
    that would share a name get their next distinguishing feature, and a suffix
    ``" #<label>"`` only when none is left. In the Chinese build (``kq.set_language("zh")``)
    a persona is its Chinese half alone (``"大众均衡"``).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"aum": [1e3, 2e3, 9e5, 8e5], "app_logins_90d": [40, 35, 2, 1]})
    >>> prof = kq.profile_segments(data, [0, 0, 1, 1])
    >>> prof.loc[1, "persona"]
    '高资产·低数字化 / high AUM, low digital'
    >>> prof["size"].tolist()
    [2, 2]
    """
    owner = "profile_segments"
    data = require_frame(data, owner=owner)
    words = _check_lexicon(lexicon, owner)
    if isinstance(labels, pd.Series):
        if not labels.index.equals(data.index):
            if len(labels) != len(data) or not labels.index.sort_values().equals(
                    data.index.sort_values()):
                msg = (
                    f"{owner}: labels ({len(labels)} rows) are not on data's index "
                    f"({len(data)} rows). Pass pipeline.fit_predict(data) for the same table."
                )
                raise SchemaError(msg)
            labels = labels.reindex(data.index)
        lab = labels
    else:
        arr = np.asarray(labels)
        if arr.ndim != 1 or len(arr) != len(data):
            msg = (
                f"{owner}: labels must have one entry per row of data ({len(data)}), got shape "
                f"{arr.shape}."
            )
            raise SchemaError(msg)
        lab = pd.Series(arr, index=data.index)
    if lab.isna().any():
        rows = lab.index[lab.isna()]
        msg = (f"{owner}: {len(rows)} customer(s) have no segment label, first at index "
               f"[{fmt_values(rows)}]. Label every customer.")
        raise SchemaError(msg, rows=list(rows))
    if features is None:
        picked = _auto_columns(data, exclude=exclude, target_col=target_col, owner=owner)
        features = [*picked["money"], *picked["numeric"]]
        if not features:
            msg = (f"{owner}: data has no number or boolean column to profile; pass features=. "
                   f"The table has: {fmt_values(list(map(str, data.columns)), 30)}.")
            raise SchemaError(msg)
    else:
        features = _columns_arg(features, "features") or []
        require_columns(data, features, owner=owner)
    values = pd.DataFrame(
        {f: require_numeric(data, f, owner=owner, allow_nan=True) for f in features},
        index=data.index,
    )
    scaled = values.copy()
    for f in features:
        if f in DEFAULT_MONEY and (values[f].dropna() >= 0).all():
            scaled[f] = np.log1p(values[f])
    key = pd.Series(lab.to_numpy(), index=data.index, name="segment")
    grouped_mean = scaled.groupby(key, sort=True).mean()
    std = scaled.std(ddof=0).replace(0, np.nan)
    z = ((grouped_mean - scaled.mean()) / std).fillna(0.0)
    medians = values.groupby(key, sort=True).median()
    size = key.groupby(key, sort=True).size()
    out = pd.DataFrame({"size": size.astype("int64"), "share": size / len(key)})
    out["persona"] = _unique_personas(z.loc[out.index], words)
    out["top_features"] = [
        ", ".join(f"{f} {z.loc[s, f]:+.1f}"
                  for f in z.loc[s].abs().sort_values(ascending=False, kind="stable").index[:3])
        for s in out.index
    ]
    for f in features:
        out[f"median_{f}"] = medians[f]
    for f in features:
        out[f"z_{f}"] = z[f]
    out.index.name = "segment"
    return out
