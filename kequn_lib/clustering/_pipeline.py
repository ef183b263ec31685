"""Segment pipelines: column defaults, the preparation step, the pipeline and its factory."""

from __future__ import annotations

import logging
import numbers
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.metaestimators import available_if

from .._validation import (
    check_int,
    check_option,
    fmt_values,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
    sklearn_random_state,
)
from ..errors import ParameterError, SchemaError
from ._features import (  # the constants stay attributes of this module for old imports
    DEFAULT_EXCLUDE,  # noqa: F401
    DEFAULT_MONEY,  # noqa: F401
    MAX_DEFAULT_LEVELS,  # noqa: F401
    _auto_columns,
    _is_constant,
    _is_numberlike,  # noqa: F401
)

# Records keep the logger name of the former single-file module.
log = logging.getLogger(__package__)

ALGORITHMS: dict[str, str] = {
    "kmeans": "k-means (KMeans, k-means++ start, 4 restarts)",
    "minibatch_kmeans": "mini-batch k-means (MiniBatchKMeans), for millions of rows",
    "gmm": "Gaussian mixture (GaussianMixture, full covariance); choose k by BIC",
    "ward": "Ward agglomerative clustering; at most 20,000 rows, no predict",
    "hdbscan": "HDBSCAN density clustering; finds its own number of segments, -1 = noise",
}
"""Algorithms accepted by :func:`segment_pipeline`, with a one-line description."""

#: Largest table Ward clustering accepts (its distance matrix grows with the square of the rows).
WARD_MAX_ROWS = 20_000
_RandomState = int | np.random.Generator | None


# --- column selection -------------------------------------------------------------------------


class _DefaultColumns:
    """Callable column selector for ColumnTransformer: the default columns of one kind."""

    def __init__(self, kind: str, exclude: Sequence[str] = (), target: Sequence[str] = ()):
        self.kind = kind
        self.exclude = tuple(exclude)
        self.target = tuple(target)

    def _key(self) -> tuple:
        return (self.kind, self.exclude, getattr(self, "target", ()))

    def __call__(self, X: pd.DataFrame) -> list[str]:
        return _auto_columns(X, exclude=self.exclude, target_col=getattr(self, "target", ()),
                             owner="segment_pipeline", log_choice=False)[self.kind]

    def __repr__(self) -> str:
        return f"default_columns({self.kind!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DefaultColumns) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def _as_object(X: Any) -> Any:
    """Turn categorical/string columns into object columns with NaN for missing values."""
    if isinstance(X, pd.DataFrame):
        return X.astype(object).where(X.notna(), np.nan)
    return X


# --- the preparation step ---------------------------------------------------------------------


class SegmentPreparer(ColumnTransformer):
    """The ``"prepare"`` step of :func:`segment_pipeline`: a ColumnTransformer checking its input.

    It behaves exactly like :class:`sklearn.compose.ColumnTransformer` (same parameters, same
    fitted attributes, ``get_feature_names_out``) but first checks the table the way kequn
    checks every input: a DataFrame, the named columns present, number columns numeric and
    finite, money non-negative, named columns not constant nor entirely missing. A failure is a
    :class:`~kequn_lib.SchemaError` that names the column and the first offending rows.
    Default (callable) selections skip constant columns instead of failing.
    """

    def _check_table(self, X: Any, *, fitting: bool) -> pd.DataFrame:
        owner = "segment_pipeline (prepare step)"
        X = require_frame(X, owner=owner)
        if len(X) == 0:
            msg = (f"{owner}: the table has no rows, so there is nothing to "
                   f"{'fit' if fitting else 'label'}. Pass at least one customer.")
            raise SchemaError(msg)
        entries = self.transformers if fitting else self.transformers_
        lists: dict[str, list[str]] = {}
        for name, _trans, cols in entries:
            if name == "remainder" or isinstance(cols, str):
                continue
            if isinstance(cols, _DefaultColumns):
                lists[name] = cols(X)  # picked from X itself: present, varying
            elif not callable(cols):
                lists[name] = list(cols)
                require_columns(X, lists[name], owner=owner)
        for name, cols in lists.items():
            for col in cols:
                if name in ("money", "numeric"):
                    require_numeric(X, col, owner=owner, nonnegative=name == "money",
                                    allow_nan=True)
                if not fitting or isinstance(dict(self._named(entries))[name], _DefaultColumns):
                    continue
                s = X[col]
                if s.isna().all():
                    msg = (
                        f"{owner}: column {col!r} is entirely missing (all {len(s)} values are "
                        "NaN), so it cannot be imputed. Drop it from the column lists."
                    )
                    raise SchemaError(msg, column=col)
                if _is_constant(s):
                    value = s.dropna().iloc[0]
                    msg = (
                        f"{owner}: column {col!r} is constant (every value is {value!r}), so it "
                        "cannot separate segments. Drop it from the column lists."
                    )
                    raise SchemaError(msg, column=col)
        return X

    @staticmethod
    def _named(entries: Any) -> list[tuple[str, Any]]:
        return [(name, cols) for name, _trans, cols in entries]

    def fit(self, X: Any, y: Any = None, **params: Any) -> SegmentPreparer:
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> np.ndarray:
        X = self._check_table(X, fitting=True)
        out = super().fit_transform(X, y, **params)
        if log.isEnabledFor(logging.INFO):
            chosen = {name: list(cols) for name, _t, cols in self.transformers_
                      if name != "remainder" and len(cols)}
            log.info("segment_pipeline: features used %s", chosen)
        if out.shape[1] == 0:
            msg = (
                "segment_pipeline: no usable feature columns. The default selection found no "
                "numeric or categorical column that varies; pass numeric=, money= or "
                f"categorical=. The table has: {fmt_values(list(map(str, X.columns)), 30)}."
            )
            raise SchemaError(msg)
        return out

    def transform(self, X: Any, **params: Any) -> np.ndarray:
        X = self._check_table(X, fitting=False)
        return super().transform(X, **params)


def _preparer(numeric: Any, categorical: Any, money: Any) -> SegmentPreparer:
    # strategy=np.median (a partition per column) is several times faster than "median" (a
    # masked full sort) on millions of rows, with the same result.
    money_steps = Pipeline([
        ("impute", SimpleImputer(strategy=np.median)),
        ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
        ("scale", StandardScaler()),
    ])
    numeric_steps = Pipeline([
        ("impute", SimpleImputer(strategy=np.median)),
        ("scale", StandardScaler()),
    ])
    categorical_steps = Pipeline([
        ("as_object", FunctionTransformer(_as_object, feature_names_out="one-to-one")),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ])
    return SegmentPreparer(
        [
            ("money", money_steps, money),
            ("numeric", numeric_steps, numeric),
            ("categorical", categorical_steps, categorical),
        ],
        remainder="drop",
        sparse_threshold=0.0,
    )


# --- the pipeline -----------------------------------------------------------------------------


def _k_param(model: Any) -> str | None:
    params = model.get_params(deep=False)
    for name in ("n_clusters", "n_components"):
        if name in params:
            return name
    return None


def _final_has(attr: str):
    return lambda self: hasattr(self._final_estimator, attr)


class SegmentPipeline(Pipeline):
    """A :class:`sklearn.pipeline.Pipeline` whose labels are pandas Series on the input's index.

    Made by :func:`segment_pipeline`. Compared with a plain Pipeline it checks the table before
    fitting (at least two rows, no more segments than rows, Ward's size limit), keeps
    scikit-learn's convergence warnings out of the output (a mixture that did not converge is
    logged instead) and returns labels from :meth:`fit_predict` and :meth:`predict` as an
    integer Series named ``"segment"`` aligned to the input index.
    """

    def _check_fit_input(self, X: Any) -> pd.DataFrame:
        owner = "segment_pipeline"
        X = require_frame(X, owner=owner)
        n = len(X)
        if n < 2:
            msg = (
                f"{owner}: need at least 2 rows to form segments, got {n}. "
                "Pass the whole customer table, not a single customer."
            )
            raise SchemaError(msg)
        model = self._final_estimator
        if model == "passthrough" or model is None:
            return X
        kp = _k_param(model)
        if kp is not None:
            k = model.get_params(deep=False)[kp]
            if isinstance(k, numbers.Integral) and k > n:
                msg = (
                    f"{owner}: {kp}={k} segments asked for but the table has only {n} rows. "
                    f"Use {kp} <= {n} (and in practice far fewer than the rows)."
                )
                raise ParameterError(msg)
        if isinstance(model, AgglomerativeClustering) and n > WARD_MAX_ROWS:
            msg = (
                f"{owner}: Ward clustering needs memory growing with the square of the rows and "
                f"accepts at most {WARD_MAX_ROWS:,} rows, got {n:,}. Fit it on a sample "
                "(data.sample(...)) or use algorithm='kmeans' or 'minibatch_kmeans'."
            )
            raise ParameterError(msg)
        if isinstance(model, HDBSCAN) and model.min_cluster_size > n:
            msg = (
                f"{owner}: HDBSCAN min_cluster_size={model.min_cluster_size} is larger than the "
                f"{n} rows. Pass a smaller min_cluster_size=."
            )
            raise ParameterError(msg)
        return X

    def _after_fit(self) -> None:
        model = self._final_estimator
        if getattr(model, "converged_", True) is False:
            log.info(
                "%s did not converge in max_iter=%s iterations; raise max_iter= or reg_covar=",
                type(model).__name__, getattr(model, "max_iter", "?"),
            )

    def fit(self, X: Any, y: Any = None, **params: Any) -> SegmentPipeline:
        """Check the table, then prepare the features and fit the clustering model.

        Parameters
        ----------
        X : pandas.DataFrame
            The customer table, one row per customer.
        y : None
            Ignored; present for the scikit-learn contract.
        **params
            Passed to :meth:`sklearn.pipeline.Pipeline.fit` (``step__param`` fit parameters).

        Returns
        -------
        SegmentPipeline
            The fitted pipeline itself.
        """
        X = self._check_fit_input(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            super().fit(X, y, **params)
        self._after_fit()
        return self

    @available_if(_final_has("fit_predict"))
    def fit_predict(self, X: Any, y: Any = None, **params: Any) -> pd.Series:
        """Fit the pipeline on ``X`` and return each customer's segment.

        Parameters
        ----------
        X : pandas.DataFrame
            The customer table, one row per customer.
        y : None
            Ignored; present for the scikit-learn contract.
        **params
            Passed to :meth:`sklearn.pipeline.Pipeline.fit_predict`.

        Returns
        -------
        pandas.Series
            ``segment`` (int64) on the index of ``X``.
        """
        X = self._check_fit_input(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = super().fit_predict(X, y, **params)
        self._after_fit()
        return pd.Series(np.asarray(labels, dtype="int64"), index=X.index, name="segment")

    @available_if(_final_has("predict"))
    def predict(self, X: Any, **params: Any) -> pd.Series:
        """The segment of each customer of ``X`` under the fitted pipeline.

        Parameters
        ----------
        X : pandas.DataFrame
            A customer table with the columns the pipeline was fitted on.
        **params
            Passed to :meth:`sklearn.pipeline.Pipeline.predict`.

        Returns
        -------
        pandas.Series
            ``segment`` (int64) on the index of ``X``.
        """
        X = require_frame(X, owner="segment_pipeline.predict")
        labels = super().predict(X, **params)
        return pd.Series(np.asarray(labels, dtype="int64"), index=X.index, name="segment")


def _seed(random_state: _RandomState, owner: str = "segment_pipeline") -> int | None:
    """The ``random_state`` to hand to a scikit-learn model (see ``sklearn_random_state``)."""
    seed = sklearn_random_state(random_state, owner=owner)
    if isinstance(seed, np.random.RandomState):  # keep pipelines clonable and repeatable
        return int(seed.randint(0, 2**31 - 1))
    return seed


def _columns_arg(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        msg = f"segment_pipeline: {name}= must be a list of column names, got {value!r}."
        raise ParameterError(msg) from None


def _make_model(algorithm: str, n_clusters: int, seed: int | None, params: dict) -> Any:
    defaults: dict[str, dict[str, Any]] = {
        "kmeans": {"n_clusters": n_clusters, "n_init": 4, "random_state": seed},
        "minibatch_kmeans": {"n_clusters": n_clusters, "n_init": 3, "batch_size": 4096,
                             "random_state": seed},
        "gmm": {"n_components": n_clusters, "covariance_type": "full", "n_init": 2,
                "max_iter": 300, "reg_covar": 1e-4, "random_state": seed},
        "ward": {"n_clusters": n_clusters, "linkage": "ward"},
        "hdbscan": {"min_cluster_size": 50, "copy": True},
    }
    classes = {"kmeans": KMeans, "minibatch_kmeans": MiniBatchKMeans, "gmm": GaussianMixture,
               "ward": AgglomerativeClustering, "hdbscan": HDBSCAN}
    cls = classes[algorithm]
    kwargs = {**defaults[algorithm], **params}
    valid = cls().get_params(deep=False)
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        msg = (
            f"segment_pipeline: {cls.__name__} has no parameter(s) {fmt_values(unknown)}. "
            f"Valid parameters: {', '.join(sorted(valid))}."
        )
        raise ParameterError(msg)
    return cls(**kwargs)


@renamed_keywords(target="target_col")
def segment_pipeline(
    *,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    money: Sequence[str] | None = None,
    algorithm: str = "kmeans",
    n_clusters: int = 6,
    random_state: _RandomState = 0,
    exclude: Sequence[str] | str | None = None,
    target_col: Sequence[str] | str | None = None,
    **params: Any,
) -> SegmentPipeline:
    """Build a customer segmentation as a scikit-learn Pipeline (prepare, then cluster).

    The pipeline has two steps. ``"prepare"`` (a :class:`SegmentPreparer`, i.e. a
    ColumnTransformer) imputes missing numbers with the column median, takes ``log1p`` of money
    columns, standardises all numbers and one-hot encodes categories (missing values get their
    own level). ``"model"`` is the clustering estimator. Being an ordinary Pipeline, it works
    with :func:`sklearn.base.clone`, ``set_params(model__n_clusters=8)`` and pickling.

    Parameters
    ----------
    numeric : list of str, optional
        Number (or boolean) columns, standardised after median imputation.
    categorical : list of str, optional
        Category or text columns, one-hot encoded.
    money : list of str, optional
        Non-negative money columns (CNY), ``log1p``-transformed then standardised.
    algorithm : {"kmeans", "minibatch_kmeans", "gmm", "ward", "hdbscan"}, default="kmeans"
        The clustering estimator; see :data:`ALGORITHMS`.
    n_clusters : int, default=6
        Number of segments (``n_components`` for ``"gmm"``; unused by ``"hdbscan"``, which
        finds its own number and labels noise ``-1``).
    random_state : int, numpy Generator or None, default=0
        Seed of the estimator; the same seed gives identical labels.
    exclude : str or list of str, optional
        Columns the automatic choice must also leave out (only without column lists).
    target_col : str or list of str, optional
        The outcome under study (e.g. ``"subscribed_term_deposit"``); never a feature (only
        without column lists; named columns are used exactly as given). Formerly
        ``target=``, still accepted with a ``FutureWarning``.
    **params
        Extra parameters of the estimator, e.g. ``n_init=1`` or ``min_cluster_size=200``.

    Returns
    -------
    SegmentPipeline
        An unfitted :class:`sklearn.pipeline.Pipeline` subclass with steps ``"prepare"`` and
        ``"model"``. Its ``fit_predict(data)`` and ``predict(data)`` return an int64 Series
        named ``"segment"`` on ``data``'s index. Feature names of the prepared matrix:
        ``pipe.named_steps["prepare"].get_feature_names_out()``.

    Raises
    ------
    ParameterError
        Unknown algorithm, ``n_clusters < 1``, or a parameter the estimator does not have.
        At fit time: more segments than rows, Ward on more than 20,000 rows.
    SchemaError
        At fit time: fewer than two rows, a named column missing, constant or entirely
        missing, text in a number column, negative or infinite money.

    See Also
    --------
    choose_k, stability, profile_segments, predict_in_chunks

    Notes
    -----
    Column defaults. If all three column lists are omitted they are picked from the table when
    the pipeline is fitted, by the rule of :func:`choose_features`: the data dictionary's money
    columns (``aum``, ``deposit_balance``, ``wealth_balance``, ``loan_balance``,
    ``fx_volume_12m``, ``fee_income_12m``) as money; other number and boolean columns as
    numeric; category and text columns with at most 30 levels as categorical. Ids (named like an
    id or unique per row), labels (two-valued outcome columns, ``target_col=``), campaign
    contact and outcome columns, ``true_*`` ground truth, ``bank`` (an institution, not a
    customer trait), ``exclude=``, constant columns and exact copies of a column kept before
    them (the UCI tables' ``deposit_balance`` and ``credit_limit`` copy ``aum``) are left out.
    The columns used are logged (INFO) and given by
    ``pipe.named_steps["prepare"].get_feature_names_out()``. If any list is given, the omitted
    lists are empty: the pipeline uses exactly the columns named.

    Missing values are imputed rather than refused, because corporate customers legitimately
    have no age or education; a column that is entirely missing or constant is refused when
    named explicitly. Estimator defaults (assumptions chosen for stable results at 50,000
    customers): k-means ``n_init=4``; mini-batch ``n_init=3, batch_size=4096``; mixture
    ``n_init=2, max_iter=300, reg_covar=1e-4``; HDBSCAN ``min_cluster_size=50``.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"customer_id": range(6), "aum": [1e3, 2e3, 1.5e3, 9e5, 8e5, 1e6],
    ...                      "app_logins_90d": [40, 35, 38, 2, 1, 3]})
    >>> pipe = kq.segment_pipeline(n_clusters=2)
    >>> labels = pipe.fit_predict(data)
    >>> labels.tolist() in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    True
    >>> list(pipe.named_steps["prepare"].get_feature_names_out())
    ['money__aum', 'numeric__app_logins_90d']
    """
    owner = "segment_pipeline"
    algorithm = check_option(algorithm, ALGORITHMS, name="algorithm", owner=owner)
    n_clusters = check_int(n_clusters, name="n_clusters", owner=owner, low=1)
    seed = _seed(random_state)
    lists = {k: _columns_arg(v, k) for k, v in
             {"numeric": numeric, "categorical": categorical, "money": money}.items()}
    if all(v is None for v in lists.values()):
        excl = tuple(_columns_arg(exclude, "exclude") or [])
        tgt = tuple(_columns_arg(target_col, "target_col") or [])
        cols = {k: _DefaultColumns(k, excl, tgt) for k in lists}
    else:
        if exclude is not None or target_col is not None:
            msg = (
                f"{owner}: exclude= and target_col= refine the automatic column choice, but column "
                "lists were given and are used exactly. Leave the columns out of the lists, or "
                "drop the lists to let the rule choose."
            )
            raise ParameterError(msg)
        cols = {k: (v or []) for k, v in lists.items()}
        named = [c for v in cols.values() for c in v]
        dup = sorted({c for c in named if named.count(c) > 1})
        if dup:
            msg = f"{owner}: column(s) {fmt_values(dup)} appear in more than one column list."
            raise ParameterError(msg)
        if not named:
            raise ParameterError(f"{owner}: the column lists are all empty; name some columns.")
    model = _make_model(algorithm, n_clusters, seed, params)
    prepare = _preparer(cols["numeric"], cols["categorical"], cols["money"])
    return SegmentPipeline([("prepare", prepare), ("model", model)])



# --- helpers shared by the other submodules --------------------------------------------------


def _require_pipeline(pipeline: Any, owner: str) -> Pipeline:
    if pipeline is None:
        return segment_pipeline()
    if not isinstance(pipeline, Pipeline) or "prepare" not in pipeline.named_steps \
            or "model" not in pipeline.named_steps:
        msg = (
            f"{owner}: pipeline must be a Pipeline with steps 'prepare' and 'model', such as "
            f"kq.segment_pipeline(...); got {type(pipeline).__name__}."
        )
        raise ParameterError(msg)
    return pipeline


def _check_rows(data: pd.DataFrame, owner: str) -> pd.DataFrame:
    data = require_frame(data, owner=owner)
    if len(data) < 2:
        msg = f"{owner}: need at least 2 rows to form segments, got {len(data)}."
        raise SchemaError(msg)
    return data


def _sample_index(n: int, size: int | None, rng: np.random.Generator) -> np.ndarray:
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: ``progress`` when given, else ``KEQUN_PROGRESS``
    (``0``/``1``) when set, else only in an interactive session (a terminal or a notebook
    front end), never under CI, pytest or papermill."""
    if progress is not None:
        return bool(progress)
    env = os.environ.get("KEQUN_PROGRESS", "").strip().lower()
    if env in {"0", "false", "no", "off"}:
        return False
    if env in {"1", "true", "yes", "on"}:
        return True
    if os.environ.get("CI") or "PYTEST_CURRENT_TEST" in os.environ or "papermill" in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        return type(shell).__name__ in {"ZMQInteractiveShell", "TerminalInteractiveShell"}
    return bool(hasattr(sys, "ps1") and sys.stderr is not None and sys.stderr.isatty())


def _progress(iterable: Iterable, *, progress: bool | None, desc: str,
              total: int | None = None):
    if not _show_progress(progress):
        return iterable
    with warnings.catch_warnings():  # tqdm.auto warns in Jupyter when ipywidgets is absent
        warnings.filterwarnings("ignore", message="IProgress not found")
        from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)

