"""Execute the report's notebooks with papermill: per period, or in place on the sample.

Each section notebook has a cell tagged `parameters` with `period`, `data_dir` and
`overrides` (RunConfig keys → values). `run_period` executes every section notebook for
one period into a temporary folder `<out>/.<period>.running`, writes the period's outputs
beside them (`write_outputs`: tabeller.xlsx, tabeller.csv, nyckeltal.json,
jamforelse.csv/.json, figures, one HTML page per notebook, index.html, manifest.json)
and moves the folder to `<out>/<period>` only when all of that succeeded; a failed run
is kept as `<out>/<period>.failed` (with a manifest saying which notebook failed) and
the error names the notebook and cell. `refresh_stored` re-executes the committed
notebooks in place on the sample, which is what nbval compares against.
"""

from __future__ import annotations

import html as html_lib
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from romlab import paths
from romlab.config import RunConfig

if TYPE_CHECKING:
    from romlab.period import PeriodTables


def section_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The section notebooks in report order (file names start with a two-digit number;
    temporary copies such as `10_stod.tmp.ipynb` from `refresh_stored` are not sections)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb") if "." not in p.stem)


class RunFailed(RuntimeError):
    """A notebook (or the outputs) failed during a run; the message names it and the cell."""


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

    pm.execute_notebook(str(src), str(dst), parameters=parameters, cwd=str(cwd),
                        kernel_name="python3", progress_bar=False, log_output=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_period(period: str, data: str | Path, out: str | Path = paths.RUNS,
               overrides: dict | None = None, *, notebooks: list[Path] | None = None,
               progress=None, html: bool = True, figures: bool = True, jobs: int = 1,
               prepared: "PeriodTables | None" = None, carried: set[str] | frozenset = frozenset()) -> RunResult:
    """Run every section notebook for `period` on the dataset at `data`, then write the
    period's outputs (`write_outputs`) beside them.

    The data are loaded and every table computed and protected once (`romlab.period`;
    `prepared` when the batch did it already, `carried`: cells to suppress as in an
    earlier run); the result is saved in the running folder and each notebook reads it
    (parameter `bundle`) instead of loading the data again. The parameters injected into
    each notebook are `period`, `data_dir` (absolute), `overrides` and `bundle`;
    `RunConfig.for_period(period, **overrides)` is checked first so that a bad parameter
    fails (`ConfigError`) before any folder is made. Everything is written to
    `<out>/.<period>.running` and renamed to `<out>/<period>` only when every notebook
    and output succeeded; otherwise the partial output (with a manifest saying what
    failed) is kept as `<out>/<period>.failed` and `RunFailed` names the notebook and
    cell. `notebooks` (default `section_notebooks()`) and a tqdm `progress` bar (updated
    once per notebook) are for batches and tests; `jobs` > 1 executes that many notebooks
    at once (each in its own kernel), which pays on a machine with cores to spare.
    """
    from romlab import period as period_mod

    overrides = dict(overrides or {})
    cfg = RunConfig.for_period(period, **overrides)
    period = cfg.period
    data = Path(data).resolve()
    nbs = section_notebooks() if notebooks is None else [Path(p).resolve() for p in notebooks]
    out = Path(out).resolve()  # absolute: papermill changes the working directory per notebook
    final = out / period
    tmp = out / f".{period}.running"
    failed = out / f"{period}.failed"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    started = _now()
    bundle = tmp / period_mod.BUNDLE
    params = {"period": period, "data_dir": str(Path(data).resolve()), "overrides": overrides, "bundle": str(bundle)}
    status = {nb.name: {"status": "not run"} for nb in nbs}

    def fail(message: str) -> RunFailed:
        bundle.unlink(missing_ok=True)
        try:
            _write_failed_manifest(tmp, cfg, data, overrides, started, status, prepared, message)
        except Exception:  # the manifest of a failed run is best effort
            pass
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        return RunFailed(f"{message} (partial output kept in {failed})")

    steps = ("load", "tables", "protect")  # done by the batch already, counted in the period's time
    computed_before = 0.0 if prepared is None else sum(prepared.seconds.get(k, 0.0) for k in steps)
    try:
        if prepared is None:
            prepared = period_mod.protect(period_mod.compute(cfg, data), carried)
        prepared.save(bundle)
    except Exception as e:
        if progress is not None:
            progress.update(len(nbs))
        raise fail(f"computing the tables failed: {type(e).__name__}: {e}") from e

    def one(nb: Path) -> dict:
        t_nb = time.perf_counter()
        try:
            _execute(nb, tmp / nb.name, params, cwd=nb.parent)
        except Exception as e:  # papermill raises PapermillExecutionError with the cell
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
                                     seconds=seconds)
    except Exception as e:
        raise fail(f"writing the outputs failed: {type(e).__name__}: {e}") from e
    shutil.rmtree(final, ignore_errors=True)
    shutil.rmtree(failed, ignore_errors=True)
    tmp.rename(final)
    return RunResult(period, final, [final / p.name for p in done],
                     [final / p.relative_to(tmp) for p in written], key, time.perf_counter() - t0 + computed_before)


def run_batch(periods: list[str], data: str | Path, out: str | Path = paths.RUNS, overrides: dict | None = None,
              *, carried: set[str] | frozenset = frozenset(), consistent: bool = True, progress=None,
              **kwargs) -> tuple[list[RunResult], dict[str, str]]:
    """Run several periods: the tables of every period are computed first and protected
    with one suppression pattern (`period.protect_batch`, when `consistent`), then each
    period is run (`run_period`). A period that fails does not stop the others.
    Returns the finished runs and {period: error} for the failed ones."""
    from romlab import period as period_mod

    overrides = dict(overrides or {})
    cfgs = [RunConfig.for_period(p, **overrides) for p in periods]  # a bad parameter fails before any work
    prepared: dict[str, object] = {}
    for cfg in cfgs:
        if progress is not None:
            progress.set_postfix_str(f"{cfg.period}: tables")
        try:
            prepared[cfg.period] = period_mod.compute(cfg, data)
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
                                   prepared=prepared[cfg.period], carried=carried, **kwargs))
        except RunFailed as e:
            failed[cfg.period] = str(e)
    return done, failed


def _write_failed_manifest(folder: Path, cfg, data, overrides, started, status, prepared=None,
                           error: str = "") -> None:
    """The manifest of a failed run: what was asked, what failed and why; the input files
    as far as they can be read (none when the data themselves are the problem)."""
    from types import SimpleNamespace

    from romlab import outputs
    from romlab.load import load

    source = prepared
    if source is None:
        try:
            source = load(data, as_of=cfg.data_cutoff)
        except Exception:
            source = SimpleNamespace(files={}, as_of=None)
    man = outputs.manifest(cfg, source, data=data, overrides=overrides, started=started, ended=_now(),
                           notebooks=status, status="failed")
    man["error"] = error
    outputs.to_json(man, folder / "manifest.json")


def write_outputs(folder: str | Path, prepared, data: str | Path, overrides: dict | None = None,
                  started: str | None = None, status: dict | None = None, *, html: bool = True,
                  figures: bool = True, seconds: dict | None = None) -> tuple[list[Path], dict]:
    """Write a period's outputs into `folder` (the executed notebooks already there) from
    its protected tables (`period.PeriodTables`): `tabeller.xlsx`, `tabeller.csv` (every
    table in long form, suppressed cells blank), `undertryckta.csv` (the suppression log:
    one row per suppressed cell with its rule and reason), `nyckeltal.json`,
    `jamforelse.csv` and `jamforelse.json` (one record per published number),
    `figur_1.png`/`.svg`, `figur_2.png`/`.svg`, one HTML file per notebook, `index.html`
    and `manifest.json` (with ``seconds``: `seconds` given, e.g. load, tables, protect,
    notebooks, plus the outputs). Returns the files written and the nyckeltal."""
    from romlab import __version__, outputs

    folder = Path(folder)
    t0 = time.perf_counter()
    cfg, tables = prepared.cfg, prepared.tables
    written = []
    info = {"Data": str(Path(data).resolve()), "romlab": __version__,
            "Parametrar ändrade": ", ".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "inga"}
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
                        n_suppressed=len(prepared.log))
    written.append(index)
    man = outputs.manifest(cfg, prepared, data=data, overrides=overrides, started=started, ended=_now(),
                           notebooks=status, outputs=[p.name for p in written] + ["manifest.json"])
    man["seconds"] = {**(seconds or {}), "outputs": round(time.perf_counter() - t0, 2)}
    outputs.to_json(man, folder / "manifest.json")
    written.append(folder / "manifest.json")
    return written, key


def _write_figures(folder: Path, tables: dict) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from romlab import results_figures

    written = []
    for name, draw in (("figur_1", results_figures.figur_1), ("figur_2", results_figures.figur_2)):
        fig = draw(tables[name])
        for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            p = folder / f"{name}.{ext}"
            fig.savefig(p, format=ext, metadata=meta)
            written.append(p)
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
                n_suppressed: int = 0) -> Path:
    from romlab.compare import period_warning_html  # the run's period against the published report's

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
<p>Data: <code>{esc(str(Path(data).resolve()))}</code>, uttag per {esc(str(cfg.data_cutoff.date()))}.
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
<p><a href="manifest.json">manifest.json</a>: indatafiler med sha256, paketversioner, tider, status per notebook.</p>
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
    """Drop papermill's run-dependent metadata (timings) so stored notebooks are stable."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
