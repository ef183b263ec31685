"""Figures for kequn_lib.tiering (in progress)."""

from __future__ import annotations

__all__: list[str] = []
