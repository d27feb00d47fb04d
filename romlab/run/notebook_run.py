"""Execute a period's notebooks in a child process while the run computes their tables.

A run's notebooks read the period's tables from a bundle the run saves once
(`romlab.run.period`). Starting six kernels and importing pandas in each is most of what
the notebooks cost, so the runner starts them *before* it computes the tables: the
notebooks are executed by a child process (`NotebookRun.start`), which keeps their
client-side work (papermill, zmq, nbformat) off this process's interpreter lock, and
each notebook's kernel waits at `romlab.run.period.tables` until the bundle is there.

The hand-over is one marker file beside the bundle's name (`pending_marker`), holding
the pid of the process computing it:

- marker there, its process alive, no bundle: the tables are being computed, wait;
- bundle there: go on;
- no bundle and no marker, or the marker's process is gone: computing failed (or the
  run was killed): a waiting notebook fails at once (`wait_for_bundle`) and a notebook
  not yet started is not run (status ``not run``).

The module imports only the standard library (papermill when it executes), so that the
child process starts quickly.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

#: Suffix of the marker beside the bundle's name while the tables are being computed.
PENDING = ".pending"

#: How often a waiting notebook looks for the bundle, seconds.
POLL_SECONDS = 0.05


def pending_marker(bundle: str | Path) -> Path:
    """The marker that says the bundle `bundle` is still being computed."""
    bundle = Path(bundle)
    return bundle.with_name(bundle.name + PENDING)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def bundle_state(bundle: str | Path) -> str:
    """``ready`` (the bundle is saved), ``pending`` (its marker is there and the process
    named in it is alive) or ``gone`` (neither: computing failed, the run was killed, or
    the run finished and removed the bundle)."""
    bundle = Path(bundle)
    if bundle.is_file():
        return "ready"
    marker = pending_marker(bundle)
    try:
        text = marker.read_text().strip()
    except FileNotFoundError:
        return "ready" if bundle.is_file() else "gone"  # saved between the two looks
    if text.isdigit() and not _alive(int(text)):
        return "gone"
    return "pending"


def wait_for_bundle(bundle: str | Path) -> bool:
    """Wait while the bundle `bundle` is being computed (`bundle_state` ``pending``).
    True when it is there; False when it is not and nobody was computing it. Raises
    RuntimeError when computing it stopped while this waited (the run failed: its
    manifest.json says why)."""
    waited = False
    while (state := bundle_state(bundle)) == "pending":
        waited = True
        time.sleep(POLL_SECONDS)
    if state == "ready":
        return True
    if waited:
        raise RuntimeError(f"{bundle}: the run stopped computing the tables without saving them "
                           "(see its manifest.json)")
    return False


def execute_one(nb: Path, folder: Path, params: dict, bundle: Path | None = None, html: bool = False,
                sections: list[Path] | None = None, zygote: str | None = None) -> dict:
    """Execute section notebook `nb` into `folder` and normalise it (and write its HTML
    page beside it when `html`, here, while the other notebooks still run; `sections`:
    the run's notebooks in report order, the page's neighbours; `zygote`: the address
    its kernel is forked from, `romlab.run.kernel_fork`); its status for the
    manifest: ``ok``, or ``failed`` with the cell and the error; the seconds it took.
    ``not run`` when computing its `bundle` failed before it started or while it waited
    for it."""
    from romlab.run import execute

    if bundle is not None and bundle_state(bundle) == "gone":
        return {"status": "not run"}
    t_nb = time.perf_counter()
    dst = folder / nb.name
    try:
        execute.execute_notebook(nb, dst, params, cwd=folder, zygote=zygote)
        execute.normalise_executed(dst, nb)
        if html:
            execute.write_html(dst, sections)
    except Exception as e:  # papermill raises PapermillExecutionError with the cell
        if bundle is not None and bundle_state(bundle) == "gone":
            # computing the tables failed while this notebook waited for them: it did not
            # run (the run's error says why)
            dst.unlink(missing_ok=True)
            return {"status": "not run"}
        if dst.is_file():
            try:
                execute.normalise_executed(dst, nb)
            except Exception:  # the failed notebook as papermill left it
                pass
        return {"status": "failed", "cell": getattr(e, "exec_count", None),
                "error": f"{getattr(e, 'ename', type(e).__name__)}: {getattr(e, 'evalue', str(e))}",
                "seconds": round(time.perf_counter() - t_nb, 1)}
    return {"status": "ok", "seconds": round(time.perf_counter() - t_nb, 1)}


def execute_all(nbs: list[Path], folder: Path, params: dict, jobs: int, bundle: Path | None = None,
                report=None, html: bool = False, extra: dict | None = None) -> dict[str, dict]:
    """Execute the notebooks into `folder`, `jobs` at once (each in its own kernel) or one
    by one stopping at the first that fails, each one's HTML page written when `html`;
    `extra`: {notebook file name: parameters only that notebook takes}. Returns {notebook file name: status};
    `report(name, status)` is called as each one finishes."""
    status: dict[str, dict] = {}
    zygote = _zygote(len(nbs) if jobs > 1 else 1)

    def one(nb: Path) -> dict:
        st = execute_one(nb, folder, {**params, **(extra or {}).get(nb.name, {})}, bundle, html, nbs,
                         zygote.address if zygote else None)
        if report is not None:
            report(nb.name, st)
        return st

    try:
        _execute(nbs, jobs, one, status, html)
    finally:
        if zygote is not None:
            zygote.stop()
    return status


def _zygote(kernels: int):
    """A zygote for the run's kernels when several start at once and forking works here
    (`romlab.run.kernel_fork`); None otherwise."""
    from romlab.run import kernel_fork

    return kernel_fork.Zygote.start() if kernels > 1 and kernel_fork.available() else None


def _execute(nbs: list[Path], jobs: int, one, status: dict, html: bool) -> None:
    """`one(nb)` for each notebook, `jobs` at once, or one by one stopping at the first
    that fails; each status into `status`."""
    _import_before_threads(html)
    if jobs > 1 and len(nbs) > 1:
        # papermill changes the process's working directory around each execution, so it
        # is restored once all are done
        cwd = os.getcwd()
        try:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                for nb, st in zip(nbs, pool.map(one, nbs)):
                    status[nb.name] = st
        finally:
            os.chdir(cwd)
    else:
        for nb in nbs:
            status[nb.name] = one(nb)
            if status[nb.name]["status"] != "ok":
                break


def _import_before_threads(html: bool) -> None:
    """Import papermill, nbclient and jupyter_client (and make nbconvert's HTML exporter
    when `html`) in this thread, before notebooks execute in several: threads importing
    jupyter_client at once can find it partly initialised ("cannot import name
    'AsyncKernelManager' from partially initialized module 'jupyter_client.manager'"),
    which failed a run now and then."""
    from romlab.run import execute

    execute.light_notebook_imports()
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import papermill  # noqa: F401

    if html:
        execute.html_exporter()


#: Lines a kernel prints on every successful run that say nothing wrong: the local
#: kernel's TCP transport (jupyter_client's loopback default; the run's kernels never
#: listen beyond this machine) and the interrupt nbclient sends when it shuts a finished
#: kernel down. They are not passed on to the console; every other line is.
HARMLESS = ("Kernel is running over TCP without encryption", "KeyboardInterrupt caught in kernel")

#: Prefix of the child's status lines (a kernel started by it shares its standard output).
_MESSAGE = "romlab-notebook-status "


def _child_main() -> int:
    """``python -m romlab.run.notebook_run``: read the job (JSON: notebooks, folder,
    parameters, extra parameters per notebook, jobs, bundle, html) from standard input, execute the notebooks, and write each
    one's status as a line `_MESSAGE` + JSON {"name": …, "status": {…}} to standard
    output as it finishes."""
    import json
    import sys

    job = json.loads(sys.stdin.read())
    out = sys.stdout
    lock = threading.Lock()

    def report(name: str, st: dict) -> None:
        with lock:
            out.write(_MESSAGE + json.dumps({"name": name, "status": st}) + "\n")
            out.flush()

    bundle = Path(job["bundle"]) if job.get("bundle") else None
    execute_all([Path(p) for p in job["notebooks"]], Path(job["folder"]), job["params"], int(job["jobs"]),
                bundle, report=report, html=bool(job.get("html")), extra=job.get("extra"))
    return 0


@dataclass
class NotebookRun:
    """The notebooks of one period executing in a child process
    (``python -m romlab.run.notebook_run``, a plain subprocess: it never re-imports the
    caller's main module, so a run started from a script, a notebook or standard input
    behaves the same). `start` writes the bundle's pending marker (with this process's
    pid) and starts them; `ready()` removes the marker once the bundle is saved,
    `stop()` when computing it failed; `wait()` waits for the notebooks. Each notebook's
    status is set in `status` as it finishes and the `progress` bar (tqdm) advanced by
    one."""

    pending: Path
    process: subprocess.Popen
    reader: threading.Thread
    status: dict

    @classmethod
    def start(cls, nbs: list[Path], folder: Path, params: dict, status: dict, progress, jobs: int,
              bundle: Path, html: bool = False, extra: dict | None = None) -> "NotebookRun":
        import json
        import sys

        pending = pending_marker(bundle)
        pending.write_text(f"{os.getpid()}\n")
        job = {"notebooks": [str(p) for p in nbs], "folder": str(folder), "params": params, "jobs": jobs,
               "bundle": str(bundle), "html": html,
               "extra": extra or {}}
        process = subprocess.Popen([sys.executable, "-m", "romlab.run.notebook_run"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(folder), preexec_fn=lambda: os.nice(10))
        process.stdin.write(json.dumps(job))
        process.stdin.close()

        def read() -> None:
            for line in process.stdout:
                if not line.startswith(_MESSAGE):  # what a kernel printed from C: passed on
                    sys.stderr.write(line)
                    continue
                msg = json.loads(line[len(_MESSAGE):])
                status[msg["name"]] = msg["status"]
                if progress is not None and msg["status"]["status"] != "not run":
                    progress.update(1)

        def relay() -> None:  # the kernels' messages, but for the known-harmless ones
            for line in process.stderr:
                if not any(m in line for m in HARMLESS):
                    sys.stderr.write(line)

        reader = threading.Thread(target=read, name="romlab-notebook-status", daemon=True)
        reader.start()
        threading.Thread(target=relay, name="romlab-kernel-messages", daemon=True).start()
        return cls(pending, process, reader, status)

    def ready(self) -> None:
        self.pending.unlink(missing_ok=True)

    def stop(self) -> None:
        self.pending.unlink(missing_ok=True)
        self.wait()

    def wait(self) -> None:
        """Wait for the notebooks; if their process died, the notebooks without a status
        are marked failed with its exit code."""
        code = self.process.wait()
        self.reader.join(timeout=5)  # its output ends when it does
        if code:
            for name, st in self.status.items():
                if st["status"] == "not run":
                    self.status[name] = {"status": "failed", "cell": None,
                                         "error": f"the process executing the notebooks ended with code {code}"}
                    break


if __name__ == "__main__":
    raise SystemExit(_child_main())
