"""Relationship layers (关系裂变): the three-layer ladder from service to social currency.

The source essay (article part 2) argues that value recognition (价值认同) in a 客群 grows
partly through relationship fission (关系裂变): three layers of depth, from accepting the bank's
service (接受服务), to trusting its staff (信任员工), to the bank becoming the client's social
currency (社交货币) that they recommend to friends. A bank sees only behaviour, so each layer gets
an observable proxy:

* :func:`layer_criteria` checks each layer's rule per customer, :func:`relationship_layers`
  places each customer on the ladder with the visible thresholds of :class:`LayerRules`, and
  :func:`layer_funnel` counts the funnel by segment (or by Dunbar group from
  :mod:`kequn_lib.groups`).

All thresholds are assumptions, not sourced figures: they are dataclass defaults so a bank can
replace them with its own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    check_int,
    check_number,
    fmt_values,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
    require_role,
)
from .errors import ParameterError
from .groups import _check_rules, _resolve_by

__all__ = [
    "LAYER_LABELS",
    "LayerRules",
    "layer_criteria",
    "layer_funnel",
    "relationship_layers",
]

LAYER_LABELS = ("none", "1 accepts service", "2 trusts staff", "3 social currency")
"""The relationship ladder, in order: none, accepts the bank's service (接受服务), trusts its staff
(信任员工), the bank is the client's social currency (社交货币)."""


@dataclass(frozen=True)
class LayerRules:
    """Observable thresholds for the three relationship layers (关系裂变). Assumptions, not sourced.

    The source essay (article part 2) describes the layers in words; a bank sees only behaviour,
    so each layer gets an observable proxy. Change any threshold by passing your own instance,
    e.g. ``kq.LayerRules(min_app_logins=10)``.

    Parameters
    ----------
    min_app_logins : int, default=6
        Layer 1, accepts service (接受服务): the customer serves themself, at least this many app
        logins in 90 days (about one every two weeks).
    min_rm_contacts : int, default=1
        Layer 2, trusts staff (信任员工): at least this many relationship-manager contacts in
        90 days ...
    min_products : int, default=4
        ... and advice taken, seen as holding at least this many products ...
    min_wealth_share : float or None, default=0.3
        ... or holding at least this share of AUM in wealth products (理财/基金/贵金属 are sold
        through advice, so money moved out of plain deposits is advice taken). ``None`` ignores
        wealth. Merely holding some wealth product is too common a trait to signal trust.
    min_referrals : int, default=1
        Layer 3, social currency (社交货币): at least this many referrals in 12 months.
    nested : bool, default=True
        If True a customer reaches layer k only when the rules of layers 1..k all hold (a
        ladder); if False, the highest layer whose own rule holds counts.
    """

    min_app_logins: int = 6
    min_rm_contacts: int = 1
    min_products: int = 4
    min_wealth_share: float | None = 0.3
    min_referrals: int = 1
    nested: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "nested":
                if not isinstance(value, bool | np.bool_):
                    msg = f"LayerRules: nested must be True or False, got {value!r}."
                    raise ParameterError(msg)
            elif f.name == "min_wealth_share":
                if value is not None:
                    check_number(value, name=f.name, owner="LayerRules", low=0, high=1)
            else:
                check_int(value, name=f.name, owner="LayerRules", low=0)


def layer_criteria(
    data: pd.DataFrame,
    *,
    rules: LayerRules | None = None,
    app_col: str = "app_logins_90d",
    rm_col: str = "rm_contacts_90d",
    products_col: str = "products_held",
    wealth_col: str | None = "wealth_balance",
    aum_col: str = "aum",
    referrals_col: str = "referrals_12m",
) -> pd.DataFrame:
    """Which relationship-layer rule each customer meets, one boolean column per layer.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table.
    rules : LayerRules, optional
        Thresholds; ``LayerRules()`` by default.
    app_col, rm_col, products_col, wealth_col, aum_col, referrals_col : str
        Columns of app logins (90 days), relationship-manager contacts (90 days), products held,
        wealth balance and AUM (CNY; ``wealth_col=None`` ignores wealth) and referrals
        (12 months). The trust rule's wealth share needs the AUM role: without ``aum_col`` the
        table is refused, naming the columns that could stand in, unless ``wealth_col=None``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``, bool columns ``service``, ``trust`` and ``social``: each layer's
        own rule, regardless of the others.

    Raises
    ------
    SchemaError
        If a column is missing, not numeric, negative or NaN.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"app_logins_90d": [0, 9], "rm_contacts_90d": [3, 0],
    ...                    "products_held": [2, 1], "wealth_balance": [6e4, 0.0],
    ...                    "aum": [1e5, 2e4], "referrals_12m": [0, 2]})
    >>> kq.layer_criteria(df).to_dict("list")
    {'service': [False, True], 'trust': [True, False], 'social': [False, True]}
    """
    owner = "layer_criteria"
    data = require_frame(data, owner=owner)
    rules = LayerRules() if rules is None else rules
    _check_rules(rules, LayerRules, owner)
    cols = [app_col, rm_col, products_col, referrals_col]
    use_wealth = wealth_col is not None and rules.min_wealth_share is not None
    if use_wealth:
        require_columns(data, [*cols, wealth_col], owner=owner)
        require_role(data, aum_col, owner=owner)
        cols += [wealth_col, aum_col]
    require_columns(data, cols, owner=owner)
    v = {c: require_numeric(data, c, owner=owner, nonnegative=True).to_numpy() for c in cols}
    advice = v[products_col] >= rules.min_products
    if use_wealth:
        aum = v[aum_col]
        share = np.divide(v[wealth_col], aum, out=np.zeros(len(aum)), where=aum > 0)
        advice = advice | ((share >= rules.min_wealth_share) & (v[wealth_col] > 0))
    return pd.DataFrame(
        {
            "service": v[app_col] >= rules.min_app_logins,
            "trust": (v[rm_col] >= rules.min_rm_contacts) & advice,
            "social": v[referrals_col] >= rules.min_referrals,
        },
        index=data.index,
    )


def relationship_layers(
    data: pd.DataFrame,
    *,
    rules: LayerRules | None = None,
    app_col: str = "app_logins_90d",
    rm_col: str = "rm_contacts_90d",
    products_col: str = "products_held",
    wealth_col: str | None = "wealth_balance",
    aum_col: str = "aum",
    referrals_col: str = "referrals_12m",
) -> pd.Series:
    """Place each customer on the three-layer relationship ladder (关系裂变).

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table.
    rules : LayerRules, optional
        The visible thresholds; ``LayerRules()`` by default (assumptions, see its docstring).
    app_col, rm_col, products_col, wealth_col, aum_col, referrals_col : str
        Column names, as in :func:`layer_criteria` (the AUM role is needed unless
        ``wealth_col=None``).

    Returns
    -------
    pandas.Series
        Named ``layer``, indexed like ``data``: an ordered categorical with the levels of
        :data:`LAYER_LABELS` (``none < 1 accepts service < 2 trusts staff < 3 social currency``).

    Raises
    ------
    ParameterError
        If ``rules`` is not a :class:`LayerRules`.
    SchemaError
        If a column is missing, not numeric, negative or NaN.

    See Also
    --------
    layer_criteria : the three rules as separate flags.
    layer_funnel : counts and conversion between layers, by segment.

    Notes
    -----
    The layers come from the source essay (article part 2): first the client accepts the
    bank's service and handles needs on their own in the app; then they trust the bank's people
    enough to share real needs and take advice; finally recommending the bank becomes something
    that gives the client face among friends. The proxies (app logins; RM contacts plus product
    or wealth take-up; referrals) and their thresholds are this package's assumptions: contact
    counts show that a conversation happened, not that it built trust. With
    ``rules.nested`` (the default) the layers form a ladder: a customer who refers friends but
    never uses the app stays at ``none``, which is strict for branch-loyal older customers;
    set ``nested=False`` to count the highest rule met instead.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"app_logins_90d": [0, 9, 9, 9], "rm_contacts_90d": [5, 0, 3, 3],
    ...                    "products_held": [4, 1, 4, 4], "wealth_balance": 0.0, "aum": 1e5,
    ...                    "referrals_12m": [3, 0, 0, 1]})
    >>> kq.relationship_layers(df).tolist()
    ['none', '1 accepts service', '2 trusts staff', '3 social currency']
    >>> kq.relationship_layers(df, rules=kq.LayerRules(nested=False)).tolist()[0]
    '3 social currency'
    """
    data = require_frame(data, owner="relationship_layers")
    rules = LayerRules() if rules is None else rules
    _check_rules(rules, LayerRules, "relationship_layers")
    crit = layer_criteria(data, rules=rules, app_col=app_col, rm_col=rm_col,
                          products_col=products_col, wealth_col=wealth_col, aum_col=aum_col,
                          referrals_col=referrals_col)
    flags = crit[["service", "trust", "social"]].to_numpy()
    if rules.nested:
        reached = np.cumprod(flags, axis=1).sum(axis=1)
    else:
        reached = np.where(flags[:, 2], 3, np.where(flags[:, 1], 2, np.where(flags[:, 0], 1, 0)))
    return pd.Series(
        pd.Categorical.from_codes(reached.astype("int64"),
                                  dtype=pd.CategoricalDtype(LAYER_LABELS, ordered=True)),
        index=data.index,
        name="layer",
    )


@renamed_keywords(layers="layer_col")
def layer_funnel(
    data: pd.DataFrame,
    *,
    layer_col: Any = "layer",
    by: Any = None,
) -> pd.DataFrame:
    """Counts and conversion along the relationship ladder, by segment.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table (or any frame indexed like the layers).
    layer_col : str or Series, default="layer"
        The layer of each customer (the output of :func:`relationship_layers`): a column of
        ``data`` or a Series aligned to it.
    by : str or array-like, optional
        Segment of each customer (column name or aligned Series/array). ``None``: one funnel
        over all customers, labelled ``"all"``.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per segment and layer (all four layers, even if empty), with columns
        ``segment``, ``layer`` (ordered categorical), ``customers`` (exactly at this layer),
        ``reached`` (at this layer or deeper), ``share_reached`` (``reached`` / segment size)
        and ``conversion`` (``reached`` / ``reached`` of the layer before; NaN for ``none``).
        ``customers`` sums to the segment size; ``reached`` of ``none`` equals it.

    Raises
    ------
    ParameterError
        If ``layer_col`` or ``by`` do not align with ``data``, or ``layer_col`` holds values outside
        :data:`LAYER_LABELS`.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> lay = pd.Series(["none", "1 accepts service", "2 trusts staff", "none"])
    >>> f = kq.layer_funnel(pd.DataFrame(index=lay.index), layer_col=lay)
    >>> f[["layer", "customers", "reached"]].to_dict("list")["reached"]
    [4, 2, 1, 0]
    """
    owner = "layer_funnel"
    data = require_frame(data, owner=owner)
    lay = _resolve_by(data, layer_col, owner=owner, name="layer_col")
    dtype = pd.CategoricalDtype(LAYER_LABELS, ordered=True)
    lookup = {label: i for i, label in enumerate(LAYER_LABELS)}
    codes = lay.astype("object").map(lookup).fillna(-1).to_numpy(dtype="int64")
    bad = codes < 0
    if bad.any():
        rows = data.index[bad]
        msg = (
            f"{owner}: {int(bad.sum())} layer value(s) are not one of {list(LAYER_LABELS)}, "
            f"first at index [{fmt_values(rows)}]: [{fmt_values(lay[bad].tolist())}]. "
            "Pass the output of kq.relationship_layers."
        )
        raise ParameterError(msg)
    seg = (pd.Series("all", index=data.index, name="segment") if by is None
           else _resolve_by(data, by, owner=owner))
    scodes, suniq = pd.factorize(seg, sort=True)
    nl = len(LAYER_LABELS)
    counts = np.bincount(scodes * nl + codes, minlength=len(suniq) * nl).reshape(-1, nl)
    reached = counts[:, ::-1].cumsum(axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = reached / reached[:, :1]
        conv = np.full(reached.shape, np.nan)
        conv[:, 1:] = reached[:, 1:] / reached[:, :-1]
    seg_name = "segment" if by is None or seg.name is None else str(seg.name)
    return pd.DataFrame(
        {
            seg_name: np.repeat(np.asarray(suniq, dtype=object), nl),
            "layer": pd.Categorical(np.tile(LAYER_LABELS, len(suniq)), dtype=dtype),
            "customers": counts.ravel().astype("int64"),
            "reached": reached.ravel().astype("int64"),
            "share_reached": share.ravel(),
            "conversion": conv.ravel(),
        }
    )
