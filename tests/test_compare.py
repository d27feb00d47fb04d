"""The comparison with published values: matching keys, a missing cell fails, tolerance;
the printed unit; the measure of the differences between groups; the period warning."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from romlab.publication.compare import (PUBLISHED_PERIOD, compare, group_blocks, group_deviations, group_structure,
                            group_structure_summary, headline_comparison, period_warning, period_warning_html, printed_precision,
                            published)


def test_exact_match_and_tolerance():
    pub = published(15)
    rep = pub[["table", "measure", "window", "level", "value"]].copy()
    rep["value"] = rep["value"] + 1.0  # every cell one point off
    out = compare(rep, 15, tolerance=1.5)
    assert len(out) == len(pub) and out["within"].all()
    assert (out["difference"] == 1.0).all()
    assert not compare(rep, 15, tolerance=0.5)["within"].any()


def test_missing_cell_is_not_within():
    rep = published(15)[["table", "measure", "window", "level", "value"]].iloc[1:]
    out = compare(rep, 15, tolerance=100)
    assert out["reproduced"].isna().sum() == 1 and (~out["within"]).sum() == 1


def test_numeric_keys_match_across_types():
    pub = published(3)
    rep = pub[["measure", "activity", "included_share", "value"]].copy()
    rep["included_share"] = rep["included_share"].astype(str)  # "97.5", "95.0"
    assert compare(rep, 3, tolerance=0)["within"].all()


def test_duplicate_reproduced_keys_raise():
    rep = published(14)[["measure", "level", "value"]]
    with pytest.raises(ValueError, match="duplicate"):
        compare(pd.concat([rep, rep.iloc[:1]]), 14, tolerance=1)


def test_tolerance_per_row():
    rep = published(2)[["measure", "activity", "percentile", "value"]]
    out = compare(rep, 2, tolerance=lambda d: d["published"].abs() * 0.1)
    assert out["within"].all() and out["tolerance"].nunique() > 1


# --------------------------------------------------------------------------- printed precision

def test_printed_precision_reads_the_digits_as_printed():
    p5 = printed_precision(5)
    pub = published(5)
    assert len(p5) == len(pub)
    by = dict(zip(zip(pub["measure"], pub["activity"], pub["adjusted"]), p5))
    assert by[("mean_hours", "Sammanlagt stöd", "justerat")] == pytest.approx(0.1)      # 8,2
    assert by[("median_hours", "Sammanlagt stöd", "justerat")] == 1.0                   # 6
    assert set(printed_precision(16)) == {1.0} and np.allclose(printed_precision("A1"), 0.1)


def test_compare_carries_the_printed_unit_for_tolerances_in_units():
    pub = published(12)
    rep = pub[["measure", "activity", "level", "value"]].assign(value=lambda d: d["value"] + 0.12)
    out = compare(rep, 12, tolerance=lambda d: 1.5 * d["precision"])
    means = out["measure"] == "mean_hours"
    assert out["within"].all()                      # 0.12 within 1.5 × 0.1 h and 1.5 × 1 observation
    one = compare(rep, 12, tolerance=lambda d: 1.0 * d["precision"])
    assert not one.loc[means, "within"].any()       # 0.12 h outside 1 × 0.1 h
    assert one.loc[~means, "within"].all()          # 0.12 observations within 1 × 1


# --------------------------------------------------------------------------- group structure

def _planted(table: str, effect) -> pd.DataFrame:
    """A comparison frame of group table `table`: published as in data/published,
    reproduced = published + `effect(frame)` (a function of the published rows)."""
    pub = published(table)
    keys = [k for k in ("measure", "activity", "group", "window", "level", "column") if k in pub.columns]
    rep = pub[keys + ["value"]].copy()
    rep["value"] = rep["value"] + effect(pub)
    return compare(rep, table, tolerance=np.inf)


def test_group_structure_is_blind_to_levels_and_sees_the_groups():
    # a shift of every cell of a row of groups (here: of the whole table) keeps the pattern
    same = group_structure(_planted("8", lambda p: 0.3), "8")
    assert same["correlation"] == pytest.approx(1.0) and same["spread"] == pytest.approx(1.0)
    # each activity's own shift: still the same deviations from the row mean
    shift = group_structure(_planted("8", lambda p: p["activity"].map(hash) % 7 / 10), "8")
    assert shift["correlation"] == pytest.approx(1.0)
    # the groups swapped within each row: every deviation reversed
    pub = published(8)
    swapped = pub.assign(value=pub.groupby(["measure", "activity"])["value"].transform(lambda v: v[::-1].to_numpy()))
    c = compare(swapped[["measure", "activity", "group", "value"]], 8, tolerance=np.inf)
    assert group_structure(c, "8")["correlation"] == pytest.approx(-1.0)
    # no differences between groups at all: each row at its mean
    flat = pub.assign(value=pub.groupby(["measure", "activity"])["value"].transform("mean"))
    s = group_structure(compare(flat[["measure", "activity", "group", "value"]], 8, tolerance=np.inf), "8")
    assert s["spread"] == 0 and np.isnan(s["correlation"])
    assert s["cells"] == 24 and s["rounding_sd"] == pytest.approx(0.1 / np.sqrt(12))


def test_group_deviations_use_the_row_of_groups_of_each_table():
    # Tabell 12: groups are the levels, a row is an activity (3 cells)
    d = group_deviations(_planted("12", lambda p: 0.0), "12")
    assert len(d) == 36 and d.groupby("activity")["dev_published"].sum().abs().max() < 1e-9
    # Tabell 16: a row is a window × level (18 groups); by block, a comparison within it
    d = group_deviations(_planted("16", lambda p: 0.0), "16")
    assert d.groupby(["window", "level"]).size().eq(18).all()
    b = group_deviations(_planted("16", lambda p: 0.0), "16", by_block=True)
    assert set(b["block"]) == {"sex", "birth_country", "foreign_sex", "disability", "education", "age",
                               "registration"}
    sex = b[b["block"] == "sex"]
    assert (sex.groupby(["window", "level"])["dev_published"].sum().abs() < 1e-9).all()
    # Tabell A1: groups are the 11 columns of one activity × level; blocks by grouping
    a1 = group_deviations(_planted("A1", lambda p: 0.0), "A1", by_block=True)
    assert a1.groupby("block")["column"].nunique().to_dict() == {"age": 3, "disability": 2, "education": 2,
                                                                 "birth_country": 2, "sex": 2}
    with pytest.raises(ValueError, match="one grouping"):
        group_deviations(_planted("8", lambda p: 0.0), "8", by_block=True)


def test_group_blocks_find_the_one_grouping_that_is_wrong():
    """Tabell 16 with the women and men swapped (their published values exchanged):
    the table's correlation stays high, the sex block's goes to −1."""
    pub = published(16)
    swap = {"Kvinnor": "Män", "Män": "Kvinnor"}
    rep = pub.assign(group=pub["group"].map(lambda g: swap.get(g, g)))[["measure", "group", "window", "level",
                                                                        "value"]]
    c = compare(rep, 16, tolerance=np.inf)
    assert group_structure(c, "16")["correlation"] > 0.9
    blocks = group_blocks(c, "16").set_index("block")
    assert blocks.loc["sex", "correlation"] == pytest.approx(-1.0)
    assert np.allclose(blocks.drop(index="sex")["correlation"], 1.0)


def test_missing_cells_leave_the_measure_and_summary_in_report_order():
    c = pd.concat([_planted(t, lambda p: 0.0) for t in ("A1", "16", "8")], ignore_index=True)
    c.loc[c.index[:5], "reproduced"] = np.nan  # A1: five cells not reproduced
    s = group_structure_summary(c)
    assert s["table"].tolist() == ["8", "16", "A1"]
    assert s.set_index("table").loc["A1", "cells"] == 363 - 5
    assert np.allclose(s["correlation"], 1.0)


# --------------------------------------------------------------------------- period

def test_period_warning_only_for_another_period():
    assert PUBLISHED_PERIOD == "2023-10"
    assert period_warning("2023-10") is None and period_warning_html("2023-10") == ""
    text = period_warning("2023-04")
    assert "2023-04" in text and "2023-10" in text
    assert period_warning_html("2023-04").startswith('<p class="warning">')


def _fake_run(folder, period: str):
    """A run folder with what `romlab compare RUN` reads: jamforelse.csv and nyckeltal.json."""
    from romlab.publication import compare

    folder.mkdir()
    tables = {t: published(t).assign(value=lambda d: d["value"] + 0.01) for t in ("8", "16")}
    compare.comparison(tables).to_csv(folder / "jamforelse.csv", index=False)
    (folder / "nyckeltal.json").write_text(json.dumps({"period": period}), encoding="utf-8")
    return folder


def test_romlab_compare_warns_on_another_period_and_reports_the_groups(tmp_path, capsys):
    from romlab.run.cli import main

    assert main(["compare", str(_fake_run(tmp_path / "2023-04", "2023-04"))]) == 0
    out, err = capsys.readouterr()
    assert "rapportmånad 2023-04" in err and "2023-10" in err
    assert "Skillnader mellan grupper" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] in (["8"], ["16"])}
    assert rows["16"][1] == "r2_share" and float(rows["16"][3]) == pytest.approx(1.0)

    assert main(["compare", str(_fake_run(tmp_path / "2023-10", "2023-10")), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)[0]["table"] == "8"


def test_index_warns_on_another_period(tmp_path):
    from romlab import paths
    from romlab.run import pages
    from romlab.run.config import RunConfig

    key = {"r2_share": {}, "support_mean_hours": {"justerat": 8.0}, "support_median_hours": {"justerat": 6.0}}
    for period, warned in (("2023-04", True), ("2023-10", False)):
        folder = tmp_path / period
        folder.mkdir()
        page = pages.index_html(folder, RunConfig.for_period(period), data=paths.SAMPLE, overrides={}, pages=[],
                                figures=[], key=key, summary=pd.DataFrame({"table": ["8"]}), version="0")
        html = page.read_text(encoding="utf-8")
        assert ('class="warning"' in html) is warned
        assert (f"rapportmånad {period}, men de publicerade" in html) is warned


def test_headline_comparison_keeps_the_reproduced_headline_rows_in_order():
    c = pd.DataFrame({
        "table": ["headline", "14", "headline", "headline"],
        "measure": ["r2_share", "r2_share", "mean_hours", "work_share_of_results"],
        "level": ["ABC", "A", "ABC", "ABC"],
        "published": [33.0, 38.0, 8.0, 81.0], "reproduced": [32.8, 38.1, np.nan, 81.7],
        "difference": [-0.2, 0.1, np.nan, 0.7], "tolerance": [1.0, 1.0, 0.5, 3.0], "within": [True, True, False, True]})
    got = headline_comparison(c)
    assert got["measure"].tolist() == ["r2_share", "work_share_of_results"]  # the unreproduced one is left out
    assert list(got.columns) == ["measure", "level", "published", "reproduced", "difference", "tolerance", "within"]
    assert got.index.tolist() == [0, 1]
