"""kequn (客群): analysing bank customer groups with pandas and scikit-learn.

Every public function and class is available from the top level:

    import kequn_lib as kq
    customers = kq.make_customers(n=10_000, random_state=0)

Modules:

- ``datasets``: the embedded synthetic bank (``make_customers``, ``make_transactions``,
  ``make_panel``), public datasets and the analyst's own files.
- ``schema``: column contracts of the customer table and the transaction log.
- ``tiering``, ``rfm_analysis``, ``potential``, ``bgnbd``: contribution-based tiering (AUM tiers,
  contribution, Pareto/ABC, migration), RFM analysis of transaction logs, potential value (wallet
  estimation, value matrix) and the BG/NBD model of transaction-based potential.
- ``clustering``, ``groups``, ``content``: behaviour-based segments as scikit-learn pipelines,
  Dunbar-sized operable groups and relationship layers, and content needs per group.
- ``essay``, ``reach``: the source essay's claims as a cited table, and the one-to-one versus
  group service reach of a relationship manager.
- ``lending``: the WeBank / MYbank lending case study.
- ``backends``: one dispatch for every input kind: pandas, Parquet files (on DuckDB) and Dask
  DataFrames (beyond one machine).
- ``plots``: ``use_theme()`` (CJK font) and the package's standard figures.
- ``report``: execute the notebooks and render the HTML report (imported on first use).

Importing the package has no side effects: no global options, no output, no network.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import (
    _display,
    backends,
    bgnbd,
    clustering,
    content,
    datasets,
    errors,
    essay,
    groups,
    lending,
    plots,
    potential,
    reach,
    rfm_analysis,
    schema,
    tiering,
)
from ._display import *  # noqa: F403
from .backends import *  # noqa: F403
from .bgnbd import *  # noqa: F403
from .clustering import *  # noqa: F403
from .content import *  # noqa: F403
from .datasets import *  # noqa: F403
from .errors import *  # noqa: F403
from .essay import *  # noqa: F403
from .groups import *  # noqa: F403
from .lending import *  # noqa: F403
from .plots import *  # noqa: F403
from .potential import *  # noqa: F403
from .reach import *  # noqa: F403
from .rfm_analysis import *  # noqa: F403
from .schema import *  # noqa: F403
from .tiering import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    *errors.__all__,
    *schema.__all__,
    *datasets.__all__,
    *tiering.__all__,
    *rfm_analysis.__all__,
    *potential.__all__,
    *bgnbd.__all__,
    *clustering.__all__,
    *groups.__all__,
    *content.__all__,
    *essay.__all__,
    *reach.__all__,
    *lending.__all__,
    *backends.__all__,
    *plots.__all__,
    *_display.__all__,
]


def __getattr__(name: str) -> Any:
    # ``report`` pulls in nbclient/nbconvert; load it only when asked for (kq.report.build).
    if name == "report":
        return importlib.import_module(".report", __name__)
    raise AttributeError(f"module 'kequn_lib' has no attribute {name!r}")
