"""No public function modifies the caller's frame.

Every public function (and estimator method) that takes a DataFrame is called once on small
synthetic data; afterwards each frame and Series passed in must equal a deep copy taken before
the call: values, dtypes, index, columns and ``attrs``. A second test fails when a public
function whose signature mentions a DataFrame has no entry in :data:`CALLS`, so a new function
cannot skip the check.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kequn_lib as kq

ATTRS = {"origin": "caller", "note": ["kept", "as", "is"]}
FEATURES = ["age", "tenure_months", "app_logins_90d", "products_held"]
MONEY = ["aum", "loan_balance"]


def _tag(obj: Any) -> Any:
    """Give a frame or Series caller-owned ``attrs`` (which must survive every call)."""
    obj.attrs.update(copy.deepcopy(ATTRS))
    return obj


@functools.cache
def inputs() -> dict[str, Any]:
    """Small valid inputs for every public function (built once; tests never modify them)."""
    kq.use_theme()  # a CJK font for the plots' Chinese labels
    customers = kq.make_customers(n=600, random_state=0)
    individuals = customers[customers["customer_kind"] == "individual"].copy()
    tx = kq.make_transactions(customers, months=3, random_state=0)
    rfm = kq.rfm(tx)
    weekly = kq.simulate_bgnbd(400, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)[
        ["frequency", "recency", "T"]]
    scores = kq.rfm_scores(rfm, bins=3)
    contrib = customers.join(kq.contribution(customers)[["contribution"]])
    valued = contrib.join(
        kq.estimate_wallet(contrib, features=["region", "tenure_months"], na_category="missing")
    )
    pipe = kq.segment_pipeline(numeric=FEATURES, money=MONEY, n_clusters=3, random_state=0)
    labels = pipe.fit_predict(individuals)
    seg = individuals.assign(seg=labels)
    groups = kq.dunbar_groups(seg, by="seg", features=FEATURES, money=MONEY, min_size=20,
                              max_size=60)
    profile = kq.profile_segments(individuals, labels, features=FEATURES + MONEY)
    panel = kq.make_panel(customers[["customer_id", "aum"]], periods=2, random_state=0)
    panel["tier"] = kq.aum_tiers(panel, id_col=None)
    before = panel[panel["period"] == 0]
    after = panel[panel["period"] == 1]
    we = kq.simulate_loan_book("WeBank", n_loans=400, random_state=0)
    my = kq.simulate_loan_book("MYbank", n_loans=400, random_state=1)
    pool = kq.make_applicant_pool(500, random_state=0)
    bank_raw = pd.DataFrame({
        "age": [30, 61], "job": ["admin.", "retired"], "marital": ["single", "married"],
        "education": ["tertiary", "primary"], "default": [False, False],
        "balance": [1200, -300], "housing": [True, False], "loan": [False, False],
        "campaign": [1, 2], "previous": [0, 3], "y": [False, True]})
    credit = {"ID": [1, 2], "LIMIT_BAL": [20000, 50000], "SEX": [2, 1], "EDUCATION": [2, 5],
              "MARRIAGE": [1, 2], "AGE": [24, 37]}
    credit |= {c: [0, 2] for c in ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]}
    credit |= {f"BILL_AMT{i}": [3913, -200] for i in range(1, 7)}
    credit |= {f"PAY_AMT{i}": [0, 1000] for i in range(1, 7)}
    credit["default payment next month"] = [1, 0]
    layers = kq.relationship_layers(individuals)
    frames = {
        "customers": customers, "individuals": individuals, "tx": tx, "rfm": rfm,
        "weekly": weekly, "scores": scores, "contrib": contrib, "valued": valued,
        "labels": labels, "seg": seg, "groups": groups, "profile": profile, "panel": panel,
        "before": before, "after": after, "we": we, "my": my, "pool": pool,
        "bank_raw": bank_raw, "credit_raw": pd.DataFrame(credit), "layers": layers,
        "layered": individuals.assign(layer=layers, seg=labels),
        "funnel": kq.layer_funnel(individuals.assign(seg=labels), layer_col=layers, by="seg"),
        "k_scores": kq.choose_k(individuals, pipe, k_range=range(2, 4), sample_size=300,
                                progress=False),
        "growth": kq.growth_path(1.0, monthly_rate=0.1, months=4, label="g"),
        "sens": kq.size_sensitivity("MYbank", sigmas=[0.8, 1.2]),
        "tolerance": kq.approval_under_tolerance(pool, tolerance=[0.005, 0.01]),
        "decomp": kq.decompose_volume(we, my),
        "roster": seg[["customer_id"]].join(groups),
    }
    frames = {k: _tag(v) if isinstance(v, pd.DataFrame | pd.Series) else v
              for k, v in frames.items()}
    frames["activity"] = _tag(kq.make_group_activity(frames["roster"], weeks=8, random_state=0))
    frames["health"] = _tag(kq.group_health(frames["activity"]))
    frames["group_weeks"] = _tag(kq.weekly_group_activity(frames["activity"]).join(
        kq.silent_groups(frames["activity"])["silent"], on="group_id"))
    frames["pipe"] = pipe
    frames["bgnbd"] = kq.BGNBD().fit(weekly)
    frames["spenders"] = _tag(kq.simulate_gamma_gamma(300, p=6.0, q=4.0, v=15.0))
    frames["gg"] = kq.GammaGamma().fit(frames["spenders"])
    split = _tag(kq.calibration_holdout(tx, calibration_end="2024-02-15", time_unit=7))
    frames["split"] = split
    frames["act"] = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
                       T_col="T_cal").fit(split)
    frames["gg_cal"] = kq.GammaGamma(frequency_col="frequency_cal",
                                     monetary_col="monetary_value_cal").fit(
        split[split["frequency_cal"] > 0])
    return frames


# name -> function of the inputs returning (callable, args, kwargs). Every DataFrame or Series
# among args/kwargs is checked after the call.
Call = Callable[[dict[str, Any]], tuple[Callable[..., Any], tuple, dict]]

CALLS: dict[str, Call] = {
    # schema and datasets
    "display_table": lambda f: (kq.display_table, (f["customers"],), {"caption": "All."}),
    "validate_customers": lambda f: (kq.validate_customers, (f["customers"],), {}),
    "validate_transactions": lambda f: (kq.validate_transactions, (f["tx"],), {}),
    "make_transactions": lambda f: (kq.make_transactions, (f["customers"],), {"months": 2}),
    "make_panel": lambda f: (kq.make_panel, (f["customers"],), {"periods": 2}),
    "bank_marketing_customers": lambda f: (kq.bank_marketing_customers, (f["bank_raw"],), {}),
    "credit_default_customers": lambda f: (kq.credit_default_customers, (f["credit_raw"],), {}),
    # tiering
    "aum_tiers": lambda f: (kq.aum_tiers, (f["customers"],), {}),
    "contribution": lambda f: (kq.contribution, (f["customers"],), {}),
    "pareto_tiers": lambda f: (kq.pareto_tiers, (f["contrib"],), {"value_col": "contribution"}),
    "concentration": lambda f: (kq.concentration, (f["customers"]["aum"],), {}),
    "rfm": lambda f: (kq.rfm, (f["tx"],), {}),
    "rfm_scores": lambda f: (kq.rfm_scores, (f["rfm"],), {"bins": 3}),
    "rfm_segments": lambda f: (kq.rfm_segments, (f["scores"],), {"bins": 3}),
    "tier_migration": lambda f: (kq.tier_migration, (f["before"], f["after"]), {}),
    "split_by_kind": lambda f: (kq.split_by_kind, (f["customers"],), {}),
    # potential
    "estimate_wallet": lambda f: (
        kq.estimate_wallet, (f["contrib"],), {"features": ["region", "tenure_months"],
                                              "na_category": "missing"}),
    "value_matrix": lambda f: (kq.value_matrix, (f["valued"],), {}),
    "value_matrix_summary": lambda f: (kq.value_matrix_summary, (f["valued"],), {}),
    "BGNBD.fit": lambda f: (kq.BGNBD().fit, (f["weekly"],), {}),
    "BGNBD.p_alive": lambda f: (f["bgnbd"].p_alive, (f["weekly"],), {}),
    "BGNBD.expected_purchases": lambda f: (
        f["bgnbd"].expected_purchases, (13,), {"rfm_table": f["weekly"]}),
    "calibration_holdout": lambda f: (
        kq.calibration_holdout, (f["tx"],), {"calibration_end": "2024-02-15"}),
    "GammaGamma.fit": lambda f: (kq.GammaGamma().fit, (f["spenders"],), {}),
    "GammaGamma.conditional_expected_spend": lambda f: (
        f["gg"].conditional_expected_spend, (f["spenders"],), {}),
    "clv": lambda f: (kq.clv, (f["act"], f["gg_cal"], f["split"]), {"n_draws": 0}),
    "clv_sample": lambda f: (kq.clv_sample, (f["split"],), {"n": 50,
                                                             "frequency_col": "frequency_cal"}),
    "contribution_margin": lambda f: (kq.contribution_margin, (f["customers"], f["tx"]), {}),
    "customer_equity": lambda f: (kq.customer_equity, (f["split"],), {
        "by": f["split"]["frequency_cal"].clip(upper=2), "value_col": "T_cal"}),
    "holdout_by_frequency": lambda f: (kq.holdout_by_frequency, (f["act"], f["split"]), {}),
    "holdout_errors": lambda f: (kq.holdout_errors, (f["act"], f["split"]), {}),
    "realised_value": lambda f: (kq.realised_value, (f["tx"],), {"start": "2024-02-15"}),
    "tracking": lambda f: (kq.tracking, (f["act"], f["tx"]), {"calibration_end": "2024-02-15",
                                                              "time_unit": 7}),
    "plot_calibration_holdout": lambda f: (kq.plot_calibration_holdout, (
        kq.holdout_by_frequency(f["act"], f["split"]),), {}),
    "plot_tracking": lambda f: (kq.plot_tracking, (
        kq.tracking(f["act"], f["tx"], calibration_end="2024-02-15", time_unit=7),), {}),
    # clustering
    "segment_pipeline.fit_predict": lambda f: (
        kq.segment_pipeline(n_clusters=3, random_state=0).fit_predict, (f["individuals"],), {}),
    "SegmentPipeline.predict": lambda f: (f["pipe"].predict, (f["individuals"],), {}),
    "choose_k": lambda f: (kq.choose_k, (f["individuals"], f["pipe"]),
                           {"k_range": range(2, 4), "sample_size": 200, "progress": False}),
    "stability": lambda f: (kq.stability, (f["individuals"], f["pipe"]),
                            {"n_boot": 2, "sample_size": 200, "progress": False}),
    "fit_on_sample": lambda f: (kq.fit_on_sample, (f["individuals"], kq.segment_pipeline(
        numeric=FEATURES, n_clusters=3)), {"sample_size": 200, "stratify": "region"}),
    "predict_in_chunks": lambda f: (kq.predict_in_chunks, (f["pipe"], f["individuals"]),
                                    {"chunk_size": 100}),
    "profile_segments": lambda f: (kq.profile_segments, (f["individuals"], f["labels"]), {}),
    "choose_features": lambda f: (kq.choose_features, (f["individuals"],), {}),
    "segment_customers": lambda f: (kq.segment_customers, (f["customers"],),
                                    {"k_range": range(2, 4), "k_max": 3, "sample_size": 300}),
    "quantile_tiers": lambda f: (kq.quantile_tiers, (f["customers"],), {}),
    "table_currency": lambda f: (kq.table_currency, (f["customers"],), {}),
    "parse_dates": lambda f: (kq.parse_dates, (f["tx"]["date"].dt.strftime("%Y/%m/%d"),), {}),
    "compare_partitions": lambda f: (
        kq.compare_partitions, (kq.aum_tiers(f["individuals"]), f["labels"]), {}),
    # groups
    "dunbar_groups": lambda f: (kq.dunbar_groups, (f["seg"],), {
        "by": "seg", "features": FEATURES, "money": MONEY, "min_size": 20, "max_size": 60}),
    "dunbar_dispersion": lambda f: (kq.dunbar_dispersion, (f["seg"], f["groups"]),
                                    {"features": FEATURES, "money": MONEY}),
    "layer_criteria": lambda f: (kq.layer_criteria, (f["individuals"],), {}),
    "relationship_layers": lambda f: (kq.relationship_layers, (f["individuals"],), {}),
    "layer_funnel": lambda f: (kq.layer_funnel, (f["layered"],), {"layer_col": "layer",
                                                                  "by": "seg"}),
    "content_needs": lambda f: (kq.content_needs, (f["profile"],), {}),
    # group health
    "make_group_activity": lambda f: (kq.make_group_activity, (f["roster"],), {"weeks": 6}),
    "weekly_group_activity": lambda f: (kq.weekly_group_activity, (f["activity"],), {}),
    "group_health": lambda f: (kq.group_health, (f["activity"],), {"weeks": (2, 7)}),
    "silent_groups": lambda f: (kq.silent_groups, (f["activity"],), {}),
    "content_take_up": lambda f: (kq.content_take_up, (f["health"],), {}),
    "value_recognition": lambda f: (kq.value_recognition, (f["health"],), {}),
    # lending
    "approval_under_tolerance": lambda f: (kq.approval_under_tolerance, (f["pool"],),
                                           {"tolerance": [0.005, 0.01]}),
    "compare_books": lambda f: (kq.compare_books, (f["we"], f["my"]), {}),
    "decompose_volume": lambda f: (kq.decompose_volume, (f["we"], f["my"]), {}),
    "loan_book_checks": lambda f: (kq.loan_book_checks, (f["we"],), {}),
    # plots
    "plot_lorenz": lambda f: (kq.plot_lorenz, (f["customers"],), {"x": "aum",
                                                                 "hue": "customer_kind"}),
    "plot_aum_distribution": lambda f: (kq.plot_aum_distribution, (f["customers"],), {}),
    "plot_mix": lambda f: (kq.plot_mix, (f["customers"],), {"x": "bank", "hue": "region"}),
    "plot_take_up": lambda f: (kq.plot_take_up, (f["customers"],),
                               {"flags": ["has_loan"], "by": "bank"}),
    "plot_pareto": lambda f: (kq.plot_pareto, (f["contrib"],), {"x": "contribution"}),
    "plot_rfm": lambda f: (kq.plot_rfm, (f["scores"],), {}),
    "plot_tier_distribution": lambda f: (kq.plot_tier_distribution, (f["panel"],), {}),
    "plot_value_matrix": lambda f: (
        kq.plot_value_matrix, (f["valued"].join(kq.value_matrix(f["valued"])),), {}),
    "plot_p_alive": lambda f: (kq.plot_p_alive, (f["weekly"],), {"model": f["bgnbd"]}),
    "plot_k_selection": lambda f: (kq.plot_k_selection, (f["k_scores"].scores,), {}),
    "plot_migration": lambda f: (
        kq.plot_migration, (_tag(kq.tier_migration(f["before"], f["after"]).shares),), {}),
    "plot_partition_crosstab": lambda f: (
        kq.plot_partition_crosstab, (f["seg"],), {"x": "region", "y": "seg"}),
    "plot_segment_embedding": lambda f: (kq.plot_segment_embedding, (f["individuals"],),
                                         {"pipeline": f["pipe"], "hue": f["labels"]}),
    "plot_segment_profile": lambda f: (kq.plot_segment_profile, (f["profile"],), {}),
    "plot_group_sizes": lambda f: (kq.plot_group_sizes, (f["groups"],),
                                   {"min_size": 20, "max_size": 60}),
    "plot_group_activity": lambda f: (kq.plot_group_activity, (f["group_weeks"],), {"n_lines": 3}),
    "plot_take_up_vs_fit": lambda f: (kq.plot_take_up_vs_fit, (f["health"],), {}),
    "plot_layer_funnel": lambda f: (kq.plot_layer_funnel, (f["funnel"],), {"hue": "seg"}),
    "plot_growth_paths": lambda f: (kq.plot_growth_paths, (f["growth"],), {}),
    "plot_loan_sizes": lambda f: (kq.plot_loan_sizes, (pd.concat([f["we"], f["my"]]),), {}),
    "plot_size_sensitivity": lambda f: (kq.plot_size_sensitivity, (f["sens"],), {}),
    "plot_tolerance_curve": lambda f: (kq.plot_tolerance_curve, (f["tolerance"],), {}),
    "plot_volume_decomposition": lambda f: (kq.plot_volume_decomposition, (f["decomp"],), {}),
}


def _frames_in(args: tuple, kwargs: dict) -> list[pd.DataFrame | pd.Series]:
    return [a for a in (*args, *kwargs.values()) if isinstance(a, pd.DataFrame | pd.Series)]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_caller_frame_is_unchanged(name: str) -> None:
    fn, args, kwargs = CALLS[name](inputs())
    passed = _frames_in(args, kwargs)
    assert passed, f"{name}: the table entry passes no DataFrame or Series"
    saved = [copy.deepcopy(obj) for obj in passed]
    try:
        fn(*args, **kwargs)
    finally:
        plt.close("all")
    for obj, before in zip(passed, saved, strict=True):
        if isinstance(obj, pd.DataFrame):
            pd.testing.assert_frame_equal(obj, before, check_exact=True, check_flags=True)
            assert list(obj.columns) == list(before.columns)
        else:
            pd.testing.assert_series_equal(obj, before, check_exact=True)
        pd.testing.assert_index_equal(obj.index, before.index, exact=True)
        assert obj.attrs == before.attrs, f"{name} changed the caller's attrs"


# Functions that take Dask DataFrames only (a pandas frame is refused); Dask collections are
# immutable, so there is nothing to check for them here.
DASK_ONLY = {"fit_on_partitions", "predict_partitions", "sample_partitions"}


def _takes_frame(obj: Any) -> bool:
    """A parameter annotated with DataFrame, or a ``data`` parameter of any annotation."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    return any("DataFrame" in str(p.annotation) or p.name == "data"
               for p in sig.parameters.values())


def public_frame_functions() -> list[str]:
    """Public functions, and public methods of public classes, with a DataFrame parameter."""
    names = []
    for name in kq.__all__:
        obj = getattr(kq, name)
        if inspect.isclass(obj):
            for meth, member in vars(obj).items():
                if not meth.startswith("_") and callable(member) and _takes_frame(member):
                    names.append(f"{name}.{meth}")
        elif callable(obj) and _takes_frame(obj):
            names.append(name)
    return sorted(names)


def test_every_public_frame_function_is_in_the_table() -> None:
    missing = [n for n in public_frame_functions() if n not in CALLS and n not in DASK_ONLY]
    assert not missing, (
        f"public functions taking a DataFrame without a no-mutation entry: {missing}. "
        "Add a valid call for each to CALLS in tests/test_no_mutation.py."
    )


def test_table_names_exist() -> None:
    for name in CALLS:
        head = name.split(".")[0]
        assert hasattr(kq, head), f"CALLS entry {name!r} names no public object"
