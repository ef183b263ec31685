"""Tests of kequn_lib.clustering and kequn_lib.plots.clustering."""

from __future__ import annotations

import pickle
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

import kequn_lib as kq
from kequn_lib.errors import KequnError, ParameterError, SchemaError

SHARED = Path(__file__).resolve().parents[2] / "shared"


# --- fixtures -------------------------------------------------------------------------------


def _toy(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Three well separated groups with money, counts, a flag, a category and ids."""
    rng = np.random.default_rng(seed)
    g = np.arange(n) % 3
    return pd.DataFrame({
        "customer_id": np.arange(1000, 1000 + n),
        "aum": np.exp(np.array([8.0, 11.0, 14.0])[g] + rng.normal(0, 0.3, n)),
        "app_logins_90d": rng.poisson(np.array([40, 10, 2])[g]),
        "has_loan": g == 2,
        "age": pd.array(np.round(rng.normal([30, 45, 60], 3, (n, 3))[np.arange(n), g]),
                        dtype="Int64"),
        "region": pd.Categorical(np.array(["urban", "county", "rural"])[g]),
        "true_persona": pd.Categorical(np.array(["a", "b", "c"])[g]),
    })


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return _toy()


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return kq.make_customers(n=4000, random_state=0)


# --- the pipeline contract ------------------------------------------------------------------


def test_pipeline_shape_and_steps():
    pipe = kq.segment_pipeline()
    assert isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["prepare", "model"]
    assert isinstance(pipe.named_steps["prepare"], ColumnTransformer)
    assert pipe.named_steps["model"].get_params()["n_clusters"] == 6


def test_fit_predict_is_series_on_input_index(toy):
    data = toy.set_index(pd.Index([f"c{i}" for i in range(len(toy))]))
    labels = kq.segment_pipeline(n_clusters=3).fit_predict(data)
    assert isinstance(labels, pd.Series)
    assert labels.index.equals(data.index)
    assert labels.name == "segment" and labels.dtype == "int64"
    # the three built-in groups are recovered exactly
    assert kq.compare_partitions(labels, data["true_persona"]).adjusted_rand == 1.0


def test_default_columns_skip_ids_truth_bank_and_constants(toy):
    data = toy.assign(bank="ICBC", branch_id=7, const=1.0)
    pipe = kq.segment_pipeline(n_clusters=3).fit(data)
    names = list(pipe.named_steps["prepare"].get_feature_names_out())
    assert "money__aum" in names and "numeric__app_logins_90d" in names
    assert "numeric__has_loan" in names and "categorical__region_urban" in names
    assert not [n for n in names if "customer_id" in n or "true_" in n or "branch_id" in n]
    assert not [n for n in names if "bank" in n or "const" in n]


def test_explicit_lists_use_exactly_those_columns(toy):
    pipe = kq.segment_pipeline(money=["aum"], numeric=["age"], n_clusters=3).fit(toy)
    assert list(pipe.named_steps["prepare"].get_feature_names_out()) == [
        "money__aum", "numeric__age"]


def test_clone_set_params_pickle(toy):
    pipe = kq.segment_pipeline(n_clusters=3)
    other = clone(pipe).set_params(model__n_clusters=2)
    assert pipe.named_steps["model"].n_clusters == 3
    assert other.fit_predict(toy).nunique() == 2
    restored = pickle.loads(pickle.dumps(other))
    assert restored.predict(toy).equals(other.predict(toy))
    assert pipe[:-1].fit(toy).get_feature_names_out()[0] == "money__aum"


def test_same_seed_same_labels(toy):
    a = kq.segment_pipeline(n_clusters=4, random_state=3).fit_predict(toy)
    b = kq.segment_pipeline(n_clusters=4, random_state=3).fit_predict(toy)
    gen = kq.segment_pipeline(n_clusters=4, random_state=np.random.default_rng(5))
    assert a.equals(b)
    assert gen.fit_predict(toy).nunique() == 4


@pytest.mark.parametrize("algorithm, params", [
    ("kmeans", {}),
    ("minibatch_kmeans", {}),
    ("gmm", {}),
    ("ward", {}),
    ("hdbscan", {"min_cluster_size": 10}),
])
def test_every_algorithm_fits(toy, algorithm, params):
    pipe = kq.segment_pipeline(algorithm=algorithm, n_clusters=3, **params)
    labels = pipe.fit_predict(toy)
    assert labels.index.equals(toy.index)
    floor = 0.6 if algorithm == "hdbscan" else 0.9  # HDBSCAN may split a group, or mark noise
    assert kq.compare_partitions(labels, toy["true_persona"]).adjusted_rand > floor
    if hasattr(pipe, "predict"):
        assert pipe.predict(toy).index.equals(toy.index)
    else:
        assert algorithm in ("ward", "hdbscan")


def test_missing_values_are_imputed(toy):
    data = toy.copy()
    data.loc[:9, "age"] = pd.NA
    data.loc[[3, 4], "aum"] = np.nan
    data["region"] = data["region"].astype(object)
    data.loc[5, "region"] = None
    labels = kq.segment_pipeline(n_clusters=3).fit_predict(data)
    assert labels.notna().all() and len(labels) == len(data)


def test_text_column_with_na_is_one_hot_encoded(toy):
    data = toy.assign(channel=pd.array(["app", None, "branch"] * 40, dtype="string"))
    pipe = kq.segment_pipeline(numeric=["app_logins_90d"], categorical=["channel"]).fit(data)
    assert len(pipe.named_steps["prepare"].get_feature_names_out()) == 4  # 1 + app/branch/NA


def test_no_mutation(toy):
    before = toy.copy()
    pipe = kq.segment_pipeline(n_clusters=3)
    labels = pipe.fit_predict(toy)
    kq.choose_k(toy, pipe, k_range=range(2, 4), progress=False)
    kq.stability(toy, pipe, n_boot=2, progress=False)
    kq.profile_segments(toy, labels)
    kq.predict_in_chunks(pipe, toy, chunk_size=50)
    kq.fit_on_sample(toy, pipe, sample_size=60, stratify="region")
    pd.testing.assert_frame_equal(toy, before)


# --- bad input ----------------------------------------------------------------------------------


def test_unknown_algorithm():
    with pytest.raises(ParameterError, match="algorithm='kmedoids' is not supported"):
        kq.segment_pipeline(algorithm="kmedoids")


def test_unknown_estimator_parameter():
    with pytest.raises(ParameterError, match="has no parameter"):
        kq.segment_pipeline(n_neighbours=3)


def test_bad_n_clusters_and_random_state():
    with pytest.raises(ParameterError, match="n_clusters must be >= 1"):
        kq.segment_pipeline(n_clusters=0)
    with pytest.raises(ParameterError, match="random_state must be"):
        kq.segment_pipeline(random_state="seven")


def test_duplicate_and_empty_column_lists():
    with pytest.raises(ParameterError, match="more than one column list"):
        kq.segment_pipeline(money=["aum"], numeric=["aum"])
    with pytest.raises(ParameterError, match="all empty"):
        kq.segment_pipeline(numeric=[])


def test_k_larger_than_rows(toy):
    with pytest.raises(ParameterError, match="n_clusters=200 segments asked for but the table "
                                             "has only 120 rows"):
        kq.segment_pipeline(n_clusters=200).fit(toy)
    with pytest.raises(ParameterError, match="n_components=200"):
        kq.segment_pipeline(algorithm="gmm", n_clusters=200).fit(toy)


def test_single_row(toy):
    with pytest.raises(SchemaError, match="at least 2 rows"):
        kq.segment_pipeline(n_clusters=1).fit_predict(toy.iloc[:1])


def test_not_a_frame(toy):
    with pytest.raises(KequnError, match="expected a pandas DataFrame"):
        kq.segment_pipeline().fit(toy.to_numpy())


def test_missing_column(toy):
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'wealth'.*The table has"):
        kq.segment_pipeline(money=["wealth"], numeric=["age"]).fit(toy)


def test_missing_column_at_predict(toy):
    pipe = kq.segment_pipeline(n_clusters=3).fit(toy)
    with pytest.raises(SchemaError, match="missing column.*'aum'"):
        pipe.predict(toy.drop(columns="aum"))


def test_constant_named_column(toy):
    with pytest.raises(SchemaError, match="'flat' is constant"):
        kq.segment_pipeline(numeric=["age", "flat"]).fit(toy.assign(flat=2.0))


def test_all_missing_named_column(toy):
    with pytest.raises(SchemaError, match="'empty' is entirely missing"):
        kq.segment_pipeline(numeric=["age", "empty"]).fit(toy.assign(empty=np.nan))


def test_text_in_numeric_column(toy):
    data = toy.assign(age=toy["age"].astype(str))
    data.loc[7, "age"] = "unknown"
    with pytest.raises(SchemaError, match="'age' must be numeric.*'unknown'"):
        kq.segment_pipeline(numeric=["age"], n_clusters=3).fit(data)


def test_negative_or_infinite_money(toy):
    with pytest.raises(SchemaError, match="'aum' must be finite and non-negative"):
        kq.segment_pipeline(n_clusters=3).fit(toy.assign(aum=-toy["aum"]))
    with pytest.raises(SchemaError, match="'aum' must be finite"):
        kq.segment_pipeline(money=["aum"]).fit(toy.assign(aum=np.inf))


def test_no_usable_columns():
    data = pd.DataFrame({"customer_id": [1, 2, 3], "flat": [1.0, 1.0, 1.0]})
    with pytest.raises(SchemaError, match="no usable feature columns"):
        kq.segment_pipeline(n_clusters=2).fit(data)


def test_ward_row_limit():
    data = pd.DataFrame({"x": np.arange(20_001, dtype=float)})
    with pytest.raises(ParameterError, match="at most 20,000 rows"):
        kq.segment_pipeline(algorithm="ward").fit(data)


# --- choose_k -----------------------------------------------------------------------------------


def test_choose_k_table(toy):
    selection = kq.choose_k(toy, kq.segment_pipeline(), k_range=range(2, 6), sample_size=50,
                            progress=False)
    assert isinstance(selection, kq.KSelection)
    scores = selection.scores
    assert list(scores.columns) == ["k", "n_segments", "silhouette", "calinski_harabasz",
                                    "davies_bouldin", "inertia", "bic", "recommended"]
    assert scores["k"].tolist() == [2, 3, 4, 5]
    assert scores["recommended"].sum() == 1
    assert selection.recommended_k == 3
    assert selection.silhouette_sample == 50
    assert "silhouette" in selection.rule
    assert scores.attrs == {}  # results travel in the dataclass, not in attrs
    assert scores["bic"].isna().all()
    assert scores["inertia"].is_monotonic_decreasing


def test_choose_k_gmm_uses_bic(toy):
    selection = kq.choose_k(toy, kq.segment_pipeline(algorithm="gmm"), k_range=[2, 3, 4],
                            progress=False)
    scores = selection.scores
    assert scores["bic"].notna().all()
    assert "BIC" in selection.rule
    assert selection.recommended_k == int(scores.loc[scores["bic"].idxmin(), "k"])


def test_choose_k_consensus_rule(toy):
    selection = kq.choose_k(toy, k_range=[2, 3, 4], rule="consensus", progress=False)
    assert selection.recommended_k == 3 and "mean rank" in selection.rule


def test_choose_k_bad_input(toy):
    with pytest.raises(ParameterError, match="k=120 is not below the number of rows"):
        kq.choose_k(toy, k_range=[2, 120], progress=False)
    with pytest.raises(ParameterError, match="k_range is empty"):
        kq.choose_k(toy, k_range=[], progress=False)
    with pytest.raises(ParameterError, match="must be >= 2"):
        kq.choose_k(toy, k_range=[1, 2], progress=False)
    with pytest.raises(ParameterError, match="HDBSCAN finds its own"):
        kq.choose_k(toy, kq.segment_pipeline(algorithm="hdbscan"), progress=False)
    with pytest.raises(ParameterError, match="rule='bic' needs"):
        kq.choose_k(toy, k_range=[2, 3], rule="bic", progress=False)
    with pytest.raises(ParameterError, match="must be a Pipeline"):
        kq.choose_k(toy, "kmeans", progress=False)


# --- stability ----------------------------------------------------------------------------------


def test_stability_result(toy):
    res = kq.stability(toy, kq.segment_pipeline(n_clusters=3), n_boot=4, progress=False)
    assert list(res.runs.columns) == ["run", "ari", "nmi", "n_segments", "rows_compared",
                                      "method"]
    assert len(res.runs) == 4 and (res.runs["method"] == "bootstrap+predict").all()
    assert res.summary["mean_ari"] > 0.95 and res.summary["verdict"] == "stable"
    assert {"n_boot", "median_ari", "q05_ari", "q95_ari", "rows"} <= set(res.summary.index)
    assert "n_boot=4" in repr(res)


def test_stability_without_predict_uses_subsamples(toy):
    res = kq.stability(toy, kq.segment_pipeline(algorithm="ward", n_clusters=3), n_boot=2,
                       progress=False)
    assert (res.runs["method"] == "subsample").all()
    assert (res.runs["rows_compared"] == 96).all()


def test_stability_is_deterministic_and_detects_noise():
    rng = np.random.default_rng(0)
    noise = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    a = kq.stability(noise, kq.segment_pipeline(n_clusters=6, n_init=1), n_boot=3,
                     progress=False)
    b = kq.stability(noise, kq.segment_pipeline(n_clusters=6, n_init=1), n_boot=3,
                     progress=False)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert a.summary["mean_ari"] < 0.85


def test_stability_bad_n_boot(toy):
    with pytest.raises(ParameterError, match="n_boot must be >= 2"):
        kq.stability(toy, n_boot=1, progress=False)


# --- profiles -----------------------------------------------------------------------------------


def test_profile_segments_contract(toy):
    labels = kq.segment_pipeline(n_clusters=3).fit_predict(toy)
    prof = kq.profile_segments(toy, labels)
    assert prof.index.name == "segment" and sorted(prof.index) == [0, 1, 2]
    assert list(prof.columns[:4]) == ["size", "share", "persona", "top_features"]
    for f in ["aum", "app_logins_90d", "has_loan", "age"]:
        assert f"median_{f}" in prof.columns and f"z_{f}" in prof.columns
    assert "z_customer_id" not in prof.columns and "z_true_persona" not in prof.columns
    assert prof["size"].sum() == len(toy) and prof["share"].sum() == pytest.approx(1.0)
    rich = prof["median_aum"].idxmax()
    assert prof.loc[rich, "z_aum"] > 1 and "高资产" in prof.loc[rich, "persona"]
    assert "high AUM" in prof.loc[rich, "persona"]
    assert prof["persona"].is_unique
    assert prof.loc[rich, "top_features"].split(",")[0].split()[0] in prof.columns.str[2:]


def test_profile_persona_for_average_segment():
    data = pd.DataFrame({"x": [1.0, 2.0, 1.0, 2.0]})
    prof = kq.profile_segments(data, np.array(["p", "p", "q", "q"]))
    assert prof.loc["p", "persona"].startswith("大众均衡 / mass, balanced")
    assert prof.loc["q", "persona"].endswith("#q")  # repeated names get the label appended


def test_profile_segments_bad_labels(toy):
    with pytest.raises(SchemaError, match="one entry per row of data"):
        kq.profile_segments(toy, [0, 1])
    with pytest.raises(SchemaError, match="have no segment label"):
        kq.profile_segments(toy, pd.Series(np.where(toy.index < 3, np.nan, 1.0),
                                           index=toy.index))
    with pytest.raises(SchemaError, match="not on data's index"):
        kq.profile_segments(toy, pd.Series(0, index=toy.index + 1000))
    with pytest.raises(SchemaError, match="missing column"):
        kq.profile_segments(toy, np.zeros(len(toy)), features=["nope"])
    with pytest.raises(SchemaError, match="must be numeric"):
        kq.profile_segments(toy.assign(age="old"), np.zeros(len(toy)), features=["age"])


def test_profile_reorders_index_aligned_labels(toy):
    labels = kq.segment_pipeline(n_clusters=3).fit_predict(toy)
    shuffled = labels.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(kq.profile_segments(toy, shuffled),
                                  kq.profile_segments(toy, labels))


# --- compare_partitions -------------------------------------------------------------------------


def test_compare_partitions_shape():
    a = pd.Series([0, 0, 1, 1, 2], name="segment")
    b = pd.Series(["x", "x", "y", "y", "y"], name="tier")
    cmp = kq.compare_partitions(a, b)
    assert cmp.crosstab.index.name == "segment" and cmp.crosstab.columns.name == "tier"
    assert int(cmp.crosstab.to_numpy().sum()) == 5 and cmp.n == 5
    assert 0 < cmp.adjusted_rand < 1 and 0 < cmp.nmi < 1
    frame = cmp.to_frame()
    assert list(frame.columns) == ["a", "b", "n", "adjusted_rand", "nmi"]


def test_compare_partitions_aligns_by_index():
    a = pd.Series([0, 0, 1, 1], index=[10, 11, 12, 13])
    b = pd.Series(["y", "y", "x", "x"], index=[13, 12, 11, 10])
    assert kq.compare_partitions(a, b).adjusted_rand == 1.0


def test_compare_partitions_bad_input():
    with pytest.raises(SchemaError, match="same length, got 3 and 2"):
        kq.compare_partitions([0, 1, 1], [0, 1])
    with pytest.raises(SchemaError, match="cover different customers"):
        kq.compare_partitions(pd.Series([0, 1]), pd.Series([0, 1], index=[5, 6]))
    with pytest.raises(SchemaError, match="missing label"):
        kq.compare_partitions(pd.Series([0, None, 1]), pd.Series([0, 1, 1]))


# --- scale path ---------------------------------------------------------------------------------


def test_fit_on_sample_and_predict_in_chunks(toy):
    big = pd.concat([_toy(300, seed=s) for s in range(3)], ignore_index=True)
    pipe = kq.fit_on_sample(big, kq.segment_pipeline(n_clusters=3), sample_size=200,
                            stratify="region")
    labels = kq.predict_in_chunks(pipe, big, chunk_size=128)
    assert labels.index.equals(big.index) and labels.name == "segment"
    assert labels.equals(pipe.predict(big))
    assert kq.compare_partitions(labels, big["true_persona"]).adjusted_rand == 1.0


def test_fit_on_sample_stratifies(toy):
    data = toy.assign(kind=np.where(np.arange(len(toy)) < 12, "corporate", "individual"))
    pipe = kq.fit_on_sample(data, kq.segment_pipeline(numeric=["age"], n_clusters=2),
                            sample_size=30, stratify="kind")
    assert pipe.named_steps["prepare"].n_features_in_ == data.shape[1]
    with pytest.raises(SchemaError, match="missing column"):
        kq.fit_on_sample(data, sample_size=30, stratify="segment_x")


def test_predict_in_chunks_bad_input(toy):
    with pytest.raises(ParameterError, match="not fitted"):
        kq.predict_in_chunks(kq.segment_pipeline(), toy)
    with pytest.raises(ParameterError, match="cannot label new customers"):
        kq.predict_in_chunks(kq.segment_pipeline(algorithm="ward"), toy)
    with pytest.raises(ParameterError, match="chunk_size must be >= 1"):
        kq.predict_in_chunks(kq.segment_pipeline().fit(toy), toy, chunk_size=0)


# --- recovery on the synthetic bank -------------------------------------------------------------


def test_segments_recover_personas_far_better_than_tiers(bank):
    ind = bank[bank["customer_kind"] == "individual"]
    labels = kq.segment_pipeline(n_clusters=6).fit_predict(ind)
    truth = ind["true_persona"].cat.remove_unused_categories()
    seg = kq.compare_partitions(labels, truth)
    tiers = kq.compare_partitions(kq.aum_tiers(ind), truth)
    assert seg.adjusted_rand > 0.4
    assert seg.adjusted_rand > 3 * tiers.adjusted_rand
    assert seg.nmi > tiers.nmi + 0.2


def test_default_pipeline_on_mixed_bank_handles_corporate_na(bank):
    labels = kq.segment_pipeline(n_clusters=8).fit_predict(bank)
    assert labels.notna().all() and labels.nunique() == 8


# --- plots --------------------------------------------------------------------------------------


def test_plots(toy):
    kq.use_theme()
    pipe = kq.segment_pipeline(n_clusters=3)
    labels = pipe.fit_predict(toy)
    scores = kq.choose_k(toy, pipe, k_range=range(2, 5), progress=False)
    fig = kq.plot_k_selection(scores)
    assert len(fig.axes) == 4
    assert "recommended k=3" in fig.get_suptitle()
    ax = kq.plot_segment_profile(kq.profile_segments(toy, labels), ax=plt.figure().gca())
    assert len(ax.get_yticklabels()) == 3
    ax = kq.plot_segment_embedding(toy, pipeline=pipe, hue=labels, ax=plt.figure().gca())
    assert ax.get_xlabel().startswith("PC1") and len(ax.collections[0].get_offsets()) == 120
    cmp = kq.compare_partitions(toy["region"], labels)
    ax = kq.plot_partition_crosstab(cmp, ax=plt.figure().gca())
    assert "ARI = 1.00" in ax.get_title()
    ax = kq.plot_partition_crosstab(toy.assign(seg=labels), x="region", y="seg",
                                    normalize="none", ax=plt.figure().gca())
    assert ax.get_ylabel() == "region"
    plt.close("all")


def test_plot_bad_input(toy):
    with pytest.raises(ParameterError, match="no score column"):
        kq.plot_k_selection(pd.DataFrame({"k": [2, 3]}))
    with pytest.raises(ParameterError, match="pass pipeline="):
        kq.plot_segment_embedding(toy)
    with pytest.raises(ParameterError, match="normalize='rows' is not supported"):
        kq.plot_partition_crosstab(toy, normalize="rows")
    plt.close("all")


# --- real data ----------------------------------------------------------------------------------


@pytest.mark.shared
def test_real_bank_marketing_table():
    path = SHARED / "datasets" / "uci-bank-marketing" / "bank.csv"
    if not path.is_file():
        pytest.skip(f"real dataset not found: {path}")
    raw = pd.read_csv(path, sep=";")
    data = raw.drop(columns=["y", "day", "month", "duration", "campaign", "pdays", "previous",
                             "poutcome", "contact"])
    labels = kq.segment_pipeline(n_clusters=5).fit_predict(data)  # balance may be negative
    prof = kq.profile_segments(data, labels)
    assert len(prof) == 5 and prof["size"].sum() == len(raw)


def test_plot_k_selection_takes_the_result_and_names_its_rule(toy):
    selection = kq.choose_k(toy, kq.segment_pipeline(), k_range=range(2, 4), progress=False)
    fig = kq.plot_k_selection(selection)
    assert selection.rule in fig.get_suptitle()
    title = kq.plot_k_selection(selection.scores).get_suptitle()
    assert "recommended k=" in title and selection.rule not in title
    plt.close("all")


def test_plot_k_selection_draws_on_the_axes_it_is_given(toy):
    scores = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.3, 0.4, 0.35],
                           "inertia": [9.0, 5.0, 4.0], "recommended": [False, True, False]})
    fig, axes = plt.subplots(2, 2)
    out = kq.plot_k_selection(scores, ax=axes[1])  # a row of two: one panel each
    assert out is fig and len(fig.axes) == 4
    assert [len(a.lines) for a in axes[1]] == [2, 2]  # the scores and the recommended k
    assert not axes[0][0].lines and "recommended k=3" in fig.get_suptitle()
    fig, (left, right) = plt.subplots(1, 2)
    kq.plot_k_selection(scores, ax=right)  # one Axes: its place is split into the panels
    assert left in fig.axes and right not in fig.axes and len(fig.axes) == 3
    assert all(a.get_position().x0 >= left.get_position().x1 for a in fig.axes if a is not left)
    with pytest.raises(ParameterError, match="needs 2 Axes"):
        kq.plot_k_selection(scores, ax=list(plt.subplots(1, 3)[1]))
    plt.close("all")
    mine = plt.figure(figsize=(6, 3))  # an empty current figure is used, at its size
    assert kq.plot_k_selection(scores) is mine and mine.get_figwidth() == 6
    fig = kq.plot_k_selection(scores)  # the current figure is in use: a new one, as before
    assert fig is not mine and tuple(fig.get_size_inches()) == (11, 3.4)
    plt.close("all")


def test_plot_segment_profile_draws_on_the_current_axes(toy):
    prof = kq.profile_segments(toy[["aum"]], (toy["aum"] > toy["aum"].median()).astype(int))
    plt.close("all")
    ax = kq.plot_segment_profile(prof)  # no figure open: one sized for the rows, as before
    assert ax.figure.get_figwidth() == 8
    _fig, current = plt.subplots(figsize=(5, 3))
    assert kq.plot_segment_profile(prof) is current
    assert current.get_title() and current.figure.get_figwidth() == 5
    plt.close("all")
