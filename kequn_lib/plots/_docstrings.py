"""Shared numpydoc text for the plot functions, written once and filled into each docstring.

Parameters that mean the same thing in every plot (``ax``, the returned Axes, a customer
table, a sampling seed, a splitting ``hue``) are described here. A plot function puts a
placeholder line such as ``{ax}`` where the block belongs and is decorated with :func:`share`;
the placeholder line is replaced by the block, indented like the placeholder. Only whole lines
holding exactly a known ``{name}`` are touched, so other braces in a docstring (set literals,
format strings in examples) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["DOCS", "fill", "share"]

F = TypeVar("F", bound=Callable[..., object])

# Each block is written without its outer indentation; continuation lines carry the 4 extra
# spaces numpydoc expects under a parameter name.
DOCS: dict[str, str] = {
    "ax": (
        "ax : matplotlib Axes, optional\n"
        "    Axes to draw on; the current Axes by default."
    ),
    "returns_ax": (
        "Returns\n"
        "-------\n"
        "matplotlib.axes.Axes\n"
        "    The Axes drawn on."
    ),
    "data_customers": (
        "data : DataFrame\n"
        "    One row per customer."
    ),
    "hue": (
        "hue : str, optional\n"
        "    Column of ``data`` whose levels split the plot into one coloured series per group;\n"
        "    ``None`` draws a single series."
    ),
    "random_state_sample": (
        "random_state : int or None, default=0\n"
        "    Seed of the sample."
    ),
}


def fill(doc: str | None) -> str | None:
    """Replace every line that holds only a known ``{name}`` with its block from :data:`DOCS`.

    Parameters
    ----------
    doc : str or None
        A docstring.

    Returns
    -------
    str or None
        The docstring with the placeholders filled; ``None`` stays ``None``.

    Examples
    --------
    >>> print(fill("Parameters\\n----------\\n    {ax}"))
    Parameters
    ----------
        ax : matplotlib Axes, optional
            Axes to draw on; the current Axes by default.
    """
    if doc is None:
        return None
    out = []
    for line in doc.split("\n"):
        token = line.strip()
        name = token[1:-1] if token.startswith("{") and token.endswith("}") else None
        if name in DOCS:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + part if part else part for part in DOCS[name].split("\n"))
        else:
            out.append(line)
    return "\n".join(out)


def share(func: F) -> F:
    """Decorator: fill the shared ``{name}`` placeholders in ``func.__doc__`` (see :func:`fill`).

    Parameters
    ----------
    func : callable
        A plot function whose docstring holds placeholder lines.

    Returns
    -------
    callable
        The same function, with its docstring filled.
    """
    func.__doc__ = fill(func.__doc__)
    return func
