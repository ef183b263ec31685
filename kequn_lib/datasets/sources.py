"""One entry point for every customer-table source: :func:`load_customers`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._validation import check_option

__all__ = ["DATA_SOURCES", "load_customers"]

DATA_SOURCES: dict[str, str] = {
    "synthetic": "the embedded synthetic bank (kq.make_customers); no download",
    "uci-bank-marketing": "UCI Bank Marketing (id 222), Portuguese retail bank, 45,211 contacts",
    "uci-credit-default": "UCI Default of Credit Card Clients (id 350), Taiwan, 30,000 cardholders",
}
"""Names accepted by :func:`load_customers` (and by the notebooks' ``DATA`` parameter)."""


def load_customers(
    source: str = "synthetic",
    *,
    n: int = 50_000,
    random_state: int | None = 0,
    data_home: str | Path | None = None,
) -> pd.DataFrame:
    """Load a customer table in kequn's schema from a named source.

    Parameters
    ----------
    source : {"synthetic", "uci-bank-marketing", "uci-credit-default"}, default="synthetic"
        Where the customers come from; see :data:`DATA_SOURCES`.
    n : int, default=50_000
        Number of customers to generate (synthetic only; public datasets are used whole).
    random_state : int, numpy Generator or None, default=0
        Seed of the synthetic generator.
    data_home : str or Path, optional
        Cache folder of the public datasets (else ``KEQUN_DATA``, else the platform cache).

    Returns
    -------
    pandas.DataFrame
        One row per customer; public sources carry their citation and licence in ``.attrs``.

    Raises
    ------
    ParameterError
        If ``source`` is not a known name.
    DataUnavailableError
        If a public dataset is neither cached nor downloadable; the message says which file to
        place where.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.load_customers("synthetic", n=100, random_state=1).shape[0]
    100
    """
    source = check_option(source, DATA_SOURCES, name="source", owner="load_customers")
    if source == "synthetic":
        from .synthetic import make_customers

        return make_customers(n=n, random_state=random_state)
    from . import public

    if source == "uci-bank-marketing":
        return public.load_bank_marketing(data_home=data_home, as_customers=True)
    return public.load_credit_default(data_home=data_home, as_customers=True)
