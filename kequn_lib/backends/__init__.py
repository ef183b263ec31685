"""Engines: which one runs a tabular step, decided in one place for every kind of input.

:func:`~kequn_lib.rfm`, :func:`~kequn_lib.aum_tiers`, :func:`~kequn_lib.contribution` and
:func:`~kequn_lib.pareto_tiers` accept three kinds of input and give the same answers, or the
same error, for each:

* a pandas DataFrame or Series: numpy, in memory (the analysis modules' own code);
* a Parquet source, a ``.parquet`` file, a folder of them or a glob such as
  ``"logs/2024-*.parquet"``: DuckDB reads the files with one SQL statement per step, in
  bounded memory (:func:`duckdb_options` sets the memory limit and the spill folder); results
  come back as pandas;
* a Dask DataFrame, local or on a cluster: the pandas kernels run partition by partition.
  Summaries (the RFM table) come back as pandas; row-aligned outputs (tiers, contribution, ABC
  classes) are lazy Dask collections on the input's partitions.

Every analysis function validates its parameters once, then calls :func:`input_kind` and hands
the input to the engine. Row checks (NaN, negative amounts, missing ids, repeated ids, totals
beyond float64) run on the whole input before a result is returned, with the words of the
pandas path; the index of a Parquet row is its row number across the files, in file-name order.

This package imports neither pandas' analysis modules nor DuckDB or Dask at import time: the
engines load on first use. Dask is optional (the ``dev`` extra installs it).
"""

from __future__ import annotations

from ._duckdb import duckdb_options
from ._kinds import DASK, PANDAS, PARQUET, input_kind, is_dask, open_parquet, parquet_source

__all__ = ["duckdb_options", "open_parquet"]

# used by the analysis modules
_INTERNAL = (DASK, PANDAS, PARQUET, input_kind, is_dask, parquet_source)
