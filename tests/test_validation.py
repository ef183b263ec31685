"""The shared door checks: random state semantics, value formatting and renamed keywords."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib import _validation as v
from kequn_lib.errors import ParameterError


def test_int_seed_matches_default_rng():
    a = v.check_random_state(42, owner="t").random(5)
    assert np.array_equal(a, np.random.default_rng(42).random(5))
    b = v.check_random_state(np.int32(42), owner="t").random(5)
    assert np.array_equal(a, b)


def test_generator_is_passed_through_and_advances():
    gen = np.random.default_rng(0)
    assert v.check_random_state(gen, owner="t") is gen


def test_none_draws_from_the_global_random_state_like_sklearn():
    saved = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002 - the legacy global state is what None means
        first = v.check_random_state(None, owner="t").random(4)
        np.random.seed(3)  # noqa: NPY002
        again = v.check_random_state(None, owner="t").random(4)
        assert np.array_equal(first, again)
        # without reseeding, the global state has moved on
        assert not np.array_equal(first, v.check_random_state(None, owner="t").random(4))
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def test_random_state_object_is_used_and_advanced():
    a = v.check_random_state(np.random.RandomState(5), owner="t").random(3)
    b = v.check_random_state(np.random.RandomState(5), owner="t").random(3)
    assert np.array_equal(a, b)
    rs = np.random.RandomState(5)
    v.check_random_state(rs, owner="t")
    assert not np.array_equal(v.check_random_state(rs, owner="t").random(3), a)


@pytest.mark.parametrize("bad", [-1, 1.5, "seed", True, [1, 2]])
def test_bad_random_states_are_parameter_errors(bad):
    with pytest.raises(ParameterError, match=r"owner_f: random_state must be None, a non-negative"):
        v.check_random_state(bad, owner="owner_f")


def test_negative_seed_message_gives_numpys_reason():
    with pytest.raises(ParameterError, match="numpy refuses it"):
        v.check_random_state(-3, owner="t")


def test_sklearn_random_state():
    assert v.sklearn_random_state(None, owner="t") is None
    rs = np.random.RandomState(0)
    assert v.sklearn_random_state(rs, owner="t") is rs
    assert v.sklearn_random_state(7, owner="t") == 7
    a = v.sklearn_random_state(np.random.default_rng(1), owner="t")
    assert a == v.sklearn_random_state(np.random.default_rng(1), owner="t")
    with pytest.raises(ParameterError, match="2\\*\\*32"):
        v.sklearn_random_state(2**40, owner="t")


def test_check_seed():
    assert v.check_seed(11, owner="t") == 11
    assert v.check_seed(np.random.default_rng(2), owner="t") == v.check_seed(
        np.random.default_rng(2), owner="t")
    with pytest.raises(ParameterError):
        v.check_seed(-1, owner="t")


def test_public_functions_share_the_semantics():
    """Every random step goes through the one converter: same int, same RandomState, same data."""
    a = kq.make_customers(n=50, random_state=np.random.RandomState(9))
    b = kq.make_customers(n=50, random_state=np.random.RandomState(9))
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError, match="make_customers: random_state"):
        kq.make_customers(n=50, random_state=-1)
    with pytest.raises(ParameterError, match="simulate_bgnbd: random_state"):
        kq.simulate_bgnbd(5, r=1, alpha=1, a=1, b=1, random_state=-1)


def test_fmt_values():
    assert v.fmt_values([]) == ""
    assert v.fmt_values(["a", "b"]) == "'a', 'b'"
    assert v.fmt_values(range(8), limit=2) == "0, 1, … (6 more)"


def _f(data, *, value_col="v"):
    return value_col


def test_renamed_keywords_warns_and_forwards():
    f = v.renamed_keywords(column="value_col")(_f)
    with pytest.warns(FutureWarning, match=r"_f: the keyword column= is deprecated .* kequn "
                      + v.REMOVAL_RELEASE.replace(".", r"\.") + "; use value_col= instead"):
        assert f(None, column="x") == "x"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(None, value_col="y") == "y"
        assert f(None) == "v"
    with pytest.raises(ParameterError, match="pass only value_col="):
        f(None, column="x", value_col="y")


def test_renamed_keywords_across_the_api():
    """Every deprecated column keyword maps to a ``*_col`` keyword of the function's signature,
    and the old name is gone from the signature."""
    import inspect

    seen = {}
    for name in kq.__all__:
        obj = getattr(kq, name)
        renames = getattr(obj, "__renamed_keywords__", None)
        if renames:
            params = inspect.signature(obj).parameters
            for old, new in renames.items():
                assert new.endswith("_col") and new in params and old not in params, (name, old)
            seen[name] = renames
    assert {"aum_tiers", "pareto_tiers", "tier_migration", "estimate_wallet", "value_matrix",
            "value_matrix_summary", "layer_funnel", "plot_tier_distribution", "plot_rfm",
            "plot_segment_profile"} <= set(seen)


def test_old_column_keywords_still_work_with_a_future_warning():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "balance": [1_000.0, 80_000.0, 7e6],
                       "c": [5.0, 1.0, 9.0], "p": [0.0, 3.0, 1.0]})
    with pytest.warns(FutureWarning, match="use aum_col= instead"):
        old = kq.aum_tiers(df, column="balance")
    pd.testing.assert_series_equal(old, kq.aum_tiers(df, aum_col="balance"))
    with pytest.warns(FutureWarning, match="use value_col= instead"):
        old = kq.pareto_tiers(df, column="balance")
    pd.testing.assert_series_equal(old, kq.pareto_tiers(df, value_col="balance"))
    with pytest.warns(FutureWarning, match="use contribution_col= instead"):
        old = kq.value_matrix(df, contribution="c", potential_col="p")
    new = kq.value_matrix(df, contribution_col="c", potential_col="p")
    pd.testing.assert_frame_equal(old, new)
    with pytest.raises(ParameterError, match="got both contribution= .* only contribution_col"):
        kq.value_matrix(df, contribution="c", contribution_col="c", potential_col="p")


def test_warnings_point_at_the_callers_line():
    """Warnings raised deep inside kequn (and through the renamed-keyword wrapper) name the
    user's file, not a kequn module."""
    df = pd.DataFrame({"customer_id": [1, 2], "aum": [1e3, 1e7],
                       "customer_kind": ["individual", "corporate"]})
    with pytest.warns(Warning) as seen:
        kq.aum_tiers(df, column="aum")
    assert {w.category.__name__ for w in seen} >= {"FutureWarning", "MixedKindsWarning"}
    assert {w.filename for w in seen} == {__file__}
