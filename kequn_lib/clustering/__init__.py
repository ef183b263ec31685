"""Behaviour-based customer segments (客群画像) as ordinary scikit-learn pipelines.

Tiers rank customers by what they bring in; segments group them by who they are and how they
behave. This module builds the segmentation as a plain :class:`sklearn.pipeline.Pipeline`, so an
analyst can ``clone`` it, ``set_params`` it, put it in a grid search or pickle it, and adds the
helpers a segmentation study needs:

* :func:`segment_pipeline`: preparation (median imputation, ``log1p`` on money, scaling, one-hot
  for categories) followed by k-means, mini-batch k-means, a Gaussian mixture, Ward or HDBSCAN;
* :func:`segment_customers`: the one call the chapters share (choose k, widening the range
  when the best k sits at its edge; fit; profile; unique names);
* :func:`choose_k`: silhouette, Calinski-Harabasz, Davies-Bouldin, inertia and BIC per k, with a
  recommended k and the rule that chose it;
* :func:`stability`: bootstrap adjusted Rand indices, so a reader sees whether segments are real;
* :func:`profile_segments`: size, share, medians, z-scores and a generated persona name;
* :func:`compare_partitions`: crosstab, adjusted Rand index and normalised mutual information;
* :func:`fit_on_sample` and :func:`predict_in_chunks`: clustering at scale (fit on a stratified
  sample, label every customer chunk by chunk); :func:`sample_partitions`,
  :func:`fit_on_partitions` and :func:`predict_partitions` do the same on a Dask DataFrame.

Missing values are imputed (median for numbers, an explicit "missing" level for categories)
rather than refused: corporate customers have no age or education, and dropping them silently
would be worse. Without column lists, :func:`choose_features` decides which columns are
features (never ids, labels, campaign outcome or contact columns, nor ``true_*`` ground truth).
"""

# Besides the public names, private ones stay importable from here: pipelines pickled before
# the split refer to kequn_lib.clustering._DefaultColumns and _as_object, and the constants
# were attributes of the former single-file module.
from ._features import choose_features
from ._pipeline import (
    ALGORITHMS,
    DEFAULT_EXCLUDE,  # noqa: F401
    DEFAULT_MONEY,  # noqa: F401
    MAX_DEFAULT_LEVELS,  # noqa: F401
    WARD_MAX_ROWS,  # noqa: F401
    SegmentPipeline,
    SegmentPreparer,
    _as_object,  # noqa: F401
    _DefaultColumns,  # noqa: F401
    segment_pipeline,
)
from ._profiles import (
    PERSONA_MIN_Z,  # noqa: F401
    profile_segments,
)
from ._scale import (
    _require_fitted_predictor,  # noqa: F401
    fit_on_partitions,
    fit_on_sample,
    predict_in_chunks,
    predict_partitions,
    sample_partitions,
)
from ._segmentation import Segmentation, segment_customers
from ._selection import (
    RULES,  # noqa: F401
    STABILITY_THRESHOLDS,  # noqa: F401
    KSelection,
    PartitionComparison,
    StabilityResult,
    choose_k,
    compare_partitions,
    stability,
)

__all__ = [
    "ALGORITHMS",
    "KSelection",
    "PartitionComparison",
    "SegmentPipeline",
    "SegmentPreparer",
    "Segmentation",
    "StabilityResult",
    "choose_features",
    "choose_k",
    "compare_partitions",
    "fit_on_partitions",
    "fit_on_sample",
    "predict_in_chunks",
    "predict_partitions",
    "profile_segments",
    "sample_partitions",
    "segment_customers",
    "segment_pipeline",
    "stability",
]
