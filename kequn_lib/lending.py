"""The WeBank / MYbank lending case study: cited facts, calibrated loan books, comparisons.

There is no loan-level data behind the news piece that part 3 of the source article reproduces
(融途网, comparing 微众银行 WeBank and its 微粒贷 Weilidai loans with 网商银行 MYbank). What it
has is a handful of figures, most of them bounds ("average loan under 1万", "overdue rate under
1%"). This module turns every figure into a checked, cited row (:func:`lending_facts`, with the
later public figures in :func:`public_figures`), builds loan-size distributions and simulated
loan books that honour those rows (:func:`calibrate_loan_sizes`, :func:`simulate_loan_book`,
:func:`loan_book_checks`), and reasons about the article's claims with small, transparent tools
(:func:`decompose_volume`, :func:`growth_path`, :func:`compare_books`,
:func:`approval_under_tolerance`).

Everything the facts do not pin down is an *assumption*: an explicit keyword argument whose default
comes from :class:`LendingAssumptions` (see :func:`lending_assumptions`).

Banks are named ``"WeBank"`` / ``"微众银行"`` and ``"MYbank"`` / ``"网商银行"``; case does not
matter.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ._resources import data_path
from .errors import ParameterError, SchemaError, _fmt_values, check_int, check_number
from .schema import require_columns, require_frame, require_numeric

__all__ = [
    "BookComparison",
    "LendingAssumptions",
    "LoanSizeModel",
    "approval_under_tolerance",
    "calibrate_loan_sizes",
    "compare_books",
    "decompose_volume",
    "growth_path",
    "lending_assumptions",
    "lending_facts",
    "loan_book_checks",
    "make_applicant_pool",
    "public_figures",
    "simulate_loan_book",
    "size_sensitivity",
]

log = logging.getLogger(__name__)

BANKS = ("WeBank", "MYbank")
_BANK_ALIASES = {"webank": "WeBank", "微众银行": "WeBank", "mybank": "MYbank", "网商银行": "MYbank"}
_BANK_ZH = {"WeBank": "微众银行", "MYbank": "网商银行"}

# Multipliers from the unit a figure is written in to base units (CNY, a fraction, a count).
UNIT_SCALE = {
    "亿元": 1e8,
    "万元": 1e4,
    "%": 0.01,
    "万笔": 1e4,
    "万户": 1e4,
    "months": 1.0,
    "days": 1.0,
    "": np.nan,
}
RELATIONS = ("<", ">", "≈", "=", "range")

_FACT_COLUMNS = (
    "fact_id", "bank", "metric", "value", "value_high", "unit", "relation", "condition",
    "condition_unit", "value_text", "period", "description", "part", "paragraph", "citation",
    "source", "status", "derivation",
)
_PUBLIC_COLUMNS = (
    "fact_id", "bank", "metric", "value", "value_high", "unit", "relation", "year", "description",
    "source", "status", "note",
)


# --- banks -------------------------------------------------------------------------------------


def _bank(name: Any, *, owner: str, name_arg: str = "bank") -> str:
    """Canonical bank name ("WeBank" or "MYbank") for any accepted spelling, else raise."""
    if isinstance(name, str):
        canon = _BANK_ALIASES.get(name.strip().lower())
        if canon is not None:
            return canon
    msg = (
        f"{owner}: unknown {name_arg} {name!r}. Use 'WeBank' (or '微众银行') or 'MYbank' "
        "(or '网商银行'); case does not matter."
    )
    raise ParameterError(msg)


# --- the facts tables --------------------------------------------------------------------------


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def _fail(table: str, frame: pd.DataFrame, mask: pd.Series, column: str, rule: str) -> None:
    if mask.any():
        ids = frame.loc[mask, "fact_id"].tolist() if "fact_id" in frame else []
        msg = (
            f"{table}: {int(mask.sum())} row(s) break the rule '{rule}' (column {column!r}), "
            f"first fact_id(s): [{_fmt_values(ids)}]. Correct the curated CSV in data/."
        )
        raise SchemaError(msg, column=column, rows=list(frame.index[mask]))


def _validate_facts(frame: pd.DataFrame, *, table: str, public: bool = False) -> pd.DataFrame:
    """Check a facts table (article facts, or later public figures) and return it typed.

    Rules: the documented columns exist; ``fact_id`` is unique, and so is the (bank, metric,
    period or year) key; every row has a source (and, for article facts, a citation and a
    part/paragraph locator); banks, relations and statuses are known; numbers are numbers;
    ranges have ``value <= value_high``; derived rows carry their derivation.
    """
    require_frame(frame, owner=table)
    cols = _PUBLIC_COLUMNS if public else _FACT_COLUMNS
    require_columns(frame, cols, owner=table)
    df = frame.copy()
    dup = df["fact_id"].duplicated(keep=False)
    _fail(table, df, dup, "fact_id", "fact_id is unique")
    key = ["bank", "metric", "year" if public else "period"]
    _fail(table, df, df.duplicated(key, keep=False), ",".join(key), f"one row per {tuple(key)}")
    for col in ("bank", "metric", "source", "description", "status"):
        _fail(table, df, _blank(df[col]), col, f"{col} is filled in")
    _fail(table, df, ~df["bank"].isin(BANKS), "bank", f"bank is one of {BANKS}")
    _fail(table, df, ~df["relation"].isin(RELATIONS), "relation", f"relation in {RELATIONS}")
    numeric = ["value", "value_high"] + (["year"] if public else ["condition", "part", "paragraph"])
    for col in numeric:
        converted = pd.to_numeric(df[col], errors="coerce")
        _fail(table, df, converted.isna() & ~_blank(df[col]), col, f"{col} is a number")
        df[col] = converted.astype("float64")
    units = df["unit"].fillna("").astype(str)
    _fail(table, df, ~units.isin(list(UNIT_SCALE)), "unit", f"unit in {list(UNIT_SCALE)}")
    has_value = df["value"].notna()
    _fail(table, df, has_value & (units == ""), "unit", "a number has a unit")
    is_range = df["relation"] == "range"
    _fail(table, df, is_range & ~(df["value_high"] >= df["value"]), "value_high",
          "a range has value <= value_high")
    _fail(table, df, ~is_range & df["value_high"].notna(), "value_high",
          "only a range has value_high")
    if public:
        _fail(table, df, df["year"].isna(), "year", "year is filled in")
    else:
        for col in ("citation", "part", "paragraph"):
            _fail(table, df, _blank(frame[col]), col, f"every row has a locator ({col})")
        _fail(table, df, ~df["status"].isin(["stated", "derived"]), "status",
              "status is 'stated' or 'derived'")
        _fail(table, df, (df["status"] == "derived") & _blank(df["derivation"]), "derivation",
              "a derived row gives its derivation")
        _fail(table, df, _blank(df["value"]) & _blank(df["value_text"]), "value",
              "a row has a value or a value_text")
        df["part"] = df["part"].astype("Int64")
        df["paragraph"] = df["paragraph"].astype("Int64")
    if public:
        df["year"] = df["year"].astype("Int64")
    scale = units.map(UNIT_SCALE).astype("float64")
    df["value_std"] = df["value"] * scale
    df["value_high_std"] = df["value_high"] * scale
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype("string")
    return df.reset_index(drop=True)


@cache
def _read_table(name: str, public: bool) -> pd.DataFrame:
    raw = pd.read_csv(data_path(name), dtype=str, keep_default_na=False, na_values=[""],
                      encoding="utf-8")
    return _validate_facts(raw, table=name, public=public)


def _select(df: pd.DataFrame, bank: str | None, owner: str) -> pd.DataFrame:
    if bank is None:
        return df.copy()
    canon = _bank(bank, owner=owner)
    return df[df["bank"] == canon].reset_index(drop=True)


def lending_facts(bank: str | None = None) -> pd.DataFrame:
    """Every figure and claim in the article's lending news piece, one cited row each.

    The table is read from ``data/lending_facts.csv`` and validated on load (unique keys, a
    locator and a source on every row, known relations and units).

    Parameters
    ----------
    bank : str, optional
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"`` (any case); all rows when
        omitted.

    Returns
    -------
    pandas.DataFrame
        One row per fact, RangeIndex. Columns: ``fact_id``, ``bank``, ``metric``, ``value`` and
        ``value_high`` (as written, in ``unit``; ``value_high`` only for ranges), ``unit``,
        ``relation`` (``<``, ``>``, ``≈``, ``=``, ``range``), ``condition`` and
        ``condition_unit`` (a second number the figure depends on, e.g. the 5万 threshold),
        ``value_text`` (qualitative facts), ``period``, ``description`` (our own words, with the
        Chinese term), ``part`` and ``paragraph`` (locator: ``paragraph`` is the 1-based line
        number in the whole article file), ``citation``, ``source``, ``status`` (``stated`` or
        ``derived``), ``derivation``, and ``value_std``/``value_high_std`` (the value in base
        units: CNY, a fraction, or a count).

    Raises
    ------
    ParameterError
        If ``bank`` is not one of the two banks.
    SchemaError
        If the curated CSV breaks a rule (a duplicate key, a row without locator or source).

    See Also
    --------
    public_figures : later public figures on the same banks.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> facts = kq.lending_facts("微众银行")
    >>> row = facts.set_index("metric").loc["max_loan"]
    >>> float(row["value"]), row["unit"], float(row["value_std"])
    (20.0, '万元', 200000.0)
    """
    return _select(_read_table("lending_facts.csv", False), bank, "lending_facts")


def public_figures(bank: str | None = None) -> pd.DataFrame:
    """Later public figures on WeBank and MYbank (annual-report reposts, research notes).

    Parameters
    ----------
    bank : str, optional
        One bank (any accepted spelling); all rows when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``fact_id``, ``bank``, ``metric``, ``value``, ``value_high``,
        ``unit``, ``relation``, ``year``, ``description``, ``source`` (web address as found),
        ``status`` (sourced, secondary or unverified), ``note``, ``value_std``,
        ``value_high_std``.

    Notes
    -----
    The non-performing-loan ratio (NPL, 不良贷款率) reported here and the overdue rate (逾期率)
    quoted in the article are different measures: the ``note`` column says so on every NPL row.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> figs = kq.public_figures("MYbank")
    >>> sorted(figs.loc[figs["metric"] == "npl_ratio", "year"].tolist())
    [2021, 2022, 2024]
    """
    return _select(_read_table("public_figures.csv", True), bank, "public_figures")


def _fact(bank: str, metric: str) -> pd.Series:
    df = _read_table("lending_facts.csv", False)
    row = df[(df["bank"] == bank) & (df["metric"] == metric)]
    return row.iloc[0]


# --- assumptions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LendingAssumptions:
    """Free parameters of the lending case study: what the article does NOT state.

    Every field is an assumption, chosen to sit inside the bounds the facts give; functions
    take each as a keyword argument and fall back to these defaults (:func:`lending_assumptions`).

    Attributes
    ----------
    bank : str
        ``"WeBank"`` or ``"MYbank"``.
    sigma : float, default=1.0
        Log-standard deviation of loan size (spread of the log-normal). Not stated for either bank.
    mean_loan : float or None
        WeBank: target average loan in CNY, default 8,000 (the article says only "under 1万").
        MYbank: ``None``; its mean follows from ``sigma`` and the 98%-under-5万 fact.
    min_loan : float, default=500.0
        Smallest loan in CNY (lower truncation). Not stated.
    overdue_rate : float
        Assumed overdue rate, inside the stated bound: WeBank 0.25% (bound 0.3%), MYbank 0.8%
        (bound 1%).
    lgd : float, default=0.6
        Loss given default for unsecured small loans, used in expected loss. Not stated.
    funding_share : float
        Share of loans funded by the main source: WeBank 0.80 from partner banks (stated);
        MYbank 0.65 from non-bank institutions' deposits (the midpoint of the stated 60–70%).
    borrower_type_weights : tuple of (str, float)
        Borrower-type mix. WeBank: individuals only. MYbank: equal thirds of small/micro
        enterprises, small merchants and rural operators (the article names them, no shares).
    """

    bank: str
    sigma: float = 1.0
    mean_loan: float | None = None
    min_loan: float = 500.0
    overdue_rate: float = 0.0025
    lgd: float = 0.6
    funding_share: float = 0.8
    borrower_type_weights: tuple[tuple[str, float], ...] = (("individual", 1.0),)


_ASSUMPTIONS = {
    "WeBank": LendingAssumptions(
        bank="WeBank", sigma=1.0, mean_loan=8_000.0, min_loan=500.0, overdue_rate=0.0025,
        lgd=0.6, funding_share=0.80, borrower_type_weights=(("individual", 1.0),),
    ),
    "MYbank": LendingAssumptions(
        bank="MYbank", sigma=1.0, mean_loan=None, min_loan=500.0, overdue_rate=0.008, lgd=0.6,
        funding_share=0.65,
        borrower_type_weights=(
            ("small/micro enterprise", 1 / 3),
            ("small merchant", 1 / 3),
            ("rural operator", 1 / 3),
        ),
    ),
}


def lending_assumptions(bank: str | None = None) -> LendingAssumptions | pd.DataFrame:
    """The documented default assumptions for one bank, or a table of both.

    Parameters
    ----------
    bank : str, optional
        One bank (any accepted spelling). When omitted, a tidy table of both banks.

    Returns
    -------
    LendingAssumptions or pandas.DataFrame
        The dataclass for one bank; otherwise a DataFrame with columns ``bank``, ``parameter``,
        ``value`` and ``kind`` (``"assumption"``, except WeBank's stated funding share and
        MYbank's implied mean).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.lending_assumptions("webank").mean_loan
    8000.0
    """
    if bank is not None:
        return _ASSUMPTIONS[_bank(bank, owner="lending_assumptions")]
    rows = []
    for name, a in _ASSUMPTIONS.items():
        for key, value in asdict(a).items():
            if key == "bank":
                continue
            kind = "assumption"
            if key == "borrower_type_weights":
                value = "; ".join(f"{k} {w:.0%}" for k, w in value)
            if name == "WeBank" and key == "funding_share":
                kind = "stated (fact W05)"
            if name == "MYbank" and key == "mean_loan":
                value, kind = "implied by sigma and fact M04", "implied"
            rows.append({"bank": name, "parameter": key, "value": str(value), "kind": kind})
    return pd.DataFrame(rows)


# --- loan-size calibration ---------------------------------------------------------------------


def _log_mass(a: float, b: float) -> float:
    """log(Φ(b) − Φ(a)) for a < b, stable in both tails."""
    if a > 0:
        a, b = -b, -a
    lb, la = special.log_ndtr(b), special.log_ndtr(a)
    return float(lb + np.log1p(-np.exp(la - lb)))


@dataclass
class LoanSizeModel:
    """A log-normal loan-size distribution truncated to ``[lower, upper]`` CNY.

    ``log(amount)`` is normal with mean ``mu`` and standard deviation ``sigma``, conditioned on
    ``lower <= amount <= upper``. Made by :func:`calibrate_loan_sizes`, which also fills
    ``checks``: one row per fact the calibration must honour (``fact_id``, ``fact``,
    ``required``, ``achieved``, ``holds``).
    """

    bank: str
    mu: float
    sigma: float
    lower: float
    upper: float
    checks: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def _ab(self) -> tuple[float, float]:
        return ((math.log(self.lower) - self.mu) / self.sigma,
                (math.log(self.upper) - self.mu) / self.sigma)

    def _dist(self) -> Any:
        a, b = self._ab()
        return stats.truncnorm(a, b, loc=self.mu, scale=self.sigma)

    def mean(self) -> float:
        """Mean loan size in CNY."""
        a, b = self._ab()
        s = self.sigma
        return float(math.exp(self.mu + s * s / 2 + _log_mass(a - s, b - s) - _log_mass(a, b)))

    def median(self) -> float:
        """Median loan size in CNY."""
        return self.quantile(0.5)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of loan size in CNY."""
        return float(np.exp(self._dist().ppf(q)))

    def cdf(self, x: float) -> float:
        """Share of loans of at most ``x`` CNY."""
        if x <= self.lower:
            return 0.0
        if x >= self.upper:
            return 1.0
        return float(self._dist().cdf(math.log(x)))

    def sample(self, n: int, *, random_state: int | np.random.Generator | None = None
               ) -> np.ndarray:
        """Draw ``n`` loan sizes (CNY) as a float64 array."""
        n = check_int(n, name="n", owner="LoanSizeModel.sample", low=0)
        rng = np.random.default_rng(random_state)
        y = self._dist().rvs(size=n, random_state=rng)
        return np.clip(np.exp(np.asarray(y, dtype="float64")), self.lower, self.upper)


def _solve_mu(fun: Any, lo: float, hi: float) -> float:
    return float(optimize.brentq(fun, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))


def _size_checks(model: LoanSizeModel, *, share_tolerance: float = 1e-6) -> pd.DataFrame:
    bank = model.bank
    limit = _fact(bank, "max_loan")
    rows = [{
        "fact_id": limit["fact_id"], "fact": "largest loan (CNY)",
        "required": f"<= {limit['value_std']:,.0f}", "achieved": model.upper,
        "holds": model.upper <= limit["value_std"],
    }]
    if bank == "WeBank":
        avg = _fact(bank, "average_loan_size")
        m = model.mean()
        rows.insert(0, {"fact_id": avg["fact_id"], "fact": "average loan (CNY)",
                        "required": f"< {avg['value_std']:,.0f}", "achieved": m,
                        "holds": m < avg["value_std"]})
    else:
        sh = _fact(bank, "share_loans_below_threshold")
        thr = sh["condition"] * UNIT_SCALE[sh["condition_unit"]]
        got = model.cdf(thr)
        rows.insert(0, {"fact_id": sh["fact_id"], "fact": f"share of loans below {thr:,.0f} CNY",
                        "required": f"= {sh['value_std']:.2f} (± {share_tolerance:g})",
                        "achieved": got, "holds": abs(got - sh["value_std"]) <= share_tolerance})
    out = pd.DataFrame(rows)
    out["holds"] = out["holds"].astype(bool)
    return out


def calibrate_loan_sizes(
    bank: str,
    *,
    sigma: float | None = None,
    mean_loan: float | None = None,
    min_loan: float | None = None,
    limit: float | None = None,
) -> LoanSizeModel:
    """Fit a truncated log-normal loan-size distribution that satisfies the bank's size facts.

    WeBank: average loan under 1万 (fact W04) and no loan above 20万 (W07). MYbank: 98% of loans
    below 5万 (M04) and no loan above 500万 (M11). One fact fixes ``mu``; the rest of the shape
    is free and exposed here.

    Parameters
    ----------
    bank : str
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"``.
    sigma : float, optional
        Log-standard deviation (> 0). Default: :class:`LendingAssumptions` (1.0).
    mean_loan : float, optional
        WeBank only: the average loan to hit, in CNY; must stay under the stated 1万 and above
        ``min_loan``. Default 8,000 (an assumption). MYbank's mean is implied, not chosen.
    min_loan : float, optional
        Smallest loan, CNY (default 500, an assumption).
    limit : float, optional
        Largest loan, CNY: the stated limit by default; may be lower, never higher.

    Returns
    -------
    LoanSizeModel
        With ``mu``, ``sigma``, ``lower``, ``upper``, methods ``mean``, ``median``, ``quantile``,
        ``cdf``, ``sample``, and ``checks`` (columns ``fact_id``, ``fact``, ``required``,
        ``achieved``, ``holds``); every check holds.

    Raises
    ------
    ParameterError
        Unknown bank; a non-positive sigma; targets no distribution can meet (a WeBank mean at or
        above 1万 or outside ``(min_loan, limit)``, a limit above the stated one, a MYbank limit
        or minimum that leaves no room on both sides of 5万, ``mean_loan`` for MYbank).

    Notes
    -----
    ``mu`` is found by root finding (Brent) on the truncated-normal moment formula
    E[e^Y] = exp(mu + sigma²/2)·[Φ(β−sigma) − Φ(α−sigma)] / [Φ(β) − Φ(α)] for WeBank's mean, and
    on the truncated CDF at 5万 for MYbank's share; both are monotone in ``mu``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> m = kq.calibrate_loan_sizes("WeBank", mean_loan=9000, sigma=0.8)
    >>> round(m.mean())
    9000
    >>> bool(m.checks["holds"].all())
    True
    """
    owner = "calibrate_loan_sizes"
    bank = _bank(bank, owner=owner)
    a = _ASSUMPTIONS[bank]
    sigma = check_number(a.sigma if sigma is None else sigma, name="sigma", owner=owner, low=0,
                         low_inclusive=False, high=10)
    lower = check_number(a.min_loan if min_loan is None else min_loan, name="min_loan",
                         owner=owner, low=0, low_inclusive=False)
    stated_limit = float(_fact(bank, "max_loan")["value_std"])
    upper = check_number(stated_limit if limit is None else limit, name="limit", owner=owner,
                         low=0, low_inclusive=False)
    if upper > stated_limit:
        msg = (f"{owner}: limit={upper:,.0f} CNY is above {bank}'s stated maximum loan of "
               f"{stated_limit:,.0f} CNY (fact {_fact(bank, 'max_loan')['fact_id']}). "
               "Pass a limit at or below it, or leave it out.")
        raise ParameterError(msg)
    if lower >= upper:
        msg = f"{owner}: min_loan={lower:,.0f} must be below limit={upper:,.0f} CNY."
        raise ParameterError(msg)
    lo_mu, hi_mu = math.log(lower) - 30 * sigma, math.log(upper) + 30 * sigma
    if bank == "WeBank":
        bound = float(_fact(bank, "average_loan_size")["value_std"])
        target = check_number(a.mean_loan if mean_loan is None else mean_loan, name="mean_loan",
                              owner=owner, low=0, low_inclusive=False)
        if target >= bound:
            msg = (f"{owner}: impossible calibration: mean_loan={target:,.0f} CNY breaks WeBank's "
                   f"stated average loan below {bound:,.0f} CNY (fact W04). "
                   f"Choose a mean under {bound:,.0f}.")
            raise ParameterError(msg)
        if not lower < target < upper:
            msg = (f"{owner}: impossible calibration: mean_loan={target:,.0f} CNY must lie "
                   f"strictly between min_loan={lower:,.0f} and limit={upper:,.0f}.")
            raise ParameterError(msg)

        def gap(mu: float) -> float:
            return math.log(LoanSizeModel(bank, mu, sigma, lower, upper).mean()) - math.log(target)
    else:
        if mean_loan is not None:
            msg = (f"{owner}: the article gives no average loan for MYbank, so mean_loan cannot "
                   "be set; its mean follows from sigma and the 98%-below-5万 fact. Pass sigma=.")
            raise ParameterError(msg)
        sh = _fact(bank, "share_loans_below_threshold")
        thr = float(sh["condition"] * UNIT_SCALE[sh["condition_unit"]])
        share = float(sh["value_std"])
        if not lower < thr < upper:
            msg = (f"{owner}: impossible calibration: MYbank's fact M04 puts {share:.0%} of loans "
                   f"below {thr:,.0f} CNY, which needs min_loan < {thr:,.0f} < limit; got "
                   f"min_loan={lower:,.0f}, limit={upper:,.0f}.")
            raise ParameterError(msg)

        def gap(mu: float) -> float:
            return LoanSizeModel(bank, mu, sigma, lower, upper).cdf(thr) - share
    try:
        mu = _solve_mu(gap, lo_mu, hi_mu)
    except ValueError as exc:  # pragma: no cover - guarded by the checks above
        msg = f"{owner}: no distribution meets {bank}'s size facts with sigma={sigma}: {exc}"
        raise ParameterError(msg) from exc
    model = LoanSizeModel(bank, mu, sigma, lower, upper)
    model.checks = _size_checks(model)
    if not model.checks["holds"].all():  # pragma: no cover - numerical safety net
        bad = model.checks.loc[~model.checks["holds"], "fact_id"].tolist()
        msg = f"{owner}: calibration for {bank} misses fact(s) {bad}; try another sigma."
        raise ParameterError(msg)
    log.debug("calibrated %s: mu=%.4f sigma=%.3f mean=%.0f", bank, mu, sigma, model.mean())
    return model


def size_sensitivity(bank: str, *, sigmas: Iterable[float] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
                     **kwargs: Any) -> pd.DataFrame:
    """How the calibrated loan-size distribution moves with the free log-sd ``sigma``.

    Parameters
    ----------
    bank : str
        One bank (any accepted spelling).
    sigmas : iterable of float, default=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
        The values of ``sigma`` to calibrate at.
    **kwargs
        Other arguments of :func:`calibrate_loan_sizes` (``mean_loan``, ``min_loan``, ``limit``).

    Returns
    -------
    pandas.DataFrame
        One row per sigma: ``bank``, ``sigma``, ``mu``, ``mean``, ``median``, ``p99`` (CNY),
        ``share_below_50k`` and ``all_facts_hold``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> t = kq.size_sensitivity("MYbank", sigmas=[0.5, 1.5])
    >>> bool(t["mean"].iloc[0] > t["mean"].iloc[1])
    True
    """
    rows = []
    for s in sigmas:
        m = calibrate_loan_sizes(bank, sigma=s, **kwargs)
        rows.append({"bank": m.bank, "sigma": float(s), "mu": m.mu, "mean": m.mean(),
                     "median": m.median(), "p99": m.quantile(0.99),
                     "share_below_50k": m.cdf(50_000.0),
                     "all_facts_hold": bool(m.checks["holds"].all())})
    return pd.DataFrame(rows)


# --- simulated loan books ----------------------------------------------------------------------


def _exact_labels(n: int, weights: Sequence[tuple[str, float]], rng: np.random.Generator
                  ) -> pd.Categorical:
    """Labels in exactly the given shares (largest remainder), in random order."""
    labels = [k for k, _ in weights]
    w = np.array([v for _, v in weights], dtype="float64")
    w = w / w.sum()
    raw = w * n
    counts = np.floor(raw).astype(int)
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    codes = np.repeat(np.arange(len(labels)), counts)
    rng.shuffle(codes)
    return pd.Categorical.from_codes(codes, categories=labels)


def _rescale_to_total(x: np.ndarray, total: float, lower: float, upper: float) -> np.ndarray:
    """Scale amounts so they sum to ``total`` while staying within [lower, upper]."""
    x = x.astype("float64").copy()
    for _ in range(200):
        free = (x > lower) & (x < upper)
        if not free.any():
            break
        need = total - x[~free].sum()
        x[free] *= need / x[free].sum()
        np.clip(x, lower, upper, out=x)
        if abs(x.sum() - total) <= 1e-11 * total:
            break
    free = np.flatnonzero((x > lower) & (x < upper))
    if free.size:  # put the last float residue on the free loan with the most headroom
        i = free[np.argmax(np.minimum(x[free] - lower, upper - x[free]))]
        x[i] += total - x.sum()
    return x


def simulate_loan_book(
    bank: str,
    *,
    n_loans: int | None = None,
    volume: float | None = None,
    random_state: int | np.random.Generator | None = 0,
    size_model: LoanSizeModel | None = None,
    overdue_rate: float | None = None,
    funding_share: float | None = None,
    borrower_type_weights: Sequence[tuple[str, float]] | None = None,
) -> pd.DataFrame:
    """Simulate a loan-level book for one bank that honours the article's facts.

    Amounts come from the calibrated size distribution; education and occupation follow the
    stated WeBank mixes (70% below junior college, 50% blue-collar service or manufacturing);
    borrower types, funding sources and overdue flags are assigned in *exact* shares, so the book
    reproduces the stated (or assumed) figures without sampling noise.

    Parameters
    ----------
    bank : str
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"``.
    n_loans : int, optional
        Number of loans. With ``volume`` alone it is ``round(volume / mean loan)``; with neither,
        10,000.
    volume : float, optional
        Total amount lent, CNY (> 0). When given, amounts are rescaled (within the size bounds)
        so that they add up to it exactly.
    random_state : int, Generator or None, default=0
        Seed for the draws.
    size_model : LoanSizeModel, optional
        From :func:`calibrate_loan_sizes`; the bank's default calibration otherwise.
    overdue_rate : float, optional
        Assumed overdue share, at least 0 and strictly below the stated bound (WeBank 0.3%,
        MYbank 1%). Default from :class:`LendingAssumptions`.
    funding_share : float, optional
        Share funded by the main source: WeBank must be the stated 0.80; MYbank within the
        stated 0.60–0.70 (default 0.65).
    borrower_type_weights : sequence of (str, float), optional
        Borrower-type mix; default from :class:`LendingAssumptions`.

    Returns
    -------
    pandas.DataFrame
        One row per loan, RangeIndex: ``loan_id`` (int64), ``bank`` (category), ``amount``
        (float64 CNY), ``borrower_type``, ``education``, ``occupation``, ``funding_source``
        (categories; "not stated" where the article gives nothing) and ``overdue`` (bool).
        ``attrs`` holds ``bank`` and ``volume_requested``.

    Raises
    ------
    ParameterError
        Unknown bank, negative or zero volume, a volume the size bounds cannot reach with
        ``n_loans`` loans (or one whose average breaks WeBank's 1万 bound), an overdue rate or
        funding share outside the stated bounds, a size model of the other bank.

    See Also
    --------
    loan_book_checks : the fact-by-fact check table of a simulated book.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> book = kq.simulate_loan_book("MYbank", n_loans=500, volume=5_000_000, random_state=1)
    >>> round(book["amount"].sum())
    5000000
    >>> float(book["overdue"].mean())
    0.008
    """
    owner = "simulate_loan_book"
    bank = _bank(bank, owner=owner)
    a = _ASSUMPTIONS[bank]
    if size_model is None:
        size_model = calibrate_loan_sizes(bank)
    elif not isinstance(size_model, LoanSizeModel) or size_model.bank != bank:
        got = getattr(size_model, "bank", type(size_model).__name__)
        msg = (f"{owner}: size_model must be a LoanSizeModel for {bank} (from "
               f"calibrate_loan_sizes({bank!r})), got one for {got!r}.")
        raise ParameterError(msg)
    if volume is not None:
        volume = check_number(volume, name="volume", owner=owner, low=0, low_inclusive=False)
    if n_loans is None:
        n_loans = 10_000 if volume is None else max(1, round(volume / size_model.mean()))
    n = check_int(n_loans, name="n_loans", owner=owner, low=1, high=50_000_000)
    bound = float(_fact(bank, "overdue_rate")["value_std"])
    rate = check_number(a.overdue_rate if overdue_rate is None else overdue_rate,
                        name="overdue_rate", owner=owner, low=0)
    if rate >= bound:
        msg = (f"{owner}: overdue_rate={rate:g} is not below {bank}'s stated overdue bound "
               f"{bound:g} (fact {_fact(bank, 'overdue_rate')['fact_id']}). Pick a rate under it.")
        raise ParameterError(msg)
    share = check_number(a.funding_share if funding_share is None else funding_share,
                         name="funding_share", owner=owner, low=0, high=1)
    if bank == "WeBank":
        stated = float(_fact(bank, "share_loans_funded_by_banks")["value_std"])
        if abs(share - stated) > 1e-9:
            msg = (f"{owner}: WeBank's funding share is stated as {stated:.0%} (fact W05); "
                   f"got funding_share={share:g}. Leave it out.")
            raise ParameterError(msg)
        funding = (("partner banks", share), ("WeBank and other funds", 1 - share))
    else:
        f = _fact(bank, "share_funds_from_nonbank_institutions")
        lo, hi = float(f["value_std"]), float(f["value_high_std"])
        if not lo - 1e-12 <= share <= hi + 1e-12:
            msg = (f"{owner}: funding_share={share:g} is outside MYbank's stated range "
                   f"{lo:.0%}–{hi:.0%} (fact M08). Pick a share within it.")
            raise ParameterError(msg)
        funding = (("non-bank institution deposits", share), ("interbank and other", 1 - share))
    if volume is not None:
        avg = volume / n
        if not size_model.lower <= avg <= size_model.upper:
            msg = (f"{owner}: volume={volume:,.0f} over n_loans={n:,} gives {avg:,.0f} CNY a "
                   f"loan, outside the size bounds [{size_model.lower:,.0f}, "
                   f"{size_model.upper:,.0f}]. Change n_loans or volume.")
            raise ParameterError(msg)
        if bank == "WeBank":
            cap = float(_fact(bank, "average_loan_size")["value_std"])
            if avg >= cap:
                msg = (f"{owner}: volume={volume:,.0f} over n_loans={n:,} averages {avg:,.0f} "
                       f"CNY a loan, breaking WeBank's stated average below {cap:,.0f} (fact "
                       "W04). Use more loans or less volume.")
                raise ParameterError(msg)
    weights = a.borrower_type_weights if borrower_type_weights is None else borrower_type_weights
    weights = _check_weights(weights, owner=owner)

    rng = np.random.default_rng(random_state)
    amount = size_model.sample(n, random_state=rng)
    if volume is not None:
        amount = _rescale_to_total(amount, volume, size_model.lower, size_model.upper)
    if bank == "WeBank":
        edu = float(_fact(bank, "share_borrowers_below_junior_college")["value_std"])
        occ = float(_fact(bank, "share_borrowers_blue_collar")["value_std"])
        education = _exact_labels(n, (("below junior college", edu),
                                      ("junior college or above", 1 - edu)), rng)
        occupation = _exact_labels(n, (("blue-collar service/manufacturing", occ),
                                       ("other", 1 - occ)), rng)
    else:
        education = pd.Categorical(["not stated"] * n)
        occupation = pd.Categorical(["not stated"] * n)
    overdue = np.zeros(n, dtype=bool)
    overdue[rng.choice(n, size=round(rate * n), replace=False)] = True
    book = pd.DataFrame({
        "loan_id": np.arange(n, dtype="int64"),
        "bank": pd.Categorical([bank] * n, categories=list(BANKS)),
        "amount": amount,
        "borrower_type": _exact_labels(n, weights, rng),
        "education": education,
        "occupation": occupation,
        "funding_source": _exact_labels(n, funding, rng),
        "overdue": overdue,
    })
    book.attrs = {"bank": bank, "volume_requested": volume}
    return book


def _check_weights(weights: Any, *, owner: str) -> tuple[tuple[str, float], ...]:
    try:
        pairs = tuple((str(k), float(v)) for k, v in weights)
    except (TypeError, ValueError) as exc:
        msg = (f"{owner}: borrower_type_weights must be (label, weight) pairs, e.g. "
               f"[('small merchant', 0.5), ('rural operator', 0.5)]; got {weights!r}.")
        raise ParameterError(msg) from exc
    if not pairs or any(not math.isfinite(v) or v < 0 for _, v in pairs) or \
            sum(v for _, v in pairs) <= 0:
        msg = (f"{owner}: borrower_type_weights need non-negative finite weights with a "
               f"positive total; got {weights!r}.")
        raise ParameterError(msg)
    return pairs


def _book(data: Any, *, owner: str, amount_col: str = "amount") -> pd.DataFrame:
    require_frame(data, owner=owner)
    require_numeric(data, amount_col, owner=owner, nonnegative=True)
    if len(data) == 0:
        raise ParameterError(f"{owner}: the loan book is empty; pass at least one loan.")
    return data


def _book_bank(book: pd.DataFrame, *, owner: str) -> str:
    require_columns(book, ["bank"], owner=owner)
    banks = pd.unique(book["bank"].astype(str))
    if len(banks) != 1:
        msg = (f"{owner}: expected a book of one bank, found {len(banks)}: "
               f"[{_fmt_values(banks)}]. Split it by bank first.")
        raise ParameterError(msg)
    return _bank(banks[0], owner=owner)


def loan_book_checks(book: pd.DataFrame, *, volume: float | None = None,
                     share_tolerance: float = 0.01) -> pd.DataFrame:
    """Check a simulated (or real) loan book of one bank against that bank's facts.

    Parameters
    ----------
    book : pandas.DataFrame
        One row per loan with ``bank`` and ``amount``; ``overdue``, ``funding_source``,
        ``education`` and ``occupation`` are checked when present.
    volume : float, optional
        Total the amounts must add up to (relative tolerance 1e-9); by default the book's
        ``attrs["volume_requested"]`` when set.
    share_tolerance : float, default=0.01
        Allowed absolute gap for a sampled share against an "=" share fact (MYbank's 98%).

    Returns
    -------
    pandas.DataFrame
        One row per check: ``fact_id``, ``fact``, ``required``, ``achieved``, ``holds``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> book = kq.simulate_loan_book("WeBank", n_loans=2_000, random_state=0)
    >>> bool(kq.loan_book_checks(book)["holds"].all())
    True
    """
    owner = "loan_book_checks"
    book = _book(book, owner=owner)
    bank = _book_bank(book, owner=owner)
    tol = check_number(share_tolerance, name="share_tolerance", owner=owner, low=0, high=1)
    amount = book["amount"].to_numpy(dtype="float64")
    rows: list[dict[str, Any]] = []

    def add(fact_id: str, fact: str, required: str, achieved: float, holds: bool) -> None:
        rows.append({"fact_id": fact_id, "fact": fact, "required": required,
                     "achieved": float(achieved), "holds": bool(holds)})

    lim = _fact(bank, "max_loan")
    add(lim["fact_id"], "largest loan (CNY)", f"<= {lim['value_std']:,.0f}", amount.max(),
        amount.max() <= lim["value_std"])
    if bank == "WeBank":
        avg = _fact(bank, "average_loan_size")
        add(avg["fact_id"], "average loan (CNY)", f"< {avg['value_std']:,.0f}", amount.mean(),
            amount.mean() < avg["value_std"])
    else:
        sh = _fact(bank, "share_loans_below_threshold")
        thr = sh["condition"] * UNIT_SCALE[sh["condition_unit"]]
        got = float((amount < thr).mean())
        add(sh["fact_id"], f"share of loans below {thr:,.0f} CNY",
            f"≈ {sh['value_std']:.2f} (± {tol:g})", got, abs(got - sh["value_std"]) <= tol)
    if "overdue" in book:
        od = _fact(bank, "overdue_rate")
        rate = float(book["overdue"].astype(bool).mean())
        add(od["fact_id"], "overdue rate", f"< {od['value_std']:g}", rate, rate < od["value_std"])
    if "funding_source" in book:
        if bank == "WeBank":
            f = _fact(bank, "share_loans_funded_by_banks")
            got = float((book["funding_source"] == "partner banks").mean())
            add(f["fact_id"], "share funded by partner banks", f"= {f['value_std']:.2f}", got,
                abs(got - f["value_std"]) <= 1 / len(book))
        else:
            f = _fact(bank, "share_funds_from_nonbank_institutions")
            got = float((book["funding_source"] == "non-bank institution deposits").mean())
            add(f["fact_id"], "share funded by non-bank institutions",
                f"in [{f['value_std']:.2f}, {f['value_high_std']:.2f}]", got,
                f["value_std"] - 1 / len(book) <= got <= f["value_high_std"] + 1 / len(book))
    if bank == "WeBank":
        for col, label, metric in (
            ("education", "below junior college", "share_borrowers_below_junior_college"),
            ("occupation", "blue-collar service/manufacturing", "share_borrowers_blue_collar"),
        ):
            if col in book:
                f = _fact(bank, metric)
                got = float((book[col] == label).mean())
                add(f["fact_id"], f"share {label}", f"= {f['value_std']:.2f}", got,
                    abs(got - f["value_std"]) <= 1 / len(book))
    if volume is None:
        volume = book.attrs.get("volume_requested")
    if volume is not None:
        total = float(amount.sum())
        add("volume", "total amount lent (CNY)", f"= {volume:,.0f}", total,
            math.isclose(total, volume, rel_tol=1e-9))
    return pd.DataFrame(rows)


# --- decomposition and growth ------------------------------------------------------------------


def _count_volume(x: Any, *, owner: str, name: str, amount_col: str) -> tuple[float, float, str]:
    if isinstance(x, pd.DataFrame):
        _book(x, owner=owner, amount_col=amount_col)
        label = str(x["bank"].iloc[0]) if "bank" in x and x["bank"].nunique() == 1 else name
        return float(len(x)), float(x[amount_col].sum()), label
    if isinstance(x, Mapping):
        missing = [k for k in ("n_loans", "volume") if k not in x]
        if missing:
            msg = (f"{owner}: {name} as a mapping needs keys 'n_loans' and 'volume'; missing "
                   f"{missing}, present {sorted(map(str, x))}.")
            raise ParameterError(msg)
        n = check_number(x["n_loans"], name=f"{name}['n_loans']", owner=owner, low=0,
                         low_inclusive=False)
        v = check_number(x["volume"], name=f"{name}['volume']", owner=owner, low=0,
                         low_inclusive=False)
        return n, v, str(x.get("label", name))
    msg = (f"{owner}: {name} must be a loan book (DataFrame with '{amount_col}') or a mapping "
           f"with 'n_loans' and 'volume', got {type(x).__name__}.")
    raise ParameterError(msg)


def decompose_volume(book_a: Any, book_b: Any, *, amount_col: str = "amount") -> pd.DataFrame:
    """Split the volume gap between two books into a count effect and an average-size effect.

    Volume = number of loans × average loan, so
    ln(V_b/V_a) = ln(N_b/N_a) + ln(A_b/A_a). Each log ratio is weighted by the logarithmic mean
    L = (V_b − V_a) / ln(V_b/V_a) (the LMDI decomposition), which makes the two effects add up
    to the gap exactly, with no residual.

    Parameters
    ----------
    book_a, book_b : DataFrame or mapping
        Loan books (``amount`` per loan) or mappings ``{"n_loans": ..., "volume": ...,
        "label": ...}`` with positive numbers.
    amount_col : str, default="amount"
        Column of loan amounts in a book.

    Returns
    -------
    pandas.DataFrame
        Rows ``count``, ``average_size`` and ``total`` (index ``effect``) with columns
        ``label_a``, ``label_b``, ``a`` and ``b`` (loan counts, average loans in CNY, volumes in
        CNY), ``log_ratio``, ``contribution`` (CNY; count + average_size = total = V_b − V_a)
        and ``share`` of the gap.

    Raises
    ------
    ParameterError
        A non-positive count or volume, a missing key, an unsupported type.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> d = kq.decompose_volume({"n_loans": 100, "volume": 200.0},
    ...                         {"n_loans": 150, "volume": 450.0})
    >>> round(float(d.loc["count", "contribution"] + d.loc["average_size", "contribution"]), 6)
    250.0
    """
    owner = "decompose_volume"
    na, va, la = _count_volume(book_a, owner=owner, name="book_a", amount_col=amount_col)
    nb, vb, lb = _count_volume(book_b, owner=owner, name="book_b", amount_col=amount_col)
    aa, ab = va / na, vb / nb
    lv = math.log(vb / va)
    weight = (vb - va) / lv if lv != 0 else va
    ln_n, ln_a = math.log(nb / na), math.log(ab / aa)
    gap = vb - va
    count = weight * ln_n
    size = gap - count
    out = pd.DataFrame({
        "effect": ["count", "average_size", "total"],
        "label_a": la, "label_b": lb,
        "a": [na, aa, va], "b": [nb, ab, vb],
        "log_ratio": [ln_n, ln_a, lv],
        "contribution": [count, size, gap],
    }).set_index("effect")
    out["share"] = out["contribution"] / gap if gap != 0 else np.nan
    return out


def growth_path(start: float, *, monthly_rate: float | Sequence[float], months: int,
                label: str | None = None) -> pd.DataFrame:
    """Compound a starting value at a monthly growth rate.

    Parameters
    ----------
    start : float
        Value at month 0 (>= 0), in any unit (a count of firms, a balance in CNY, or 1 for an
        index).
    monthly_rate : float or sequence of float
        Month-on-month growth (0.12 for 12%); one rate for every month or one per month. Must be
        above -1 (a fall of 100% or more is impossible).
    months : int
        Number of months (>= 0).
    label : str, optional
        Name of the path (default from the rate, e.g. ``"12%/month"``).

    Returns
    -------
    pandas.DataFrame
        ``months + 1`` rows: ``month``, ``monthly_rate`` (NaN at month 0), ``value``,
        ``growth_factor`` (value / start, 1 at month 0) and ``label``.

    Raises
    ------
    ParameterError
        A rate at or below -100%, a negative start or months, a rate list of the wrong length.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> p = kq.growth_path(1.0, monthly_rate=0.12, months=5)
    >>> round(float(p["growth_factor"].iloc[-1]), 4)
    1.7623
    """
    owner = "growth_path"
    start = check_number(start, name="start", owner=owner, low=0)
    months = check_int(months, name="months", owner=owner, low=0, high=1200)
    if isinstance(monthly_rate, numbers.Real) and not isinstance(monthly_rate, bool):
        rates = [monthly_rate] * months
    elif isinstance(monthly_rate, Sequence | np.ndarray | pd.Series) and not isinstance(
            monthly_rate, str):
        rates = list(monthly_rate)
        if len(rates) != months:
            msg = (f"{owner}: monthly_rate has {len(rates)} rates but months={months}; give one "
                   "rate, or exactly one per month.")
            raise ParameterError(msg)
    else:
        msg = f"{owner}: monthly_rate must be a number or a list of numbers, got {monthly_rate!r}."
        raise ParameterError(msg)
    for i, r in enumerate(rates):
        r = check_number(r, name=f"monthly_rate[{i}]" if len(set(rates)) > 1 else "monthly_rate",
                         owner=owner)
        if r <= -1:
            msg = (f"{owner}: monthly_rate={r:g} means falling by {-r:.0%} or more in a month; "
                   "a rate must be above -1 (-100%).")
            raise ParameterError(msg)
    r = np.asarray(rates, dtype="float64")
    factor = np.concatenate([[1.0], np.cumprod(1 + r)])
    if label is None:
        label = f"{rates[0]:.0%}/month" if len(set(rates)) == 1 and rates else "custom"
    return pd.DataFrame({
        "month": np.arange(months + 1, dtype="int64"),
        "monthly_rate": np.concatenate([[np.nan], r]),
        "value": start * factor,
        "growth_factor": factor,
        "label": label,
    })


# --- comparing books ---------------------------------------------------------------------------


@dataclass
class BookComparison:
    """Result of :func:`compare_books`.

    Attributes
    ----------
    summary : pandas.DataFrame
        Tidy: ``metric``, ``bank`` (the book's label), ``value``, ``unit``, ``kind``
        (``measured`` from the book, ``assumption`` for LGD, ``derived`` for expected loss).
    tests : pandas.DataFrame
        One row per test: ``test``, ``quantity``, ``statistic``, ``p_value``, ``note``.
    """

    summary: pd.DataFrame
    tests: pd.DataFrame


def _lgd_for(lgd: Any, label: str, bank: str | None, *, owner: str) -> float:
    if lgd is None:
        value = _ASSUMPTIONS[bank].lgd if bank else 0.6
    elif isinstance(lgd, Mapping):
        key = next((k for k in lgd if str(k) == label or (bank and str(k).lower() in
                    (bank.lower(), _BANK_ZH[bank]))), None)
        if key is None:
            msg = f"{owner}: lgd has no entry for {label!r}; keys are {list(lgd)}."
            raise ParameterError(msg)
        value = lgd[key]
    else:
        value = lgd
    return check_number(value, name="lgd", owner=owner, low=0, high=1)


def compare_books(
    book_a: pd.DataFrame,
    book_b: pd.DataFrame,
    *,
    lgd: float | Mapping[str, float] | None = None,
    threshold: float = 50_000.0,
    amount_col: str = "amount",
    overdue_col: str = "overdue",
) -> BookComparison:
    """Compare two loan books: sizes, overdue rates, expected loss, with statistical tests.

    Parameters
    ----------
    book_a, book_b : pandas.DataFrame
        Loan books with ``amount`` and ``overdue`` (bool); ``bank`` labels them when present.
    lgd : float or mapping, optional
        Loss given default (0–1), one for both books or ``{bank: lgd}``. Default: each bank's
        :class:`LendingAssumptions` value (0.6), an assumption.
    threshold : float, default=50_000.0
        Size threshold (CNY) for the share-below metric (MYbank's 5万 fact).
    amount_col, overdue_col : str
        Column names.

    Returns
    -------
    BookComparison
        ``summary`` (tidy: ``metric``, ``bank``, ``value``, ``unit``, ``kind``) with
        ``n_loans``, ``volume``, ``mean_amount``, ``median_amount``, ``p90_amount``,
        ``max_amount``, ``share_below_threshold``, ``overdue_rate``, ``lgd``, ``expected_loss``
        and ``expected_loss_rate``; ``tests`` with a two-proportion z-test on overdue rates
        (statsmodels), and Mann–Whitney U and Kolmogorov–Smirnov tests on sizes (scipy).

    Notes
    -----
    Expected loss = PD × LGD × EAD, with PD taken as the book's overdue rate (an overdue loan is
    not necessarily a default: this proxy is an assumption), EAD the full amount lent, LGD the
    stated assumption.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> a = kq.simulate_loan_book("WeBank", n_loans=2_000, random_state=0)
    >>> b = kq.simulate_loan_book("MYbank", n_loans=2_000, random_state=0)
    >>> res = kq.compare_books(a, b)
    >>> list(res.tests["test"])
    ['two-proportion z-test', 'Mann-Whitney U', 'Kolmogorov-Smirnov']
    """
    from statsmodels.stats.proportion import proportions_ztest

    owner = "compare_books"
    thr = check_number(threshold, name="threshold", owner=owner, low=0, low_inclusive=False)
    parts, samples = [], []
    for name, book in (("book_a", book_a), ("book_b", book_b)):
        _book(book, owner=owner, amount_col=amount_col)
        require_columns(book, [overdue_col], owner=owner)
        bank = None
        label = name
        if "bank" in book and book["bank"].astype(str).nunique() == 1:
            label = str(book["bank"].iloc[0])
            bank = _BANK_ALIASES.get(label.lower())
        amt = book[amount_col].to_numpy(dtype="float64")
        od = book[overdue_col]
        if od.isna().any():
            msg = f"{owner}: {name}[{overdue_col!r}] has missing values; fill them first."
            raise SchemaError(msg, column=overdue_col)
        od = od.astype(bool).to_numpy()
        g = _lgd_for(lgd, label, bank, owner=owner)
        pd_rate = float(od.mean())
        ead = float(amt.sum())
        el = pd_rate * g * ead
        metrics = [
            ("n_loans", float(len(amt)), "loans", "measured"),
            ("volume", ead, "CNY", "measured"),
            ("mean_amount", float(amt.mean()), "CNY", "measured"),
            ("median_amount", float(np.median(amt)), "CNY", "measured"),
            ("p90_amount", float(np.quantile(amt, 0.9)), "CNY", "measured"),
            ("max_amount", float(amt.max()), "CNY", "measured"),
            ("share_below_threshold", float((amt < thr).mean()), "fraction", "measured"),
            ("overdue_rate", pd_rate, "fraction", "measured"),
            ("lgd", g, "fraction", "assumption"),
            ("expected_loss", el, "CNY", "derived"),
            ("expected_loss_rate", el / ead if ead > 0 else np.nan, "fraction", "derived"),
        ]
        parts.append(pd.DataFrame(metrics, columns=["metric", "value", "unit", "kind"])
                     .assign(bank=label))
        samples.append((label, amt, od))
    if samples[0][0] == samples[1][0]:
        for p, suffix in zip(parts, ("a", "b"), strict=True):
            p["bank"] = p["bank"] + f" ({suffix})"
    summary = pd.concat(parts, ignore_index=True)[["metric", "bank", "value", "unit", "kind"]]
    (_, xa, oa), (_, xb, ob) = samples
    counts = np.array([oa.sum(), ob.sum()])
    nobs = np.array([len(oa), len(ob)])
    if counts.sum() == 0 or counts.sum() == nobs.sum():
        z, pz, note = np.nan, np.nan, "no variation in overdue flags: test undefined"
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            z, pz = proportions_ztest(counts, nobs)
        note = "H0: equal overdue rates (pooled variance)"
    mw = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    ks = stats.ks_2samp(xa, xb)
    tests = pd.DataFrame([
        {"test": "two-proportion z-test", "quantity": "overdue rate", "statistic": float(z),
         "p_value": float(pz), "note": note},
        {"test": "Mann-Whitney U", "quantity": "loan size", "statistic": float(mw.statistic),
         "p_value": float(mw.pvalue), "note": "H0: neither book's loans tend to be larger"},
        {"test": "Kolmogorov-Smirnov", "quantity": "loan size", "statistic": float(ks.statistic),
         "p_value": float(ks.pvalue), "note": "H0: same size distribution"},
    ])
    return BookComparison(summary=summary, tests=tests)


# --- risk tolerance ----------------------------------------------------------------------------


def make_applicant_pool(
    n_applicants: int = 10_000,
    *,
    intercept: float = -4.5,
    slope: float = 1.0,
    size_model: LoanSizeModel | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """A synthetic pool of loan applicants with a credit score and a default probability.

    ``score`` is standard normal; the probability of going overdue follows a logit,
    ``logit(pd) = intercept − slope × score`` (higher score, lower risk); the requested
    ``amount`` is drawn independently from ``size_model``.

    Parameters
    ----------
    n_applicants : int, default=10_000
        Pool size.
    intercept : float, default=-4.5
        Log-odds of going overdue at score 0 (about 1.1%); an assumption.
    slope : float, default=1.0
        How fast the log-odds fall per unit of score (> 0); an assumption.
    size_model : LoanSizeModel, optional
        Requested amounts; WeBank's default calibration when omitted.
    random_state : int, Generator or None, default=0
        Seed.

    Returns
    -------
    pandas.DataFrame
        One row per applicant: ``applicant_id``, ``score``, ``pd`` (probability), ``amount``
        (CNY).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> pool = kq.make_applicant_pool(1_000, random_state=0)
    >>> bool(pool["pd"].between(0, 1).all())
    True
    """
    owner = "make_applicant_pool"
    n = check_int(n_applicants, name="n_applicants", owner=owner, low=1, high=50_000_000)
    b0 = check_number(intercept, name="intercept", owner=owner)
    b1 = check_number(slope, name="slope", owner=owner, low=0, low_inclusive=False)
    if size_model is None:
        size_model = calibrate_loan_sizes("WeBank")
    rng = np.random.default_rng(random_state)
    score = rng.standard_normal(n)
    return pd.DataFrame({
        "applicant_id": np.arange(n, dtype="int64"),
        "score": score,
        "pd": special.expit(b0 - b1 * score),
        "amount": size_model.sample(n, random_state=rng),
    })


def _tolerances(tolerance: Any, *, owner: str) -> list[tuple[str, float]]:
    items = [tolerance] if isinstance(tolerance, str | numbers.Real) else list(tolerance)
    if not items:
        raise ParameterError(f"{owner}: tolerance is empty; pass a number or a bank name.")
    out = []
    for t in items:
        if isinstance(t, str):
            bank = _bank(t, owner=owner, name_arg="tolerance (bank name)")
            out.append((bank, float(_fact(bank, "overdue_rate")["value_std"])))
            continue
        v = check_number(t, name="tolerance", owner=owner)
        if not 0 < v < 1:
            msg = (f"{owner}: tolerance={v:g} must be strictly between 0 and 1 (an overdue-rate "
                   "bound such as 0.003 for 0.3%).")
            raise ParameterError(msg)
        out.append((f"{v:.2%}", v))
    return out


def approval_under_tolerance(
    data: pd.DataFrame | None = None,
    *,
    tolerance: Any = ("WeBank", "MYbank"),
    score_col: str = "score",
    pd_col: str = "pd",
    amount_col: str = "amount",
    n_applicants: int = 10_000,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """How much a lender can approve when its tolerated overdue rate is fixed.

    The article's argument runs: funding source → risk tolerance → volume. Here a lender ranks
    applicants by score and approves from the best down to the lowest score at which the
    approved pool's expected overdue rate (the mean ``pd``) still meets its bound. A looser
    bound can only add applicants, so approvals never fall as tolerance rises.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Applicants with ``score``, ``pd`` (0–1) and ``amount``; a default pool from
        :func:`make_applicant_pool` when omitted.
    tolerance : float, str or sequence, default=("WeBank", "MYbank")
        Bounds on the approved pool's expected overdue rate, each strictly in (0, 1), or a bank
        name meaning that bank's stated bound (WeBank 0.3%, MYbank 1%).
    score_col, pd_col, amount_col : str
        Column names in ``data``.
    n_applicants : int, default=10_000
        Size of the default pool (ignored when ``data`` is given).
    random_state : int, Generator or None, default=0
        Seed of the default pool.

    Returns
    -------
    pandas.DataFrame
        One row per tolerance, in the order given: ``label``, ``tolerance``, ``approved``
        (count), ``approval_rate``, ``cutoff_score`` (lowest approved score; NaN if none),
        ``expected_overdue_rate``, ``volume`` (CNY) and ``mean_amount``.

    Raises
    ------
    ParameterError
        A tolerance outside (0, 1) or an unknown bank name.
    SchemaError
        Missing columns, or ``pd`` outside [0, 1].

    Examples
    --------
    >>> import kequn_lib as kq
    >>> t = kq.approval_under_tolerance(tolerance=[0.003, 0.01], n_applicants=2_000)
    >>> bool(t["approval_rate"].is_monotonic_increasing)
    True
    """
    owner = "approval_under_tolerance"
    tols = _tolerances(tolerance, owner=owner)
    if data is None:
        data = make_applicant_pool(n_applicants, random_state=random_state)
    require_frame(data, owner=owner)
    score = require_numeric(data, score_col, owner=owner).to_numpy()
    p = require_numeric(data, pd_col, owner=owner, nonnegative=True).to_numpy()
    amount = require_numeric(data, amount_col, owner=owner, nonnegative=True).to_numpy()
    if (p > 1).any():
        bad = data.index[p > 1]
        msg = (f"{owner}: column {pd_col!r} holds probabilities, but {len(bad)} row(s) exceed 1, "
               f"first at index [{_fmt_values(bad)}]. Pass probabilities in [0, 1].")
        raise SchemaError(msg, column=pd_col, rows=list(bad))
    n = len(score)
    order = np.argsort(-score, kind="stable")
    cum_mean = np.cumsum(p[order]) / np.arange(1, n + 1)
    cum_amount = np.cumsum(amount[order])
    ok = cum_mean <= np.asarray([t for _, t in tols])[:, None] * (1 + 1e-12)
    rows = []
    for (label, t), mask in zip(tols, ok, strict=True):
        k = int(np.flatnonzero(mask)[-1] + 1) if mask.any() else 0
        rows.append({
            "label": label, "tolerance": t, "approved": k,
            "approval_rate": k / n if n else np.nan,
            "cutoff_score": float(score[order[k - 1]]) if k else np.nan,
            "expected_overdue_rate": float(cum_mean[k - 1]) if k else np.nan,
            "volume": float(cum_amount[k - 1]) if k else 0.0,
            "mean_amount": float(cum_amount[k - 1] / k) if k else np.nan,
        })
    out = pd.DataFrame(rows)
    out["approved"] = out["approved"].astype("int64")
    return out
