#!/usr/bin/env python3
"""Execute a Jupyter notebook under the real Deno kernel and report every code cell's outputs.

Run with any Python (`deno task notebook` runs python3 from PATH); when it lacks jupyter_client
or nbformat the driver re-executes itself under /usr/bin/python3, or under `--python PATH`, and
otherwise says how to get them:

    python3 tests/notebook_driver.py notebooks/optimize_endpoint_scaling.ipynb \
        [--timeout 300] [--quiet 1] [--startup-timeout 60] [--deno PATH] \
        [--write executed.ipynb] [--continue-on-error] [--include-data]

What it does, and why it does not simply call nbconvert/nbclient:
- writes the Deno kernelspec with `scripts/jupyter_kernel.ts --deno PATH` (the one `deno task
  kernel` writes: NO_COLOR=1 in its env, behind the relay when pyzmq is there) into a temporary
  Jupyter data dir, so the user's Jupyter dir is never touched and the kernel is the deno binary
  in use;
- starts the kernel with the notebook's folder as working directory (so `deno.json` and relative
  imports resolve as in JupyterLab) and `NO_COLOR=1`;
- runs each code cell and, after its execute_reply and idle status, keeps reading IOPub until
  `--quiet` seconds pass without a message: outputs published late (timers, unawaited promises)
  are kept, where nbconvert can drop them. An output is filed under the cell whose request it
  answers (its parent header), marked `late` when the kernel published it more than
  `LATE_AFTER_S` after that cell's execute_reply (by the kernel's own message timestamps; see
  `Cell.finish` for why arrival order cannot decide it);
- prints one JSON report on stdout: per code cell its index in the notebook, the head of its
  source, status, duration and outputs (type, MIME types, text/plain or stream text, error
  ename/evalue/traceback), plus timings;
- with `--write`, saves the executed notebook with its outputs (nbformat 4), atomically, with the
  usual file mode (0666 less the umask).

Exit status: 0 when every cell ran without an error output; 1 on an error output, a cell
timeout or a dead kernel; 2 when it cannot run at all (bad arguments, unreadable notebook,
missing Debian packages, no deno, kernel would not start).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "python3 -m pip install jupyter_client nbformat (macOS, Linux), "
    "or on Debian apt-get install -y jupyter-nbconvert python3-nbclient"
)
KERNEL_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "jupyter_kernel.ts"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TEXT_LIMIT = 4000
# The Deno kernel publishes a cell's execute_result and its stdout from other tasks than the one
# that sends execute_reply and the idle status (deno cli/tools/jupyter/server.rs: `publish_result`
# goes through the JS runtime, streams through a stdio channel), so under load an output of the
# cell itself can arrive after idle. An output counts as late when the kernel stamped it more than
# this long after the reply: a timer firing after the cell, not a message still in flight.
LATE_AFTER_S = 0.1


class DriverError(Exception):
    """A problem that stops the driver before or outside cell execution (exit status 2)."""


@dataclass
class Cell:
    index: int
    source: str
    msg_id: str | None = None
    status: str = "not_run"
    execution_count: int | None = None
    duration_s: float | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    idle: bool = False
    clear_pending: bool = False
    reply_date: Any = None  # the kernel's timestamp on execute_reply (a datetime)
    finished: bool = False

    def is_late(self, kind: str, date: Any) -> bool:
        """Whether an output published at `date` (kernel clock) came after this cell ended."""
        if kind == "execute_result":
            return False  # the cell's own answer by definition, however it is delivered
        if self.finished and (date is None or self.reply_date is None):
            return True
        if date is None or self.reply_date is None:
            return self.idle
        return (date - self.reply_date).total_seconds() > LATE_AFTER_S

    def finish(self) -> None:
        """Classifies the outputs collected while the cell ran, then merges adjacent streams.

        Outputs arriving after this are filed directly (see `NotebookRun.add_output`)."""
        collected, self.outputs = self.outputs, []
        for output in collected:
            output["late"] = self.is_late(output["output_type"], output.pop("_date", None))
            self.append(output)
        self.finished = True

    def append(self, output: dict[str, Any]) -> None:
        """Adds an output, joining a stream to the previous one of the same name and lateness."""
        last = self.outputs[-1] if self.outputs else None
        if output["output_type"] == "stream" and last is not None \
                and last["output_type"] == "stream" and last["name"] == output["name"] \
                and last["late"] == output["late"]:
            last["text"] += output["text"]
        else:
            self.outputs.append(output)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Execute a notebook under the Deno Jupyter kernel and print a JSON report.",
    )
    parser.add_argument("notebook", help="path of the .ipynb to execute")
    parser.add_argument("--python", metavar="PATH",
                        help="the Python to run under (default: this one when it has "
                             "jupyter_client and nbformat, else /usr/bin/python3)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds one cell may run before it counts as timed out (default 300)")
    parser.add_argument("--quiet", type=float, default=1.0,
                        help="seconds without IOPub messages that end a cell's output (default 1)")
    parser.add_argument("--startup-timeout", type=float, default=60.0,
                        help="seconds to wait for the kernel to answer (default 60)")
    parser.add_argument("--deno", help="deno binary (default: node_modules/.bin/deno found upward"
                        " from the notebook or this script, then deno on PATH)")
    parser.add_argument("--write", metavar="PATH",
                        help="also write the executed notebook with its outputs to PATH")
    parser.add_argument("--continue-on-error", action="store_true",
                        help="run the remaining cells after a cell fails (exit status stays 1)")
    parser.add_argument("--include-data", action="store_true",
                        help="include every output's full MIME data in the report")
    args = parser.parse_args(argv)
    for name in ("timeout", "quiet", "startup_timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be a positive number of seconds")
    return args


REEXEC_MARK = "NOTEBOOK_DRIVER_PYTHON"
NEEDED = ("jupyter_client", "nbformat")


def missing_modules(python: str) -> str | None:
    """Why `python` cannot run the driver (its last error line), or None when it can."""
    try:
        result = subprocess.run([python, "-c", f"import {', '.join(NEEDED)}"],
                                capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        return error.strerror or str(error)
    if result.returncode == 0:
        return None
    return (result.stderr.strip().splitlines() or ["failed"])[-1]


def choose_python(argv: list[str]) -> None:
    """Re-executes the driver under a Python that has jupyter_client and nbformat, when needed.

    `deno task notebook` starts it with `python3` from PATH (a pyenv or Homebrew Python may lack
    them); then it moves to /usr/bin/python3 (Debian's, with the packages), or to `--python PATH`.
    Raises DriverError saying how to get one when none has them.
    """
    if os.environ.get(REEXEC_MARK):
        return  # already chosen
    explicit = next((a.split("=", 1)[1] for a in argv if a.startswith("--python=")), None)
    if explicit is None and "--python" in argv[:-1]:
        explicit = argv[argv.index("--python") + 1]
    here = os.path.realpath(sys.executable)
    candidates = [explicit] if explicit else [sys.executable, "/usr/bin/python3"]
    tried = []
    for python in candidates:
        reason = missing_modules(python)
        if reason is None:
            if os.path.realpath(shutil.which(python) or python) == here:
                return
            os.environ[REEXEC_MARK] = python
            os.execv(python, [python, os.path.abspath(__file__), *argv])
        tried.append(f"{python} ({reason})")
    raise DriverError(
        f"Cannot run notebooks: no Python with {' and '.join(NEEDED)}: tried {', '.join(tried)}: "
        f"install them with {INSTALL_HINT}, or pass --python PATH"
    )


def import_jupyter() -> tuple[Any, Any, Any]:
    try:
        import nbformat
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError as error:
        raise DriverError(
            f"Cannot run notebooks: {error.name or error} is missing from {sys.executable}: "
            f"install it with {INSTALL_HINT}, or run with a Python that has it"
        ) from error
    return nbformat, KernelManager, KernelSpecManager


def find_deno(explicit: str | None, notebook: Path) -> str:
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise DriverError(f'Cannot use deno "{explicit}": it is not an executable file')
        return explicit
    for start in (notebook.parent, Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "node_modules" / ".bin" / "deno"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    found = shutil.which("deno")
    if found:
        return found
    raise DriverError(
        "Cannot find deno: pass --deno PATH (e.g. the path `npx -y deno@2.9.6 eval 'console.log(Deno.execPath())'` prints)"
    )


def install_kernelspec(deno: str, data_dir: str) -> None:
    """Writes the project's Deno kernelspec (NO_COLOR=1, this deno binary) into data_dir."""
    env = dict(os.environ, NO_COLOR="1", DENO_NO_UPDATE_CHECK="1")
    result = subprocess.run(
        [deno, "run", "--allow-read", "--allow-write", "--allow-env",
         "--allow-run=python3,/usr/bin/python3", str(KERNEL_SCRIPT),
         "--dir", data_dir, "--deno", deno],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    spec = Path(data_dir) / "kernels" / "deno" / "kernel.json"
    if result.returncode != 0 or not spec.is_file():
        raise DriverError(
            f"Cannot install the Deno kernelspec with {deno}: "
            f"{(result.stderr or result.stdout).strip()[-500:]}"
        )


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def plain(text: str) -> str:
    return ANSI.sub("", text)


def clip(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return text
    return text[:TEXT_LIMIT] + f"…[{len(text) - TEXT_LIMIT} more characters]"


def as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class NotebookRun:
    """One kernel, one notebook: executes the cells and collects what the kernel publishes."""

    def __init__(self, args: argparse.Namespace, nbformat: Any, km_class: Any, ksm_class: Any):
        self.args = args
        self.nbformat = nbformat
        self.path = Path(args.notebook).resolve()
        try:
            self.notebook = nbformat.read(str(self.path), as_version=4)
        except (OSError, ValueError) as error:
            raise DriverError(f'Cannot read notebook "{args.notebook}": {error}') from error
        self.cells = [
            Cell(index=i, source=as_text(cell.source))
            for i, cell in enumerate(self.notebook.cells)
            if cell.cell_type == "code"
        ]
        self.by_msg_id: dict[str, Cell] = {}
        self.display_outputs: dict[str, list[dict[str, Any]]] = {}
        self.km_class = km_class
        self.ksm_class = ksm_class
        self.km: Any = None
        self.kc: Any = None
        self.failure: dict[str, Any] | None = None
        self.timings: dict[str, float] = {}
        self.kernel_info: dict[str, Any] = {}
        self.temp = tempfile.mkdtemp(prefix="notebook-driver-")
        self.log_path = os.path.join(self.temp, "kernel.log")

    # -- kernel lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        started = time.monotonic()
        deno = find_deno(self.args.deno, self.path)
        install_kernelspec(deno, self.temp)
        self.timings["install_s"] = round(time.monotonic() - started, 3)
        ksm = self.ksm_class(
            kernel_dirs=[os.path.join(self.temp, "kernels")], ensure_native_kernel=False,
        )
        spec = ksm.get_kernel_spec("deno")
        self.kernel_info = {"name": "deno", "argv": spec.argv, "language": spec.language}
        self.km = self.km_class(
            kernel_name="deno", kernel_spec_manager=ksm,
            connection_file=os.path.join(self.temp, "connection.json"),
        )
        env = dict(os.environ, NO_COLOR="1")
        started = time.monotonic()
        with open(self.log_path, "wb") as log:  # the kernel process keeps its own descriptor
            try:
                self.km.start_kernel(cwd=str(self.path.parent), env=env, stdout=log, stderr=log)
            except OSError as error:
                raise DriverError(f"Cannot start the Deno kernel: {error}") from error
        self.kernel_info["pid"] = getattr(self.km.provisioner, "pid", None)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=self.args.startup_timeout)
        except RuntimeError as error:
            raise DriverError(
                f"Cannot start the Deno kernel: {error}: kernel log: {self.kernel_log()}"
            ) from error
        self.timings["startup_s"] = round(time.monotonic() - started, 3)

    def stop(self) -> None:
        started = time.monotonic()
        if self.kc is not None:
            try:
                if self.km is not None and self.km.is_alive():
                    self.kc.shutdown()
                    deadline = time.monotonic() + 3
                    while self.km.is_alive() and time.monotonic() < deadline:
                        time.sleep(0.05)
            finally:
                self.kc.stop_channels()
        if self.km is not None:
            if self.km.is_alive():
                self.km.shutdown_kernel(now=True)
            self.km.cleanup_resources()
        shutil.rmtree(self.temp, ignore_errors=True)
        self.timings["shutdown_s"] = round(time.monotonic() - started, 3)

    def kernel_log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return plain(log.read())[-2000:].strip()
        except OSError:
            return ""

    # -- execution --------------------------------------------------------------------------

    def run(self) -> None:
        started = time.monotonic()
        for cell in self.cells:
            self.execute(cell)
            if self.failure is None:
                continue
            if self.failure["kind"] in ("timeout", "kernel_died") or not self.args.continue_on_error:
                break
        self.timings["cells_s"] = round(time.monotonic() - started, 3)

    def execute(self, cell: Cell) -> None:
        started = time.monotonic()
        cell.msg_id = self.kc.execute(cell.source, allow_stdin=False, store_history=True)
        self.by_msg_id[cell.msg_id] = cell
        reply: dict[str, Any] | None = None
        last_message = time.monotonic()
        while True:
            now = time.monotonic()
            done = reply is not None and cell.idle
            if done and now - last_message >= self.args.quiet:
                break
            if now - started > self.args.timeout:
                if not done:
                    cell.status = "timeout"
                    self.fail("timeout", cell, f"cell {cell.index} ran over {self.args.timeout} s")
                    self.interrupt()
                break  # done, but output never goes quiet: stop listening all the same
            if not self.km.is_alive():
                cell.status = "error"
                self.fail("kernel_died", cell,
                          f"the kernel died during cell {cell.index}: {self.kernel_log()}")
                break
            if self.read_iopub(cell, timeout=0.05):
                last_message = time.monotonic()
            if reply is None:
                reply = self.read_reply(cell)
        cell.duration_s = round(time.monotonic() - started, 3)
        if cell.status == "not_run":
            cell.status = "ok"
        if reply is not None:
            cell.execution_count = reply.get("execution_count", cell.execution_count)
            if reply.get("status") == "error" and not self.has_error(cell):
                cell.outputs.append({
                    "output_type": "error", "ename": reply.get("ename", ""),
                    "evalue": reply.get("evalue", ""), "traceback": reply.get("traceback", []),
                    "late": False, "_date": cell.reply_date,
                })
        cell.finish()
        if self.has_error(cell) and cell.status == "ok":
            cell.status = "error"
        if cell.status == "error" and self.failure is None:
            error = next(o for o in cell.outputs if o["output_type"] == "error")
            self.fail("error", cell, f"{error.get('ename')}: {error.get('evalue')}")

    def interrupt(self) -> None:
        try:
            self.km.interrupt_kernel()
        except Exception:  # best effort: the kernel is shut down next anyway
            pass

    def fail(self, kind: str, cell: Cell, message: str) -> None:
        if self.failure is None:
            self.failure = {"kind": kind, "cell": cell.index, "message": message}

    @staticmethod
    def has_error(cell: Cell) -> bool:
        return any(o["output_type"] == "error" for o in cell.outputs)

    def read_reply(self, cell: Cell) -> dict[str, Any] | None:
        try:
            message = self.kc.get_shell_msg(timeout=0.01)
        except queue.Empty:
            return None
        if message["parent_header"].get("msg_id") != cell.msg_id:
            return None
        cell.reply_date = message.get("header", {}).get("date")
        return message["content"]

    def read_iopub(self, current: Cell, timeout: float) -> bool:
        try:
            message = self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return False
        kind = message["msg_type"]
        content = message["content"]
        parent_id = message.get("parent_header", {}).get("msg_id")
        owner = self.by_msg_id.get(parent_id, current)
        if kind == "status":
            if content.get("execution_state") == "idle" and parent_id in self.by_msg_id:
                owner.idle = True
        elif kind == "execute_input":
            owner.execution_count = content.get("execution_count")
        elif kind == "clear_output":
            if content.get("wait"):
                owner.clear_pending = True
            else:
                owner.outputs.clear()
        elif kind == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for output in self.display_outputs.get(display_id, []):
                output["data"] = content.get("data", {})
                output["metadata"] = content.get("metadata", {})
        elif kind in ("stream", "display_data", "execute_result", "error"):
            self.add_output(owner, kind, content, message.get("header", {}).get("date"))
        return True

    def add_output(self, cell: Cell, kind: str, content: dict[str, Any], date: Any) -> None:
        """Files an output; one that arrives while its cell runs is classified in `Cell.finish`."""
        if cell.clear_pending:
            cell.outputs.clear()
            cell.clear_pending = False
        late = cell.is_late(kind, date) if cell.finished else False
        if kind == "stream":
            output = {"output_type": "stream", "name": content.get("name"),
                      "text": content.get("text", "")}
        elif kind == "error":
            output = {"output_type": "error", "ename": content.get("ename", ""),
                      "evalue": content.get("evalue", ""),
                      "traceback": content.get("traceback", [])}
            if cell.status == "ok":  # a late error of a cell already counted as ok
                cell.status = "error"
                self.fail("error", cell, f"{content.get('ename')}: {content.get('evalue')}")
        else:
            output = {"output_type": kind, "data": content.get("data", {}),
                      "metadata": content.get("metadata", {})}
            if kind == "execute_result":
                output["execution_count"] = content.get("execution_count")
            display_id = content.get("transient", {}).get("display_id")
            if display_id:
                output["display_id"] = display_id
                self.display_outputs.setdefault(display_id, []).append(output)
        output["late"] = late
        if cell.finished:
            cell.append(output)
        else:
            output["_date"] = date  # classified and joined in `Cell.finish`
            cell.outputs.append(output)

    # -- results ----------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        return {
            "notebook": str(self.path),
            "kernel": self.kernel_info,
            "ok": self.failure is None,
            "failure": self.failure,
            "timings": self.timings,
            "cells": [self.cell_report(cell) for cell in self.cells],
        }

    def cell_report(self, cell: Cell) -> dict[str, Any]:
        lines = cell.source.strip().splitlines()
        head = lines[0][:100] if lines else ""
        return {
            "index": cell.index,
            "execution_count": cell.execution_count,
            "source_head": head,
            "status": cell.status,
            "duration_s": cell.duration_s,
            "outputs": [self.output_report(o) for o in cell.outputs],
        }

    def output_report(self, output: dict[str, Any]) -> dict[str, Any]:
        kind = output["output_type"]
        result: dict[str, Any] = {"output_type": kind, "late": output["late"]}
        if kind == "stream":
            result["name"] = output["name"]
            result["text"] = clip(plain(output["text"]))
        elif kind == "error":
            result["ename"] = output["ename"]
            result["evalue"] = plain(output["evalue"])
            result["traceback"] = clip(plain("\n".join(output["traceback"])))
        else:
            data = output["data"]
            result["mime_types"] = sorted(data)
            result["text"] = clip(as_text(data.get("text/plain", "")))
            if self.args.include_data:
                result["data"] = data
        return result

    def write_notebook(self, target: str) -> None:
        """Writes the notebook with the outputs collected, via a temp file and a rename."""
        notebook = copy.deepcopy(self.notebook)
        cells = {cell.index: cell for cell in self.cells}
        v4 = self.nbformat.v4
        for index, nb_cell in enumerate(notebook.cells):
            cell = cells.get(index)
            if cell is None:
                continue
            nb_cell.execution_count = cell.execution_count if cell.status != "not_run" else None
            nb_cell.outputs = [self.to_nbformat(v4, o) for o in cell.outputs]
        self.nbformat.validate(notebook)
        target_path = Path(target).resolve()
        target_path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target_path.parent, prefix=f".{target_path.name}.",
                                    suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                self.nbformat.write(notebook, handle)
            os.chmod(temp, 0o666 & ~current_umask())  # mkstemp creates 0600
            os.replace(temp, target_path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise

    @staticmethod
    def to_nbformat(v4: Any, output: dict[str, Any]) -> Any:
        kind = output["output_type"]
        if kind == "stream":
            return v4.new_output("stream", name=output["name"], text=output["text"])
        if kind == "error":
            return v4.new_output("error", ename=output["ename"], evalue=output["evalue"],
                                 traceback=output["traceback"])
        if kind == "execute_result":
            return v4.new_output("execute_result", data=output["data"],
                                 metadata=output["metadata"],
                                 execution_count=output.get("execution_count"))
        return v4.new_output("display_data", data=output["data"], metadata=output["metadata"])


def stop_on_signal(signum: int, _frame: Any) -> None:
    # Turn SIGTERM/SIGHUP into an exception so `finally` shuts the kernel down: the kernel runs
    # in its own session and would outlive the driver otherwise.
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    # Keep jupyter_client's runtime files (connection files) out of the user's Jupyter dir.
    run: NotebookRun | None = None
    started = time.monotonic()
    try:
        choose_python(argv)
        nbformat, km_class, ksm_class = import_jupyter()
        run = NotebookRun(args, nbformat, km_class, ksm_class)
        os.environ["JUPYTER_RUNTIME_DIR"] = run.temp
        os.environ["JUPYTER_PATH"] = run.temp
        try:
            run.start()
            run.run()
        finally:
            run.stop()
        if args.write:
            run.write_notebook(args.write)
    except DriverError as error:
        print(f"notebook_driver: {error}", file=sys.stderr)
        if run is not None:
            run.timings["total_s"] = round(time.monotonic() - started, 3)
            run.failure = run.failure or {"kind": "setup", "cell": None, "message": str(error)}
            print(json.dumps(run.report(), indent=1))
        return 2
    run.timings["total_s"] = round(time.monotonic() - started, 3)
    print(json.dumps(run.report(), indent=1))
    if run.failure is not None:
        print(f"notebook_driver: {run.path.name}: {run.failure['message']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
