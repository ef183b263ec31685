"""Figures for kequn_lib.clustering (in progress)."""

from __future__ import annotations

__all__: list[str] = []
