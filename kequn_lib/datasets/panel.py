"""kequn_lib.datasets.panel (in progress)."""

from __future__ import annotations

__all__: list[str] = []
