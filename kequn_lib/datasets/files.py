"""kequn_lib.datasets.files (in progress)."""

from __future__ import annotations

__all__: list[str] = []
