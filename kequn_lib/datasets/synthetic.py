"""The embedded synthetic bank: customers of the big four and their transaction log.

The generator is the default data source of every notebook. It is a *model*, not data: the
parameters below encode stylised facts (each bank's historical client focus, heavy-tailed
assets, persona-driven behaviour) and one calibration target with a public source (at China
Merchants Bank, customers with AUM of at least 50万 held about 81.5 % of retail AUM in 2023 H1;
here, individuals at or above 50万 hold 70–90 % of individual AUM while being under 10 % of the
headcount). Everything is vectorised numpy, so ten million customers take seconds.

Ground truth that a real bank never sees is kept in columns prefixed ``true_``:
``true_persona`` (the latent segment a customer was drawn from) and ``true_wallet`` (all the
customer's financial assets across all banks). Methods in kequn never read them; notebooks use
them only to check how well a method recovers the truth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import (
    check_int,
    check_option,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
    require_unique,
)
from ..errors import ParameterError

__all__ = ["BANKS", "PERSONAS", "make_customers", "make_transactions"]

log = logging.getLogger(__name__)

BANKS: dict[str, str] = {
    "ICBC": "工商银行 — industrial and commercial firms (工商企业)",
    "ABC": "农业银行 — agriculture and rural customers (农业)",
    "CCB": "建设银行 — construction and infrastructure (基本建设)",
    "BOC": "中国银行 — foreign-exchange business (外汇)",
}
"""The four banks of the synthetic market and their historical client focus."""

_BANK_WEIGHTS = np.array([0.30, 0.27, 0.25, 0.18])  # ICBC, ABC, CCB, BOC in a "mixed" market

INDIVIDUAL, CORPORATE = 0, 1


@dataclass(frozen=True)
class _Persona:
    """Parameters of one latent persona (a row of the generator's design table)."""

    name: str
    name_zh: str
    kind: int  # INDIVIDUAL or CORPORATE
    wallet_mu: float  # log of the median wallet (CNY)
    wallet_sigma: float
    tail_p: float  # chance of a Pareto-tail multiplier on the wallet
    sow_a: float  # share of wallet at this bank ~ Beta(sow_a, sow_b)
    sow_b: float
    wealth_a: float  # wealth share of AUM ~ Beta(wealth_a, wealth_b)
    wealth_b: float
    age_mean: float
    age_sd: float
    p_loan: float
    loan_mu: float
    p_remit: float
    remit_rate: float  # remittances per year when active
    p_fx: float
    fx_mu: float
    p_box: float
    app_rate: float  # mean app logins per 90 days
    rm_rate: float  # mean relationship-manager contacts per 90 days
    referral_rate: float  # mean referrals per 12 months
    product_rate: float
    region: tuple[float, float, float]  # urban, county, rural
    education: tuple[float, float, float, float, float]


_P = _Persona
PERSONA_TABLE: tuple[_Persona, ...] = (
    _P("mass_saver", "大众储户", INDIVIDUAL, np.log(6e4), 1.0, 0.002, 6, 2.5, 1.2, 8.0,
       56, 11, 0.10, np.log(8e4), 0.25, 4, 0.02, np.log(2e4), 0.02, 3, 0.25, 0.10, 0.6,
       (0.45, 0.35, 0.20), (0.25, 0.45, 0.17, 0.11, 0.02)),
    _P("young_digital", "年轻数字客群", INDIVIDUAL, np.log(7e4), 0.9, 0.004, 2.0, 4.0, 3.0,
       4.0, 29, 5, 0.25, np.log(5e4), 0.45, 10, 0.04, np.log(2e4), 0.01, 55, 0.05, 0.9, 1.6,
       (0.85, 0.12, 0.03), (0.01, 0.10, 0.29, 0.48, 0.12)),
    _P("affluent_professional", "富裕白领", INDIVIDUAL, np.log(5.5e5), 0.8, 0.03, 3.0, 3.0,
       5.0, 4.0, 42, 8, 0.35, np.log(4e5), 0.45, 8, 0.15, np.log(8e4), 0.10, 30, 2.2, 0.5, 3.5,
       (0.85, 0.13, 0.02), (0.01, 0.06, 0.20, 0.50, 0.23)),
    _P("rural_household", "县域农户", INDIVIDUAL, np.log(4.5e4), 0.9, 0.002, 7.0, 2.0, 1.0,
       12.0, 49, 11, 0.55, np.log(6e4), 0.30, 6, 0.005, np.log(1e4), 0.01, 6, 0.60, 0.35, 1.2,
       (0.05, 0.35, 0.60), (0.40, 0.45, 0.10, 0.05, 0.00)),
    _P("mortgage_family", "按揭家庭", INDIVIDUAL, np.log(1.6e5), 0.8, 0.005, 3.5, 3.5, 2.0,
       5.0, 36, 6, 0.95, np.log(9e5), 0.35, 6, 0.05, np.log(3e4), 0.03, 25, 0.6, 0.3, 2.8,
       (0.75, 0.22, 0.03), (0.03, 0.20, 0.30, 0.38, 0.09)),
    _P("private_wealth", "高净值私行", INDIVIDUAL, np.log(9e6), 0.9, 0.25, 2.5, 3.0, 7.0,
       3.0, 53, 9, 0.30, np.log(3e6), 0.60, 12, 0.50, np.log(1e6), 0.45, 12, 7.0, 1.5, 7.0,
       (0.92, 0.07, 0.01), (0.03, 0.12, 0.20, 0.40, 0.25)),
    _P("small_business", "小微商户", CORPORATE, np.log(4e5), 1.1, 0.02, 3.0, 3.0, 0.8,
       8.0, np.nan, np.nan, 0.55, np.log(5e5), 0.95, 180, 0.08, np.log(2e5), 0.05, 20, 1.5,
       0.4, 3.0, (0.55, 0.35, 0.10), (0, 0, 0, 0, 0)),
    _P("large_enterprise", "大中型企业", CORPORATE, np.log(6e7), 1.0, 0.20, 2.5, 3.0, 1.5,
       5.0, np.nan, np.nan, 0.80, np.log(5e7), 1.00, 900, 0.40, np.log(2e7), 0.10, 30, 6.0,
       0.2, 7.0, (0.90, 0.09, 0.01), (0, 0, 0, 0, 0)),
    _P("fx_trader", "外贸企业", CORPORATE, np.log(4e6), 1.0, 0.08, 2.5, 3.0, 1.0, 6.0,
       np.nan, np.nan, 0.50, np.log(3e6), 1.00, 400, 1.00, np.log(3e7), 0.05, 35, 3.0, 0.3,
       5.0, (0.85, 0.13, 0.02), (0, 0, 0, 0, 0)),
)
"""Design table of the latent personas (individual personas first, then corporate ones)."""

PERSONAS: dict[str, str] = {p.name: p.name_zh for p in PERSONA_TABLE}
"""Latent persona names (``true_persona`` categories) and their Chinese names."""

# Persona mix per bank (rows ICBC, ABC, CCB, BOC; columns in PERSONA_TABLE order). Each bank's
# historical focus shows: ABC rural households, CCB mortgages and large construction clients,
# BOC FX traders and affluent clients, ICBC small and large firms.
_BANK_PERSONA = np.array(
    [
        [0.34, 0.17, 0.10, 0.08, 0.15, 0.010, 0.100, 0.014, 0.026],  # ICBC
        [0.33, 0.10, 0.05, 0.34, 0.09, 0.005, 0.070, 0.005, 0.010],  # ABC
        [0.30, 0.15, 0.09, 0.10, 0.23, 0.010, 0.082, 0.018, 0.010],  # CCB
        [0.30, 0.16, 0.15, 0.05, 0.12, 0.015, 0.070, 0.010, 0.085],  # BOC
    ]
)
_BANK_PERSONA /= _BANK_PERSONA.sum(axis=1, keepdims=True)

INDUSTRIES = (
    "agriculture",
    "manufacturing",
    "commerce",
    "construction",
    "foreign_trade",
    "public_sector",
    "finance_it",
    "retired",
)
"""Industry (firms) or sector of employment (individuals); Chinese names in the dictionary."""

# Industry weights by persona, then tilted by bank focus.
_PERSONA_INDUSTRY = np.array(
    [
        [0.08, 0.20, 0.18, 0.08, 0.02, 0.12, 0.04, 0.28],  # mass_saver
        [0.02, 0.18, 0.22, 0.06, 0.04, 0.12, 0.36, 0.00],  # young_digital
        [0.01, 0.14, 0.16, 0.07, 0.06, 0.22, 0.34, 0.00],  # affluent_professional
        [0.70, 0.10, 0.08, 0.06, 0.00, 0.02, 0.00, 0.04],  # rural_household
        [0.02, 0.22, 0.20, 0.10, 0.04, 0.22, 0.20, 0.00],  # mortgage_family
        [0.02, 0.20, 0.22, 0.10, 0.08, 0.06, 0.22, 0.10],  # private_wealth
        [0.10, 0.20, 0.50, 0.15, 0.03, 0.00, 0.02, 0.00],  # small_business
        [0.04, 0.40, 0.18, 0.30, 0.03, 0.00, 0.05, 0.00],  # large_enterprise
        [0.02, 0.25, 0.10, 0.03, 0.60, 0.00, 0.00, 0.00],  # fx_trader
    ]
)
_BANK_INDUSTRY_TILT = np.array(
    [
        [1.0, 1.8, 1.6, 1.0, 1.0, 1.0, 1.0, 1.0],  # ICBC: industry and commerce
        [2.5, 1.0, 1.0, 1.0, 0.6, 1.0, 0.8, 1.0],  # ABC: agriculture
        [1.0, 1.0, 1.0, 2.5, 0.8, 1.0, 1.0, 1.0],  # CCB: construction and infrastructure
        [0.6, 1.0, 1.0, 0.8, 3.0, 1.0, 1.2, 1.0],  # BOC: foreign exchange
    ]
)
# Wallet effect (log scale) of the industry or sector of employment, in INDUSTRIES order.
_INDUSTRY_WALLET = np.array([-0.35, 0.0, 0.1, 0.05, 0.25, 0.15, 0.45, -0.1])
# Chance that a customer of each persona banks mainly elsewhere (PERSONA_TABLE order).
_ELSEWHERE_P = np.array([0.12, 0.40, 0.35, 0.08, 0.30, 0.40, 0.30, 0.25, 0.30])
REGIONS = ("urban", "county", "rural")
EDUCATION = ("primary", "secondary", "vocational", "bachelor", "postgraduate")
CARD_LEVELS = ("standard", "gold", "platinum", "diamond")
CARD_BARS = (5e4, 5e5, 5e6)  # AUM bars of gold 金卡, platinum 白金卡 and diamond 钻石卡 cards
TRANSACTION_KINDS = (
    "deposit",
    "withdrawal",
    "transfer",
    "payment",
    "wealth_purchase",
    "loan_repayment",
    "fx",
)
CHANNELS = ("app", "branch", "atm", "rm")




def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category per row from a row-wise probability matrix, vectorised."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(probs.shape[0])
    out = np.zeros(probs.shape[0], dtype=np.int8)
    for j in range(probs.shape[1] - 1):  # loop over categories, not rows
        out += u > cum[:, j]
    return out


def _pick_rows(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Draw one category per element, with probabilities ``table[row]`` (few distinct rows)."""
    cum = np.cumsum(table, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(row.shape[0])
    out = np.zeros(row.shape[0], dtype=np.int8)
    for j in range(table.shape[1] - 1):
        out += u > cum[row, j]
    return out


def make_customers(
    n: int = 50_000,
    *,
    bank: str = "mixed",
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Generate a synthetic customer table of the big four banks.

    Parameters
    ----------
    n : int, default=50_000
        Number of customers (rows), at least 1.
    bank : {"mixed", "ICBC", "ABC", "CCB", "BOC"}, default="mixed"
        ``"mixed"`` draws customers from all four banks (ICBC 30 %, ABC 27 %, CCB 25 %,
        BOC 18 %); a bank name generates that bank's customers only. Case-insensitive.
    random_state : int, numpy Generator or None, default=0
        Seed. The same integer gives the same table, byte for byte.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a RangeIndex and the columns of the data dictionary
        (``data/README.md``): identity (``customer_id``, ``bank``, ``customer_kind``,
        ``industry``, ``region``, ``age``, ``education``, ``tenure_months``), the four customer
        types as flags (``has_deposit`` 存取款, ``has_loan`` 贷款, ``has_remittance`` 汇兑结算,
        ``has_safe_box`` 保险箱), balances and flows in CNY (``deposit_balance``,
        ``wealth_balance``, ``aum``, ``loan_balance``, ``fx_volume_12m``, ``fee_income_12m``,
        ``remittance_count_12m``), status and engagement (``card_level``, ``products_held``,
        ``app_logins_90d``, ``rm_contacts_90d``, ``referrals_12m``) and the synthetic ground
        truth ``true_persona`` and ``true_wallet``.

    Raises
    ------
    ParameterError
        If ``n`` is not a positive integer, or ``bank`` is not one of the allowed values.

    See Also
    --------
    make_transactions : event log for these customers.
    load_customers : the same table from other sources.

    Notes
    -----
    Each customer is drawn from a latent persona (``PERSONAS``) whose mix depends on the bank.
    The *wallet* (all financial assets at all banks) is log-normal with a Pareto tail and depends
    on persona, education, region and age; the bank holds a Beta-distributed share of it, which
    is the customer's AUM (``aum = deposit_balance + wealth_balance``). Card levels follow AUM
    with noise (gold 金卡 from about 5万, platinum from 50万, diamond from 500万), since cards
    are reviewed with a lag. All parameters are assumptions chosen to reproduce stylised facts;
    they are not estimates from any bank's data.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=1_000, random_state=0)
    >>> customers.shape
    (1000, 26)
    >>> bool((customers["true_wallet"] >= customers["aum"]).all())
    True
    """
    owner = "make_customers"
    n = check_int(n, name="n", owner=owner, low=1)
    bank = check_option(bank, ["mixed", *BANKS], name="bank", owner=owner)
    rng = check_random_state(random_state, owner=owner)
    log.debug("generating %d customers (bank=%s)", n, bank)

    # --- who: bank, persona, kind --------------------------------------------------------------
    if bank == "mixed":
        bank_code = _pick_rows(rng, _BANK_WEIGHTS[None, :], np.zeros(n, dtype=np.int8))
    else:
        bank_code = np.full(n, list(BANKS).index(bank), dtype=np.int8)
    persona = _pick_rows(rng, _BANK_PERSONA, bank_code)
    par = _persona_arrays()
    kind = par["kind"][persona]
    is_ind = kind == INDIVIDUAL

    industry_probs = _PERSONA_INDUSTRY[:, None, :] * _BANK_INDUSTRY_TILT[None, :, :]
    industry_probs = industry_probs.reshape(-1, len(INDUSTRIES))
    industry = _pick_rows(rng, industry_probs, persona.astype(np.int16) * 4 + bank_code)
    region_table = np.array([p.region for p in PERSONA_TABLE])
    region = _pick_rows(rng, region_table, persona)
    abc_rural = (bank_code == 1) & (rng.random(n) < 0.25)  # ABC's county and rural network
    region = np.where(abc_rural, np.int8(2) - (rng.random(n) < 0.5), region).astype(np.int8)

    # --- individuals: age, education -----------------------------------------------------------
    age = np.clip(par["age_mean"][persona] + par["age_sd"][persona] * rng.standard_normal(n),
                  18, 92)
    edu_table = np.array([p.education for p in PERSONA_TABLE], dtype=float)
    edu_table[~np.isfinite(edu_table).all(axis=1) | (edu_table.sum(axis=1) == 0)] = 1.0
    education = _pick_rows(rng, edu_table, persona)

    # --- wallet (all banks) and this bank's share of it ----------------------------------------
    log_wallet = par["wallet_mu"][persona] + par["wallet_sigma"][persona] * rng.standard_normal(n)
    edu_effect = np.array([-0.55, -0.2, 0.05, 0.35, 0.65])[education]
    industry_effect = _INDUSTRY_WALLET[industry]
    region_effect = np.array([0.15, -0.05, -0.30])[region]
    age_effect = 0.35 * np.exp(-(((age - 55.0) / 18.0) ** 2)) - 0.15
    log_wallet += np.where(is_ind, edu_effect + age_effect, 0.0) + region_effect + industry_effect
    tail = rng.random(n) < par["tail_p"][persona]
    wallet = np.exp(log_wallet)
    wallet *= np.where(tail, 1.0 + rng.pareto(1.6, n), 1.0)
    share = rng.beta(par["sow_a"][persona], par["sow_b"][persona])
    # Some customers bank mainly elsewhere: this bank holds a small slice of a wallet that may be
    # large. They are the "high potential" customers that asset tiers rank low.
    elsewhere = rng.random(n) < _ELSEWHERE_P[persona]
    share = np.where(elsewhere, rng.beta(0.8, 7.0, n), share)
    aum = wallet * share
    no_deposit = rng.random(n) < np.where(is_ind, 0.02, 0.0)  # loan- or box-only customers
    aum[no_deposit] = 0.0
    wealth_share = rng.beta(par["wealth_a"][persona], par["wealth_b"][persona])
    wealth_balance = np.round(aum * wealth_share, 2)
    deposit_balance = np.round(aum, 2) - wealth_balance
    aum = deposit_balance + wealth_balance
    true_wallet = np.maximum(np.round(wallet, 2), aum)
    # free the temporaries early: peak memory stays near the size of the result
    del log_wallet, edu_effect, industry_effect, region_effect, age_effect, tail, wallet
    del share, elsewhere, wealth_share, no_deposit

    # --- products: loans, remittance, FX, safe box ---------------------------------------------
    has_loan = rng.random(n) < par["p_loan"][persona]
    loan_balance = np.where(
        has_loan, np.round(np.exp(par["loan_mu"][persona] + 0.7 * rng.standard_normal(n)), 2), 0.0
    )
    has_remittance = rng.random(n) < par["p_remit"][persona]
    remit_lam = par["remit_rate"][persona] * rng.gamma(2.0, 0.5, n)
    remittance_count = np.where(has_remittance, 1 + rng.poisson(remit_lam), 0).astype(np.int64)
    fx_bank_boost = np.where(bank_code == 3, 2.0, 1.0)  # BOC's foreign-exchange franchise
    has_fx = rng.random(n) < np.minimum(par["p_fx"][persona] * fx_bank_boost, 1.0)
    fx_volume = np.where(
        has_fx, np.round(np.exp(par["fx_mu"][persona] + 0.9 * rng.standard_normal(n)), 2), 0.0
    )
    has_safe_box = (rng.random(n) < par["p_box"][persona]) & is_ind
    has_deposit = deposit_balance > 0
    del remit_lam, fx_bank_boost

    # --- engagement ------------------------------------------------------------------------------
    digital = rng.gamma(2.0, 0.5, n)  # customer-level propensity, mean 1
    app_logins = rng.poisson(par["app_rate"][persona] * digital).astype(np.int64)
    wealth_signal = np.clip(np.log10(np.maximum(aum, 1.0) / 1e5), 0.0, 2.0)
    rm_contacts = rng.poisson(par["rm_rate"][persona] * (0.6 + 0.4 * wealth_signal)).astype(
        np.int64
    )
    referrals = rng.poisson(par["referral_rate"][persona] * rng.gamma(1.5, 1 / 1.5, n))
    products = (
        1
        + rng.poisson(par["product_rate"][persona] * 0.6)
        + has_loan
        + has_remittance
        + has_fx
        + has_safe_box
        + (wealth_balance > 0)
    ).astype(np.int64)
    tenure_cap = np.where(is_ind, (age - 18.0) * 12.0, 360.0)
    tenure = np.floor(rng.beta(1.6, 2.2, n) * np.maximum(tenure_cap, 1.0)).astype(np.int64) + 1
    del digital, wealth_signal, tenure_cap

    # --- fee income (12 months, CNY): wealth sales, remittance, FX, cards and boxes -------------
    fee_income = np.round(
        0.004 * wealth_balance
        + np.where(is_ind, 3.0, 12.0) * remittance_count
        + 0.0015 * fx_volume
        + 300.0 * has_safe_box
        + 0.002 * loan_balance
        + rng.gamma(2.0, 20.0, n),
        2,
    )

    # --- card level (individuals): AUM bars with review noise -----------------------------------
    card_aum = aum * np.exp(0.35 * rng.standard_normal(n))
    card = np.searchsorted(np.asarray(CARD_BARS), card_aum, side="right").astype(np.int8)
    card = np.where(is_ind, card, -1).astype(np.int8)
    del card_aum

    frame = {
        "customer_id": np.arange(1, n + 1, dtype=np.int64),
        "bank": pd.Categorical.from_codes(bank_code, list(BANKS)),
        "customer_kind": pd.Categorical.from_codes(kind.astype(np.int8),
                                                   ["individual", "corporate"]),
        "industry": pd.Categorical.from_codes(industry, list(INDUSTRIES)),
        "region": pd.Categorical.from_codes(region, list(REGIONS)),
        "age": pd.arrays.IntegerArray(np.where(is_ind, np.round(age), 0).astype(np.int64),
                                      mask=~is_ind),
        "education": pd.Categorical.from_codes(
            np.where(is_ind, education, -1).astype(np.int8), list(EDUCATION), ordered=True
        ),
        "tenure_months": tenure,
        "has_deposit": has_deposit,
        "has_loan": has_loan,
        "has_remittance": has_remittance,
        "has_safe_box": has_safe_box,
        "deposit_balance": deposit_balance,
        "wealth_balance": wealth_balance,
        "aum": aum,
        "loan_balance": loan_balance,
        "fx_volume_12m": fx_volume,
        "remittance_count_12m": remittance_count,
        "fee_income_12m": fee_income,
        "card_level": pd.Categorical.from_codes(card, list(CARD_LEVELS), ordered=True),
        "products_held": products,
        "app_logins_90d": app_logins,
        "rm_contacts_90d": rm_contacts,
        "referrals_12m": referrals.astype(np.int64),
        "true_persona": pd.Categorical.from_codes(persona, list(PERSONAS)),
        "true_wallet": true_wallet,
    }
    out = pd.DataFrame(frame, copy=False)  # no second copy of every column
    out.attrs["currency"] = "CNY"  # money columns are yuan (see kq.table_currency)
    return out


def _persona_arrays() -> dict[str, np.ndarray]:
    """Persona parameters as arrays indexed by persona code."""
    fields = _Persona.__dataclass_fields__
    return {
        f: np.array([getattr(p, f) for p in PERSONA_TABLE])
        for f in fields
        if f not in {"name", "name_zh", "region", "education"}
    }


def make_transactions(
    customers: pd.DataFrame,
    *,
    months: int = 12,
    start: str | pd.Timestamp = "2024-01-01",
    future_months: int = 0,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Generate a transaction log (event log) for a customer table.

    Activity follows each customer's engagement: app users transact more often and mostly in
    the app, relationship-managed customers buy wealth products through their manager, firms
    remit, FX customers trade currency, borrowers repay. Some customers fall silent partway
    through the period (churn), so recency carries information.

    Parameters
    ----------
    customers : pandas.DataFrame
        A customer table with ``customer_id`` (unique) and ``aum``. The engagement columns of
        :func:`make_customers` (``app_logins_90d``, ``rm_contacts_90d``,
        ``remittance_count_12m``, ``has_loan``, ``fx_volume_12m``, ``wealth_balance``,
        ``customer_kind``) are used when present; missing ones count as zero.
    months : int, default=12
        Length of the observation period in months (1–120).
    start : str or Timestamp, default="2024-01-01"
        First day of the period.
    future_months : int, default=0
        Also simulate this many months after the period (0–120), with the same customers
        and the same process: the events of the future come after those of the period in
        the log (from ``start + months`` on), and the period's events are exactly those
        of ``future_months=0``. Split the log with :func:`calibration_holdout` at the end of
        the period to get a real holdout, and a ground truth for lifetime value.
    random_state : int, numpy Generator or None, default=0
        Seed; the same seed and table give the same log.

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by ``date`` then ``customer_id``, with a RangeIndex and
        columns ``customer_id``, ``date`` (datetime64[ns], day resolution), ``amount`` (CNY,
        > 0), ``kind`` (category: deposit, withdrawal, transfer, payment, wealth_purchase,
        loan_repayment, fx) and ``channel`` (category: app, branch, atm, rm). A customer may
        have no events.

    Raises
    ------
    SchemaError
        If ``customer_id`` or ``aum`` is missing, ids repeat, or ``aum`` is negative or NaN.
    ParameterError
        If ``months`` is out of range or ``start`` is not a date.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=200, random_state=0)
    >>> log = kq.make_transactions(customers, months=3, random_state=0)
    >>> list(log.columns)
    ['customer_id', 'date', 'amount', 'kind', 'channel']
    >>> bool(log["customer_id"].isin(customers["customer_id"]).all())
    True
    """
    owner = "make_transactions"
    customers = require_frame(customers, owner=owner)
    require_columns(customers, ["customer_id", "aum"], owner=owner)
    require_unique(customers, "customer_id", owner=owner)
    aum = require_numeric(customers, "aum", owner=owner, nonnegative=True).to_numpy()
    months = check_int(months, name="months", owner=owner, low=1, high=120)
    future_months = check_int(future_months, name="future_months", owner=owner, low=0,
                              high=120)
    try:
        start_ts = pd.Timestamp(start).normalize()
    except (TypeError, ValueError):
        msg = f"{owner}: start={start!r} is not a date; pass e.g. start='2024-01-01'."
        raise ParameterError(msg) from None
    if pd.isna(start_ts):
        raise ParameterError(f"{owner}: start must be a date, got {start!r}.")
    rng = check_random_state(random_state, owner=owner)

    def col(name: str) -> np.ndarray:
        if name not in customers:
            return np.zeros(len(customers))
        return pd.to_numeric(customers[name], errors="coerce").fillna(0).to_numpy(dtype=float)

    app, rm = col("app_logins_90d"), col("rm_contacts_90d")
    remit, fx = col("remittance_count_12m"), col("fx_volume_12m")
    wealth, loan = col("wealth_balance"), col("has_loan")
    corporate = (
        (customers["customer_kind"] == "corporate").to_numpy(dtype=bool)
        if "customer_kind" in customers
        else np.zeros(len(customers), dtype=bool)
    )

    # events per month per customer
    monthly = 0.5 + 0.06 * app + 0.25 * rm + remit / 36.0 + 0.4 * loan + 0.5 * (fx > 0)
    monthly = np.minimum(monthly, 30.0)
    end = start_ts + pd.DateOffset(months=months)
    days = int((end - start_ts).days)
    # churn: about one customer in six goes silent at a random day of the period
    alive_days = np.where(rng.random(len(customers)) < 0.16,
                          rng.integers(1, max(days, 2), len(customers)), days)
    def draw(active: np.ndarray, offset: int) -> tuple[np.ndarray, ...]:
        """Events of every customer over ``active`` days from day ``offset``."""
        counts = rng.poisson(monthly * months * active / days)
        who = np.repeat(np.arange(len(customers)), counts)
        day = offset + np.floor(rng.random(who.size) * active[who]).astype(np.int64)

        # kind of each event: weights per customer, then one draw per event
        w = np.stack(
            [
                np.full(len(customers), 1.0),  # deposit
                np.full(len(customers), 0.8) + 0.01 * app,  # withdrawal
                0.4 + 0.02 * app + 3.0 * remit / (remit + 12.0),  # transfer
                0.3 + 0.05 * app,  # payment
                0.05 + 0.4 * rm + 0.2 * (wealth > 0),  # wealth purchase
                1.0 * loan,  # loan repayment
                2.0 * (fx > 0),  # fx
            ],
            axis=1,
        )
        kind = _pick_rows(rng, w, who)
        scale = np.maximum(aum, 2_000.0)[who]
        typical = np.where(corporate[who], 0.05, 0.03)
        amount = np.round(scale * typical * rng.lognormal(0.0, 0.9, who.size) + 10.0, 2)
        fx_event = kind == TRANSACTION_KINDS.index("fx")
        amount = np.where(fx_event, np.round(np.maximum(fx[who], 1e3) / 12.0
                                             * rng.lognormal(0.0, 0.5, who.size), 2), amount)

        cw = np.stack([0.2 + 0.05 * app, 0.3 + 0.2 * corporate, np.full(len(customers), 0.25),
                       0.1 * rm], axis=1)
        channel = _pick_rows(rng, cw, who)
        wealth_event = kind == TRANSACTION_KINDS.index("wealth_purchase")
        channel = np.where(wealth_event, np.where(rng.random(who.size) < 0.5, 3, channel),
                           channel).astype(np.int8)
        channel = np.where((channel == 3) & (rm[who] == 0), 1, channel).astype(np.int8)

        return who, day, kind, amount, channel

    who, day, kind, amount, channel = draw(alive_days, 0)
    if future_months:
        # the future: still-active customers go on at the same rate and go silent with the
        # same yearly chance (a constant hazard); silent ones stay silent
        future_days = int((end + pd.DateOffset(months=future_months) - end).days)
        hazard = -np.log1p(-0.16) / 365.0
        lifetime = rng.exponential(1.0 / hazard, len(customers))
        active = np.where(alive_days == days, np.minimum(lifetime, future_days), 0.0)
        parts = list(zip((who, day, kind, amount, channel), draw(active, days), strict=True))
        who, day, kind, amount, channel = (np.concatenate(p) for p in parts)
    order = np.lexsort((who, day))
    ids = customers["customer_id"].to_numpy()
    dates = np.datetime64(start_ts.date(), "D") + day[order].astype("timedelta64[D]")
    log_df = pd.DataFrame(
        {
            "customer_id": ids[who[order]],
            "date": pd.DatetimeIndex(dates.astype("datetime64[ns]")),
            "amount": amount[order],
            "kind": pd.Categorical.from_codes(kind[order], list(TRANSACTION_KINDS)),
            "channel": pd.Categorical.from_codes(channel[order], list(CHANNELS)),
        }
    )
    if (log_df["amount"] <= 0).any():  # pragma: no cover - amounts are >= 10 by construction
        bad = log_df.index[log_df["amount"] <= 0]
        raise ParameterError(f"{owner}: internal error, non-positive amounts at {fmt_values(bad)}")
    return log_df
