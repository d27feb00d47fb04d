"""The support section on the default synthetic data (scale 1.0, default seed, period
2023-10) against the published values in data/published, with the tolerances of the
support issue in units ``u`` of the printed precision (the report's last digit:
`romlab.publication.compare.printed_precision`, 0.1 h for the means). A value outside its tolerance
fails the test and is listed.

The group tables (Tabell 7–13, A1) are checked by `published_checks.check_group_table`:
levels and the differences between groups (issue 12); test_mutation.py shows that the
same check fails when a group column is shuffled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from published_checks import check_group_table, report

import romlab
from romlab.report import registry
from romlab.publication.compare import compare, published

CFG = romlab.RunConfig.for_period("2023-10")


@pytest.fixture(scope="module")
def tables(default_data):
    return registry.report_tables(default_data.as_of_view(CFG.data_cutoff), CFG)


def _assert_within(cmp: pd.DataFrame) -> None:
    bad = cmp[~cmp["within"]]
    assert bad.empty, "outside tolerance:\n" + bad.to_string()


def test_selection_flow_within_5_percent(tables):
    pub = published("urval")
    pub = pub[pub["step"] <= 6].rename(columns={"step": "_step"})
    pub = pub[pub["measure"] != "periodic_reports_after_merge"]  # the rounded 443 000 (exact: 442 984)
    cmp = compare(tables["urval"], "urval", tolerance=lambda d: 0.05 * d["published"], pub=pub)
    _assert_within(cmp)


def test_tabell_05_totals_and_observations(tables):
    """Total support: trimmed mean within 2 u (8.2 ± 0.2 h), untrimmed within 3 u
    (11.4 ± 0.3 h), both medians exact; the share of report-months kept by the trimming
    within 0.1 points of the published 420 957 of 442 984."""
    pub = published(5).query("activity == 'Sammanlagt stöd' and measure != 'observations'")
    units = lambda d: np.select([d["measure"] == "median_hours", d["adjusted"] == "justerat"],  # noqa: E731
                                [0.0, 2.0], 3.0) * d["precision"]
    _assert_within(compare(tables["5"], 5, tolerance=units, pub=pub))
    t5 = tables["5"].set_index(["measure", "activity", "adjusted"])["value"]
    tot = "Sammanlagt stöd"
    share = t5[("observations", tot, "justerat")] / t5[("observations", tot, "ej justerat")] * 100
    assert abs(share - 420_957 / 442_984 * 100) <= 0.1


def test_tabell_05_activity_means(tables):
    """Every activity's mean within 1.5 u (0.15 h)."""
    t5 = tables["5"]
    pub = published(5).query("measure == 'mean_hours' and activity != 'Sammanlagt stöd'")
    _assert_within(compare(t5[t5["measure"] == "mean_hours"], 5, tolerance=lambda d: 1.5 * d["precision"], pub=pub))


def test_tabell_02_percentiles(tables):
    """Percentiles 10–95 within 1 u (printed in whole hours: 1 h); Eget arbete within 10 %."""
    pub = published(2).query("percentile <= 95")
    tol = lambda d: np.where(d["activity"] == "Eget arbete", 0.10 * d["published"].abs(), d["precision"])  # noqa: E731
    _assert_within(compare(tables["2"], 2, tolerance=tol, pub=pub))


@pytest.mark.parametrize("table", ["3", "4"])
def test_tabell_03_04_trimming(tables, table):
    """Means by share kept within 1.5 u (0.15 h); Eget arbete within 30 u (3 h)."""
    tol = lambda d: np.where(d["activity"] == "Eget arbete", 30.0, 1.5) * d["precision"]  # noqa: E731
    _assert_within(compare(tables[table], table, tolerance=tol))


def test_tabell_06_share_any_hour(tables):
    """Shares within 3 u (3 percentage points)."""
    _assert_within(compare(tables["6"], 6, tolerance=lambda d: 3 * d["precision"]))


@pytest.mark.parametrize("table", ["7", "8", "9", "10", "11", "12", "13", "A1"])
def test_group_table_levels_and_differences_between_groups(tables, table):
    """Levels in printed units and the differences between groups (published_checks)."""
    failures = check_group_table(tables[table], table)
    assert not failures, report(failures)


#: Differences in total support the report calls statistically significant (L1691,
#: L1759, L1824, L1895, L1963), as (group column, group, other group).
SIGNIFICANT_IN_REPORT = [
    ("education_group", "below_upper_secondary", "upper_secondary_or_more"),  # L1689–1691
    ("age_group", "under_25", "25_55"),                                       # L1756–1759
    ("age_group", "under_25", "over_55"),
    ("birth_country", "domestic", "foreign"),                                 # L1822–1824
    ("disability_group", "disability", "no_disability"),                      # L1892–1895
    ("level", "B", "C"),                                                      # L1960–1963
]


@pytest.mark.parametrize("by,a,b", SIGNIFICANT_IN_REPORT)
def test_differences_the_report_calls_significant(tables, by, a, b):
    t = tables[f"tests_{by}"]
    t = t[(t["activity"] == "Sammanlagt stöd")]
    row = t[((t["group"] == a) & (t["reference"] == b)) | ((t["group"] == b) & (t["reference"] == a))]
    assert len(row) == 1 and bool(row["significant"].iloc[0]), row.to_string()
