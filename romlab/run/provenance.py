"""Where a run's inputs came from, recorded so that a rerun can be told apart or matched.

- `data_arg(data)`: what the runner passes to `romlab.load`: a SQLAlchemy URL
  (``sqlite:///x.db``, ``postgresql://user:pw@host/db``) unchanged, a path made absolute;
- `label(data)`: how a path or URL is written into a run's outputs: a path inside the
  repository relative to its root, any other path absolute, a URL with its password
  replaced by ``***`` (`hide_password`);
- `git_info()`: the commit of the checkout romlab runs from, or "not a git checkout";
- `generator_version()`, `write_synth_info(...)`, `synth_info(data)`: the synthetic
  generator writes ``synth.json`` beside the data it writes (seed, scale, generator
  version and each file's sha256), and a run reads it back;
- `mapping_info(mapping)`: the mapping file as given (relative if inside the
  repository) and its sha256.

Nothing here reads the data themselves (only file hashes) or `data/published`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from romlab import paths

__all__ = ["is_url", "hide_password", "data_arg", "label", "relative_to", "git_info", "generator_version",
           "write_synth_info", "synth_info", "mapping_info", "file_sha256", "SYNTH_INFO"]

#: The file the generator writes beside the data.
SYNTH_INFO = "synth.json"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(data) -> bool:
    """True for a URL such as ``sqlite:///x.db`` or ``mssql+pyodbc://…`` (a scheme and ``://``)."""
    return isinstance(data, str) and bool(_URL.match(data))


def hide_password(url: str) -> str:
    """`url` with the password of its user (if any) replaced by ``***``, as SQLAlchemy's
    ``render_as_string(hide_password=True)`` writes it; everything else unchanged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))


def data_arg(data: str | os.PathLike) -> str | Path:
    """The data argument as `romlab.load` gets it from a run: a URL unchanged (a string),
    a path absolute (papermill changes the working directory per notebook)."""
    return data if is_url(data) else Path(data).resolve()


def label(data: str | os.PathLike | None) -> str | None:
    """How a path or URL is written into a run's outputs: a URL without its password, a
    path inside the repository relative to its root (``data/sample``), any other path
    absolute. The same input gives the same text wherever the run is written."""
    if data is None:
        return None
    if is_url(data):
        return hide_password(str(data))
    p = Path(data).resolve()
    try:
        return p.relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(p)


def relative_to(folder: str | os.PathLike, target: str | os.PathLike | None) -> str:
    """`target` relative to `folder` (for a parameter injected into a notebook executed in
    `folder`), a URL without its password, "" for None."""
    if target is None or target == "":
        return ""
    if is_url(target):
        return hide_password(str(target))
    return Path(os.path.relpath(Path(target).resolve(), Path(folder).resolve())).as_posix()


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_info(root: str | os.PathLike | None = None) -> dict | str:
    """``{"commit": sha, "dirty": bool}`` for the git checkout that holds romlab's source
    (`paths.ROOT`; ``dirty``: tracked files differ from the commit), or the string
    "not a git checkout" (romlab installed from a wheel, no git, or another repository's
    folder)."""
    root = Path(root or paths.ROOT).resolve()
    if not (root / ".git").exists():
        return "not a git checkout"
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                                  timeout=30).stdout.strip()

        if Path(git("rev-parse", "--show-toplevel")).resolve() != root:
            return "not a git checkout"
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return {"commit": commit, "dirty": dirty}


def generator_version() -> str:
    """A version of the synthetic generator: the sha256 (first 16 hex digits) of the
    source of the package `romlab.dataset.synth` (every module, in name order) and of
    `romlab.dataset.synth_params` (line endings normalised), so that any change to the
    generator or its calibration gives another version."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parents[1] / "dataset"
    files = sorted(p.relative_to(here).as_posix() for p in (here / "synth").glob("*.py")) + ["synth_params.py"]
    for name in files:
        h.update(name.encode() + b"\0" + (here / name).read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()[:16]


def write_synth_info(out: str | os.PathLike, files: dict[str, os.PathLike], *, seed: int, scale: float,
                     fmt: str, layout: str = "contract") -> Path:
    """Write ``synth.json`` beside the generated files: generator, romlab and generator
    version, seed, scale, format, layout and each file's sha256 (so a run can tell
    whether the files are still the generator's)."""
    from romlab import __version__

    info = {"generator": "romlab.dataset.synth", "romlab": __version__, "generator_version": generator_version(),
            "seed": int(seed), "scale": float(scale), "format": fmt, "layout": layout,
            "files": {Path(p).name: file_sha256(p) for _, p in sorted(files.items())}}
    dst = Path(out) / SYNTH_INFO
    dst.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dst


def synthetic_origin(data) -> dict | bool | None:
    """Whether a run's data come from romlab's generator, and what it recorded: the
    ``synth.json`` beside them (`synth_info` of the folder, or of a file's folder such as
    a DuckDB database's), True for the committed sample (`paths.SAMPLE`, written by
    ``romlab synth --scale 0.02`` and committed without its ``synth.json``), None for
    anything else (a URL, real data). The one rule behind every synthetic-data banner."""
    if data is None or data == "" or is_url(data):
        return None
    p = Path(data).resolve()
    folder = p.parent if p.is_file() else p
    return synth_info(folder) or (True if folder == paths.SAMPLE.resolve() else None)


def is_synthetic(data) -> bool:
    """True when the data come from romlab's generator (`synthetic_origin`)."""
    return bool(synthetic_origin(data))


def synth_info(data, input_files: dict[str, dict] | None = None) -> dict | None:
    """What the generator recorded beside `data` (a folder with ``synth.json``; None
    otherwise): seed, scale, generator version, romlab version, layout, and
    ``files_unchanged``: whether every input file of the run that the generator wrote
    still has the sha256 it wrote (``input_files``: the manifest's, name → {path, sha256}),
    None when none of them can be checked."""
    if data is None or is_url(data):
        return None
    f = Path(data) / SYNTH_INFO
    if not f.is_file():
        return None
    try:
        info = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"error": f"{SYNTH_INFO} cannot be read"}
    out = {k: info.get(k) for k in ("generator", "generator_version", "romlab", "seed", "scale", "layout")}
    written = info.get("files") or {}
    checked = [(Path(v["path"]).name, v["sha256"]) for v in (input_files or {}).values()
               if Path(v["path"]).name in written]
    out["files_unchanged"] = all(written[name] == sha for name, sha in checked) if checked else None
    return out


def mapping_info(mapping: str | os.PathLike | None) -> dict | None:
    """The mapping file of a run: ``path`` (relative to the repository root if inside it,
    otherwise absolute) and ``sha256``; None without a mapping."""
    if mapping is None or mapping == "":
        return None
    p = Path(mapping)
    return {"path": label(p), "sha256": file_sha256(p) if p.is_file() else None}
