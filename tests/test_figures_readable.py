"""Figures read well at the report's page width: heatmap numbers ≥ 9 pt, keys off the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.plots._theme import PAGE_WIDTH_IN


def _shown_points(ax) -> list[float]:
    """Annotation sizes as the reader sees them once the figure is scaled to the page."""
    scale = min(1.0, PAGE_WIDTH_IN / ax.figure.get_figwidth())
    return [t.get_fontsize() * scale for t in ax.texts]


@pytest.mark.parametrize("width", [6, 8, 12])
def test_heatmap_annotations_are_at_least_9_points_on_the_page(width, customers):
    kq.use_theme()
    c = customers[["aum", "app_logins_90d", "rm_contacts_90d"]]
    prof = kq.profile_segments(c, (customers["aum"] > customers["aum"].median()).astype(int))
    for draw in (
        lambda ax: kq.plot_segment_profile(prof, ax=ax),
        lambda ax: kq.plot_partition_crosstab(
            pd.DataFrame({"a": list("xxyy"), "b": list("pqpq")}), x="a", y="b", ax=ax),
        lambda ax: kq.plot_take_up(customers, flags=["has_loan"], by="bank", ax=ax),
    ):
        fig, ax = plt.subplots(figsize=(width, 4))
        draw(ax)
        sizes = _shown_points(ax)
        plt.close(fig)
        assert sizes and min(sizes) >= 9 - 1e-9, sizes


def test_loan_size_key_and_legend_sit_off_the_data():
    kq.use_theme()
    facts = kq.lending_facts().set_index("fact_id")
    books = [kq.simulate_loan_book(bank, volume=facts.loc[f, "value_std"] * 1e-5, random_state=0)
             for bank, f in (("WeBank", "W01"), ("MYbank", "M02"))]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    kq.plot_loan_sizes(pd.concat(books, ignore_index=True), ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    area = ax.get_window_extent(renderer)
    keys = [t for t in ax.texts if "book mean" in t.get_text()]
    assert keys, "the line key is missing"
    assert keys[0].get_window_extent(renderer).y1 < area.y0  # under the axes
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= area.x1  # beside the axes
    plt.close(fig)
