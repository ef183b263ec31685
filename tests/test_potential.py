"""Tests of kequn_lib.potential (wallet estimation, value matrix) and kequn_lib.bgnbd (BG/NBD fit
and simulator)."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import special
from scipy.stats import spearmanr
from sklearn.base import clone

import kequn_lib as kq
import kequn_lib.bgnbd as bgnbd_module
import kequn_lib.potential as potential_module
from kequn_lib.bgnbd import _bgnbd_loglik
from kequn_lib.errors import KequnError, ParameterError, SchemaError

# CDNOW-like parameters (weekly time unit), the scale of Fader, Hardie and Lee's example
TRUE = {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rfm_sim() -> pd.DataFrame:
    T = np.random.default_rng(11).uniform(27.0, 39.0, 5000)
    return kq.simulate_bgnbd(5000, **TRUE, T=T, holdout=39.0, random_state=7)


@pytest.fixture(scope="module")
def fitted(rfm_sim) -> kq.BGNBD:
    return kq.BGNBD().fit(rfm_sim)


def _toy_customers(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Customers whose wallet depends on profile and whose bank share varies independently."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "customer_id": np.arange(n) + 1000,
            "age": rng.integers(20, 80, n),
            "region": pd.Categorical(rng.choice(["urban", "county", "rural"], n)),
            "card_level": pd.Categorical(
                rng.choice(["standard", "gold", "platinum", None], n, p=[0.6, 0.25, 0.1, 0.05]),
                categories=["standard", "gold", "platinum", "diamond"],
                ordered=True,
            ),
            "tenure_months": rng.integers(1, 300, n),
            "has_loan": rng.random(n) < 0.3,
            "fee_income_12m": rng.exponential(200.0, n),
        },
        index=pd.RangeIndex(n).map(lambda i: f"c{i}"),
    )
    region_effect = df["region"].map({"urban": 1.0, "county": 0.3, "rural": 0.0}).astype(float)
    card_effect = df["card_level"].cat.codes.clip(lower=0) * 0.7
    log_wallet = 10 + 0.02 * df["age"] + region_effect + card_effect + rng.normal(0, 0.8, n)
    df["true_wallet"] = np.exp(log_wallet)
    df["aum"] = df["true_wallet"] * rng.beta(0.8, 1.2, n)
    return df


FEATURES = ["age", "region", "card_level", "tenure_months", "has_loan", "fee_income_12m"]


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return _toy_customers()


# --- BG/NBD: likelihood and fit ----------------------------------------------------------------


def test_loglik_matches_direct_formula():
    x = np.array([0.0, 1.0, 3.0, 7.0])
    tx = np.array([0.0, 5.0, 20.0, 30.0])
    T = np.array([30.0, 30.0, 35.0, 31.0])
    r, alpha, a, b = 0.4, 3.0, 0.9, 2.2
    ll, _ = _bgnbd_loglik(np.array([r, alpha, a, b]), x, tx, T)
    g = special.gamma(r + x) * alpha**r / special.gamma(r)
    direct = special.beta(a, b + x) / special.beta(a, b) * g / (alpha + T) ** (r + x)
    direct += np.where(
        x > 0,
        special.beta(a + 1, b + np.maximum(x, 1) - 1) / special.beta(a, b) * g
        / (alpha + tx) ** (r + x),
        0.0,
    )
    np.testing.assert_allclose(ll, np.log(direct), rtol=1e-10)


def test_gradient_matches_finite_differences(rfm_sim):
    x, tx, T = (rfm_sim[c].to_numpy(float) for c in ["frequency", "recency", "T"])
    theta = np.array([0.3, 5.0, 0.7, 2.0])
    _, grad = _bgnbd_loglik(theta, x, tx, T)
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        num = (_bgnbd_loglik(theta + e, x, tx, T)[0].sum()
               - _bgnbd_loglik(theta - e, x, tx, T)[0].sum()) / 2e-6
        assert grad[:, j].sum() == pytest.approx(num, rel=1e-5)


def test_parameter_recovery_within_standard_errors(fitted):
    est, se = fitted.params_, fitted.standard_errors_
    assert est.index.tolist() == ["r", "alpha", "a", "b"]
    assert fitted.converged_
    for name, value in TRUE.items():
        assert se[name] > 0
        # a meaningful tolerance: 3.5 standard errors, and SEs small enough to mean something
        assert abs(est[name] - value) < 3.5 * se[name], (name, est[name], se[name])
        assert se[name] < 0.5 * value
    s = fitted.summary_
    assert (s["lower_95"] < s["estimate"]).all() and (s["estimate"] < s["upper_95"]).all()
    assert np.allclose(np.sqrt(np.diag(fitted.covariance_)), se)
    assert fitted.n_customers_ == 5000
    assert fitted.log_likelihood_ < 0


def test_fit_is_maximum(fitted, rfm_sim):
    x, tx, T = (rfm_sim[c].to_numpy(float) for c in ["frequency", "recency", "T"])
    best = fitted.log_likelihood_
    for j in range(4):
        for step in (0.97, 1.03):
            theta = fitted.params_.to_numpy().copy()
            theta[j] *= step
            assert _bgnbd_loglik(theta, x, tx, T)[0].sum() < best


def test_fit_10k_is_fast():
    import time

    rfm = kq.simulate_bgnbd(10_000, **TRUE, T=39.0, random_state=3)
    start = time.perf_counter()
    kq.BGNBD().fit(rfm)
    assert time.perf_counter() - start < 5.0


def test_penalizer_shrinks_parameters(rfm_sim, fitted):
    pen = kq.BGNBD(penalizer_coef=0.1).fit(rfm_sim)
    assert (pen.params_**2).sum() < (fitted.params_**2).sum()
    assert pen.log_likelihood_ < fitted.log_likelihood_


def test_sklearn_style(fitted):
    model = kq.BGNBD(penalizer_coef=0.01)
    assert model.get_params() == {"penalizer_coef": 0.01, "frequency_col": "frequency",
                                  "recency_col": "recency", "T_col": "T"}
    assert not hasattr(model, "params_")
    assert clone(fitted).get_params()["penalizer_coef"] == 0.0
    assert "BGNBD" in repr(model)


def test_custom_column_names(rfm_sim, fitted):
    renamed = rfm_sim.rename(columns={"frequency": "f", "recency": "rec", "T": "age"})
    model = kq.BGNBD(frequency_col="f", recency_col="rec", T_col="age").fit(renamed)
    np.testing.assert_allclose(model.params_, fitted.params_, rtol=1e-6)
    assert model.p_alive(renamed.head(3)).index.tolist() == renamed.index[:3].tolist()


# --- BG/NBD: predictions -----------------------------------------------------------------------


def test_p_alive_properties(fitted, rfm_sim):
    pa = fitted.p_alive()
    assert pa.name == "p_alive"
    assert pa.index.equals(rfm_sim.index)
    assert ((pa > 0) & (pa <= 1)).all()
    assert (pa[rfm_sim["frequency"] == 0] == 1.0).all()
    # calibrated against the simulated truth
    assert pa.mean() == pytest.approx(rfm_sim["true_alive"].mean(), abs=0.03)
    # for fixed x and T, a more recent last purchase means more likely alive
    grid = pd.DataFrame({"frequency": 3, "recency": [5.0, 15.0, 25.0, 35.0], "T": 36.0})
    assert fitted.p_alive(grid).is_monotonic_increasing
    # for the same gap since the last purchase, frequent buyers' silence is more telling
    grid = pd.DataFrame({"frequency": [1, 3, 10], "recency": 10.0, "T": 36.0})
    assert fitted.p_alive(grid).is_monotonic_decreasing


def test_expected_purchases_properties(fitted, rfm_sim):
    ep = fitted.expected_purchases(39.0)
    assert ep.name == "expected_purchases"
    assert ep.index.equals(rfm_sim.index)
    assert (ep >= 0).all() and np.isfinite(ep).all()
    # calibrated against simulated hold-out purchases (standard error of that mean is ~0.03)
    actual = rfm_sim["true_holdout_purchases"]
    assert ep.mean() == pytest.approx(actual.mean(), abs=0.1)
    assert spearmanr(ep, actual).statistic > 0.3
    assert (fitted.expected_purchases(0.0) == 0).all()
    longer = fitted.expected_purchases(78.0)
    assert (longer >= ep).all()
    grid = pd.DataFrame({"frequency": [2, 4, 8], "recency": 30.0, "T": 32.0},
                        index=["x", "y", "z"])
    out = fitted.expected_purchases(10.0, grid)
    assert out.index.tolist() == ["x", "y", "z"]
    assert out.is_monotonic_increasing


def test_predictions_stable_for_heavy_buyers(fitted):
    grid = pd.DataFrame({"frequency": [200, 1000], "recency": [38.0, 39.0], "T": 39.0})
    ep = fitted.expected_purchases(39.0, grid)
    assert np.isfinite(ep).all() and (ep > 50).all()
    assert np.isfinite(fitted.p_alive(grid)).all()


def test_not_fitted_raises():
    with pytest.raises(KequnError, match="not fitted"):
        kq.BGNBD().p_alive()
    with pytest.raises(AttributeError, match="not fitted"):
        kq.BGNBD().expected_purchases(1.0)


def test_negative_t_raises(fitted):
    with pytest.raises(ParameterError, match="t must be >= 0"):
        fitted.expected_purchases(-1.0)


# --- BG/NBD: bad input -------------------------------------------------------------------------


def _small_rfm() -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": [0, 1, 2, 3, 0, 1, 4, 2, 0, 5, 1, 0],
         "recency": [0.0, 3.0, 8.0, 20.0, 0.0, 12.0, 25.0, 9.0, 0.0, 30.0, 2.0, 0.0],
         "T": [30.0, 31.0, 32.0, 33.0, 30.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0]},
        index=pd.Index(range(100, 112), name="customer_id"),
    )


@pytest.mark.parametrize(
    ("change", "exc", "fragment"),
    [
        (lambda d: d.assign(frequency=d["frequency"].replace(2, -2)), SchemaError,
         "non-negative"),
        (lambda d: d.assign(recency=d["recency"].replace(20.0, 40.0)), SchemaError,
         "must not exceed 'T'"),
        (lambda d: d.assign(recency=d["recency"].replace(3.0, 0.0)), SchemaError,
         "must have 'recency' > 0"),
        (lambda d: d.assign(recency=d["recency"].mask(d["frequency"] == 0, 1.0)), SchemaError,
         "must have 'recency' = 0"),
        (lambda d: d.assign(frequency=d["frequency"] + 0.5), SchemaError, "whole numbers"),
        (lambda d: d.assign(T=d["T"].replace(30.0, np.nan)), SchemaError, "no NaN"),
        (lambda d: d.assign(T=d["T"].replace(30.0, np.inf)), SchemaError, "finite"),
        (lambda d: d.drop(columns="T"), SchemaError, "missing column"),
        (lambda d: d.assign(frequency=d["frequency"].astype(str) + "x"), SchemaError,
         "must be numeric"),
        (lambda d: d.iloc[:0], SchemaError, "empty"),
        (lambda d: d.iloc[:5], ParameterError, "too few"),
        (lambda d: d.assign(frequency=0, recency=0.0), ParameterError, "no customer has a repeat"),
    ],
)
def test_fit_bad_input(change, exc, fragment):
    with pytest.raises(exc, match=fragment):
        kq.BGNBD().fit(change(_small_rfm()))


def test_fit_bad_input_names_rows():
    bad = _small_rfm()
    bad.loc[103, "recency"] = 99.0
    with pytest.raises(SchemaError) as info:
        kq.BGNBD().fit(bad)
    assert info.value.column == "recency"
    assert info.value.rows == [103]
    assert "103" in str(info.value)


def test_fit_bad_penalizer_and_frame():
    with pytest.raises(ParameterError, match="penalizer_coef must be >= 0"):
        kq.BGNBD(penalizer_coef=-1.0).fit(_small_rfm())
    with pytest.raises(KequnError, match="expected a pandas DataFrame"):
        kq.BGNBD().fit(_small_rfm().to_numpy())


def test_predict_validates_new_table(fitted):
    bad = pd.DataFrame({"frequency": [1], "recency": [50.0], "T": [40.0]})
    with pytest.raises(SchemaError, match="must not exceed"):
        fitted.p_alive(bad)
    with pytest.raises(SchemaError, match="missing column"):
        fitted.expected_purchases(1.0, bad.drop(columns="recency"))


def test_bgnbd_no_mutation(rfm_sim):
    before = rfm_sim.copy()
    model = kq.BGNBD().fit(rfm_sim)
    model.p_alive(rfm_sim)
    model.expected_purchases(5.0, rfm_sim)
    pd.testing.assert_frame_equal(rfm_sim, before)


# --- simulator ---------------------------------------------------------------------------------


def test_simulate_shape_and_determinism():
    a = kq.simulate_bgnbd(300, **TRUE, T=39.0, random_state=4)
    b = kq.simulate_bgnbd(300, **TRUE, T=39.0, random_state=4)
    pd.testing.assert_frame_equal(a, b)
    assert a.index.name == "customer_id" and len(a) == 300
    assert a["frequency"].dtype == "int64" and a["true_alive"].dtype == bool
    assert ((a["recency"] > 0) == (a["frequency"] > 0)).all()
    assert (a["recency"] <= a["T"]).all()
    assert not a.equals(kq.simulate_bgnbd(300, **TRUE, T=39.0, random_state=5))
    gen = kq.simulate_bgnbd(10, **TRUE, random_state=np.random.default_rng(0))
    assert "true_holdout_purchases" not in gen.columns


def test_simulate_moments():
    # mean purchase rate r / alpha and mean dropout a / (a + b) come back from the draws
    sim = kq.simulate_bgnbd(20_000, **TRUE, T=39.0, random_state=0)
    assert sim["true_lambda"].mean() == pytest.approx(TRUE["r"] / TRUE["alpha"], rel=0.05)
    assert sim["true_p"].mean() == pytest.approx(TRUE["a"] / (TRUE["a"] + TRUE["b"]), rel=0.05)
    dead = ~sim["true_alive"]
    assert (sim.loc[dead, "frequency"] >= 1).all()


def test_simulate_per_customer_T_and_holdout():
    T = np.linspace(1.0, 50.0, 100)
    sim = kq.simulate_bgnbd(100, **TRUE, T=T, holdout=10.0, random_state=1)
    np.testing.assert_allclose(sim["T"], T)
    assert (sim.loc[~sim["true_alive"], "true_holdout_purchases"] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"n_customers": 0}, ParameterError, "n_customers must be >= 1"),
        ({"n_customers": 2.5}, ParameterError, "must be an integer"),
        ({"r": 0.0}, ParameterError, "r must be >"),
        ({"b": -1.0}, ParameterError, "b must be >"),
        ({"alpha": np.nan}, ParameterError, "finite number"),
        ({"T": [1.0, 2.0]}, ParameterError, "one value per customer"),
        ({"T": -3.0}, ParameterError, "T must be finite and > 0"),
        ({"holdout": -1.0}, ParameterError, "holdout must be >= 0"),
        ({"random_state": "seed"}, ParameterError, "random_state"),
    ],
)
def test_simulate_bad_input(kwargs, exc, fragment):
    args = {"n_customers": 10, **TRUE, **kwargs}
    n = args.pop("n_customers")
    with pytest.raises(exc, match=fragment):
        kq.simulate_bgnbd(n, **args)


# --- wallet estimation -------------------------------------------------------------------------


def test_wallet_basic_properties(toy):
    out = kq.estimate_wallet(toy, features=FEATURES, na_category="missing")
    assert out.columns.tolist() == ["wallet_estimate", "potential", "share_of_wallet"]
    assert out.index.equals(toy.index)
    assert (out["wallet_estimate"] >= toy["aum"]).all()
    assert (out["potential"] >= 0).all()
    np.testing.assert_allclose(out["potential"], out["wallet_estimate"] - toy["aum"])
    assert out["share_of_wallet"].between(0, 1).all()
    rho = spearmanr(out["wallet_estimate"], toy["true_wallet"]).statistic
    assert rho > 0.4
    # the potential points at customers whose bank share is low
    true_share = toy["aum"] / toy["true_wallet"]
    assert spearmanr(out["share_of_wallet"], true_share).statistic > 0.4


def test_wallet_higher_quantile_larger_wallet(toy):
    low = kq.estimate_wallet(toy, features=FEATURES, quantile=0.5, na_category="missing")
    high = kq.estimate_wallet(toy, features=FEATURES, quantile=0.95, na_category="missing")
    assert high["wallet_estimate"].median() > low["wallet_estimate"].median()
    assert high["potential"].sum() > low["potential"].sum()


def test_wallet_ignores_row_order(toy):
    out = kq.estimate_wallet(toy, features=FEATURES, na_category="missing")
    shuffled = toy.sample(frac=1.0, random_state=0)
    out2 = kq.estimate_wallet(shuffled, features=FEATURES, na_category="missing")
    assert out2.index.equals(shuffled.index)
    np.testing.assert_allclose(out2.loc[toy.index, "wallet_estimate"], out["wallet_estimate"],
                               rtol=1e-3)


def test_wallet_string_categories(toy):
    as_str = toy.assign(region=toy["region"].astype(str))
    out = kq.estimate_wallet(as_str, features=["age", "region"])
    assert (out["wallet_estimate"] >= toy["aum"]).all()


def test_wallet_on_synthetic_bank():
    if not hasattr(kq, "make_customers"):
        pytest.skip("kq.make_customers not available yet")
    customers = kq.make_customers(n=5000, random_state=0)
    features = [c for c in ["customer_kind", "industry", "region", "tenure_months", "has_loan",
                            "has_remittance", "has_safe_box", "card_level", "products_held",
                            "app_logins_90d"] if c in customers.columns]
    out = kq.estimate_wallet(customers, features=features, na_category="missing")
    assert (out["wallet_estimate"] >= customers["aum"]).all()
    assert (out["potential"] >= 0).all()
    assert spearmanr(out["wallet_estimate"], customers["true_wallet"]).statistic > 0


@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"features": ["age", "true_wallet"]}, ParameterError, "ground truth"),
        ({"features": ["age", "aum"]}, ParameterError, "also listed in features"),
        ({"features": []}, ParameterError, "features is empty"),
        ({"features": ["age", "age"]}, ParameterError, "features repeat"),
        ({"features": ["age", 3]}, ParameterError, "must be strings"),
        ({"features": ["age", "income"]}, SchemaError, "missing column"),
        ({"target_col": "true_wallet"}, ParameterError, "ground truth"),
        ({"target_col": "balance"}, SchemaError, "needs an AUM column \\('balance'\\)"),
        ({"quantile": 0.0}, ParameterError, "quantile must be in"),
        ({"quantile": 1.0}, ParameterError, "quantile must be in"),
        ({"quantile": 1.5}, ParameterError, "quantile must be in"),
        ({"features": ["age", "card_level"]}, SchemaError, "missing value"),
        ({"log_features": "all"}, ParameterError, "log_features must be"),
        ({"log_features": ["region_code"]}, ParameterError, "not among features"),
        ({"max_iter": 0}, ParameterError, "max_iter"),
    ],
)
def test_wallet_bad_parameters(toy, kwargs, exc, fragment):
    args = {"features": ["age", "region"], **kwargs}
    with pytest.raises(exc, match=fragment):
        kq.estimate_wallet(toy, **args)


def test_wallet_bad_data(toy):
    nan_age = toy.assign(age=toy["age"].astype(float).mask(toy.index == "c5"))
    with pytest.raises(SchemaError, match=r"'age'.*no NaN") as info:
        kq.estimate_wallet(nan_age, features=["age", "region"])
    assert info.value.rows == ["c5"]
    neg_aum = toy.assign(aum=toy["aum"].mask(toy.index == "c3", -1.0))
    with pytest.raises(SchemaError, match=r"'aum'.*non-negative"):
        kq.estimate_wallet(neg_aum, features=["age", "region"])
    neg_fee = toy.assign(fee_income_12m=-toy["fee_income_12m"])
    with pytest.raises(SchemaError, match=r"'fee_income_12m'.*non-negative"):
        kq.estimate_wallet(neg_fee, features=["fee_income_12m"])
    with pytest.raises(ParameterError, match="too few customers"):
        kq.estimate_wallet(toy.head(20), features=["age", "region"])
    with pytest.raises(ParameterError, match="too few customers"):
        kq.estimate_wallet(toy.head(0), features=["age", "region"])
    with pytest.raises(KequnError, match="expected a pandas DataFrame"):
        kq.estimate_wallet(toy.to_dict(), features=["age"])


def test_wallet_no_mutation(toy):
    before = toy.copy()
    kq.estimate_wallet(toy, features=FEATURES, na_category="missing")
    pd.testing.assert_frame_equal(toy, before)


# --- value matrix ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valued() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 400
    return pd.DataFrame(
        {"contribution": rng.normal(500, 800, n),
         "potential": np.where(rng.random(n) < 0.3, 0.0, rng.lognormal(11, 1, n))},
        index=pd.Index(np.arange(n) * 3, name="customer_id"),
    )


def test_value_matrix_labels(valued):
    vm = kq.value_matrix(valued)
    assert vm.columns.tolist() == ["quadrant", "quadrant_zh"]
    assert vm.index.equals(valued.index)
    assert vm["quadrant"].cat.ordered
    assert vm["quadrant"].cat.categories.tolist() == ["develop", "keep", "grow", "observe"]
    assert vm["quadrant_zh"].cat.categories.tolist() == ["重点发展", "维护", "培育", "观察"]
    high_c = valued["contribution"] > valued["contribution"].median()
    high_p = valued["potential"] > valued["potential"].median()
    assert (vm.loc[high_c & high_p, "quadrant"] == "develop").all()
    assert (vm.loc[high_c & ~high_p, "quadrant"] == "keep").all()
    assert (vm.loc[~high_c & high_p, "quadrant"] == "grow").all()
    assert (vm.loc[~high_c & ~high_p, "quadrant"] == "observe").all()
    zh = vm["quadrant"].map(dict(zip(kq.VALUE_QUADRANTS["quadrant"],
                                     kq.VALUE_QUADRANTS["quadrant_zh"], strict=True)))
    assert (zh.astype(str) == vm["quadrant_zh"].astype(str)).all()


def test_value_matrix_cuts(valued):
    vm = kq.value_matrix(valued, contribution_cut=0.0, potential_cut=0.0)
    expected_develop = ((valued["contribution"] > 0) & (valued["potential"] > 0)).sum()
    assert (vm["quadrant"] == "develop").sum() == expected_develop
    top = kq.value_matrix(valued, quantile=0.8)
    assert (top["quadrant"] == "observe").mean() > 0.5


def test_value_matrix_summary(valued):
    s = kq.value_matrix_summary(valued)
    assert s["quadrant"].tolist() == ["develop", "keep", "grow", "observe"]
    assert s["n_customers"].sum() == len(valued)
    assert s["share_customers"].sum() == pytest.approx(1.0)
    assert s["total_contribution"].sum() == pytest.approx(valued["contribution"].sum())
    assert s["total_potential"].sum() == pytest.approx(valued["potential"].sum())
    assert s["share_potential"].sum() == pytest.approx(1.0)
    assert s["share_contribution"].sum() == pytest.approx(1.0)
    counts = kq.value_matrix(valued)["quadrant"].value_counts().reindex(s["quadrant"])
    assert counts.tolist() == s["n_customers"].tolist()
    assert (s["contribution_cut"] == valued["contribution"].median()).all()
    assert s["action"].str.len().gt(20).all()


def test_value_matrix_summary_keeps_empty_quadrants():
    df = pd.DataFrame({"contribution": [1.0, 2.0, 3.0], "potential": [0.0, 0.0, 0.0]})
    s = kq.value_matrix_summary(df)
    assert len(s) == 4
    assert s.set_index("quadrant").loc["develop", "n_customers"] == 0
    assert s["share_potential"].isna().all()


@pytest.mark.parametrize(
    ("change", "kwargs", "exc", "fragment"),
    [
        (lambda d: d.drop(columns="potential"), {}, SchemaError, "missing column"),
        (lambda d: d.assign(potential=-d["potential"] - 1), {}, SchemaError, "non-negative"),
        (lambda d: d.assign(contribution=np.nan), {}, SchemaError, "no NaN"),
        (lambda d: d.iloc[:0], {}, SchemaError, "empty"),
        (lambda d: d, {"quantile": 1.0}, ParameterError, "quantile must be in"),
        (lambda d: d, {"contribution_cut": np.inf}, ParameterError, "finite number"),
        (lambda d: d, {"potential_col": "wallet"}, SchemaError, "missing column"),
    ],
)
def test_value_matrix_bad_input(valued, change, kwargs, exc, fragment):
    for fn in (kq.value_matrix, kq.value_matrix_summary):
        with pytest.raises(exc, match=fragment):
            fn(change(valued), **kwargs)


def test_value_matrix_no_mutation(valued):
    before = valued.copy()
    kq.value_matrix(valued)
    kq.value_matrix_summary(valued)
    pd.testing.assert_frame_equal(valued, before)


# --- module conventions ------------------------------------------------------------------------


@pytest.mark.parametrize("module", [potential_module, bgnbd_module], ids=lambda m: m.__name__)
def test_public_names_exported(module):
    for name in module.__all__:
        assert getattr(kq, name) is getattr(module, name)


@pytest.mark.parametrize("module", [potential_module, bgnbd_module], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0
    assert result.failed == 0


# --- figures (kequn_lib/plots/potential.py) ----------------------------------------------------


def test_plot_p_alive(fitted, rfm_sim):
    import matplotlib.pyplot as plt

    from kequn_lib.plots.potential import plot_p_alive

    fig, ax = plt.subplots()
    out = plot_p_alive(model=fitted, ax=ax, max_frequency=5, n_recency=10)
    assert out is ax
    values = ax.collections[0].get_array().reshape(5, 10)
    # alive probability rises with recency along every row
    assert (np.diff(values, axis=1) > 0).all()
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_p_alive(rfm_sim.head(100), model=fitted, ax=ax)
    assert "T = " in ax.get_xlabel()
    plt.close(fig)
    with pytest.raises(ParameterError, match=r"fitted kq\.BGNBD"):
        plot_p_alive(model=kq.BGNBD())


def test_plot_docstring_examples_run():
    if not hasattr(kq, "plot_p_alive"):
        pytest.skip("kequn_lib.plots.potential is not wired into kequn_lib.plots yet")
    import matplotlib.pyplot as plt

    import kequn_lib.plots.potential as plots_module

    result = doctest.testmod(plots_module, optionflags=doctest.ELLIPSIS)
    plt.close("all")
    assert result.attempted > 0
    assert result.failed == 0
