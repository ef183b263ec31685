"""One convention for results: tables and frozen dataclasses, never results in ``attrs``.

Every public function of the no-mutation table (tests/test_no_mutation.py) is called once; every
DataFrame or Series it returns, directly, in a tuple or as a field of a returned dataclass, may
carry in ``attrs`` only metadata that describes the data (:data:`METADATA`) or what the caller's
own frames carried in. A result with more than one part is a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kequn_lib as kq

from .test_no_mutation import CALLS, _frames_in, inputs

# Keys of ``attrs`` that describe the data and travel with it (pandas' intended use).
METADATA = {
    # the money of a table
    "currency",
    # a public dataset's provenance (kq.load_bank_marketing, kq.load_credit_default)
    "dataset", "citation", "licence", "source_url", "doi", "variant", "file", "sha256", "n_rows",
    "n_duplicate_rows", "n_unknown", "notes", "column_map", "outcome",
    # the units and periods of an RFM table's columns (kq.rfm, kq.calibration_holdout)
    "time_unit_days", "freq", "calibration_end", "observation_end",
    # what a synthetic log or loan book was drawn from (kq.make_group_activity, lending books)
    "weeks", "assumptions", "bank", "volume_requested",
}  # fmt: skip

RICH_RESULTS = [kq.Concentration, kq.KSelection, kq.QuantileTiers, kq.Segmentation,
                kq.StabilityResult, kq.TakeUpFit]

# Every frozen result dataclass that holds tables, and a call (in the no-mutation table, or
# here) that returns one.
REPR_CALLS = {
    kq.Concentration: "concentration", kq.KSelection: "choose_k",
    kq.QuantileTiers: "quantile_tiers", kq.Segmentation: "segment_customers",
    kq.StabilityResult: "stability", kq.TakeUpFit: "content_take_up",
    kq.PartitionComparison: "compare_partitions", kq.Migration: "tier_migration",
    kq.OverduePower: lambda: kq.overdue_power(0.01, 0.02),
}


def _returned_frames(value: Any, depth: int = 0) -> list[pd.DataFrame | pd.Series]:
    if isinstance(value, pd.DataFrame | pd.Series):
        return [value]
    if depth > 1:
        return []
    if isinstance(value, tuple | list):
        return [f for v in value for f in _returned_frames(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [f for fld in dataclasses.fields(value)
                for f in _returned_frames(getattr(value, fld.name), depth + 1)]
    return []


@pytest.mark.parametrize("name", sorted(n for n in CALLS if not n.startswith("plot_")))
def test_results_carry_metadata_only_in_attrs(name: str) -> None:
    fn, args, kwargs = CALLS[name](inputs())
    inherited = {key for obj in _frames_in(args, kwargs) for key in obj.attrs}
    try:
        result = fn(*args, **kwargs)
    finally:
        plt.close("all")
    for frame in _returned_frames(result):
        extra = set(frame.attrs) - METADATA - inherited
        assert not extra, (
            f"{name} returns results in attrs {sorted(extra)}: return a frozen dataclass, or "
            "list the key in METADATA if it describes the data")


@pytest.mark.parametrize("cls", RICH_RESULTS, ids=lambda c: c.__name__)
def test_rich_results_are_frozen_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen, f"{cls.__name__} is not frozen"
    doc = cls.__doc__ or ""
    assert "Attributes\n    ----------" in doc, f"{cls.__name__} documents no Attributes"
    for fld in dataclasses.fields(cls):
        assert f"{fld.name} :" in doc, f"{cls.__name__}.{fld.name} is not documented"


@pytest.mark.parametrize("cls", list(REPR_CALLS), ids=lambda c: c.__name__)
def test_result_repr_is_short_and_names_its_fields(cls: type) -> None:
    call = REPR_CALLS[cls]
    if callable(call):
        result = call()
    else:
        fn, args, kwargs = CALLS[call](inputs())
        try:
            result = fn(*args, **kwargs)
        finally:
            plt.close("all")
    assert type(result) is cls
    text = repr(result)
    assert text.startswith(f"{cls.__name__}(")
    assert len(text.splitlines()) <= 15, text
    assert all(len(line) <= 120 for line in text.splitlines()), text
    for fld in dataclasses.fields(cls):
        assert f"{fld.name}=" in text, f"{cls.__name__} repr omits {fld.name}: {text}"
        value = getattr(result, fld.name)
        if isinstance(value, pd.DataFrame):
            rows, cols = value.shape
            assert f"{fld.name}=<DataFrame: {rows:,} row" in text
            assert f"× {cols:,} column" in text
        if isinstance(value, pd.DataFrame | pd.Series) and len(value):
            last_row = value.to_string().splitlines()[-1].strip()
            assert last_row not in text, f"{fld.name} is printed in full: {text}"
    assert len(text) < 1200, text
    # equality and fields stay the dataclass's own
    assert result == dataclasses.replace(result)
    assert repr(dataclasses.replace(result)) == text
