"""Theme and the package's standard figures.

:func:`use_theme` sets the seaborn theme and a CJK-capable font so Chinese titles and labels
render. The plot functions follow seaborn's shape: ``data`` first, keyword-only variables,
``ax=None`` and ``**kwargs`` last; each draws on ``ax`` (or the current Axes), returns it, and
never shows or saves. A table may also be a pyarrow Table or a polars DataFrame: it is converted
to pandas once, at the door, and the plot draws what the pandas frame draws. One small module
per topic; all names are re-exported here and at the top level (``kq.plot_lorenz``).
"""

from __future__ import annotations

from . import (
    _theme,
    clustering,
    customers,
    groups,
    health,
    lending,
    lifetime_value,
    potential,
    tiering,
)
from ._theme import *  # noqa: F403
from .clustering import *  # noqa: F403
from .customers import *  # noqa: F403
from .groups import *  # noqa: F403
from .health import *  # noqa: F403
from .lending import *  # noqa: F403
from .lifetime_value import *  # noqa: F403
from .potential import *  # noqa: F403
from .tiering import *  # noqa: F403

__all__ = [
    *_theme.__all__,
    *customers.__all__,
    *tiering.__all__,
    *potential.__all__,
    *clustering.__all__,
    *groups.__all__,
    *health.__all__,
    *lending.__all__,
    *lifetime_value.__all__,
]
