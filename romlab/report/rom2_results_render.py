"""RoM 2's results tables laid out as the report lays out RoM 1's, and one sentence on each.

`render_*` turn a table's long data (`romlab.report.rom2_results`) into a printed layout
(whole percent, '..' for a hidden cell, '*' for a significant difference, Tabell 18's
Stata b/se) and `describe_*` write the sentence above it, both from the long data (and
the run's configuration or model) only, with RoM 1's helpers (`results_render`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.publication import disclosure
from romlab.report import regression as reg
from romlab.report import results_render as rr
from romlab.report.results import SIGNIFICANT_MARK, TOTAL
from romlab.report.rom2_results import CONTINUATION, GENERATION_LABELS, NOT_COMPARABLE, SHARES, TREND_STEP
from romlab.report.support_render import ALL_HIDDEN, all_hidden, number
from romlab.run.config import RunConfig

#: The results as column or row headings.
RESULT_LABELS = {"result_3m_share": "Resultat efter tre månader", "result_6m_share": "Resultat efter sex månader"}
#: Tabell 14 (RoM 2)'s rows.
TABELL_14_ROWS = {"result_3m_share": "Andel med resultat efter tre månader",
                  "result_6m_share": "Andel med resultat efter sex månader",
                  CONTINUATION: "Andel av resultaten efter tre månader som når sex månader"}
PERSONS = "Antal deltagare"
LEVEL_COLUMNS = ["Totalt", *codes.LEVELS.values()]


def _fmt_pct(values: pd.Series, decimals: int = 0) -> pd.Series:
    return rr._fmt(values, decimals, "%")


def _followed(cfg: RunConfig) -> str:
    a, b = cfg.rom2_population_start_months or ("..", "..")
    return f"{a} – {b}"


# --------------------------------------------------------------------------- Tabell 14

def render_tabell_14(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 14 (RoM 2) as printed: rows the share with a 3-month and a 6-month result
    and the share of 3-month results reaching 6 months, then the number of participants;
    columns Totalt, Nivå A–C; whole percent with '%'."""
    w = t.assign(text=_fmt_pct(t["value"]), col=t["level"].map(rr._level_label),
                 row=t["measure"].map(TABELL_14_ROWS))
    out = w.pivot(index="row", columns="col", values="text")
    persons = t[t["measure"] == "result_3m_share"].assign(col=lambda d: d["level"].map(rr._level_label))
    out.loc[PERSONS] = persons.set_index("col")["n"].map(lambda v: number(v, 0))
    out = out.reindex(index=[*TABELL_14_ROWS.values(), PERSONS], columns=LEVEL_COLUMNS).astype(object)
    out = out.fillna(disclosure.SUPPRESSED)
    out.index.name, out.columns.name = None, None
    return out


def describe_tabell_14(t: pd.DataFrame, cfg: RunConfig) -> str:
    """One sentence on Tabell 14 (RoM 2) (a hidden number shows as '..')."""
    if all_hidden(t):
        return ALL_HIDDEN
    v = t.set_index(["measure", "level"])["value"]
    n = t[(t["measure"] == "result_3m_share") & (t["level"] == TOTAL)]["n"]
    get = lambda m, lv: v.get((m, lv), np.nan)
    return (f"Av de {rr._count(n.iloc[0] if len(n) else np.nan)} deltagare i rusta och matcha 2 som startade "
            f"{_followed(cfg)} och kan följas minst {cfg.rom2_followup_months} månader hade "
            f"{rr._pct(get('result_3m_share', TOTAL))} ett resultat efter tre månader och "
            f"{rr._pct(get('result_6m_share', TOTAL))} efter sex månader ({rr._pct(get('result_6m_share', 'A'))} i "
            f"nivå A, {rr._pct(get('result_6m_share', 'B'))} i nivå B och {rr._pct(get('result_6m_share', 'C'))} i "
            f"nivå C); {rr._pct(get(CONTINUATION, TOTAL))} av resultaten efter tre månader nådde sex månader.")


# --------------------------------------------------------------------------- Figur 1

def render_figure_data(f: pd.DataFrame) -> pd.DataFrame:
    """Figur 1 (RoM 2)'s points as a table: start months (rows) × (result, Totalt /
    Nivå A–C), whole percent; a hidden point shows as '..'."""
    w = f.assign(text=rr._fmt(f["value"]), row=pd.to_datetime(f["start_month"]).dt.strftime("%Y-%m"),
                 c1=f["measure"].map(RESULT_LABELS), c2=f["level"].map(rr._level_label))
    out = w.pivot_table(index="row", columns=["c1", "c2"], values="text", aggfunc="first", sort=True)
    cols = pd.MultiIndex.from_product([[RESULT_LABELS[m] for m in SHARES], LEVEL_COLUMNS])
    out = out.reindex(columns=cols).astype(object).fillna(disclosure.SUPPRESSED)
    out.index.name = "Startmånad"
    out.columns.names = [None, None]
    return out


def describe_figur_1(f: pd.DataFrame) -> str:
    """One sentence on Figur 1 (RoM 2): the start months with the highest and lowest
    share with a 6-month result (over the points shown)."""
    if all_hidden(f):
        return ALL_HIDDEN
    tot = f[(f["level"] == TOTAL) & (f["measure"] == "result_6m_share") & f["value"].notna()]
    if tot.empty:
        return "För få deltagare per startmånad för att visa andelar."
    tot = tot.sort_values("start_month", kind="stable")
    hi = tot.loc[tot["value"].idxmax()]
    lo = tot.loc[tot["value"].idxmin()]
    # one decimal where whole percent would print the highest and the lowest alike
    dec = 1 if round(hi["value"]) == round(lo["value"]) else 0
    pct = lambda v: f"{number(v, dec)} %"
    return (f"Andelen med resultat efter sex månader är högst för dem som startade {hi['start_month']:%Y-%m} "
            f"({pct(hi['value'])}) och lägst för dem som startade {lo['start_month']:%Y-%m} "
            f"({pct(lo['value'])}).")


# --------------------------------------------------------------------------- Tabell 16

def _as_windows(t: pd.DataFrame) -> pd.DataFrame:
    """The long data with the result in RoM 1's ``window`` place, for RoM 1's group-table helpers."""
    return t.assign(window=t["measure"])


def reference_hidden(t: pd.DataFrame) -> pd.Series:
    """True where a row's reference group (same result and level) is hidden: its
    significance mark is withheld (as `protection` withholds RoM 1's)."""
    if "suppressed" not in t.columns:
        return pd.Series(False, index=t.index)
    return rr._reference_hidden(_as_windows(t))


def render_tabell_16(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 16 (RoM 2) as printed: the 18 groups × (result, Nivå A–C), whole percent;
    cells that differ significantly from their reference group end in '*' (not when the
    reference group is hidden)."""
    mark = t["significant"].fillna(False).astype(bool) & ~reference_hidden(t)
    if "suppressed" in t.columns:
        mark &= ~t["suppressed"].astype(bool)
    text = rr._fmt(t["value"])
    text = text.where(~mark.to_numpy(), text + SIGNIFICANT_MARK)
    w = t.assign(text=text.to_numpy(), c1=t["measure"].map(RESULT_LABELS), c2=t["level"].map(rr._level_label))
    out = w.pivot_table(index="group", columns=["c1", "c2"], values="text", aggfunc="first", sort=False)
    cols = pd.MultiIndex.from_product([[RESULT_LABELS[m] for m in SHARES], list(codes.LEVELS.values())])
    out = out.reindex(index=list(dict.fromkeys(t["group"])), columns=cols)
    out.index.name = "Jämförelse"
    out.columns.names = [None, None]
    return out


def describe_tabell_16(t: pd.DataFrame, alpha: float) -> str:
    """One sentence on Tabell 16 (RoM 2): significant cells out of those tested and shown
    (`results_render.describe_group_table`: a hidden cell or reference has no test)."""
    return rr.describe_group_table(_as_windows(t), alpha)


# --------------------------------------------------------------------------- Tabell 18

TABELL_18_NOTE = (
    "I tabellen redovisas koefficientskattningar (robusta standardfel inom parentes) från en multipel regression "
    "där den beroende variabeln är en dummyvariabel som anger om individen varit i arbete eller studier i minst "
    "sex månader (godkänd resultatredovisning efter sex månader), med kontroll för nivå, startmånad och "
    f"leveransområde. {rr.STARS_LEGEND}. Nivåerna i rusta och matcha 2 är inte samma grupper som i rusta och "
    "matcha 1 (nytt bedömningsstöd som tar hänsyn till inskrivningstid).")


def render_tabell_18(result: reg.RegressionResult) -> pd.DataFrame:
    """Tabell 18 (RoM 2) as printed (`results_render.render_tabell_18`: Stata b/se, the
    reference groups, "Kontroll för" rows, R², N)."""
    return rr.render_tabell_18(result)


def describe_tabell_18(result: reg.RegressionResult) -> str:
    """One sentence on Tabell 18 (RoM 2) (`results_render.describe_tabell_18`)."""
    return rr.describe_tabell_18(result)


def tabell_18_variant(result: reg.RegressionResult, synthetic: bool = False, anchor: str = "tabell-rom2_18-variant"):
    """A variant of RoM 2's model (e.g. clustered by provider, ``pt.models["rom2_18_cluster"]``)
    laid out as Tabell 18 (RoM 2) with a note on its standard errors: a `ReaderTable`
    (`results_render.tabell_18_variant`, its note naming RoM 2's table)."""
    table = rr.tabell_18_variant(result, synthetic=synthetic, anchor=anchor)
    return dataclasses.replace(table, note=table.note.replace("Tabell 18 ", "Tabell 18 (RoM 2) ", 1))


COMPARISON_NOTE = (
    "RoM 1: Tabell 18:s modell (R2, arbete eller studier i minst fyra månader; kontroll för nivå, fönster, "
    "fönster × nivå och startmånad). RoM 2: resultat efter sex månader; kontroll för nivå, startmånad och "
    "leveransområde. Samma förklarande variabler och referensgrupper, men resultatmåttet är ett annat och "
    "nivåerna är inte samma grupper (nytt bedömningsstöd med andra gränser, rapporten avsnitt 2.3): jämför "
    "tecken och ungefärlig storlek, inte skillnaden. Inskrivningstid ingår i bedömningsstödet i rusta och "
    f"matcha 2, så dess koefficienter är inte jämförbara; inte heller konstanterna. {rr.STARS_LEGEND}.")


def render_comparison(t: pd.DataFrame, decimals: int = rr.TABELL_18_DECIMALS) -> pd.DataFrame:
    """RoM 1's and RoM 2's Tabell 18 side by side (`rom2_results.compare_generations`):
    per term a coefficient row (with stars) and a standard-error row in parentheses (Stata
    b/se), one column per generation and "Jämförbar" (Med förbehåll / Nej) on the
    coefficient row."""
    t = t.reset_index(drop=True)
    stars = pd.Series(SIGNIFICANT_MARK, index=t.index).str.repeat(t["stars"].fillna(0).astype(int))
    value = t["value"].map(lambda v: number(v, decimals))
    coef = (t["measure"] == "coef").to_numpy()
    text = np.where(t["value"].isna(), np.where(coef, "(utelämnad)", ""),
                    np.where(coef, value + stars, "(" + value + ")"))
    w = t.assign(text=text, row=np.where(t["measure"] == "coef", t["group"], ""),
                 col=t["generation"].map(GENERATION_LABELS))
    w["key"] = w["group"] + "|" + w["measure"]
    wide = w.pivot_table(index="key", columns="col", values="text", aggfunc="first", sort=False)
    first = w.drop_duplicates("key").set_index("key")
    wide = wide.reindex(columns=list(GENERATION_LABELS.values())).astype(object).fillna("–")
    wide["Jämförbar"] = np.where(first.loc[wide.index, "measure"] == "coef", first.loc[wide.index, "comparable"], "")
    wide.index = pd.Index(first.loc[wide.index, "row"].to_numpy(), name="Variabler")
    wide.columns.name = None
    return wide


def describe_comparison(t: pd.DataFrame) -> str:
    """One sentence on the side-by-side models: how many of the comparable coefficients
    (with reservations) have the same sign in both generations."""
    c = t[(t["measure"] == "coef") & (t["comparable"] != "Nej")].pivot_table(
        index="term", columns="generation", values="value", aggfunc="first")
    if c.empty or c.shape[1] < 2:
        return "Modellerna kan inte ställas mot varandra."
    same = int((np.sign(c[1]) == np.sign(c[2])).sum())
    return (f"{same} av {len(c)} koefficienter som kan jämföras med förbehåll har samma tecken i rusta och "
            f"matcha 1 och 2; nivåerna och resultatmåttet skiljer sig åt mellan generationerna.")


# --------------------------------------------------------------------------- Tabell 19

TABELL_19_ROWS = {
    "work_3m_share": ("Resultat efter tre månader", "Arbete"),
    "education_3m_share": ("Resultat efter tre månader", "Utbildning"),
    "work_share_of_3m_results": ("Resultat efter tre månader", "Arbete, andel av resultaten"),
    "work_6m_share": ("Resultat efter sex månader", "Arbete"),
    "education_6m_share": ("Resultat efter sex månader", "Utbildning"),
    "work_share_of_6m_results": ("Resultat efter sex månader", "Arbete, andel av resultaten"),
}


def render_tabell_19(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 19 (RoM 2) as printed: rows (result, Arbete / Utbildning / Arbete som
    andel av resultaten), columns Totalt, Nivå A–C; whole percent with '%'."""
    w = t.assign(text=_fmt_pct(t["value"]), col=t["level"].map(rr._level_label),
                 r1=t["measure"].map(lambda m: TABELL_19_ROWS[m][0]),
                 r2=t["measure"].map(lambda m: TABELL_19_ROWS[m][1]))
    out = w.pivot_table(index=["r1", "r2"], columns="col", values="text", aggfunc="first", sort=False)
    out = out.reindex(index=pd.MultiIndex.from_tuples(list(TABELL_19_ROWS.values())), columns=LEVEL_COLUMNS)
    out = out.astype(object).fillna(disclosure.SUPPRESSED)
    out.index.names, out.columns.name = [None, None], None
    return out


def describe_tabell_19(t: pd.DataFrame) -> str:
    """One sentence on Tabell 19 (RoM 2): work's share of the 3- and 6-month results."""
    if all_hidden(t):
        return ALL_HIDDEN
    v = t[t["level"] == TOTAL].set_index("measure")["value"]
    return (f"Arbete står för {rr._pct(v.get('work_share_of_3m_results'))} av resultaten efter tre månader och "
            f"{rr._pct(v.get('work_share_of_6m_results'))} av resultaten efter sex månader; resten är utbildning.")


# --------------------------------------------------------------------------- job chance

MEAN_JOB_CHANCE = "Bedömd jobbchans, medel"
TREND_ROW = f"Lutning per {100 * TREND_STEP:.0f} procentenheter bedömd jobbchans"


def _band_label(band: pd.Series, top: int) -> pd.Series:
    b = band.astype("Int64")
    label = b.astype(str)
    label = label.where(b != 1, label + " (lägst)")
    return label.where(b != top, label + " (högst)")


def _interval(v, lo, hi) -> str:
    if pd.isna(v):
        return disclosure.SUPPRESSED
    return f"{number(v, 1)} ({number(lo, 1)} – {number(hi, 1)})"


def render_job_chance(t: pd.DataFrame) -> pd.DataFrame:
    """Results by job chance within level as a table: rows (Nivå, band 1 (lägst) …
    (högst), then the level's slope), columns the band's mean job chance, the share with
    a 3-month and with a 6-month result (whole percent) and the persons; the slope row
    gives percentage points per 10 points of job chance with its 95 % interval."""
    bands = t[t["band"].notna()]
    top = int(bands["band"].max()) if len(bands) else 0
    b = bands.assign(lv=bands["level"].map(rr._level_label), row=_band_label(bands["band"], top))
    text = np.where(b["measure"] == "mean_job_chance", rr._fmt(b["value"]), _fmt_pct(b["value"]))
    b = b.assign(text=text, col=b["measure"].map({**RESULT_LABELS, "mean_job_chance": MEAN_JOB_CHANCE}))
    wide = b.pivot_table(index=["lv", "row", "band"], columns="col", values="text", aggfunc="first", sort=False)
    persons = b[b["measure"] == "result_3m_share"].set_index(["lv", "row", "band"])["n"]
    wide[PERSONS] = persons.map(lambda v: number(v, 0)).reindex(wide.index)
    tr = t[t["band"].isna()]
    trend = tr.assign(lv=tr["level"].map(rr._level_label), row=TREND_ROW, band=top + 1,
                      col=tr["measure"].map({"trend_3m": RESULT_LABELS["result_3m_share"],
                                             "trend_6m": RESULT_LABELS["result_6m_share"]}),
                      text=[_interval(v, lo, hi) for v, lo, hi in zip(tr["value"], tr["ci_low"], tr["ci_high"])])
    twide = trend.pivot_table(index=["lv", "row", "band"], columns="col", values="text", aggfunc="first", sort=False)
    twide[MEAN_JOB_CHANCE] = "–"
    twide[PERSONS] = ""
    out = pd.concat([wide, twide])
    lv_order = {v: i for i, v in enumerate(codes.LEVELS.values())}
    idx = out.index.to_frame(index=False)
    order = np.lexsort((idx["band"].astype(int).to_numpy(), idx["lv"].map(lv_order).to_numpy()))
    out = out.iloc[order]
    out.index = pd.MultiIndex.from_arrays([out.index.get_level_values(0), out.index.get_level_values(1)],
                                          names=[None, None])
    cols = [MEAN_JOB_CHANCE, *[RESULT_LABELS[m] for m in SHARES], PERSONS]
    out = out.reindex(columns=cols).astype(object).fillna(disclosure.SUPPRESSED)
    out.columns.name = None
    return out


JOB_CHANCE_NOTE = (
    "Deltagarna i varje nivå är indelade i fem ungefär lika stora grupper (femtedelar) efter bedömd jobbchans "
    "inom nivån; deltagare med samma bedömda jobbchans hamnar i samma grupp. "
    f"Lutningen är koefficienten i en linjär sannolikhetsmodell av resultatet på bedömd jobbchans inom nivån, i "
    f"procentenheter per {100 * TREND_STEP:.0f} procentenheter bedömd jobbchans, med 95 procents konfidensintervall "
    "(robusta standardfel) inom parentes. Rapporten (avsnitt 2.3) delar inte upp rusta och matcha 1:s nivåer "
    "efter jobbchans eftersom det bedömningsstödet inte tog hänsyn till inskrivningstid; det gör "
    "bedömningsstödet i rusta och matcha 2.")


def describe_job_chance(t: pd.DataFrame, alpha: float) -> str:
    """One sentence on results by job chance: the 6-month share in the lowest and
    highest band of each level (as shown) and in how many levels the slope is
    significant at ``alpha``."""
    if all_hidden(t):
        return ALL_HIDDEN
    b = t[(t["measure"] == "result_6m_share") & t["band"].notna()]
    if b.empty:
        return "Inga deltagare att dela upp efter bedömd jobbchans."
    top = int(b["band"].max())
    v = b.set_index(["level", "band"])["value"]
    parts = [f"{rr._pct(v.get((lv, 1), np.nan))} och {rr._pct(v.get((lv, top), np.nan))} i nivå {lv}"
             for lv in codes.LEVELS if (lv, 1) in v.index]
    tr = t[(t["measure"] == "trend_6m") & t["value"].notna()]
    up = tr[(tr["p_value"] < alpha) & (tr["value"] > 0)]
    down = tr[(tr["p_value"] < alpha) & (tr["value"] < 0)]
    group = "femtedelen" if top == 5 else "gruppen"
    text = ("Andelen med resultat efter sex månader är i den lägsta respektive högsta "
            f"{group} av bedömd jobbchans "
            f"{', '.join(parts[:-1]) + ' samt ' + parts[-1] if len(parts) > 1 else parts[0]}")
    if tr.empty:
        return text + "."
    return (text + f"; andelen ökar statistiskt säkerställt med jobbchansen inom {len(up)} av {len(tr)} nivåer"
            + (f" och minskar inom {len(down)}" if len(down) else "") + f" ({100 * alpha:.0f} %-nivå).")


#: The notes under RoM 2's tables where RoM 1 and RoM 2 are not comparable.
NOTES = {"rom2_14": NOT_COMPARABLE, "rom2_figur_1": NOT_COMPARABLE, "rom2_16": NOT_COMPARABLE,
         "rom2_18": TABELL_18_NOTE, "rom2_18_jamforelse": COMPARISON_NOTE, "rom2_19": NOT_COMPARABLE,
         "rom2_jobbchans": JOB_CHANCE_NOTE}
