"""The report's tables, declared once each, in the order a period computes and exports them.

Every entry of `romlab.report.registry.REGISTRY` comes from here: the summary's headline
figures, §3.5.1's selection flow, §4's Tabell 2–13 (each group table followed by its
significance tests) and Bilaga 1's Tabell A 1, then §5's Tabell 14–23 with the data of
Figur 1 and 2 and Tabell 15's level tests. Titles are spelled as printed in the report.
Tolerances against the published values are in the table's printed unit (hours or
percentage points): where a criterion is stated on a mean absolute difference (Tabell 13
and A 1: 0.3 h; Tabell 19–22: 2.5 points; Tabell 16: 4 points per cell and 2 on average)
the per-cell tolerance is that bound, and `romlab.publication.comparison` reports the
mean absolute difference beside it. Population cells (for disclosure control,
`romlab.publication.protection`) are written ``kind|…``: ``P`` the window population
(window × level × group), ``Q`` the 18-month population by level (Tabell 14, 23),
``F1``/``F2`` the start month × level of Figur 1/2, ``S`` the support sample
(table × group × level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.report import results, results_render, support, support_render
from romlab.report.registry import TableDef, register

ALL = "Alla"
TOTAL = "ABC"
EMPLOYMENT = "unsubsidised_share_of_employment"

#: Title stems the report repeats (Tabell 5, 7–12; Tabell 15–17).
SUPPORT_TITLE = "Genomsnittligt sammanlagt stöd samt stöd per aktivitet i timmar varje månad"
R2_TITLE = "Rapporterat utflöde till arbete och studier i procent som varat i minst fyra månader (R2)"


# --------------------------------------------------------------------------- population cells

def _join(prefix: str, *cols: pd.Series) -> pd.Series:
    out = pd.Series(prefix, index=cols[0].index, dtype=object)
    for c in cols:
        out = out + "|" + c.astype(str)
    return out


def window_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 15, 19, 20: the window × level population."""
    return _join("P", t["window"], t["level"], pd.Series(ALL, index=t.index))


def group_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 16, 17, 21, 22: the group within the window × level population."""
    return _join("P", t["window"], t["level"], t["group"])


def level_test_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 15's level tests: the first cell of each pair (the other is checked in
    `romlab.publication.protection.protect`)."""
    return _join("P", t["window"], t["level_1"], pd.Series(ALL, index=t.index))


def level_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 14: the level of the 18-month population."""
    return "Q|" + t["level"].astype(str)


def employment_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 23: the level of the 18-month population (its employment shares rest on
    the persons in work of that level, counts of the same cell)."""
    return "Q|" + t["level"].astype(str)


def headline_cells(t: pd.DataFrame) -> pd.Series:
    """The summary's figures rest on the cells of Tabell 14, 5 and 23 they come from."""
    m = t["measure"]
    out = pd.Series("Q|ABC", index=t.index, dtype=object)
    out[m == "r2_share"] = "Q|" + t.loc[m == "r2_share", "level"].astype(str)
    out[m.isin(["median_hours", "mean_hours"])] = "S|5|" + ALL
    return out


def figure_cells(prefix: str):
    """Figur 1 (``F1``) and Figur 2 (``F2``): the start month × level of the figure's
    population (each point and its band)."""
    return lambda t: prefix + "|" + pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m") + "|" + t["level"].astype(str)


def support_total_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 5: the adjusted sample (the unadjusted rests on the whole sample)."""
    return pd.Series(pd.NA, index=t.index, dtype=object).where(t["adjusted"] != "justerat", "S|5|" + ALL)


def support_group_cells(key: str):
    """Tabell 7–11: the group of the support sample."""
    return lambda t: "S|" + key + "|" + t["group"].astype(str)


def support_level_cells(t: pd.DataFrame) -> pd.Series:
    return "S|12|" + t["level"].astype(str)


def support_registration_cells(t: pd.DataFrame) -> pd.Series:
    return "S|13|" + t["group"].astype(str) + "|" + t["level"].astype(str)


def support_a1_cells(t: pd.DataFrame) -> pd.Series:
    return "S|A1|" + t["column"].astype(str) + "|" + t["level"].astype(str)


# --------------------------------------------------------------------------- tolerances

def _relative(share: float):
    return lambda d: share * d["published"].abs().to_numpy()


def _tolerance_2(d):  # percentiles 10–95 within 1 h (Eget arbete 10 %); above 95: 10 %
    rel = (d["activity"] == "Eget arbete") | (pd.to_numeric(d["percentile"]) > 95)
    return np.where(rel, 0.10 * d["published"].abs(), 1.0)


def _tolerance_3_4(d):
    return np.where(d["activity"] == "Eget arbete", 3.0, 0.15)


def _tolerance_5(d):
    tot = d["activity"] == "Sammanlagt stöd"
    adj = d["adjusted"] == "justerat"
    mean = d["measure"] == "mean_hours"
    return np.select([mean & tot & adj, mean & tot & ~adj, mean, d["measure"] == "median_hours",
                      d["measure"] == "observations"],
                     [0.2, 0.3, 0.15, 0.0, 0.05 * d["published"].abs()], np.nan)


def _tolerance_group(d):
    return np.where(d["measure"] == "observations", 0.10 * d["published"].abs(), 0.15)


def _tolerance_18(d):
    return np.select([d["measure"].isin(["coef", "se"]), d["measure"] == "observations"],
                     [0.01, 0.03 * d["published"].abs()], 0.01)


def _tolerance_headline(d):  # as Tabell 14, 5 and 23; the printed "8 timmar" within 0.5
    return np.select([d["measure"] == "r2_share", d["measure"] == "median_hours", d["measure"] == "mean_hours"],
                     [1.0, 0.0, 0.5], 3.0)


# --------------------------------------------------------------------------- the tables

def _tests_key(by: str) -> str:
    return f"tests_{by}"


register(TableDef(
    "headline", "Sammanfattning", "rapportens huvudsiffror", "Sammanfattning",
    compute=lambda i: results.headline(i.table("14"), i.table("5"), i.table("23")), tolerance=_tolerance_headline, cells=headline_cells,
    render=lambda v: results_render.render_headline(v.long), kind="summary",
    requires=("rom1_support", "rom1_results")))
register(TableDef(
    "urval", "Urval", "Urval av periodiska rapporter", "3.5.1", notebook="10_stod",
    compute=lambda i: i.sample.flow, render=lambda v: support_render.render_flow(v.long),
    describe=lambda v: support_render.describe_flow(v.long), tolerance=_relative(0.05)))
register(TableDef(
    "2", "Tabell 2", "Fördelning av stödet i antal timmar per aktivitet", "4.2", notebook="10_stod",
    compute=lambda i: support.tabell_02(i.months, i.cfg), columns=("percentile",),
    render=lambda v: support_render.render_tabell_02(v.long),
    describe=lambda v: support_render.describe_percentiles(v.long), tolerance=_tolerance_2))
register(TableDef(
    "3", "Tabell 3", "Genomsnittligt antal timmar stöd per aktivitet baserat på andel inkluderade observationer",
    "4.2", notebook="10_stod", compute=lambda i: support.tabell_03(i.months, i.cfg), columns=("included_share",),
    render=lambda v: support_render.render_tabell_03(v.long), tolerance=_tolerance_3_4))
register(TableDef(
    "4", "Tabell 4", "Genomsnittligt antal timmar sammanlagt stöd baserat på andel inkluderade observationer",
    "4.2", notebook="10_stod", compute=lambda i: support.tabell_04(i.months, i.cfg), columns=("included_share",),
    render=lambda v: support_render.render_tabell_04(v.long),
    describe=lambda v: support_render.describe_trimming(v.long), tolerance=_tolerance_3_4))
register(TableDef(
    "5", "Tabell 5", SUPPORT_TITLE, "4.3", notebook="10_stod",
    compute=lambda i: support.tabell_05(i.months, i.cfg, i.cut), columns=("adjusted",),
    render=lambda v: support_render.render_tabell_05(v.long), tolerance=_tolerance_5, cells=support_total_cells))
register(TableDef(
    "6", "Tabell 6", "Andelen (procent) som har deltagit i minst en timme av respektive aktivitet", "4.3.1",
    notebook="10_stod", compute=lambda i: support.tabell_06(i.months, i.cfg),
    render=lambda v: support_render.render_tabell_06(v.long),
    describe=lambda v: support_render.describe_share(v.long), tolerance=3.0))

#: Tabell 7–12: (key, section, title's ending, grouping tested); each followed by its tests.
_GROUP_TABLES = [
    ("7", "4.4.1", "uppdelat på kön", "sex"),
    ("8", "4.4.2", "uppdelat på utbildningsbakgrund", "education_group"),
    ("9", "4.4.3", "uppdelat på åldersgrupper", "age_group"),
    ("10", "4.4.4", "uppdelat på födelseland", "birth_country"),
    ("11", "4.4.5", "funktionsnedsättning som medför nedsatt arbetsförmåga", "disability_group"),
    ("12", "4.4.6", "uppdelat på nivå (A, B och C)", "level"),
]
#: The groupings tested that have no table of their own (foreign-born women and men: Tabell 10).
_EXTRA_TESTS = {"10": ["sex_birth_group"]}


def _group_def(key: str, section: str, ending: str, by: str) -> TableDef:
    if key == "12":
        compute = lambda i: support.tabell_12(i.months, i.cfg, i.cut)  # noqa: E731
        render = lambda v: support_render.render_tabell_12(v.long, v.cfg.min_cell)  # noqa: E731
        describe = lambda v: support_render.describe_groups(v.long, v.tables[_tests_key(by)], column="level")  # noqa: E731
        cells = support_level_cells
    else:
        compute = lambda i: support.tabell_group(i.months, i.cfg, int(key), i.cut)  # noqa: E731
        render = lambda v: support_render.render_tabell_group(v.long, int(key), v.cfg.min_cell)  # noqa: E731
        describe = lambda v: support_render.describe_groups(v.long, v.tables[_tests_key(by)])  # noqa: E731
        cells = support_group_cells(key)
    return TableDef(key, f"Tabell {key}", f"{SUPPORT_TITLE}, {ending}", section, notebook="10_stod",
                    compute=compute, columns=("level",) if key == "12" else ("group",), render=render,
                    describe=describe, tolerance=_tolerance_group, cells=cells)


def _tests_def(by: str, section: str) -> TableDef:
    return TableDef(
        _tests_key(by), "Signifikanstest", f"skillnader i stöd efter {support_render.GROUPING_NAMES[by]}",
        section, notebook="10_stod", compute=lambda i: support.group_tests(i.months, i.cfg, by, cut=i.cut),
        render=lambda v: support_render.render_tests(v.long), kind="tests",
        note="Standardfel klustrade per person; t-test med antalet personer minus ett som frihetsgrader.")


for _key, _section, _ending, _by in _GROUP_TABLES:
    register(_group_def(_key, _section, _ending, _by))
    for _b in [_by, *_EXTRA_TESTS.get(_key, [])]:
        # the tests are computed before the table's sentence needs them: registered after it,
        # the sentence reads them from the period's tables
        register(_tests_def(_b, _section))

register(TableDef(
    "13", "Tabell 13", "Genomsnittligt stöd per aktivitet i timmar varje månad, uppdelat på inskrivningstid och "
    "nivå (A, B och C)", "4.4.7", notebook="10_stod", compute=lambda i: support.tabell_13(i.months, i.cfg, i.cut),
    columns=("level",), render=lambda v: support_render.render_tabell_13(v.long), tolerance=0.3,
    cells=support_registration_cells))
register(TableDef(
    "A1", "Tabell A 1", "Genomsnittligt stöd i timmar per månad, deltagargrupp och nivå", "Bilaga 1",
    notebook="10_stod", compute=lambda i: support.tabell_a1(i.months, i.cfg, i.cut), columns=("level", "column"),
    render=lambda v: support_render.render_tabell_a1(v.long), tolerance=0.3, cells=support_a1_cells))

register(TableDef(
    "14", "Tabell 14", "Andel deltagare som uppnådde målet med tjänsten av samtliga deltagare vilka vi kan följa "
    "minst 18 månader sedan start av tjänst", "5.1", notebook="20_resultat_5_1",
    compute=lambda i: results.tabell_14(i.outcomes, i.cfg), columns=("level",),
    render=lambda v: results_render.render_tabell_14(v.long),
    describe=lambda v: results_render.describe_tabell_14(v.long, v.cfg), tolerance=1.0, cells=level_cells))
register(TableDef(
    "figur_1", "Figur 1", "Andel deltagare som uppnådde målet med tjänsten över tid och per nivå", "5.1", notebook="20_resultat_5_1",
    compute=lambda i: results.figur_1_data(i.outcomes, i.cfg),
    render=lambda v: results_render.render_figure_data(v.long),
    describe=lambda v: results_render.describe_figur_1(v.long), kind="data", cells=figure_cells("F1")))
register(TableDef(
    "figur_2", "Figur 2",
    "Andel som leverantören rapporterar har påbörjat arbete eller studier under tjänstens första sex månader", "5.1",
    notebook="20_resultat_5_1", compute=lambda i: results.figur_2_data(i.outcomes, i.cfg),
    render=lambda v: results_render.render_figure_data(v.long),
    describe=lambda v: results_render.describe_figur_2(v.long), kind="data", cells=figure_cells("F2")))
register(TableDef(
    "tests_15", "Signifikanstest", "skillnader mellan nivåerna i Tabell 15", "5.1", notebook="20_resultat_5_1",
    compute=lambda i: results.level_tests(i.outcomes, i.cfg),
    render=lambda v: results_render.render_level_tests(v.long), cells=level_test_cells, kind="tests"))
register(TableDef(
    "15", "Tabell 15", R2_TITLE, "5.1", notebook="20_resultat_5_1",
    compute=lambda i: results.tabell_15(i.outcomes, i.cfg, tests=i.table("tests_15")), columns=("level",),
    render=lambda v: results_render.render_tabell_15(v.long),
    describe=lambda v: results_render.describe_tabell_15(v.long, v.tables["tests_15"]), tolerance=1.5,
    cells=window_cells))
def _group_result_def(key: str, title: str, section: str, notebook: str, compute, tolerance: float) -> TableDef:
    """Tabell 16, 21, 22: a share by the 18 comparison rows × window × level, significant
    cells marked, resting on the group cells of the window population."""
    return TableDef(key, f"Tabell {key}", title, section, notebook=notebook, compute=compute,
                    columns=("window", "level"), render=lambda v: results_render.render_group_table(v.long),
                    describe=lambda v: results_render.describe_group_table(v.long, v.cfg.significance_level),
                    tolerance=tolerance, cells=group_cells)


register(_group_result_def("16", f"{R2_TITLE} uppdelat på olika grupper av arbetssökande", "5.2.1",
                           "21_resultat_5_2", lambda i: results.tabell_16(i.outcomes, i.cfg), 4.0))
register(TableDef(
    "17", "Tabell 17", f"{R2_TITLE} uppdelat på olika grupper av arbetssökande", "5.2.1",
    notebook="21_resultat_5_2", compute=lambda i: results.tabell_17(i.table("16")), columns=("window", "level"),
    render=lambda v: results_render.render_tabell_17(v.long),
    describe=lambda v: results_render.describe_tabell_17(v.long), cells=group_cells))
register(TableDef(
    "18", "Tabell 18", "Sannolikheten att övergå i arbete eller utbildning i minst fyra månader", "5.2.2",
    notebook="21_resultat_5_2", compute=lambda i: results.tabell_18(i.outcomes, i.cfg, i.models["18"]),
    columns=("measure",), render=lambda v: results_render.render_tabell_18(v.models["18"]),
    note=results_render.TABELL_18_NOTE,
    describe=lambda v: results_render.describe_tabell_18(v.models["18"]), tolerance=_tolerance_18))
register(TableDef(
    "19", "Tabell 19", "Rapporterade resultat uppdelat på arbete och utbildning", "5.3.1",
    notebook="22_resultat_5_3", compute=lambda i: results.tabell_19(i.outcomes, i.cfg), columns=("level",),
    render=lambda v: results_render.render_tabell_19(v.long),
    describe=lambda v: results_render.describe_tabell_19(v.long), tolerance=2.5, cells=window_cells))
register(TableDef(
    "20", "Tabell 20", "Arbete som andel av alla rapporterade resultat", "5.3.1", notebook="22_resultat_5_3",
    compute=lambda i: results.tabell_20(i.outcomes, i.cfg), columns=("level",),
    render=lambda v: results_render.render_tabell_20(v.long),
    describe=lambda v: results_render.describe_tabell_20(v.long), tolerance=2.5, cells=window_cells))
register(_group_result_def("21", "Rapporterade resultat för arbete per grupp", "5.3.1", "22_resultat_5_3",
                           lambda i: results.tabell_21(i.outcomes, i.cfg), 2.5))
register(_group_result_def("22", "Rapporterade resultat för utbildning per grupp", "5.3.1", "22_resultat_5_3",
                           lambda i: results.tabell_22(i.outcomes, i.cfg), 2.5))
register(TableDef(
    "23", "Tabell 23", "Rapporterade resultat uppdelat på osubventionerat och subventionerat arbete", "5.3.2",
    notebook="22_resultat_5_3", compute=lambda i: results.tabell_23(i.outcomes, i.cfg), columns=("column",),
    render=lambda v: results_render.render_tabell_23(v.long),
    describe=lambda v: results_render.describe_tabell_23(v.long), tolerance=3.0, cells=employment_cells))


# Rusta och matcha 2's parts (support, then results), each declared in its own module.
from romlab.report import catalogue_rom2_support, catalogue_rom2_results  # noqa: E402,F401  (register their tables)
