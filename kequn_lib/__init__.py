"""kequn (客群): analysing bank customer groups with pandas and scikit-learn.

Every public function and class is available from the top level:

    import kequn_lib as kq
    customers = kq.make_customers(n=10_000, random_state=0)

Modules:

- ``datasets``: the embedded synthetic bank (``make_customers``, ``make_transactions``,
  ``make_panel``), public datasets and the analyst's own files.
- ``schema``: column contracts of the customer table and the transaction log.
- ``currency``: the currency a customer table carries, and tiers by its own percentiles.
- ``errors``: ``KequnError`` and its subclasses, raised on bad input or unavailable data.
- ``tiering``, ``rfm_analysis``, ``potential``, ``bgnbd``: contribution-based tiering (AUM tiers,
  contribution, Pareto/ABC, migration), RFM analysis of transaction logs, potential value (wallet
  estimation, value matrix) and the BG/NBD model of transaction-based potential.
- ``holdout``, ``spend``, ``lifetime_value``: calibration/holdout splits of a transaction log,
  the Gamma-Gamma model of spend per transaction, and customer lifetime value with its model
  checks.
- ``clustering``, ``groups``, ``layers``, ``content``: behaviour-based segments as scikit-learn
  pipelines, Dunbar-sized operable groups, relationship layers (service, trust, social
  currency), and content needs per group.
- ``health``: group health on a weekly activity log (presence, participation, belonging,
  silent groups, content fit and take-up, value recognition).
- ``essay``, ``reach``: the source essay's claims as a cited table, and the one-to-one versus
  group service reach of a relationship manager.
- ``lending``: the WeBank / MYbank lending case study.
- ``backends``: one dispatch for every input kind: pandas, Parquet files (on DuckDB) and Dask
  DataFrames (beyond one machine).
- ``plots``: ``use_theme()`` (CJK font) and the package's standard figures.
- ``report``: execute the notebooks and render the HTML report (imported on first use).

Results: scores and labels come back as Series aligned to the input, tables as DataFrames, and a
result with more than one part (a table plus what was estimated with it: ``KSelection``,
``Concentration``, ``QuantileTiers``, ``TakeUpFit``...) as a frozen dataclass. ``DataFrame.attrs``
holds only metadata that describes the data and travels with it (``currency``, a public
dataset's ``citation`` and ``licence``, the ``outcome`` column, ``time_unit_days`` of an RFM
table), pandas' intended use of ``attrs``; no result is returned there.

Importing the package has no side effects: no global options, no output, no network. It is
also light: every public name is listed below with the module that defines it, and that module
(with its heavy dependencies: matplotlib and seaborn for plots, pandera for the schema, DuckDB
and Dask for the engines, nbclient for the report) loads on first use of one of its names.
"""

import importlib as _importlib

__version__ = "0.1.0"

# Public names by defining module (its ``__all__``; tests/test_imports.py checks that the two
# agree). A new public module: add it here with its names.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "errors": (
        "DataFileNotFoundError", "DataUnavailableError", "InputTypeError", "KequnError",
        "NotFittedError", "ParameterError", "SchemaError",
    ),
    "schema": (
        "CUSTOMER_SCHEMA", "TRANSACTION_SCHEMA", "validate_customers", "validate_transactions",
    ),
    "datasets": (
        "DATA_SOURCES", "load_customers", "BANKS", "PERSONAS", "make_customers",
        "make_transactions", "make_panel", "ActivityAssumptions", "make_group_activity",
        "bank_marketing_customers", "cache_dir",
        "credit_default_customers", "load_bank_marketing", "load_credit_default", "HEADER_PRESET",
        "read_customers", "read_transactions",
    ),
    "tiering": (
        "Concentration", "ContributionModel", "Migration", "MixedKindsWarning", "aum_tiers",
        "concentration", "contribution", "cumulative_shares", "pareto_tiers", "split_by_kind",
        "tier_migration", "tier_presets",
    ),
    "_dates": (
        "parse_dates",
    ),
    "_idcard": (
        "id_card_info",
    ),
    "currency": (
        "QuantileTiers", "quantile_tiers", "table_currency",
    ),
    "rfm_analysis": (
        "RFM_SEGMENTS", "rfm", "rfm_scores", "rfm_segments",
    ),
    "potential": (
        "VALUE_QUADRANTS", "estimate_wallet", "value_matrix", "value_matrix_summary",
    ),
    "bgnbd": (
        "BGNBD", "simulate_bgnbd",
    ),
    "holdout": (
        "calibration_holdout",
    ),
    "spend": (
        "GammaGamma", "simulate_gamma_gamma",
    ),
    "lifetime_value": (
        "clv", "clv_sample", "contribution_margin", "customer_equity", "holdout_by_frequency",
        "holdout_errors", "realised_value", "tracking",
    ),
    "clustering": (
        "ALGORITHMS", "KSelection", "PartitionComparison", "SegmentPipeline", "SegmentPreparer",
        "Segmentation", "StabilityResult", "choose_features", "choose_k", "compare_partitions",
        "fit_on_partitions", "fit_on_sample", "predict_in_chunks", "predict_partitions",
        "profile_segments", "sample_partitions", "segment_customers", "segment_pipeline",
        "stability",
    ),
    "groups": (
        "dunbar_dispersion", "dunbar_groups",
    ),
    "layers": (
        "LAYER_LABELS", "LayerRules", "layer_criteria", "layer_funnel", "relationship_layers",
    ),
    "content": (
        "ContentRules", "content_checklist", "content_needs",
    ),
    "health": (
        "SilenceRule", "TakeUpFit", "ValueScoring", "content_take_up", "group_health",
        "silent_groups", "value_recognition", "weekly_group_activity",
    ),
    "essay": (
        "essay_claims",
    ),
    "reach": (
        "ServiceAssumptions", "service_reach",
    ),
    "lending": (
        "BookComparison", "LendingAssumptions", "LoanSizeModel", "OverduePower",
        "approval_under_tolerance", "calibrate_loan_sizes", "compare_books", "decompose_volume",
        "growth_path", "lending_assumptions", "lending_facts", "loan_book_checks",
        "make_applicant_pool", "overdue_power", "public_figures", "simulate_loan_book",
        "size_sensitivity",
    ),
    "backends": (
        "duckdb_options", "open_parquet",
    ),
    "plots": (
        "cjk_font", "plot_lorenz", "use_theme", "yuan_formatter", "plot_aum_distribution",
        "plot_mix", "plot_take_up", "plot_migration", "plot_pareto", "plot_rfm",
        "plot_tier_distribution", "plot_value_matrix", "plot_p_alive", "plot_k_selection",
        "plot_partition_crosstab", "plot_segment_embedding", "plot_segment_profile",
        "plot_group_sizes", "plot_layer_funnel", "plot_group_activity", "plot_take_up_vs_fit",
        "plot_growth_paths", "plot_loan_sizes", "plot_size_sensitivity", "plot_tolerance_curve",
        "plot_volume_decomposition", "plot_calibration_holdout", "plot_tracking",
    ),
    "_i18n": (
        "LANGUAGES", "get_language", "localise", "set_language",
    ),
    "_display": (
        "DisplayTable", "KeyFigures", "Prose", "display_table", "fmt", "key_figures", "prose",
    ),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
# Modules a reader may reach as ``kq.<module>`` (documented above); private ones stay hidden.
_PUBLIC_MODULES = (
    "backends", "bgnbd", "clustering", "content", "currency", "datasets", "errors", "essay",
    "groups", "health", "holdout", "layers", "lending", "lifetime_value", "plots", "potential",
    "reach", "report", "rfm_analysis", "schema", "spend", "tiering",
)
_SUBMODULES = frozenset({*_EXPORTS, *_PUBLIC_MODULES})

__all__ = [name for names in _EXPORTS.values() for name in names]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(_importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = _importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'kequn_lib' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_PUBLIC_MODULES, "__version__"})
