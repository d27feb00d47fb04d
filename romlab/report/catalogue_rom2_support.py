"""Rusta och matcha 2's support tables (notebook 30_rom2_stod), declared once each.

The report's §3.5.1 and §4 on RoM 2's periodic reports (`romlab.report.rom2_support`):
the selection flow, RoM 2's activities against RoM 1's, Tabell 2–13 with RoM 2's own
trimming cut-offs (each group table followed by its significance tests), and RoM 1
beside RoM 2 in the support months both have. Keys ``rom2_<n>``, labels "Tabell n
(RoM 2)", sections "4.x (RoM 2)", titles as printed in the report (Tabell 6's threshold
aside). A period computes them when its sections hold ``rom2_support``
(`romlab.run.config.sections_for`).

Population cells (disclosure control) are written ``S2|…``: ``S2|5|Alla`` RoM 2's
adjusted sample (Tabell 5 (RoM 2)), ``S2|<table>|<group>`` a group of Tabell 7–11,
``S2|12|<level>``, ``S2|13|<registration time>|<level>``; ``S2J|<month>|<generation>``
a month of one generation in the comparison. How they add up is declared with each
table (``splits``): each grouping of Tabell 7–12 splits ``S2|5|Alla``, the foreign-born
women and men split the foreign-born, the registration times of Tabell 13 split each
level of Tabell 12; the comparison's months stand alone. Their counts are persons
(``n``), as the RoM 1 support cells'.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from romlab.dataset import codes
from romlab.report import catalogue as _catalogue  # noqa: F401  (RoM 1's titles registered before these)
from romlab.report import rom2_support, rom2_support_render, support, support_render
from romlab.report.classify import label_map
from romlab.report.registry import REGISTRY, TableDef, register

NOTEBOOK = "30_rom2_stod"
ALL = "Alla"
TOTAL_CELL = f"S2|5|{ALL}"
LEVELS = tuple(codes.LEVELS)

#: The note on the tables in quarter hours.
QUARTER_NOTE = ("RoM 2 rapporterar stödet i kvartar (15 minuter): timmarna redovisas utan avrundning till hela "
                "timmar. Trimningen använder RoM 2:s egna percentiler.")
LEVEL_NOTE = ("Nivåerna i RoM 2 bygger på ett nytt bedömningsstöd med andra gränser (det tar hänsyn till "
              "inskrivningstiden) och är inte samma grupper som nivåerna i RoM 1.")
TABELL_6_NOTE = ("En aktivitet räknas från en kvart i månaden, RoM 2:s minsta rapporteringsenhet: i RoM 1:s hela "
                 "timmar betyder rapportens ”minst en timme” detsamma som att någon tid alls rapporterats. "
                 "Andelen med minst en hel timme visas bredvid.")
JAMFORELSE_NOTE = ("Månader i periodens stödmånader med valda rapporter från både RoM 1 och RoM 2, med samma "
                   "urval (avsnitt 3.5.1) för båda. Varje generation trimmas med sin egen percentil över hela "
                   "perioden. RoM 1 rapporterar hela timmar och RoM 2 kvartar; hela timmar överskattade "
                   "sannolikt stödet (Arbetsförmedlingens lägesbeskrivning maj 2023, avsnitt 6.2.8), så "
                   "skillnaden mellan generationerna är inte bara en skillnad i stöd.")
TESTS_NOTE = "Standardfel klustrade per person; t-test med antalet personer minus ett som frihetsgrader."


# --------------------------------------------------------------------------- inputs, once per period

def _months(i) -> pd.DataFrame:
    """RoM 2's selected report-months (`Inputs.rom2_sample`); a `DataError` when none."""
    return rom2_support.require_months(i.rom2_sample.months, i.cfg)


def _cut(i) -> pd.Series:
    """RoM 2's trimming cut-offs, computed once per period (`Inputs.rom2_cut`)."""
    return i.rom2_cut


def _rom1_months(i) -> pd.DataFrame:
    """RoM 1's report-months of the same support months: none when no RoM 1 participation
    is in the service during them (a report's month lies within its participation, a
    rule of the data contract: the selection is skipped); the period's RoM 1 selection
    (`Inputs.sample`) when the run selects RoM 1 alone (the default); else selected here
    (only this table asks)."""
    if not rom2_support.in_service_during(i.ds.participations, i.cfg, generation=1):
        return i.rom2_sample.months.iloc[:0]
    if tuple(i.cfg.support_generations) == (1,):
        return i.sample.months
    return support.select_reports(i.ds, rom2_support.rom1_config(i.cfg)).months


def _jamforelse(i) -> pd.DataFrame:
    """RoM 1 beside RoM 2 per month, each trimmed at its own cut-off (RoM 2's computed once)."""
    rom2 = i.rom2_sample.months
    return rom2_support.jamforelse(_rom1_months(i), rom2, i.cfg, cut2=_cut(i) if len(rom2) else None)


# --------------------------------------------------------------------------- population cells

def total_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 5 (RoM 2): the adjusted sample (the unadjusted rests on the whole sample)."""
    return pd.Series(pd.NA, index=t.index, dtype=object).where(t["adjusted"] != "justerat", TOTAL_CELL)


def group_cells(key: str):
    """Tabell 7–11 (RoM 2): the group of RoM 2's support sample."""
    return lambda t: f"S2|{key}|" + t["group"].astype(str)


def level_cells(t: pd.DataFrame) -> pd.Series:
    return "S2|12|" + t["level"].astype(str)


def registration_cells(t: pd.DataFrame) -> pd.Series:
    return "S2|13|" + t["group"].astype(str) + "|" + t["level"].astype(str)


def month_cells(t: pd.DataFrame) -> pd.Series:
    """The comparison: one month of one generation."""
    return "S2J|" + t["month"].astype(str) + "|" + t["generation"].astype(str)


def _split(name: str, margin: str, members) -> list[tuple[str, str, float]]:
    return [(name, margin, -1.0)] + [(name, m, 1.0) for m in members]


def _group_members(key: str) -> list[str]:
    """The groups of Tabell 7–11 that split the whole sample (Tabell 10: born in Sweden or abroad)."""
    col = support.GROUP_TABLES[int(key)][0]
    return list(label_map(col, int(key)).values())


def group_splits(key: str):
    """Tabell 7–11 (RoM 2): the grouping splits Tabell 5 (RoM 2)'s adjusted sample;
    Tabell 10's foreign-born women and men split its foreign-born."""
    def splits(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, float]]:
        rows: list[tuple[str, str, float]] = []
        if "rom2_5" in tables:
            rows += _split(f"S2|{key}", TOTAL_CELL, [f"S2|{key}|{g}" for g in _group_members(key)])
        if key == "10":
            foreign = label_map("birth_country", 10)["foreign"]
            rows += _split("S2|10|foreign", f"S2|10|{foreign}",
                           [f"S2|10|{g}" for g in label_map("sex_birth_group", 10).values()])
        return rows
    return splits


def level_splits(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, float]]:
    """Tabell 12 (RoM 2): the levels split the adjusted sample."""
    return _split("S2|12", TOTAL_CELL, [f"S2|12|{lv}" for lv in LEVELS]) if "rom2_5" in tables else []


def registration_splits(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, float]]:
    """Tabell 13 (RoM 2): the registration times split each level of Tabell 12 (RoM 2)."""
    if "rom2_12" not in tables:
        return []
    groups = list(label_map("registration_group", 13).values())
    return [row for lv in LEVELS for row in _split(f"S2|13|{lv}", f"S2|12|{lv}", [f"S2|13|{g}|{lv}" for g in groups])]


def protect_test(key: str, t: pd.DataFrame, sup: pd.Series) -> pd.DataFrame:
    """A RoM 2 support test (``rom2_tests_<by>``) as `romlab.publication.protection`
    protects RoM 1's (`shown_marks.protect_support_test`): a row is blanked when its
    group or its reference is a suppressed cell (`sup`: cell → suppressed). For the
    protection to call beside RoM 1's tests."""
    by = key.removeprefix("rom2_tests_")
    table = rom2_support_render.GROUP_TABLE_OF[by]
    from romlab.publication.shown_marks import blank_tests

    names = {lv: lv for lv in LEVELS} if by == "level" else label_map(by, table)
    return blank_tests(t, sup, f"S2|{table}|", names)


#: The RoM 2 support tests, key → grouping (for `protect_test`).
TESTS: dict[str, str] = {}


# --------------------------------------------------------------------------- the tables

def _title(key: str) -> str:
    """The report's title of RoM 1's table `key` (declared in `romlab.report.catalogue`)."""
    return REGISTRY[key].title


def _tests_key(by: str) -> str:
    return f"rom2_tests_{by}"


register(TableDef(
    "rom2_urval", "Urval (RoM 2)", _title("urval"), "3.5.1 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: i.rom2_sample.flow, render=lambda v: support_render.render_flow(v.long),
    describe=lambda v: support_render.describe_flow(v.long),
    note="Samma urvalsregler som för RoM 1 (avsnitt 3.5.1), på periodiska rapporter för deltagare i RoM 2."))
register(TableDef(
    "rom2_aktiviteter", "Aktiviteter (RoM 2)", "Aktiviteterna i rusta och matcha 2 jämfört med rusta och matcha 1",
    "4.1 (RoM 2)", notebook=NOTEBOOK, compute=lambda i: rom2_support.activities(),
    render=lambda v: rom2_support_render.render_aktiviteter(v.long),
    describe=lambda v: rom2_support_render.describe_aktiviteter(v.long, v.tables),
    note="Källor: rapporten avsnitt 4.1, Tabell 1, avsnitt 4.2 och fotnot 19–20 (RoM 1); Arbetsförmedlingens "
         "lägesbeskrivning maj 2023, avsnitt 6.2.7 med fotnot 40 (förfrågningsunderlagen avsnitt 4.1.2.1 och "
         "4.1.2.2) och avsnitt 7.2 (RoM 2)."))
register(TableDef(
    "rom2_2", "Tabell 2 (RoM 2)", _title("2"), "4.2 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_support.tabell_02(_months(i), i.cfg), columns=("percentile",),
    render=lambda v: support_render.render_tabell_02(v.long, decimals=rom2_support_render.QUARTER_DECIMALS),
    describe=lambda v: support_render.describe_percentiles(v.long, decimals=rom2_support_render.QUARTER_DECIMALS),
    note=QUARTER_NOTE))
register(TableDef(
    "rom2_3", "Tabell 3 (RoM 2)", _title("3"), "4.2 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_support.tabell_03(_months(i), i.cfg), columns=("included_share",),
    render=lambda v: support_render.render_tabell_03(v.long)))
register(TableDef(
    "rom2_4", "Tabell 4 (RoM 2)", _title("4"), "4.2 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_support.tabell_04(_months(i), i.cfg), columns=("included_share",),
    render=lambda v: support_render.render_tabell_04(v.long, median_decimals=rom2_support_render.QUARTER_DECIMALS),
    describe=lambda v: support_render.describe_trimming(v.long)))
register(TableDef(
    "rom2_5", "Tabell 5 (RoM 2)", _title("5"), "4.3 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_support.tabell_05(_months(i), i.cfg, _cut(i)), columns=("adjusted",),
    render=lambda v: support_render.render_tabell_05(v.long, median_decimals=rom2_support_render.QUARTER_DECIMALS),
    cells=total_cells, note=QUARTER_NOTE))
register(TableDef(
    "rom2_6", "Tabell 6 (RoM 2)",
    "Andelen (procent) som har deltagit i minst en kvart respektive minst en timme av respektive aktivitet",
    "4.3.1 (RoM 2)", notebook=NOTEBOOK, compute=lambda i: rom2_support.tabell_06(_months(i), i.cfg),
    columns=("measure",), render=lambda v: rom2_support_render.render_tabell_06(v.long),
    describe=lambda v: rom2_support_render.describe_share(v.long), note=TABELL_6_NOTE))


def _group_def(key: str, section: str, by: str) -> TableDef:
    rkey = f"rom2_{key}"
    tests = _tests_key(by)
    if key == "12":
        compute = lambda i: rom2_support.tabell_12(_months(i), i.cfg, _cut(i))  # noqa: E731
        render = lambda v: support_render.render_tabell_12(v.long, v.cfg.min_cell)  # noqa: E731
        column, cells, splits, note = "level", level_cells, level_splits, LEVEL_NOTE
    else:
        compute = lambda i: rom2_support.tabell_group(_months(i), i.cfg, int(key), _cut(i))  # noqa: E731
        render = lambda v: support_render.render_tabell_group(v.long, int(key), v.cfg.min_cell)  # noqa: E731
        column, cells, splits, note = "group", group_cells(key), group_splits(key), ""

    def describe(v):
        shown = rom2_support_render.tests_shown(v.tables[tests], v.long, by)
        return support_render.describe_groups(v.long, shown, column=column)

    return TableDef(rkey, f"Tabell {key} (RoM 2)", _title(key), section, notebook=NOTEBOOK, compute=compute,
                    columns=(column,), render=render, describe=describe, cells=cells, splits=splits, note=note)


def _tests_def(by: str, section: str, table_key: str) -> TableDef:
    key = _tests_key(by)
    TESTS[key] = by
    return TableDef(
        key, "Signifikanstest (RoM 2)", f"skillnader i stöd efter {support_render.GROUPING_NAMES[by]}", section,
        notebook=NOTEBOOK, compute=lambda i: rom2_support.group_tests(_months(i), i.cfg, by, cut=_cut(i)),
        render=lambda v: rom2_support_render.render_tests_shown(v.long, v.tables.get(table_key), by),
        kind="tests", note=TESTS_NOTE, protect_rows=lambda t, sup: protect_test(key, t, sup))


#: Tabell 7–12 (RoM 2): (key, section, grouping tested); Tabell 10 also tests sex × birth country.
_GROUP_TABLES = [("7", "4.4.1 (RoM 2)", "sex"), ("8", "4.4.2 (RoM 2)", "education_group"),
                 ("9", "4.4.3 (RoM 2)", "age_group"), ("10", "4.4.4 (RoM 2)", "birth_country"),
                 ("11", "4.4.5 (RoM 2)", "disability_group"), ("12", "4.4.6 (RoM 2)", "level")]
_EXTRA_TESTS = {"10": ["sex_birth_group"]}

for _key, _section, _by in _GROUP_TABLES:
    register(_group_def(_key, _section, _by))
    for _b in [_by, *_EXTRA_TESTS.get(_key, [])]:
        register(_tests_def(_b, _section, f"rom2_{_key}"))

register(TableDef(
    "rom2_13", "Tabell 13 (RoM 2)", _title("13"), "4.4.7 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_support.tabell_13(_months(i), i.cfg, _cut(i)), columns=("level",),
    render=lambda v: support_render.render_tabell_13(v.long), cells=registration_cells, splits=registration_splits,
    note=LEVEL_NOTE))
register(TableDef(
    "rom2_jamforelse", "Stödet i RoM 1 och RoM 2",
    "Sammanlagt stöd per månad i RoM 1 och RoM 2, de månader som båda har valda rapporter", "4.3 (RoM 2)",
    notebook=NOTEBOOK,
    compute=lambda i: _jamforelse(i),
    columns=("generation",), render=lambda v: rom2_support_render.render_jamforelse(v.long),
    describe=lambda v: rom2_support_render.describe_jamforelse(v.long, v.cfg), cells=month_cells,
    note=JAMFORELSE_NOTE))

