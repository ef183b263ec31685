"""Figures for kequn_lib.groups (in progress)."""

from __future__ import annotations

__all__: list[str] = []
