"""Other dataframes (pyarrow Tables, polars DataFrames) at the entry points: converted once at
the door, the same answers as for pandas, pandas out; sums that overflow are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import kequn_lib as kq


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return kq.make_customers(n=400, random_state=0)


@pytest.fixture(scope="module")
def transactions(customers: pd.DataFrame) -> pd.DataFrame:
    return kq.make_transactions(customers, months=3, random_state=0)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _same(got, want) -> None:
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                      check_dtype=False, check_categorical=False)
    elif isinstance(want, pd.Series):
        assert isinstance(got, pd.Series)
        pd.testing.assert_series_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                       check_dtype=False, check_categorical=False)
    else:
        assert got == want


CUSTOMER_CALLS = {
    "validate_customers": lambda d: kq.validate_customers(d)[["customer_id", "aum"]],
    "aum_tiers": lambda d: kq.aum_tiers(d[d["customer_kind"] == "individual"]
                                        if isinstance(d, pd.DataFrame) else d, kind_col=None),
    "contribution": lambda d: kq.contribution(d),
    "quantile_tiers": lambda d: kq.quantile_tiers(d).tiers,
    "pareto_tiers": lambda d: kq.pareto_tiers(d, value_col="aum"),
    "split_by_kind": lambda d: kq.split_by_kind(d)["individual"][["customer_id", "aum"]],
    "estimate_wallet": lambda d: kq.estimate_wallet(d, features=["region", "tenure_months"]),
    "segment_pipeline": lambda d: kq.segment_pipeline(
        numeric=["age"], money=["aum"], n_clusters=3, random_state=0).fit_predict(d),
    "dunbar_groups": lambda d: kq.dunbar_groups(d, by="region", random_state=0),
}


@pytest.mark.parametrize("name", sorted(CUSTOMER_CALLS))
def test_a_pyarrow_customer_table_gives_the_pandas_answer(customers, name) -> None:
    call = CUSTOMER_CALLS[name]
    want = call(customers)
    if name == "aum_tiers":  # the arrow table: individuals only, as the pandas call sees
        got = call(_arrow(customers[customers["customer_kind"] == "individual"]))
    else:
        got = call(_arrow(customers))
    _same(got, want)


def test_a_pyarrow_transaction_log_gives_the_pandas_answer(transactions) -> None:
    end = transactions["date"].max()
    _same(kq.rfm(_arrow(transactions), observation_end=end),
          kq.rfm(transactions, observation_end=end))
    assert isinstance(kq.validate_transactions(_arrow(transactions)), pd.DataFrame)


def test_a_record_batch_and_a_narwhals_frame_are_accepted(customers) -> None:
    import narwhals as nw

    small = customers[["customer_id", "aum"]].head(5)
    batch = pa.RecordBatch.from_pandas(small, preserve_index=False)
    assert kq.validate_customers(batch)["aum"].tolist() == small["aum"].tolist()
    wrapped = nw.from_native(_arrow(small), eager_only=True)
    assert kq.validate_customers(wrapped)["customer_id"].tolist() == small["customer_id"].tolist()


def test_polars_frames_when_polars_is_installed(customers) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.from_pandas(customers[["customer_id", "aum", "age"]])
    out = kq.validate_customers(frame)
    assert isinstance(out, pd.DataFrame) and out["aum"].tolist() == customers["aum"].tolist()
    with pytest.raises(kq.InputTypeError, match=r"LazyFrame.*collect\(\)"):
        kq.validate_customers(frame.lazy())


def test_other_objects_are_still_refused() -> None:
    with pytest.raises(kq.InputTypeError, match="expected a pandas DataFrame"):
        kq.validate_customers({"customer_id": [1], "aum": [1.0]})
    with pytest.raises(kq.InputTypeError, match=r"pyarrow DoubleArray.*data\.to_pandas\(\)"):
        kq.validate_customers(pa.array([1.0, 2.0]))


def test_the_caller_table_is_not_changed(customers) -> None:
    table = _arrow(customers[["customer_id", "aum"]])
    before = table.to_pandas()
    kq.aum_tiers(table)
    assert table.to_pandas().equals(before)


# --- sums that overflow -------------------------------------------------------------------------


def test_a_total_beyond_float64_is_an_error_naming_the_column_and_rows() -> None:
    huge = pd.Series([1e307] * 30 + [5.0], name="aum")
    for call in (kq.cumulative_shares, kq.concentration, kq.pareto_tiers):
        with pytest.raises(kq.SchemaError, match=r"'aum' adds up to more than.*1\.8e308") as info:
            call(huge)
        assert info.value.column == "aum" and info.value.rows[:10] == list(range(10))
    table = pd.DataFrame({"customer_id": [1, 2], "aum": [1.7e308, 1.7e308]})
    with pytest.raises(kq.SchemaError, match="overflow") as info:
        kq.validate_customers(table)
    assert info.value.column == "aum"


def test_transaction_amounts_whose_total_overflows_are_refused_by_every_door(tmp_path) -> None:
    log = pd.DataFrame({"customer_id": [1, 2, 3, 4],
                        "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01",
                                                "2024-03-02"]),
                        "amount": [10.0, 1.7e308, -1.7e308, 5.0]})  # refunds count too
    tail = ("adds up to more than the largest number a float64 holds (about 1.8e308), so its "
            "sums and shares would overflow to inf or NaN; 2 row(s) are too large for that, "
            "the largest at index [1, 2] with values [1.7e+308, -1.7e+308]. Check the "
            "column's unit (or divide it, e.g. by 1e4 for 万) before the call.")
    with pytest.raises(kq.SchemaError) as info:
        kq.validate_transactions(log)
    assert str(info.value) == f"transaction log: column 'amount' {tail}"
    assert info.value.column == "amount" and info.value.rows == [1, 2]
    with pytest.raises(kq.SchemaError) as info:
        kq.validate_transactions(_arrow(log))
    assert str(info.value) == f"transaction log: column 'amount' {tail}"
    with pytest.raises(kq.SchemaError) as info:
        kq.rfm(log)
    assert str(info.value) == f"rfm: column 'amount' {tail}"
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    with pytest.raises(kq.SchemaError, match="'amount' adds up to more than"):
        kq.read_transactions(path)
    kq.validate_transactions(log.assign(amount=[10.0, 8e307, 8e307, 5.0]))  # large, summable


def test_a_parquet_log_without_footer_statistics_is_still_summed(tmp_path) -> None:
    import pyarrow.parquet as pq

    log = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-05"] * 2),
                        "amount": [1.7e308, 1.7e308]})
    path = tmp_path / "log.parquet"
    pq.write_table(_arrow(log), path, write_statistics=False)
    with pytest.raises(kq.SchemaError, match=r"'amount' adds up to more than") as info:
        kq.rfm(str(path))
    assert info.value.rows == [0, 1]


def test_large_but_summable_values_give_a_finite_gini() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        c = kq.concentration(np.array([1e305] * 1000 + [0.0]))
        assert np.isfinite(c.gini) and 0 <= c.gini < 0.01
        assert kq.concentration(np.full(2000, 1e300)).gini == 0.0


# --- plots: a pyarrow Table draws what its pandas frame draws ------------------------------------


def _pixels(fn, args: tuple, kwargs: dict) -> np.ndarray:
    import matplotlib.pyplot as plt

    plt.figure(figsize=(4, 3), dpi=50)
    try:
        fig = fn(*args, **kwargs).figure  # some plots lay out a figure of their own
        fig.set_dpi(50)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()
    finally:
        plt.close("all")


def _plot_calls() -> list[str]:
    from .test_no_mutation import CALLS

    return sorted(name for name in CALLS if name.startswith("plot_"))


def test_every_plot_that_takes_a_table_is_in_the_pyarrow_check() -> None:
    plots = {n for n in kq.__all__ if n.startswith("plot_")}
    assert plots == set(_plot_calls())  # each takes a table (CALLS gives it one)


@pytest.mark.parametrize("name", _plot_calls())
def test_a_pyarrow_table_draws_what_the_pandas_frame_draws(name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from .test_no_mutation import CALLS, inputs

    fn, args, kwargs = CALLS[name](inputs())
    slot = next(i for i, a in enumerate(args) if isinstance(a, pd.DataFrame | pd.Series))
    frame = args[slot]
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    table = pa.Table.from_pandas(frame)  # keeps the index (pandas metadata) for to_pandas
    as_table = (*args[:slot], table, *args[slot + 1:])
    assert isinstance(as_table[slot], pa.Table)
    want = _pixels(fn, args, kwargs)
    got = _pixels(fn, as_table, kwargs)
    assert (want != 255).any(), f"{name} drew nothing"
    np.testing.assert_array_equal(got, want, err_msg=f"{name}: the pyarrow Table draws otherwise")


# --- every public function that takes a table --------------------------------------------------


def _table_calls() -> list[str]:
    from .test_no_mutation import CALLS, inputs

    frames = inputs()
    # table_currency reads pandas attrs, which pa.Table.from_pandas does not carry
    return sorted(name for name in CALLS if not name.startswith("plot_")
                  and name != "table_currency"
                  and any(isinstance(a, pd.DataFrame) for a in CALLS[name](frames)[1]))


@pytest.mark.parametrize("name", _table_calls())
def test_every_table_function_takes_a_pyarrow_table(name: str) -> None:
    """A pyarrow Table in place of the first table argument: the pandas answer (no raw
    AttributeError from a step that used the unconverted table)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .test_no_mutation import CALLS, inputs

    fn, args, kwargs = CALLS[name](inputs())
    slot = next(i for i, a in enumerate(args) if isinstance(a, pd.DataFrame))
    as_table = (*args[:slot], pa.Table.from_pandas(args[slot]), *args[slot + 1:])
    try:
        want = fn(*args, **kwargs)
        got = fn(*as_table, **kwargs)
    finally:
        plt.close("all")
    assert type(got) is type(want)
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_dtype=False, check_categorical=False)
