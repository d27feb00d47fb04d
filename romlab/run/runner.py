"""Execute the report's notebooks with papermill: per period, or in place on the sample.

Each section notebook has a cell tagged `parameters` with `period`, `data_dir`,
`overrides` (RunConfig keys → values), `bundle` and `mapping`. `run_period` executes
every section notebook for one period into a temporary folder `<out>/.<period>.running`,
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
id (`_normalise_notebook`), figures are written without dates and with a fixed SVG hash
salt; only `manifest.json`'s time fields (`outputs.MANIFEST_TIME_FIELDS`) change.
`refresh_stored` re-executes the committed notebooks in place on the sample, which is
what nbval compares against.
"""

from __future__ import annotations

import html as html_lib
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from romlab import paths
from romlab.run import provenance
from romlab.run.config import RunConfig

if TYPE_CHECKING:
    from romlab.run.period import PeriodTables


def section_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The section notebooks in report order (file names start with a two-digit number;
    temporary copies such as `10_stod.tmp.ipynb` from `refresh_stored` are not sections)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb") if "." not in p.stem)


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


def _execute(src: Path, dst: Path, parameters: dict, cwd: Path) -> None:
    import papermill as pm

    # the kernel starts in `cwd` (nbclient's resources path) whatever the process's working
    # directory is: papermill's own chdir is process-wide, so notebooks executed at once in
    # threads could otherwise start their kernel in another's folder
    pm.execute_notebook(str(src), str(dst), parameters=parameters, cwd=str(cwd),
                        kernel_name="python3", progress_bar=False, log_output=False,
                        resources={"metadata": {"path": str(cwd)}})


#: The id of the cell papermill injects (nbformat would give it a random one).
INJECTED_ID = "injected-parameters"


def _coalesce_streams(nb):
    """Consecutive stream outputs of a cell merged into one (nbconvert's
    `CoalesceStreamsPreprocessor`): how a kernel splits a print into messages depends on
    timing (a loaded machine sends the final newline apart), the merged text does not.
    Order relative to other outputs is kept (unlike nbclient's `coalesce_streams`)."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


def _normalise_notebook(path: Path, source: Path | None = None) -> None:
    """Make an executed notebook the same bytes on every run: papermill's and nbclient's
    times removed (``start_time``, ``end_time``, ``duration``, the cells' ``execution``
    timings), consecutive stream outputs merged (`_coalesce_streams`), the injected
    cell's id fixed (`INJECTED_ID`), the input notebook named relative to the repository
    and the output by its file name (no absolute path)."""
    import nbformat

    nb = _coalesce_streams(nbformat.read(path, as_version=4))
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for k in ("start_time", "end_time", "duration"):
            pm.pop(k, None)
        if source is not None:
            pm["input_path"] = provenance.label(source)
        pm["output_path"] = path.name
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for k in ("start_time", "end_time", "duration"):
                cpm.pop(k, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_ID
    nbformat.write(nb, path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_period(period: str, data: str | Path, out: str | Path = paths.RUNS,
               overrides: dict | None = None, *, notebooks: list[Path] | None = None,
               progress=None, html: bool = True, figures: bool = True, jobs: int = 1,
               prepared: "PeriodTables | None" = None, carried: set[str] | frozenset = frozenset(),
               mapping: str | Path | None = None, started: str | None = None) -> RunResult:
    """Run every section notebook for `period` on the dataset at `data`, then write the
    period's outputs (`write_outputs`) beside them.

    `data` is a folder, a DuckDB file or a SQLAlchemy URL (passed to `romlab.load`
    unchanged), read through the `mapping` file if one is given. The data are loaded
    and every table computed and protected once (`romlab.run.period`; `prepared` when the
    batch did it already, `carried`: cells to suppress as in an earlier run); the result
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
    once (each in its own kernel), which pays on a machine with cores to spare.
    """
    started = started or _now()
    overrides = dict(overrides or {})
    cfg = RunConfig.for_period(period, **overrides)
    out = Path(out).resolve()  # absolute: papermill changes the working directory per notebook
    with period_lock(out, cfg.period):
        return _run_period_locked(cfg, provenance.data_arg(data), out, overrides, notebooks=notebooks,
                                  progress=progress, html=html, figures=figures, jobs=jobs, prepared=prepared,
                                  carried=carried, mapping=mapping, started=started)


def _run_period_locked(cfg: RunConfig, data, out: Path, overrides: dict, *, notebooks, progress, html, figures,
                       jobs, prepared, carried, mapping, started) -> RunResult:
    from romlab.run import period as period_mod

    period = cfg.period
    mapping = Path(mapping).resolve() if mapping else None
    nbs = section_notebooks() if notebooks is None else [Path(p).resolve() for p in notebooks]
    final = out / period
    tmp = out / f".{period}.running"
    previous = out / f".{period}.previous"
    failed = out / f"{period}.failed"
    shutil.rmtree(tmp, ignore_errors=True)  # left by a run that was killed (we hold the lock)
    shutil.rmtree(previous, ignore_errors=True)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    git = provenance.git_info()
    bundle = tmp / period_mod.BUNDLE
    params = {"period": period, "data_dir": provenance.relative_to(tmp, data), "overrides": overrides,
              "bundle": bundle.name, "mapping": provenance.relative_to(tmp, mapping)}
    status = {nb.name: {"status": "not run"} for nb in nbs}

    def fail(message: str) -> RunFailed:
        bundle.unlink(missing_ok=True)
        try:
            _write_failed_manifest(tmp, cfg, data, overrides, started, status, prepared, message, mapping=mapping,
                                   git=git)
        except Exception:  # the manifest of a failed run is best effort
            pass
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        return RunFailed(f"{message} (partial output kept in {failed})")

    steps = ("load", "tables", "protect")  # done by the batch already, counted in the period's time
    computed_before = 0.0 if prepared is None else sum(prepared.seconds.get(k, 0.0) for k in steps)
    try:
        if prepared is None:
            prepared = period_mod.protect(period_mod.compute(cfg, data, mapping=mapping), carried)
        prepared.save(bundle)
    except Exception as e:
        if progress is not None:
            progress.update(len(nbs))
        raise fail(f"computing the tables failed: {type(e).__name__}: {e}") from e

    def one(nb: Path) -> dict:
        t_nb = time.perf_counter()
        dst = tmp / nb.name
        try:
            _execute(nb, dst, params, cwd=tmp)
            _normalise_notebook(dst, nb)
        except Exception as e:  # papermill raises PapermillExecutionError with the cell
            if dst.is_file():
                try:
                    _normalise_notebook(dst, nb)
                except Exception:  # the failed notebook as papermill left it
                    pass
            return {"status": "failed", "cell": getattr(e, "exec_count", None),
                    "error": f"{getattr(e, 'ename', type(e).__name__)}: {getattr(e, 'evalue', str(e))}",
                    "seconds": round(time.perf_counter() - t_nb, 1)}
        finally:
            if progress is not None:
                progress.update(1)
        return {"status": "ok", "seconds": round(time.perf_counter() - t_nb, 1)}

    if progress is not None:
        progress.set_postfix_str(period)
    t_nbs = time.perf_counter()
    if jobs > 1 and len(nbs) > 1:
        # each notebook has its own kernel; papermill changes the process's working
        # directory around each execution, so it is restored once all are done
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
    seconds = {**prepared.seconds, "notebooks": round(time.perf_counter() - t_nbs, 2)}
    bad = [(name, st) for name, st in status.items() if st["status"] == "failed"]
    if bad:
        if progress is not None:
            progress.update(sum(st["status"] == "not run" for st in status.values()))
        name, st = bad[0]
        raise fail(f"{name} failed in cell {st['cell']}: {st['error']}")
    done = [tmp / nb.name for nb in nbs]
    try:
        bundle.unlink()  # the saved tables are for the notebooks only
        written, key = write_outputs(tmp, prepared, data, overrides, started, status, html=html, figures=figures,
                                     seconds=seconds, mapping=mapping, git=git)
    except Exception as e:
        raise fail(f"writing the outputs failed: {type(e).__name__}: {e}") from e
    # an earlier complete run is moved aside, not deleted, before this one takes its name:
    # killed in between, neither is named like a complete run, and the next run cleans up
    if final.exists():
        final.rename(previous)
    tmp.rename(final)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(failed, ignore_errors=True)
    return RunResult(period, final, [final / p.name for p in done],
                     [final / p.relative_to(tmp) for p in written], key, time.perf_counter() - t0 + computed_before)


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
    for cfg in cfgs:
        if progress is not None:
            progress.set_postfix_str(f"{cfg.period}: tables")
        try:
            prepared[cfg.period] = period_mod.compute(cfg, data, mapping=mapping)
        except Exception:  # run_period computes again and fails with a failed folder
            prepared[cfg.period] = None
    ok = [p for p in prepared.values() if p is not None]
    if consistent:
        protected = period_mod.protect_batch(ok, carried)
    else:
        protected = [period_mod.protect(p, carried) for p in ok]
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

    from romlab.publication import outputs
    from romlab.data.load import load

    source = prepared
    if source is None:
        try:
            source = load(data, as_of=cfg.data_cutoff, mapping=mapping)
        except Exception:
            source = SimpleNamespace(files={}, as_of=None)
    man = outputs.manifest(cfg, source, data=data, overrides=overrides, started=started, ended=_now(),
                           notebooks=status, status="failed", mapping=mapping, git=git)
    man["error"] = error
    outputs.to_json(man, folder / "manifest.json")


def write_outputs(folder: str | Path, prepared, data: str | Path, overrides: dict | None = None,
                  started: str | None = None, status: dict | None = None, *, html: bool = True,
                  figures: bool = True, seconds: dict | None = None, mapping: str | Path | None = None,
                  git=None) -> tuple[list[Path], dict]:
    """Write a period's outputs into `folder` (the executed notebooks already there) from
    its protected tables (`period.PeriodTables`): `tabeller.xlsx`, `tabeller.csv` (every
    table in long form, suppressed cells blank), `undertryckta.csv` (the suppression log:
    one row per suppressed cell with its rule and reason), `nyckeltal.json`,
    `jamforelse.csv` and `jamforelse.json` (one record per published number),
    `figur_1.png`/`.svg`, `figur_2.png`/`.svg`, one HTML file per notebook, `index.html`
    and `manifest.json` (`outputs.manifest`, with ``seconds``: `seconds` given, e.g. load,
    tables, protect, notebooks, plus the outputs; written last, its ``ended`` after every
    other file). The same inputs give the same bytes in every file but the manifest's
    time fields. Returns the files written and the nyckeltal."""
    from romlab import __version__
    from romlab.publication import outputs

    folder = Path(folder)
    t0 = time.perf_counter()
    cfg, tables = prepared.cfg, prepared.tables
    written = []
    info = {"Data": provenance.label(data), "romlab": __version__,
            "Parametrar ändrade": ", ".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "inga"}
    if mapping:
        m = provenance.mapping_info(mapping)
        info["Mappningsfil"] = f"{m['path']} (sha256 {m['sha256']})"
    written.append(outputs.write_xlsx(tables, folder / "tabeller.xlsx", cfg, info))
    outputs.long_tables(tables).to_csv(folder / "tabeller.csv", index=False)
    prepared.log.to_csv(folder / "undertryckta.csv", index=False)
    written += [folder / "tabeller.csv", folder / "undertryckta.csv"]
    key = prepared.nyckeltal
    outputs.to_json(key, folder / "nyckeltal.json")
    written.append(folder / "nyckeltal.json")
    cmp = outputs.comparison(tables)
    cmp.to_csv(folder / "jamforelse.csv", index=False)
    outputs.to_json(cmp.to_dict("records"), folder / "jamforelse.json")
    written += [folder / "jamforelse.csv", folder / "jamforelse.json"]
    figs = []
    if figures:
        figs = _write_figures(folder, tables)
        written += figs
    pages = []
    if html:
        for nb in sorted(folder.glob("*.ipynb")):
            pages.append((nb, _notebook_html(nb)))
            written.append(pages[-1][1])
    index = _index_html(folder, cfg, data, overrides, pages, figs, key, outputs.comparison_summary(cmp), __version__,
                        n_suppressed=len(prepared.log), mapping=mapping)
    written.append(index)
    man = outputs.manifest(cfg, prepared, data=data, overrides=overrides, started=started, ended=_now(),
                           notebooks=status, outputs=[p.name for p in written] + ["manifest.json"],
                           mapping=mapping, git=git)
    man["seconds"] = {**(seconds or {}), "outputs": round(time.perf_counter() - t0, 2)}
    outputs.to_json(man, folder / "manifest.json")
    written.append(folder / "manifest.json")
    return written, key


def _write_figures(folder: Path, tables: dict) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from romlab.report import results_figures

    written = []
    for name, draw in (("figur_1", results_figures.figur_1), ("figur_2", results_figures.figur_2)):
        fig = draw(tables[name])
        for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            p = folder / f"{name}.{ext}"
            # the SVG's element ids are hashes salted at random unless the salt is fixed
            with matplotlib.rc_context({"svg.hashsalt": "romlab"}):
                fig.savefig(p, format=ext, metadata=meta)
            written.append(p)
        plt.close(fig)
    return written


@lru_cache(maxsize=1)
def _html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def _notebook_html(nb: Path) -> Path:
    import nbformat

    body, _ = _html_exporter().from_notebook_node(nbformat.read(nb, as_version=4))
    dst = nb.with_suffix(".html")
    dst.write_text(body, encoding="utf-8")
    return dst


def _notebook_title(nb: Path) -> str:
    import nbformat

    for cell in nbformat.read(nb, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return nb.stem


def _headings(page: Path) -> list[tuple[str, str]]:
    """(anchor, text) of the section and table headings (h2–h4) of a notebook's HTML page."""
    import re

    html = page.read_text(encoding="utf-8")
    return re.findall(r'<h[234] id="([^"]+)">([^<]+)', html)


def _index_html(folder: Path, cfg: RunConfig, data, overrides, pages, figs, key, summary, version,
                n_suppressed: int = 0, mapping=None) -> Path:
    from romlab.publication.compare import period_warning_html  # the run's period against the published report's

    esc = html_lib.escape
    params = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in cfg.to_dict().items())
    def contents(page: Path) -> str:
        items = "".join(f'<li><a href="{esc(page.name)}#{hid}">{esc(html_lib.unescape(text).strip())}</a></li>'
                        for hid, text in _headings(page))
        return f"<ul>{items}</ul>" if items else ""

    sections = "".join(f'<li><a href="{esc(h.name)}">{esc(_notebook_title(nb))}</a> '
                       f'(<a href="{esc(nb.name)}">notebook</a>){contents(h)}</li>' for nb, h in pages)
    images = "".join(f'<figure><img src="{esc(p.name)}" alt="{esc(p.stem)}" style="max-width:100%">'
                     f"<figcaption>{esc(p.stem.replace('_', ' ').capitalize())}</figcaption></figure>"
                     for p in figs if p.suffix == ".png")
    r2 = key.get("r2_share", {})
    mapped = f" genom mappningsfilen <code>{esc(provenance.label(mapping))}</code>" if mapping else ""

    def f(v) -> str:
        return "–" if v is None else f"{v:.1f}".replace(".", ",")

    head = (f"Andel R2 (minst 18 månaders uppföljning): {f(r2.get('ABC'))} % "
            f"(nivå A {f(r2.get('A'))}, B {f(r2.get('B'))}, C {f(r2.get('C'))}); arbete "
            f"{f(key.get('work_share_of_results'))} % av resultaten; stöd per deltagare och månad (justerat): "
            f"medelvärde {f(key['support_mean_hours']['justerat'])} timmar, median "
            f"{f(key['support_median_hours']['justerat'])} timmar.")
    text = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>romlab {esc(cfg.period)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style></head><body>
<h1>Rusta och matcha: stöd och resultat, rapportmånad {esc(cfg.period)}</h1>
<p>Data: <code>{esc(provenance.label(data))}</code>{mapped}, uttag per {esc(str(cfg.data_cutoff.date()))}.
romlab {esc(version)}. Ändrade parametrar: {esc(", ".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "inga")}.</p>
<h2>Nyckeltal</h2><p>{esc(head)} (<a href="nyckeltal.json">nyckeltal.json</a>)</p>
<h2>Rapportens avsnitt</h2><ol>{sections}</ol>
<h2>Tabeller</h2><p><a href="tabeller.xlsx">tabeller.xlsx</a> (en flik per tabell, i rapportens ordning),
<a href="tabeller.csv">tabeller.csv</a> (lång form). Celler med färre än {cfg.min_cell} personer visas som '..',
liksom de celler som annars skulle låta dem räknas fram ur summor; <a href="undertryckta.csv">undertryckta.csv</a>
listar varje undertryckt cell med regel och skäl ({n_suppressed} i denna körning).</p>
<h2>Figurer</h2>{images or "<p>(inga)</p>"}
<h2>Jämförelse med publicerade värden</h2>{period_warning_html(cfg.period)}
{summary.to_html(index=False, float_format=lambda v: f"{v:.2f}")}
<p><a href="jamforelse.csv">jamforelse.csv</a>, <a href="jamforelse.json">jamforelse.json</a></p>
<h2>Parametrar</h2><table>{params}</table>
<p><a href="manifest.json">manifest.json</a>: indatafiler med sha256, mappningsfil, syntetiska datas frö och skala,
git-commit, paketversioner, tider, status per notebook.</p>
</body></html>
"""
    dst = folder / "index.html"
    dst.write_text(text, encoding="utf-8")
    return dst


def execute_in_place(nb: Path) -> Path:
    """Re-execute one stored notebook in place with its default parameters (the committed
    sample), without papermill's timings. The executed copy is written outside the
    notebooks folder first, so a run listing the sections never sees it."""
    nb = Path(nb).resolve()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir) / nb.name
        _execute(nb, tmp, {}, cwd=nb.parent)
        _strip_papermill_metadata(tmp)
        shutil.move(str(tmp), str(nb))
    return nb


def refresh_stored(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Re-execute every stored notebook in place (the sections and the provider review),
    as nbval compares them: run it after regenerating data/sample (`make notebooks`)."""
    return [execute_in_place(nb) for nb in sorted(Path(folder).glob("*.ipynb"))]


def _strip_papermill_metadata(path: Path) -> None:
    """Drop papermill's run-dependent metadata (timings, paths) so stored notebooks are
    stable; consecutive stream outputs merged (`_coalesce_streams`); an injected cell gets
    the fixed id `INJECTED_ID`."""
    import nbformat

    nb = _coalesce_streams(nbformat.read(path, as_version=4))
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_ID
    nbformat.write(nb, path)
