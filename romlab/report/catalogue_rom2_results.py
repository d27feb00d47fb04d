"""Rusta och matcha 2's results tables, declared once each (notebook ``31_rom2_resultat``).

The RoM 2 counterparts of §5 (`romlab.report.rom2_results`, laid out by
`romlab.report.rom2_results_render`), computed from the RoM 2 outcome frame
(`registry.Inputs.rom2_outcomes`: the followed population, A84) in periods whose
``cfg.sections`` hold "rom2_results" (the comparison of the two generations' models also
needs "rom1_results"). Population cells for disclosure control
(`romlab.publication.protection`), all of the followed population:

- ``R2Q|<level>``: a level ("ABC" the total; Tabell 14 and 19 (RoM 2), and the level
  slopes of the job-chance table); the levels add up to the total;
- ``R2F|<YYYY-MM>|<level>``: a start month × level of Figur 1 (RoM 2); a month's levels
  add up to its total, a level's months to its ``R2Q`` cell;
- ``R2G|<level>|<group>``: one of Tabell 16's 18 groups within a level; each comparison
  (sex, country of birth, disability, education, age, registration time) splits the
  level's ``R2Q`` cell, the foreign-born women and men split the foreign-born;
- ``R2J|<level>|<band>``: a job-chance band within a level; the bands split the level.

Counts (`TableDef.counts`, `romlab.publication.counts`): ``r3m`` / ``r6m`` (persons with a
3- / 6-month result), ``r3m6m`` (with both, of ``r3m``), ``work3m``, ``education3m``,
``work6m``, ``education6m`` (of persons, and work of the results).
"""

from __future__ import annotations

import pandas as pd

from romlab.report import classify, rom2_results
from romlab.report import rom2_results_render as render
from romlab.report.registry import TableDef, register

NOTEBOOK = "31_rom2_resultat"
TOTAL = "ABC"
LEVELS = ("A", "B", "C")

#: The counts each table's shares give (measure → (count, what it is a share of)).
SHARE_COUNTS = {"result_3m_share": ("r3m", "persons"), "result_6m_share": ("r6m", "persons")}
TABELL_14_COUNTS = {**SHARE_COUNTS, "continuation_share": ("r3m6m", "r3m")}
TABELL_19_COUNTS = {"work_3m_share": ("work3m", "persons"), "education_3m_share": ("education3m", "persons"),
                    "work_share_of_3m_results": ("work3m", "r3m"),
                    "work_6m_share": ("work6m", "persons"), "education_6m_share": ("education6m", "persons"),
                    "work_share_of_6m_results": ("work6m", "r6m")}


# --------------------------------------------------------------------------- population cells

def level_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 14 and 19 (RoM 2): the level of the followed population."""
    return "R2Q|" + t["level"].astype(str)


def month_cells(t: pd.DataFrame) -> pd.Series:
    """Figur 1 (RoM 2): the start month × level (each point and its band, both results)."""
    return "R2F|" + pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m") + "|" + t["level"].astype(str)


def group_cells(t: pd.DataFrame) -> pd.Series:
    """Tabell 16 (RoM 2): the group within the level."""
    return "R2G|" + t["level"].astype(str) + "|" + t["group"].astype(str)


def band_cells(t: pd.DataFrame) -> pd.Series:
    """The job-chance table: a band within its level; a level's slope rests on the level."""
    band = t["band"].astype("Int64")
    out = "R2J|" + t["level"].astype(str) + "|" + band.astype(str)
    return out.where(band.notna().to_numpy(), "R2Q|" + t["level"].astype(str))


# --------------------------------------------------------------------------- how cells add up

def _split(name: str, margin: str, members) -> list[tuple[str, str, float]]:
    return [(name, margin, -1.0)] + [(name, m, 1.0) for m in members]


def level_splits(tables) -> list[tuple[str, str, float]]:
    """The levels add up to the total (declared by Tabell 14 (RoM 2), or by Tabell 19 (RoM 2)
    when a run has no Tabell 14)."""
    return _split("R2Q|levels", f"R2Q|{TOTAL}", [f"R2Q|{lv}" for lv in LEVELS])


def tabell_19_splits(tables) -> list[tuple[str, str, float]]:
    return [] if "rom2_14" in tables else level_splits(tables)


def month_splits(tables) -> list[tuple[str, str, float]]:
    """Per start month the levels add up to the total; per level (and the total) the
    start months add up to the level's cell."""
    t = tables["rom2_figur_1"]
    month = pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m")
    rows: list[tuple[str, str, float]] = []
    months = list(pd.unique(month))
    for m in months:
        rows += _split(f"R2F|{m}", f"R2F|{m}|{TOTAL}", [f"R2F|{m}|{lv}" for lv in LEVELS])
    for lv in (*LEVELS, TOTAL):
        rows += _split(f"R2F|months|{lv}", f"R2Q|{lv}", [f"R2F|{m}|{lv}" for m in months])
    return rows


def group_splits(tables) -> list[tuple[str, str, float]]:
    """Each comparison of Tabell 16 splits the level; the foreign-born women and men
    split the foreign-born (as `protection.constraints` declares for RoM 1's Tabell 16)."""
    levels = [lv for lv in LEVELS if lv in set(tables["rom2_16"]["level"].astype(str))]
    rows: list[tuple[str, str, float]] = []
    for lv in levels:
        for comp, g in classify.comparison_rows().groupby("comparison", sort=False):
            members = [f"R2G|{lv}|{x}" for x in g["label"]]
            margin = f"R2G|{lv}|Utrikes född" if comp == "foreign_sex" else f"R2Q|{lv}"
            rows += _split(f"R2G|{lv}|{comp}", margin, members)
    return rows


def band_splits(tables) -> list[tuple[str, str, float]]:
    """The job-chance bands of a level add up to the level."""
    t = tables["rom2_jobbchans"]
    b = t[t["band"].notna()]
    rows: list[tuple[str, str, float]] = []
    for lv in [x for x in LEVELS if x in set(b["level"].astype(str))]:
        bands = sorted(int(x) for x in pd.unique(b.loc[b["level"] == lv, "band"]))
        rows += _split(f"R2J|{lv}", f"R2Q|{lv}", [f"R2J|{lv}|{x}" for x in bands])
    return rows


# --------------------------------------------------------------------------- the tables

def _figures():
    """The drawing module, imported when a figure is drawn (matplotlib)."""
    from romlab.report import rom2_figures

    return rom2_figures


register(TableDef(
    "rom2_14", "Tabell 14 (RoM 2)", "Andel deltagare med resultat efter tre och sex månader av samtliga deltagare i "
    "rusta och matcha 2 vilka vi kan följa minst 20 månader sedan start av tjänst", "5.1 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_results.tabell_14(i.rom2_outcomes, i.cfg), columns=("level",),
    render=lambda v: render.render_tabell_14(v.long), describe=lambda v: render.describe_tabell_14(v.long, v.cfg),
    cells=level_cells, counts=TABELL_14_COUNTS, splits=level_splits, note=render.NOTES["rom2_14"]))
register(TableDef(
    "rom2_figur_1", "Figur 1 (RoM 2)",
    "Andel deltagare med resultat efter tre och sex månader över tid och per nivå",
    "5.1 (RoM 2)", notebook=NOTEBOOK, compute=lambda i: rom2_results.figur_1_data(i.rom2_outcomes, i.cfg),
    render=lambda v: render.render_figure_data(v.long), describe=lambda v: render.describe_figur_1(v.long),
    kind="data", cells=month_cells, counts=SHARE_COUNTS, splits=month_splits, note=render.NOTES["rom2_figur_1"],
    draw=lambda long, cfg: _figures().figur_1(long, followup_months=cfg.rom2_followup_months)))
register(TableDef(
    "rom2_16", "Tabell 16 (RoM 2)", "Andel med resultat efter tre och sex månader uppdelat på olika grupper av "
    "arbetssökande", "5.2.1 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_results.tabell_16(i.rom2_outcomes, i.cfg), columns=("measure", "level"),
    render=lambda v: render.render_tabell_16(v.long),
    describe=lambda v: render.describe_tabell_16(v.long, v.cfg.significance_level),
    cells=group_cells, counts=SHARE_COUNTS, splits=group_splits, note=render.NOTES["rom2_16"]))
register(TableDef(
    "rom2_18", "Tabell 18 (RoM 2)", "Sannolikheten att vara i arbete eller utbildning i minst sex månader",
    "5.2.2 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_results.tabell_18(i.rom2_outcomes, i.cfg, i.models["rom2_18"]), columns=("measure",),
    render=lambda v: render.render_tabell_18(v.models["rom2_18"]),
    describe=lambda v: render.describe_tabell_18(v.models["rom2_18"]), note=render.NOTES["rom2_18"]))
register(TableDef(
    "rom2_18_jamforelse", "Modellen i RoM 1 och RoM 2",
    "Tabell 18:s modell för rusta och matcha 1 och rusta och matcha 2 sida vid sida", "5.2.2 (RoM 2)",
    notebook=NOTEBOOK, compute=lambda i: rom2_results.compare_generations(i.models["18"], i.models["rom2_18"]),
    columns=("generation",), render=lambda v: render.render_comparison(v.long),
    describe=lambda v: render.describe_comparison(v.long), note=render.NOTES["rom2_18_jamforelse"],
    requires=("rom1_results", "rom2_results")))
register(TableDef(
    "rom2_19", "Tabell 19 (RoM 2)", "Resultat efter tre och sex månader uppdelat på arbete och utbildning",
    "5.3.1 (RoM 2)", notebook=NOTEBOOK, compute=lambda i: rom2_results.tabell_19(i.rom2_outcomes, i.cfg),
    columns=("level",), render=lambda v: render.render_tabell_19(v.long),
    describe=lambda v: render.describe_tabell_19(v.long), cells=level_cells, counts=TABELL_19_COUNTS,
    splits=tabell_19_splits, note=render.NOTES["rom2_19"]))
register(TableDef(
    "rom2_jobbchans", "Jobbchans (RoM 2)", "Andel med resultat efter tre och sex månader efter bedömd jobbchans inom "
    "nivå", "5.2 (RoM 2)", notebook=NOTEBOOK,
    compute=lambda i: rom2_results.job_chance_table(i.rom2_outcomes, i.cfg), columns=("measure",),
    render=lambda v: render.render_job_chance(v.long),
    describe=lambda v: render.describe_job_chance(v.long, v.cfg.significance_level),
    cells=band_cells, counts=SHARE_COUNTS, splits=band_splits, note=render.NOTES["rom2_jobbchans"]))
