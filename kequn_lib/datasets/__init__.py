"""Data sources that all end in kequn's customer table (and transaction log).

* :mod:`~kequn_lib.datasets.synthetic`: the embedded synthetic bank, the default everywhere.
* :mod:`~kequn_lib.datasets.public`: public datasets (UCI), downloaded and hash-checked: one
  module per dataset (:mod:`~kequn_lib.datasets.bank_marketing`,
  :mod:`~kequn_lib.datasets.credit_default`) over the download and cache core
  (:mod:`~kequn_lib.datasets._download`).
* :mod:`~kequn_lib.datasets.files`: the analyst's own CSV, Parquet or Excel exports.
"""

from __future__ import annotations

from . import activity, files, panel, public, sources, synthetic
from .activity import *  # noqa: F403
from .files import *  # noqa: F403
from .panel import *  # noqa: F403
from .public import *  # noqa: F403
from .sources import *  # noqa: F403
from .synthetic import *  # noqa: F403

__all__ = [
    *sources.__all__,
    *synthetic.__all__,
    *panel.__all__,
    *activity.__all__,
    *public.__all__,
    *files.__all__,
]
