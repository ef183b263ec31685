"""The bad-input matrix (tests/error_cases.py) and its document (docs/errors.md).

* Every case raises exactly its expected kequn exception, with the expected message fragment.
* docs/errors.md lists the same cases with the same classes (regenerate it with
  ``python -m tests.error_cases > docs/errors.md``).
* A sweep feeds every public DataFrame-taking function (the table of tests/test_no_mutation.py)
  broken versions of its valid input; whatever it raises must be a kequn error, never a raw
  pandas, numpy or scikit-learn exception.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq

from . import error_cases
from .conftest import REPO
from .error_cases import CASES, Case
from .test_no_mutation import CALLS, inputs

DOC = REPO / "docs" / "errors.md"
AREAS = {"loaders (public)", "loaders (files)", "schema", "tiering", "potential", "clustering",
         "groups", "lending", "report"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_its_kequn_error(case: Case) -> None:
    with pytest.raises(kq.KequnError) as info:
        case.call()
    plt.close("all")
    assert type(info.value) is case.error, f"{case.id}: raised {type(info.value).__name__}"
    assert case.fragment in str(info.value)


def test_matrix_is_large_and_covers_every_area() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(CASES) >= 40
    assert AREAS <= {c.area for c in CASES}
    for case in CASES:
        assert issubclass(case.error, kq.KequnError), case.id
        assert case.fragment and case.what, case.id


def test_committed_doc_is_in_sync() -> None:
    text = DOC.read_text(encoding="utf-8")
    expected = {c.id: error_cases.shown(c.error) for c in CASES}
    assert error_cases.documented_rows(text) == expected, (
        "docs/errors.md is out of date: run `python -m tests.error_cases > docs/errors.md`"
    )
    assert f"{len(CASES)} cases." in text
    for root in ("tmp", "home", "root", "work"):  # machine folders must not leak into the doc
        assert f"/{root}/" not in text, f"the doc shows a machine path under /{root}/"


# --- sweep: broken versions of valid inputs ------------------------------------------------------


def _broken(obj: Any) -> Iterator[tuple[str, Any]]:
    """Broken variants of a valid frame or Series: wrong type, no rows, text, NaN and inf."""
    yield "list", [1, 2, 3]
    yield "no-rows", obj.iloc[:0]
    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    numeric = [c for c in obj.columns
               if pd.api.types.is_numeric_dtype(obj[c]) and not pd.api.types.is_bool_dtype(obj[c])]
    for col in numeric[:2]:
        loc = obj.columns.get_loc(col)
        text = obj.copy()
        text[col] = text[col].astype(object)
        text.iloc[0, loc] = "n/a"
        yield f"text:{col}", text
        for label, value in (("nan", np.nan), ("inf", np.inf)):
            bad = obj.copy()
            bad[col] = bad[col].astype("float64")
            bad.iloc[0, loc] = value
            yield f"{label}:{col}", bad


@pytest.mark.parametrize("name", sorted(CALLS))
def test_no_raw_exception_escapes(name: str) -> None:
    fn, args, kwargs = CALLS[name](inputs())
    slots = [i for i, a in enumerate(args) if isinstance(a, pd.DataFrame | pd.Series)]
    keys = [k for k, a in kwargs.items() if isinstance(a, pd.DataFrame | pd.Series)]
    first = args[slots[0]] if slots else kwargs[keys[0]]
    escaped = []
    logging.disable(logging.WARNING)
    try:
        for label, bad in _broken(first):
            if slots:
                call_args, call_kwargs = (*args[:slots[0]], bad, *args[slots[0] + 1:]), kwargs
            else:
                call_args, call_kwargs = args, {**kwargs, keys[0]: bad}
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # only exceptions matter here
                    fn(*call_args, **call_kwargs)
            except kq.KequnError:
                pass
            except Exception as exc:  # anything else is a raw traceback reaching the user
                escaped.append(f"[{label}] {type(exc).__name__}: {str(exc)[:120]}")
            finally:
                plt.close("all")
    finally:
        logging.disable(logging.NOTSET)
    assert not escaped, f"{name} let raw exceptions escape: {escaped}"

