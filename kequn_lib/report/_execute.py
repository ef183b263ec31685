"""Executing one notebook with papermill into the build folder, naming the cell on failure."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._notebooks import ReportError, parameter_names, read

log = logging.getLogger("kequn_lib.report")


class Terminated(BaseException):
    """Raised in the builder when it receives SIGTERM."""


#: the cell being executed, per thread (set by the engine below; a build may execute several
#: notebooks at once, one per thread)
_progress = threading.local()
#: the running kernels' process ids ("kernel_pids", a set) and whether SIGTERM arrived
#: ("terminated"); see :func:`on_sigterm`
state: dict[str, Any] = {}
_state_lock = threading.Lock()


def on_sigterm(signum, frame) -> None:
    """SIGTERM during a build: stop the running kernels, or stop the builder directly.

    An exception raised inside the notebook client's event loop can land in a background task
    and be lost, so running kernels are killed instead: their cells fail at once, and
    :func:`execute` reports the stop with the cell's name. A kernel that starts after the
    signal is killed as soon as it has started.
    """
    state["terminated"] = True
    pids = stop_kernels()
    if not pids and threading.current_thread() is threading.main_thread() \
            and not state.get("workers"):
        raise Terminated()


def stop_kernels() -> list[int]:
    """Kill every running kernel (their cells fail at once); return their process ids."""
    with _state_lock:
        pids = list(state.get("kernel_pids", ()))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return pids


def _kernel_started(pid: int | None) -> None:
    if pid is None:
        return
    with _state_lock:
        state.setdefault("kernel_pids", set()).add(pid)
    if state.get("terminated"):  # the signal came while this kernel was starting
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _kernel_stopped(pid: int | None) -> None:
    with _state_lock:
        state.get("kernel_pids", set()).discard(pid)


def _kernel_manager(stderr_path: Path, cwd: Path):
    """A kernel manager whose kernel starts in ``cwd`` and writes its stderr to a file.

    The working folder is given to the kernel process itself, not set with ``os.chdir`` around
    the run (papermill's ``cwd=``), which would be shared by notebooks executed side by side.
    """
    from jupyter_client.manager import AsyncKernelManager

    class _Manager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            kw.setdefault("stderr", open(stderr_path, "ab"))
            kw["cwd"] = str(cwd)
            env = kw.get("env")
            # no progress bars in built pages
            kw["env"] = {**(os.environ if env is None else env), "KEQUN_PROGRESS": "0"}
            return cmd, kw

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            pid = getattr(self.provisioner, "pid", None)
            _progress.kernel_pid = pid
            _kernel_started(pid)

    return _Manager


def _engine() -> str:
    """Register (once) a papermill engine that records which cell is running."""
    from papermill.engines import NBClientEngine, papermill_engines

    if "kequn" not in papermill_engines._engines:

        class _Engine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
                start = nb_man.cell_start

                def cell_start(cell, cell_index=None, **kw):
                    _progress.source = cell.source
                    _progress.tags = cell.get("metadata", {}).get("tags", [])
                    return start(cell, cell_index, **kw)

                nb_man.cell_start = cell_start
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

        papermill_engines.register("kequn", _Engine)
    return "kequn"


def _cell_label(original: Any, source: str | None, tags: list[str] | None = None) -> str:
    """``cell N ('first line')``, N the 1-based position in the notebook as written."""
    if source is None:
        return ""
    if "injected-parameters" in (tags or []):
        return "the parameters cell (values set by the builder)"
    first = source.strip().splitlines()[0][:60] if source.strip() else ""
    for i, cell in enumerate(original.cells, 1):
        if cell.source == source:
            return f"cell {i} ({first!r})"
    return f"the cell {first!r}"


def _problems(nb: Any) -> list[str]:
    """Warnings (stderr text) and errors left in an executed notebook's outputs."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i + 1}: error {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "").strip().splitlines()
                found.append(f"cell {i + 1}: stderr: {text[0] if text else ''}")
    return found


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    useful = [ln for ln in text if "without encryption" not in ln]
    return " / ".join(useful[-lines:])


def execute(
    path: Path,
    output: Path,
    *,
    params: Mapping[str, Any],
    timeout: int,
    kernel_name: str,
    strict: bool,
    setup: str | None = None,
    label: str = "",
) -> Any:
    """Execute ``path`` into ``output`` (an .ipynb) and return the executed notebook.

    ``label`` (e.g. ``"LANG='zh'"``) is added to messages, to tell the runs of one notebook apart.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if state.get("terminated"):  # SIGTERM arrived while another notebook ran
        raise Terminated()
    original = nb = read(path)
    _, names = parameter_names(nb)
    use = {k: v for k, v in params.items() if k in names}
    if setup:
        nb = copy.deepcopy(nb)
        nb.cells.insert(0, nbformat.v4.new_code_cell(setup, metadata={"tags": ["setup"]}))
    output.parent.mkdir(parents=True, exist_ok=True)
    stderr_log = output.with_suffix(".kernel.log")
    started = time.perf_counter()
    _progress.source = _progress.tags = _progress.kernel_pid = None

    def where() -> str:
        label = _cell_label(original, _progress.source, _progress.tags)
        return f" at {label}" if label else ""

    failure: str | None = None
    try:
        result = papermill.execute_notebook(
            nb,
            str(output),
            parameters=use,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            kernel_manager_class=_kernel_manager(stderr_log, path.parent.resolve()),
            engine_name=_engine(),
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as err:
        failure = (f"failed at {_cell_label(original, err.source)}: {err.ename}: "
                   f"{str(err.evalue)[:2000].rstrip('.')}")
    except Terminated:
        failure = f"was stopped (SIGTERM){where()}"
    except OSError as err:
        failure = (f"could not be written{where()}: {err.strerror or err}. Free disk space or "
                   "make the output folder writable")
    except Exception as err:  # a dead kernel, a timeout: nbclient's own exceptions
        if state.get("terminated"):
            failure = f"was stopped (SIGTERM){where()}"
        else:
            detail = str(err).strip().splitlines()[-1][:400] if str(err).strip() else ""
            kernel = _tail(stderr_log)
            failure = (f"failed{where()}: {type(err).__name__}" + (f": {detail}" if detail else "")
                       + (f" (kernel: {kernel})" if kernel else ""))
    finally:
        _kernel_stopped(_progress.kernel_pid)
    run = f" ({label})" if label else ""
    if failure is not None:
        raise ReportError(f"notebook {path.name} {failure}{run}.")
    if state.get("terminated"):
        raise Terminated()
    if setup:
        result.cells.pop(0)
    log.info("%s%s executed in %.1f s", path.name, run, time.perf_counter() - started)
    problems = _problems(result)
    if problems:
        text = f"notebook {path.name}{run} left warnings or errors in its output: " + "; ".join(
            problems[:5]
        )
        if strict:
            raise ReportError(text)
        log.warning(text)
    stderr_log.unlink(missing_ok=True)
    return result
