"""What a run writes beside its executed notebooks.

`write_data_outputs` writes what comes from the period's protected tables alone (the
workbook, `tabeller.csv`, the suppression log, the key figures, the comparison, the
figures: the runner writes them while the notebooks execute); `write_pages_and_manifest`
what needs the executed notebooks (their HTML pages, the index) and, last, the manifest.
`write_outputs` does both. The same inputs give the same bytes in every file but the
manifest's time fields.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from romlab.run import pages, provenance

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_outputs", "write_data_outputs", "write_pages_and_manifest", "DataOutputs"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_outputs(folder: str | Path, prepared, data: str | Path, overrides: dict | None = None,
                  started: str | None = None, status: dict | None = None, *, html: bool = True,
                  figures: bool = True, seconds: dict | None = None, mapping: str | Path | None = None,
                  git=None) -> tuple[list[Path], dict]:
    """Write a period's outputs into `folder` (the executed notebooks already there) from
    its protected tables (`period.PeriodTables`): `write_data_outputs`, then
    `write_pages_and_manifest`. The same inputs give the same bytes in every file but the
    manifest's time fields. Returns the files written and the nyckeltal."""
    t0 = time.perf_counter()
    outs = write_data_outputs(folder, prepared, data, overrides, figures=figures, mapping=mapping)
    return write_pages_and_manifest(folder, prepared, data, overrides, started, status, outs, html=html,
                                    seconds=seconds, mapping=mapping, git=git, data_seconds=time.perf_counter() - t0)


@dataclass
class DataOutputs:
    """What `write_data_outputs` wrote: the files, the comparison and the figure files."""

    written: list[Path]
    comparison: pd.DataFrame
    figures: list[Path]


def figure_notebooks() -> dict[str, str | None]:
    """The report's figures, {name: the stem of the notebook that shows it}: the
    registry's entries of kind "data" (a figure's points) carry the figure's name."""
    from romlab.report.registry import table_defs

    return {d.key: d.notebook for d in table_defs(kind="data")}


def write_data_outputs(folder: str | Path, prepared, data: str | Path, overrides: dict | None = None, *,
                       figures: bool = True, mapping: str | Path | None = None,
                       drawn_by_notebooks: Collection[str] = ()) -> DataOutputs:
    """The outputs that come from the tables alone (written while the notebooks run):
    `tabeller.xlsx`, `tabeller.csv` (every table in long form, suppressed cells blank),
    `undertryckta.csv` (the hidden cells and the tables they appear in, nothing about
    why: `protection.public_log`), `nyckeltal.json`, `jamforelse.csv` and `jamforelse.json` (one record per
    published number), `figur_1.png`/`.svg`, `figur_2.png`/`.svg` and their points,
    `figurer.csv`. The figures named in `drawn_by_notebooks` are not drawn here: their
    notebook writes their files as it shows them (a run passes it ``figures_dir``); they
    are listed among the files all the same, and `write_pages_and_manifest` checks that
    they are there."""
    from romlab import __version__
    from romlab.publication import compare, exports, protection, workbook

    folder = Path(folder).resolve()
    cfg, tables = prepared.cfg, prepared.tables
    info = {"Data": provenance.label(data), "romlab": __version__,
            "Parametrar ändrade": ", ".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "inga"}
    if mapping:
        m = provenance.mapping_info(mapping)
        info["Mappningsfil"] = f"{m['path']} (sha256 {m['sha256']})"
    written = [workbook.write_xlsx(tables, folder / "tabeller.xlsx", cfg, info,
                                   synthetic=provenance.synthetic_origin(data))]
    exports.long_tables(tables).to_csv(folder / "tabeller.csv", index=False)
    exports.figure_tables(tables).to_csv(folder / "figurer.csv", index=False)
    protection.public_log(prepared.log).to_csv(folder / "undertryckta.csv", index=False)
    exports.to_json(prepared.nyckeltal, folder / "nyckeltal.json")
    cmp = compare.comparison(tables)
    cmp.to_csv(folder / "jamforelse.csv", index=False)
    exports.to_json(cmp.to_dict("records"), folder / "jamforelse.json")
    written += [folder / f for f in ("tabeller.csv", "figurer.csv", "undertryckta.csv", "nyckeltal.json", "jamforelse.csv",
                                     "jamforelse.json")]
    figs = []
    if figures:
        names = [n for n in figure_notebooks() if n in tables]  # the figures of the period's parts
        _write_figures(folder, tables, [n for n in names if n not in drawn_by_notebooks], cfg)
        figs = [folder / f"{n}.{ext}" for n in names for ext in ("png", "svg")]
    return DataOutputs(written + figs, cmp, figs)


def write_pages_and_manifest(folder: str | Path, prepared, data: str | Path, overrides: dict | None,
                             started: str | None, status: dict | None, outs: DataOutputs, *, html: bool = True,
                             seconds: dict | None = None, mapping: str | Path | None = None, git=None,
                             data_seconds: float = 0.0, pdf: bool = False) -> tuple[list[Path], dict]:
    """The outputs that need the executed notebooks, written after them: one HTML page per
    notebook, `index.html` and, last, `manifest.json` (`manifest.manifest`, with
    ``seconds``: `seconds` given, e.g. load, tables, protect, notebooks, plus the
    outputs; its ``ended`` after every other file). Returns every file written and the
    nyckeltal."""
    from romlab import __version__
    from romlab.publication import compare, exports, manifest

    folder = Path(folder).resolve()
    t0 = time.perf_counter()
    missing = [p.name for p in outs.figures if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)}: not written by the notebook that shows the figure")
    cfg, key = prepared.cfg, prepared.nyckeltal
    written = list(outs.written)
    notebook_pages = []
    if html:
        for nb in sorted(folder.glob("*.ipynb")):
            notebook_pages.append((nb, pages.notebook_html(nb)))
            written.append(notebook_pages[-1][1])
    index = pages.index_html(folder, cfg, data=data, overrides=overrides, pages=notebook_pages, figures=outs.figures,
                             key=key, summary=compare.comparison_summary(outs.comparison), version=__version__,
                             n_suppressed=len(prepared.log), mapping=mapping)
    written.append(index)
    if pdf and html:
        written.append(_write_pdf(folder, cfg, data, [index] + [page for _, page in notebook_pages]))
    man = manifest.manifest(cfg, prepared, data=data, overrides=overrides, started=started, ended=_now(),
                            notebooks=status, outputs=[p.name for p in written] + ["manifest.json"],
                            mapping=mapping, git=git)
    man["seconds"] = {**(seconds or {}), "outputs": round(data_seconds + time.perf_counter() - t0, 2)}
    exports.to_json(man, folder / "manifest.json")
    written.append(folder / "manifest.json")
    return written, key


def _write_pdf(folder: Path, cfg, data, pages: list[Path]) -> Path:
    """``rapport.pdf``: the front page and the section pages printed in report order
    (`report_pdf.write_pdf`); fails clearly without Chromium."""
    from romlab.run import page_frame, report_pdf

    browser = report_pdf.find_browser()
    if browser is None:
        raise RuntimeError("rapport.pdf needs Chromium (apt-get install chromium, or ROMLAB_CHROMIUM=/path/to/it)")
    title = page_frame.page_title("Rapport", cfg.period)
    return report_pdf.write_pdf(folder, [p.name for p in pages], browser, title=title,
                                synthetic=provenance.is_synthetic(data))


def _write_figures(folder: Path, tables: dict, names: Sequence[str], cfg) -> list[Path]:
    """Draw the figures `names` from their points in `tables` (the register's
    ``draw(long, cfg)``, or `results_figures.FIGURES`) and write their files
    (`results_figures.save`); matplotlib is imported only when there is one to draw."""
    if not names:
        return []
    from romlab.report import results_figures
    from romlab.report.registry import REGISTRY

    def draw(name: str):
        d = REGISTRY[name].draw
        return d(tables[name], cfg) if d else results_figures.FIGURES[name](tables[name])

    return [p for name in names for p in results_figures.save(draw(name), name, folder)]


#: The folder beside the run folders for what is never handed on (`write_internal`).
INTERNAL = "intern"


def write_internal(out: str | Path, prepared) -> list[Path]:
    """What the run's disclosure control knows and a reader must not: written to
    ``<out>/intern/<period>/``, outside the run folder that is handed on.
    `undertryckning.csv`: every hidden cell with its persons, rule (primär, sekundär,
    konsekvent mellan körningar) and reason; `skyddsintervall.csv`: every count below
    ``min_cell`` with the attacker's interval (`romlab.publication.disclosure.audit`);
    `redan_publicerat.csv`: counts an earlier release already pinned, when any."""
    import pandas as pd

    folder = Path(out) / INTERNAL / prepared.cfg.period
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "undertryckning.csv", folder / "skyddsintervall.csv"]
    prepared.log.to_csv(written[0], index=False)
    audit = prepared.audit if prepared.audit is not None else pd.DataFrame()
    audit.reset_index().to_csv(written[1], index=False)
    pinned = folder / "redan_publicerat.csv"
    if prepared.unprotectable is not None and len(prepared.unprotectable):
        prepared.unprotectable.reset_index().to_csv(pinned, index=False)
        written.append(pinned)
    else:
        pinned.unlink(missing_ok=True)
    return written
