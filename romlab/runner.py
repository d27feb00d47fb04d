"""Execute the report's notebooks with papermill: per period, or in place on the sample.

Each section notebook has a cell tagged `parameters` with `period`, `data_dir` and
`overrides` (RunConfig keys → values). `run_period` executes every section notebook for
one period into a temporary folder and moves it to `<out>/<period>` only when all
succeeded; a failed run is kept as `<out>/<period>.failed` and the error names the
notebook. `refresh_stored` re-executes the committed notebooks in place on the sample,
which is what nbval compares against.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from romlab import paths
from romlab.config import RunConfig


def section_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The section notebooks in report order (file names start with a two-digit number)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


class RunFailed(RuntimeError):
    """A notebook failed during a run; the message names it and the cell."""


@dataclass
class RunResult:
    period: str
    folder: Path
    notebooks: list[Path]


def _execute(src: Path, dst: Path, parameters: dict, cwd: Path) -> None:
    import papermill as pm

    pm.execute_notebook(str(src), str(dst), parameters=parameters, cwd=str(cwd),
                        kernel_name="python3", progress_bar=False, log_output=False)


def run_period(period: str, data: str | Path, out: str | Path = paths.RUNS,
               overrides: dict | None = None) -> RunResult:
    """Run every section notebook for `period` on the dataset at `data`.

    The parameters injected into each notebook are `period`, `data_dir` (absolute) and
    `overrides`; `RunConfig.for_period(period, **overrides)` is checked first so that a
    bad parameter fails before any notebook runs.
    """
    overrides = dict(overrides or {})
    cfg = RunConfig.for_period(period, **overrides)
    period = cfg.period
    out = Path(out)
    final = out / period
    tmp = out / f".{period}.running"
    failed = out / f"{period}.failed"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    params = {"period": period, "data_dir": str(Path(data).resolve()), "overrides": overrides}
    done = []
    for nb in section_notebooks():
        dst = tmp / nb.name
        try:
            _execute(nb, dst, params, cwd=nb.parent)
        except Exception as e:  # papermill raises PapermillExecutionError with the cell
            shutil.rmtree(failed, ignore_errors=True)
            tmp.rename(failed)
            cell = getattr(e, "exec_count", None)
            ename = getattr(e, "ename", type(e).__name__)
            evalue = getattr(e, "evalue", str(e))
            raise RunFailed(f"{nb.name} failed in cell {cell}: {ename}: {evalue} "
                            f"(partial output kept in {failed})") from None
        done.append(dst)
    shutil.rmtree(final, ignore_errors=True)
    shutil.rmtree(failed, ignore_errors=True)
    tmp.rename(final)
    return RunResult(period, final, [final / p.name for p in done])


def refresh_stored(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Re-execute the stored notebooks in place with their default parameters (sample data)."""
    done = []
    for nb in section_notebooks(folder):
        tmp = nb.with_suffix(".tmp.ipynb")
        _execute(nb, tmp, {}, cwd=nb.parent)
        _strip_papermill_metadata(tmp)
        tmp.replace(nb)
        done.append(nb)
    return done


def _strip_papermill_metadata(path: Path) -> None:
    """Drop papermill's run-dependent metadata (timings) so stored notebooks are stable."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
