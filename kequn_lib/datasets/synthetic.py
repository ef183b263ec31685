"""kequn_lib.datasets.synthetic (in progress)."""

from __future__ import annotations

__all__: list[str] = []
