"""Every order a reader sees is the same on every machine (issue 12, point 1).

numpy's default (unstable) sort orders tied rows differently with and without
AVX-512, so any visible order that rests on the sort's treatment of ties depends on
the CPU. These tests plant ties and shuffle the rows fed to each function that orders
something a reader sees: if the output is the same for every input order, ties are
broken by explicit keys and not by the sort. `make test` runs this file a second time
under ``NPY_DISABLE_CPU_FEATURES="AVX512_ICL X86_V4"`` (the other dispatch), with the
notebook checks.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.publication import compare
from romlab.report import registry
from romlab import paths
from romlab.report import results, results_render, support_render

SEEDS = range(8)


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1.0, random_state=seed)


def _cmp_rows() -> pd.DataFrame:
    """A comparison frame (as `compare.comparison` returns) with planted ties: rows 0–2
    share |difference| / tolerance = 20 (the same number published in three places);
    rows 3–4 tie at 5 with different keys; one row is within, one has tolerance 0."""
    rows = [
        # table, measure, activity, window, published, reproduced, tolerance, within
        ("urval", "periodic_reports_after_merge_exact", None, None, 1000.0, 0.0, 50.0, False),
        ("5", "observations", "Sammanlagt stöd", None, 1000.0, 0.0, 50.0, False),
        ("5", "observations", "Eget arbete", None, 1000.0, 0.0, 50.0, False),
        ("16", "r2_share", None, 2.0, 30.0, 50.0, 4.0, False),
        ("16", "r2_share", None, 10.0, 30.0, 10.0, 4.0, False),
        ("14", "r2_share", None, None, 30.0, 30.5, 1.0, True),
        ("5", "median_hours", "Sammanlagt stöd", None, 6.0, 7.0, 0.0, False),
        ("2", "percentile_hours", "Eget arbete", None, 10.0, 12.0, 1.0, False),
    ]
    c = pd.DataFrame(rows, columns=["table", "measure", "activity", "window", "published", "reproduced",
                                    "tolerance", "within"])
    c["difference"] = c["reproduced"] - c["published"]
    return c[["table", "measure", "activity", "window", "published", "reproduced", "difference", "tolerance",
              "within"]]


def test_largest_deviations_breaks_ties_by_the_keys():
    c = _cmp_rows()
    expected = [("5", "Eget arbete"), ("5", "Sammanlagt stöd"), ("urval", None),  # tie at 20: keys as text
                ("16", 10.0), ("16", 2.0),  # tie at 5: window as text, "10" before "2"
                ("2", "Eget arbete")]  # 2 (outside); within and tolerance-0 rows left out
    for seed in SEEDS:
        got = compare.largest_deviations(_shuffled(c, seed), 10)
        keys = [(t, w if t == "16" else a) for t, a, w in zip(got["table"], got["activity"], got["window"])]
        keys = [(t, None if pd.isna(k) else k) for t, k in keys]
        assert keys == expected, (seed, keys)
        assert list(got.columns) == list(c.columns) and list(got.index) == list(range(len(expected)))
    assert len(compare.largest_deviations(c, 2)) == 2


def test_describe_comparison_names_the_first_printed_table_on_a_tie():
    c = _cmp_rows()
    c = c[c["table"].isin(["16", "2"])]  # 16: 0 of 2 within; 2: 0 of 1 within: a tie at 0 %
    for seed in SEEDS:
        assert "lägst andel av de återskapade inom toleransen har Tabell 2 (0 %)" in \
            compare.describe_comparison(_shuffled(c, seed))


def test_say_share_breaks_ties_in_report_order():
    acts = support_render.ACTIVITY_ORDER[1:5]  # four activities in report order
    long6 = pd.DataFrame({"activity": acts, "value": [40.0, 80.0, 10.0, 80.0]})
    first, second = acts[1], acts[3]  # tied at 80 %: the one printed first leads
    for seed in SEEDS:
        text = support_render.describe_share(_shuffled(long6, seed))
        lead, then = text.split("följt av")
        assert f"{first.lower()}, som 80 %" in lead and f"{second.lower()} (80 %" in then, text


def test_describe_tabell_17_breaks_ties_in_printed_order():
    t17 = pd.DataFrame({"comparison": ["sex", "sex", "age", "age", "education"],
                        "flagged": [True, True, True, True, False]})
    for seed in SEEDS:
        # rows arrive in printed order (as results.tabell_17 returns them); shuffling
        # within the tied counts must not change the answer when the printed order is kept
        shuffled = _shuffled(t17, seed).sort_index(kind="stable")
        assert "efter kön" in results_render.describe_tabell_17(shuffled)
    assert "efter ålder" in results_render.describe_tabell_17(t17.iloc[[2, 3, 0, 1, 4]])


def test_level_order_and_level_tests_do_not_depend_on_row_order():
    t = pd.DataFrame({"table": "15", "measure": ["r2_share"] * 6 + ["work_share"] * 3,
                      "window": [2, 1, 2, 1, 1, 2, 1, 1, 1], "level": ["B", "A", "ABC", "ABC", "B", "A", "C", "A", "ABC"],
                      "value": np.arange(9.0)})
    ref = results._level_order(t)
    assert list(zip(ref["measure"], ref["window"], ref["level"]))[:6] == [
        ("r2_share", 1, "ABC"), ("r2_share", 1, "A"), ("r2_share", 1, "B"),
        ("r2_share", 2, "ABC"), ("r2_share", 2, "A"), ("r2_share", 2, "B")]
    for seed in SEEDS:  # measures keep the order they first appear in: shuffle within a measure
        s = pd.concat([_shuffled(t[t["measure"] == m], seed) for m in ("r2_share", "work_share")])
        pd.testing.assert_frame_equal(results._level_order(s), ref)


@pytest.fixture(scope="module")
def sample_tables():
    cfg = romlab.RunConfig.for_period("2023-10")
    ds = romlab.load(paths.SAMPLE, as_of=cfg.data_cutoff)
    return cfg, ds, registry.report_tables(ds, cfg)


def test_every_report_table_is_the_same_whatever_the_row_order_of_the_data(sample_tables):
    """Every table of a run (and the comparison's largest deviations, notebook 90) from
    the sample with the rows of every input table shuffled: the same rows in the same
    order, the same keys exactly, values equal up to the order of floating-point sums."""
    cfg, ds, ref = sample_tables
    shuffled = dataclasses.replace(ds, **{name: _shuffled(frame, 7).reset_index(drop=True)
                                          for name, frame in ds.tables().items()})
    got = registry.report_tables(shuffled, cfg)
    assert list(got) == list(ref)
    for key, t in ref.items():
        g = got[key]
        assert list(g.columns) == list(t.columns), key
        num = [c for c in t.columns if pd.api.types.is_float_dtype(t[c])]
        other = [c for c in t.columns if c not in num]
        pd.testing.assert_frame_equal(g[other].reset_index(drop=True), t[other].reset_index(drop=True),
                                      check_exact=True, obj=f"table {key} (keys)")
        pd.testing.assert_frame_equal(g[num].reset_index(drop=True), t[num].reset_index(drop=True),
                                      check_exact=False, rtol=1e-9, atol=1e-9, obj=f"table {key} (values)")
    a = compare.largest_deviations(compare.comparison(ref), 10)
    b = compare.largest_deviations(compare.comparison(got), 10)
    assert a["table"].tolist() == b["table"].tolist() and a["measure"].tolist() == b["measure"].tolist()
