"""Tests of the engines (kequn_lib.backends): Parquet on DuckDB, Dask DataFrames, clustering at
scale. The Parquet and Dask results are compared with the in-memory pandas path of the same
function; tests/test_backends.py runs the full behaviour matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib import backends
from kequn_lib.backends import _duckdb
from kequn_lib.errors import KequnError, ParameterError, SchemaError

TOL = {"rtol": 1e-9, "atol": 1e-9}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    """A random log: 400 customers, a year of events, several a day for some."""
    rng = np.random.default_rng(7)
    n = 12_000
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, 400, n),
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), unit="min"),
            "amount": np.round(rng.lognormal(5, 1.2, n), 2)
            * rng.choice([1, -1], n, p=[0.95, 0.05]),
            "channel": rng.choice(["app", "branch"], n),
        }
    )


@pytest.fixture(scope="module")
def table(customers) -> pd.DataFrame:
    """The money and count columns of the small synthetic bank."""
    cols = ["customer_id", "aum", "deposit_balance", "wealth_balance", "loan_balance",
            "fee_income_12m", "fx_volume_12m", "products_held", "rm_contacts_90d"]
    return customers[cols].copy()


def _write_parts(frame: pd.DataFrame, folder, parts: int, name: str = "part") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[chunk].to_parquet(folder / f"{name}-{i:02d}.parquet", index=False)


@pytest.fixture
def log_glob(tmp_path, log) -> str:
    _write_parts(log, tmp_path / "log", 4)
    return str(tmp_path / "log" / "*.parquet")


@pytest.fixture
def table_dir(tmp_path, table):
    _write_parts(table, tmp_path / "customers", 3)
    return tmp_path / "customers"


def _by_id(result: pd.Series | pd.DataFrame, ids: pd.Series):
    return result.set_axis(pd.Index(ids.to_numpy(), name=ids.name))


# --- dispatch and opening ------------------------------------------------------------------------


def test_open_parquet_counts_rows_of_every_file(log_glob, log) -> None:
    dataset = kq.open_parquet(log_glob, columns=["amount"])
    assert dataset.count_rows() == len(log)
    assert len(dataset.files) == 4


def test_not_parquet_path_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="not a Parquet file"):
        kq.rfm("transactions.csv")


def test_dask_detection_only_for_dask_objects() -> None:
    assert not backends.is_dask(pd.DataFrame())
    assert not backends.is_dask("x.parquet")


# --- RFM over Parquet ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs", [{}, {"freq": "W"}, {"observation_end": "2024-09-30"}], ids=["D", "W", "end"]
)
def test_rfm_parquet_glob_equals_pandas(log_glob, log, kwargs) -> None:
    expected = kq.rfm(log, **kwargs)
    pd.testing.assert_frame_equal(kq.rfm(log_glob, **kwargs), expected, **TOL)


def test_rfm_parquet_spills_under_a_small_memory_limit(log_glob, log, tmp_path) -> None:
    spill = tmp_path / "spill"
    with kq.duckdb_options(memory_limit="64MB", temp_directory=spill, threads=1):
        got = kq.rfm(log_glob)
    pd.testing.assert_frame_equal(got, kq.rfm(log), **TOL)


def test_duckdb_settings_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("KEQUN_DUCKDB_MEMORY_LIMIT", "123MB")
    monkeypatch.setenv("KEQUN_DUCKDB_THREADS", "1")
    with _duckdb.connect() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    assert limit.startswith(("117", "123")) and int(threads) == 1
    with kq.duckdb_options(threads=2), _duckdb.connect() as con:
        assert int(con.execute("SELECT current_setting('threads')").fetchone()[0]) == 2
    with pytest.raises(ParameterError, match="threads"):
        with kq.duckdb_options(threads=0):
            pass


def test_rfm_parquet_folder_path_string_ids_and_dates(tmp_path, log) -> None:
    other = log.assign(
        customer_id="c" + log["customer_id"].astype(str),
        date=log["date"].dt.date,  # Arrow date32
    )
    _write_parts(other, tmp_path / "strlog", 3)
    got = kq.rfm(tmp_path / "strlog")
    expected = kq.rfm(other.assign(date=pd.to_datetime(other["date"])))
    pd.testing.assert_frame_equal(got, expected, check_index_type=False, **TOL)
    assert got.index.name == "customer_id"


def test_rfm_parquet_all_late_is_the_pandas_error(log_glob, log) -> None:
    with pytest.raises(ParameterError, match="before every transaction") as pandas_err:
        kq.rfm(log, observation_end="2000-01-01")
    with pytest.raises(ParameterError) as parquet_err:
        kq.rfm(log_glob, observation_end="2000-01-01")
    assert str(parquet_err.value) == str(pandas_err.value)


def test_rfm_parquet_bad_amount_names_the_row_across_files(tmp_path, log) -> None:
    bad = log.copy()
    bad.loc[len(bad) - 3, "amount"] = np.nan
    _write_parts(bad, tmp_path / "bad", 2)
    with pytest.raises(SchemaError, match=rf"'amount'.*index \[{len(bad) - 3}\]") as err:
        kq.rfm(str(tmp_path / "bad" / "*.parquet"))
    assert err.value.rows == [len(bad) - 3]


@pytest.mark.parametrize("bad", ["none", "id", "date", "amount"])
def test_rfm_parquet_without_footer_statistics_checks_every_row(tmp_path, log, bad) -> None:
    # without null counts in the footers the statement carries the checks itself: the same
    # result on clean files, the pandas error (words and rows) on bad ones
    frame = log.drop(columns="channel")
    if bad == "id":
        frame = frame.assign(customer_id=frame["customer_id"].astype("float64"))
    column = {"id": "customer_id", "date": "date", "amount": "amount"}.get(bad)
    if column:
        frame.loc[[40, 7_000], column] = pd.NaT if bad == "date" else np.nan
    folder = tmp_path / "nostats"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 2)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False,
                                    write_statistics=False)
    assert not backends.parquet_source(str(folder), columns=None, owner="t").no_nulls
    if not column:
        pd.testing.assert_frame_equal(kq.rfm(str(folder)), kq.rfm(frame), **TOL)
        return
    with pytest.raises(SchemaError) as want:
        kq.rfm(frame)
    with pytest.raises(SchemaError) as got:
        kq.rfm(str(folder))
    assert str(got.value) == str(want.value)
    assert got.value.rows == want.value.rows == [40, 7_000]


# --- bad Parquet sources fail before any row is read ----------------------------------------------


@pytest.fixture
def no_scan(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("rows were read before the input was validated")

    monkeypatch.setattr(_duckdb, "connect", boom)


def test_empty_glob_is_an_error(tmp_path, no_scan) -> None:
    with pytest.raises(ParameterError, match="matches no files"):
        kq.rfm(str(tmp_path / "nothing-*.parquet"))
    with pytest.raises(KequnError, match="matches no files"):
        kq.aum_tiers(str(tmp_path / "*.parquet"))


def test_empty_folder_is_an_error(tmp_path, no_scan) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="holds no .parquet files"):
        kq.contribution(tmp_path / "empty")


def test_differing_schemas_are_an_error(tmp_path, log, no_scan) -> None:
    folder = tmp_path / "mixed"
    _write_parts(log, folder, 2)
    log.head(5).assign(amount=lambda d: d["amount"].astype(str)).to_parquet(
        folder / "part-99.parquet", index=False
    )
    with pytest.raises(SchemaError, match=r"do not share one schema.*'amount' is double vs"):
        kq.rfm(str(folder / "*.parquet"))


def test_missing_column_in_parquet_is_an_error(log_glob, no_scan) -> None:
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'spend'.*The table has: "):
        kq.rfm(log_glob, amount_col="spend")
    with pytest.raises(SchemaError, match="contribution needs a deposit balance column"):
        kq.contribution(log_glob)  # a transaction log: no balance role


def test_non_numeric_amount_type_is_an_error(tmp_path, log, no_scan) -> None:
    log.assign(amount=log["amount"].astype(str)).to_parquet(tmp_path / "s.parquet", index=False)
    with pytest.raises(SchemaError, match="'amount' of the Parquet files has type"):
        kq.rfm(tmp_path / "s.parquet")


def test_bad_parameters_fail_before_reading(log_glob, table_dir, no_scan) -> None:
    with pytest.raises(ParameterError, match="freq"):
        kq.rfm(log_glob, freq="M")
    with pytest.raises(ParameterError, match="observation_end"):
        kq.rfm(log_glob, observation_end="not a date")
    with pytest.raises(ParameterError, match="preset"):
        kq.aum_tiers(table_dir, preset="nope")
    with pytest.raises(ParameterError, match="ContributionModel"):
        kq.contribution(table_dir, model="cheap")
    with pytest.raises(ParameterError, match="value_col="):
        kq.pareto_tiers(table_dir)
    with pytest.raises(ParameterError, match="cuts"):
        kq.pareto_tiers(table_dir, value_col="aum", cuts=(0.9, 0.5))


# --- tiering over Parquet ------------------------------------------------------------------------


def test_aum_tiers_parquet_equals_pandas(table_dir, table) -> None:
    got = kq.aum_tiers(table_dir, labels="en")
    expected = _by_id(kq.aum_tiers(table, labels="en"), table["customer_id"])
    pd.testing.assert_series_equal(got, expected)


def test_aum_tiers_parquet_without_ids_is_indexed_by_row(table_dir, table) -> None:
    got = kq.aum_tiers(table_dir, id_col=None)
    pd.testing.assert_series_equal(got, kq.aum_tiers(table.reset_index(drop=True), id_col=None))


def test_aum_tiers_parquet_repeated_ids_are_an_error(tmp_path, table) -> None:
    _write_parts(pd.concat([table.head(3), table.head(3)]), tmp_path / "dup", 2)
    with pytest.raises(SchemaError, match="must be unique.*id_col=None"):
        kq.aum_tiers(tmp_path / "dup")


def test_contribution_parquet_equals_pandas(table_dir, table) -> None:
    got = kq.contribution(str(table_dir / "*.parquet"))
    expected = _by_id(kq.contribution(table), table["customer_id"])
    pd.testing.assert_frame_equal(got, expected, **TOL)


def test_contribution_parquet_missing_zero(tmp_path, table) -> None:
    part = table[["customer_id", "deposit_balance", "loan_balance"]]
    _write_parts(part, tmp_path / "thin", 2)
    got = kq.contribution(tmp_path / "thin", missing="zero")
    expected = _by_id(kq.contribution(part, missing="zero"), part["customer_id"])
    pd.testing.assert_frame_equal(got, expected, **TOL)


def test_pareto_parquet_equals_pandas(table_dir, table) -> None:
    got = kq.pareto_tiers(table_dir, value_col="aum")
    expected = _by_id(kq.pareto_tiers(table["aum"]), table["customer_id"])
    pd.testing.assert_series_equal(got, expected)


@pytest.mark.parametrize(
    "values",
    [
        [70.0, 5.0, 20.0, 3.0, 2.0],
        [5.0, 5.0, 5.0, 5.0],
        [0.0, -3.0, 0.0],
        [-1.0, 1e-310, 3.0, 1e300, 7.0, 7.0, 0.0],
    ],
    ids=["doc", "ties", "nonpositive", "extremes"],
)
def test_pareto_parquet_edge_values(tmp_path, values) -> None:
    frame = pd.DataFrame({"v": values})
    _write_parts(frame, tmp_path / "v", 2)
    got = kq.pareto_tiers(tmp_path / "v", value_col="v", cuts=(0.5, 0.8, 0.95))
    expected = kq.pareto_tiers(frame["v"], cuts=(0.5, 0.8, 0.95))
    pd.testing.assert_series_equal(got, expected)


def test_pareto_pandas_frame_with_column(table) -> None:
    got = kq.pareto_tiers(table, value_col="aum")
    pd.testing.assert_series_equal(got, kq.pareto_tiers(table["aum"]))


def test_parquet_files_are_not_modified(table_dir) -> None:
    before = {p.name: p.read_bytes() for p in table_dir.iterdir()}
    kq.contribution(table_dir)
    kq.pareto_tiers(table_dir, value_col="aum")
    assert {p.name: p.read_bytes() for p in table_dir.iterdir()} == before


# --- Dask on a local cluster with two workers -----------------------------------------------------


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed (dev extra)")
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _dd():
    import dask.dataframe as dd

    return dd


@pytest.mark.parametrize(
    "kwargs", [{}, {"freq": "W"}, {"observation_end": "2024-09-30"}], ids=["D", "W", "end"]
)
def test_rfm_dask_equals_pandas(client, log, kwargs) -> None:
    ddf = _dd().from_pandas(log, npartitions=5)
    got = kq.rfm(ddf, **kwargs)
    assert isinstance(got, pd.DataFrame)
    pd.testing.assert_frame_equal(got, kq.rfm(log, **kwargs), **TOL)


def test_tiering_dask_equals_pandas(client, table) -> None:
    ddf = _dd().from_pandas(table, npartitions=4)
    tiers = kq.aum_tiers(ddf)
    assert backends.is_dask(tiers)
    pd.testing.assert_series_equal(tiers.compute(), kq.aum_tiers(table))
    pd.testing.assert_frame_equal(
        kq.contribution(ddf).compute(), kq.contribution(table), **TOL
    )
    pd.testing.assert_series_equal(
        kq.pareto_tiers(ddf, value_col="aum").compute(), kq.pareto_tiers(table["aum"])
    )
    pd.testing.assert_series_equal(
        kq.pareto_tiers(ddf["aum"], cuts=(0.5, 0.9)).compute(),
        kq.pareto_tiers(table["aum"], cuts=(0.5, 0.9)),
    )


def test_dask_missing_column_fails_before_work(client, log, table) -> None:
    def boom(part):
        raise AssertionError("a partition was computed before the input was validated")

    ddf = _dd().from_pandas(log, npartitions=2).map_partitions(boom, meta=log.head(0))
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'spend'.*The table has"):
        kq.rfm(ddf, amount_col="spend")
    cdf = _dd().from_pandas(table, npartitions=2).map_partitions(boom, meta=table.head(0))
    with pytest.raises(SchemaError, match="missing column"):
        kq.contribution(cdf.drop(columns=["loan_balance"]))
    with pytest.raises(SchemaError, match=r"aum_tiers needs an AUM column \('balance'\)"):
        kq.aum_tiers(cdf, aum_col="balance")
    with pytest.raises(SchemaError, match="missing column"):
        kq.pareto_tiers(cdf, value_col="value")
    with pytest.raises(SchemaError, match="'amount' must be numeric"):
        kq.rfm(ddf.assign(amount=ddf["channel"]))


def test_dask_bad_values_raise_kequn_errors(client, log) -> None:
    bad = log.copy()
    bad.loc[100, "amount"] = np.inf
    with pytest.raises(SchemaError, match="'amount' must be finite"):
        kq.rfm(_dd().from_pandas(bad, npartitions=3))


def test_dask_input_is_not_modified(client, table) -> None:
    before = table.copy()
    ddf = _dd().from_pandas(table, npartitions=3)
    kq.contribution(ddf).compute()
    kq.aum_tiers(ddf).compute()
    pd.testing.assert_frame_equal(table, before)
    pd.testing.assert_frame_equal(ddf.compute(), before)


# --- clustering at scale -------------------------------------------------------------------------


def test_sample_partitions_is_stratified_and_reproducible(client, customers) -> None:
    ddf = _dd().from_pandas(customers, npartitions=4)
    a = kq.sample_partitions(ddf, n=300, stratify="customer_kind", random_state=3)
    b = kq.sample_partitions(ddf, n=300, stratify="customer_kind", random_state=3)
    pd.testing.assert_frame_equal(a, b)
    share = customers["customer_kind"].value_counts(normalize=True)
    expected = (share * 300).round().astype(int).sort_index()
    pd.testing.assert_series_equal(
        a["customer_kind"].value_counts().sort_index(), expected, check_names=False
    )
    assert a.index.is_unique and a.index.isin(customers.index).all()


def test_fit_on_partitions_then_predict_partitions(client, customers) -> None:
    ddf = _dd().from_pandas(customers, npartitions=4)
    pipe = kq.segment_pipeline(numeric=["aum", "products_held", "app_logins_90d"], n_clusters=3,
                               random_state=0)
    fitted = kq.fit_on_partitions(ddf, pipe, sample_size=800, stratify="region", random_state=0)
    labels = kq.predict_partitions(fitted, ddf)
    assert backends.is_dask(labels)
    got = labels.compute()
    pd.testing.assert_series_equal(got, fitted.predict(customers), check_dtype=False)
    assert got.name == "segment" and got.nunique() == 3


def test_predict_partitions_bad_inputs(client, customers) -> None:
    ddf = _dd().from_pandas(customers, npartitions=2)
    pipe = kq.segment_pipeline(numeric=["aum", "products_held"], n_clusters=2)
    with pytest.raises(ParameterError, match="not fitted"):
        kq.predict_partitions(pipe, ddf)
    fitted = pipe.fit(customers.head(200))
    with pytest.raises(SchemaError, match="missing column.*'products_held'"):
        kq.predict_partitions(fitted, ddf.drop(columns=["products_held"]))
    with pytest.raises(ParameterError, match="Dask DataFrame"):
        kq.predict_partitions(fitted, customers)
    with pytest.raises(SchemaError, match="missing column"):
        kq.sample_partitions(ddf, n=10, stratify="segment_of_nowhere")
