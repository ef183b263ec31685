"""Tests of kq.GammaGamma and kq.simulate_gamma_gamma."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import kequn_lib as kq
from kequn_lib.errors import KequnError, NotFittedError, ParameterError, SchemaError
from kequn_lib.spend import _gg_loglik

from .conftest import REPO

TRUE = {"p": 6.0, "q": 4.0, "v": 15.0}  # near the published CDNOW fit (6.25, 3.74, 15.44)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return kq.simulate_gamma_gamma(3000, **TRUE, random_state=1)


@pytest.fixture(scope="module")
def fitted(sim) -> kq.GammaGamma:
    return kq.GammaGamma().fit(sim)


def test_recovers_parameters_within_two_standard_errors_for_19_of_20_seeds():
    inside = {k: 0 for k in TRUE}
    for seed in range(20):
        model = kq.GammaGamma().fit(kq.simulate_gamma_gamma(3000, **TRUE, random_state=seed))
        z = (model.params_ - pd.Series(TRUE)) / model.standard_errors_
        for k in TRUE:
            inside[k] += bool(abs(z[k]) < 2)
    assert all(n >= 19 for n in inside.values()), inside


def test_loglik_matches_density_of_the_mean():
    """The mean of x Gamma(p, nu) draws, integrated over nu ~ Gamma(q, v), by quadrature."""
    from scipy import integrate, stats

    p, q, v = 2.0, 3.0, 10.0
    for x, m in [(1.0, 4.0), (3.0, 2.5), (7.0, 9.0)]:
        def f(nu, x=x, m=m):
            return (stats.gamma.pdf(m, a=p * x, scale=1 / (nu * x))
                    * stats.gamma.pdf(nu, a=q, scale=1 / v))

        direct = integrate.quad(f, 0, np.inf)[0]
        ll, _ = _gg_loglik(np.array([p, q, v]), np.array([x]), np.array([m]))
        np.testing.assert_allclose(ll[0], np.log(direct), rtol=1e-6)


def test_gradient_matches_finite_differences(sim):
    theta = np.array([3.0, 2.5, 8.0])
    x, m = sim["frequency"].to_numpy(), sim["monetary_value"].to_numpy()
    _, grad = _gg_loglik(theta, x, m)
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-6
        num = (_gg_loglik(theta + e, x, m)[0] - _gg_loglik(theta - e, x, m)[0]) / 2e-6
        np.testing.assert_allclose(grad[:, j], num, rtol=1e-4, atol=1e-6)


def test_fit_is_a_maximum(fitted, sim):
    x, m = sim["frequency"].to_numpy(), sim["monetary_value"].to_numpy()
    best = _gg_loglik(fitted.params_.to_numpy(), x, m)[0].sum()
    assert best == pytest.approx(fitted.log_likelihood_)
    for j in range(3):
        for f in (0.97, 1.03):
            theta = fitted.params_.to_numpy().copy()
            theta[j] *= f
            assert _gg_loglik(theta, x, m)[0].sum() < best


def test_conditional_expected_spend_shrinks_to_the_population_mean(fitted, sim):
    p, q, v = fitted.params_
    pop = p * v / (q - 1)
    assert fitted.population_mean_spend_ == pytest.approx(pop)
    e = fitted.conditional_expected_spend(sim)
    assert e.index.equals(sim.index) and e.name == "expected_spend"
    own = sim["monetary_value"]
    lo, hi = np.minimum(own, pop), np.maximum(own, pop)
    assert ((e >= lo - 1e-9) & (e <= hi + 1e-9)).all()  # between own mean and population mean
    one = pd.DataFrame({"frequency": [1.0, 50.0], "monetary_value": [100.0, 100.0]})
    e1 = fitted.conditional_expected_spend(one)
    assert abs(e1.iloc[1] - 100) < abs(e1.iloc[0] - 100)  # more history, less shrinkage
    zero = pd.DataFrame({"frequency": [0.0], "monetary_value": [0.0]})
    assert fitted.conditional_expected_spend(zero).iloc[0] == pytest.approx(pop)


def test_prediction_tracks_true_spend(fitted, sim):
    e = fitted.conditional_expected_spend(sim)
    err_model = np.abs(e - sim["true_mean_spend"]).mean()
    err_own = np.abs(sim["monetary_value"] - sim["true_mean_spend"]).mean()
    assert err_model < err_own  # shrinkage beats the customer's own average


def test_reports_frequency_spend_correlation():
    sim = kq.simulate_gamma_gamma(2000, **TRUE, random_state=3)
    assert abs(kq.GammaGamma().fit(sim).frequency_spend_correlation_) < 0.1
    linked = sim.assign(monetary_value=sim["monetary_value"] * sim["frequency"])
    assert kq.GammaGamma().fit(linked).frequency_spend_correlation_ > 0.3


def test_refuses_customers_without_repeat_purchase(sim):
    bad = sim.copy()
    bad.loc[[5, 9], "frequency"] = 0.0
    with pytest.raises(SchemaError, match="repeat buyers") as err:
        kq.GammaGamma().fit(bad)
    assert err.value.rows == [5, 9]
    assert "rfm[rfm['frequency'] > 0]" in str(err.value)
    assert isinstance(err.value, KequnError)


def test_refuses_non_positive_spend(sim):
    bad = sim.copy()
    bad.loc[[3], "monetary_value"] = -20.0
    with pytest.raises(SchemaError, match="must be > 0") as err:
        kq.GammaGamma().fit(bad)
    assert err.value.rows == [3] and err.value.column == "monetary_value"
    with pytest.raises(SchemaError, match="must be > 0"):
        kq.GammaGamma().fit(sim).conditional_expected_spend(bad)


@pytest.mark.parametrize(
    ("change", "exc", "fragment"),
    [
        (lambda d: d.drop(columns="monetary_value"), SchemaError, "monetary_value"),
        (lambda d: d.assign(frequency=d["frequency"] + 0.5), SchemaError, "whole numbers"),
        (lambda d: d.head(5), ParameterError, "too few"),
        (lambda d: d.iloc[:0], SchemaError, "empty"),
        (lambda d: d.assign(monetary_value=np.nan), SchemaError, "monetary_value"),
    ],
)
def test_fit_bad_input(sim, change, exc, fragment):
    with pytest.raises(exc, match=fragment):
        kq.GammaGamma().fit(change(sim))


def test_sklearn_contract(sim, fitted):
    model = kq.GammaGamma(penalizer_coef=0.01)
    assert model.get_params() == {"penalizer_coef": 0.01, "frequency_col": "frequency",
                                  "monetary_col": "monetary_value"}
    assert not hasattr(clone(fitted), "params_")
    with pytest.raises(NotFittedError, match="fit"):
        kq.GammaGamma().conditional_expected_spend(sim)
    with pytest.raises(ParameterError, match="penalizer_coef"):
        kq.GammaGamma(penalizer_coef=-1).fit(sim)
    renamed = sim.rename(columns={"frequency": "x", "monetary_value": "zbar"})
    other = kq.GammaGamma(frequency_col="x", monetary_col="zbar").fit(renamed)
    np.testing.assert_allclose(other.params_, fitted.params_)


def test_no_mutation(sim):
    before = sim.copy()
    kq.GammaGamma().fit(sim).conditional_expected_spend(sim)
    pd.testing.assert_frame_equal(sim, before)


def test_simulator():
    a = kq.simulate_gamma_gamma(500, **TRUE, frequency=4, random_state=2)
    b = kq.simulate_gamma_gamma(500, **TRUE, frequency=4, random_state=2)
    pd.testing.assert_frame_equal(a, b)
    assert (a["frequency"] == 4).all()
    # E[m] = E[p / nu] = p v / (q - 1)
    big = kq.simulate_gamma_gamma(200_000, **TRUE, random_state=0)
    assert big["monetary_value"].mean() == pytest.approx(6 * 15 / 3, rel=0.02)
    with pytest.raises(ParameterError, match="frequency"):
        kq.simulate_gamma_gamma(3, **TRUE, frequency=[1, 0, 2])
    with pytest.raises(ParameterError, match="q"):
        kq.simulate_gamma_gamma(3, p=1.0, q=-1.0, v=1.0)


def test_cdnow_summary_reproduces_the_published_fit():
    """Fader and Hardie's note on the Gamma-Gamma model: p=6.25, q=3.74, v=15.44."""
    hits = sorted((REPO / "bench" / ".venv-peers").glob(
        "lib/python*/site-packages/lifetimes/datasets/"
        "cdnow_customers_summary_with_transactions.csv"))
    if not hits:
        pytest.skip("CDNOW summary not found: build bench/.venv-peers (make bench) to run this")
    table = pd.read_csv(hits[0])
    model = kq.GammaGamma(frequency_col="x", monetary_col="zbar").fit(table[table["x"] > 0])
    np.testing.assert_allclose(model.params_, [6.25, 3.74, 15.44], rtol=3e-3)
