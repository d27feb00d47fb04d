"""Running the reviews of a year: one executed notebook and two follow-up files per review.

`run_reviews` loads the data once for the whole batch and keeps one `FollowUps` over
them, so each publication month is prepared once however many reviews share it. For
each review it saves the review's two follow-ups beside the notebook (`BUNDLE`), runs
the notebook with papermill (`romlab.run.execute`), which reads them instead of the
data (`open_follow_ups`), removes the file and exports both follow-up files (with their
uncertainty columns, `export.with_uncertainty`) and both funnel plots
(`trattdiagram_<month>.png`/`.svg`) from the same follow-ups. A notebook opened on its
own (no bundle) loads the data itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from romlab import paths
from romlab.review.config import DEFAULT_REVIEWS, ReviewConfig
from romlab.review import funnel
from romlab.review.conditions import review
from romlab.review.export import export_follow_up, with_uncertainty
from romlab.review.measure import FollowUps, review_months
from romlab.run import execute, provenance

__all__ = ["NOTEBOOK", "BUNDLE", "ReviewRun", "run_reviews", "open_follow_ups", "refresh_stored_notebook"]

NOTEBOOK = paths.NOTEBOOKS / "review_kvalitetsvillkor.ipynb"
#: File name of a review's saved follow-ups in its folder while its notebook runs.
BUNDLE = ".oversyn.pkl"


@dataclass
class ReviewRun:
    """One review of a batch: its months, the executed notebook and exported files, or
    why it was skipped."""

    first: str
    second: str
    notebook: Path | None = None
    exports: list[Path] = field(default_factory=list)
    skipped: str = ""


def run_reviews(data: str | Path, out: str | Path, reviews: Iterable = DEFAULT_REVIEWS,
                overrides: Mapping | None = None, notebook: Path = NOTEBOOK, mapping: str | Path | None = None,
                *, cfg: ReviewConfig | None = None) -> list[ReviewRun]:
    """Execute the review notebook once per review (papermill) and export both follow-up
    files (Excel and CSV) beside it: ``<out>/oversyn_<first>_<second>/``.

    `data` is a folder, a DuckDB file or a SQLAlchemy URL (passed to `romlab.load` as
    given), read through the `mapping` file if one is given. `cfg` (built from
    `overrides` when not given) is the one configuration of the batch; the notebook gets
    it as ``overrides`` (`ReviewConfig.to_overrides`). A review runs only if the data
    reach both its follow-ups (`within_reach`: the cut-offs on or before the end of the
    data, the ratings of both months published); otherwise it is returned with
    ``skipped`` saying why. The data are loaded once and each month prepared once for
    the whole batch (`FollowUps`); the notebooks read the saved follow-ups. The notebook
    is executed in its review folder, with `data_dir` and `mapping` relative to it (a
    URL without its password).
    """
    from romlab.dataset import load as loader

    cfg = cfg or ReviewConfig.from_overrides(overrides)
    reviews = [review_months(first, second) for first, second in reviews]  # a bad month fails before loading
    data = provenance.data_arg(data)
    mapping = Path(mapping).resolve() if mapping else None
    out = Path(out).resolve()
    src = FollowUps(loader.load(data, mapping=mapping), cfg)
    done = []
    for m1, m2 in reviews:
        run = ReviewRun(m1, m2)
        reach = [src.within_reach(m) for m in (m1, m2)]
        if not all(ok for ok, _ in reach):
            run.skipped = "; ".join(why for ok, why in reach if not ok)
        else:
            folder = out / f"oversyn_{m1}_{m2}"
            run.notebook = _run_notebook(src, m1, m2, folder, notebook, data, mapping)
            rv = review(src, m1, m2, cfg)
            for m in (m1, m2):
                files = export_follow_up(with_uncertainty(src, m, cfg), folder / f"resultatuppfoljning_{m}", cfg)
                run.exports += [files["xlsx"], files["csv"]]
                # the follow-up's funnel plot, the review's list marked (`funnel.plot_funnel`)
                run.exports += funnel.save(funnel.plot_funnel(src.follow_up(m, cfg), rv, cfg), f"trattdiagram_{m}",
                                           folder)
        done.append(run)
    return done


def _run_notebook(src: FollowUps, m1: str, m2: str, folder: Path, notebook: Path, data, mapping) -> Path:
    """Save the review's follow-ups in `folder`, execute the notebook there on them and
    remove the saved file again (also when the notebook fails)."""
    folder.mkdir(parents=True, exist_ok=True)
    from romlab.review import risk_adjust

    for m in (m1, m2):
        src.follow_up(m)  # prepared and aggregated here, so the notebook and the export share them
        risk_adjust.participant_frame(src, m)  # the characteristics the expected results need, saved with them
    bundle = src.keep((m1, m2)).save(folder / BUNDLE)
    dst = folder / Path(notebook).name
    params = {"publication_month": m2, "second_month": m1, "data_dir": provenance.relative_to(folder, data),
              "overrides": src.cfg.to_overrides(), "mapping": provenance.relative_to(folder, mapping),
              "bundle": bundle.name}
    try:
        execute.execute_notebook(Path(notebook), dst, params, cwd=folder)
        execute.clean_executed(dst)
    finally:
        bundle.unlink(missing_ok=True)
    return dst


def open_follow_ups(data_dir: str | Path = "", cfg: ReviewConfig | None = None, mapping: str | Path = "",
                    bundle: str | Path = "") -> FollowUps:
    """The follow-ups a review notebook works on: read from `bundle` when `run_reviews`
    saved one (no data are read), otherwise over the data loaded from `data_dir`
    (default: the committed sample) through the `mapping` file if one is given (relative
    paths: from the working directory, which for a batch's notebook is its review folder).

    An executed notebook of a finished batch still names its bundle, which the batch
    removed: re-executed, it loads `data_dir` (with a warning). A bundle saved with
    other choices than `cfg` is refused (`ValueError`). The loader (and the data
    contract's checks) is imported only when the data are read."""
    cfg = cfg or ReviewConfig()
    if bundle and not Path(bundle).is_file():
        warnings.warn(f"{bundle} is gone (a review batch removes it when its notebook has run); "
                      f"loading {data_dir or paths.SAMPLE}", stacklevel=2)
        bundle = ""
    if bundle:
        src = FollowUps.load(bundle)
        if src.cfg != cfg:
            raise ValueError(f"{bundle}: saved with {src.cfg.to_overrides() or 'the defaults'}, "
                             f"not {cfg.to_overrides() or 'the defaults'}")
        return src
    from romlab.dataset import load as loader

    return FollowUps(loader.load(data_dir or paths.SAMPLE, mapping=mapping or None), cfg)


def refresh_stored_notebook(notebook: Path = NOTEBOOK) -> Path:
    """Re-execute the stored review notebook in place with its default parameters (the
    committed sample), as `romlab.run.execute.refresh_stored` does for every notebook."""
    return execute.execute_in_place(notebook)
