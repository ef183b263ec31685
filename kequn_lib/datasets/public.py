"""Public datasets, downloaded once, verified and typed: UCI Bank Marketing and UCI Default of
Credit Card Clients. Each loader returns the raw table or, with ``as_customers=True``, a customer
table in kequn's schema. Files live in a cache folder (:func:`cache_dir`).

Integrity: the CSV that is finally parsed always matches a pinned SHA-256. Archives are containers
(the outer UCI archive is repacked by the server, so its own hash changes): the member extracted
from them is checked. The credit ``.xls`` has no confirmed hash: its parsed values must reproduce
the pinned CSV rendering. A file that fails its check is never used and, unless just downloaded,
is left in place, with a :class:`~kequn_lib.DataUnavailableError`. Archive members are read by
fixed names and written under fixed names into the cache folder only; an archive with an absolute
or ``..`` member name is rejected whole. Offline use: see ``docs/bring_your_own_data.md``.

This module gathers the family's public names. The code lives in one module per dataset,
:mod:`~kequn_lib.datasets.bank_marketing` and :mod:`~kequn_lib.datasets.credit_default`, over
the download and cache core :mod:`~kequn_lib.datasets._download`.
"""

from __future__ import annotations

from ._download import cache_dir
from .bank_marketing import _BANK_META as _BANK_META  # the citations, for the book's references
from .bank_marketing import bank_marketing_customers, load_bank_marketing
from .credit_default import _CREDIT_META as _CREDIT_META
from .credit_default import credit_default_customers, load_credit_default

__all__ = [
    "bank_marketing_customers",
    "cache_dir",
    "credit_default_customers",
    "load_bank_marketing",
    "load_credit_default",
]
