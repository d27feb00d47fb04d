"""One computation per period: load the data once, compute every table, protect them.

`compute(cfg, data)` loads the data as of the period's cut-off and computes, once,
everything a period's notebooks and outputs show: every table of the register
(`romlab.report.registry.compute_all`: one support selection, one outcome frame, each table
and Tabell 18's models once), the data overview (§3) and the headline figures. `protect`
(or `protect_batch` for the periods of one batch, which keeps the suppression pattern
consistent across them) applies the disclosure control of `romlab.publication.protection`.

The runner saves the protected result next to the notebooks it executes (`save`), and
each notebook reads it (`tables(..., bundle=path)`) instead of loading the data again
and shows a table as one expression (``pt["16"]``: `PeriodTables.__getitem__`);
the file is removed before the run is moved into place. Without a bundle, `tables`
computes and protects on the spot, so a notebook opened in JupyterLab works alone.
"""

from __future__ import annotations

import pickle
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from romlab.report import overview
from romlab import paths
from romlab.publication import protection
from romlab.run import provenance
from romlab.run.config import RunConfig

__all__ = ["PeriodTables", "compute", "protect", "protect_batch", "tables", "carried_cells", "BUNDLE"]

#: File name of the saved period in a running run folder (never in a finished run).
BUNDLE = ".period.pkl"

@dataclass
class PeriodTables:
    """Everything one period shows; aggregates only.

    ``tables``: report tables in long form (protected once `protected` is True);
    ``log``: the suppression log; ``models``: "18" (robust) and "18_cluster" (clustered
    by provider); ``overview``: "as_of" and "starts" (starts by window × level, small
    cells protected); ``nyckeltal``: the headline figures; ``files`` and ``as_of``: the
    input files and the cut-off, ``mapping_summary`` and ``load_notes``: how a mapping
    filled the contract's columns and what the loader tolerated (as the loader reports
    them, None when it does not), for the manifest. Once protected, ``audit``
    (internal, as the log: the attacker's interval of every sensitive count,
    `romlab.publication.disclosure.audit`), ``unprotectable`` (counts an earlier
    release already pins) and ``releases`` (the earlier releases it was kept consistent
    with, `romlab.publication.releases.Releases.summary`)."""

    cfg: RunConfig
    tables: dict[str, pd.DataFrame]
    models: dict = field(default_factory=dict)
    overview: dict[str, pd.DataFrame] = field(default_factory=dict)
    nyckeltal: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    log: pd.DataFrame | None = None
    protected: bool = False
    seconds: dict = field(default_factory=dict)
    mapping_summary: pd.DataFrame | None = None
    load_notes: pd.DataFrame | None = None
    audit: pd.DataFrame | None = None
    unprotectable: pd.DataFrame | None = None
    releases: dict | None = None
    #: the data come from romlab's generator (`provenance.is_synthetic`): tables say so
    synthetic: bool = False

    def save(self, path: str | Path) -> Path:
        if not self.protected:
            raise ValueError("only protected tables leave memory: call protect() first")
        path = Path(path)
        part = path.with_name(path.name + ".part")  # a reader never sees half a file
        with part.open("wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        part.replace(path)
        return path

    def __getitem__(self, key: str):
        """The report table `key` as a result object (`romlab.report.registry.ReportTable`):
        ``pt["16"]`` in a notebook shows its heading, sentence and layout."""
        from romlab.report.registry import REGISTRY, ReportTable, View, table_defs

        table_defs(kind=None)  # the register filled
        if key not in REGISTRY or key not in self.tables:
            raise KeyError(f"no table {key!r} in this period; tables: {list(self.tables)}")
        return ReportTable(REGISTRY[key], View(key, self.tables[key], self.cfg, self.tables, self.models),
                           synthetic=self.synthetic)

    def optional(self, key: str, why: str):
        """Table `key` (`__getitem__`) when the period has it, else `why` as a paragraph
        (a table that needs a part of the report the period does not cover: the
        generations side by side need both)."""
        if key in self.tables:
            return self[key]
        from IPython.display import Markdown

        return Markdown(why)

    @staticmethod
    def load(path: str | Path) -> "PeriodTables":
        with Path(path).open("rb") as f:
            return pickle.load(f)


def compute(cfg: RunConfig, data: str | Path, ds=None, mapping: str | Path | None = None) -> PeriodTables:
    """Load `data` (a folder, a DuckDB file or a SQLAlchemy URL, passed to `romlab.load`
    as given) as of ``cfg.data_cutoff`` through the `mapping` file if one is given
    (unless `ds` is given) and compute every table, model and overview of the period,
    unprotected."""
    from romlab.dataset.load import load
    from romlab.report import keyfigures, registry

    t0 = time.perf_counter()
    if ds is None:
        ds = load(data, as_of=cfg.data_cutoff, mapping=mapping or None)
    t1 = time.perf_counter()
    t, models = registry.compute_all(ds, cfg)  # every registered table and the models, each once
    ov = {"as_of": overview.as_of_table(ds), "starts": overview.starts_by_window_level(ds.participations)}
    seconds = {"load": round(t1 - t0, 2), "tables": round(time.perf_counter() - t1, 2)}
    return PeriodTables(cfg=cfg, tables=t, models=models, overview=ov, nyckeltal=keyfigures.nyckeltal(t, ds, cfg),
                        files=dict(getattr(ds, "files", {})), as_of=getattr(ds, "as_of", None), seconds=seconds,
                        mapping_summary=getattr(ds, "mapping_summary", None),
                        load_notes=getattr(ds, "load_notes", None), synthetic=provenance.is_synthetic(data))


def protect(p: PeriodTables, forced: Iterable[str] = (), known: pd.Series | None = None) -> PeriodTables:
    """`p` with its tables protected (`protection.protect` at ``cfg.min_cell`` with the
    protection interval ``cfg.protection_width``), the overview's starts table with them
    (its windows of Tabell 15 are the same cells) and the headline figures. `forced`:
    cells to hide in any case; `known`: counts earlier releases published (cell,
    quantity → value)."""
    if p.protected:
        raise ValueError("already protected")
    t0 = time.perf_counter()
    starts = p.overview["starts"]
    tables = {**p.tables, "starts": protection.starts_long(starts, p.tables.get("15"))}
    shown, found = protection.protect(tables, p.cfg.min_cell, forced, width=p.cfg.protection_width or None, known=known)
    hidden = shown.pop("starts").pivot(index="window", columns="label", values="suppressed")
    mask = hidden.reindex(index=starts.index, columns=starts.columns).to_numpy(bool)
    ov = {**p.overview, "starts": starts.astype("Int64").mask(mask)}
    seconds = {**p.seconds, "protect": round(time.perf_counter() - t0, 2)}
    key = protection.protect_nyckeltal(p.nyckeltal, set(found.log["cell"]))
    if "rom2" in key:  # RoM 2's figures read from the protected tables: a hidden cell's are None
        from romlab.report import keyfigures

        key["rom2"] = keyfigures.rom2(shown)
    return replace(p, tables=shown, log=found.log, audit=found.audit, unprotectable=found.unprotectable,
                   overview=ov, nyckeltal=key, protected=True, seconds=seconds)


class DisclosureError(RuntimeError):
    """A count below ``min_cell`` keeps a narrower interval than the protection interval:
    the run is not published."""


def check_protected(p: PeriodTables) -> PeriodTables:
    """`p` if every sensitive count keeps its protection interval (``p.audit``);
    otherwise `DisclosureError` naming how many do not and a few of them (cells only)."""
    a = p.audit
    if a is not None and len(a) and not a["protected"].all():
        bad = a[~a["protected"]]
        ex = ", ".join(f"{c} ({q})" for c, q in bad.index[:3])
        raise DisclosureError(f"disclosure check failed: {len(bad)} count(s) below min_cell={p.cfg.min_cell} "
                              f"can be narrowed below the protection interval, e.g. {ex}")
    return p


def protect_batch(periods: Sequence[PeriodTables], carried: Iterable[str] = (),
                  max_rounds: int = 10, known: pd.Series | None = None) -> list[PeriodTables]:
    """Protect the periods of one batch with one consistent pattern: a cell suppressed
    in any period (or in `carried`, e.g. from an earlier published run) is suppressed in
    every period that shows it, and each period's secondary suppression is redone until
    no period adds a cell (assumption A72). A batch of one period is protected as that
    period alone (`protect`), so that `romlab run` of one period labels its cells as
    `run_period` does (its own cells are not "konsekvent mellan perioder")."""
    if len(periods) == 1:
        return [protect(periods[0], carried, known)]
    forced = set(carried)
    for _ in range(max_rounds):
        done = [protect(p, forced, known) for p in periods]
        cells = set().union(*(set(d.log["cell"]) for d in done)) if done else set()
        if cells <= forced:
            return done
        forced |= cells
    raise RuntimeError(f"the batch's suppression pattern did not settle in {max_rounds} rounds")


def consistent_with_earlier(computed: Sequence[PeriodTables], out: str | Path, carried: Iterable[str] = (),
                            suppress_like: Iterable[str | Path] = (), independent: bool = False,
                            consistent: bool = True) -> list[PeriodTables]:
    """Protect the `computed` periods of one run or batch into `out` consistently with
    every earlier release of the same data there and in `suppress_like`
    (`romlab.publication.releases`: their hidden cells hidden again, what they showed
    known; ``independent``: only `suppress_like`), and with each other
    (`protect_batch`, unless not `consistent`). Each result records the releases
    (``releases``)."""
    from romlab.publication import manifest, releases

    if not computed:
        return []
    files = manifest.input_files(computed[0])
    rel = releases.earlier_releases(out, files, {p.cfg.period: p.cfg.to_dict() for p in computed},
                                    extra=suppress_like, scan=not independent)
    forced = set(carried) | rel.hidden
    if consistent:
        done = protect_batch(computed, forced, known=rel.known)
    else:
        done = [protect(p, forced, rel.known) for p in computed]
    return [replace(d, releases=rel.summary()) for d in done]


def carried_cells(runs: Iterable[str | Path]) -> set[str]:
    """The suppressed cells of earlier runs (their ``undertryckta.csv``), to carry into a new run."""
    from romlab.run.config import ConfigError

    out: set[str] = set()
    for run in runs:
        f = Path(run) / "undertryckta.csv"
        if not f.is_file():
            raise ConfigError(f"suppress_like: {f} not found (is {run} a romlab run folder?)")
        log = pd.read_csv(f)
        if "cell" not in log.columns:
            raise ConfigError(f"suppress_like: {f} has no column 'cell' (a run from before romlab's "
                              "secondary suppression?)")
        out |= set(log["cell"].astype(str))
    return out


def tables(period: str, data_dir: str | Path = "", overrides: dict | None = None, bundle: str | Path = "",
           mapping: str | Path = "") -> PeriodTables:
    """The protected tables of `period`, for a notebook: read from `bundle` when the
    runner saved one, otherwise computed from `data_dir` (default: the committed sample)
    read through the `mapping` file if one is given (relative paths: from the working
    directory, which for a run's notebook is its run folder).
    An executed notebook of a finished run still names its bundle, which the run removed:
    re-executed, it computes from `data_dir` again (with a warning). While the run is
    still computing the bundle (its pending marker is there), this waits for it."""
    from romlab.run.notebook_run import wait_for_bundle

    if bundle:
        # what reading the bundle imports (every table's definition, renderer and
        # model), imported while the run is still computing it
        from romlab.publication import html_table  # how a notebook shows a table
        from romlab.report import catalogue, regression  # noqa: F401

        html_table.warm_up()
    if bundle and not wait_for_bundle(bundle):
        warnings.warn(f"{bundle} is gone (a run removes it when it finishes); "
                      f"computing from {data_dir or paths.SAMPLE}", stacklevel=2)
        bundle = ""
    if bundle:
        p = PeriodTables.load(bundle)
        if p.cfg.period != RunConfig.for_period(period, **(overrides or {})).period:
            raise ValueError(f"{bundle}: holds period {p.cfg.period}, not {period}")
        return p
    cfg = RunConfig.for_period(period, **(overrides or {}))
    return protect(compute(cfg, data_dir or paths.SAMPLE, mapping=mapping or None))
