"""Supply chain: what kequn downloads, from where, how it is checked, and where it writes.

* Downloads go only over HTTPS to the UCI addresses documented in docs/bring_your_own_data.md,
  and every file that is parsed as data is pinned by SHA-256.
* No pickle, ``eval`` or ``exec`` anywhere in ``kequn_lib`` (an AST scan of the source).
* The cache never writes outside its folder: hostile member names in archives are rejected.
  tests/test_public.py covers ``../x``, ``/x`` and ``sub/../../x`` in the inner archive and in
  the credit archive; here we add Windows-style names, drive letters, NUL bytes, traversal
  inside a *nested* archive, the cache writer itself, and a full download-extract run that must
  create files only inside the cache folder.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

import kequn_lib as kq
from kequn_lib.datasets import _download, bank_marketing, credit_default

from .conftest import REPO

PACKAGE = REPO / "kequn_lib"
HOST = "archive.ics.uci.edu"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


class Recorder:
    """A pooch downloader that serves bytes from memory and records every address asked for."""

    def __init__(self, payloads: dict[str, bytes]):
        self.payloads, self.urls = payloads, []

    def __call__(self, url: str, output_file, pooch) -> None:  # pooch's downloader signature
        self.urls.append(url)
        if url not in self.payloads:
            raise ConnectionError(f"unexpected address {url}")
        Path(output_file).write_bytes(self.payloads[url])


# --- addresses and hashes ------------------------------------------------------------------------


def test_download_addresses_are_https_and_documented() -> None:
    guide = (REPO / "docs" / "bring_your_own_data.md").read_text(encoding="utf-8")
    pages = set(re.findall(r"https://archive\.ics\.uci\.edu/dataset/(\d+)/", guide))
    urls = {name: e["url"] for name, e in _download._REGISTRY.items() if "url" in e}
    assert len(urls) == 2
    for name, url in urls.items():
        parts = urlparse(url)
        assert parts.scheme == "https" and parts.netloc == HOST, url
        assert not parts.query and not parts.fragment and not parts.username, url
        dataset = re.fullmatch(r"/static/public/(\d+)/([^/]+)", parts.path)
        assert dataset, url
        assert dataset.group(1) in pages, f"{url}: dataset {dataset.group(1)} not documented"
        assert dataset.group(2) == name, "the cached file is named after the address"
    for meta in (bank_marketing._BANK_META, credit_default._CREDIT_META):
        assert meta["source_url"].startswith(f"https://{HOST}/dataset/")


def test_every_parsed_file_is_pinned() -> None:
    for name, entry in _download._REGISTRY.items():
        assert "/" not in name and "\\" not in name and ".." not in name, name
        if name.endswith(".csv"):
            assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"] or ""), f"{name} is not pinned"
        else:  # containers, and the .xls whose parsed values are pinned by its CSV rendering
            assert name.endswith((".zip", ".xls")), name
    assert _download._REGISTRY[credit_default._CREDIT_CSV]["sha256"]
    # every file reached through an archive names a registered container
    for entry in _download._REGISTRY.values():
        if "inside" in entry:
            assert entry["inside"] in _download._REGISTRY


def test_no_plain_http_address_in_the_package() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert "http://" not in path.read_text(encoding="utf-8"), path.relative_to(REPO)


def test_loaders_ask_only_registered_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder({})
    monkeypatch.setattr(_download, "_DOWNLOADER", rec)
    for load in (kq.load_bank_marketing, kq.load_credit_default):
        with pytest.raises(kq.DataUnavailableError, match="Could not download"):
            load(data_home=tmp_path)
    registered = {e["url"] for e in _download._REGISTRY.values() if "url" in e}
    assert rec.urls and set(rec.urls) <= registered


# --- no pickle, eval or exec ---------------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRS = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"),
    ("cPickle", "load"), ("cPickle", "loads"), ("marshal", "load"), ("marshal", "loads"),
    ("joblib", "load"), ("dill", "load"), ("dill", "loads"), ("shelve", "open"),
    ("pd", "read_pickle"), ("pandas", "read_pickle"), ("yaml", "load"), ("yaml", "unsafe_load"),
}


def _dotted(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def scan(source: str) -> list[str]:
    """Calls in ``source`` that could run code from data: eval/exec, pickle-style loaders,
    ``read_pickle`` and ``np.load(..., allow_pickle=True)``."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"pickle", "marshal", "dill",
                                                                "shelve", "cPickle"}:
            found.append(f"line {node.lineno}: from {node.module} import ...")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"pickle", "marshal", "dill", "shelve", "cPickle"}:
                    found.append(f"line {node.lineno}: import {alias.name}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS | {"read_pickle"}:
            found.append(f"line {node.lineno}: {func.id}()")
        pair = _dotted(func)
        if pair in FORBIDDEN_ATTRS or (isinstance(func, ast.Attribute)
                                       and func.attr == "read_pickle"):
            found.append(f"line {node.lineno}: {'.'.join(pair or ('', func.attr))}()")
        if isinstance(func, ast.Attribute) and func.attr == "load":
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.append(f"line {node.lineno}: load(allow_pickle=...)")
    return found


def test_scanner_finds_what_it_looks_for() -> None:
    bad = (
        "import pickle\nimport numpy as np, pandas as pd\n"
        "eval('1')\nexec('x = 1')\npickle.loads(b'')\npd.read_pickle('f')\n"
        "np.load('f.npy', allow_pickle=True)\nfrom marshal import loads\n"
    )
    assert len(scan(bad)) == 7
    ok = "import ast\nast.literal_eval('1')\nnp.load('f.npy')\nnp.load('f', allow_pickle=False)\n"
    assert scan(ok) == []


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_pickle_eval_or_exec_in_the_package(path: Path) -> None:
    assert scan(path.read_text(encoding="utf-8")) == []


# --- the cache stays in its folder ---------------------------------------------------------------


@pytest.fixture
def small_bank(monkeypatch: pytest.MonkeyPatch) -> bytes:
    data = (
        '"age";"job";"marital";"education";"default";"balance";"housing";"loan";"contact";"day";'
        '"month";"duration";"campaign";"pdays";"previous";"poutcome";"y"\n'
        '58;"management";"married";"tertiary";"no";2143;"yes";"no";"unknown";5;"may";261;1;-1;0;'
        '"unknown";"no"\n'
    ).encode("ascii")
    monkeypatch.setitem(_download._REGISTRY["bank-full.csv"], "sha256",
                        hashlib.sha256(data).hexdigest())
    return data


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    "evil", ["..\\evil.csv", "C:evil.csv", "\\evil.csv", "a/b/../../../evil.csv",
             "s\\..\\..\\e.csv"]
)
def test_hostile_member_names_are_rejected(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch, evil: str
) -> None:
    monkeypatch.setattr(_download, "_DOWNLOADER", Recorder({}))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "bank.zip").write_bytes(_zip({"bank-full.csv": small_bank, evil: b"x"}))
    with pytest.raises(kq.DataUnavailableError, match="outside its folder"):
        kq.load_bank_marketing(data_home=cache)
    assert _files(tmp_path) == {"cache", "cache/bank.zip"}


def test_traversal_inside_a_nested_archive_is_rejected(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = _zip({"bank-full.csv": small_bank, "../../outside.csv": b"x"})
    outer = _zip({"bank.zip": inner}, zipfile.ZIP_STORED)
    url = _download._REGISTRY["bank+marketing.zip"]["url"]
    monkeypatch.setattr(_download, "_DOWNLOADER", Recorder({url: outer}))
    cache = tmp_path / "cache"
    with pytest.raises(kq.DataUnavailableError, match="outside its folder"):
        kq.load_bank_marketing(data_home=cache)
    assert not (tmp_path / "outside.csv").exists()
    assert all(p.is_relative_to(cache) for p in tmp_path.rglob("*") if p != cache)


def test_cache_writer_refuses_names_outside_its_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ["../escape.csv", "sub/../../escape.csv", str(tmp_path / "abs.csv")]:
        with pytest.raises(kq.DataUnavailableError, match="outside the folder"):
            _download._write_cache(cache, name, b"x")
    assert _files(tmp_path) == {"cache"}


def test_full_download_and_extraction_write_only_inside_the_cache(
    tmp_path: Path, small_bank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = _zip({"bank.zip": _zip({"bank-full.csv": small_bank}),
                  "bank-additional.zip": _zip({"x.csv": b"x"})}, zipfile.ZIP_STORED)
    url = _download._REGISTRY["bank+marketing.zip"]["url"]
    rec = Recorder({url: outer})
    monkeypatch.setattr(_download, "_DOWNLOADER", rec)
    cache = tmp_path / "deep" / "cache"
    raw = kq.load_bank_marketing(data_home=cache)
    assert len(raw) == 1 and rec.urls == [url]
    assert _files(tmp_path) == {"deep", "deep/cache", "deep/cache/bank+marketing.zip",
                                "deep/cache/bank-full.csv"}
    assert not list(cache.glob(".kequn-*"))  # no temporary file left behind
