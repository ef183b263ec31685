"""Figures for kequn_lib.lending (in progress)."""

from __future__ import annotations

__all__: list[str] = []
