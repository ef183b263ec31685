"""Facts held in a PRC resident identity number (居民身份证号码), read without guessing.

An 18-digit number (GB 11643-1999) is a 6-digit region code (行政区划代码), the birth date
``YYYYMMDD``, a 3-digit sequence whose last digit is odd for men and even for women, and a check
character computed with ISO 7064 MOD 11-2 (``0``-``9`` or ``X``). The older 15-digit number has
the region, the birth date ``YYMMDD`` (19YY) and the sequence, and no check character.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = ["id_card_info"]

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = "10X98765432"  # check character by (weighted sum mod 11)


def _check_char(first17: str) -> str:
    return _CHECK[int(np.dot(_WEIGHTS, [int(c) for c in first17])) % 11]


def _one(raw: Any, as_of: pd.Timestamp) -> dict[str, Any]:
    empty = {"valid": False, "problem": "", "birth_date": pd.NaT, "age": pd.NA, "sex": None,
             "region_code": None, "check_digit_ok": pd.NA}
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return empty | {"problem": "missing"}
    if isinstance(raw, int | np.integer) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip().upper()
    else:
        return empty | {"problem": f"not text ({type(raw).__name__}); ids are read as strings"}
    if len(text) == 18:
        if not (text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
            return empty | {"problem": "18 characters but not 17 digits and a digit or X"}
        birth, seq = text[6:14], text[14:17]
        check_ok = _check_char(text[:17]) == text[17]
    elif len(text) == 15:
        if not text.isdigit():
            return empty | {"problem": "15 characters but not all digits"}
        birth, seq, check_ok = "19" + text[6:12], text[12:15], pd.NA
    else:
        return empty | {"problem": f"{len(text)} characters (must be 18, or 15 for old cards)"}
    date = pd.to_datetime(birth, format="%Y%m%d", errors="coerce")
    if pd.isna(date):
        return empty | {"problem": f"birth date {birth} does not exist",
                        "check_digit_ok": check_ok}
    if date > as_of:
        return empty | {"problem": f"birth date {date.date()} is after as_of",
                        "check_digit_ok": check_ok}
    if check_ok is False:
        return empty | {"problem": "check digit does not match (ISO 7064 MOD 11-2)",
                        "check_digit_ok": False}
    age = as_of.year - date.year - ((as_of.month, as_of.day) < (date.month, date.day))
    return {"valid": True, "problem": "", "birth_date": date, "age": age,
            "sex": "male" if int(seq[-1]) % 2 else "female", "region_code": text[:6],
            "check_digit_ok": check_ok}


def id_card_info(ids: Any, *, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Birth date, age, sex and region code from resident identity numbers, flagging bad ones.

    Parameters
    ----------
    ids : pandas.Series or array-like of str
        18-digit (or old 15-digit) numbers, as text (a trailing ``x`` is read as ``X``).
    as_of : str or Timestamp, optional
        Date at which ``age`` is computed (and after which a birth date is impossible).
        Default: today.

    Returns
    -------
    pandas.DataFrame
        One row per id, on the input's index: ``valid`` (bool), ``problem`` (why a number is
        invalid, ``""`` when valid), ``birth_date`` (datetime64), ``age`` (Int64, whole years at
        ``as_of``), ``sex`` (``"male"``/``"female"``, from the sequence digit's parity),
        ``region_code`` (the 6-digit 行政区划代码 as text; its first two digits are the
        province) and ``check_digit_ok`` (boolean; missing for 15-digit numbers, which have
        none). An invalid number has every derived field missing: nothing is guessed.

    Raises
    ------
    ParameterError
        If ``as_of`` is not a date.

    Notes
    -----
    GB 11643-1999: the check character is ``"10X98765432"[sum(d_i * w_i) mod 11]`` with
    weights ``w = 2^(17-i) mod 11`` = 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
    (ISO 7064 MOD 11-2). The region code is not checked against the list of existing codes,
    which changes over time. Identity numbers are personal data: keep them out of shared
    outputs.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> info = kq.id_card_info(["11010519491231002X", "110105194912310021"], as_of="2024-06-30")
    >>> info["valid"].tolist()
    [True, False]
    >>> int(info.loc[0, "age"]), info.loc[0, "sex"], info.loc[0, "region_code"]
    (74, 'female', '110105')
    >>> info.loc[1, "problem"]
    'check digit does not match (ISO 7064 MOD 11-2)'
    """
    try:
        ref = pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise ParameterError(f"id_card_info: as_of must be a date, got {as_of!r}.") from None
    if pd.isna(ref):
        raise ParameterError(f"id_card_info: as_of must be a date, got {as_of!r}.")
    s = ids if isinstance(ids, pd.Series) else pd.Series(list(ids) if not isinstance(ids, str)
                                                         else [ids])
    rows = [_one(v, ref) for v in s.tolist()]
    out = pd.DataFrame(rows, index=s.index,
                       columns=["valid", "problem", "birth_date", "age", "sex", "region_code",
                                "check_digit_ok"])
    out["valid"] = out["valid"].astype(bool)
    out["birth_date"] = pd.to_datetime(out["birth_date"]).astype("datetime64[ns]")
    out["age"] = out["age"].astype("Int64")
    out["check_digit_ok"] = out["check_digit_ok"].astype("boolean")
    return out
