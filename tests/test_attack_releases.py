"""The attacker against every way runs are published (issue 14's acceptance): on the
sample at min_cell 10, 30 and 100, a linear programme over everything the run folders
publish (tables, shares, figures read back from their SVG, nyckeltal, marks and flags,
the list of hidden cells; `tests/attack_lp.py`, written independently of romlab's
declarations) narrows no count below min_cell to an interval narrower than min_cell:

- a single run of 2023-10;
- a batch of 2023-04 and 2023-10 (one pattern);
- two single runs, 2023-04 and then 2023-10, into one output folder (the second keeps
  to what the first published, `romlab.publication.releases`);
- two runs of 2023-10 at two thresholds into one output folder (the first handed on
  before the second replaced it): every count below the lower threshold keeps its
  interval.

The interval is the linear programme's (A76: its width at least min_cell); the
attacker's integer rounding is reported beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import attack_lp
from attack_lp import lp_attack

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NEXT = {10: 30, 30: 100, 100: 150}


@pytest.fixture(scope="module")
def truth():
    return {p: attack_lp.truth_counts(p, SAMPLE) for p in ("2023-04", "2023-10")}


def _runs(base: Path, min_cell: int) -> dict[str, dict[str, Path]]:
    """The four ways of publishing at `min_cell`: {scenario: {release name: folder}}."""
    from romlab.run.runner import run_batch, run_period

    quick = {"notebooks": [], "html": False}
    sets = {"min_cell": min_cell}
    single = base / "single"
    run_period("2023-10", SAMPLE, single, sets, **quick)
    handed_on = base / "handed_on" / "2023-10"
    shutil.copytree(single / "2023-10", handed_on)
    run_period("2023-10", SAMPLE, single, {"min_cell": NEXT[min_cell]}, **quick)  # replaces it, same folder
    batch = base / "batch"
    done, failed = run_batch(["2023-04", "2023-10"], SAMPLE, batch, sets, **quick)
    assert not failed
    seq = base / "sequential"
    for p in ("2023-04", "2023-10"):
        run_period(p, SAMPLE, seq, sets, **quick)
    return {"single": {"2023-10": handed_on},
            "batch": {"2023-04": batch / "2023-04", "2023-10": batch / "2023-10"},
            "two single runs": {"2023-04": seq / "2023-04", "2023-10": seq / "2023-10"},
            "two thresholds": {"2023-10": handed_on, f"2023-10@{NEXT[min_cell]}": single / "2023-10"}}


@pytest.fixture(scope="module", params=[10, 30, 100])
def attacked(request, tmp_path_factory, truth):
    min_cell = request.param
    scenarios = _runs(tmp_path_factory.mktemp(f"m{min_cell}"), min_cell)
    out = {}
    for name, releases in scenarios.items():
        res = lp_attack(releases, include_direct=True)
        keys = zip(res["release"].str.split("@").str[0], res["cell"], res["quantity"])
        res["truth"] = [truth[p][0].get((c, q)) for p, c, q in keys]
        res["empty"] = [(c, q) in truth[p][1] for p, c, q in
                        zip(res["release"].str.split("@").str[0], res["cell"], res["quantity"])]
        out[name] = res
    return min_cell, out


@pytest.mark.parametrize("scenario", ["single", "batch", "two single runs", "two thresholds"])
def test_no_count_below_min_cell_is_narrowed_below_its_interval(attacked, scenario):
    min_cell, results = attacked
    res = results[scenario]
    known = res[res["truth"].notna()]
    assert ((known["truth"] >= known["low"] - 1e-6) & (known["truth"] <= known["high"] + 1e-6)).all()  # never wrong
    sens = attack_lp.sensitive(res, min_cell)
    assert len(sens) > 50  # the sample has many small counts at every threshold
    narrow = sens[(sens["high"] - sens["low"]) < min_cell - 1e-6]
    assert narrow.empty, (f"{scenario} at {min_cell}: {len(narrow)} of {len(sens)} counts narrowed, e.g.\n"
                          + narrow[["release", "cell", "quantity", "low", "high", "truth"]].head(10).to_string())
    # no small count can be read straight off a published number
    assert not sens["direct"].any()


def test_runs_at_two_thresholds_in_one_folder_warn(tmp_path):
    from romlab.run.runner import run_period

    quick = {"notebooks": [], "html": False}
    run_period("2023-10", SAMPLE, tmp_path, {"min_cell": 10}, **quick)
    again = run_period("2023-10", SAMPLE, tmp_path, {"min_cell": 30}, **quick)
    assert any("min_cell=10" in w and "do not hand on both" in w for w in again.warnings)
    rerun = run_period("2023-10", SAMPLE, tmp_path, {"min_cell": 30}, **quick)
    assert rerun.warnings == []  # the same run again replaces it: no earlier release
    m = pd.read_json(tmp_path / "2023-10" / "manifest.json", typ="series")
    assert m["earlier_releases"]["runs"] == []
