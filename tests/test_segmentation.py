"""segment_customers: the one segmentation the segmentation and group chapters share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq


def _blobs(n_blobs: int, per: int = 60, seed: int = 0) -> pd.DataFrame:
    """Well-separated blobs in two number columns: the best k is ``n_blobs``."""
    rng = np.random.default_rng(seed)
    centres = [(10.0 * i, 10.0 * (i % 2)) for i in range(n_blobs)]
    xy = np.vstack([rng.normal(c, 0.3, size=(per, 2)) for c in centres])
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]},
                        index=pd.RangeIndex(1000, 1000 + len(xy)))


@pytest.fixture(scope="module")
def seg(customers):
    return kq.segment_customers(customers, k_range=range(3, 6), random_state=0)


def test_same_call_gives_the_same_segments(customers, seg):
    again = kq.segment_customers(customers, k_range=range(3, 6), random_state=0)
    assert again.k == seg.k
    pd.testing.assert_series_equal(again.labels, seg.labels)
    pd.testing.assert_series_equal(again.names, seg.names)
    pd.testing.assert_frame_equal(again.profile, seg.profile)


def test_individuals_only_index_kept_input_untouched(customers, seg):
    before = customers.copy()
    kq.segment_customers(customers, k_range=range(3, 5), random_state=1)
    pd.testing.assert_frame_equal(customers, before)
    individuals = customers.index[customers["customer_kind"] == "individual"]
    assert seg.data.index.equals(individuals)
    assert seg.labels.index.equals(individuals)
    assert seg.labels.nunique() == seg.k == len(seg.profile) == len(seg.names)
    assert seg.profile["size"].sum() == len(individuals)


def test_names_and_personas_are_unique(seg):
    assert seg.names.is_unique
    assert seg.profile["persona"].is_unique
    assert seg.names.index.equals(seg.profile.index)


def test_personas_use_only_the_pipeline_features(customers):
    kept = ["aum", "app_logins_90d", "age"]
    out = kq.segment_customers(customers, k_range=range(3, 5), random_state=0,
                               money=["aum"], numeric=["app_logins_90d", "age"])
    zcols = sorted(c[2:] for c in out.profile if c.startswith("z_"))
    assert zcols == sorted(kept)


def test_best_k_at_the_upper_edge_widens_the_range():
    data = _blobs(8)
    out = kq.segment_customers(data, k_range=range(2, 5), random_state=0)
    assert out.widened and not out.at_edge
    assert out.k == 8
    assert out.searched[0] == 2 and out.searched[1] > 8
    assert list(out.scores["k"]) == list(range(out.searched[0], out.searched[1] + 1))


def test_best_k_at_the_lower_edge_widens_downwards():
    out = kq.segment_customers(_blobs(3, per=100), k_range=range(4, 7), random_state=0)
    assert out.widened and not out.at_edge
    assert out.k == 3 and out.searched == (2, 6)


def test_widening_stops_at_k_max_and_says_so():
    out = kq.segment_customers(_blobs(8), k_range=range(2, 5), k_max=6, random_state=0)
    assert out.widened and out.at_edge
    assert out.k == 6 and out.searched == (2, 6)


def test_interior_best_k_is_not_widened():
    out = kq.segment_customers(_blobs(4), k_range=range(3, 7), random_state=0)
    assert (out.k, out.widened, out.at_edge, out.searched) == (4, False, False, (3, 6))


@pytest.mark.parametrize("kwargs", [
    {"n_clusters": 5},
    {"k_range": range(0)},
    {"k_range": [3, 5, 6]},
    {"k_range": range(4, 10), "k_max": 8},
])
def test_bad_arguments_are_refused(customers, kwargs):
    with pytest.raises(kq.ParameterError):
        kq.segment_customers(customers, **kwargs)


def test_unknown_kind_names_the_values_present(customers):
    with pytest.raises(kq.SchemaError, match="individual"):
        kq.segment_customers(customers, kind="household")


def test_features_are_the_pipeline_columns(seg):
    assert "customer_id" not in seg.features
    assert not any(c.startswith("true_") for c in seg.features)
    assert {"aum", "app_logins_90d"} <= set(seg.features)
    zcols = {c[2:] for c in seg.profile if c.startswith("z_")}
    assert zcols <= set(seg.features)


def test_profile_heatmap_keeps_the_most_separating_features(seg):
    import matplotlib.pyplot as plt

    kq.use_theme()
    z = seg.profile.filter(like="z_").abs().max()
    top = set(z.sort_values(ascending=False).index[:4].str[2:])
    ax = kq.plot_segment_profile(seg.profile, max_features=4)
    shown = {t.get_text() for t in ax.get_xticklabels()}
    assert shown == top
    sizes = {t.get_fontsize() for t in ax.texts}
    assert sizes and min(sizes) >= 9  # annotations legible at the page width
    assert ax.figure.get_size_inches()[0] <= 8
    plt.close("all")


def test_crosstab_annotations_are_legible(seg):
    import matplotlib.pyplot as plt

    tiers = kq.aum_tiers(seg.data, labels="en")
    ax = kq.plot_partition_crosstab(kq.compare_partitions(tiers, seg.labels))
    assert min(t.get_fontsize() for t in ax.texts) >= 9
    plt.close("all")


def test_the_outcome_a_table_names_is_never_a_feature(customers):
    data = customers.head(800).copy()
    data["responded"] = (data["app_logins_90d"] > 20).astype("int64")  # not named like a label
    data.attrs["outcome"] = "responded"
    out = kq.segment_customers(data, k_range=range(3, 5), k_max=5, random_state=0)
    assert "responded" not in out.features
    assert "z_responded" not in out.profile
    plain = kq.segment_customers(data.assign(other=data["responded"]), k_range=range(3, 5),
                                 k_max=5, random_state=0)
    assert "other" in plain.features  # the rule removed the named outcome, not every 0/1 column


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize(("name", "member"), [
    ("uci-bank-marketing", "uci-bank-marketing/bank-full.csv"),
    ("uci-credit-default", "uci-default-credit-card-clients/default of credit card clients.csv"),
])
def test_public_tables_never_use_outcome_or_campaign_columns(name, member, tmp_path):
    import shutil

    from .conftest import SHARED

    source = SHARED / "datasets" / member
    if not source.exists():
        pytest.skip(f"real dataset not found at ../shared/datasets/{member}")
    shutil.copy(source, tmp_path / source.name)
    data = kq.load_customers(name, data_home=tmp_path)
    out = kq.segment_customers(data, k_range=range(4, 6), k_max=5, sample_size=3_000,
                               random_state=0)
    banned = {"subscribed_term_deposit", "defaulted_next_month", "campaign_contacts",
              "previous_contacts", "previously_contacted", "customer_id"}
    assert not banned & set(out.features)
    assert not {f"z_{c}" for c in banned} & set(out.profile)
    assert out.profile["persona"].is_unique and out.names.is_unique
