"""Earlier releases of the same data: what a new run must stay consistent with.

Two releases read together can give away what each hides alone: a cell one run shows
and another hides (for a complement) is known to a reader of both. So a run applies
what earlier runs of the same data published (assumption A78):

- every cell an earlier run hid is hidden again (`Releases.hidden`; rule "konsekvent
  mellan körningar", and kept unknown in turn, `disclosure.protect_cells`'s `forced`);
- every count an earlier run showed is taken as known to the reader
  (`Releases.known`): where the same cell has the same count now, hiding it protects
  nothing, so it is never chosen to protect another (`protect_cells`'s `known`); a
  small count an earlier run already showed is beyond protection and listed in the
  internal log (`redan_publicerat.csv`);
- a run of the same period at another ``min_cell`` gets a warning (`Releases.warnings`):
  two thresholds' releases of one period are not to be handed on together.

Earlier runs are the finished run folders in the output folder whose manifest names the
same input files (sha256), plus any folder given with ``--suppress-like`` (whatever its
data). A rerun of the same period with the same parameters is not an earlier release:
it replaces the run. Only the published files are read (`tabeller.csv`, `figurer.csv`,
`nyckeltal.json`, `undertryckta.csv`): what the reader has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from romlab.publication import counts

__all__ = ["Releases", "earlier_releases", "published_counts", "data_identity"]


@dataclass
class Releases:
    """What earlier releases published: ``runs`` (their folders), ``hidden`` (cells),
    ``known`` (counts shown, indexed (cell, quantity); a cell two releases show with
    different counts appears with each), ``warnings`` (one line each)."""

    runs: list[Path] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    known: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """For the manifest: the folders read and how much they carry."""
        return {"runs": [p.name for p in self.runs], "hidden_cells": len(self.hidden),
                "known_counts": int(len(self.known)), "warnings": list(self.warnings)}


def data_identity(manifest: dict) -> frozenset:
    """The input files of a run (their sha256), or its data label when it has none."""
    files = manifest.get("input_files") or {}
    shas = frozenset(f.get("sha256") for f in files.values() if isinstance(f, dict) and f.get("sha256"))
    return shas or frozenset([str(manifest.get("data"))])


def _manifest(folder: Path) -> dict | None:
    try:
        m = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return m if m.get("status") == "ok" else None


def published_counts(folder: str | Path) -> pd.Series:
    """The counts a run folder shows, (cell, quantity) → count: share × n and n of every
    row shown in `tabeller.csv` and `figurer.csv`, by the rows' own ``cell``
    (`counts.COUNT_MEASURES`), and the window total and support persons of
    `nyckeltal.json`."""
    folder = Path(folder)
    parts = []
    for name in ("tabeller.csv", "figurer.csv"):
        f = folder / name
        if not f.is_file():
            continue
        long = pd.read_csv(f, dtype={"cell": str, "measure": str, "column": str}, keep_default_na=True)
        if "cell" not in long.columns:
            continue
        key_col = "table" if "table" in long.columns else "figure"
        shown = long[long["cell"].notna() & ~long["suppressed"].astype(str).isin(["True", "true", "1"])]
        for key, t in shown.groupby(key_col, sort=False):
            parts.append(counts.row_counts(str(key), t.reset_index(drop=True), t["cell"].reset_index(drop=True)))
    parts.append(_nyckeltal_counts(folder / "nyckeltal.json"))
    allc = pd.concat([p for p in parts if len(p)], ignore_index=True) if parts else pd.DataFrame()
    if allc.empty:
        return pd.Series(dtype=float)
    allc = allc.dropna(subset=["value"])
    s = allc.groupby(["cell", "quantity"], sort=True)["value"].first().round()
    return s


def _nyckeltal_counts(path: Path) -> pd.DataFrame:
    from romlab.publication.protection import ALL, WINDOWS_TOTAL

    rows = []
    try:
        key = json.loads(path.read_text())
    except (OSError, ValueError):
        key = {}
    sizes = key.get("sample_sizes") or {}
    if sizes.get("participants_windows") is not None:
        rows.append((WINDOWS_TOTAL, "persons", float(sizes["participants_windows"]), ""))
    if sizes.get("support_persons") is not None:
        rows.append((f"S|5|{ALL}", "persons", float(sizes["support_persons"]), ""))
    return pd.DataFrame(rows, columns=["cell", "quantity", "value", "of"])


def earlier_releases(out: str | Path, files: dict, parameters: Mapping[str, dict],
                     extra: Iterable[str | Path] = (), scan: bool = True) -> Releases:
    """The earlier releases runs of the periods in `parameters` (period → its run
    configuration, `RunConfig.to_dict`) into `out` must stay consistent with: the
    finished runs in `out` of the same data (`data_identity`: `files`, the input files
    as the manifest lists them), but not a run of one of these periods with the same
    parameters (it is being replaced); and every folder in `extra` (``--suppress-like``).
    ``scan=False`` (``romlab run --independent``): only `extra`."""
    out = Path(out)
    ident = data_identity({"input_files": files})
    rel = Releases()
    candidates = sorted(p for p in out.iterdir() if p.is_dir() and (p / "manifest.json").is_file()) \
        if out.is_dir() and scan else []
    for folder in candidates:
        m = _manifest(folder)
        if m is None or data_identity(m) != ident:
            continue
        period, params = m.get("period"), m.get("parameters") or {}
        if period in parameters and params == parameters[period]:
            continue  # a rerun replaces it
        if period in parameters and params.get("min_cell") != parameters[period].get("min_cell"):
            rel.warnings.append(
                f"{folder.name} in {out} is a run of {period} at min_cell={params.get('min_cell')}, this one at "
                f"min_cell={parameters[period].get('min_cell')}: do not hand on both (cells shown by one may be "
                "hidden by the other); its hidden cells are hidden again and what it shows counts as known")
        rel.runs.append(folder)
    rel.runs += [Path(p) for p in extra if Path(p) not in rel.runs]
    known = []
    for folder in rel.runs:
        rel.hidden |= _hidden(folder)
        known.append(published_counts(folder))
    if known:
        k = pd.concat(known).rename("value").reset_index().drop_duplicates()
        rel.known = k.sort_values(["cell", "quantity", "value"], kind="stable").set_index(["cell", "quantity"])["value"]
    return rel


def _hidden(folder: Path) -> set[str]:
    f = folder / "undertryckta.csv"
    if not f.is_file():
        return set()
    log = pd.read_csv(f)
    return set(log["cell"].astype(str)) if "cell" in log.columns else set()
