"""Results (report §5, romlab/report/results.py) on small hand-made data: the follow-up rule,
the populations and windows, what counts as a result at the cut-off, significance
marking, Tabell 17 flagging, Tabell 23's register matching, suppression and layout.
Comparisons with the published tables are in test_results_published.py."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab import months as month_rules
from romlab.publication import disclosure, protection
from romlab.report import outcomes, registry, results, results_render
from romlab.dataset.check_table import empty_table as _empty_table
from romlab.dataset.load import Dataset
from romlab.dataset.contract import TABLES

import handmade

D = pd.Timestamp
CFG = romlab.RunConfig.for_period("2023-10")  # cut-off 2023-08-11, population 2020-05..2022-01


# --------------------------------------------------------------------------- builders

_participations = handmade.participations
_results = handmade.result_reports


def _events(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["person_id", "event_type", "event_date"])
    df.insert(0, "event_id", np.arange(1, len(df) + 1))
    df["event_date"] = pd.to_datetime(df["event_date"])
    df["recorded_date"] = df["event_date"]
    return TABLES["register_events"].schema.validate(df)


def _dataset(parts, res=(), events=(), as_of=CFG.data_cutoff) -> Dataset:
    tables = {name: _empty_table(name) for name in TABLES}
    tables["participations"] = _participations(parts)
    if len(res):
        tables["result_reports"] = _results(list(res))
    if len(events):
        tables["register_events"] = _events(list(events))
    return Dataset(**tables, as_of=as_of)


# --------------------------------------------------------------------------- follow-up

def test_followup_months_counts_complete_months():
    got = month_rules.whole_months(pd.to_datetime(["2022-01-11", "2022-01-12", "2022-01-15", "2023-08-11",
                                                  "2023-08-12"]), "2023-08-11")
    assert got.tolist() == [19, 18, 18, 0, -1]


def test_18_month_rule_by_start_month():
    """Cut-off 2023-08-11: starts through 31 Jan 2022 have 18 months (L2171), from
    1 Feb 2022 not; the last day of a month counts as complete."""
    starts = pd.to_datetime(["2020-05-01", "2022-01-01", "2022-01-31", "2022-02-01", "2022-09-07"])
    assert month_rules.has_full_followup(starts, "2023-08-11", 18).tolist() == [True, True, True, False, False]
    # a cut-off on the last day of a month completes that month
    assert month_rules.has_full_followup(pd.to_datetime(["2022-02-15"]), "2023-08-31", 18).tolist() == [True]
    assert month_rules.has_full_followup(pd.to_datetime(["2022-03-01"]), "2023-08-31", 18).tolist() == [False]
    # the same rule as RunConfig's population months
    cfg = romlab.RunConfig.for_period("2023-04")
    assert cfg.population_start_months == ("2020-05", "2021-07")
    assert month_rules.has_full_followup(pd.to_datetime(["2021-07-31", "2021-08-01"]), cfg.data_cutoff, 18).tolist() \
        == [True, False]


def test_populations_and_windows():
    ds = _dataset([
        {"start_date": "2020-04-30"},  # window 1, before May 2020: no population (L780)
        {"start_date": "2020-05-04"},  # window 1
        {"start_date": "2021-07-31"},  # window 2 (A04)
        {"start_date": "2021-08-01"},  # window 3
        {"start_date": "2022-01-31"},  # window 4, last 18-month start month
        {"start_date": "2022-02-01"},  # window 4, outside the 18-month population
        {"start_date": "2022-09-07"},  # window 4's last day
        {"start_date": "2022-09-08"},  # window 5: not analysed in 2023-10
        {"start_date": "2023-04-17", "generation": 2},  # RoM 2: not a RoM 1 participation
    ])
    out = outcomes.outcomes(ds, CFG)
    assert out["participation_id"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]  # generation 1 only
    assert out["window"].tolist() == [1, 1, 2, 3, 4, 4, 4, 5]
    assert out["in_population"].tolist() == [False, True, True, True, True, False, False, False]
    assert out["in_windows"].tolist() == [False, True, True, True, True, True, True, False]
    assert out["full_followup"].tolist() == [True, True, True, True, True, False, False, False]
    assert out["followup_months"].tolist() == [39, 39, 24, 24, 18, 18, 11, 11]


def test_result_counts_only_if_approved_by_the_cutoff():
    ds = _dataset(
        [{"start_date": "2021-03-01"}] * 5,
        res=[
            (1, "R1", "work", "2021-06-01", "2021-06-10", "2021-06-15"),
            (1, "R2", "work", "2021-06-01", "2021-10-10", "2021-10-20"),        # result: work
            (2, "R2", "studies", "2021-08-01", "2021-12-10", "2021-12-20"),     # result: studies
            (3, "R2", "work", "2021-08-01", "2021-12-10", pd.NaT),              # not approved
            (4, "R1", "work", "2022-01-01", "2022-01-05", "2022-01-06"),        # R1 only
            # two R2: the first (by work start) counts
            (5, "R2", "studies", "2021-09-01", "2022-01-10", "2022-01-20"),
            (5, "R2", "work", "2021-05-01", "2021-09-10", "2021-09-20"),
        ])
    out = outcomes.outcomes(ds, CFG).set_index("participation_id")
    assert out["has_result"].tolist() == [True, True, False, False, True]
    assert out["outcome"].tolist()[:2] == ["work", "studies"]
    assert out.loc[5, "outcome"] == "work" and out.loc[5, "result_date"] == D("2021-05-01")
    assert out["has_work"].tolist() == [True, False, False, False, True]
    assert out["has_studies"].tolist() == [False, True, False, False, False]
    assert out["has_signal"].tolist() == [True, False, False, True, False]


def test_uncut_data_are_cut_at_the_runs_cutoff_and_earlier_data_refused():
    parts = [{"start_date": "2021-03-01"}, {"start_date": "2021-03-01"}]
    res = [(1, "R2", "work", "2022-12-01", "2023-04-01", "2023-08-11"),   # approved on the cut-off day
           (2, "R2", "work", "2022-12-01", "2023-04-01", "2023-08-12")]   # approved the day after
    full = _dataset(parts, res, as_of=None)
    out = outcomes.outcomes(full, CFG)
    assert out["has_result"].tolist() == [True, False]
    with pytest.raises(ValueError, match="before the run's cut-off"):
        outcomes.outcomes(_dataset(parts, res, as_of=D("2023-01-01")), CFG)


def test_signal_within_six_months_uses_the_work_start_not_the_filing_date():
    ds = _dataset(
        [{"start_date": "2022-03-15"}] * 3,
        res=[(1, "R1", "work", "2022-09-14", "2022-11-30", "2022-12-05"),   # began within 6 months, filed late
             (2, "R1", "work", "2022-09-15", "2022-09-16", "2022-09-20"),   # began on the 6-month day: not within
             (3, "R1", "studies", "2022-04-01", "2022-04-02", "2022-04-03")])
    out = outcomes.outcomes(ds, CFG)
    assert out["signal_within"].tolist() == [True, False, True]
    assert out["signal_followup"].all()  # March 2022 + 6 months ≤ 2023-08-11


def test_rom2_rule_runs_through_the_same_code():
    ds = _dataset([{"start_date": "2023-05-02", "generation": 2}, {"start_date": "2023-05-03", "generation": 2}],
                  res=[(1, "R3M", "work", "2023-05-20", "2023-08-25", "2023-08-30")],
                  as_of=None)
    cfg = CFG.with_overrides(data_cutoff="2023-09-30")
    out = outcomes.outcomes(ds, cfg, outcomes.RESULT_RULES["rom2_3m"])
    assert out["has_result"].tolist() == [True, False]
    assert outcomes.outcomes(ds, cfg, outcomes.ROM2_6M)["has_result"].tolist() == [False, False]
    assert outcomes.outcomes(ds, cfg)["participation_id"].tolist() == []  # RoM 1 rule: no RoM 1 starts


# --------------------------------------------------------------------------- significance

def test_proportion_test_against_a_worked_value():
    # 40/100 vs 25/100: pooled p = 0.325, se = sqrt(0.325*0.675*0.02) = 0.066238, z = 2.2645
    p = results.proportion_test([40], [100], [25], [100])
    assert p[0] == pytest.approx(0.02354, abs=1e-4)
    assert np.isnan(results.proportion_test([0], [0], [5], [10])[0])
    assert np.isnan(results.proportion_test([0], [10], [0], [10])[0])  # pooled share 0


def _group_dataset(n_women: int, women_results: int, n_men: int, men_results: int, level="A",
                   start="2021-03-01"):
    parts, res = [], []
    for i in range(n_women + n_men):
        woman = i < n_women
        parts.append({"start_date": start, "level": level, "sex": "woman" if woman else "man",
                      "born_abroad": False, "age_at_start": 30, "days_registered": 100})
        if (woman and i < women_results) or (not woman and i - n_women < men_results):
            res.append((i + 1, "R2", "work", "2021-05-01", "2021-09-10", "2021-09-20"))
    return _dataset(parts, res)


def test_group_table_marks_significant_pairs_and_never_reference_rows():
    ds = _group_dataset(100, 40, 100, 25)  # 40 % vs 25 %: p = 0.0235
    out = outcomes.outcomes(ds, CFG)
    t = results.tabell_16(out, CFG)
    cell = t[(t["window"] == 2) & (t["level"] == "A")].set_index("group")
    assert cell.loc["Kvinnor", "value"] == pytest.approx(40.0)
    assert cell.loc["Män", "value"] == pytest.approx(25.0)
    assert cell.loc["Kvinnor", "significant"] and cell.loc["Män", "significant"]
    assert cell.loc["Kvinnor", "p_value"] == pytest.approx(0.02354, abs=1e-4)
    # at the 1 % level the same difference is not significant
    t1 = results.tabell_16(out, CFG, alpha=0.01)
    assert not t1[(t1["window"] == 2) & (t1["level"] == "A") & (t1["group"] == "Kvinnor")]["significant"].item()
    # reference rows of age and registration time are never marked
    refs = t[t["group"].isin(["Över 55 (ref)", "Inskrivningstid över 4år"])]
    assert not refs["significant"].any() and refs["reference"].isna().all()
    # everyone is 25-55 and registered under a year: their reference groups are empty → no test
    assert not t[t["group"].isin(["25-55", "Inskrivningstid upp till 1 år"])]["significant"].any()


def test_small_cells_are_computed_then_hidden_and_unmarked_by_protection():
    ds = _group_dataset(9, 9, 100, 10)  # 9 women (below min_cell 10), all with a result
    out = outcomes.outcomes(ds, CFG)
    t = results.tabell_16(out, CFG)
    women = t[(t["window"] == 2) & (t["level"] == "A") & (t["group"] == "Kvinnor")].iloc[0]
    assert not women["suppressed"] and women["value"] == 100.0 and women["n"] == 9  # computation shows all
    shown, _ = protection.protect({"15": results.tabell_15(out, CFG), "16": t}, CFG.min_cell)
    s16 = shown["16"]
    cell = s16[(s16["window"] == 2) & (s16["level"] == "A")].set_index("group")
    assert cell.loc["Kvinnor", "suppressed"] and pd.isna(cell.loc["Kvinnor", "value"])
    # the men would give the women away (men + women = all): hidden too, and no mark is left on either
    assert cell.loc["Män", "suppressed"] and not cell.loc[["Kvinnor", "Män"], "significant"].any()
    shown_t = results_render.render_group_table(s16)
    assert shown_t.loc["Kvinnor", ("Fönster 2", "Nivå A")] == disclosure.SUPPRESSED
    assert shown_t.loc["Män", ("Fönster 2", "Nivå A")] == disclosure.SUPPRESSED


def test_level_tests_and_tabell_15_marking():
    parts, res = [], []
    pid = 0
    for level, n, k in (("A", 200, 100), ("B", 200, 60), ("C", 200, 58)):
        for i in range(n):
            pid += 1
            parts.append({"start_date": "2021-03-01", "level": level})
            if i < k:
                res.append((pid, "R2", "work", "2021-05-01", "2021-09-10", "2021-09-20"))
    out = outcomes.outcomes(_dataset(parts, res), CFG)
    tests = results.level_tests(out, CFG).set_index(["level_1", "level_2"])
    assert tests.loc[("A", "B"), "significant"] and tests.loc[("A", "C"), "significant"]
    assert not tests.loc[("B", "C"), "significant"]  # 30 % vs 29 %
    assert tests.loc[("A", "B"), "difference"] == pytest.approx(20.0)
    t15 = results.tabell_15(out, CFG).set_index("level")
    assert t15["significant"].to_dict() == {"A": True, "B": False, "C": False}
    assert results_render.describe_tabell_15(t15.reset_index(), tests.reset_index()).startswith("Inga fönster")


# --------------------------------------------------------------------------- Tabell 17

def _t16(values: dict[tuple[str, str], float | None]) -> pd.DataFrame:
    """A Tabell 16 frame for window 1 of the age comparison: {(group, level): value}."""
    rows = results.group_table.__globals__["comparison_rows"]()
    age = rows[rows["comparison"] == "age"]
    recs = []
    for g in age["label"]:
        for lv in "ABC":
            v = values.get((g, lv))
            recs.append({"table": "16", "measure": "r2_share", "group": g, "window": 1, "level": lv,
                         "value": np.nan if v is None else v, "n": 100, "comparison": "age",
                         "reference": None, "p_value": np.nan, "significant": False, "suppressed": v is None})
    return pd.DataFrame(recs)


def test_tabell_17_flags_b_or_c_cells_at_or_above_another_groups_level_a():
    t = _t16({
        ("Under 25", "A"): 43, ("Under 25", "B"): 39, ("Under 25", "C"): 40,
        ("25-55", "A"): 38, ("25-55", "B"): 34, ("25-55", "C"): 19.6,
        ("Över 55 (ref)", "A"): 20, ("Över 55 (ref)", "B"): 38.4, ("Över 55 (ref)", "C"): None,
    })
    f = results.tabell_17(t).set_index(["group", "level"])
    assert f.loc[("Under 25", "B"), "flagged"] and f.loc[("Under 25", "B"), "beats"] == "25-55; Över 55 (ref)"
    assert f.loc[("Under 25", "C"), "flagged"]
    assert f.loc[("25-55", "B"), "flagged"] and f.loc[("25-55", "B"), "beats"] == "Över 55 (ref)"
    # 19.6 rounds to 20 as printed: "lika hög" as Över 55's 20 in level A (A35)
    assert f.loc[("25-55", "C"), "flagged"] and f.loc[("25-55", "C"), "beats"] == "Över 55 (ref)"
    assert not results.tabell_17(t, decimals=1).set_index(["group", "level"]).loc[("25-55", "C"), "flagged"]
    # 38.4 rounds to 38 = 25-55's level A: flagged; its own level A does not count
    assert f.loc[("Över 55 (ref)", "B"), "beats"] == "25-55"
    # level A cells and suppressed cells are never flagged
    assert not f.xs("A", level="level")["flagged"].any()
    assert not f.loc[("Över 55 (ref)", "C"), "flagged"]
    shown = results_render.render_tabell_17(f.reset_index())
    assert shown.loc["Under 25", ("Fönster 1", "Nivå B")] == "39" + results.FLAG_MARK
    assert shown.loc["Under 25", ("Fönster 1", "Nivå A")] == "43"


def test_tabell_17_compares_within_a_comparison_and_window_only():
    t = _t16({("Under 25", "A"): 50, ("Under 25", "B"): 10, ("25-55", "A"): 45, ("25-55", "B"): 12,
              ("Över 55 (ref)", "A"): 40, ("Över 55 (ref)", "B"): 11})
    other_window = t.assign(window=2, value=t["value"].where(t["level"] != "A", 5.0))
    f = results.tabell_17(pd.concat([t, other_window], ignore_index=True))
    assert not f[f["window"] == 1]["flagged"].any()   # window 2's low level A does not count for window 1
    assert f[(f["window"] == 2) & (f["level"] == "B")]["flagged"].all()


# --------------------------------------------------------------------------- Tabell 23

def test_work_type_matching_and_tabell_23_columns():
    parts = [{"start_date": "2021-03-01", "level": "A"} for _ in range(10)]
    res = [(i, "R2", "work", "2021-06-01", "2021-10-10", "2021-10-20") for i in range(1, 6)]
    res.append((6, "R2", "studies", "2021-06-01", "2021-10-10", "2021-10-20"))
    ev = [
        (1001, "subsidised_employment", "2021-06-03"),
        (1001, "exit_unsubsidised_work", "2021-06-01"),      # subsidised wins
        (1002, "exit_unsubsidised_work", "2021-05-02"),      # 30 days before: within (−31, 92)
        (1003, "exit_unsubsidised_work", "2021-09-05"),      # 96 days after: outside → unmatched
        (1004, "subsidised_employment", "2021-08-31"),       # 91 days after: within
        (1006, "exit_unsubsidised_work", "2021-06-01"),      # a studies result: not a job
        (1007, "exit_unsubsidised_work", "2021-06-01"),      # no result
    ]
    cfg = CFG.with_overrides(min_cell=0)
    out = outcomes.outcomes(_dataset(parts, res, ev), cfg)
    assert out["work_type"].tolist()[:6] == ["subsidised", "unsubsidised", "unmatched", "subsidised",
                                             "unmatched", pd.NA]
    t = results.tabell_23(out, cfg).set_index(["measure", "level", "column"])["value"]
    all_, ident = results.TABELL_23_COLUMNS
    assert t[("unsubsidised_work_share", "A", all_)] == pytest.approx(30.0)   # 3 of 10 participants
    assert t[("unsubsidised_work_share", "A", ident)] == pytest.approx(10.0)  # 1 of 10
    assert t[("subsidised_work_share", "A", all_)] == t[("subsidised_work_share", "A", ident)] == 20.0
    assert t[("unsubsidised_share_of_employment", "ABC", all_)] == pytest.approx(60.0)  # 3 of 5 jobs
    assert t[("unsubsidised_share_of_employment", "ABC", ident)] == pytest.approx(100 / 3)  # 1 of 3
    narrow = outcomes.outcomes(_dataset(parts, res, ev), cfg, register_match_days=(0, 30))
    assert narrow["work_type"].tolist()[:4] == ["subsidised", "unmatched", "unmatched", "unmatched"]


# --------------------------------------------------------------------------- tables and layout

@pytest.fixture(scope="module")
def small_out():
    rng = np.random.default_rng(5)
    n = 600
    starts = pd.to_datetime("2020-05-04") + pd.to_timedelta(rng.integers(0, 850, n), unit="D")
    parts = [{"start_date": s, "level": "ABC"[i % 3], "sex": "woman" if i % 2 else "man",
              "born_abroad": bool(i % 5 == 0), "age_at_start": int(20 + i % 45), "days_registered": int(i * 7 % 2000)}
             for i, s in enumerate(starts)]
    res = [(i + 1, "R2", "work" if i % 4 else "studies", s + pd.Timedelta(days=60), s + pd.Timedelta(days=200),
            s + pd.Timedelta(days=210)) for i, s in enumerate(starts) if i % 3 == 0 and
           s + pd.Timedelta(days=210) <= CFG.data_cutoff]
    return outcomes.outcomes(_dataset(parts, res), CFG)


def _results_tables(out) -> dict:
    """Tabell 14–23 of an outcome frame, as the period computes them (the register)."""
    inputs = registry.Inputs.from_outcomes(out, CFG)
    registry.table_defs()
    return {k: inputs.table(k) for k in ("14", "15", "16", "17", "18", "19", "20", "21", "22", "23")}


def test_tables_have_the_published_keys(small_out):
    t = _results_tables(small_out)
    keys = {"14": ["measure", "level"], "15": ["measure", "window", "level"],
            "16": ["measure", "group", "window", "level"], "19": ["measure", "window", "level"],
            "20": ["measure", "window", "level"], "21": ["measure", "group", "window", "level"],
            "22": ["measure", "group", "window", "level"], "23": ["measure", "level", "column"],
            "18": ["measure", "group"]}
    for table, k in keys.items():
        frame = t[table]
        assert set(frame["table"]) == {table}
        assert {"value", "n", "suppressed"} <= set(frame.columns)
        assert not frame.duplicated(k).any(), table
        assert not frame["suppressed"].any()  # what a run may show is decided by protection, afterwards
    assert t["14"]["measure"].unique().tolist() == ["r2_share", "work_share", "education_share"]
    assert t["14"]["level"].unique().tolist() == ["ABC", "A", "B", "C"]
    assert len(t["16"]) == 18 * 4 * 3 and t["16"]["group"].iloc[0] == "Kvinnor"
    assert set(t["18"]["measure"]) == {"coef", "se", "r_squared", "adj_r_squared", "observations"}
    # work + studies = results
    t14 = t["14"].set_index(["measure", "level"])["value"]
    assert t14[("work_share", "ABC")] + t14[("education_share", "ABC")] == pytest.approx(t14[("r2_share", "ABC")])


def test_render_layouts(small_out):
    t = _results_tables(small_out)
    r14 = results_render.render_tabell_14(t["14"])
    assert r14.index.tolist() == ["Andel R2", "Andel arbete", "Andel utbildning"]
    assert r14.columns.tolist() == ["Totalt", "Nivå A", "Nivå B", "Nivå C"]
    assert all(v.endswith("%") or v == ".." for v in r14.to_numpy().ravel())
    r15 = results_render.render_tabell_15(t["15"])
    assert r15.columns.tolist() == ["Fönster 1", "Fönster 2", "Fönster 3", "Fönster 4"]
    r16 = results_render.render_group_table(t["16"])
    assert r16.shape == (18, 12) and r16.index[0] == "Kvinnor" and r16.index[-1] == "Inskrivningstid över 4år"
    r19 = results_render.render_tabell_19(t["19"])
    assert r19.shape == (6, 4)
    r23 = results_render.render_tabell_23(t["23"])
    assert r23.shape == (7, 2)
    for sentence in (results_render.describe_tabell_14(t["14"], CFG), results_render.describe_tabell_19(t["19"]),
                     results_render.describe_tabell_20(t["20"]), results_render.describe_tabell_23(t["23"]),
                     results_render.describe_group_table(t["16"], CFG.significance_level),
                     results_render.describe_tabell_17(t["17"])):
        assert isinstance(sentence, str) and sentence.endswith(".") and not re.search(r"\bnan\b", sentence)


def test_figure_data_ranges(small_out):
    f1 = results.figur_1_data(small_out, CFG)
    assert f1["start_month"].min() >= D("2020-05-01") and f1["start_month"].max() <= D("2022-01-01")
    f2 = results.figur_2_data(small_out, CFG)
    assert f2["start_month"].max() <= D("2023-01-01")  # the last month with 6 months of follow-up
    shown = f1[~f1["suppressed"]]
    assert ((shown["ci_low"] <= shown["value"] + 1e-9) & (shown["value"] <= shown["ci_high"] + 1e-9)).all()
    b = results.window_boundaries(D("2020-05-01"), D("2022-01-31"))
    assert b["window"].tolist() == [2, 3, 4]


def test_figures_are_built_without_pyplot(small_out):
    import matplotlib.pyplot as plt

    from romlab.report import results_figures

    before = plt.get_fignums()
    fig = results_figures.figur_1(results.figur_1_data(small_out, CFG))
    fig2 = results_figures.figur_2(results.figur_2_data(small_out, CFG))
    assert plt.get_fignums() == before
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Startmånad i tjänsten" and "Figur 1" in ax.get_title(loc="left")
    legend = fig.legends[0]  # below the plot, where no line crosses it
    assert [t.get_text() for t in legend.get_texts()] == ["Nivå A", "Nivå B", "Nivå C", "Totalt"]
    assert ax.get_legend() is None and legend.get_title().get_text() == ""
    assert ax.yaxis.get_major_formatter().format_pct(0.3, 1.0) == "30%"
    assert "Figur 2" in fig2.axes[0].get_title(loc="left")
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"matplotlib" not in png


# --------------------------------------------------------------------------- parameters

def test_result_parameters_are_pinned():
    """The result-specific conventions (assumptions A30–A39)."""
    assert outcomes.ROM1 == outcomes.ResultRule("rom1", 1, "R2", "R1", True)
    assert outcomes.SIGNAL_MONTHS == 6
    assert outcomes.REGISTER_MATCH_DAYS == (-31, 92)
    assert results.LEVEL_TEST_ALPHA == 0.01
    assert results.FLAG_DECIMALS == 0
    assert results.TABELL_18_FIXED_EFFECTS == ("level", "window", ("window", "level"), "start_month")
