"""Support in RoM 2 (issue 16, item 2) on small hand-made data; every expected answer is
worked out by hand in the comments.

The selection is the report's (§3.5.1) on RoM 2's periodic reports; hours are quarter
hours and are never rounded; trimming uses RoM 2's own cut-offs (§4.2, ties kept);
Tabell 6 (RoM 2) counts an activity from one quarter hour; the comparison puts RoM 1 and
RoM 2 side by side in the months both have. Disclosure control on a small subsample of
the committed sample hides the small cells and keeps every small count's interval.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab import paths
from romlab.dataset import codes
from romlab.dataset.errors import DataError
from romlab.report import registry, rom2_support, rom2_support_render, support, support_render

import handmade

D = pd.Timestamp
#: 2024-10: support months 2023-07 … 2024-05, cut-off 2024-08-11. Trimming at the 60th
#: percentile puts the cut-off on a report-month of the hand-made data (see `hand_made`).
CFG = romlab.RunConfig.for_period("2024-10", trim_percentile=60)
TOTAL = support.TOTAL


def _participation(pid, person, start, end, generation=2, level="B", **kw):
    return handmade.support_participation(pid, person, start, end, generation, level, **kw)


_report = handmade.periodic_report


@pytest.fixture
def hand_made():
    """Participation 1 (RoM 2, person 21, level A): 2023-05-10 … 2024-02-15, with a report
    before the period (June), quarter hours in July, a deviation in August, a provider
    switch in September, a placement-period change in October, 4 h in November and its
    last month (February). Participation 2 (RoM 1, person 22): 2023-01-10 … 2024-01-20,
    July and August. Participation 3 (RoM 2, person 23, level B): from 2023-06-20,
    ongoing: June (before the period), July, May 2024 (a quarter hour of motivational
    talk) and June 2024 (after). Participation 4 (RoM 2, person 21 placed again, level C):
    from 2024-03-01, ongoing: April 2024.

    RoM 2's kept report-months and their total support (Eget arbete and Insats hos annan
    aktör left out): (1, 2023-07) 10.25 + 0.5 = 10.75; (1, 2023-09) 1.25 + 2.5 = 3.75;
    (1, 2023-11) 4.0; (3, 2023-07) 2.0; (3, 2024-05) 0.25; (4, 2024-04) 1.0. Sorted:
    0.25, 1, 2, 3.75, 4, 10.75; the 60th percentile (linear: position 0.6 × 5 = 3) is
    3.75 exactly: 3.75 is kept, 4.0 (a quarter hour above … and more) and 10.75 trimmed."""
    part = pd.DataFrame([
        _participation(1, 21, "2023-05-10", "2024-02-15", level="A"),
        _participation(2, 22, "2023-01-10", "2024-01-20", generation=1),
        _participation(3, 23, "2023-06-20", None, level="B", sex="man", born_abroad=True),
        _participation(4, 21, "2024-03-01", None, level="C"),
    ])
    rep = pd.DataFrame([
        _report(1, 1, "2023-06-01", hours_guidance=5),                               # criterion 1 (June)
        _report(2, 1, "2023-07-01", hours_guidance=10.25, hours_practical=0.5, hours_own_work=3.5),  # kept
        _report(3, 1, "2023-08-01", hours_guidance=3),                               # criterion 3
        _report(4, 1, "2023-09-01", provider="P1", hours_guidance=1.25),             # switch: merged
        _report(5, 1, "2023-09-01", provider="P2", hours_guidance=2.5, hours_other_actor=4.75),
        _report(6, 1, "2023-10-01", pp=1, hours_guidance=1),                         # criterion 4
        _report(7, 1, "2023-10-01", pp=2, hours_guidance=1),                         # criterion 4
        _report(8, 1, "2023-11-01", pp=2, hours_guidance=4.0),                       # kept
        _report(9, 1, "2024-02-01", pp=2, hours_guidance=2),                         # criterion 2 (last month)
        _report(10, 2, "2023-07-01", hours_guidance=4),                              # RoM 1
        _report(11, 2, "2023-08-01", hours_guidance=6),                              # RoM 1
        _report(12, 3, "2023-06-01", hours_guidance=1),                              # criterion 1 (June)
        _report(13, 3, "2023-07-01", hours_guidance=2.0),                            # kept
        _report(14, 3, "2024-05-01", hours_motivational=0.25),                       # kept
        _report(15, 3, "2024-06-01", hours_guidance=3),                              # criterion 1 (June 2024)
        _report(16, 4, "2024-04-01", hours_guidance=1.0),                            # kept
    ])
    dev = pd.DataFrame({"deviation_id": [1], "participation_id": [1], "provider_id": ["P1"],
                        "deviation_date": [D("2023-08-14")], "submitted_date": [D("2023-08-20")]})
    return SimpleNamespace(participations=part, periodic_reports=rep, deviation_reports=dev)


def _keys(months: pd.DataFrame) -> list[tuple[int, str]]:
    return list(zip(months["participation_id"], months["month"].dt.strftime("%Y-%m")))


# --------------------------------------------------------------------------- the selection

def test_flow_counts_every_rule_for_rom2(hand_made):
    f = rom2_support.select_reports(hand_made, CFG).flow.set_index("measure")["value"]
    assert f["periodic_reports_in_data"] == 16
    assert f["excluded_outside_period"] == 5                          # 1, 12, 15 (months); 10, 11 (RoM 1)
    assert f["periodic_reports_total"] == 11
    assert f["excluded_not_full_month_or_adjacent_months"] == 1       # 9 (the participation ends in February)
    assert f["excluded_deviation_report"] == 1                        # 3
    assert f["excluded_double_reports_placement_period"] == 2         # 6 and 7
    assert f["periodic_reports_before_merge"] == 7                    # 2, 4, 5, 8, 13, 14, 16
    assert f["merged_provider_switch"] == 1                           # 4 + 5
    assert f["periodic_reports_after_merge_exact"] == 6
    assert f["unique_individuals"] == 2 and f["reports_per_individual"] == 3.0  # persons 21 and 23


def test_quarter_hours_are_kept_exactly(hand_made):
    m = rom2_support.select_reports(hand_made, CFG).months.set_index(["participation_id", "month"])
    july = m.loc[(1, D("2023-07-01"))]
    assert july["hours_guidance"] == 10.25 and july["hours_practical"] == 0.5 and july["hours_own_work"] == 3.5
    assert july[TOTAL] == 10.75
    september = m.loc[(1, D("2023-09-01"))]                          # two providers' quarter hours summed
    assert september["hours_guidance"] == 3.75 and september["hours_other_actor"] == 4.75
    assert september[TOTAL] == 3.75
    assert m.loc[(3, D("2024-05-01")), "hours_motivational"] == 0.25
    assert sorted(m[TOTAL]) == [0.25, 1.0, 2.0, 3.75, 4.0, 10.75]


def test_rom1_and_rom2_reports_stay_apart(hand_made):
    rom2 = rom2_support.select_reports(hand_made, CFG).months
    rom1 = support.select_reports(hand_made, CFG).months          # the default configuration: RoM 1
    assert _keys(rom2) == [(1, "2023-07"), (1, "2023-09"), (1, "2023-11"), (3, "2023-07"), (3, "2024-05"),
                           (4, "2024-04")]
    assert _keys(rom1) == [(2, "2023-07"), (2, "2023-08")]
    assert rom2_support.rom2_config(CFG).support_generations == (2,)
    assert CFG.support_generations == (1,)                         # the caller's configuration unchanged


def test_a_person_placed_again_counts_once(hand_made):
    # person 21 has participations 1 (level A) and 4 (level C): counted with 4, whose
    # April 2024 is the person's latest month; the levels' persons add up to the sample's
    m = rom2_support.select_reports(hand_made, CFG).months
    t12 = rom2_support.tabell_12(m, CFG)
    n = t12[t12["measure"] == "observations"].set_index("level")["n"]
    assert n.to_dict() == {"A": 0, "B": 1, "C": 1}
    t5 = rom2_support.tabell_05(m, CFG)
    assert (t5["n"] == 2).all() and n.sum() == 2


def test_no_rom2_report_month_is_a_clear_error(hand_made):
    cfg = romlab.RunConfig.for_period("2024-10", support_months="2022-01..2022-06")
    m = rom2_support.select_reports(hand_made, cfg).months
    assert m.empty
    with pytest.raises(DataError, match="no periodic report of RoM 2 in the support months 2022-01..2022-06"):
        rom2_support.require_months(m, cfg)


# --------------------------------------------------------------------------- trimming, tables

def test_trimming_keeps_the_cut_off_and_drops_a_quarter_hour_above():
    months = pd.DataFrame({TOTAL: [0.25, 1.0, 2.0, 3.75, 4.0, 10.75]})
    cut = support.cutoffs(months, 60, "linear", [TOTAL])
    assert cut[TOTAL] == 3.75                                         # position 0.6 × 5 = 3: the 4th value
    assert support.trimmed(months, cut)[TOTAL].tolist() == [True, True, True, True, False, False]
    # the same with the cut-off between two quarter hours: 3.75 + 0.25 = 4.0 is still above
    cut = support.cutoffs(months, 62, "linear", [TOTAL])               # 3.75 + 0.1 × 0.25 = 3.775
    assert cut[TOTAL] == pytest.approx(3.775)
    assert support.trimmed(months, cut)[TOTAL].tolist() == [True, True, True, True, False, False]


def test_tabell_5_with_rom2_cut_offs(hand_made):
    m = rom2_support.select_reports(hand_made, CFG).months
    t = rom2_support.tabell_05(m, CFG)
    tot = t[t["activity"] == codes.TOTAL_SUPPORT_LABEL].set_index(["measure", "adjusted"])["value"]
    # adjusted: 0.25, 1, 2, 3.75 (at the cut-off) → mean 7 / 4, median (1 + 2) / 2
    assert tot[("mean_hours", "justerat")] == 1.75 and tot[("median_hours", "justerat")] == 1.5
    assert tot[("observations", "justerat")] == 4
    # not adjusted: 21.75 / 6; median (2 + 3.75) / 2, not rounded to whole hours
    assert tot[("mean_hours", "ej justerat")] == pytest.approx(3.625)
    assert tot[("median_hours", "ej justerat")] == 2.875
    assert tot[("observations", "ej justerat")] == 6
    assert set(t["table"]) == {"rom2_5"}
    shown = support_render.render_tabell_05(t, median_decimals=rom2_support_render.QUARTER_DECIMALS)
    assert shown.loc["Sammanlagt stöd: Median", "Justerat"] == "1,50"


def test_rom2_cut_offs_are_rom2s_own(hand_made):
    # RoM 1's July and August (4 and 6 h) do not move RoM 2's cut-off (3.75 at the 60th)
    rom2 = rom2_support.select_reports(hand_made, CFG).months
    assert rom2_support.cutoffs(rom2, CFG)[TOTAL] == 3.75
    rom1 = support.select_reports(hand_made, CFG).months
    assert support.cutoffs(rom1, 60, "linear", [TOTAL])[TOTAL] == pytest.approx(5.2)  # 4 + 0.6 × 2


def test_tabell_2_percentiles_in_quarter_hours(hand_made):
    m = rom2_support.select_reports(hand_made, CFG).months
    t = rom2_support.tabell_02(m, CFG).set_index(["activity", "percentile"])["value"]
    # guidance over the six months: 0 (May 2024), 1, 2, 3.75, 4, 10.25 → median (2 + 3.75) / 2
    assert t[("Vägledning mot arbete eller utbildning", 50)] == 2.875
    shown = support_render.render_tabell_02(rom2_support.tabell_02(m, CFG), decimals=2)
    assert shown.loc["Vägledning mot arbete eller utbildning", "10"] == "0,50"  # 0 + 0.5 × 1


def test_tabell_6_counts_from_a_quarter_hour(hand_made):
    m = rom2_support.select_reports(hand_made, CFG).months
    t = rom2_support.tabell_06(m, CFG).set_index(["measure", "activity"])["value"]
    # motivational talk: a quarter hour in one month of six; none with a whole hour
    assert t[("share_any_time", "Motiverande samtal")] == pytest.approx(100 / 6)
    assert t[("share_any_hour", "Motiverande samtal")] == 0
    # practical support: half an hour in July
    assert t[("share_any_time", "Praktiskt stöd")] == pytest.approx(100 / 6)
    assert t[("share_any_hour", "Praktiskt stöd")] == 0
    # guidance: five months, each at least one hour
    assert t[("share_any_time", "Vägledning mot arbete eller utbildning")] == pytest.approx(500 / 6)
    assert t[("share_any_hour", "Vägledning mot arbete eller utbildning")] == pytest.approx(500 / 6)
    assert rom2_support.TABELL_6_MIN_HOURS == 0.25
    only = rom2_support.tabell_06(m, CFG, min_hours=0.5, one_hour=None)
    assert set(only["measure"]) == {"share_any_time"} and (only["min_hours"] == 0.5).all()
    shown = rom2_support_render.render_tabell_06(rom2_support.tabell_06(m, CFG))
    assert list(shown.columns) == ["Minst en kvart (%)", "Minst en timme (%)"]
    assert shown.loc["Motiverande samtal"].tolist() == ["17", "0"]


def test_group_tables_add_up_to_tabell_5(hand_made):
    m = rom2_support.select_reports(hand_made, CFG).months
    cut = rom2_support.cutoffs(m, CFG)
    t12 = rom2_support.tabell_12(m, CFG, cut)
    obs = t12[(t12["measure"] == "observations")].set_index("level")["value"]
    # A: 3.75 (September; July and November trimmed); B: 2.0 and 0.25; C: 1.0
    assert obs.to_dict() == {"A": 1, "B": 2, "C": 1}
    t7 = rom2_support.tabell_group(m, CFG, 7, cut)
    o7 = t7[t7["measure"] == "observations"].set_index("group")["value"]
    assert o7.to_dict() == {"Kvinnor": 2, "Män": 2}                     # person 21 woman, 23 man
    assert set(t7["table"]) == {"rom2_7"}
    t13 = rom2_support.tabell_13(m, CFG, cut)
    assert set(t13["table"]) == {"rom2_13"} and set(t13["level"]) == {"A", "B", "C"}


# --------------------------------------------------------------------------- RoM 1 beside RoM 2

def test_comparison_in_a_month_both_have(hand_made):
    rom1 = support.select_reports(hand_made, CFG).months
    rom2 = rom2_support.select_reports(hand_made, CFG).months
    t = rom2_support.jamforelse(rom1, rom2, CFG)
    assert list(t.columns) == rom2_support.JAMFORELSE_COLUMNS
    assert set(t["month"]) == {"2023-07"}                   # RoM 1: July, August; RoM 2: not August
    v = t.set_index(["generation", "adjusted", "measure"])["value"]
    # RoM 1 (cut-off 5.2 over its own 4 and 6): July's 4 h kept
    assert v[("RoM 1", "justerat", "mean_hours")] == 4 and v[("RoM 1", "ej justerat", "observations")] == 1
    # RoM 2 (cut-off 3.75): July's 10.75 trimmed, 2.0 kept
    assert v[("RoM 2", "justerat", "mean_hours")] == 2.0 and v[("RoM 2", "justerat", "observations")] == 1
    assert v[("RoM 2", "ej justerat", "mean_hours")] == 6.375 and v[("RoM 2", "ej justerat", "median_hours")] == 6.375
    assert v[("RoM 2", "ej justerat", "observations")] == 2
    n = t.drop_duplicates("generation").set_index("generation")["n"]
    assert n.to_dict() == {"RoM 1": 1, "RoM 2": 2}
    assert t["generation"].tolist()[:6] == ["RoM 1"] * 6           # RoM 1 first, in a fixed order
    shown = rom2_support_render.render_jamforelse(t)
    assert shown.loc["2023-07", ("RoM 2", "Medelvärde, ej justerat")] == "6,4"
    assert shown.loc["2023-07", ("RoM 2", "Median, ej justerat")] == "6,38"
    assert "1 månad (2023-07)" in rom2_support_render.describe_jamforelse(t, CFG)


def test_comparison_without_common_months_is_empty_with_a_note(hand_made):
    cfg = romlab.RunConfig.for_period("2024-10", support_months="2024-02..2024-05", trim_percentile=60)
    rom1 = support.select_reports(hand_made, cfg).months
    rom2 = rom2_support.select_reports(hand_made, cfg).months
    assert rom1.empty and len(rom2) == 2                        # RoM 2's April and May 2024
    t = rom2_support.jamforelse(rom1, rom2, cfg)
    assert t.empty and list(t.columns) == rom2_support.JAMFORELSE_COLUMNS
    assert rom2_support_render.render_jamforelse(t).empty
    assert rom2_support_render.describe_jamforelse(t, cfg) == (
        "Stödmånaderna 2024-02–2024-05 har inga månader med valda periodiska rapporter från både RoM 1 och "
        "RoM 2; jämförelsen har inga rader.")
    # no RoM 1 participation is in the service in those months: the register skips RoM 1's selection
    assert not rom2_support.in_service_during(hand_made.participations, cfg, generation=1)
    assert rom2_support.in_service_during(hand_made.participations, CFG, generation=1)


def test_register_computes_the_rom2_tables_of_a_rom2_period(hand_made):
    cfg = CFG.with_overrides(sections=("rom2_support",))
    tables, _ = registry.compute_all(hand_made, cfg)
    keys = [k for k in tables if k.startswith("rom2_")]
    assert {"rom2_urval", "rom2_aktiviteter", "rom2_2", "rom2_5", "rom2_6", "rom2_7", "rom2_12", "rom2_13",
            "rom2_jamforelse", "rom2_tests_level"} <= set(keys) and len(keys) == len(tables)
    assert not any(k in tables for k in ("5", "urval", "14"))    # RoM 1's parts are not the period's
    t5 = tables["rom2_5"]
    v = t5.set_index(["measure", "activity", "adjusted"])["value"]
    assert v[("mean_hours", "Sammanlagt stöd", "justerat")] == 1.75          # what nyckeltal reads
    assert v[("median_hours", "Sammanlagt stöd", "ej justerat")] == 2.875
    defn = registry.REGISTRY["rom2_5"]
    assert defn.label == "Tabell 5 (RoM 2)" and defn.title == registry.REGISTRY["5"].title
    assert defn.notebook == "30_rom2_stod" and defn.parts == ("rom2_support",)
    for key in keys:  # every table lays out and describes itself
        view = registry.View(key, tables[key], cfg, tables, {})
        rt = registry.ReportTable(registry.REGISTRY[key], view)
        assert isinstance(rt.render(), pd.DataFrame) and isinstance(rt.describe(), str)
    assert not registry.REGISTRY["rom2_5"].applies(romlab.RunConfig.for_period("2023-10"))
    assert registry.REGISTRY["rom2_5"].applies(romlab.RunConfig.for_period("2025-10"))


def test_activities_say_where_rom2_differs():
    a = rom2_support.activities().set_index("activity")
    assert list(a.index[:12]) == [codes.ACTIVITIES[c] for c in codes.HOUR_COLUMNS]
    short = a.loc["Kortare utbildning"]
    assert short["rom1"].startswith("Ja") and short["rom2"].startswith("Nej")
    assert "avsnitt 6.2.7" in a.loc["Kortare utbildning", "source"]
    assert a.loc["Kartläggning", "column"] == "" and a.loc["Kartläggning", "rom2"] == "Ja (obligatorisk)"
    same = a[(a["column"] != "") & (a.index != "Kortare utbildning")]
    assert (same["rom1"] == same["rom2"]).all()
    sentence = rom2_support_render.describe_aktiviteter(rom2_support.activities(), {})
    assert sentence == ("Datakontraktet har samma tolv timkolumner för båda generationerna. I RoM 2 är kortare "
                        "utbildning borttagen och kartläggning obligatorisk.")


# --------------------------------------------------------------------------- disclosure control

@pytest.fixture(scope="module")
def small_rom2():
    """The committed sample as of 2024-10's cut-off, a quarter of its persons: small cells
    in Tabell 13 (RoM 2) and in the comparison's months (RoM 1's last ones)."""
    from romlab.dataset.load import load

    cfg = romlab.RunConfig.for_period("2024-10").with_overrides(sections=("rom2_support",))
    ds = load(paths.SAMPLE, as_of=cfg.data_cutoff)
    part = ds.participations
    keep = part[part["person_id"] % 4 == 0]
    ids = keep["participation_id"]
    small = SimpleNamespace(participations=keep,
                            periodic_reports=ds.periodic_reports[ds.periodic_reports["participation_id"].isin(ids)],
                            deviation_reports=ds.deviation_reports[ds.deviation_reports["participation_id"].isin(ids)])
    tables, _ = registry.compute_all(small, cfg)
    return tables, small, cfg


def test_declared_relations_hold_on_the_data(small_rom2):
    from romlab.publication import protection

    tables, _, _ = small_rom2
    model, _ = protection.model_of(tables)
    value = model.counts.set_index(["cell", "quantity"])["value"]
    names = set()
    for name, c in model.relations.groupby("constraint"):
        assert sum(k * value[(cell, "persons")] for cell, k in zip(c["cell"], c["coef"])) == 0, name
        names.add(name)
    assert {"S2|7", "S2|8", "S2|9", "S2|10", "S2|10|foreign", "S2|11", "S2|12", "S2|13|A", "S2|13|B",
            "S2|13|C"} == names
    # the trimmed report-months behind the cells add up the same way
    obs = lambda key, col: tables[key][tables[key]["measure"] == "observations"].set_index(col)["value"]  # noqa: E731
    total = tables["rom2_5"].set_index(["measure", "activity", "adjusted"])["value"][
        ("observations", codes.TOTAL_SUPPORT_LABEL, "justerat")]
    for key in ("rom2_7", "rom2_8", "rom2_9", "rom2_11"):
        assert obs(key, "group").sum() == total
    assert obs("rom2_12", "level").sum() == total


def test_protection_hides_small_cells_and_keeps_their_intervals(small_rom2):
    from romlab.publication import disclosure, protection
    from romlab.report import catalogue_rom2_support as cat

    tables, _, cfg = small_rom2
    model, _ = protection.model_of(tables)
    res = disclosure.protect_cells(model, cfg.min_cell)
    small = set(model.counts.loc[disclosure.sensitive_counts(model, cfg.min_cell), "cell"])
    assert small and {c.split("|")[0] for c in small} >= {"S2", "S2J"}   # Tabell 13 and the comparison
    hidden = set(res.cells.index[res.cells["suppressed"]])
    assert small <= hidden
    final = disclosure.audit(res, final=True)
    assert len(final) and final["protected"].all() and (final["width"] >= cfg.min_cell).all()
    shown, found = protection.protect(tables, cfg.min_cell)
    assert set(found.log["cell"]) == hidden
    for key in ("rom2_13", "rom2_jamforelse"):
        t = shown[key]
        assert t["suppressed"].any()
        assert t.loc[t["suppressed"], "value"].isna().all() and t.loc[t["suppressed"], "n"].isna().all()
        assert (t.loc[~t["suppressed"], "n"] >= cfg.min_cell).all()
    # the printed comparison shows '..' for a hidden month of a generation
    j = shown["rom2_jamforelse"]
    month, gen = j.loc[j["suppressed"], ["month", "generation"]].iloc[0]
    assert (rom2_support_render.render_jamforelse(j).loc[month, gen] == "..").all()
    # a test of a hidden level is blanked (the protection's call, and the printed layout)
    sup = res.cells["suppressed"]
    forced = pd.Series(False, index=sup.index)
    forced["S2|12|A"] = True
    t = cat.protect_test("rom2_tests_level", tables["rom2_tests_level"], forced)
    a = (t["group"] == "A") | (t["reference"] == "A")
    total = t["activity"] == codes.TOTAL_SUPPORT_LABEL       # (an activity without hours has no p-value)
    assert t.loc[a, "p_value"].isna().all() and t.loc[~a & total, "p_value"].notna().all()
    assert t["suppressed"].equals(a)
    t12 = tables["rom2_12"].assign(suppressed=tables["rom2_12"]["level"] == "A")
    printed = rom2_support_render.render_tests_shown(tables["rom2_tests_level"], t12, "level")
    assert printed["Statistiskt säkerställd"].size == 3                # total support's tests, as printed
    assert (printed["p-värde"] == "..").tolist() == a[total].tolist()
    assert np.array_equal(rom2_support_render.tests_shown(tables["rom2_tests_level"], t12, "level")["suppressed"], a)
