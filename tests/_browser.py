"""A small Chrome DevTools protocol client for the browser tests (the system's chromium).

Starts ``/usr/bin/chromium`` headless with a fresh profile and no network services of its own,
opens pages from ``file://`` URLs, collects console errors and failed loads, evaluates
JavaScript and takes screenshots. Only ``websocket-client`` is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--allow-file-access-from-files",
    "--remote-debugging-port=0",
]


class Browser:
    """One headless chromium with one page, driven over the DevTools protocol."""

    def __init__(self, proc: subprocess.Popen, ws: Any, profile: str):
        self.proc, self.ws, self.profile = proc, ws, profile
        self._id = 0
        self.events: list[dict[str, Any]] = []

    # --- protocol ---
    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        mine = self._id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        end = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev["method"] == method:
                return self.events.pop(i)
        self.ws.settimeout(1)
        try:
            while time.monotonic() < end:
                try:
                    msg = json.loads(self.ws.recv())
                except Exception:  # timeout of one recv: keep waiting
                    continue
                if msg.get("method") == method:
                    return msg
                if "method" in msg:
                    self.events.append(msg)
        finally:
            self.ws.settimeout(None)
        raise TimeoutError(method)

    # --- page ---
    def viewport(self, width: int, height: int = 900, mobile: bool = False) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def open(self, url: str, settle: float = 0.3) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.eval("document.fonts.ready.then(() => true)", await_promise=True)
        time.sleep(settle)

    def eval(self, expression: str, await_promise: bool = False) -> Any:
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression[:60]}: {res['exceptionDetails'].get('text')}")
        return res.get("result", {}).get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads since the page was opened."""
        # drain what has arrived
        self.ws.settimeout(0.2)
        try:
            while True:
                try:
                    msg = json.loads(self.ws.recv())
                except Exception:
                    break
                if "method" in msg:
                    self.events.append(msg)
        finally:
            self.ws.settimeout(None)
        found = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                    for a in p.get("args", [])))
            elif ev["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                what = str(d.get("exception", {}).get("description", ""))[:300]
                found.append(f"exception: {d.get('text', '')} {what}")
            elif ev["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                found.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif ev["method"] == "Network.loadingFailed" and not p.get("canceled"):
                found.append(f"load failed: {p.get('errorText')} ({p.get('type')})")
        return found

    def screenshot(self, path: Path) -> None:
        """Save what the viewport shows."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def screenshots(self, stem: Path, limit: int = 40) -> list[Path]:
        """Screenshots of the whole page, one viewport at a time (``stem-00.png``, ...)."""
        height = self.eval("window.innerHeight")
        total = self.eval("document.documentElement.scrollHeight")
        paths = []
        for i, y in enumerate(range(0, total, height)):
            if i >= limit:
                break
            self.eval(f"window.scrollTo(0, {y})")
            time.sleep(0.1)
            path = stem.with_name(f"{stem.name}-{i:02d}.png")
            self.screenshot(path)
            paths.append(path)
        self.eval("window.scrollTo(0, 0)")
        return paths


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    """Start chromium with a fresh profile; stop it and remove the profile afterwards."""
    import urllib.request

    import websocket

    profile = tempfile.mkdtemp(prefix="kequn-chromium-")
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:  # local only
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                         suppress_origin=True)
        b = Browser(proc, ws, profile)
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.send(f"{domain}.enable")
        try:
            yield b
        finally:
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)
