"""Run the report per period: execute its notebooks with papermill and write the outputs.

Each section notebook has a cell tagged `parameters` with `period`, `data_dir`,
`overrides` (RunConfig keys → values), `bundle` and `mapping`. `run_period` executes
every section notebook for one period into a temporary folder `<out>/.<period>.running`
(in a child process started before the tables are computed, so that the kernels start
meanwhile and wait for the tables: `romlab.run.notebook_run`),
writes the period's outputs beside them (`write_outputs`: tabeller.xlsx, tabeller.csv,
nyckeltal.json, jamforelse.csv/.json, figures, one HTML page per notebook, index.html,
manifest.json) and moves the folder to `<out>/<period>` only when all of that
succeeded; a failed run is kept as `<out>/<period>.failed` (with a manifest saying
which notebook failed) and the error names the notebook and cell. A run killed on the
way (SIGKILL, power) leaves at most the hidden `.<period>.running` (or
`.<period>.previous`) folder, which the next run of the period removes.

One run at a time per period and output folder: a run holds `<out>/.<period>.lock`
(`fcntl.flock`, released by the kernel when the process ends, however it ends); a second
run of the same period fails at once with `RunLocked`.

The same inputs give the same bytes: the notebooks are executed in their run folder
with every path injected relative to it (`bundle`, `data_dir`, `mapping`; a URL as given,
without its password), papermill's times are removed and the injected cell has a fixed
id (`romlab.run.execute.normalise_executed`), figures are written without dates and with
a fixed SVG hash salt; only `manifest.json`'s time fields (`manifest.MANIFEST_TIME_FIELDS`)
change. Executing and cleaning a notebook is `romlab.run.execute` (with `refresh_stored`,
which re-executes the committed notebooks in place on the sample, what nbval compares
against); the HTML pages are `romlab.run.pages`.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from romlab import paths
from romlab.run import notebook_run, provenance, write
from romlab.run.config import RunConfig

if TYPE_CHECKING:
    from romlab.run.period import PeriodTables


def section_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The section notebooks in report order (file names start with a two-digit number;
    temporary copies such as `10_stod.tmp.ipynb` from `refresh_stored` are not sections)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb") if "." not in p.stem)


def period_notebooks(cfg, folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The section notebooks a period runs: those whose part of the report
    (`romlab.report.registry.NOTEBOOK_SECTIONS`) is in ``cfg.sections`` (A81), and those
    of no part (the data overview)."""
    from romlab.report.registry import NOTEBOOK_SECTIONS

    return [nb for nb in section_notebooks(folder)
            if NOTEBOOK_SECTIONS.get(nb.stem) in (None, *cfg.sections)]


class RunFailed(RuntimeError):
    """A notebook (or the outputs) failed during a run; the message names it and the cell."""


class RunLocked(RuntimeError):
    """Another process is running the same period into the same output folder."""


#: Locks this process holds: lock file → how many times it was taken (re-entrant, so
#: that `run_period` inside a `run_batch` that holds the lock goes on).
_HELD: dict[str, int] = {}


@contextmanager
def period_lock(out: str | Path, period: str):
    """Hold `<out>/.<period>.lock` while the block runs, or raise `RunLocked` at once
    naming the process that holds it.

    `fcntl.flock` on the open file: the kernel releases it when the holder ends, however
    it ends (a SIGKILL included), so a stale lock file never blocks a later run. The file
    holds the holder's pid (for the message) and is removed on release; a process that
    locked a file that was removed meanwhile tries again on the new one. Where there is
    no `fcntl` (Windows) runs are not locked (with a warning)."""
    out = Path(out).resolve()
    path = out / f".{period}.lock"
    key = str(path)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - POSIX everywhere romlab is tested
        import warnings

        warnings.warn("no fcntl on this system: two runs of the same period are not kept apart", stacklevel=3)
        yield path
        return
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield path
        finally:
            _HELD[key] -= 1
        return
    out.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip()
            os.close(fd)
            raise RunLocked(f"{out / period} is being written by another romlab run "
                            f"(pid {holder or 'unknown'}; lock {path}): wait for it to finish") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file after we opened it: lock the new one
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD[key] = 1
    try:
        yield path
    finally:
        del _HELD[key]
        try:
            os.unlink(path)  # still locked: nobody can have taken it in between
        except FileNotFoundError:
            pass
        os.close(fd)


@dataclass
class RunResult:
    period: str
    folder: Path
    notebooks: list[Path]
    outputs: list[Path] = field(default_factory=list)
    nyckeltal: dict = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_period(period: str, data: str | Path, out: str | Path = paths.RUNS,
               overrides: dict | None = None, *, notebooks: list[Path] | None = None,
               progress=None, html: bool = True, figures: bool = True, jobs: int = 1,
               prepared: "PeriodTables | None" = None, carried: set[str] | frozenset = frozenset(),
               mapping: str | Path | None = None, started: str | None = None,
               suppress_like: Sequence[str | Path] = (), independent: bool = False, pdf: bool = False) -> RunResult:
    """Run every section notebook for `period` on the dataset at `data`, then write the
    period's outputs (`write_outputs`) beside them.

    `data` is a folder, a DuckDB file or a SQLAlchemy URL (passed to `romlab.load`
    unchanged), read through the `mapping` file if one is given. The data are loaded
    and every table computed and protected once (`romlab.run.period`; `prepared` when the
    batch did it already, `carried`: cells to suppress as in an earlier run; consistent
    with the earlier runs of the same data in `out` and the `suppress_like` folders, or
    only the latter when `independent`: `period.consistent_with_earlier`); the result
    is saved in the running folder and each notebook reads it (parameter `bundle`)
    instead of loading the data again. Each notebook is executed in the running folder
    with the parameters `period`, `data_dir`, `overrides`, `bundle` and `mapping`, paths
    relative to the run folder (which keeps its depth when renamed; a URL without its
    password). `RunConfig.for_period(period, **overrides)` is checked first so that a
    bad parameter fails (`ConfigError`) before any folder is made; then the period's lock
    is taken (`period_lock`; `RunLocked` when another run holds it). Everything is
    written to `<out>/.<period>.running` and renamed to `<out>/<period>` only when every
    notebook and output succeeded; otherwise the partial output (with a manifest saying
    what failed) is kept as `<out>/<period>.failed` and `RunFailed` names the notebook
    and cell. `started` (default: now) is the start the manifest records: the command's.
    `notebooks` (default `section_notebooks()`) and a tqdm `progress` bar (updated once
    per notebook) are for batches and tests; `jobs` > 1 executes that many notebooks at
    once (each in its own kernel), which pays on a machine with cores to spare. `pdf`:
    also print the pages as ``rapport.pdf`` (`romlab.run.report_pdf`, needs Chromium).
    """
    started = started or _now()
    overrides = dict(overrides or {})
    cfg = RunConfig.for_period(period, **overrides)
    out = Path(out).resolve()  # absolute: papermill changes the working directory per notebook
    with period_lock(out, cfg.period):
        return _run_period_locked(cfg, provenance.data_arg(data), out, overrides, notebooks=notebooks,
                                  progress=progress, html=html, figures=figures, jobs=jobs, prepared=prepared,
                                  carried=carried, mapping=mapping, started=started, suppress_like=suppress_like,
                                  independent=independent, pdf=pdf)


@dataclass
class _Folders:
    """Where one period's run is written: `tmp` while it runs, `final` when complete,
    `failed` when not; `previous` holds an earlier complete run while this one takes its
    name."""

    final: Path
    tmp: Path
    previous: Path
    failed: Path

    @classmethod
    def of(cls, out: Path, period: str) -> "_Folders":
        return cls(out / period, out / f".{period}.running", out / f".{period}.previous", out / f"{period}.failed")

    def start(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)  # left by a run that was killed (we hold the lock)
        shutil.rmtree(self.previous, ignore_errors=True)
        self.tmp.mkdir(parents=True)

    def keep_failed(self) -> None:
        shutil.rmtree(self.failed, ignore_errors=True)
        self.tmp.rename(self.failed)

    def publish(self) -> None:
        # an earlier complete run is moved aside, not deleted, before this one takes its name:
        # killed in between, neither is named like a complete run, and the next run cleans up
        if self.final.exists():
            self.final.rename(self.previous)
        self.tmp.rename(self.final)
        shutil.rmtree(self.previous, ignore_errors=True)
        shutil.rmtree(self.failed, ignore_errors=True)


def _run_period_locked(cfg: RunConfig, data, out: Path, overrides: dict, *, notebooks, progress, html, figures,
                       jobs, prepared, carried, mapping, started, suppress_like=(), independent=False,
                       pdf=False) -> RunResult:
    """`run_period`'s work once the lock is held: start the notebooks (`notebook_run`,
    their kernels start while this process computes), compute (unless `prepared`) and
    save the bundle they wait for, write the outputs that need only the tables while they
    run, write the pages and the manifest, publish the folder. It is longer than most
    functions here because it is that one sequence with one failure handler (`fail`)
    shared by its steps."""
    from romlab.run import period as period_mod

    period = cfg.period
    mapping = Path(mapping).resolve() if mapping else None
    nbs = period_notebooks(cfg) if notebooks is None else [Path(p).resolve() for p in notebooks]
    where = _Folders.of(out, period)
    where.start()
    t0 = time.perf_counter()
    git = provenance.git_info()
    bundle = where.tmp / period_mod.BUNDLE
    params = {"period": period, "data_dir": provenance.relative_to(where.tmp, data), "overrides": overrides,
              "bundle": bundle.name, "mapping": provenance.relative_to(where.tmp, mapping)}
    drawn_by_notebooks, extra = _figures_in_notebooks(nbs, figures)
    status = {nb.name: {"status": "not run"} for nb in nbs}

    def fail(message: str) -> RunFailed:
        bundle.unlink(missing_ok=True)
        try:
            _write_failed_manifest(where.tmp, cfg, data, overrides, started, status, prepared, message,
                                   mapping=mapping, git=git)
        except Exception:  # the manifest of a failed run is best effort
            pass
        where.keep_failed()
        return RunFailed(f"{message} (partial output kept in {where.failed})")

    steps = ("load", "tables", "protect")  # done by the batch already, counted in the period's time
    computed_before = 0.0 if prepared is None else sum(prepared.seconds.get(k, 0.0) for k in steps)
    t_nbs = time.perf_counter()
    nb_run = notebook_run.NotebookRun.start(nbs, where.tmp, params, status, progress, jobs, bundle, html, extra)
    _say(progress, f"{period}: tables" if prepared is None else f"{period}: notebooks")
    try:
        if prepared is None:
            computed = period_mod.compute(cfg, data, mapping=mapping)
            prepared = period_mod.consistent_with_earlier([computed], out, carried, suppress_like, independent)[0]
        period_mod.check_protected(prepared)
        prepared.save(bundle)
    except Exception as e:
        nb_run.stop()
        _say(progress, f"{period}: failed")  # the bar counts what ran, never the rest as done
        raise fail(f"computing the tables failed: {type(e).__name__}: {e}") from e
    nb_run.ready()

    _say(progress, f"{period}: notebooks")
    data_outputs, t_data, data_error = _outputs_beside(nb_run, where.tmp, prepared, data, overrides, figures, mapping,
                                                      drawn_by_notebooks)
    seconds = {**prepared.seconds, "notebooks": round(time.perf_counter() - t_nbs, 2)}
    bad = [(name, st) for name, st in status.items() if st["status"] == "failed"]
    if bad:
        _say(progress, f"{period}: failed")
        for f in (data_outputs.written if data_outputs is not None else []):
            f.unlink(missing_ok=True)  # a failed run keeps its notebooks and manifest, no outputs
        name, st = bad[0]
        raise fail(f"{name} failed in cell {st['cell']}: {st['error']}")
    try:
        if data_error is not None:
            raise data_error
        _say(progress, f"{period}: pages")
        bundle.unlink()  # the saved tables are for the notebooks only
        written, key = write.write_pages_and_manifest(where.tmp, prepared, data, overrides, started, status, data_outputs,
                                                html=html, seconds=seconds, mapping=mapping, git=git,
                                                data_seconds=t_data, pdf=pdf)
    except Exception as e:
        raise fail(f"writing the outputs failed: {type(e).__name__}: {e}") from e
    where.publish()
    write.write_internal(out, prepared)
    return RunResult(period, where.final, [where.final / nb.name for nb in nbs],
                     [where.final / p.relative_to(where.tmp) for p in written], key,
                     time.perf_counter() - t0 + computed_before, list((prepared.releases or {}).get("warnings", [])))


def _say(progress, step: str) -> None:
    """Show the step running on the progress bar (tqdm), when there is one."""
    if progress is not None:
        progress.set_postfix_str(step)


def _figures_in_notebooks(nbs: list[Path], figures: bool) -> tuple[set[str], dict[str, dict]]:
    """The figures a notebook of this run shows, and the parameter that makes it write
    their files ({notebook file name: {"figures_dir": "."}}: the kernel's working
    directory is the run folder): each such figure is drawn once, for its page and its
    files. The run draws the others itself (none when not `figures`)."""
    shown_in = {name: nb for name, nb in write.figure_notebooks().items() if figures and nb in {p.stem for p in nbs}}
    return set(shown_in), {p.name: {"figures_dir": "."} for p in nbs if p.stem in shown_in.values()}


def _outputs_beside(nb_run: notebook_run.NotebookRun, folder: Path, prepared, data, overrides, figures: bool, mapping,
                    drawn_by_notebooks=()):
    """Write the outputs that need only the tables (`write.write_data_outputs`) while the
    notebooks run, then wait for them. Returns what was written, its seconds, and the
    error writing raised (reported once the notebooks are done, so the folder is
    complete either way)."""
    try:
        t_out = time.perf_counter()
        outs = write.write_data_outputs(folder, prepared, data, overrides, figures=figures, mapping=mapping,
                                        drawn_by_notebooks=drawn_by_notebooks)
        return outs, time.perf_counter() - t_out, None
    except Exception as e:
        return None, 0.0, e
    finally:
        nb_run.wait()


def run_batch(periods: list[str], data: str | Path, out: str | Path = paths.RUNS, overrides: dict | None = None,
              *, carried: set[str] | frozenset = frozenset(), consistent: bool = True, progress=None,
              mapping: str | Path | None = None, started: str | None = None,
              **kwargs) -> tuple[list[RunResult], dict[str, str]]:
    """Run several periods on `data` (read through `mapping` if given): the tables of
    every period are computed first and protected with one suppression pattern
    (`period.protect_batch`, when `consistent`), then each period is run (`run_period`).
    The lock of every period is taken before any work (`RunLocked` if another run holds
    one). A period that fails does not stop the others. `started` (default: now) is the
    start every period's manifest records. Returns the finished runs and
    {period: error} for the failed ones."""
    started = started or _now()
    overrides = dict(overrides or {})
    cfgs = [RunConfig.for_period(p, **overrides) for p in periods]  # a bad parameter fails before any work
    data = provenance.data_arg(data)
    with ExitStack() as locks:
        for cfg in cfgs:
            locks.enter_context(period_lock(Path(out).resolve(), cfg.period))
        return _run_batch_locked(cfgs, data, out, overrides, carried=carried, consistent=consistent,
                                 progress=progress, mapping=mapping, started=started, **kwargs)


def _run_batch_locked(cfgs, data, out, overrides, *, carried, consistent, progress, mapping, started, **kwargs):
    from romlab.run import period as period_mod

    prepared: dict[str, object] = {}
    if len(cfgs) == 1:  # nothing to keep consistent: run_period computes while its kernels start
        cfg = cfgs[0]
        try:
            return [run_period(cfg.period, data, out, overrides, progress=progress, carried=carried, mapping=mapping,
                               started=started, **kwargs)], {}
        except RunFailed as e:
            return [], {cfg.period: str(e)}
    for cfg in cfgs:
        _say(progress, f"{cfg.period}: tables")
        try:
            prepared[cfg.period] = period_mod.compute(cfg, data, mapping=mapping)
        except Exception:  # run_period computes again and fails with a failed folder
            prepared[cfg.period] = None
    ok = [p for p in prepared.values() if p is not None]
    protected = period_mod.consistent_with_earlier(ok, out, carried, kwargs.get("suppress_like", ()),
                                                   kwargs.get("independent", False), consistent)
    for p in protected:
        prepared[p.cfg.period] = p
    done, failed = [], {}
    for cfg in cfgs:
        try:
            done.append(run_period(cfg.period, data, out, overrides, progress=progress,
                                   prepared=prepared[cfg.period], carried=carried, mapping=mapping,
                                   started=started, **kwargs))
        except RunFailed as e:
            failed[cfg.period] = str(e)
    return done, failed


def _write_failed_manifest(folder: Path, cfg, data, overrides, started, status, prepared=None,
                           error: str = "", mapping=None, git=None) -> None:
    """The manifest of a failed run: what was asked, what failed and why; the input files
    as far as they can be read (none when the data themselves are the problem)."""
    from types import SimpleNamespace

    from romlab.publication import exports, manifest
    from romlab.dataset.load import load

    source = prepared
    if source is None:
        try:
            source = load(data, as_of=cfg.data_cutoff, mapping=mapping)
        except Exception:
            source = SimpleNamespace(files={}, as_of=None)
    man = manifest.manifest(cfg, source, data=data, overrides=overrides, started=started, ended=_now(),
                           notebooks=status, status="failed", mapping=mapping, git=git)
    man["error"] = error
    exports.to_json(man, folder / "manifest.json")
