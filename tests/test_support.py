"""Support section rules on small hand-made data; every expected answer is worked out
by hand in the comments (report §3.5.1, L820–945; §4.2, L1120–1500)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.dataset import codes
from romlab.report import support, support_render

import handmade

CFG = romlab.RunConfig.for_period("2023-10")  # support months 2022-07 … 2023-05, cut-off 2023-08-11
D = pd.Timestamp


_participation = handmade.support_participation
_report = handmade.periodic_report


@pytest.fixture
def hand_made():
    """Participation 1 (RoM 1): 2022-05-16 … 2023-01-20, with a report outside the period
    (June), a deviation in September, a provider switch in October (two reports), a
    placement-period change in November (two reports) and its last month (January).
    Participation 2 (RoM 1): starts on 2022-07-01 (July is not preceded by a month in
    the service) and is ongoing. Participation 3 is RoM 2 (not in the report's sample)."""
    part = pd.DataFrame([
        _participation(1, 11, "2022-05-16", "2023-01-20"),
        _participation(2, 12, "2022-07-01", None, sex="man", born_abroad=True),
        _participation(3, 13, "2023-04-20", None, generation=2),
    ])
    g = "hours_guidance"
    rep = pd.DataFrame([
        _report(1, 1, "2022-06-01", hours_guidance=1),                  # criterion 1
        _report(2, 1, "2022-07-01", hours_guidance=2),                  # kept
        _report(3, 1, "2022-08-01", hours_guidance=3),                  # kept
        _report(4, 1, "2022-09-01", hours_guidance=4),                  # criterion 3
        _report(5, 1, "2022-10-01", provider="P1", hours_guidance=2, hours_own_work=10),  # switch: merged
        _report(6, 1, "2022-10-01", provider="P2", hours_guidance=3, hours_other_actor=7),
        _report(7, 1, "2022-11-01", pp=1, hours_guidance=5),            # criterion 4
        _report(8, 1, "2022-11-01", pp=2, hours_guidance=5),            # criterion 4
        _report(9, 1, "2022-12-01", pp=2, hours_guidance=6),            # kept
        _report(10, 1, "2023-01-01", pp=2, hours_guidance=7),           # criterion 2 (last month)
        _report(11, 2, "2022-07-01", hours_guidance=8),                 # criterion 2 (first month)
        _report(12, 2, "2022-08-01", hours_guidance=9),                 # kept
        _report(13, 3, "2023-05-01", hours_guidance=1.25),              # criterion 1 (RoM 2)
    ])
    dev = pd.DataFrame({"deviation_id": [1], "participation_id": [1], "provider_id": ["P1"],
                        "deviation_date": [D("2022-09-14")], "submitted_date": [D("2022-09-20")]})
    assert g in rep.columns
    return SimpleNamespace(participations=part, periodic_reports=rep, deviation_reports=dev)


def test_selection_flow_counts_every_exclusion(hand_made):
    s = support.select_reports(hand_made, CFG)
    f = s.flow.set_index("measure")["value"]
    assert f["periodic_reports_in_data"] == 13
    assert f["excluded_outside_period"] == 2                       # report 1 (June), report 13 (RoM 2)
    assert f["periodic_reports_total"] == 11
    assert f["excluded_not_full_month_or_adjacent_months"] == 2    # reports 10 and 11
    assert f["excluded_deviation_report"] == 1                     # report 4
    assert f["excluded_double_reports_placement_period"] == 2      # reports 7 and 8
    assert f["periodic_reports_before_merge"] == 6                 # 2, 3, 5, 6, 9, 12
    assert f["merged_provider_switch"] == 1                        # 5 + 6
    assert f["periodic_reports_after_merge_exact"] == 5
    assert f["unique_individuals"] == 2 and f["reports_per_individual"] == 2.5
    # kept + excluded = in, exactly
    excluded = f[["excluded_outside_period", "excluded_not_full_month_or_adjacent_months",
                  "excluded_deviation_report", "excluded_double_reports_placement_period"]].sum()
    assert excluded + f["periodic_reports_before_merge"] == f["periodic_reports_in_data"]


def test_kept_months_and_merged_hours(hand_made):
    m = support.select_reports(hand_made, CFG).months
    assert list(zip(m["participation_id"], m["month"].dt.strftime("%Y-%m"))) == [
        (1, "2022-07"), (1, "2022-08"), (1, "2022-10"), (1, "2022-12"), (2, "2022-08")]
    october = m[(m["participation_id"] == 1) & (m["month"] == D("2022-10-01"))].iloc[0]
    assert october["hours_guidance"] == 5 and october["hours_own_work"] == 10 and october["hours_other_actor"] == 7
    # total support leaves out Eget arbete and Insats hos annan aktör (L1296–1302)
    assert october["total_support"] == 5
    assert m.loc[m["participation_id"] == 2, "birth_country"].iloc[0] == "foreign"


def test_ongoing_participation_needs_the_next_month_before_the_cut_off(hand_made):
    # a cut-off in the middle of August: participation 2's August is not followed by a
    # known September, so only months through July could count, and July is its first
    cfg = romlab.RunConfig.for_period("2023-10", data_cutoff="2022-08-20")
    f = support.select_reports(hand_made, cfg).flow.set_index("measure")["value"]
    assert f["excluded_not_full_month_or_adjacent_months"] == 3  # reports 10, 11 and 12


def test_trimming_keeps_ties_at_the_cut_off():
    months = pd.DataFrame({support.TOTAL: [1.0, 2, 3, 3, 3, 10]})
    cut = support.cutoffs(months, 50, "linear", [support.TOTAL])
    assert cut[support.TOTAL] == 3.0           # linear: between the 3rd and 4th value, both 3
    keep = support.trimmed(months, cut)[support.TOTAL]
    assert keep.tolist() == [True, True, True, True, True, False]
    assert support.trimmed_means(months, cut)[support.TOTAL] == pytest.approx(12 / 5)


def test_percentile_method_is_a_parameter():
    months = pd.DataFrame({support.TOTAL: [1.0, 2, 3, 4]})
    assert support.cutoffs(months, 50, "linear", [support.TOTAL]).iloc[0] == 2.5
    assert support.cutoffs(months, 50, "lower", [support.TOTAL]).iloc[0] == 2.0
    assert support.cutoffs(months, 50, "higher", [support.TOTAL]).iloc[0] == 3.0
    assert support.cutoffs(months, 100, "linear", [support.TOTAL]).iloc[0] == 4.0  # 100 % keeps all


def test_group_cutoffs_come_from_the_whole_sample():
    # whole-sample 60th percentile of [1, 2, 3, 4, 100, 100] (linear: position 0.6 × 5 = 3,
    # the 4th value) is 4: group B (4, 100, 100) keeps only its 4, group A (1, 2, 3)
    # keeps all; the counts add up to the whole sample's 4
    months = pd.DataFrame({"person_id": [1, 2, 3, 4, 5, 6], "level": list("AAABBB"),
                           **{c: 0.0 for c in codes.HOUR_COLUMNS}})
    months["hours_guidance"] = [1.0, 2, 3, 4, 100, 100]
    months[support.TOTAL] = months[support.TOTAL_COLUMNS].sum(axis=1)
    cfg = CFG.with_overrides(trim_percentile=60)
    t = support.tabell_12(months, cfg)
    tot = t[t["activity"] == codes.TOTAL_SUPPORT_LABEL].set_index(["measure", "level"])["value"]
    assert tot[("mean_hours", "A")] == 2.0 and tot[("mean_hours", "B")] == 4.0
    assert tot[("observations", "A")] + tot[("observations", "B")] == 4


def test_empty_group_gives_no_mean_and_is_suppressed():
    months = pd.DataFrame({"person_id": [1, 2, 3], "level": pd.Categorical(["A", "A", "B"], categories=list("ABC")),
                           **{c: 1.0 for c in codes.HOUR_COLUMNS}})
    months[support.TOTAL] = months[support.TOTAL_COLUMNS].sum(axis=1)
    t = support.tabell_12(months, CFG)
    c = t[(t["level"] == "C") & (t["activity"] == codes.TOTAL_SUPPORT_LABEL)].set_index("measure")["value"]
    assert np.isnan(c["mean_hours"]) and c["observations"] == 0
    shown = support_render.render_tabell_12(t, min_cell=1)
    assert (shown["Nivå C"] == "..").all()
    assert (support_render.render_tabell_12(t, min_cell=3) == "..").all().all()  # A has 2, B 1


def test_tabell_06_counts_at_least_one_hour():
    months = pd.DataFrame({c: [0.0, 0.75, 1.0, 3.0] for c in codes.HOUR_COLUMNS})
    t = support.tabell_06(months, CFG).set_index("activity")["value"]
    assert t["Praktiskt stöd"] == 50.0  # 1.0 and 3.0; RoM 2's 0.75 h is not "at least one hour"


def test_clustered_standard_errors_match_statsmodels():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n = 600
    d = pd.DataFrame({"person_id": rng.integers(0, 150, n), "g": rng.integers(0, 3, n)})
    d["y"] = rng.gamma(2, 3, n) + d["g"] * 0.5 + d["person_id"] % 7 * 0.3
    mean, cov = support.clustered_group_means(d["y"].to_numpy(), d["g"].to_numpy(), d["person_id"].to_numpy(), 3)
    fit = smf.ols("y ~ C(g)", d).fit(cov_type="cluster", cov_kwds={"groups": d["person_id"]})
    assert mean[1] - mean[0] == pytest.approx(fit.params["C(g)[T.1]"], abs=1e-10)
    se = np.sqrt(cov[1, 1] + cov[0, 0] - 2 * cov[0, 1])
    assert se == pytest.approx(fit.bse["C(g)[T.1]"], rel=1e-8)
    se2 = np.sqrt(cov[2, 2] + cov[0, 0] - 2 * cov[0, 2])
    assert se2 == pytest.approx(fit.bse["C(g)[T.2]"], rel=1e-8)


def test_group_tests_find_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(5)
    people = np.repeat(np.arange(400), 4)
    grp = np.where(people < 200, "A", "B")
    base = {c: 0.0 for c in codes.HOUR_COLUMNS}
    months = pd.DataFrame({"person_id": people, "level": grp, **base})
    months["hours_guidance"] = rng.poisson(5, len(people)) + (grp == "B") * 2.0
    months["hours_practical"] = rng.poisson(5, len(people)).astype(float)
    months[support.TOTAL] = months[support.TOTAL_COLUMNS].sum(axis=1)
    t = support.group_tests(months, CFG.with_overrides(trim_percentile=100), "level").set_index("activity")
    assert bool(t.loc["Vägledning mot arbete eller utbildning", "significant"])
    assert not bool(t.loc["Praktiskt stöd", "significant"])
