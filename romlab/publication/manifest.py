"""The manifest of a run (`manifest.json`): what was run, on what, by which code, when."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import pandas as pd

from romlab.run.config import RunConfig

def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


PACKAGES = ("romlab", "pandas", "numpy", "scipy", "pyarrow", "duckdb", "pandera", "matplotlib", "seaborn",
            "papermill", "nbconvert", "nbformat", "xlsxwriter", "openpyxl")


def _versions() -> dict[str, str | None]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


#: The manifest's time fields: a key with one of these names, at any depth (``started``,
#: ``ended``, ``seconds`` and each notebook's ``seconds``), holds a time; every other
#: field is the same when the same run is made again.
MANIFEST_TIME_FIELDS = ("started", "ended", "seconds")


def _records(df) -> list[dict] | None:
    return None if df is None else df.to_dict("records")


def input_files(ds) -> dict[str, dict]:
    """The input files of a loaded dataset (``ds.files``), each with its path (relative
    to the repository when inside it), sha256 and size; URLs are left out."""
    from romlab.run import provenance

    hashes: dict[str, str] = {}  # one DuckDB file holds every table: hash it once

    def fingerprint(p) -> dict:
        key = str(Path(p).resolve())
        if key not in hashes:
            hashes[key] = file_sha256(p)
        return {"path": provenance.label(p), "sha256": hashes[key], "bytes": Path(p).stat().st_size}

    return {name: fingerprint(p) for name, p in sorted(getattr(ds, "files", {}).items())
            if not provenance.is_url(p) and Path(p).is_file()}


def manifest(cfg: RunConfig, ds, *, data: str | Path, overrides: Mapping | None = None,
             started: pd.Timestamp | str | None = None, ended: pd.Timestamp | str | None = None,
             notebooks: Mapping[str, Mapping] | None = None, outputs: list[str] | None = None,
             status: str = "ok", mapping: str | Path | None = None, git: Mapping | str | None = None) -> dict:
    """What a run was: romlab's version and the code's commit (`provenance.git_info`, or
    `git` given), its parameters (the full run configuration and the overrides given),
    the data (a path relative to the repository if inside it, a URL without its
    password), the input files with their sha256, the synthetic generator's seed, scale
    and version when the data came from it (``synth.json`` beside them), the mapping
    file and its sha256 with how the mapping filled each column (``mapping_summary``) and
    what the loader tolerated (``load_notes``), package versions, start and end time
    (UTC), the status of each notebook and the files written. Only the fields named in
    `MANIFEST_TIME_FIELDS` change when the same run is made again."""
    from romlab.run import provenance

    files = input_files(ds)
    return {
        "romlab": _versions()["romlab"],
        "git": dict(git) if isinstance(git, Mapping) else (git or provenance.git_info()),
        "status": status,
        "period": cfg.period,
        "data": provenance.label(data),
        "data_as_of": str(ds.as_of.date()) if getattr(ds, "as_of", None) is not None else None,
        "synthetic": provenance.synth_info(data, files),
        "mapping": provenance.mapping_info(mapping),
        "mapping_summary": _records(getattr(ds, "mapping_summary", None)),
        "load_notes": _records(getattr(ds, "load_notes", None)),
        "parameters": cfg.to_dict(),
        "overrides": dict(overrides or {}),
        "input_files": files,
        "versions": _versions(),
        "started": str(started) if started is not None else None,
        "ended": str(ended) if ended is not None else None,
        "notebooks": dict(notebooks or {}),
        "outputs": list(outputs or []),
        "earlier_releases": getattr(ds, "releases", None),
    }
