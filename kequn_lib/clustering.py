"""Behaviour-based customer segments (客群画像) as ordinary scikit-learn pipelines.

Tiers rank customers by what they bring in; segments group them by who they are and how they
behave. This module builds the segmentation as a plain :class:`sklearn.pipeline.Pipeline`, so an
analyst can ``clone`` it, ``set_params`` it, put it in a grid search or pickle it, and adds the
helpers a segmentation study needs:

* :func:`segment_pipeline`: preparation (median imputation, ``log1p`` on money, scaling, one-hot
  for categories) followed by k-means, mini-batch k-means, a Gaussian mixture, Ward or HDBSCAN;
* :func:`choose_k`: silhouette, Calinski-Harabasz, Davies-Bouldin, inertia and BIC per k, with a
  recommended k and the rule that chose it;
* :func:`stability`: bootstrap adjusted Rand indices, so a reader sees whether segments are real;
* :func:`profile_segments`: size, share, medians, z-scores and a generated persona name;
* :func:`compare_partitions`: crosstab, adjusted Rand index and normalised mutual information;
* :func:`fit_on_sample` and :func:`predict_in_chunks`: clustering at scale (fit on a stratified
  sample, label every customer chunk by chunk).

Missing values are imputed (median for numbers, an explicit "missing" level for categories)
rather than refused: corporate customers have no age or education, and dropping them silently
would be worse. Columns named ``customer_id``, ``id``, ``*_id`` and ``true_*`` are never used.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.metaestimators import available_if

from .errors import ParameterError, SchemaError, _fmt_values, check_int, check_option
from .schema import MONEY_COLUMNS, require_columns, require_frame, require_numeric

__all__ = [
    "ALGORITHMS",
    "PartitionComparison",
    "SegmentPipeline",
    "SegmentPreparer",
    "StabilityResult",
    "choose_k",
    "compare_partitions",
    "fit_on_sample",
    "predict_in_chunks",
    "profile_segments",
    "segment_pipeline",
    "stability",
]

log = logging.getLogger(__name__)

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
#: Categorical columns with more levels than this are left out of the default selection.
MAX_DEFAULT_LEVELS = 30
#: Default money columns (log1p then scaled): the data dictionary's money, never ``true_*``.
DEFAULT_MONEY = tuple(c for c in MONEY_COLUMNS if not c.startswith("true_"))
#: Columns the default selection leaves out besides ids and ``true_*``: the bank a customer
#: belongs to is an institution, not a trait or a behaviour of the customer.
DEFAULT_EXCLUDE = ("bank",)

_RandomState = int | np.random.Generator | None


# --- column selection -------------------------------------------------------------------------


def _is_id_or_truth(name: Any) -> bool:
    s = str(name).lower()
    return s in {"customer_id", "id"} or s.endswith("_id") or s.startswith("true_")


def _is_numberlike(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _is_constant(s: pd.Series) -> bool:
    """True when ``s`` has at most one distinct non-missing value (min == max for numbers)."""
    if _is_numberlike(s):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[~np.isnan(arr)]
        return arr.size == 0 or bool(arr.min() == arr.max())
    return s.nunique(dropna=True) <= 1


def _default_columns(data: pd.DataFrame, *, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Pick the money, numeric and categorical columns of a customer table (used at fit time)."""
    exclude = set(exclude) | set(DEFAULT_EXCLUDE)
    picked: dict[str, list[str]] = {"money": [], "numeric": [], "categorical": []}
    skipped = []
    for col in data.columns:
        if col in exclude or _is_id_or_truth(col):
            continue
        s = data[col]
        if _is_constant(s):
            skipped.append(col)
            continue
        if _is_numberlike(s):
            kind = "money" if col in DEFAULT_MONEY else "numeric"
            picked[kind].append(col)
        elif isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s):
            if s.nunique(dropna=True) <= MAX_DEFAULT_LEVELS:
                picked["categorical"].append(col)
            else:
                skipped.append(col)
    if skipped:
        log.info("default selection skipped constant or high-cardinality columns: %s", skipped)
    return picked


class _DefaultColumns:
    """Callable column selector for ColumnTransformer: the default columns of one kind."""

    def __init__(self, kind: str, exclude: Sequence[str] = ()):
        self.kind = kind
        self.exclude = tuple(exclude)

    def __call__(self, X: pd.DataFrame) -> list[str]:
        return _default_columns(X, exclude=self.exclude)[self.kind]

    def __repr__(self) -> str:
        return f"default_columns({self.kind!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DefaultColumns) and (self.kind, self.exclude) == (
            other.kind,
            other.exclude,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.exclude))


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

    def _check_table(self, X: Any, *, fitting: bool) -> None:
        owner = "segment_pipeline (prepare step)"
        require_frame(X, owner=owner)
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

    @staticmethod
    def _named(entries: Any) -> list[tuple[str, Any]]:
        return [(name, cols) for name, _trans, cols in entries]

    def fit(self, X: Any, y: Any = None, **params: Any) -> SegmentPreparer:
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> np.ndarray:
        self._check_table(X, fitting=True)
        out = super().fit_transform(X, y, **params)
        if out.shape[1] == 0:
            msg = (
                "segment_pipeline: no usable feature columns. The default selection found no "
                "numeric or categorical column that varies; pass numeric=, money= or "
                f"categorical=. The table has: {_fmt_values(list(map(str, X.columns)), 30)}."
            )
            raise SchemaError(msg)
        return out

    def transform(self, X: Any, **params: Any) -> np.ndarray:
        self._check_table(X, fitting=False)
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

    def _check_fit_input(self, X: Any) -> None:
        owner = "segment_pipeline"
        require_frame(X, owner=owner)
        n = len(X)
        if n < 2:
            msg = (
                f"{owner}: need at least 2 rows to form segments, got {n}. "
                "Pass the whole customer table, not a single customer."
            )
            raise SchemaError(msg)
        model = self._final_estimator
        if model == "passthrough" or model is None:
            return
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

    def _after_fit(self) -> None:
        model = self._final_estimator
        if getattr(model, "converged_", True) is False:
            log.info(
                "%s did not converge in max_iter=%s iterations; raise max_iter= or reg_covar=",
                type(model).__name__, getattr(model, "max_iter", "?"),
            )

    def fit(self, X: Any, y: Any = None, **params: Any) -> SegmentPipeline:
        self._check_fit_input(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            super().fit(X, y, **params)
        self._after_fit()
        return self

    @available_if(_final_has("fit_predict"))
    def fit_predict(self, X: Any, y: Any = None, **params: Any) -> pd.Series:
        self._check_fit_input(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = super().fit_predict(X, y, **params)
        self._after_fit()
        return pd.Series(np.asarray(labels, dtype="int64"), index=X.index, name="segment")

    @available_if(_final_has("predict"))
    def predict(self, X: Any, **params: Any) -> pd.Series:
        require_frame(X, owner="segment_pipeline.predict")
        labels = super().predict(X, **params)
        return pd.Series(np.asarray(labels, dtype="int64"), index=X.index, name="segment")


def _seed(random_state: _RandomState) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    msg = f"random_state must be an int, a numpy Generator or None, got {random_state!r}."
    raise ParameterError(msg)


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
            f"segment_pipeline: {cls.__name__} has no parameter(s) {_fmt_values(unknown)}. "
            f"Valid parameters: {', '.join(sorted(valid))}."
        )
        raise ParameterError(msg)
    return cls(**kwargs)


def segment_pipeline(
    *,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    money: Sequence[str] | None = None,
    algorithm: str = "kmeans",
    n_clusters: int = 6,
    random_state: _RandomState = 0,
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
    the pipeline is fitted: the data dictionary's money columns (``aum``, ``deposit_balance``,
    ``wealth_balance``, ``loan_balance``, ``fx_volume_12m``, ``fee_income_12m``) as money; other
    number and boolean columns as numeric; category and text columns with at most 30 levels as
    categorical. Ids (``customer_id``, ``id``, ``*_id``), ``true_*`` ground truth, ``bank`` (an
    institution, not a customer trait) and constant columns are left out. If any list is given,
    the omitted lists are empty: the pipeline uses exactly the columns named.

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
        cols = {k: _DefaultColumns(k) for k in lists}
    else:
        cols = {k: (v or []) for k, v in lists.items()}
        named = [c for v in cols.values() for c in v]
        dup = sorted({c for c in named if named.count(c) > 1})
        if dup:
            msg = f"{owner}: column(s) {_fmt_values(dup)} appear in more than one column list."
            raise ParameterError(msg)
        if not named:
            raise ParameterError(f"{owner}: the column lists are all empty; name some columns.")
    model = _make_model(algorithm, n_clusters, seed, params)
    prepare = _preparer(cols["numeric"], cols["categorical"], cols["money"])
    return SegmentPipeline([("prepare", prepare), ("model", model)])


# --- choosing k ---------------------------------------------------------------------------------


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


def _check_rows(data: pd.DataFrame, owner: str) -> None:
    require_frame(data, owner=owner)
    if len(data) < 2:
        msg = f"{owner}: need at least 2 rows to form segments, got {len(data)}."
        raise SchemaError(msg)


def _sample_index(n: int, size: int | None, rng: np.random.Generator) -> np.ndarray:
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _within_ss(X: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for lab in np.unique(labels):
        part = X[labels == lab]
        total += float(((part - part.mean(axis=0)) ** 2).sum())
    return total


def _progress(iterable: Iterable, *, progress: bool, desc: str, total: int | None = None):
    if not progress:
        return iterable
    with warnings.catch_warnings():  # tqdm.auto warns in Jupyter when ipywidgets is absent
        warnings.filterwarnings("ignore", message="IProgress not found")
        from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)


RULES = {
    "silhouette": "largest silhouette (on a seeded sample)",
    "bic": "lowest BIC of the Gaussian mixture",
    "consensus": "best mean rank of silhouette, Calinski-Harabasz and Davies-Bouldin",
}


def choose_k(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    k_range: Iterable[int] = range(2, 11),
    rule: str = "auto",
    sample_size: int | None = 10_000,
    random_state: _RandomState = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Score a segmentation for each number of segments k, and recommend one.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table (one row per customer).
    pipeline : Pipeline, optional
        A pipeline from :func:`segment_pipeline` (default: ``segment_pipeline()``). It is not
        modified; each k is fitted on a clone.
    k_range : iterable of int, default=range(2, 11)
        Numbers of segments to try; each at least 2 and below the number of rows.
    rule : {"auto", "silhouette", "consensus", "bic"}, default="auto"
        How to recommend k: ``"bic"`` (lowest BIC) for a Gaussian mixture under ``"auto"``,
        else ``"silhouette"`` (largest silhouette). ``"consensus"`` takes the best mean rank of
        silhouette, Calinski-Harabasz (higher is better) and Davies-Bouldin (lower is better).
    sample_size : int or None, default=10_000
        Rows of a seeded sample on which the silhouette is computed (it costs n² time); the
        other scores use every row. ``None`` uses every row.
    random_state : int, numpy Generator or None, default=0
        Seed of the silhouette sample.
    progress : bool, default=True
        Show a progress bar over k.

    Returns
    -------
    pandas.DataFrame
        One row per k (RangeIndex) with columns ``k``, ``n_segments`` (segments actually
        found), ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``inertia``
        (within-segment sum of squares on the prepared matrix), ``bic`` (NaN unless the model
        is a mixture) and ``recommended`` (bool, True on one row). ``.attrs`` holds
        ``recommended_k``, ``rule`` and ``silhouette_sample``.

    Raises
    ------
    ParameterError
        Empty ``k_range``, a k below 2 or not below the number of rows, an unknown rule, ``bic``
        for a model without BIC, or a model without a number of segments (HDBSCAN).
    SchemaError
        Bad table (see :func:`segment_pipeline`).

    See Also
    --------
    segment_pipeline, stability, kequn_lib.plot_k_selection

    Notes
    -----
    The preparation step is fitted once (it does not depend on k); the model is re-fitted per
    k on the prepared matrix. Silhouette (−1…1, higher is better) measures how much closer
    customers are to their own segment than to the next one; Calinski-Harabasz is the ratio of
    between- to within-segment dispersion; Davies-Bouldin the average similarity of each segment
    to its most similar one (lower is better). No score is the truth: read the curve, not only
    the recommended k.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 30), rng.normal(8, 1, 30)],
    ...                      "y": np.r_[rng.normal(0, 1, 30), rng.normal(8, 1, 30)]})
    >>> scores = kq.choose_k(data, kq.segment_pipeline(), k_range=range(2, 5), progress=False)
    >>> scores.attrs["recommended_k"]
    2
    """
    owner = "choose_k"
    _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    ks = list(k_range)
    if not ks:
        raise ParameterError(f"{owner}: k_range is empty; pass e.g. range(2, 11).")
    n = len(data)
    for k in ks:
        check_int(k, name="each k in k_range", owner=owner, low=2)
        if k >= n:
            msg = (
                f"{owner}: k={k} is not below the number of rows ({n}); the scores need at "
                f"least one more row than segments. Use k_range up to {n - 1}."
            )
            raise ParameterError(msg)
    model0 = pipeline.named_steps["model"]
    kp = _k_param(model0)
    if kp is None:
        msg = (
            f"{owner}: {type(model0).__name__} has no number of segments to choose "
            "(HDBSCAN finds its own); use algorithm='kmeans', 'minibatch_kmeans', 'gmm' or "
            "'ward'."
        )
        raise ParameterError(msg)
    is_mixture = hasattr(model0, "bic")
    rule = check_option(rule, ["auto", *RULES], name="rule", owner=owner)
    if rule == "auto":
        rule = "bic" if is_mixture else "silhouette"
    if rule == "bic" and not is_mixture:
        raise ParameterError(f"{owner}: rule='bic' needs algorithm='gmm'.")
    if sample_size is not None:
        sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = np.random.default_rng(random_state)

    probe = clone(pipeline)
    probe.set_params(**{f"model__{kp}": max(ks)})
    probe._check_fit_input(data) if isinstance(probe, SegmentPipeline) else None
    Xt = np.asarray(clone(pipeline.named_steps["prepare"]).fit_transform(data), dtype="float64")
    idx = _sample_index(n, sample_size, rng)
    rows = []
    for k in _progress(ks, progress=progress, desc="choose_k"):
        model = clone(model0).set_params(**{kp: k})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = np.asarray(model.fit_predict(Xt))
        found = len(np.unique(labels))
        row = {"k": k, "n_segments": found, "silhouette": np.nan, "calinski_harabasz": np.nan,
               "davies_bouldin": np.nan}
        if found >= 2:
            if len(np.unique(labels[idx])) >= 2:
                row["silhouette"] = float(silhouette_score(Xt[idx], labels[idx]))
            row["calinski_harabasz"] = float(calinski_harabasz_score(Xt, labels))
            row["davies_bouldin"] = float(davies_bouldin_score(Xt, labels))
        row["inertia"] = float(getattr(model, "inertia_", np.nan))
        if not math.isfinite(row["inertia"]) or isinstance(model, MiniBatchKMeans):
            row["inertia"] = _within_ss(Xt, labels)
        row["bic"] = float(model.bic(Xt)) if is_mixture else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if rule == "silhouette":
        score = out["silhouette"]
    elif rule == "bic":
        score = -out["bic"]
    else:
        ranks = pd.concat([out["silhouette"].rank(ascending=False),
                           out["calinski_harabasz"].rank(ascending=False),
                           out["davies_bouldin"].rank(ascending=True)], axis=1)
        score = -ranks.mean(axis=1)
    if score.notna().any():
        best = int(out.loc[score.idxmax(), "k"])
    else:  # pragma: no cover - every fit collapsed to one segment
        best = int(out["k"].iloc[0])
    out["recommended"] = out["k"] == best
    out.attrs.update({"recommended_k": best, "rule": RULES[rule],
                      "silhouette_sample": len(idx)})
    log.info("choose_k: recommended k=%d by %s", best, RULES[rule])
    return out


# --- stability ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StabilityResult:
    """Result of :func:`stability`.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per bootstrap run (RangeIndex): ``run``, ``ari`` (adjusted Rand index against
        the reference segmentation), ``nmi``, ``n_segments`` (segments found in the run),
        ``rows_compared`` and ``method`` (``"bootstrap+predict"`` or ``"subsample"``).
    summary : pandas.Series
        ``n_boot``, ``mean_ari``, ``median_ari``, ``min_ari``, ``q05_ari``, ``q95_ari``,
        ``rows`` (rows used) and ``verdict`` (``"stable"``, ``"moderately stable"`` or
        ``"unstable"``).
    """

    runs: pd.DataFrame
    summary: pd.Series

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"StabilityResult(n_boot={s['n_boot']}, mean_ari={s['mean_ari']:.3f}, "
            f"q05_ari={s['q05_ari']:.3f}, verdict={s['verdict']!r})"
        )


#: Verdict thresholds on the mean bootstrap ARI (an assumption, in the spirit of the usual
#: cluster-stability rules of thumb: above 0.85 stable, above 0.6 moderately stable).
STABILITY_THRESHOLDS = (0.85, 0.6)


def stability(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    n_boot: int = 20,
    sample_size: int | None = 20_000,
    random_state: _RandomState = 0,
    progress: bool = True,
) -> StabilityResult:
    """Check whether segments are real: re-fit on bootstrap samples and compare the labels.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table.
    pipeline : Pipeline, optional
        A pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); not modified.
    n_boot : int, default=20
        Number of bootstrap runs.
    sample_size : int or None, default=20_000
        Larger tables are first reduced to a seeded random sample of this many rows (the
        stability of a segmentation is a property of its shape, not of every row).
    random_state : int, numpy Generator or None, default=0
        Seed of the samples and of each run's model (run ``b`` uses seed ``seed + b``), so the
        check covers both data and start-value variation.
    progress : bool, default=True
        Show a progress bar over runs.

    Returns
    -------
    StabilityResult
        ``.runs`` (one row per run) and ``.summary`` (mean, median, min, 5 % and 95 % quantiles
        of the ARI and a verdict).

    Raises
    ------
    ParameterError
        ``n_boot < 2``, or a bad pipeline.
    SchemaError
        Bad table (see :func:`segment_pipeline`).

    See Also
    --------
    choose_k, compare_partitions

    Notes
    -----
    The reference segmentation is the pipeline fitted on all (sampled) rows. For a model with
    ``predict`` (k-means, mixtures) each run draws rows with replacement, fits a clone (new
    seed), labels every row with ``predict`` and compares with the reference by the adjusted
    Rand index (ARI: 1 identical, about 0 no better than chance). Ward and HDBSCAN cannot label
    new rows, so each run fits on a random 80 % subsample and is compared on those rows. The
    verdict thresholds (0.85, 0.6) are an assumption.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 40), rng.normal(8, 1, 40)]})
    >>> res = kq.stability(data, kq.segment_pipeline(n_clusters=2), n_boot=3, progress=False)
    >>> res.summary["verdict"]
    'stable'
    """
    owner = "stability"
    _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    n_boot = check_int(n_boot, name="n_boot", owner=owner, low=2)
    if sample_size is not None:
        sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = np.random.default_rng(random_state)
    base_seed = _seed(random_state)
    base_seed = 0 if base_seed is None else base_seed
    work = data.iloc[_sample_index(len(data), sample_size, rng)]
    reference = clone(pipeline).fit_predict(work)
    ref = np.asarray(reference)
    n = len(work)
    has_predict = hasattr(pipeline.named_steps["model"], "predict")
    model_params = pipeline.named_steps["model"].get_params(deep=False)
    rows = []
    for b in _progress(range(n_boot), progress=progress, desc="stability"):
        run = clone(pipeline)
        if "random_state" in model_params and model_params["random_state"] is not None:
            run.set_params(model__random_state=base_seed + b + 1)
        if has_predict:
            take = rng.integers(0, n, size=n)
            sample = work.iloc[take]
            if sample.index.has_duplicates:
                sample = sample.reset_index(drop=True)
            run.fit(sample)
            labels = np.asarray(run.predict(work))
            compared, method = ref, "bootstrap+predict"
        else:
            take = np.sort(rng.choice(n, size=max(2, int(0.8 * n)), replace=False))
            labels = np.asarray(run.fit_predict(work.iloc[take]))
            compared, method = ref[take], "subsample"
        rows.append({
            "run": b,
            "ari": float(adjusted_rand_score(compared, labels)),
            "nmi": float(normalized_mutual_info_score(compared, labels)),
            "n_segments": len(np.unique(labels)),
            "rows_compared": len(labels),
            "method": method,
        })
    runs = pd.DataFrame(rows)
    ari = runs["ari"]
    mean = float(ari.mean())
    hi, mid = STABILITY_THRESHOLDS
    verdict = "stable" if mean >= hi else ("moderately stable" if mean >= mid else "unstable")
    summary = pd.Series({
        "n_boot": n_boot, "mean_ari": mean, "median_ari": float(ari.median()),
        "min_ari": float(ari.min()), "q05_ari": float(ari.quantile(0.05)),
        "q95_ari": float(ari.quantile(0.95)), "rows": n, "verdict": verdict,
    }, name="stability", dtype=object)
    return StabilityResult(runs=runs, summary=summary)


# --- comparing partitions -----------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionComparison:
    """Result of :func:`compare_partitions`.

    Attributes
    ----------
    crosstab : pandas.DataFrame
        Counts of customers: index = labels of ``a``, columns = labels of ``b`` (their names
        are the Series names, or ``"a"`` / ``"b"``).
    adjusted_rand : float
        Adjusted Rand index (1 identical partitions, about 0 chance agreement, can be < 0).
    nmi : float
        Normalised mutual information (0 independent, 1 identical up to relabelling).
    n : int
        Number of customers compared.
    """

    crosstab: pd.DataFrame
    adjusted_rand: float
    nmi: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy summary: ``a``, ``b``, ``n``, ``adjusted_rand``, ``nmi``."""
        return pd.DataFrame([{
            "a": self.crosstab.index.name, "b": self.crosstab.columns.name, "n": self.n,
            "adjusted_rand": self.adjusted_rand, "nmi": self.nmi,
        }])


def _as_labels(x: Any, name: str, owner: str) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x
    elif isinstance(x, pd.DataFrame):
        msg = f"{owner}: {name} must be one column of labels (a Series), got a DataFrame."
        raise ParameterError(msg)
    else:
        try:
            s = pd.Series(np.asarray(x), name=None)
        except Exception:  # pragma: no cover - exotic inputs
            raise ParameterError(f"{owner}: {name} must be array-like labels.") from None
        if s.ndim != 1:  # pragma: no cover
            raise ParameterError(f"{owner}: {name} must be one-dimensional.")
    if s.isna().any():
        rows = s.index[s.isna()]
        msg = (
            f"{owner}: {name} has {len(rows)} missing label(s), first at index "
            f"[{_fmt_values(rows)}]. Give every customer a label (e.g. fillna('unknown'))."
        )
        raise SchemaError(msg, rows=list(rows))
    return s


def compare_partitions(a: Any, b: Any) -> PartitionComparison:
    """Compare two labellings of the same customers (e.g. AUM tiers vs segments).

    Parameters
    ----------
    a, b : pandas.Series or array-like
        Labels of the same customers. Two Series are matched by index (both must hold the same
        index labels); otherwise they are matched by position and must have the same length.

    Returns
    -------
    PartitionComparison
        ``.crosstab`` (counts, rows = ``a``, columns = ``b``), ``.adjusted_rand``, ``.nmi``,
        ``.n``; ``.to_frame()`` gives a one-row summary.

    Raises
    ------
    SchemaError
        Different lengths or different indexes, missing labels, or fewer than two customers.

    See Also
    --------
    stability, kequn_lib.plot_partition_crosstab

    Notes
    -----
    Both indices are symmetric and ignore label names: ARI corrects the Rand index for chance;
    NMI uses the arithmetic mean of the two entropies (scikit-learn's default).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> cmp = kq.compare_partitions(pd.Series([0, 0, 1, 1], name="segment"),
    ...                             pd.Series(["x", "x", "y", "y"], name="persona"))
    >>> cmp.adjusted_rand, cmp.nmi
    (1.0, 1.0)
    >>> cmp.crosstab.loc[0, "x"]
    np.int64(2)
    """
    owner = "compare_partitions"
    sa, sb = _as_labels(a, "a", owner), _as_labels(b, "b", owner)
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if not sa.index.equals(sb.index):
            if len(sa) != len(sb) or not sa.index.sort_values().equals(sb.index.sort_values()):
                extra = sa.index.symmetric_difference(sb.index)
                msg = (
                    f"{owner}: a and b cover different customers ({len(sa)} vs {len(sb)} rows; "
                    f"{len(extra)} index label(s) in only one, e.g. [{_fmt_values(extra)}]). "
                    "Label the same table twice, or align them first."
                )
                raise SchemaError(msg, rows=list(extra))
            sb = sb.reindex(sa.index)
    elif len(sa) != len(sb):
        msg = f"{owner}: a and b must have the same length, got {len(sa)} and {len(sb)}."
        raise SchemaError(msg)
    if len(sa) < 2:
        raise SchemaError(f"{owner}: need at least 2 customers to compare, got {len(sa)}.")
    va, vb = sa.to_numpy(), sb.to_numpy()
    # keep the labels' own dtype (an ordered tier category keeps its order); drop empty levels
    table = pd.crosstab(pd.Series(sa.array, name=sa.name or "a"),
                        pd.Series(sb.array, name=sb.name or "b"))
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    return PartitionComparison(
        crosstab=table,
        adjusted_rand=float(adjusted_rand_score(va, vb)),
        nmi=float(normalized_mutual_info_score(va, vb)),
        n=len(sa),
    )


# --- profiles and personas ----------------------------------------------------------------------

# feature -> (family, zh when high, en when high, zh when low, en when low)
_LEXICON: dict[str, tuple[str, str, str, str, str]] = {
    "aum": ("assets", "高资产", "high AUM", "低资产", "low AUM"),
    "deposit_balance": ("deposit", "高存款", "high deposits", "低存款", "low deposits"),
    "wealth_balance": ("wealth", "重理财", "wealth-heavy", "少理财", "little wealth mgmt"),
    "loan_balance": ("loan", "高贷款", "high loans", "低贷款", "low loans"),
    "has_loan": ("loan", "有贷款", "borrowers", "无贷款", "no loans"),
    "fx_volume_12m": ("fx", "外汇活跃", "FX-active", "少外汇", "little FX"),
    "fee_income_12m": ("fees", "高贡献", "high fee income", "低贡献", "low fee income"),
    "remittance_count_12m": ("remit", "汇款频繁", "frequent remitters", "少汇款",
                             "few remittances"),
    "has_remittance": ("remit", "常汇款", "remitters", "不汇款", "no remittances"),
    "app_logins_90d": ("digital", "高数字化", "high digital", "低数字化", "low digital"),
    "rm_contacts_90d": ("rm", "经理常联系", "RM-served", "少经理联系", "little RM contact"),
    "referrals_12m": ("referral", "爱推荐", "referrers", "少推荐", "few referrals"),
    "products_held": ("products", "多产品", "multi-product", "少产品", "few products"),
    "tenure_months": ("tenure", "老客户", "long tenure", "新客户", "new customers"),
    "age": ("age", "年长", "older", "年轻", "younger"),
    "has_safe_box": ("safe", "用保险箱", "safe-box users", "无保险箱", "no safe box"),
    "has_deposit": ("deposit", "有存款", "depositors", "无存款", "no deposits"),
    # columns of the public datasets (kq.load_customers("uci-..."))
    "has_housing_loan": ("loan", "有房贷", "mortgage holders", "无房贷", "no mortgage"),
    "has_personal_loan": ("loan", "有消费贷", "personal-loan holders", "无消费贷",
                          "no personal loan"),
    "has_credit_default": ("default", "有违约", "past default", "无违约", "no default"),
    "overdraft": ("overdraft", "透支", "overdrawn", "无透支", "not overdrawn"),
    "credit_limit": ("assets", "高额度", "high credit limit", "低额度", "low credit limit"),
    "utilisation": ("use", "额度用满", "high utilisation", "额度少用", "low utilisation"),
    "pay_delay_max_6m": ("delay", "常逾期", "late payers", "按时还款", "on-time payers"),
    "bill_mean_6m": ("bill", "高账单", "high bills", "低账单", "low bills"),
    "payment_total_6m": ("pay", "高还款", "high repayments", "低还款", "low repayments"),
    "credit_balance": ("credit", "有溢缴款", "in credit", "无溢缴款", "not in credit"),
}
#: |z| a feature needs to enter a persona name (an assumption: half a standard deviation).
PERSONA_MIN_Z = 0.5


def _generic_terms(feat: str) -> tuple[str, str, str, str, str]:
    """Persona terms for a column outside the lexicon: has_x -> with/without x, else high/low."""
    if feat.startswith("has_"):
        thing = feat[4:].replace("_", " ")
        return feat, f"有{thing}", f"with {thing}", f"无{thing}", f"no {thing}"
    name = feat.replace("_", " ")
    return feat, f"{name}高", f"high {name}", f"{name}低", f"low {name}"


def _persona(z: pd.Series, *, max_terms: int = 2) -> str:
    order = z.abs().sort_values(ascending=False, kind="stable")
    zh, en, families = [], [], set()
    for feat in order.index:
        val = z[feat]
        if len(zh) >= max_terms or not abs(val) >= PERSONA_MIN_Z:
            break
        family, hz, he, lz, le = _LEXICON.get(feat) or _generic_terms(str(feat))
        if family in families:
            continue
        families.add(family)
        zh.append(hz if val > 0 else lz)
        en.append(he if val > 0 else le)
    if not zh:
        return "大众均衡 / mass, balanced"
    return f"{'·'.join(zh)} / {', '.join(en)}"


def profile_segments(
    data: pd.DataFrame,
    labels: Any,
    *,
    features: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Describe each segment: size, share, medians, z-scores and a generated persona name.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table that was segmented.
    labels : pandas.Series or array-like
        Segment of each customer: a Series on ``data``'s index (as returned by
        ``pipeline.fit_predict(data)``) or an array of ``len(data)`` labels.
    features : list of str, optional
        Number or boolean columns to profile. Default: every number and boolean column except
        ids (``customer_id``, ``id``, ``*_id``) and ``true_*`` ground truth.

    Returns
    -------
    pandas.DataFrame
        One row per segment, indexed by segment label (index name ``"segment"``, sorted), with
        ``size`` (customers), ``share`` (of all customers, 0–1), ``persona`` (short bilingual
        name such as ``"高资产·低数字化 / high AUM, low digital"``), ``top_features`` (the three
        features with the largest \\|z\\|, e.g. ``"aum +1.8, app_logins_90d -1.2, ..."``), then
        ``median_<f>`` for each feature and ``z_<f>`` for each feature.

    Raises
    ------
    SchemaError
        Labels of the wrong length or index, missing labels, a missing or non-numeric feature.

    See Also
    --------
    segment_pipeline, kequn_lib.plot_segment_profile

    Notes
    -----
    ``z_<f>`` is the segment mean minus the whole base's mean, divided by the whole base's
    standard deviation. Money columns (the data dictionary's ``aum``, balances, volumes and
    fees) are heavy-tailed, so their z-scores are computed on ``log1p`` of the amount: a few
    millionaires would otherwise decide every segment's name. Missing values are ignored.
    The persona joins the (at most) two features with the largest \\|z\\| of at least 0.5 (an
    assumption), skipping a feature of the same family as one already used (AUM and deposits,
    say), using a small bilingual lexicon; segments with no such feature are called
    ``"大众均衡 / mass, balanced"``. Names repeated across segments get a suffix ``" #<label>"``.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"aum": [1e3, 2e3, 9e5, 8e5], "app_logins_90d": [40, 35, 2, 1]})
    >>> prof = kq.profile_segments(data, [0, 0, 1, 1])
    >>> prof.loc[1, "persona"]
    '高资产·低数字化 / high AUM, low digital'
    >>> prof["size"].tolist()
    [2, 2]
    """
    owner = "profile_segments"
    require_frame(data, owner=owner)
    if isinstance(labels, pd.Series):
        if not labels.index.equals(data.index):
            if len(labels) != len(data) or not labels.index.sort_values().equals(
                    data.index.sort_values()):
                msg = (
                    f"{owner}: labels ({len(labels)} rows) are not on data's index "
                    f"({len(data)} rows). Pass pipeline.fit_predict(data) for the same table."
                )
                raise SchemaError(msg)
            labels = labels.reindex(data.index)
        lab = labels
    else:
        arr = np.asarray(labels)
        if arr.ndim != 1 or len(arr) != len(data):
            msg = (
                f"{owner}: labels must have one entry per row of data ({len(data)}), got shape "
                f"{arr.shape}."
            )
            raise SchemaError(msg)
        lab = pd.Series(arr, index=data.index)
    if lab.isna().any():
        rows = lab.index[lab.isna()]
        msg = (f"{owner}: {len(rows)} customer(s) have no segment label, first at index "
               f"[{_fmt_values(rows)}]. Label every customer.")
        raise SchemaError(msg, rows=list(rows))
    if features is None:
        features = [c for c in data.columns
                    if not _is_id_or_truth(c) and _is_numberlike(data[c])]
        if not features:
            msg = (f"{owner}: data has no number or boolean column to profile; pass features=. "
                   f"The table has: {_fmt_values(list(map(str, data.columns)), 30)}.")
            raise SchemaError(msg)
    else:
        features = _columns_arg(features, "features") or []
        require_columns(data, features, owner=owner)
    values = pd.DataFrame(
        {f: require_numeric(data, f, owner=owner, allow_nan=True) for f in features},
        index=data.index,
    )
    scaled = values.copy()
    for f in features:
        if f in DEFAULT_MONEY and (values[f].dropna() >= 0).all():
            scaled[f] = np.log1p(values[f])
    key = pd.Series(lab.to_numpy(), index=data.index, name="segment")
    grouped_mean = scaled.groupby(key, sort=True).mean()
    std = scaled.std(ddof=0).replace(0, np.nan)
    z = ((grouped_mean - scaled.mean()) / std).fillna(0.0)
    medians = values.groupby(key, sort=True).median()
    size = key.groupby(key, sort=True).size()
    out = pd.DataFrame({"size": size.astype("int64"), "share": size / len(key)})
    out["persona"] = [_persona(z.loc[s]) for s in out.index]
    dup = out["persona"].duplicated(keep=False)
    out.loc[dup, "persona"] = [f"{p} #{s}" for s, p in out.loc[dup, "persona"].items()]
    out["top_features"] = [
        ", ".join(f"{f} {z.loc[s, f]:+.1f}"
                  for f in z.loc[s].abs().sort_values(ascending=False, kind="stable").index[:3])
        for s in out.index
    ]
    for f in features:
        out[f"median_{f}"] = medians[f]
    for f in features:
        out[f"z_{f}"] = z[f]
    out.index.name = "segment"
    return out


# --- scale --------------------------------------------------------------------------------------


def fit_on_sample(
    data: pd.DataFrame,
    pipeline: Pipeline | None = None,
    *,
    sample_size: int = 200_000,
    stratify: str | None = None,
    random_state: _RandomState = 0,
) -> Pipeline:
    """Fit a segmentation on a (stratified) random sample of a large customer table.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table, possibly millions of rows.
    pipeline : Pipeline, optional
        Pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); not modified.
    sample_size : int, default=200_000
        Rows to fit on. A table no larger than this is used whole.
    stratify : str, optional
        Column whose levels keep their shares in the sample (e.g. ``"customer_kind"`` or
        ``"region"``); each level contributes ``round(share × sample_size)`` rows, at least one.
    random_state : int, numpy Generator or None, default=0
        Seed of the sample.

    Returns
    -------
    Pipeline
        A fitted clone of ``pipeline``; label all customers with :func:`predict_in_chunks`.

    Raises
    ------
    SchemaError
        Missing ``stratify`` column, or a bad table.
    ParameterError
        ``sample_size < 2``.

    See Also
    --------
    predict_in_chunks

    Notes
    -----
    k-means centres estimated on 200,000 customers are, for a handful of segments, as good as
    those from millions: the error of a segment mean shrinks with the square root of its size.
    Ward and HDBSCAN cannot label new rows, so only k-means and mixtures suit this path.

    Examples
    --------
    >>> import numpy as np, pandas as pd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.normal(size=1000),
    ...                      "kind": rng.choice(["a", "b"], 1000, p=[0.9, 0.1])})
    >>> pipe = kq.fit_on_sample(data, kq.segment_pipeline(numeric=["x"], n_clusters=2),
    ...                         sample_size=100, stratify="kind")
    >>> kq.predict_in_chunks(pipe, data, chunk_size=300).shape
    (1000,)
    """
    owner = "fit_on_sample"
    _check_rows(data, owner)
    pipeline = _require_pipeline(pipeline, owner)
    sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
    rng = np.random.default_rng(random_state)
    n = len(data)
    if n <= sample_size:
        sample = data
    elif stratify is None:
        sample = data.iloc[_sample_index(n, sample_size, rng)]
    else:
        require_columns(data, [stratify], owner=owner)
        codes, _levels = pd.factorize(data[stratify], use_na_sentinel=False)
        take = []
        for code in np.unique(codes):
            pos = np.flatnonzero(codes == code)
            m = min(len(pos), max(1, round(len(pos) / n * sample_size)))
            take.append(rng.choice(pos, size=m, replace=False))
        sample = data.iloc[np.sort(np.concatenate(take))]
    log.info("fit_on_sample: fitting on %d of %d rows", len(sample), n)
    return clone(pipeline).fit(sample)


def _require_fitted_predictor(pipeline: Pipeline, owner: str) -> None:
    """Raise unless the pipeline's last step can label new rows and the pipeline is fitted."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    model = pipeline.steps[-1][1]
    if not hasattr(model, "predict"):
        msg = (
            f"{owner}: {type(model).__name__} cannot label new customers (no predict). Use "
            "algorithm='kmeans', 'minibatch_kmeans' or 'gmm' for the sample-then-predict path."
        )
        raise ParameterError(msg)
    try:
        check_is_fitted(pipeline)
    except NotFittedError:
        raise ParameterError(f"{owner}: the pipeline is not fitted; call .fit first.") from None


def predict_in_chunks(
    pipeline: Pipeline,
    data: pd.DataFrame,
    *,
    chunk_size: int = 250_000,
    progress: bool = False,
) -> pd.Series:
    """Label every customer with a fitted pipeline, a chunk of rows at a time.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline whose model has ``predict`` (k-means, mini-batch k-means, mixture).
    data : pandas.DataFrame
        The customer table (same columns as the fitting table).
    chunk_size : int, default=250_000
        Rows per chunk: the prepared matrix of one chunk is all that is held in memory at once.
    progress : bool, default=False
        Show a progress bar over chunks.

    Returns
    -------
    pandas.Series
        int64 labels named ``"segment"`` on ``data``'s index; identical to
        ``pipeline.predict(data)``.

    Raises
    ------
    ParameterError
        Unfitted pipeline, or a model that cannot label new rows (Ward, HDBSCAN).
    SchemaError
        Missing or non-numeric columns.

    See Also
    --------
    fit_on_sample

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 0.2]})
    >>> pipe = kq.segment_pipeline(n_clusters=2).fit(data)
    >>> kq.predict_in_chunks(pipe, data, chunk_size=2).equals(pipe.predict(data))
    True
    """
    owner = "predict_in_chunks"
    pipeline = _require_pipeline(pipeline, owner)
    require_frame(data, owner=owner)
    chunk_size = check_int(chunk_size, name="chunk_size", owner=owner, low=1)
    _require_fitted_predictor(pipeline, owner)
    n = len(data)
    parts = []
    starts = range(0, n, chunk_size)
    for start in _progress(starts, progress=progress, desc="predict", total=len(starts)):
        chunk = data.iloc[start:start + chunk_size]
        parts.append(np.asarray(pipeline.predict(chunk), dtype="int64"))
    labels = np.concatenate(parts) if parts else np.empty(0, dtype="int64")
    return pd.Series(labels, index=data.index, name="segment")
