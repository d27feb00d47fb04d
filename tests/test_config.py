"""RunConfig: derived values worked out by hand for the October and April 2023 reports."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from romlab.run.config import ConfigError, RunConfig, parse_overrides, to_month, windows_with_followup


def test_for_period_2023_10_every_value():
    c = RunConfig.for_period("2023-10")
    assert c.period == "2023-10"
    assert c.data_cutoff == pd.Timestamp("2023-08-11")            # L451
    assert c.support_months == ("2022-07", "2023-05")             # L443, L848
    assert c.support_generations == (1,)
    assert c.followup_months == 18
    # Jan 2022: 2022-01-31 + 18 months = 2023-07-31 <= 2023-08-11; Feb 2022 → 2023-08-28 > cut-off
    assert c.population_start_months == ("2020-05", "2022-01")    # L2171
    assert c.min_window_followup_months == 10
    # window 4 ends 2022-09-07, + 10 months = 2023-07-07 <= cut-off; window 5 ends 2023-02-28 → 2023-12-28
    assert c.windows == (1, 2, 3, 4)                              # L780
    assert c.trim_percentile == 95.0 and isinstance(c.trim_percentile, float)
    assert c.percentile_method == "linear"
    assert c.significance_level == 0.05
    assert c.min_cell == 10
    assert c.report_month == pd.Timestamp("2023-10-01")
    assert c.support_first_month == pd.Timestamp("2022-07-01")
    assert c.support_last_month == pd.Timestamp("2023-05-31")
    assert c.population_first_start == pd.Timestamp("2020-05-01")
    assert c.population_last_start == pd.Timestamp("2022-01-31")
    assert c.window_start_months == ("2020-05", "2022-09")
    assert c.windows_first_start == pd.Timestamp("2020-05-01")
    assert c.windows_last_start == pd.Timestamp("2022-09-07")


def test_for_period_2023_04_every_value():
    c = RunConfig.for_period("2023-04")
    assert c.data_cutoff == pd.Timestamp("2023-02-11")
    assert c.support_months == ("2022-01", "2022-11")
    assert c.support_generations == (1,)
    # Jul 2021: 2021-07-31 + 18 months = 2023-01-31 <= 2023-02-11; Aug 2021 → 2023-02-28 >
    assert c.population_start_months == ("2020-05", "2021-07")
    # window 3 ends 2021-11-15 (+10 m = 2022-09-15 ok); window 4 ends 2022-09-07 (+10 m = 2023-07-07 too late)
    assert c.windows == (1, 2, 3)
    assert c.support_first_month == pd.Timestamp("2022-01-01")
    assert c.support_last_month == pd.Timestamp("2022-11-30")
    assert c.population_last_start == pd.Timestamp("2021-07-31")
    assert c.window_start_months == ("2020-05", "2021-11")
    assert c.windows_last_start == pd.Timestamp("2021-11-15")


def test_default_period_is_october_2023():
    assert RunConfig.for_period() == RunConfig.for_period("2023-10")
    assert RunConfig() == RunConfig.for_period("2023-10")


@pytest.mark.parametrize("period", ["2023-10", "202310", 202310, "2023-10-03", dt.date(2023, 10, 3),
                                    pd.Timestamp("2023-10-31"), pd.Period("2023-10", "M")])
def test_period_is_normalised(period):
    assert RunConfig.for_period(period).period == "2023-10"


@pytest.mark.parametrize("bad", [2023, "2023-13", "Oct 2023", None])
def test_bad_period_raises(bad):
    with pytest.raises(ConfigError, match="not a month"):
        to_month(bad)


def test_population_boundary_on_the_last_day_of_a_month():
    # cut-off exactly on a month end: that month counts as complete
    c = RunConfig.for_period("2023-10", data_cutoff="2023-07-31")
    assert c.population_start_months == ("2020-05", "2022-01")
    c = RunConfig.for_period("2023-10", data_cutoff="2023-07-30")
    assert c.population_start_months == ("2020-05", "2021-12")


def test_windows_rule_boundary():
    # window 4 ends 2022-09-07: with 10 months it needs a cut-off on or after 2023-07-07
    assert windows_with_followup("2023-07-07", 10) == (1, 2, 3, 4)
    assert windows_with_followup("2023-07-06", 10) == (1, 2, 3)
    assert windows_with_followup("2030-01-01", 10) == (1, 2, 3, 4, 5, 6)  # never RoM 2


def test_typed_overrides():
    c = RunConfig.for_period("2023-10", trim_percentile=99, windows=[4, 1, 2], min_cell=5,
                             data_cutoff=dt.date(2023, 8, 11))
    assert c.trim_percentile == 99.0 and isinstance(c.trim_percentile, float)
    assert c.windows == (1, 2, 4)
    assert c.min_cell == 5
    assert c.data_cutoff == pd.Timestamp("2023-08-11")


def test_string_overrides_are_coerced():
    c = RunConfig.for_period("2023-10", **{
        "trim_percentile": "99", "significance_level": "0.01", "min_cell": "3",
        "windows": "1,2,3", "support_months": "2022-08..2023-04", "support_generations": "1,2",
        "population_start_months": "2020-05,2021-12", "percentile_method": "lower",
        "data_cutoff": "2023-08-11", "followup_months": "18",
    })
    assert c.trim_percentile == 99.0
    assert c.significance_level == 0.01
    assert c.min_cell == 3
    assert c.windows == (1, 2, 3)
    assert c.support_months == ("2022-08", "2023-04")
    assert c.support_generations == (1, 2)
    assert c.population_start_months == ("2020-05", "2021-12")
    assert c.percentile_method == "lower"
    assert RunConfig.for_period("2023-10", windows="1..3").windows == (1, 2, 3)


def test_overridden_inputs_feed_the_derivations():
    c = RunConfig.for_period("2023-10", data_cutoff="2023-02-11")
    assert c.population_start_months == ("2020-05", "2021-07")
    assert c.windows == (1, 2, 3)
    assert c.support_months == ("2022-07", "2023-05")   # support months follow the period only
    assert RunConfig.for_period("2023-10", followup_months="12").population_start_months == ("2020-05", "2022-07")
    assert RunConfig.for_period("2023-10", min_window_followup_months=0).windows == (1, 2, 3, 4, 5, 6)
    assert RunConfig.for_period("2023-10", min_window_followup_months=5).windows == (1, 2, 3, 4, 5)
    # an explicitly overridden derived field wins
    assert RunConfig.for_period("2023-10", data_cutoff="2023-02-11", windows="1-4").windows == (1, 2, 3, 4)


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ConfigError, match=r"unknown RunConfig key\(s\): trim_percent;.*trim_percentile"):
        RunConfig.for_period("2023-10", trim_percent=99)
    with pytest.raises(ConfigError, match="valid keys"):
        RunConfig.from_dict({"period": "2023-10", "nope": 1})


@pytest.mark.parametrize("key, value, match", [
    ("trim_percentile", "abc", "trim_percentile"),
    ("trim_percentile", 0, r"\(0, 100\]"),
    ("significance_level", 1.5, r"\(0, 1\)"),
    ("percentile_method", "bogus", "numpy.percentile"),
    ("windows", "1,9", "unknown window"),
    ("support_months", "2023-05..2022-07", "first after last"),
    ("min_cell", "-1", "min_cell"),
])
def test_bad_values_raise(key, value, match):
    with pytest.raises(ConfigError, match=match):
        RunConfig.for_period("2023-10", **{key: value})


def test_period_too_early_for_a_population_raises_clearly():
    with pytest.raises(ConfigError, match="population_start_months"):
        RunConfig.for_period("2021-01")


def test_to_dict_is_plain_json_and_round_trips():
    for c in [RunConfig.for_period("2023-10"), RunConfig.for_period("2023-04", trim_percentile="97.5")]:
        d = c.to_dict()
        assert json.loads(json.dumps(d)) == d
        assert d["data_cutoff"] == c.data_cutoff.date().isoformat()
        assert RunConfig.from_dict(d) == c
        assert RunConfig.from_dict(json.loads(json.dumps(d))) == c
    d = RunConfig.for_period("2023-10").to_dict()
    assert d == {
        "period": "2023-10", "data_cutoff": "2023-08-11", "support_months": ["2022-07", "2023-05"],
        "support_generations": [1], "followup_months": 18, "population_start_months": ["2020-05", "2022-01"],
        "min_window_followup_months": 10, "windows": [1, 2, 3, 4], "trim_percentile": 95.0,
        "percentile_method": "linear", "significance_level": 0.05, "min_cell": 10,
        "protection_width": 0, "sections": ["rom1_support", "rom1_results"], "support_generation_share": 0.5,
        "report_interval_months": 6, "rom2_followup_months": 20, "rom2_population_start_months": [],
    }


def test_from_dict_partial_derives_the_rest():
    assert RunConfig.from_dict({"period": "2023-04"}) == RunConfig.for_period("2023-04")


def test_frozen_and_with_overrides():
    c = RunConfig.for_period("2023-10")
    with pytest.raises(AttributeError):
        c.trim_percentile = 99.0  # type: ignore[misc]
    d = c.with_overrides(trim_percentile="99")
    assert d.trim_percentile == 99.0 and c.trim_percentile == 95.0
    assert hash(c) == hash(RunConfig.for_period("2023-10"))


def test_parse_overrides_for_cli():
    kw = parse_overrides(["trim_percentile=99", "windows = 1,2"])
    assert kw == {"trim_percentile": "99", "windows": "1,2"}
    assert RunConfig.for_period("2023-10", **kw).windows == (1, 2)
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["trim_percentile"])
    with pytest.raises(ConfigError, match="valid keys"):
        parse_overrides(["bogus=1"])


def test_assumption_ids_cited_in_code_are_logged():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    log = (root / "docs" / "assumptions.md").read_text(encoding="utf-8")
    logged = set(re.findall(r"^\| (A\d\d) \|", log, flags=re.M))
    cited = set()
    for module in sorted((root / "romlab").rglob("*.py")):  # every module that cites an assumption
        cited |= set(re.findall(r"\bA\d\d\b", module.read_text(encoding="utf-8")))
    assert cited and cited <= logged, sorted(cited - logged)


# ---- which generation each part of the report covers (A81–A84) ----------------------------

@pytest.mark.parametrize("period, sections, rom2_population", [
    # support months M-15..M-5; RoM 1 took starts to 2023-04, RoM 2 from 2023-04
    ("2023-10", ("rom1_support", "rom1_results"), ()),  # 2022-07..2023-05: 10 of 11 months RoM 1
    ("2024-04", ("rom1_results", "rom2_support"), ()),  # 2023-01..2023-11: RoM 1 4/11, RoM 2 8/11
    ("2024-10", ("rom1_results", "rom2_support"), ()),  # RoM 1 followed to 2023-01 (2022-07 half a year before)
    ("2025-04", ("rom1_results", "rom2_support", "rom2_results"), ("2023-04", "2023-05")),
    ("2025-10", ("rom2_support", "rom2_results"), ("2023-04", "2023-11")),  # RoM 1 complete since 2025-04
])
def test_sections_per_period_worked_by_hand(period, sections, rom2_population):
    c = RunConfig.for_period(period)
    assert c.sections == sections
    assert c.rom2_population_start_months == rom2_population


def test_rom2_population_edges():
    # 2025-02-11: 2023-05-31 + 20 months = 2025-01-31 is in, 2023-06-30 + 20 = 2025-02-28 is out
    c = RunConfig.for_period("2025-04")
    assert c.data_cutoff == pd.Timestamp("2025-02-11")
    assert c.rom2_population_start_months == ("2023-04", "2023-05")
    # a cut-off one day before 2025-01-31 loses 2023-05; 2024-12-31 keeps only RoM 2's first month
    assert RunConfig.for_period("2025-04", data_cutoff="2025-01-30").rom2_population_start_months == ("2023-04", "2023-04")
    assert RunConfig.for_period("2025-04", data_cutoff="2024-12-30").rom2_population_start_months == ()
    assert "rom2_results" not in RunConfig.for_period("2025-04", data_cutoff="2024-12-30").sections
    # the follow-up is a parameter: 17 months (a 3-month result) reaches further
    assert RunConfig.for_period("2025-04", rom2_followup_months=17).rom2_population_start_months == ("2023-04", "2023-08")


def test_rom1_population_stops_at_rom1s_last_start_month():
    assert RunConfig.for_period("2025-10").population_start_months == ("2020-05", "2023-04")


def test_support_share_rule_at_its_edge():
    # 2023-10's support months hold RoM 2 in 2 of 11 months: at a share of 2/11 RoM 2 support is in
    assert "rom2_support" not in RunConfig.for_period("2023-10").sections
    assert "rom2_support" in RunConfig.for_period("2023-10", support_generation_share=2 / 11).sections
    assert "rom2_support" not in RunConfig.for_period("2023-10", support_generation_share=2 / 11 + 1e-9).sections


def test_rom1_results_while_the_population_grows():
    # 2025-04 adds 2023-02..04; at 2025-10 (interval 6) nothing is new; with a 12-month interval it is
    assert "rom1_results" in RunConfig.for_period("2025-04").sections
    assert "rom1_results" not in RunConfig.for_period("2025-10").sections
    assert "rom1_results" in RunConfig.for_period("2025-10", report_interval_months=12).sections


def test_sections_can_be_given_and_are_checked():
    assert RunConfig.for_period("2025-10", sections="rom2_results").sections == ("rom2_results",)
    with pytest.raises(ConfigError, match="sections"):
        RunConfig.for_period("2023-10", sections="rom3_support")


def test_readme_period_table_is_what_the_rules_derive():
    """The README's table of periods is what `RunConfig.for_period` derives (kept true)."""
    from romlab import paths

    text = (paths.ROOT / "README.md").read_text()
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text[text.index("## Periods: the run configuration"):text.index("## Glossary")].splitlines()
            if line.startswith("| ")}
    periods = ["2023-10", "2024-04", "2024-10", "2025-04", "2025-10"]
    names = {"rom1_support": "RoM 1 support", "rom1_results": "RoM 1 results", "rom2_support": "RoM 2 support",
             "rom2_results": "RoM 2 results"}
    for i, period in enumerate(periods):
        c = RunConfig.for_period(period)
        assert rows["data cut-off"][i] == str(c.data_cutoff.date())
        assert rows["support months"][i] == " … ".join(c.support_months)
        assert rows["parts (`sections`)"][i] == ", ".join(names[s] for s in c.sections)
        rom2 = c.rom2_population_start_months
        assert rows["RoM 2: 20-month population, start months"][i] == (" … ".join(rom2) if rom2 else "–")
        rom1 = " … ".join(c.population_start_months) if "rom1_results" in c.sections else "–"
        assert rows["RoM 1: 18-month population, start months"][i] == rom1
