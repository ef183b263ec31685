"""The analyst's own files: a bank's customer or transaction export read into kequn's tables.

:func:`read_customers` and :func:`read_transactions` read CSV (any of UTF-8, UTF-8 with BOM,
GBK/GB18030 or UTF-16 with BOM; comma, tab, semicolon or ``|`` separated), Parquet and Excel
(``.xlsx``) files; rename the columns (your mapping first, then the built-in preset of common
Chinese headers, :data:`HEADER_PRESET`); parse numbers written with thousands separators
(``1,200.50``), amounts in 万 (ten thousand yuan) where the header or the ``unit`` argument says
so, dates and yes/no flags; and validate the result with :func:`~kequn_lib.validate_customers` or
:func:`~kequn_lib.validate_transactions`. Every problem is a :class:`~kequn_lib.KequnError` that
names the file, the column and the rows. Nothing is ever dropped or filled in silently.

Speed: a text file is checked as bytes (UTF-8 validity without a copy, the header by hand) and
parsed once by pyarrow's multi-threaded CSV reader with the types the header mapping implies:
plain integer ids become int64 there, money and counts float64, and flags, dates and categories
are read as dictionaries, so each distinct value is converted (and checked) once. Rows whose
field count differs are caught by the parser and located by a byte-level count. When any cell
then fails a check, the file is read again with every cell as text, so that the error quotes
the cells exactly as the file has them.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option, fmt_values
from ..errors import DataFileNotFoundError, KequnError, ParameterError, SchemaError
from ..schema import (
    COUNT_COLUMNS,
    FLAG_COLUMNS,
    MONEY_COLUMNS,
    validate_customers,
    validate_transactions,
)

__all__ = ["HEADER_PRESET", "read_customers", "read_transactions"]

logger = logging.getLogger(__name__)

HEADER_PRESET: dict[str, str] = {
    # identity
    "客户号": "customer_id",
    "客户编号": "customer_id",
    "客户id": "customer_id",
    "客户代码": "customer_id",
    "客户编码": "customer_id",
    "客户识别号": "customer_id",
    "cust_id": "customer_id",
    "customer_id": "customer_id",
    "客户类型": "customer_kind",
    "客户类别": "customer_kind",
    "所属银行": "bank",
    "行业": "industry",
    "所属行业": "industry",
    "职业": "occupation",
    "地区": "region",
    "区域": "region",
    "年龄": "age",
    "学历": "education",
    "性别": "sex",
    "开户日期": "open_date",
    "开户时间": "open_date",
    "账龄": "tenure_months",
    "开户月数": "tenure_months",
    "卡等级": "card_level",
    "卡片等级": "card_level",
    # balances and flows (CNY)
    "资产余额": "aum",
    "aum": "aum",
    "aum余额": "aum",
    "金融资产": "aum",
    "金融资产余额": "aum",
    "管理资产": "aum",
    "存款余额": "deposit_balance",
    "存款": "deposit_balance",
    "理财余额": "wealth_balance",
    "理财产品余额": "wealth_balance",
    "贷款余额": "loan_balance",
    "外汇交易量": "fx_volume_12m",
    "中间业务收入": "fee_income_12m",
    "手续费收入": "fee_income_12m",
    "汇款笔数": "remittance_count_12m",
    "持有产品数": "products_held",
    "产品数": "products_held",
    # product flags
    "是否存款客户": "has_deposit",
    "是否贷款客户": "has_loan",
    "是否有贷款": "has_loan",
    "是否汇兑客户": "has_remittance",
    "是否保险箱客户": "has_safe_box",
    # transaction log
    "交易日期": "date",
    "交易时间": "date",
    "交易金额": "amount",
    "发生额": "amount",
    "金额": "amount",
    "交易类型": "kind",
    "交易种类": "kind",
    "交易渠道": "channel",
    "渠道": "channel",
}
"""Built-in mapping from common (mostly Chinese) export headers to kequn's column names.

Headers are matched after trimming spaces, ignoring ASCII case and a trailing unit in brackets:
``资产余额（万元）`` matches ``资产余额`` and declares the column to be in 万 (x 10,000 yuan);
``(元)`` declares yuan. Extend it with your own mapping: ``columns={"总资产": "aum"}``."""

_NA_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "无数据"}
_TRUE = {"是", "有", "y", "yes", "true", "1", "t", "√"}
_FALSE = {"否", "无", "n", "no", "false", "0", "f", "×"}
_KIND = {
    "个人": "individual", "个人客户": "individual", "零售": "individual",
    "对公": "corporate", "对公客户": "corporate", "企业": "corporate", "公司": "corporate",
}  # fmt: skip
_CARD = {"普卡": "standard", "金卡": "gold", "白金卡": "platinum", "钻石卡": "diamond"}
_CARD_ORDER = ["standard", "gold", "platinum", "diamond"]
_CATEGORIES = ("bank", "customer_kind", "industry", "occupation", "region", "education", "sex",
               "kind", "channel")  # fmt: skip
_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[(（\[【]\s*(?P<unit>万元|万|元|亿元)\s*[)）\]】]$")
_THOUSANDS_RE = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
_UNITS = {"元": 1.0, "万": 1e4, "万元": 1e4}


class _FileReadError(KequnError, ValueError):
    """The file cannot be read as a table (format, encoding, sheet)."""



# --- reading -----------------------------------------------------------------------------------


_DETECT = ("gbk", "big5", "shift_jis", "gb18030")
_WEAK_CHAOS = 0.15  # charset-normalizer "chaos" above which a guess is too weak to use
_TOTAL_RE = re.compile(r"^\s*(合计|总计|小计|共计|总合计|total|totals|sub-?total|grand\s*total)"
                       r"\s*[:：]?.*$", re.IGNORECASE)


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when a sample looks like UTF-16 text without a BOM."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mixed_lines(raw: bytes) -> tuple[list[int], list[int]]:
    """Line numbers (1-based) of non-ASCII lines that are / are not valid UTF-8."""
    good, bad = [], []
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good.append(n)
        except UnicodeDecodeError:
            bad.append(n)
    return good, bad


def _decode(raw: bytes, encoding: str, path: Path) -> tuple[str, str]:
    """Decode ``raw``. ``"auto"``: a BOM, then strict UTF-8, then a detector choosing among
    GB18030/GBK, Big5, Shift-JIS and UTF-16; mixed encodings or a weak guess are errors."""
    if encoding != "auto":
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            msg = (
                f"{path}: cannot be decoded as {encoding} (line {line}, byte {exc.start}: "
                f"{raw[exc.start : exc.start + 4]!r}). Use encoding='auto' or the file's "
                "encoding, e.g. 'gb18030' for GBK exports, 'big5', 'shift_jis'."
            )
            raise _FileReadError(msg) from None
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass  # a BOM, then other bytes: reported as mixed below
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    else:
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    wide = _utf16_without_bom(raw)
    if wide is not None:
        try:
            return raw.decode(wide), wide
        except UnicodeDecodeError:
            pass
    good, bad = _mixed_lines(raw)
    if good and bad:
        msg = (
            f"{path}: mixes text encodings: line(s) [{fmt_values(good)}] are UTF-8 but line(s) "
            f"[{fmt_values(bad)}] are not (often one row pasted from a GBK system). Re-save the "
            "file in one encoding (UTF-8), or pass encoding= if you know it."
        )
        raise _FileReadError(msg)
    fits = {}
    for cand in _DETECT:  # strict decoding: most wrong candidates fail outright
        try:
            fits[cand] = raw.decode(cand)
        except UnicodeDecodeError:
            continue
    fits = {c: t for c, t in fits.items() if _cjk_share(t) >= 0.98}
    if len(fits) == 1:
        (enc, text), = fits.items()
        logger.info("%s: text encoding detected as %s", path, enc)
        return text, enc
    from charset_normalizer import from_bytes

    matches = sorted(from_bytes(raw, cp_isolation=list(fits) or list(_DETECT)),
                     key=lambda m: m.chaos)
    guesses = [f"{m.encoding} (chaos {m.chaos:.2f})" for m in matches[:3]]
    clear = len(matches) == 1 or (len(matches) > 1 and matches[1].chaos - matches[0].chaos > 0.05)
    best = matches[0] if matches else None
    if best is None or best.chaos > _WEAK_CHAOS or not clear or "\x00" in str(best):
        shown = ", ".join(guesses) if guesses else "none"
        msg = (
            f"{path}: cannot tell the text encoding (not UTF-8 or UTF-16; best guesses: "
            f"{shown}). Pass encoding= the file's encoding (e.g. 'gb18030', 'big5', "
            "'shift_jis'), or re-save it as UTF-8 CSV or .xlsx."
        )
        raise _FileReadError(msg)
    logger.info("%s: text encoding detected as %s", path, best.encoding)
    return str(best), best.encoding


def _cjk_share(text: str) -> float:
    """Share of non-ASCII characters that are CJK ideographs, kana, CJK punctuation or
    full-width forms (wrongly decoded bytes give half-width katakana, symbols, rare blocks)."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return 1.0
    good = sum(1 for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u30ff"
               or "\uff01" <= c <= "\uff5e")
    return good / len(wide)


def _sniff_sep(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=lambda sep: counts[sep]) if max(counts.values()) else ","


def _file_kind(raw_head: bytes) -> str:
    """What a file holds, by its first bytes (not its extension)."""
    if raw_head.startswith(b"PAR1"):
        return "parquet"
    if raw_head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if raw_head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    return "text"


def _bad_field_counts(data: bytes, sep: str, expected: int, first_line: int) -> list[tuple]:
    """(line, fields) of non-blank lines whose field count is not ``expected``; quote-free data
    are counted in chunks with numpy, quoted data with the csv module."""
    if b'"' in data:
        import csv

        out = []
        for n, row in enumerate(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=sep),
                                start=first_line):
            if row and any(c.strip() for c in row) and len(row) != expected:
                out.append((n, len(row)))
                if len(out) >= 10:
                    break
        return out
    arr = np.frombuffer(data, dtype=np.uint8)
    sep_byte, out, line0, start = ord(sep), [], first_line, 0
    step = 1 << 24
    while start < arr.size and len(out) < 10:
        stop = min(arr.size, start + step)
        if stop < arr.size:
            nxt = np.flatnonzero(arr[stop:stop + (1 << 20)] == 10)
            stop = stop + int(nxt[0]) + 1 if nxt.size else arr.size
        w = arr[start:stop]
        nl = np.flatnonzero(w == 10)
        ends = np.append(nl, w.size) if (nl.size == 0 or nl[-1] != w.size - 1) else nl
        starts = np.concatenate([[0], ends[:-1] + 1])
        counts = np.bincount(np.searchsorted(ends, np.flatnonzero(w == sep_byte)),
                             minlength=ends.size) + 1
        length = ends - starts - (w[np.maximum(ends - 1, 0)] == 13)
        wrong = np.flatnonzero((counts != expected) & (length > 0))
        out.extend((line0 + int(k), int(counts[k])) for k in wrong[: 10 - len(out)])
        line0 += ends.size
        start = stop
    return out


def _utf8_valid(raw: bytes, start: int) -> bool:
    """Whether ``raw[start:]`` is valid UTF-8, checked in chunks (no full copy as text)."""
    if start == 0 and raw.isascii():
        return True
    import pyarrow as pa

    # the bytes as one Arrow string value (no copy): Arrow's full validation checks UTF-8
    offsets = pa.py_buffer(np.array([0, len(raw) - start], dtype=np.int64))
    value = pa.Array.from_buffers(pa.large_string(), 1,
                                  [None, offsets, pa.py_buffer(raw).slice(start)])
    try:
        value.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _utf8_file(path: Path, encoding: str) -> tuple[int, bool] | None:
    """``(start, has_quotes)`` when the file is UTF-8 (ASCII for ``encoding="ascii"``), read in
    chunks so that it is never held whole; None otherwise (BOM-marked UTF-16, other bytes, or
    another encoding asked for). ``start`` skips a UTF-8 BOM under ``encoding="auto"``."""
    codec = "auto" if encoding == "auto" else codecs.lookup(encoding).name
    if codec not in {"auto", "utf-8", "ascii"}:
        return None
    quotes, carry = False, b""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if codec == "auto" and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return None
        start = len(codecs.BOM_UTF8) if codec == "auto" and head.startswith(
            codecs.BOM_UTF8) else 0
        fh.seek(start)
        while chunk := fh.read(1 << 24):
            chunk = carry + chunk
            if chunk.isascii():
                part, carry = chunk, b""
            elif codec == "ascii":
                return None
            else:  # cut after the last newline: no character is split between chunks
                cut = chunk.rfind(b"\n") + 1 or len(chunk)
                part, carry = chunk[:cut], chunk[cut:]
                if not _utf8_valid(part, 0):
                    return None
            quotes = quotes or b'"' in part
        if carry and not _utf8_valid(carry, 0):
            return None
    return start, quotes


def _head_lines(path: Path, n: int) -> bytes:
    """The file's first ``n`` lines (or all of it, if shorter)."""
    out = b""
    with open(path, "rb") as fh:
        while out.count(b"\n") < n and (chunk := fh.read(1 << 16)):
            out += chunk
    return out


def _to_utf8(raw: bytes, encoding: str, path: Path) -> tuple[bytes, int, str]:
    """``(data, start, used)``: the file as UTF-8 bytes from ``start`` (the file itself when it
    already is UTF-8, else transcoded by :func:`_decode`, whose checks and messages apply)."""
    codec = "auto" if encoding == "auto" else codecs.lookup(encoding).name
    if codec in {"utf-8", "ascii"} or (
            codec == "auto" and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        start = len(codecs.BOM_UTF8) if codec == "auto" and raw.startswith(codecs.BOM_UTF8) else 0
        if (codec != "ascii" and _utf8_valid(raw, start)) or (codec == "ascii" and raw.isascii()):
            return raw, start, ("utf-8-sig" if start else codec if codec != "auto" else "utf-8")
    text, used = _decode(raw, encoding, path)  # other encodings, and every error message
    return text.encode("utf-8"), 0, used


#: Cells read as missing in number columns (a subset of _NA_TOKENS, exact spellings: any other
#: spelling of a missing value sends the column to the text path, which knows them all).
_ARROW_NULLS = ["", "na", "NA", "Na", "n/a", "N/A", "nan", "NaN", "NAN", "null", "NULL", "Null",
                "none", "None", "NONE", "-", "--", "#N/A", "#n/a", "无数据"]


_NON_BLANK = re.compile(rb"\S")


def _blank_after(source: bytes | Path, start: int) -> bool:
    """Whether nothing but blanks follows ``start`` (bytes, or a file's first megabyte)."""
    if isinstance(source, Path):
        with open(source, "rb") as fh:
            fh.seek(start)
            rest = fh.read(1 << 20)
        return _NON_BLANK.search(rest) is None and len(rest) < 1 << 20
    return _NON_BLANK.search(source, start) is None


def _arrow_csv(data: bytes | Path, start: int, names: list[str], sep: str, decimal: str,
               kinds: dict[str, str], quotes: bool) -> tuple[Any, list[Any]]:
    """Read the body with pyarrow's multi-threaded parser: ids as text, number columns as
    float64, coded columns (flags, dates, categories) as dictionaries, others inferred (never as
    dates or true/false). A column that does not parse as its type is read again as text, for
    the checks of :func:`_parse` to word. Returns the table and ``[]``, or ``None`` and the
    field count of the first row whose count is not the header's (the caller finds them all;
    no per-row callback, which would slow the parser)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    text_cols = {n for n in names if kinds.get(n) in {"text", "id"}}
    dict_type = pa.dictionary(pa.int32(), pa.string())

    def body() -> Any:  # the file streamed from ``start``, or the bytes in memory
        if isinstance(data, Path):
            stream = pa.input_stream(str(data))
            stream.read(start)
            return stream
        return pa.BufferReader(pa.py_buffer(data).slice(start))

    decimal = decimal if isinstance(decimal, str) and len(decimal) == 1 else "."
    for _ in range(len(names) + 1):
        types = {n: (pa.string() if n in text_cols else pa.float64() if kinds.get(n) == "number"
                     else dict_type if kinds.get(n) == "coded" else None) for n in names}
        try:
            table = pacsv.read_csv(
                body(), memory_pool=pa.system_memory_pool(),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep, newlines_in_values=quotes),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: t for n, t in types.items() if t is not None},
                    null_values=_ARROW_NULLS, strings_can_be_null=False, true_values=[],
                    false_values=[], timestamp_parsers=["\x01never%Y"], decimal_point=decimal,
                    quoted_strings_can_be_null=False),
            )
        except pa.ArrowInvalid as err:
            count = re.search(r"CSV parse error: Expected \d+ columns, got (\d+)", str(err))
            if count is not None:  # a row of another field count: located by the caller
                return None, [int(count[1])]
            hit = re.search(r"In CSV column #(\d+)", str(err))
            if hit is None or names[int(hit[1])] in text_cols:
                raise
            text_cols.add(names[int(hit[1])])
            continue
        empty = {n for n, f in zip(names, table.schema, strict=True) if pa.types.is_null(f.type)}
        if not empty - text_cols:  # an inferred column with only missing cells: keep the text
            break
        text_cols |= empty
    import pyarrow.compute as pc

    for i, name in enumerate(names):  # plain integer ids (no sign, no leading 0): int64 now
        if kinds.get(name) == "id" and table.num_rows:
            col = table.column(i)
            if pc.all(pc.match_substring_regex(col, r"^[1-9][0-9]{0,17}$")).as_py():
                table = table.set_column(i, name, pc.cast(
                    col, pa.int64(), memory_pool=pa.system_memory_pool()))
    return table, []


def _arrow_frame(table: Any, kinds: dict[str, str | None]) -> pd.DataFrame:
    """The parsed table as pandas, column by column (each Arrow column freed once converted)."""
    import pyarrow as pa

    frame = table.to_pandas(split_blocks=True, self_destruct=True,
                            memory_pool=pa.system_memory_pool())
    del table
    for name in frame.columns:  # inferred numbers: float64, as the text path gives them
        if kinds.get(name) is None and pd.api.types.is_integer_dtype(frame[name]):
            frame[name] = frame[name].astype("float64")
    return frame


def _read_text(path: Path, *, encoding: str, sep: Any, header: Any, skiprows: Any,
               names: Any, owner: str, decimal: str = ".",
               kinds: Any = None) -> pd.DataFrame | tuple[Any, dict[str, str | None]]:
    skip = int(skiprows or 0)
    lines_before = skip + (0 if header is None else int(header))
    utf8 = _utf8_file(path, encoding)
    if utf8 is not None:  # the common case: the parser streams the file itself
        start, quotes = utf8
        data, source = _head_lines(path, lines_before + 1), path
        logger.debug("%s: read as UTF-8", path)
    else:
        data, start, used = _to_utf8(path.read_bytes(), encoding, path)
        quotes, source = b'"' in data, data
        logger.debug("%s: read as %s", path, used)
    body_start = start
    for _ in range(lines_before):
        nl = data.find(b"\n", body_start)
        body_start = len(data) if nl < 0 else nl + 1
    head_end = data.find(b"\n", body_start)
    head_end = len(data) if head_end < 0 else head_end
    head_line = data[body_start:head_end].decode("utf-8").rstrip("\r")
    sep = sep or _sniff_sep(head_line)
    import csv

    head_fields = next(csv.reader([head_line], delimiter=sep), [])
    if header is not None:
        dup = sorted({h.strip() for h in head_fields if head_fields.count(h) > 1 and h.strip()})
        if dup:
            msg = (f"{owner}: {path.name} has the column name(s) {fmt_values(dup)} more than "
                   f"once (header line {lines_before + 1}). Rename them in the file, or pass "
                   "names= a list of unique names.")
            raise SchemaError(msg, column=dup[0])
    expected = len(names) if names is not None and header is None else len(head_fields)
    data_start = body_start if header is None else min(head_end + 1, len(data))
    first = lines_before + (1 if header is None else 2)
    columns = list(names) if names is not None else [
        h if h else f"Unnamed: {i}" for i, h in enumerate(head_fields)]
    if len(columns) != expected:
        msg = (f"{owner}: names= gives {len(columns)} name(s) but the header of {path.name} (line "
               f"{lines_before + 1}) has {expected} fields. Pass one name per column, or "
               "header=None when the file has no header row.")
        raise ParameterError(msg)
    if _blank_after(source, data_start):  # a header and nothing else
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    try:
        kind_of = kinds(columns) if kinds is not None else {}
    except KequnError:  # a bad columns= mapping: reported when the frame is renamed
        kind_of = {}
    table, invalid = _arrow_csv(source, data_start, columns, sep, decimal, kind_of, quotes)
    bad: list[tuple] = []
    if invalid:  # rows pyarrow skipped: find their line numbers
        body = (source.read_bytes() if isinstance(source, Path) else source)[data_start:]
        bad = _bad_field_counts(body, sep, expected, first) or [
            (None, k) for k in invalid]
    if bad:
        shown = ", ".join(f"line {n} has {k}" if n is not None else f"a line has {k}"
                          for n, k in bad[:5])
        msg = (
            f"{owner}: {path.name}: the header has {expected} fields but {shown} (separator "
            f"{sep!r}). An unquoted thousands separator (1,234.5) or a stray separator inside a "
            "name shifts every later column: quote such cells in the export, or pass sep= the "
            "real separator."
        )
        raise SchemaError(msg, rows=[n for n, _ in bad if n is not None])
    return table, kind_of  # converted by the caller, once the file's bytes are freed


def _read_table(path: Any, *, encoding: str, sheet: Any, owner: str, sep: Any = None,
                header: Any = 0, skiprows: Any = None, names: Any = None, decimal: str = ".",
                kinds: Any = None) -> tuple[pd.DataFrame, Path]:
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        msg = f"{owner}: path must be a file path (str or Path), got {type(path).__name__}."
        raise ParameterError(msg)
    path = Path(path).expanduser()
    if not path.is_file():
        where = path.resolve().parent
        msg = f"{owner}: file {path} not found (looked in {where}). Check the name and folder."
        raise DataFileNotFoundError(msg)
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            msg = (
                f"{owner}: unknown encoding={encoding!r}. Pass encoding='auto' (detects "
                "UTF-8, GBK/GB18030 and others) or a Python codec name such as 'utf-8' or 'gbk'."
            )
            raise ParameterError(msg) from None
    for name, value in (("header", header), ("skiprows", skiprows)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ParameterError(f"{owner}: {name}= must be a row number >= 0 or None, "
                                 f"got {value!r}.")
    if names is not None:
        names = [str(n) for n in names]
        if len(set(names)) != len(names):
            raise ParameterError(f"{owner}: names= must be unique, got {fmt_values(names, 20)}.")
        header = None if header == 0 else header
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
        raise ParameterError(f"{owner}: sep= must be one character such as ',' or '\\t', "
                             f"got {sep!r}.")
    with open(path, "rb") as fh:
        kind = _file_kind(fh.read(8))
    if sheet is not None and kind not in {"xlsx", "xls"}:
        msg = f"{owner}: sheet= applies to Excel files only, not to {path.name}; leave it out."
        raise ParameterError(msg)
    try:
        if kind == "text":
            frame = _read_text(path, encoding=encoding, sep=sep,
                               header=header, skiprows=skiprows, names=names, owner=owner,
                               decimal=decimal, kinds=kinds)
            if not isinstance(frame, pd.DataFrame):  # (pyarrow table, column kinds)
                frame = _arrow_frame(*frame)
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            engine = "openpyxl" if kind == "xlsx" else "xlrd"
            with pd.ExcelFile(path, engine=engine) as book:
                sheets = book.sheet_names
                chosen = 0 if sheet is None else sheet
                if (isinstance(chosen, str) and chosen not in sheets) or (
                    isinstance(chosen, int) and not 0 <= chosen < len(sheets)
                ):
                    msg = (
                        f"{owner}: {path} has no sheet {chosen!r}; its sheets are "
                        f"{fmt_values(sheets, 20)}. Pass sheet= one of them (name or position)."
                    )
                    raise _FileReadError(msg)
                frame = pd.read_excel(book, sheet_name=chosen, header=header,
                                      skiprows=skiprows, names=names)
                heads = [str(c) for c in frame.columns]
                base = [re.sub(r"\.\d+$", "", h) for h in heads]
                dup = sorted({b for b, h in zip(base, heads, strict=True)
                              if b != h and b in heads})
                if dup and header is not None:
                    msg = (f"{owner}: {path.name} has the column name(s) {fmt_values(dup)} more "
                           "than once. Rename them in the sheet, or pass names= unique names.")
                    raise SchemaError(msg, column=dup[0])
    except KequnError:
        raise
    except Exception as exc:  # parser, zip, arrow and openpyxl errors come in many classes
        msg = f"{owner}: cannot read {path} as a table ({type(exc).__name__}: {exc})."
        raise _FileReadError(msg) from exc
    if frame.shape[1] == 0:
        raise _FileReadError(f"{owner}: {path} holds no columns.")
    return frame, path


def _normalise_header(name: Any) -> tuple[str, str | None]:
    """Return (key for preset lookup, declared unit or None)."""
    text = str(name).replace("\ufeff", "").strip()
    unit = None
    match = _UNIT_RE.match(text)
    if match:
        text, unit = match["name"], match["unit"]
    return re.sub(r"\s+", "", text).lower(), unit


def _rename(
    frame: pd.DataFrame, columns: dict[str, str] | None, *, preset: bool, path: Path, owner: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Apply the user's mapping and the preset; return the frame and declared unit factors."""
    new_names, factors = _target_names([str(c) for c in frame.columns], columns, preset=preset,
                                       path=path, owner=owner)
    return frame.set_axis(new_names, axis=1), factors


def _kinds(columns: dict[str, str] | None, *, preset: bool, path: Path, owner: str) -> Any:
    """For the text reader: how to read each file column, by the kequn name it maps to: "id"
    (int64 when every id is a plain integer, else text), "number" (money and counts), "coded"
    (flags, dates and categories, whose distinct values are converted once) or None
    (inferred)."""

    def kinds(original: list[str]) -> dict[str, str | None]:
        new_names, factors = _target_names(original, columns, preset=preset, path=path,
                                           owner=owner)
        money = {*MONEY_COLUMNS, "amount", "overdraft"}
        coded = {*FLAG_COLUMNS, "date", "open_date", "card_level", *_CATEGORIES}
        out: dict[str, str | None] = {}
        for col, name in zip(original, new_names, strict=True):
            if name == "customer_id":
                out[col] = "id"
            elif name in money or name in COUNT_COLUMNS or name == "age" or name in factors:
                out[col] = "number"
            else:
                out[col] = "coded" if name in coded else None
        return out

    return kinds


def _target_names(original: list[str], columns: dict[str, str] | None, *, preset: bool,
                  path: Path, owner: str) -> tuple[list[str], dict[str, float]]:
    """kequn's names for the file's columns (the user's mapping, then the preset) and the unit
    factors their headers declare."""
    if columns is not None and not isinstance(columns, dict):
        raise ParameterError(f"{owner}: columns must be a dict {{file name: kequn name}}.")
    columns = dict(columns or {})
    stripped = {c.replace("\ufeff", "").strip(): c for c in original}
    absent = [k for k in columns if str(k) not in original and str(k).strip() not in stripped]
    if absent:
        msg = (
            f"{owner}: columns= names {fmt_values(absent, 10)}, not in {path.name}. The file "
            f"has: {fmt_values(original, 30)}."
        )
        raise SchemaError(msg, column=str(absent[0]))
    lookup = {k.lower(): v for k, v in HEADER_PRESET.items()} if preset else {}
    user = {stripped.get(str(k).strip(), str(k)): v for k, v in columns.items()}
    new_names, factors = [], {}
    for col in original:
        key, unit = _normalise_header(col)
        target = user.get(col) or lookup.get(key) or col.replace("\ufeff", "").strip()
        new_names.append(target)
        if unit is not None:
            factors[target] = {"万元": 1e4, "万": 1e4, "亿元": 1e8, "元": 1.0}[unit]
    dup = sorted({n for n in new_names if new_names.count(n) > 1})
    if dup:
        sources = [c for c, n in zip(original, new_names, strict=True) if n in dup]
        msg = (
            f"{owner}: in {path.name}, the columns {fmt_values(sources, 10)} all map to "
            f"{fmt_values(dup)}. Keep one: pass columns= mapping the others to other names."
        )
        raise SchemaError(msg, column=dup[0])
    return new_names, factors


# --- parsing -----------------------------------------------------------------------------------


def _where(mask: pd.Series, rows_are_lines: bool) -> str:
    idx = list(mask.index[mask])
    text = f"{len(idx)} row(s), first at index [{fmt_values(idx)}]"
    if rows_are_lines:
        text += f" (file lines [{fmt_values([i + 2 for i in idx])}])"
    return text


def _on_categories(s: pd.Series, fn: Any) -> Any:
    """``fn`` (element-wise: Series -> Series or tuple of Series) run once on the distinct values
    of a categorical ``s`` (plus one missing value) and spread back to its rows; any other
    Series goes to ``fn`` as it is. The text reader codes flags, dates and categories so."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return fn(s)
    cats = s.cat.categories.to_numpy(dtype=object)
    ext = pd.Series(np.append(cats, np.nan), dtype=object)  # the last one stands for missing
    codes = s.cat.codes.to_numpy()
    codes = np.where(codes < 0, len(cats), codes)

    def spread(r: pd.Series) -> pd.Series:
        if isinstance(r.dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical.from_codes(r.cat.codes.to_numpy()[codes],
                                                       dtype=r.dtype), index=s.index)
        return pd.Series(r.to_numpy()[codes], index=s.index, dtype=r.dtype)

    res = fn(ext)
    return tuple(spread(r) for r in res) if isinstance(res, tuple) else spread(res)


def _used_categories(s: pd.Series) -> pd.Series:
    """A categorical without the categories no row uses (counted, not sorted: O(n))."""
    codes = s.cat.codes.to_numpy().astype(np.intp)
    if np.bincount(codes + 1, minlength=len(s.cat.categories) + 1)[1:].all():
        return s
    return s.cat.remove_unused_categories()


def _missing(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _on_categories(s, _missing)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        text = s.astype("string").str.strip().str.lower()
        return s.isna() | text.isin(_NA_TOKENS).fillna(True)
    return s.isna()


def _to_number(s: pd.Series, decimal: str = ".", thousands: str | None = ","
               ) -> tuple[pd.Series, pd.Series]:
    """Parse numbers ('1,200.50', '¥300', '(50)' accounting negatives); return (float64, bad)."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64"), pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64"), pd.Series(False, index=s.index)
    missing = _missing(s)
    if decimal == ".":  # fast path: plain numbers
        num = pd.to_numeric(s.mask(missing), errors="coerce").astype("float64")
        if not (num.isna() & ~missing).any():
            return num, num.isna() & ~missing
    text = s.astype("string").str.strip().str.replace(r"^[¥￥$]|元$", "", regex=True).str.strip()
    text = text.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    if thousands:
        t, d = re.escape(thousands), re.escape(decimal)
        grouped = text.str.fullmatch(rf"[-+]?\d{{1,3}}({t}\d{{3}})+({d}\d*)?").fillna(False)
        text = text.where(~grouped, text.str.replace(thousands, "", regex=False))
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    num = pd.to_numeric(text.mask(missing), errors="coerce").astype("float64")
    return num, num.isna() & ~missing


def _mixed_id_types(s: pd.Series) -> pd.Series:
    """Rows whose id is a number while other ids are text (Excel: 1 and '1')."""
    if s.dtype != object:
        return pd.Series(False, index=s.index)
    is_num = s.map(lambda v: isinstance(v, int | float | np.integer | np.floating)
                   and not isinstance(v, bool)).astype(bool)
    is_text = s.map(lambda v: isinstance(v, str)).astype(bool)
    return is_num if (is_num.any() and is_text.any()) else pd.Series(False, index=s.index)


def _to_ids(s: pd.Series) -> pd.Series:
    """int64 when every id is a plain integer (no leading zero), else text."""
    if pd.api.types.is_integer_dtype(s) and not s.isna().any():
        return s.astype("int64")
    if pd.api.types.is_float_dtype(s) and s.notna().all() and (s == s.round()).all():
        return s.astype("int64")
    text = s.astype("string").str.strip()
    if text.str.fullmatch(r"[1-9]\d{0,17}").fillna(False).all():
        return text.astype("int64")
    return text.astype(object).where(text.notna(), None)


def _to_flags(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _on_categories(s, _to_flags)
    if pd.api.types.is_bool_dtype(s):
        return s.astype(bool), pd.Series(False, index=s.index)
    text = s.astype("string").str.strip().str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)
    value = pd.Series(np.nan, index=s.index, dtype=object)
    value[text.isin(_TRUE).fillna(False)] = True
    value[text.isin(_FALSE).fillna(False)] = False
    bad = value.isna()
    return value.where(~bad, False).astype(bool), bad


def _to_dates(s: pd.Series, ctx: dict[str, Any], col: str) -> tuple[pd.Series, pd.Series]:
    """The package's one date reader (kq.parse_dates), naming the file in its errors."""
    from .._dates import parse_dates

    owner = f"{ctx['owner']}: {ctx['path'].name}"

    def parse(values: pd.Series) -> pd.Series:
        return parse_dates(values, column=col, owner=owner, dayfirst=ctx.get("dayfirst"),
                           date_format=ctx.get("date_format"), errors="coerce")

    if isinstance(s.dtype, pd.CategoricalDtype):  # each distinct date parsed once
        try:
            out = _on_categories(_used_categories(s), parse)
        except SchemaError:  # the same error, worded with the file's rows
            out = parse(s.astype(object))
    else:
        out = parse(s)
    return out, out.isna() & ~_missing(s)


def _bad_values(
    frame: pd.DataFrame, col: str, bad: pd.Series, what: str, ctx: dict[str, Any]
) -> SchemaError:
    where = _where(bad, ctx["lines"])
    values = frame.loc[bad, col].tolist()
    msg = (
        f"{ctx['owner']}: {ctx['path'].name}, column {col!r}: {what}; {where}, values "
        f"[{fmt_values(values)}]. Fix these cells in the file (or drop the rows) and read again."
    )
    return SchemaError(msg, column=col, rows=list(bad.index[bad]))


def _card_levels(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """普卡/金卡/... as the ordered card levels, and the cells that are none of them."""
    missing = _missing(s)
    levels = pd.Series(pd.Categorical(s.astype("string").str.strip().replace(_CARD).mask(missing),
                                      categories=_CARD_ORDER, ordered=True), index=s.index)
    return levels, levels.isna() & ~missing


def _category(s: pd.Series, col: str) -> pd.Series:
    text = s.astype("string").str.strip().mask(_missing(s))
    if col == "customer_kind":
        text = text.replace(_KIND)
    return text.astype(object).where(text.notna(), np.nan).astype("category")


def _parse(
    frame: pd.DataFrame, factors: dict[str, float], unit: str | None, ctx: dict[str, Any]
) -> pd.DataFrame:
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    money = [*MONEY_COLUMNS, "amount", "overdraft"]
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = _used_categories(s)  # e.g. without those of a dropped total row
        if (col == "customer_id" and isinstance(s.dtype, pd.StringDtype)
                and s.str.fullmatch(r"[1-9][0-9]{0,17}").fillna(False).all()):
            out[col] = s.astype("int64")  # the common case: plain integer ids
        elif col == "customer_id":
            empty = _missing(s)
            if empty.any():
                raise _bad_values(out, col, empty, "empty customer id", ctx)
            mixed = _mixed_id_types(s)
            if mixed.any():
                raise _bad_values(out, col, mixed, "ids stored as numbers among ids stored as "
                                  "text (1 and '1' would be two customers); format the whole "
                                  "column as text in the sheet", ctx)
            out[col] = _to_ids(s)
        elif col in money or col in COUNT_COLUMNS or col == "age" or col in factors:
            num, bad = _to_number(s, ctx.get("decimal", "."), ctx.get("thousands", ","))
            if bad.any():
                raise _bad_values(out, col, bad, "not a number", ctx)
            empty = num.isna()
            if col != "age" and empty.any():
                what = "empty cell (write 0 if the customer holds none)"
                raise _bad_values(out, col, empty, what, ctx)
            factor = factors.get(col, _UNITS[unit] if unit and col in money else 1.0)
            if factor != 1.0:
                num = num * factor
            if col in COUNT_COLUMNS or col == "age":
                frac = num.notna() & (num != num.round())
                if frac.any():
                    raise _bad_values(out, col, frac, "not a whole number", ctx)
                num = num.astype("Int64" if col == "age" else "int64")
            out[col] = num
        elif col in FLAG_COLUMNS:
            flags, bad = _to_flags(s)
            if bad.any():
                raise _bad_values(out, col, bad, "not a yes/no value (是/否, Y/N, 1/0)", ctx)
            out[col] = flags
        elif col in {"date", "open_date"}:
            dates, bad = _to_dates(s, ctx, col)
            if bad.any():
                raise _bad_values(out, col, bad, "not a date (e.g. 2024-01-31)", ctx)
            if col == "date" and dates.isna().any():
                raise _bad_values(out, col, dates.isna(), "empty date", ctx)
            out[col] = dates
        elif col == "card_level":
            levels, unknown = _on_categories(s, _card_levels)
            if unknown.any():
                raise _bad_values(frame, col, unknown, f"not one of {_CARD_ORDER}", ctx)
            out[col] = levels
        elif col in _CATEGORIES:
            out[col] = _on_categories(s, lambda v, c=col: _category(v, c))
        elif not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_datetime64_any_dtype(s):
            # other columns: numbers if every filled cell is one
            num, bad = _to_number(s, ctx.get("decimal", "."), ctx.get("thousands", ","))
            if not bad.any() and num.notna().any():
                out[col] = num
    return out


def _validated(data: pd.DataFrame, validator: Any, ctx: dict[str, Any]) -> pd.DataFrame:
    try:
        return validator(data)
    except SchemaError as err:
        lines = " (index i is line i + 2 of the file)" if ctx["lines"] else ""
        msg = f"{ctx['owner']}: {ctx['path'].name}{lines}: {err}"
        raise SchemaError(msg, column=err.column, rows=err.rows) from None


def _context(path: Path, owner: str) -> dict[str, Any]:
    lines = path.suffix.lower() in {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
    return {"path": path, "owner": owner, "lines": lines}


def _currency(code: Any, owner: str) -> str:
    if code is None:
        return "CNY"
    if not isinstance(code, str) or len(code.strip()) != 3 or not code.strip().isalpha():
        raise ParameterError(f"{owner}: currency= must be an ISO 4217 code such as 'CNY', "
                             f"'EUR' or 'USD', got {code!r}.")
    return code.strip().upper()


def _total_cells(s: pd.Series) -> pd.Series:
    """Cells that are a total label (合计, 小计, Total, ...)."""
    text = s.astype("string").str.strip()
    hit = text.str.match(_TOTAL_RE.pattern, case=False).fillna(False)
    hit &= ~text.str.fullmatch(r"\d+").fillna(False)
    return hit.astype(bool)


def _drop_totals(frame: pd.DataFrame, drop: bool, ctx: dict[str, Any]) -> pd.DataFrame:
    """Drop (with a warning) or refuse total and subtotal rows (合计, 小计, Total, ...)."""
    cols = [c for c in ("customer_id",) if c in frame.columns] or list(frame.columns[:1])
    s = frame[cols[0]]
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return frame  # numbers and dates are never a total label
    if isinstance(s.dtype, pd.StringDtype):  # only cells that are not plain digits can be one
        maybe = ~s.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
        hit = pd.Series(False, index=s.index)
        if maybe.any():
            hit[maybe] = _total_cells(s[maybe]).to_numpy()
    else:
        hit = _on_categories(s, _total_cells)
    if not hit.any():
        return frame
    text = s.astype("string").str.strip()
    rows = list(frame.index[hit])
    lines = [r + ctx["offset"] for r in rows] if ctx["lines"] else rows
    shown = fmt_values([f"line {n}: {v}" for n, v in zip(lines, text[hit], strict=True)])
    if not drop:
        msg = (f"{ctx['owner']}: {ctx['path'].name} has {len(rows)} total or subtotal row(s) "
               f"({shown}), which are not customers. Delete them, or leave drop_totals=True to "
               "drop them with a warning.")
        raise SchemaError(msg, column=str(cols[0]), rows=rows)
    from .._validation import warn

    warn(f"{ctx['owner']}: dropped {len(rows)} total or subtotal row(s) of "
         f"{ctx['path'].name} ({shown}); pass drop_totals=False to refuse such files instead.")
    return frame.drop(index=rows).reset_index(drop=True)


def _read_parsed(path: Any, *, owner: str, columns: Any, preset: bool, unit: str | None,
                 drop_totals: bool, read: dict[str, Any], parse: dict[str, Any]) -> tuple:
    """Read, rename, drop totals and parse: ``(data, frame as read, path, ctx)``.

    A text file is read with typed columns (fast); when a cell then fails a check, the file is
    read again with every cell as text, so that the error quotes the cells as the file has
    them (``'n/a'``, ``'2.5'``), exactly as the all-text reader words it."""

    def attempt(kinds: Any) -> tuple:
        frame, where = _read_table(path, owner=owner, kinds=kinds, **read)
        frame, factors = _rename(frame, columns, preset=preset, path=where, owner=owner)
        ctx = _context(where, owner) | parse
        stage[0] = "parse"
        frame = _drop_totals(frame, drop_totals, ctx)
        return _parse(frame, factors, unit, ctx), frame, where, ctx

    stage = ["read"]
    is_path = isinstance(path, str | os.PathLike) and not isinstance(path, bool)
    kinds = _kinds(columns, preset=preset, path=Path(path), owner=owner) if is_path else None
    try:
        return attempt(kinds)
    except SchemaError:
        if kinds is None or stage[0] != "parse":
            raise
        import warnings

        with warnings.catch_warnings():  # the first attempt has warned already
            warnings.simplefilter("ignore")
            try:
                attempt(lambda names: dict.fromkeys(names, "text"))
            except SchemaError as exact:
                raise exact from None
        raise


def _check_unit(unit: str | None, owner: str) -> str | None:
    if unit is None:
        return None
    return check_option(unit, list(_UNITS), name="unit", owner=owner)


# --- public ------------------------------------------------------------------------------------


def read_customers(
    path: str | os.PathLike[str],
    *,
    columns: dict[str, str] | None = None,
    encoding: str = "auto",
    sheet: str | int | None = None,
    unit: str | None = None,
    preset: bool = True,
    as_of: str | pd.Timestamp | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    sep: str | None = None,
    header: int | None = 0,
    skiprows: int | None = None,
    names: list[str] | None = None,
    decimal: str = ".",
    thousands: str | None = ",",
    drop_totals: bool = True,
    currency: str | None = None,
) -> pd.DataFrame:
    """Read a customer export (CSV, Parquet or .xlsx) into a validated customer table.

    Parameters
    ----------
    path : str or path-like
        The file. The format follows the extension: ``.csv``/``.txt``/``.tsv``, ``.parquet``,
        ``.xlsx``.
    columns : dict, optional
        Mapping from the file's column names to kequn's (``{"总资产": "aum"}``). Applied first;
        headers it does not name go through :data:`HEADER_PRESET`. Unmapped columns keep their
        names.
    encoding : str, default="auto"
        Text encoding of a CSV. ``"auto"`` tries UTF-8 with BOM, UTF-16 with BOM, UTF-8,
        GB18030 (which also reads GBK and GB2312), then a statistical guess (logged).
    sheet : str or int, optional
        Excel sheet name or 0-based position; default the first sheet.
    unit : {None, "元", "万", "万元"}, default=None
        Unit of the money columns (``aum``, ``deposit_balance``, ``wealth_balance``,
        ``loan_balance``, ``fx_volume_12m``, ``fee_income_12m``): ``"万"`` multiplies them by
        10,000 to get yuan. A unit in a column's header (``资产余额(万元)``) takes precedence.
    preset : bool, default=True
        Apply :data:`HEADER_PRESET` to headers that ``columns`` does not name.
    as_of : str or Timestamp, optional
        Reference date for ``tenure_months`` (whole months since ``open_date``), computed only
        when the file has ``open_date`` (开户日期) and no ``tenure_months``.
    dayfirst : bool, optional
        Order of ``dd/mm/yyyy`` against ``mm/dd/yyyy`` dates, when the column itself does not
        decide it (see :func:`parse_dates`).
    date_format : str, optional
        ``"excel"`` (serial day numbers), ``"yymmdd"`` or a ``strftime`` pattern for the date
        columns (see :func:`parse_dates`).
    sep : str, optional
        Field separator of a text file; default sniffed from the header (``,``, tab, ``;``,
        ``|``).
    header : int or None, default=0
        Row (0-based, after ``skiprows``) holding the column names; ``None`` with ``names=``
        for a file without a header row.
    skiprows : int, optional
        Lines to skip before the header, e.g. a title row of an Excel report.
    names : list of str, optional
        Column names to use (replacing the header when ``header`` is given).
    decimal, thousands : str, default="." and ","
        Decimal mark and thousands separator of number cells (``decimal=",", thousands="."``
        for ``1.234,5``).
    drop_totals : bool, default=True
        Rows whose id or first cell is a total (合计, 总计, 小计, 共计, Total, Subtotal) are
        dropped with a warning listing them; ``False`` keeps them and raises instead.
    currency : str, optional
        ISO code of the money columns (default ``"CNY"``), stored in ``attrs["currency"]``.

    Returns
    -------
    pandas.DataFrame
        One row per file row, RangeIndex, in file order. ``customer_id`` is int64 when every id
        is a plain integer, else text (ids with leading zeros stay text); money float64 in yuan;
        counts int64; ``age`` Int64; ``has_*`` flags bool (是/否, Y/N, 1/0, true/false);
        ``open_date`` datetime64; ``card_level`` ordered categorical (普卡 < 金卡 < 白金卡 <
        钻石卡 become standard < gold < platinum < diamond); ``customer_kind`` (个人 ->
        individual, 对公/企业 -> corporate) and other known text columns categorical. If there
        is no ``aum`` but a ``deposit_balance``, ``aum`` = deposit + wealth balance.

    Raises
    ------
    KequnError
        Missing file (also a ``FileNotFoundError``), unsupported extension, unreadable encoding,
        an Excel sheet that does not exist (the message lists the sheets).
    SchemaError
        ``columns`` names a column the file lacks; two columns map to one name; a money or count
        cell that is not a number or is empty; an unparsable date or flag; repeated customer
        ids; a negative balance. The message names the file, the column and the rows (index and
        file line).
    ParameterError
        Bad ``unit``, ``encoding`` or ``sheet`` on a non-Excel file; ``names=`` whose length
        differs from the header row it replaces.

    See Also
    --------
    read_transactions : the same for a transaction log.
    validate_customers : the checks run on the result.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import kequn_lib as kq
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "khs.csv").write_text(
    ...     '客户号,年龄,存款余额(万元),理财余额\\n1001,35,12.5,"1,200.50"\\n1002,61,3,0\\n',
    ...     encoding="gbk")
    >>> kq.read_customers(folder / "khs.csv")
       customer_id  age  deposit_balance  wealth_balance       aum
    0         1001   35         125000.0          1200.5  126200.5
    1         1002   61          30000.0             0.0   30000.0
    """
    owner = "read_customers"
    unit = _check_unit(unit, owner)
    data, frame, path, ctx = _read_parsed(
        path, owner=owner, columns=columns, preset=preset, unit=unit, drop_totals=drop_totals,
        read={"encoding": encoding, "sheet": sheet, "sep": sep, "header": header,
              "skiprows": skiprows, "names": names, "decimal": decimal},
        parse={"dayfirst": dayfirst, "date_format": date_format, "decimal": decimal,
               "thousands": thousands, "offset": 2 + int(skiprows or 0) + int(header or 0)})
    if "customer_id" not in data.columns:
        msg = (
            f"{owner}: {path.name} has no customer id column (客户号/客户编号 or customer_id); "
            f"its columns are {fmt_values([str(c) for c in frame.columns], 30)}. Pass "
            "columns={'<your id column>': 'customer_id'}."
        )
        raise SchemaError(msg, column="customer_id")
    if "aum" not in data.columns and "deposit_balance" in data.columns:
        wealth = data["wealth_balance"] if "wealth_balance" in data.columns else 0.0
        data["aum"] = data["deposit_balance"] + wealth
        logger.info("%s: no aum column; aum = deposit_balance + wealth_balance", path.name)
    if as_of is not None and "open_date" in data.columns and "tenure_months" not in data.columns:
        ref = pd.Timestamp(as_of)
        opened = data["open_date"]
        months = (ref.year - opened.dt.year) * 12 + (ref.month - opened.dt.month)
        months = months - (opened.dt.day > ref.day).astype("Int64")
        if (months < 0).any():
            raise _bad_values(data, "open_date", (months < 0).fillna(False), "after as_of", ctx)
        if months.isna().any():
            raise _bad_values(data, "open_date", months.isna(), "empty (needed for tenure)", ctx)
        data["tenure_months"] = months.astype("int64")
    out = _validated(data, validate_customers, ctx)
    out.attrs["currency"] = _currency(currency, owner)
    return out


def read_transactions(
    path: str | os.PathLike[str],
    *,
    columns: dict[str, str] | None = None,
    encoding: str = "auto",
    sheet: str | int | None = None,
    unit: str | None = None,
    preset: bool = True,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    sep: str | None = None,
    header: int | None = 0,
    skiprows: int | None = None,
    names: list[str] | None = None,
    decimal: str = ".",
    thousands: str | None = ",",
    drop_totals: bool = True,
    currency: str | None = None,
) -> pd.DataFrame:
    """Read a transaction export (CSV, Parquet or .xlsx) into a validated transaction log.

    Parameters
    ----------
    path : str or path-like
        The file (``.csv``/``.txt``/``.tsv``, ``.parquet``, ``.xlsx``).
    columns : dict, optional
        Mapping from the file's column names to kequn's, applied before :data:`HEADER_PRESET`
        (交易日期/交易时间 -> date, 交易金额/发生额 -> amount, 交易类型 -> kind,
        交易渠道/渠道 -> channel, 客户号 -> customer_id).
    encoding : str, default="auto"
        As in :func:`read_customers`.
    sheet : str or int, optional
        Excel sheet name or 0-based position; default the first sheet.
    unit : {None, "元", "万", "万元"}, default=None
        Unit of ``amount`` (a unit in its header takes precedence).
    preset : bool, default=True
        Apply :data:`HEADER_PRESET` to headers that ``columns`` does not name.
    dayfirst, date_format : optional
        How to read the ``date`` column, as in :func:`read_customers` and
        :func:`parse_dates`.
    sep, header, skiprows, names, decimal, thousands, drop_totals, currency : optional
        As in :func:`read_customers`.

    Returns
    -------
    pandas.DataFrame
        One row per file row, RangeIndex: ``customer_id`` (int64 or text, as in
        :func:`read_customers`), ``date`` datetime64[ns] (``2024-01-31``, ``2024/1/31``,
        ``20240131``, ``2024年1月31日``, with or without a time), ``amount`` float64 in yuan
        (signs kept), ``kind`` and ``channel`` categorical, other columns as read.

    Raises
    ------
    KequnError, SchemaError, ParameterError
        As in :func:`read_customers`; also an empty or unparsable date or amount (naming the
        rows).

    See Also
    --------
    read_customers, validate_transactions

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import kequn_lib as kq
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "jy.csv").write_text(
    ...     "客户号,交易日期,交易金额,渠道\\n1001,2024/1/5,\\"1,200.00\\",手机银行\\n"
    ...     "1001,20240207,35.5,柜面\\n", encoding="utf-8-sig")
    >>> kq.read_transactions(folder / "jy.csv")
       customer_id       date  amount channel
    0         1001 2024-01-05  1200.0    手机银行
    1         1001 2024-02-07    35.5      柜面
    """
    owner = "read_transactions"
    unit = _check_unit(unit, owner)
    data, _, path, ctx = _read_parsed(
        path, owner=owner, columns=columns, preset=preset, unit=unit, drop_totals=drop_totals,
        read={"encoding": encoding, "sheet": sheet, "sep": sep, "header": header,
              "skiprows": skiprows, "names": names, "decimal": decimal},
        parse={"dayfirst": dayfirst, "date_format": date_format, "decimal": decimal,
               "thousands": thousands, "offset": 2 + int(skiprows or 0) + int(header or 0)})
    out = _validated(data, validate_transactions, ctx)
    out.attrs["currency"] = _currency(currency, owner)
    return out
