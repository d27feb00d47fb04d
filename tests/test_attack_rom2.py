"""The independent attacker (`tests/attack_lp.py`) against what RoM 2 periods publish
(issue 16): 2025-04 (RoM 1's results, RoM 2's support and results) and 2025-10 (RoM 2's
support and results), run on the committed sample (scale 0.02) one after the other into
one output folder, as a user runs them, with min_cell 10.

The attacker reads only the run folders (tabeller.csv at full precision, nyckeltal.json's
"rom2" key, figurer.csv, the workbook's marks of Tabell 16 (RoM 2), manifest.json) and
knows RoM 2's structure from what the tables mean, not from romlab's protection or the
register's declarations. The truth is the unprotected tables (`romlab.run.period.compute`
at min_cell 1, `attack_lp.truth_counts`). Checked:

1. the attacker's structure holds on the true counts (it assumes nothing the data break);
2. it is never wrong (every true count lies in its interval), on each period alone and on
   both together (Figur 1 (RoM 2)'s shared start months linked across the periods);
3. every RoM 2 count that is sensitive (below min_cell, or its complement: persons
   without the result, 3-month results that do not continue, …) is hidden and cannot be
   narrowed to an interval narrower than min_cell (the protection interval, A76);
4. the check can fail: one hidden Tabell 16 (RoM 2) cell written back into tabeller.csv
   is caught;
5. Figur 1 (RoM 2)'s SVG draws exactly the points figurer.csv shows, and the attack from
   the SVG alone (two panels read back, `svg_readback.read_panels`) is no stronger.

``pytest -s`` prints what was attacked: how many RoM 2 counts are sensitive and hidden,
and the narrowest interval among them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import attack_lp
import numpy as np
import pandas as pd
import pytest
import svg_readback
from attack_lp import lp_attack

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PERIODS = ("2025-04", "2025-10")
MIN_CELL = 10
#: RoM 2's cells in the attacker's names: results (followed population, Tabell 16's
#: groups, job-chance bands, Figur 1's months) and support (sample, RoM 1 / RoM 2 months).
ROM2_KINDS = ("R2Q", "R2G", "R2J", "R2F", "S2", "S2J")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """2025-04, then 2025-10, into one output folder (no notebooks: the attacker reads the
    files every run writes)."""
    from romlab.run.runner import run_period

    out = tmp_path_factory.mktemp("rom2_runs")
    for p in PERIODS:
        run_period(p, SAMPLE, out, notebooks=[], html=False)
    return {p: out / p for p in PERIODS}


@pytest.fixture(scope="module")
def truth() -> dict[str, tuple[dict, set]]:
    return {p: attack_lp.truth_counts(p, SAMPLE) for p in PERIODS}


def _with_truth(res: pd.DataFrame, truth) -> pd.DataFrame:
    res["truth"] = [truth[r][0].get((c, q)) for r, c, q in zip(res["release"], res["cell"], res["quantity"])]
    res["empty"] = [(c, q) in truth[r][1] for r, c, q in zip(res["release"], res["cell"], res["quantity"])]
    return res


@pytest.fixture(scope="module")
def attacked(runs, truth) -> dict[str, pd.DataFrame]:
    """The attack on 2025-10 alone and on both periods together (which is at least as
    strong as 2025-04 alone: linking only adds relations)."""
    out = {"2025-10": lp_attack({"2025-10": runs["2025-10"]}, include_direct=True),
           "both": lp_attack(runs, include_direct=True)}
    return {k: _with_truth(v, truth) for k, v in out.items()}


def exposed(res: pd.DataFrame, min_cell: int = MIN_CELL) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(RoM 2's sensitive counts, those of them read directly or narrowed to an interval
    narrower than ``min_cell``)."""
    sens = attack_lp.sensitive(res, min_cell)
    sens = sens[sens["cell"].str.split("|").str[0].isin(ROM2_KINDS)]
    bad = sens[sens["direct"] | ((sens["high"] - sens["low"]) < min_cell - 1e-6)]
    return sens, bad


# ============================================================================ the attacker is right

@pytest.mark.parametrize("period", PERIODS)
def test_the_attackers_structure_holds_on_unprotected_numbers(runs, truth, period):
    model, *_ = attack_lp.build_model({period: runs[period]})
    values = {(period, c, q): v for (c, q), v in truth[period][0].items()}
    bad = attack_lp.violations(model, values)
    assert bad.empty, bad.head(10).to_string()
    assert bad.attrs["checked"] >= 0.97 * bad.attrs["rows"], bad.attrs
    rom2_rows = [why for _c, _b, why in model.eq + model.le if "RoM 2" in why or "R2" in why or "S2" in why]
    assert len(rom2_rows) > 100  # RoM 2's relations are part of the model


@pytest.mark.parametrize("scenario", ["2025-10", "both"])
def test_the_attacker_is_never_wrong(attacked, scenario):
    res = attacked[scenario]
    known = res[res["truth"].notna()]
    wrong = known[(known["truth"] < known["low"] - 1e-6) | (known["truth"] > known["high"] + 1e-6)]
    assert wrong.empty, wrong.head(10).to_string()
    assert set(res["cell"].str.split("|").str[0]) >= {"R2Q", "R2G", "R2J", "R2F", "S2"}


# ============================================================================ the protection holds

@pytest.mark.parametrize("scenario", ["2025-10", "both"])
def test_no_sensitive_rom2_count_is_narrowed_below_min_cell(attacked, scenario):
    res = attacked[scenario]
    sens, bad = exposed(res)
    width = sens["high"] - sens["low"]
    narrowest = sens.loc[width.idxmin()] if len(sens) else None
    print(f"\n{scenario}: {len(sens)} sensitive RoM 2 counts, all hidden; narrowest interval "
          f"{narrowest['high'] - narrowest['low']:g} ({narrowest['release']} {narrowest['cell']} "
          f"{narrowest['quantity']}: [{narrowest['low']:g}, {narrowest['high']:g}], truth {narrowest['truth']:g}); "
          f"{res.attrs['lps']} LPs, {res.attrs['seconds']:.1f} s")
    assert len(sens) > 20  # the sample has small RoM 2 counts in both periods
    assert bad.empty, (f"{len(bad)} of {len(sens)} sensitive RoM 2 counts narrowed below {MIN_CELL}:\n"
                       + bad[["release", "cell", "quantity", "low", "high", "truth", "direct"]].head(10).to_string())


def test_a_cell_written_back_is_caught(runs, truth, tmp_path):
    """A release that publishes one hidden Tabell 16 (RoM 2) cell (its n and shares written
    back into tabeller.csv) fails the check: the check can fail."""
    broken = tmp_path / "2025-10"
    shutil.copytree(runs["2025-10"], broken)
    t = pd.read_csv(broken / "tabeller.csv", dtype=str, keep_default_na=False)
    hidden = t[(t["table"] == "rom2_16") & (t["suppressed"] == "True")]
    tr = truth["2025-10"][0]

    def small(cell: str) -> bool:
        return any(tr.get((cell, q), MIN_CELL) < MIN_CELL for q in ("n", "r3m", "r6m", "n-r3m", "n-r6m"))

    cells = sorted({f"R2G|{lv}|{g}" for lv, g in zip(hidden["level"], hidden["group"])})
    victim = next(c for c in cells if small(c))
    _, lv, group = victim.split("|")
    rows = (t["table"] == "rom2_16") & (t["level"] == lv) & (t["group"] == group)
    n = tr[(victim, "n")]
    for i in t.index[rows]:
        x = tr[(victim, "r3m" if t.at[i, "measure"] == "result_3m_share" else "r6m")]
        t.loc[i, ["value", "n", "suppressed"]] = [repr(100 * x / n), str(n), "False"]
    t.to_csv(broken / "tabeller.csv", index=False)
    res = _with_truth(lp_attack({"2025-10": broken}, include_direct=True), truth)
    _sens, bad = exposed(res)
    assert victim in set(bad["cell"]), bad.head().to_string()


# ============================================================================ the figure

@pytest.mark.parametrize("period", PERIODS)
def test_the_svg_draws_what_figurer_csv_shows(runs, period):
    """Figur 1 (RoM 2) read back from its SVG (two panels: 3 and 6 months) against
    figurer.csv: the same points, exact counts at every level point, the total's share."""
    csv = pd.read_csv(runs[period] / "figurer.csv", dtype={"start_month": str, "level": str})
    csv = csv[(csv["figure"] == "rom2_figur_1") & ~csv["suppressed"].astype(bool)]
    drawn = svg_readback.read_panels(runs[period] / "rom2_figur_1.svg")
    drawn = drawn.assign(measure=drawn["panel"].map(dict(enumerate(attack_lp.ROM2_FIGURE_COUNTS))),
                         start_month=drawn["start_month"].dt.strftime("%Y-%m"),
                         level=drawn["level"].replace({"Totalt": "ABC"}))
    m = drawn.merge(csv, on=["measure", "start_month", "level"], how="outer", indicator=True, validate="1:1")
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["measure", "start_month", "level"]]
    levels = m[m["level"] != "ABC"]
    assert (levels["matches"] == 1).all()
    assert (levels["n_x"] == levels["n_y"]).all()
    assert (levels["num"] == np.rint(levels["value"] * levels["n_y"] / 100)).all()
    total = m[m["level"] == "ABC"]
    assert np.allclose(total["share"], total["value"] / 100, atol=float(total["tol"].max()))


def test_the_attack_from_the_svg_alone_is_no_stronger(runs, truth, tmp_path):
    folder = tmp_path / "2025-10"
    shutil.copytree(runs["2025-10"], folder)
    (folder / "figurer.csv").unlink()
    rel = attack_lp.read_release(folder, "2025-10")
    assert rel.rom2_figure is not None and rel.rom2_figure["matches"].eq(1).any()
    res = _with_truth(lp_attack([rel], include_direct=True), truth)
    known = res[res["truth"].notna()]
    assert ((known["truth"] >= known["low"] - 1e-6) & (known["truth"] <= known["high"] + 1e-6)).all()
    sens, bad = exposed(res)
    assert len(sens) > 20 and bad.empty
