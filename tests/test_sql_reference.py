"""romlab against a second, independent implementation in SQL (tests/sql_reference.py),
cell by cell (issue 12, point 2).

The SQL reads the Parquet files itself and applies the as-of cut itself; romlab reads
them with `romlab.load(..., as_of=cutoff)` (the cut is checked once, below). Both then
compute the support selection of §3.5.1, trimming, Tabell 5, 7–13, A1, the outcome per
participation and Tabell 14, 15, 16, 19, 20, 21, 22. Compared: counts, flags and labels
exactly; means, shares and p-values with a relative tolerance of 1e-9 (`RTOL`; no
absolute tolerance, so an exact 0 must be 0 on both sides); a missing value must be
missing on both sides; every key must be on both sides.

Data: the committed sample (two periods), and a hand-made dataset with strong planted
group effects (`planted_tables`), on which a deliberate mutation of the data given to
romlab only (sex or level shuffled, deviations moved a month, results attached to the
wrong participations) must make the comparison fail: proof that it can. The SQL itself
is checked against hand-worked answers (`test_sql_selection_by_hand`,
`test_sql_groups_and_populations_on_planted_edges`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.dataset import codes
from romlab.report import outcomes, results, support
from romlab.dataset.contract import TABLES

from sql_reference import HOUR_COLUMNS, TOTAL, SqlReference

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
RTOL = 1e-9
D = pd.Timestamp


# --------------------------------------------------------------------------- comparing

def _key_column(s: pd.Series) -> pd.Series:
    """Key values comparable across sides: numbers as int64 (a window read as Int8 or
    int64), categories as their values, dates at one resolution."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("int64")
    return s


def _same(x: pd.Series, y: pd.Series) -> np.ndarray:
    """Elementwise: both missing, or both present and equal (categories, nullable and
    numpy types alike)."""
    x, y = x.astype(object), y.astype(object)
    xn, yn = x.isna().to_numpy(), y.isna().to_numpy()
    equal = (x.where(~xn, 0) == y.where(~yn, 0)).to_numpy(dtype=bool)
    return (xn & yn) | (~xn & ~yn & equal)


def assert_cells_equal(romlab_t: pd.DataFrame, sql_t: pd.DataFrame, keys: list[str], exact: list[str] = (),
                       close: list[str] = (), exact_where: tuple[str, str] | None = None,
                       what: str = "") -> int:
    """Every key on both sides once; `exact` columns equal, `close` columns within
    `RTOL` (rows where column ``exact_where[0]`` equals ``exact_where[1]`` compared
    exactly, e.g. the observation counts); missing on one side only fails. Returns the
    number of rows (table cells) compared."""
    cols = [*keys, *exact, *close]
    a, b = romlab_t[cols].copy(), sql_t[cols].copy()
    for df in (a, b):
        for k in keys:
            df[k] = _key_column(df[k])
    for name, df in (("romlab", a), ("sql", b)):
        dup = df.duplicated(keys, keep=False)
        assert not dup.any(), f"{what}: {name} has duplicate keys:\n{df[dup].head()}"
    m = a.merge(b, on=keys, how="outer", suffixes=("_romlab", "_sql"), indicator=True)
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, f"{what}: keys on one side only:\n{one_side[[*keys, '_merge']].head(10)}"
    problems = []
    for c in exact:
        bad = ~_same(m[f"{c}_romlab"], m[f"{c}_sql"])
        if bad.any():
            problems.append((c, bad))
    for c in close:
        x = pd.to_numeric(m[f"{c}_romlab"], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(m[f"{c}_sql"], errors="coerce").to_numpy(dtype=float)
        both_nan = np.isnan(x) & np.isnan(y)
        with np.errstate(invalid="ignore"):
            ok = both_nan | np.isclose(x, y, rtol=RTOL, atol=0.0)
            if exact_where is not None:
                strict = (m[exact_where[0]] == exact_where[1]).to_numpy()
                ok = np.where(strict, both_nan | (x == y), ok)
        if (~ok).any():
            problems.append((c, ~ok))
    if problems:
        text = "\n".join(f"{c}: {int(bad.sum())} of {len(bad)} rows differ, e.g.\n"
                         f"{m.loc[bad, [*keys, f'{c}_romlab', f'{c}_sql']].head(5).to_string()}"
                         for c, bad in problems)
        raise AssertionError(f"{what}: romlab and SQL differ\n{text}")
    return len(m)


def test_the_comparison_fails_where_it_should():
    base = pd.DataFrame({"window": pd.array([1, 1, 2], dtype="Int8"), "level": ["A", "B", "A"],
                         "n": [10, 20, 30], "value": [0.0, 12.5, np.nan],
                         "group": pd.Categorical(["x", "y", None])})
    sql = base.assign(window=base["window"].astype("int64"), group=base["group"].astype(object))
    args = dict(keys=["window", "level"], exact=["n", "group"], close=["value"])
    assert assert_cells_equal(base, sql, **args) == 3
    assert assert_cells_equal(base, sql.assign(value=[0.0, 12.5 * (1 + 1e-10), np.nan]), **args) == 3
    for broken in (sql.assign(n=[10, 21, 30]),                        # a count off by one
                   sql.assign(value=[0.0, 12.5 * (1 + 1e-8), np.nan]),  # beyond RTOL
                   sql.assign(value=[1e-300, 12.5, np.nan]),           # no absolute tolerance
                   sql.assign(value=[0.0, 12.5, 3.0]),                 # missing on one side only
                   sql.assign(group=["x", "z", None]),                 # another label
                   sql.assign(group=["x", "y", "z"])):                 # a label for a missing one
        with pytest.raises(AssertionError, match="differ"):
            assert_cells_equal(base, broken, **args)
    with pytest.raises(AssertionError, match="one side only"):
        assert_cells_equal(base, sql.iloc[:2], **args)
    with pytest.raises(AssertionError, match="duplicate keys"):
        assert_cells_equal(base, pd.concat([sql, sql.iloc[:1]]), **args)


# --------------------------------------------------------------------------- what is compared

SUPPORT_KEYS = {"5": ["table", "measure", "activity", "adjusted"],
                "7": ["table", "measure", "activity", "group"], "12": ["table", "measure", "activity", "level"],
                "13": ["table", "measure", "activity", "group", "level"],
                "A1": ["table", "measure", "activity", "level", "column", "group"]}
SUPPORT_TABLES = ["5", "7", "8", "9", "10", "11", "12", "13", "A1"]
RESULT_TABLES = ["14", "15", "16", "19", "20", "21", "22", "level_tests"]


def _support_pair(months: pd.DataFrame, ref: SqlReference, cfg, table: str):
    """(romlab frame, SQL frame, keys, exact, close) for one support table."""
    if table == "5":
        return support.tabell_05(months, cfg), ref.tabell_05(), SUPPORT_KEYS["5"], [], ["value"]
    if table in {"7", "8", "9", "10", "11"}:
        return (support.tabell_group(months, cfg, int(table)), ref.tabell_group(int(table)), SUPPORT_KEYS["7"],
                ["n"], ["value"])
    if table == "12":
        return support.tabell_12(months, cfg), ref.tabell_12(), SUPPORT_KEYS["12"], ["n"], ["value"]
    if table == "13":
        return support.tabell_13(months, cfg), ref.tabell_13(), SUPPORT_KEYS["13"], ["n"], ["value"]
    return support.tabell_a1(months, cfg), ref.tabell_a1(), SUPPORT_KEYS["A1"], ["n"], ["value"]


def _result_pair(out: pd.DataFrame, ref: SqlReference, cfg, table: str):
    """(romlab frame, SQL frame, keys, exact, close) for one result table."""
    window_level = ["table", "measure", "window", "level"]
    if table == "14":
        return results.tabell_14(out, cfg), ref.tabell_14(), ["table", "measure", "level"], \
            ["n", "suppressed"], ["value"]
    if table == "15":
        return results.tabell_15(out, cfg), ref.tabell_15(), window_level, \
            ["n", "suppressed", "significant"], ["value", "p_value"]
    if table == "level_tests":
        return results.level_tests(out, cfg), ref.level_tests(), ["window", "level_1", "level_2"], \
            ["significant"], ["p_value"]
    if table in {"16", "21", "22"}:
        fn = {"16": results.tabell_16, "21": results.tabell_21, "22": results.tabell_22}[table]
        sql = {"16": ref.tabell_16, "21": ref.tabell_21, "22": ref.tabell_22}[table]
        return fn(out, cfg), sql(), ["table", "measure", "group", "window", "level"], \
            ["n", "suppressed", "significant", "comparison", "reference"], ["value", "p_value"]
    fn, sql = {"19": (results.tabell_19, ref.tabell_19), "20": (results.tabell_20, ref.tabell_20)}[table]
    return fn(out, cfg), sql(), window_level, ["n", "suppressed"], ["value"]


def compare_support(months, ref, cfg, table) -> int:
    r, s, keys, exact, close = _support_pair(months, ref, cfg, table)
    return assert_cells_equal(r, s, keys, exact, close, exact_where=("measure", "observations"),
                              what=f"Tabell {table}")


def compare_result(out, ref, cfg, table) -> int:
    r, s, keys, exact, close = _result_pair(out, ref, cfg, table)
    return assert_cells_equal(r, s, keys, exact, close, what=f"Tabell {table}")


def compare_flow(sample, ref) -> int:
    r = sample.flow.copy()
    s = ref.flow()
    n = assert_cells_equal(r[r["measure"] != "reports_per_individual"], s[s["measure"] != "reports_per_individual"],
                           ["measure"], exact=["value"], what="flow")
    return n + assert_cells_equal(r[r["measure"] == "reports_per_individual"],
                                  s[s["measure"] == "reports_per_individual"], ["measure"], close=["value"],
                                  what="flow")


GROUPS = ["level", "sex", "education_group", "age_group", "birth_country", "sex_birth_group",
          "disability_group", "registration_group"]


def compare_months(months: pd.DataFrame, ref: SqlReference) -> int:
    """The selected report-months row by row: merged hours, total, person, groups."""
    s = ref.months()
    s["month"] = pd.to_datetime(s["month"])
    return assert_cells_equal(months, s, ["participation_id", "month"], exact=["person_id", *GROUPS],
                              close=[*HOUR_COLUMNS, TOTAL], what="report-months")


def compare_outcomes(out: pd.DataFrame, ref: SqlReference) -> int:
    """The outcome frame participation by participation."""
    s = ref.outcomes()
    r = out.assign(start_ym=out["start_date"].dt.strftime("%Y-%m"))
    cols = ["window", "start_ym", *GROUPS, "has_result", "outcome", "has_work", "has_studies", "in_population",
            "in_windows"]
    return assert_cells_equal(r, s, ["participation_id"], exact=cols, what="outcomes")


# --------------------------------------------------------------------------- the sample

@pytest.fixture(scope="module", params=["2023-10", "2023-04"])
def on_sample(request):
    cfg = romlab.RunConfig.for_period(request.param)
    ds = romlab.load(SAMPLE, as_of=cfg.data_cutoff)
    sample = support.select_reports(ds, cfg)
    return dict(cfg=cfg, ds=ds, sample=sample, out=outcomes.outcomes(ds, cfg), ref=SqlReference(SAMPLE, cfg))


def test_sql_as_of_cut_gives_the_loaders_row_counts(on_sample):
    want = on_sample["ds"].as_of_summary
    got = on_sample["ref"].as_of_summary()
    assert_cells_equal(want, got, ["table"], exact=["rows_in_file", "rows_visible", "values_blanked"],
                       what="as of")
    assert (got["rows_visible"] < got["rows_in_file"]).any()  # the cut does hide rows


def test_selection_flow(on_sample):
    assert compare_flow(on_sample["sample"], on_sample["ref"]) == 11


def test_selected_report_months(on_sample):
    assert compare_months(on_sample["sample"].months, on_sample["ref"]) > 1000


@pytest.mark.parametrize("percentile, method", [
    (None, None), (90, "linear"), (99.9, "linear"), (100, "linear"), (95, "averaged_inverted_cdf"),
    (95, "inverted_cdf"), (95, "lower"), (95, "higher"), (95, "midpoint"), (97.5, "averaged_inverted_cdf")])
def test_trimming_cutoffs_and_kept_months(on_sample, percentile, method):
    """Cut-offs within RTOL and the report-months kept exactly, for the run's own
    percentile and method (None) and others (A11, A12, A25)."""
    cfg, ref, months = on_sample["cfg"], on_sample["ref"], on_sample["sample"].months
    pct = cfg.trim_percentile if percentile is None else percentile
    cut = support.cutoffs(months, pct, method or cfg.percentile_method)
    got = ref.cutoffs(percentile, method)
    np.testing.assert_allclose(got.to_numpy(), cut.reindex(got.index).to_numpy(), rtol=RTOL, atol=0)
    kept = support.trimmed(months, cut).sum().reindex(got.index)
    assert (ref.kept_counts(percentile, method) == kept).all()
    assert kept[TOTAL] < len(months) or pct == 100


@pytest.mark.parametrize("table", SUPPORT_TABLES)
def test_support_tables(on_sample, table):
    assert compare_support(on_sample["sample"].months, on_sample["ref"], on_sample["cfg"], table) > 0


def test_outcomes_per_participation(on_sample):
    assert compare_outcomes(on_sample["out"], on_sample["ref"]) > 1000


@pytest.mark.parametrize("table", RESULT_TABLES)
def test_result_tables(on_sample, table):
    assert compare_result(on_sample["out"], on_sample["ref"], on_sample["cfg"], table) > 0


@pytest.mark.parametrize("table", ["14", "15", "16", "19", "20", "22"])
def test_result_tables_with_a_larger_smallest_cell(on_sample, table):
    """Another significance level, and a smallest cell large enough to matter on the
    sample: the computed tables do not depend on it (protection comes afterwards, A39),
    and the marks follow the significance level."""
    cfg = on_sample["cfg"].with_overrides(min_cell=60, significance_level=0.2)
    ref = on_sample["ref"].with_params(min_cell=60, significance_level=0.2)
    r, s, keys, exact, close = _result_pair(on_sample["out"], ref, cfg, table)
    assert_cells_equal(r, s, keys, exact, close, what=f"Tabell {table}")
    assert not s["suppressed"].any()
    if table == "16":  # every cell below 0.2 marked, whatever its size
        small = s["n"] < 60
        assert small.any() and (s.loc[small, "significant"]).any()
        assert ((s["p_value"] < 0.2) == s["significant"]).all()


@pytest.mark.parametrize("overrides", [
    # RoM 2's quarter-hour reports in the sample, another trimming rule
    dict(support_generations="1,2", trim_percentile=90, percentile_method="averaged_inverted_cdf"),
    # another cut-off, non-adjacent windows, another population
    dict(data_cutoff="2023-06-30", windows="1,3", population_start_months="2020-09..2021-06"),
])
def test_every_table_under_other_run_parameters(overrides):
    cfg = romlab.RunConfig.for_period("2023-10", **overrides)
    ds = romlab.load(SAMPLE, as_of=cfg.data_cutoff)
    ref = SqlReference(SAMPLE, cfg)
    sample, out = _romlab_side(ds, cfg)
    compare_flow(sample, ref)
    compare_months(sample.months, ref)
    compare_outcomes(out, ref)
    for table in SUPPORT_TABLES:
        compare_support(sample.months, ref, cfg, table)
    for table in RESULT_TABLES:
        compare_result(out, ref, cfg, table)


def _romlab_side(ds, cfg):
    """romlab's selected report-months and outcome frame."""
    return support.select_reports(ds, cfg), outcomes.outcomes(ds, cfg)


# --------------------------------------------------------------------------- the SQL by hand

def _hand_made_tables() -> dict[str, pd.DataFrame]:
    """The selection example of tests/test_support.py (worked by hand there), as full
    contract tables. Participation 1 (RoM 1): 2022-05-16 … 2023-01-20: June is outside
    the period, September has a deviation, October two providers' reports (merged),
    November both placement periods (both removed), January is its last month.
    Participation 2 (RoM 1): starts 2022-07-01 (July has no month before), ongoing.
    Participation 3 is RoM 2 (not in the report's sample)."""
    part = pd.DataFrame({
        "participation_id": [1, 2, 3], "person_id": [11, 12, 13], "provider_id": ["P1", "P1", "P3"],
        "delivery_area": ["A1", "A1", "B1"], "generation": [1, 1, 2],
        "recorded_date": pd.to_datetime(["2022-05-10", "2022-06-25", "2023-04-18"]),
        "start_date": pd.to_datetime(["2022-05-16", "2022-07-01", "2023-04-20"]),
        "end_date": pd.to_datetime(["2023-01-20", None, None]), "end_reason": ["completed", None, None],
        "end_recorded_date": pd.to_datetime(["2023-01-25", None, None]), "level": ["B", "B", "B"],
        "job_chance": 0.5, "sex": ["woman", "man", "woman"], "born_abroad": [False, True, False],
        "disability": False, "education": "upper_secondary", "age_at_start": 40, "days_registered": 200,
        "framework_programme": "none"})
    rows = [  # report, participation, month, placement period, provider, hours
        (1, 1, "2022-06-01", 1, "P1", {"hours_guidance": 1}),
        (2, 1, "2022-07-01", 1, "P1", {"hours_guidance": 2}),
        (3, 1, "2022-08-01", 1, "P1", {"hours_guidance": 3}),
        (4, 1, "2022-09-01", 1, "P1", {"hours_guidance": 4}),
        (5, 1, "2022-10-01", 1, "P1", {"hours_guidance": 2, "hours_own_work": 10}),
        (6, 1, "2022-10-01", 1, "P2", {"hours_guidance": 3, "hours_other_actor": 7}),
        (7, 1, "2022-11-01", 1, "P1", {"hours_guidance": 5}),
        (8, 1, "2022-11-01", 2, "P1", {"hours_guidance": 5}),
        (9, 1, "2022-12-01", 2, "P1", {"hours_guidance": 6}),
        (10, 1, "2023-01-01", 2, "P1", {"hours_guidance": 7}),
        (11, 2, "2022-07-01", 1, "P1", {"hours_guidance": 8}),
        (12, 2, "2022-08-01", 1, "P1", {"hours_guidance": 9}),
        (13, 3, "2023-05-01", 1, "P3", {"hours_guidance": 1.25}),
    ]
    rep = pd.DataFrame([{"report_id": r, "participation_id": p, "provider_id": pr, "month": D(m),
                         "placement_period": pp, "submitted_date": D(m) + pd.Timedelta(days=40),
                         **{c: float(h.get(c, 0)) for c in codes.HOUR_COLUMNS}} for r, p, m, pp, pr, h in rows])
    dev = pd.DataFrame({"deviation_id": [1], "participation_id": [1], "provider_id": ["P1"],
                        "deviation_date": [D("2022-09-14")], "submitted_date": [D("2022-09-20")]})
    tables = {name: _empty(name) for name in TABLES}
    tables.update(participations=part, periodic_reports=rep, deviation_reports=dev)
    return {name: TABLES[name].schema.validate(df) for name, df in tables.items()}


def test_sql_selection_by_hand():
    ref = SqlReference(_hand_made_tables(), romlab.RunConfig.for_period("2023-10"))
    f = ref.flow().set_index("measure")["value"]
    assert f.to_dict() == {
        "periodic_reports_in_data": 13, "excluded_outside_period": 2,          # reports 1 (June), 13 (RoM 2)
        "periodic_reports_total": 11, "excluded_not_full_month_or_adjacent_months": 2,  # 10 (last), 11 (first)
        "excluded_deviation_report": 1, "excluded_double_reports_placement_period": 2,  # 4; 7 and 8
        "periodic_reports_before_merge": 6, "merged_provider_switch": 1,      # 2, 3, 5+6, 9, 12
        "periodic_reports_after_merge_exact": 5, "unique_individuals": 2, "reports_per_individual": 2.5}
    m = ref.months()
    assert list(zip(m["participation_id"], pd.to_datetime(m["month"]).dt.strftime("%Y-%m"))) == [
        (1, "2022-07"), (1, "2022-08"), (1, "2022-10"), (1, "2022-12"), (2, "2022-08")]
    october = m.iloc[2]
    # hours summed; total support leaves out Eget arbete and Insats hos annan aktör
    assert (october["hours_guidance"], october["hours_own_work"], october["hours_other_actor"],
            october[TOTAL]) == (5, 10, 7, 5)
    # linear 95th percentile of the totals [2, 3, 5, 6, 9]: position 0.95 × 4 = 3.8 →
    # 6 + 0.8 × 3 = 8.4, so the 9 is trimmed (A11, A12)
    assert ref.cutoffs()[TOTAL] == pytest.approx(8.4, rel=RTOL)
    assert ref.kept_counts()[TOTAL] == 4
    t5 = ref.tabell_05().set_index(["measure", "activity", "adjusted"])["value"]
    assert t5[("mean_hours", "Sammanlagt stöd", "justerat")] == 4.0         # (2 + 3 + 5 + 6) / 4
    assert t5[("observations", "Sammanlagt stöd", "ej justerat")] == 5


def test_sql_groups_and_populations_on_planted_edges(planted):
    """Hand-worked classifications of the planted edge cases (A01–A05, A09, A10, A38);
    romlab agrees with all of them through test_planted_romlab_and_sql_agree."""
    g = planted["ref"].outcomes().set_index("participation_id")
    # starts on the window boundaries (A04, A05) and the 18-month boundary (A09, 2023-10)
    ids = list(range(1, 18))
    assert g.loc[ids, "window"].tolist() == [1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 2, 2]
    assert g.loc[ids, "in_population"].tolist() == [False] + [True] * 8 + [False] * 6 + [True, True]
    assert g.loc[ids, "in_windows"].tolist() == [False] + [True] * 10 + [False] * 4 + [True, True]
    # ages on the start day (A01, A03): born 29 Feb 1996, started 28 Feb / 1 Mar 2021
    assert g.loc[[16, 17], "age"].tolist() == [24, 25]
    assert g.loc[range(18, 30), "age"].tolist() == [24, 25, 55, 56, 23, 24, 54, 55, 25, 56, 23, 54]
    assert g.loc[range(16, 30), "age_group"].tolist() == [
        "under_25", "25_55", "under_25", "25_55", "25_55", "over_55", "under_25", "under_25", "25_55", "25_55",
        "25_55", "over_55", "under_25", "25_55"]
    # registration days 0, 365, 366, 730, 731, 1095, 1096, 1460, 1461, 2000 (A02)
    assert g.loc[range(31, 41), "registration_group"].tolist() == [
        "max_1y", "max_1y", "1_2y", "1_2y", "2_3y", "2_3y", "3_4y", "3_4y", "over_4y", "over_4y"]


# --------------------------------------------------------------------------- planted data

PLANTED_CFG = romlab.RunConfig.for_period("2023-10")  # cut-off 2023-08-11


def _days(a: np.ndarray) -> np.ndarray:
    return a.astype("timedelta64[D]")


def _empty(name: str) -> pd.DataFrame:
    """An empty table with the contract's columns."""
    return pd.DataFrame({c: pd.Series(dtype=str(col.dtype) if str(col.dtype) != "str" else object)
                         for c, col in TABLES[name].schema.columns.items() if col.required})


def planted_tables(seed: int = 20231003) -> dict[str, pd.DataFrame]:
    """A few hundred RoM 1 participations (and a few RoM 2) with strong group effects,
    generated deterministically (vectorised; `seed` fixes every draw):

    - support: Vägledning 10 h a month for women, 2 h for men (+0–2); Individuellt
      utvecklingsmöte 1 / 2 / 4 h in level A / B / C; Stärka språkkunskaper 6 h for the
      foreign-born; 4 % of months a +80 h outlier (trimming bites);
    - results: R2 in 80 / 45 / 10 % of level A / B / C (+10 points for women); work
      for 85 % of the results of people with upper secondary education, 35 % otherwise;
    - every rule has its edge cases: starts on each window boundary and the 18-month
      boundary, ages 24/25/55/56 on the start day (and born 29 Feb), registration days
      on each 365-day boundary, ends and approvals recorded after the cut-off, reports,
      deviations and results filed after it, provider switches, placement-period
      changes, deviations, second R2s, R2s never approved, RoM 2 participations."""
    rng = np.random.default_rng(seed)
    cut = np.datetime64("2023-08-11")
    n1, n2 = 440, 20
    n = n1 + n2
    pid = np.arange(1, n + 1)
    person = 10_000 + pid - (pid % 25 == 0)  # some persons have two participations
    # starts: results windows, the support period, planted boundaries; then RoM 2
    start = np.concatenate([
        np.datetime64("2020-04-01") + _days(rng.integers(0, 913, 240)),   # to 2022-09-29
        np.datetime64("2021-10-01") + _days(rng.integers(0, 556, n1 - 240)),  # to 2023-04-09
        np.datetime64("2023-04-17") + _days(rng.integers(0, 75, n2 - 4)),
        np.array(["2023-08-20"] * 4, dtype="datetime64[D]"),  # recorded after the cut-off
    ]).astype("datetime64[D]")
    boundaries = np.array(["2020-04-30", "2020-05-01", "2020-12-07", "2020-12-08", "2021-07-31", "2021-08-01",
                           "2021-11-15", "2021-11-16", "2022-01-31", "2022-02-01", "2022-09-07", "2022-09-08",
                           "2023-02-28", "2023-03-01", "2023-04-16", "2021-02-28", "2021-03-01"],
                          dtype="datetime64[D]")
    start[:len(boundaries)] = boundaries
    generation = np.where(pid <= n1, 1, 2)
    recorded = start - _days(rng.integers(0, 10, n))
    recorded[-4:] = np.datetime64("2023-08-15")
    end = start + _days(rng.integers(120, 366, n))
    end_recorded = end + _days(rng.integers(0, 45, n))  # many after the cut-off: blanked
    ongoing = rng.random(n) < 0.05
    end = np.where(ongoing, np.datetime64("NaT"), end)
    end_recorded = np.where(ongoing, np.datetime64("NaT"), end_recorded)
    level = rng.choice(list("ABC"), n)
    sex = rng.choice(["woman", "man"], n)
    born_abroad = rng.random(n) < 0.4
    disability = rng.random(n) < 0.15
    education = rng.choice(["compulsory", "upper_secondary", "post_secondary"], n, p=[0.35, 0.45, 0.2])
    # ages: completed years on the start day; planted 24/25/55/56 with the birthday on
    # the start day, and the day after (one year younger)
    age = rng.integers(18, 64, n)
    offset = rng.integers(0, 360, n)
    k = np.arange(17, 29)
    age[k] = [24, 25, 55, 56, 24, 25, 55, 56, 25, 56, 24, 55]
    offset[k] = [0, 0, 0, 0, -1, -1, -1, -1, 0, 0, -1, -1]
    start_ts = pd.DatetimeIndex(start)
    birth = pd.DatetimeIndex([s - pd.DateOffset(years=int(a)) for s, a in zip(start_ts, age)])  # 460 dates
    birth = birth - pd.to_timedelta(offset, unit="D")
    birth = birth.to_numpy().astype("datetime64[D]")
    birth[15:17] = np.datetime64("1996-02-29")  # starts 2021-02-28 (24 years) and 2021-03-01 (25)
    days_registered = rng.integers(0, 2400, n)
    days_registered[30:40] = [0, 365, 366, 730, 731, 1095, 1096, 1460, 1461, 2000]
    participations = pd.DataFrame({
        "participation_id": pid, "person_id": person,
        "provider_id": np.where(generation == 1, "P1", "P3"), "delivery_area": np.where(generation == 1, "A1", "B1"),
        "generation": generation, "recorded_date": recorded, "start_date": start, "end_date": end,
        "end_reason": np.where(ongoing, None, "completed"), "end_recorded_date": end_recorded, "level": level,
        "job_chance": rng.random(n), "sex": sex, "born_abroad": born_abroad, "disability": disability,
        "education": education, "birth_date": birth, "days_registered": days_registered,
        "framework_programme": "none",
    })

    # periodic reports: one per month in the service (to the month of the cut-off)
    first = start.astype("datetime64[M]")
    last = np.minimum(np.where(ongoing, cut, end).astype("datetime64[D]"), cut).astype("datetime64[M]")
    n_months = np.maximum((last - first).astype(int) + 1, 0)
    n_months[-4:] = 0  # starts after the cut-off: nothing reported
    row_part = np.repeat(np.arange(n), n_months)
    k_month = np.arange(len(row_part)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    month = (first[row_part] + k_month.astype("timedelta64[M]")).astype("datetime64[D]")
    pp = np.where(k_month < 6, 1, 2)
    m = len(row_part)
    woman = sex[row_part] == "woman"
    hours = {c: np.zeros(m) for c in codes.HOUR_COLUMNS}
    hours["hours_guidance"] = np.where(woman, 10, 2) + rng.integers(0, 3, m) + 80 * (rng.random(m) < 0.04)
    hours["hours_development_meeting"] = pd.Series(level[row_part]).map({"A": 1, "B": 2, "C": 4}).to_numpy()
    hours["hours_language"] = 6.0 * born_abroad[row_part]
    hours["hours_practical"] = rng.integers(0, 5, m) + 50 * (rng.random(m) < 0.02)
    hours["hours_information"] = rng.integers(0, 3, m)
    hours["hours_employer_contacts"] = rng.integers(0, 4, m)
    hours["hours_motivational"] = rng.integers(0, 2, m)
    hours["hours_own_work"] = rng.integers(0, 40, m)
    hours["hours_other_actor"] = rng.integers(0, 3, m)
    rom2 = generation[row_part] == 2
    hours["hours_digital"] = np.where(rom2, 0.25 * rng.integers(0, 9, m), rng.integers(0, 2, m))
    rep = pd.DataFrame({"participation_id": pid[row_part], "provider_id": participations["provider_id"].to_numpy()[
        row_part], "month": month, "placement_period": pp, **{c: hours[c].astype(float) for c in codes.HOUR_COLUMNS}})
    # a provider switch: a second provider's report for the same month (6 %)
    switch = rep[(rng.random(m) < 0.06) & ~rom2].assign(provider_id="P2", hours_guidance=lambda d: d[
        "hours_guidance"] + 3)
    # a placement-period change: both periods' reports in the seventh month of every third
    change = rep[(k_month == 6) & (pid[row_part] % 3 == 0)].assign(placement_period=1)
    rep = pd.concat([rep, switch, change], ignore_index=True)
    rep = rep.sort_values(["participation_id", "month", "provider_id", "placement_period"], kind="stable")
    rep.insert(0, "report_id", np.arange(1, len(rep) + 1))
    rep["submitted_date"] = (rep["month"].to_numpy().astype("datetime64[M]") + 1).astype("datetime64[D]") \
        + _days(rng.integers(0, 13, len(rep)))
    rep = rep[["report_id", "participation_id", "provider_id", "month", "placement_period", "submitted_date",
               *codes.HOUR_COLUMNS]]

    # deviations: in 12 % of the months, some submitted after the cut-off
    dev_rows = np.flatnonzero(rng.random(m) < 0.12)
    dev_date = month[dev_rows] + _days(rng.integers(0, 28, len(dev_rows)))
    deviations = pd.DataFrame({"deviation_id": np.arange(1, len(dev_rows) + 1),
                               "participation_id": pid[row_part[dev_rows]], "provider_id": "P1",
                               "deviation_date": dev_date,
                               "submitted_date": dev_date + _days(rng.integers(0, 20, len(dev_rows)))})

    # results (RoM 1): R1 and R2
    p_r2 = pd.Series(level).map({"A": 0.8, "B": 0.45, "C": 0.1}).to_numpy() + 0.1 * (sex == "woman")
    has = (rng.random(n) < p_r2) & (generation == 1)
    who = np.flatnonzero(has)
    event = start[who] + _days(rng.integers(20, 330, len(who)))
    upper = education[who] != "compulsory"
    outcome = np.where(rng.random(len(who)) < np.where(upper, 0.85, 0.35), "work", "studies")
    r1_filed = event + _days(rng.integers(5, 30, len(who)))
    r2_filed = event + _days(125 + rng.integers(0, 30, len(who)))
    approved = r2_filed + _days(rng.integers(0, 40, len(who)))
    approved = np.where(rng.random(len(who)) < 0.08, np.datetime64("NaT"), approved)
    again = rng.random(len(who)) < 0.06  # a second, later R2 with the other outcome
    res = pd.concat([
        pd.DataFrame({"participation_id": pid[who], "result_type": "R1", "outcome": outcome, "event_date": event,
                      "filed_date": r1_filed, "approved_date": r1_filed + np.timedelta64(3, "D")}),
        pd.DataFrame({"participation_id": pid[who], "result_type": "R2", "outcome": outcome, "event_date": event,
                      "filed_date": r2_filed, "approved_date": approved}),
        pd.DataFrame({"participation_id": pid[who][again], "result_type": "R2",
                      "outcome": np.where(outcome[again] == "work", "studies", "work"),
                      "event_date": event[again] + np.timedelta64(40, "D"),
                      "filed_date": r2_filed[again] + np.timedelta64(40, "D"),
                      "approved_date": r2_filed[again] + np.timedelta64(45, "D")}),
    ], ignore_index=True)
    res = res.sort_values(["participation_id", "result_type", "event_date"], kind="stable")
    res.insert(0, "result_id", np.arange(1, len(res) + 1))
    res.insert(2, "provider_id", "P1")
    res = res[["result_id", "participation_id", "provider_id", "result_type", "outcome", "event_date", "filed_date",
               "approved_date"]]

    providers = pd.DataFrame({"provider_id": ["P1", "P2", "P3"], "provider_name": ["Alfa", "Beta", "Gamma"]})
    contracts = pd.DataFrame({"provider_id": ["P1", "P2", "P3"], "delivery_area": ["A1", "A1", "B1"],
                              "generation": [1, 1, 2],
                              "contract_start": pd.to_datetime(["2020-03-01", "2020-03-01", "2023-04-17"]),
                              "contract_end": pd.NaT, "end_recorded_date": pd.NaT})
    empty = {name: _empty(name) for name in ("register_events", "provider_ratings")}
    tables = {"participations": participations, "periodic_reports": rep, "deviation_reports": deviations,
              "result_reports": res, "providers": providers, "contracts": contracts, **empty}
    return {name: TABLES[name].schema.validate(df) for name, df in tables.items()}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    for name, df in planted_tables().items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    cfg = PLANTED_CFG
    ds = romlab.load(folder, as_of=cfg.data_cutoff)
    return dict(cfg=cfg, ds=ds, ref=SqlReference(folder, cfg))


def test_planted_effects_are_there(planted):
    """The SQL side sees what was planted (so a comparison on these data is a sharp one)."""
    ref = planted["ref"]
    t7 = ref.tabell_group(7).set_index(["measure", "activity", "group"])["value"]
    guidance = codes.ACTIVITIES["hours_guidance"]
    assert t7[("mean_hours", guidance, "Kvinnor")] - t7[("mean_hours", guidance, "Män")] > 7
    t15 = ref.tabell_15().groupby("level")["value"].mean()
    assert t15["A"] > 70 and t15["C"] < 25
    f = ref.flow().set_index("measure")["value"]
    for step in ("excluded_not_full_month_or_adjacent_months", "excluded_deviation_report",
                 "excluded_double_reports_placement_period", "merged_provider_switch"):
        assert f[step] > 10, step
    s = ref.as_of_summary().set_index("table")
    assert (s.loc[["participations", "periodic_reports", "deviation_reports", "result_reports"], "rows_visible"]
            < s.loc[["participations", "periodic_reports", "deviation_reports", "result_reports"],
                    "rows_in_file"]).all()
    assert s.loc["participations", "values_blanked"] > 0 and s.loc["result_reports", "values_blanked"] > 0


def test_planted_romlab_and_sql_agree(planted):
    cfg, ds, ref = planted["cfg"], planted["ds"], planted["ref"]
    assert_cells_equal(ds.as_of_summary, ref.as_of_summary(), ["table"],
                       exact=["rows_in_file", "rows_visible", "values_blanked"], what="as of")
    sample, out = _romlab_side(ds, cfg)
    compare_flow(sample, ref)
    compare_months(sample.months, ref)
    compare_outcomes(out, ref)
    for table in SUPPORT_TABLES:
        compare_support(sample.months, ref, cfg, table)
    for table in RESULT_TABLES:
        compare_result(out, ref, cfg, table)


def _mutated(ds, what: str):
    """The dataset given to romlab, with one deliberate error."""
    rng = np.random.default_rng(7)
    if what == "deviation_month":
        dev = ds.deviation_reports.copy()
        dev["deviation_date"] = dev["deviation_date"] + pd.DateOffset(months=1)
        return dataclasses.replace(ds, deviation_reports=dev)
    if what == "result_participation":  # a join on the wrong key
        res = ds.result_reports.copy()
        res["participation_id"] = rng.permutation(res["participation_id"].to_numpy())
        return dataclasses.replace(ds, result_reports=res)
    part = ds.participations.copy()
    part[what] = rng.permutation(part[what].to_numpy())
    return dataclasses.replace(ds, participations=part)


@pytest.mark.parametrize("what, checks", [
    ("sex", [("support", "7"), ("support", "10"), ("support", "A1"), ("result", "16"), ("result", "21")]),
    ("level", [("support", "12"), ("support", "13"), ("result", "14"), ("result", "15"), ("result", "19")]),
    ("deviation_month", [("flow", None), ("support", "5")]),
    ("result_participation", [("outcomes", None), ("result", "14"), ("result", "16"), ("result", "20")]),
])
def test_a_mutation_of_romlabs_data_fails_the_comparison(planted, what, checks):
    cfg, ref = planted["cfg"], planted["ref"]
    sample, out = _romlab_side(_mutated(planted["ds"], what), cfg)
    for kind, table in checks:
        with pytest.raises(AssertionError, match="differ"):
            if kind == "flow":
                compare_flow(sample, ref)
            elif kind == "outcomes":
                compare_outcomes(out, ref)
            elif kind == "support":
                compare_support(sample.months, ref, cfg, table)
            else:
                compare_result(out, ref, cfg, table)
