"""Every report table's layout and sentence under any suppression pattern.

Disclosure control (`romlab.publication.protection`) hides whole cells; at high
thresholds on the small sample nearly everything is hidden. Whatever is hidden, each
registered table must lay out, describe itself and show as HTML; a hidden number shows
as '..' (`disclosure.SUPPRESSED`), never as 'nan', '<NA>', 'None' or a bare True/False;
and a sentence never states a number that is hidden. The first part runs on the
committed sample (2023-10 and 2023-04) at thresholds from 3 to 1000; the second on
hand-made tables with hand-worked sentences.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from romlab.publication.disclosure import SUPPRESSED
from romlab.report import overview, results_render, support_render
from romlab.report.registry import REGISTRY, table_defs
from romlab.run import period
from romlab.run.config import RunConfig

#: The sentence on a table whose numbers are all hidden.
ALL_HIDDEN = "Alla uppgifter i tabellen är undertryckta (..)."
CFG = RunConfig.for_period("2023-10")
PERIODS = ("2023-10", "2023-04", "2025-04")  # 2025-04: RoM 1 results and both RoM 2 parts
THRESHOLDS = (3, 10, 30, 100, 300, 1000)
#: Text that must never reach a reader: a missing value or a flag printed raw.
LEAK = re.compile(r"\b(nan|NaN|NA|<NA>|None|True|False|NaT)\b|,,")


# --------------------------------------------------------------------------- the sample

@pytest.fixture(scope="module")
def computed():
    """The sample's tables of each period, computed once, unprotected."""
    return {p: period.compute(RunConfig.for_period(p), "data/sample") for p in PERIODS}


def _text(frame: pd.DataFrame) -> str:
    return frame.to_string()


@pytest.mark.parametrize("min_cell", THRESHOLDS)
@pytest.mark.parametrize("per", PERIODS)
def test_every_table_renders_and_describes_whatever_is_hidden(computed, per, min_cell):
    p0 = computed[per]
    p = period.protect(replace(p0, cfg=p0.cfg.with_overrides(min_cell=min_cell)))
    table_defs(kind=None)  # the register filled
    keys = [k for k in p.tables if k in REGISTRY]
    assert keys == [d.key for d in REGISTRY.values() if d.applies(p.cfg)]  # every table of the period's parts
    for key in keys:
        t = p[key]
        laid_out = t.defn.render is not None
        shown = t.render()
        sentence = t.describe()
        page = t._repr_html_()
        assert isinstance(sentence, str)
        assert not LEAK.search(sentence), (key, sentence)
        if sentence:
            assert sentence.endswith("."), (key, sentence)
        if not laid_out:
            continue  # no layout registered: render() is the long data (the figures' points, the headline)
        assert not LEAK.search(_text(shown)), (key, _text(shown))
        assert not LEAK.search(page), (key, page)
        long = p.tables[key]
        if "suppressed" in long.columns and long["suppressed"].any():
            assert (shown == SUPPRESSED).to_numpy().any(), key  # a hidden number shows as '..'
        if "value" in long.columns and len(long) and long["value"].isna().all() and t.defn.describe:
            assert sentence == ALL_HIDDEN, (key, sentence)
    # the layouts for the registered entries without one (figures' points, headline)
    for key, render in (("figur_1", results_render.render_figure_data),
                        ("figur_2", results_render.render_figure_data),
                        ("headline", results_render.render_headline)):
        if key not in p.tables:  # a part the period does not have (2025-04: no RoM 1 support, no summary)
            continue
        shown = render(p.tables[key])
        assert not LEAK.search(_text(shown)), (key, _text(shown))
        assert not LEAK.search(shown.to_html()), key
        if p.tables[key]["value"].isna().any():
            assert (shown == SUPPRESSED).to_numpy().any(), key
    # the overview's starts (§3), protected with the tables
    sentence = overview.describe_starts(p.overview["starts"], p.cfg)
    assert not LEAK.search(sentence), sentence


# --------------------------------------------------------------------------- hand-made

def _t14(values: dict[tuple[str, str], float | None], n: dict[str, int | None]) -> pd.DataFrame:
    """A protected Tabell 14: {(measure, level): value}; None is hidden."""
    recs = []
    for (m, lv), v in values.items():
        recs.append({"table": "14", "measure": m, "level": lv, "value": np.nan if v is None else float(v),
                     "n": n[lv], "suppressed": v is None})
    t = pd.DataFrame(recs)
    t["n"] = t["n"].astype("Int64")
    return t


def _t14_values(hidden_levels: set[str]) -> dict:
    shares = {"ABC": (40.0, 30.0, 10.0), "A": (47.0, 37.0, 10.0), "B": (41.0, 31.0, 10.0), "C": (33.0, 23.0, 10.0)}
    out = {}
    for i, m in enumerate(("r2_share", "work_share", "education_share")):
        for lv, s in shares.items():
            out[(m, lv)] = None if lv in hidden_levels else s[i]
    return out


def test_tabell_14_sentence_with_nothing_hidden():
    t = _t14(_t14_values(set()), {"ABC": 1200, "A": 300, "B": 400, "C": 500})
    assert results_render.describe_tabell_14(t, CFG) == (
        "Av de 1\u202f200 deltagare som startade 2020-05 – 2022-01 och kan följas minst 18 månader nådde 40 % målet "
        "(R2): 47 % i nivå A, 41 % i nivå B och 33 % i nivå C; arbete är 75 % av resultaten.")


def test_tabell_14_sentence_shows_no_hidden_number():
    # the total and level B hidden (with its count): they show as '..', the shown levels as printed
    t = _t14(_t14_values({"ABC", "B"}), {"ABC": None, "A": 300, "B": None, "C": 500})
    text = results_render.describe_tabell_14(t, CFG)
    assert text == ("Av de .. deltagare som startade 2020-05 – 2022-01 och kan följas minst 18 månader nådde .. "
                    "målet (R2): 47 % i nivå A, .. i nivå B och 33 % i nivå C; arbete är .. av resultaten.")
    for hidden in ("1\u202f200", "1 200", "40 %", "41 %", "75 %"):
        assert hidden not in text


def test_tabell_14_all_hidden_says_so():
    t = _t14(_t14_values({"ABC", "A", "B", "C"}), {"ABC": None, "A": None, "B": None, "C": None})
    assert results_render.describe_tabell_14(t, CFG) == "Alla uppgifter i tabellen är undertryckta (..)."
    shown = results_render.render_tabell_14(t)
    assert (shown == SUPPRESSED).all().all()


def _t19(values: dict[tuple[str, int, str], float | None]) -> pd.DataFrame:
    recs = [{"table": "19", "measure": m, "window": w, "level": lv, "value": np.nan if v is None else v,
             "suppressed": v is None} for (m, w, lv), v in values.items()]
    return pd.DataFrame(recs)


def test_tabell_19_and_20_sentences_range_over_what_is_shown():
    v = {("work_share", 1, "A"): 20.0, ("work_share", 1, "B"): None, ("work_share", 2, "A"): 12.0,
         ("education_share", 1, "A"): None, ("education_share", 1, "B"): None, ("education_share", 2, "A"): None}
    text = results_render.describe_tabell_19(_t19(v))
    assert text == ("Andelen som gick till arbete ligger mellan 12 % och 20 %, andelen som gick till utbildning "
                    "mellan .. och ..; undertryckta celler (..) ingår inte.")
    t20 = _t19({("work_share_of_results", 1, "A"): 70.0, ("work_share_of_results", 1, "B"): 80.0,
                ("work_share_of_results", 4, "A"): None, ("work_share_of_results", 4, "B"): None})
    assert results_render.describe_tabell_20(t20) == (
        "Arbete står för 70 %–80 % av resultaten i fönster 1 och .. i fönster 4; undertryckta celler (..) ingår inte.")
    # nothing hidden: the sentences as before
    full = _t19({("work_share_of_results", 1, "A"): 70.0, ("work_share_of_results", 4, "A"): 60.0})
    assert results_render.describe_tabell_20(full) == (
        "Arbete står för 70 %–70 % av resultaten i fönster 1 och 60 %–60 % i fönster 4.")
    hidden = {k: None for k in v}
    assert results_render.describe_tabell_19(_t19(hidden)) == ALL_HIDDEN
    assert results_render.describe_tabell_20(_t19({("work_share_of_results", 1, "A"): None})) == ALL_HIDDEN


def test_tabell_23_all_hidden_says_so():
    cols = results_render.TABELL_23_COLUMNS
    t = pd.DataFrame({"table": "23", "measure": "unsubsidised_share_of_employment", "level": "ABC",
                      "column": list(cols), "value": np.nan, "n": pd.array([pd.NA, pd.NA], dtype="Int64"),
                      "suppressed": True})
    assert results_render.describe_tabell_23(t) == ALL_HIDDEN
    assert (results_render.render_tabell_23(t) == SUPPRESSED).all().all()


def _t16(rows: list[tuple[str, str | None, float | None, float | None, bool]]) -> pd.DataFrame:
    """Window 1, level A: (group, reference, value, p-value, significant); value None: hidden."""
    return pd.DataFrame({
        "table": "16", "measure": "r2_share", "group": [r[0] for r in rows], "window": 1, "level": "A",
        "value": [np.nan if r[2] is None else r[2] for r in rows], "comparison": "sex",
        "reference": [r[1] for r in rows], "p_value": [np.nan if r[3] is None else r[3] for r in rows],
        "significant": [r[4] for r in rows], "suppressed": [r[2] is None for r in rows]})


def test_group_table_counts_only_tests_it_shows():
    t = pd.concat([
        _t16([("Kvinnor", "Män", 40.0, 0.01, True), ("Män", None, 30.0, None, False)]),
        # a second comparison whose reference is hidden: its p-value is withheld, the test not shown
        _t16([("Utrikes född", "Inrikes född", 35.0, None, False), ("Inrikes född", None, None, None, False)]),
        # a hidden group
        _t16([("Funktionsnedsättning", "Ej funktionsnedsättning", None, None, False),
              ("Ej funktionsnedsättning", None, 33.0, None, False)]),
    ], ignore_index=True)
    assert results_render.describe_group_table(t, 0.05) == (
        "1 av 1 celler skiljer sig statistiskt säkerställt från referensgruppen (tvåsidigt z-test, 5 %-nivå); "
        "markerade med *.")
    hidden = t.assign(value=np.nan, p_value=np.nan, significant=False, suppressed=True)
    assert results_render.describe_group_table(hidden, 0.05) == ALL_HIDDEN
    assert results_render.describe_tabell_17(hidden.assign(flagged=False)) == ALL_HIDDEN


def _tests15(hidden_windows: set[int], significant: dict[int, bool]) -> pd.DataFrame:
    recs = []
    for w, sig in significant.items():
        for a, b in (("A", "B"), ("A", "C"), ("B", "C")):
            hid = w in hidden_windows
            recs.append({"window": w, "level_1": a, "level_2": b, "difference": np.nan if hid else 5.0,
                         "p_value": np.nan if hid else (0.001 if sig else 0.5), "significant": sig and not hid,
                         "suppressed": hid})
    return pd.DataFrame(recs)


def _t15(hidden_windows: set[int], windows) -> pd.DataFrame:
    return pd.DataFrame([{"table": "15", "measure": "r2_share", "window": w, "level": lv,
                          "value": np.nan if w in hidden_windows else 30.0, "suppressed": w in hidden_windows}
                         for w in windows for lv in "ABC"])


def test_tabell_15_sentence_leaves_out_hidden_windows():
    tests = _tests15({3}, {1: True, 2: True, 3: False})
    text = results_render.describe_tabell_15(_t15({3}, [1, 2, 3]), tests)
    # window 3's tests are hidden: its "not significant" is not stated
    assert text == ("Alla skillnader mellan nivåerna är statistiskt säkerställda på 99 procents nivå i fönster "
                    "1, 2; i fönster 3 är jämförelser undertryckta (..).")
    tests = _tests15({2}, {1: True, 2: True, 3: False})
    assert results_render.describe_tabell_15(_t15({2}, [1, 2, 3]), tests) == (
        "Skillnaderna mellan nivåerna är statistiskt säkerställda på 99 procents nivå i fönster 1, men inte alla "
        "i fönster 3; i fönster 2 är jämförelser undertryckta (..).")
    tests = _tests15({2}, {1: False, 2: True, 3: False})
    assert results_render.describe_tabell_15(_t15({2}, [1, 2, 3]), tests) == (
        "I fönster 1, 3 är inte alla skillnader mellan nivåerna statistiskt säkerställda på 99 procents nivå; "
        "i fönster 2 är jämförelser undertryckta (..).")
    # one pair of window 2 hidden, another shown and not significant: "not all" is known from what is shown
    tests = _tests15(set(), {1: True, 2: False})
    tests.loc[3, ["difference", "p_value", "significant", "suppressed"]] = [np.nan, np.nan, False, True]
    assert results_render.describe_tabell_15(_t15(set(), [1, 2]), tests) == (
        "Skillnaderna mellan nivåerna är statistiskt säkerställda på 99 procents nivå i fönster 1, men inte alla "
        "i fönster 2.")
    everything = _tests15({1, 2, 3}, {1: True, 2: True, 3: False})
    assert results_render.describe_tabell_15(_t15({1, 2, 3}, [1, 2, 3]), everything) == ALL_HIDDEN
    # level cells shown but every window's tests hidden (a pair rests on a hidden level)
    assert results_render.describe_tabell_15(_t15(set(), [1, 2]), _tests15({1, 2}, {1: True, 2: True})) == (
        "I samtliga fönster är jämförelser mellan nivåerna undertryckta (..).")
    # nothing hidden: the sentences as before
    assert results_render.describe_tabell_15(_t15(set(), [1, 2]), _tests15(set(), {1: True, 2: True})) == (
        "Alla skillnader mellan nivåerna är statistiskt säkerställda på 99 procents nivå i samtliga fönster.")


def test_level_tests_layout_hides_a_hidden_test():
    tests = _tests15({2}, {1: True, 2: False})
    shown = results_render.render_level_tests(tests)
    hidden = shown[shown["Fönster"] == "Fönster 2"]
    assert (hidden[["Skillnad (procentenheter)", "p-värde", "Statistiskt säkerställd"]] == SUPPRESSED).all().all()
    assert (shown[shown["Fönster"] == "Fönster 1"]["Statistiskt säkerställd"] == "Ja").all()


def _support_group(values: dict[str, float | None]) -> pd.DataFrame:
    recs = []
    for g, v in values.items():
        for measure, x in (("mean_hours", v), ("observations", None if v is None else 100.0)):
            recs.append({"table": "9", "measure": measure, "activity": "Sammanlagt stöd", "group": g,
                         "value": np.nan if x is None else x, "suppressed": v is None})
    return pd.DataFrame(recs)


def _support_tests(pairs: list[tuple[str, str, bool, bool]]) -> pd.DataFrame:
    """(group, reference, significant, suppressed)."""
    return pd.DataFrame({"activity": "Sammanlagt stöd", "by": "age_group", "group": [p[0] for p in pairs],
                         "reference": [p[1] for p in pairs], "significant": [p[2] and not p[3] for p in pairs],
                         "suppressed": [p[3] for p in pairs]})


def test_support_group_sentence_shows_no_hidden_group():
    long = _support_group({"Under 25 år": 9.5, "25–55 år": 8.25, "Över 55 år": None})
    tests = _support_tests([("Under 25 år", "25–55 år", True, False), ("Under 25 år", "Över 55 år", True, True),
                            ("25–55 år", "Över 55 år", False, True)])
    text = support_render.describe_groups(long, tests)
    assert text == ("Det genomsnittliga sammanlagda stödet varierar från 8,2 timmar (25–55 år) till 9,5 timmar "
                    "(Under 25 år); 1 av 1 parvisa skillnader i sammanlagt stöd är statistiskt säkerställd; "
                    "undertryckta grupper (..) ingår inte.")
    one = _support_group({"Under 25 år": 9.5, "25–55 år": None})
    assert support_render.describe_groups(one, _support_tests([("Under 25 år", "25–55 år", True, True)])) == (
        "Det genomsnittliga sammanlagda stödet är 9,5 timmar (Under 25 år); ingen parvis skillnad i sammanlagt "
        "stöd redovisas; undertryckta grupper (..) ingår inte.")
    none = _support_group({"Under 25 år": None, "25–55 år": None})
    none_tests = _support_tests([("Under 25 år", "25–55 år", False, True)])
    assert support_render.describe_groups(none, none_tests) == ALL_HIDDEN


def test_support_sentence_unchanged_when_nothing_is_hidden():
    long = _support_group({"Under 25 år": 9.5, "25–55 år": 8.25})
    long_unprotected = long.drop(columns="suppressed")
    tests = _support_tests([("Under 25 år", "25–55 år", False, False)]).drop(columns="suppressed")
    expected = ("Det genomsnittliga sammanlagda stödet varierar från 8,2 timmar (25–55 år) till 9,5 timmar "
                "(Under 25 år); 0 av 1 parvisa skillnader i sammanlagt stöd är statistiskt säkerställda.")
    assert support_render.describe_groups(long_unprotected, tests) == expected
    assert support_render.describe_groups(long, tests.assign(suppressed=False)) == expected


def test_starts_sentence_with_hidden_cells():
    cfg = RunConfig.for_period("2023-10")
    labels = [f"Fönster {w}" for w in cfg.windows]
    starts = pd.DataFrame({"Nivå A": [10, 20, 30, 40], "Nivå B": [10, 20, 30, 40], "Nivå C": [20, 40, 60, 80],
                           "Totalt": [40, 80, 120, 160]}, index=labels).astype("Int64")
    assert overview.describe_starts(starts, cfg) == (
        "400 deltagare påbörjade tjänsten i fönster 1–4; flest i nivå C (50 %).")
    hidden = starts.copy()
    hidden.loc["Fönster 2", ["Nivå A", "Nivå B"]] = pd.NA
    assert overview.describe_starts(hidden, cfg) == (
        "400 deltagare påbörjade tjänsten i fönster 1–4; fördelningen på nivåer är undertryckt (..).")
    hidden.loc["Fönster 2", "Totalt"] = pd.NA
    assert overview.describe_starts(hidden, cfg) == (
        ".. deltagare påbörjade tjänsten i fönster 1–4; fördelningen på nivåer är undertryckt (..).")


def test_figure_and_headline_layouts_show_hidden_points_as_dots():
    f = pd.DataFrame({"start_month": pd.to_datetime(["2021-01-01"] * 4 + ["2021-02-01"] * 4),
                      "level": ["ABC", "A", "B", "C"] * 2,
                      "value": [30.4, 40.6, np.nan, 20.0, np.nan, np.nan, np.nan, np.nan],
                      "n": pd.array([100, 30, pd.NA, 40, pd.NA, pd.NA, pd.NA, pd.NA], dtype="Int64"),
                      "suppressed": [False, False, True, False, True, True, True, True]})
    shown = results_render.render_figure_data(f)
    assert shown.columns.tolist() == ["Totalt", "Nivå A", "Nivå B", "Nivå C"]
    assert shown.index.tolist() == ["2021-01", "2021-02"]
    assert shown.loc["2021-01"].tolist() == ["30", "41", "..", "20"]
    assert (shown.loc["2021-02"] == "..").all()
    assert results_render.describe_figur_1(f.iloc[4:]) == support_render.ALL_HIDDEN
    h = pd.DataFrame({"table": "headline",
                      "measure": ["r2_share", "work_share_of_results", "education_share_of_results", "median_hours",
                                  "mean_hours", "unsubsidised_share_of_employment_low",
                                  "unsubsidised_share_of_employment_high", "r2_share", "r2_share", "r2_share"],
                      "level": ["ABC"] * 7 + ["A", "B", "C"],
                      "value": [32.6, 81.4, 18.6, 6.0, 8.46, 65.6, 73.9, np.nan, 30.2, np.nan]})
    shown = results_render.render_headline(h)
    assert shown["Värde"].tolist() == ["33 %", "81 %", "19 %", "6", "8,5", "66 %", "74 %", "..", "30 %", ".."]
