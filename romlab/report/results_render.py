"""The results tables laid out as the report prints them, and one sentence on each.

`render_*` turn a results table's long data (`romlab.report.results`) into the report's
layout (whole percent, windows over levels, '..' for a suppressed cell, '*' for a
significant difference, '▲' for Tabell 17's flag; Tabell 18 from its fitted model, Stata's
b/se with stars); `describe_*` write the sentence shown above it. Both read only the long data
(and the run's configuration or model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.publication import disclosure
from romlab.report import regression as reg
from romlab.report.results import (
    FLAG_MARK, LEVEL_TEST_ALPHA, LEVELS, MEASURE_LABELS, SIGNAL_MONTHS, SIGNIFICANT_MARK, TABELL_23_COLUMNS, TOTAL,
)
from romlab.report.support_render import ALL_HIDDEN, all_hidden, number, text_number
from romlab.run.config import RunConfig

# --------------------------------------------------------------------------- render

def _fmt(values: pd.Series, decimals: int = 0, suffix: str = "") -> pd.Series:
    fmt = f"{{:.{decimals}f}}"
    return values.map(lambda v: disclosure.SUPPRESSED if pd.isna(v) else fmt.format(v) + suffix)


def _level_label(lv: str) -> str:
    return "Totalt" if lv == TOTAL else codes.LEVELS[lv]


def render_tabell_14(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 14 as printed: rows Andel R2 / arbete / utbildning, columns Totalt, Nivå
    A–C, whole percent with '%'."""
    w = t.assign(text=_fmt(t["value"], 0, "%"), col=t["level"].map(_level_label),
                 row=t["measure"].map(MEASURE_LABELS))
    out = w.pivot(index="row", columns="col", values="text")
    out = out.reindex(index=list(MEASURE_LABELS.values()), columns=["Totalt", *codes.LEVELS.values()])
    out.index.name, out.columns.name = None, None
    return out


def _window_col(w) -> str:
    return f"Fönster {int(w)}"


def render_tabell_15(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 15 as printed: rows Nivå A–C, columns Fönster 1–4, whole percent."""
    w = t.assign(text=_fmt(t["value"]), row=t["level"].map(_level_label), col=t["window"].map(_window_col))
    out = w.pivot(index="row", columns="col", values="text")
    windows = sorted(w["col"].unique(), key=lambda c: int(c.split()[-1]))
    out = out.reindex(index=list(codes.LEVELS.values()), columns=windows)
    out.index.name, out.columns.name = None, None
    return out


def render_level_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """The level tests of Tabell 15 (`level_tests`) as a table: per window and pair the
    difference in percentage points (one decimal), the p-value and "Ja"/"Nej"."""
    p = tests["p_value"].map(lambda v: "–" if pd.isna(v)
                             else "<0,001" if v < 0.001 else f"{v:.3f}".replace(".", ","))
    # a test resting on a hidden cell: '..' throughout (not "–", not "Nej")
    hidden = (tests["suppressed"].astype(bool).to_numpy() if "suppressed" in tests.columns
              else np.zeros(len(tests), bool))  # unprotected tests: nothing hidden
    return pd.DataFrame({
        "Fönster": tests["window"].map(_window_col),
        "Jämförelse": "Nivå " + tests["level_1"] + " – Nivå " + tests["level_2"],
        "Skillnad (procentenheter)": tests["difference"].map(lambda v: number(v, 1)),
        "p-värde": p.where(~hidden, disclosure.SUPPRESSED),
        "Statistiskt säkerställd": np.where(hidden, disclosure.SUPPRESSED,
                                            np.where(tests["significant"], "Ja", "Nej")),
    })


def _group_wide(t: pd.DataFrame, mark: pd.Series | None, marker: str) -> pd.DataFrame:
    text = _fmt(t["value"])
    if mark is not None:
        text = text.where(~mark.to_numpy(), text + marker)
    w = t.assign(text=text.to_numpy(), col_w=t["window"].map(_window_col), col_l=t["level"].map(_level_label))
    out = w.pivot_table(index="group", columns=["col_w", "col_l"], values="text", aggfunc="first", sort=False)
    labels = list(dict.fromkeys(t["group"]))
    cols = pd.MultiIndex.from_product([sorted(w["col_w"].unique(), key=lambda c: int(c.split()[-1])),
                                       list(codes.LEVELS.values())])
    out = out.reindex(index=labels, columns=cols)
    out.index.name = "Jämförelse"
    out.columns.names = [None, None]
    return out


def render_group_table(t: pd.DataFrame, mark_significant: bool = True) -> pd.DataFrame:
    """Tabell 16, 21 or 22 as printed: the 18 groups × (window, level), whole percent;
    statistically significant cells (bold in the report) end in '*'."""
    return _group_wide(t, t["significant"] if mark_significant else None, SIGNIFICANT_MARK)


def render_tabell_17(t17: pd.DataFrame) -> pd.DataFrame:
    """Tabell 17 as printed: Tabell 16 with the flagged cells (yellow in the report)
    ending in '▲'."""
    return _group_wide(t17, t17["flagged"], FLAG_MARK)


def render_tabell_19(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 19 as printed: rows (Arbete, Utbildning) × Nivå A–C, columns Fönster."""
    name = {"work_share": "Arbete", "education_share": "Utbildning"}
    w = t.assign(text=_fmt(t["value"]), r1=t["measure"].map(name), r2=t["level"].map(_level_label),
                 col=t["window"].map(_window_col))
    out = w.pivot_table(index=["r1", "r2"], columns="col", values="text", aggfunc="first", sort=False)
    out = out.reindex(index=pd.MultiIndex.from_product([list(name.values()), list(codes.LEVELS.values())]),
                      columns=sorted(w["col"].unique(), key=lambda c: int(c.split()[-1])))
    out.index.names, out.columns.name = [None, None], None
    return out


def render_tabell_20(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 20 as printed: "Andel arbete av totala utfall", rows Nivå A–C, columns
    Fönster, whole percent with '%'."""
    out = render_tabell_15(t.assign(value=t["value"]))
    return out.map(lambda s: s if s == disclosure.SUPPRESSED else s + "%")


def render_tabell_23(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 23 as printed: rows "Andel osubventionerat arbete" (Nivå A, B och C),
    "Osubventionerat arbete" and "Subventionerat arbete" by level; columns (1), (2)."""
    rows = [("unsubsidised_share_of_employment", TOTAL), *[("unsubsidised_work_share", lv) for lv in LEVELS],
            *[("subsidised_work_share", lv) for lv in LEVELS]]
    names = {"unsubsidised_share_of_employment": "Andel osubventionerat arbete",
             "unsubsidised_work_share": "Osubventionerat arbete", "subsidised_work_share": "Subventionerat arbete"}
    w = t.assign(text=_fmt(t["value"], 0, "%")).set_index(["measure", "level", "column"])["text"]
    data = {f"({i + 1}) {c}": [w.get((m, lv, c), disclosure.SUPPRESSED) for m, lv in rows]
            for i, c in enumerate(TABELL_23_COLUMNS)}
    idx = pd.MultiIndex.from_tuples([(names[m], "Nivå A, B och C" if lv == TOTAL else codes.LEVELS[lv])
                                     for m, lv in rows])
    return pd.DataFrame(data, index=idx)


#: Tabell 18's decimals for coefficients and standard errors (the report prints two, so
#: its standard errors read "(0.00)"; three show them).
TABELL_18_DECIMALS = 3
#: Tabell 18's reference-group rows, printed above the first term of their group.
TABELL_18_REFERENCES = {"woman": "Referensgrupp: inrikes födda män",
                        "age_25_55": "Referensgrupp: arbetssökande under 25 år",
                        "reg_1_2y": "Referensgrupp: arbetssökande inskrivna kortare än 1 år"}
#: The stars' legend (`romlab.report.regression.STAR_LEVELS`: one star below 0.1, three below 0.01).
STARS_LEGEND = ", ".join(f"{'*' * (len(reg.STAR_LEVELS) - i)} p<{p:g}".replace(".", ",")
                         for i, p in enumerate(sorted(reg.STAR_LEVELS)))
#: Tabell 18's note (the report's, with "standardfel" where it misprints "p-varden").
TABELL_18_NOTE = ("I tabellen redovisas koefficientskattningar (robusta standardfel inom parentes) från en "
                  "multipel regression där den beroende variabeln är en dummyvariabel som anger om individen "
                  f"varit i arbete eller studier i minst fyra månader. {STARS_LEGEND}.")


def render_tabell_18(result: reg.RegressionResult, decimals: int = TABELL_18_DECIMALS) -> pd.DataFrame:
    """Tabell 18 as printed (Stata ``b/se``): per term a row with the coefficient and its
    stars and a row with the standard error in parentheses, the reference groups' rows,
    one "Ja" row per fixed-effect term, R², justerat R² and the number of observations;
    decimal comma, `decimals` decimals (standard errors never "(0,00)")."""
    ct = result.coef_table()
    pos = 3 * np.arange(len(ct))
    omitted = ct["coef"].isna().to_numpy()
    stars = pd.Series(SIGNIFICANT_MARK, index=ct.index).str.repeat(ct["stars"].astype(int))
    coef = np.where(omitted, "(utelämnad)", ct["coef"].map(lambda v: number(v, decimals)) + stars)
    se = np.where(omitted, "", "(" + ct["se"].map(lambda v: number(v, decimals)) + ")")
    refs = ct["term"].map(TABELL_18_REFERENCES)
    has_ref = refs.notna().to_numpy()
    terms = pd.concat([pd.DataFrame({"pos": pos[has_ref], "row": refs[has_ref], "text": ""}),
                       pd.DataFrame({"pos": pos + 1, "row": ct["label"], "text": coef}),
                       pd.DataFrame({"pos": pos + 2, "row": "", "text": se})]).sort_values("pos", kind="stable")
    names = [t if isinstance(t, str) else "×".join(t) for t in result.fixed_effects]
    rows = [*terms["row"], *[f"Kontroll för {result.labels.get(n, n)}" for n in names],
            "R²", "Justerat R²", "Antal observationer"]
    values = [*terms["text"], *["Ja"] * len(names), number(result.rsquared, 4), number(result.rsquared_adj, 4),
              number(result.nobs, 0)]
    columns = pd.MultiIndex.from_tuples([(result.labels.get(result.outcome, result.outcome), "b/se")])
    return pd.DataFrame(np.array(values, dtype=object)[:, None], index=pd.Index(rows, name="Variabler"),
                        columns=columns)


#: How a variant of Tabell 18's model clusters its standard errors, in words (by column).
CLUSTER_NAMES = {"provider_id": "leverantör", "person_id": "person"}


def tabell_18_variant(result: reg.RegressionResult, synthetic: bool = False, anchor: str = "tabell-18-variant"):
    """A variant of Tabell 18's model (e.g. standard errors clustered by provider,
    ``pt.models["18_cluster"]``) laid out as Tabell 18 (`render_tabell_18`), with a note
    saying how its standard errors are computed: a `ReaderTable` for a notebook (its
    source line says so when the data are generated, `synthetic`)."""
    from romlab.publication.reader_table import ReaderTable

    if result.cov_type == "cluster":
        errors = (f"standardfel klustrade per {CLUSTER_NAMES.get(result.cluster, result.cluster)} "
                  f"({_count(result.n_clusters)} kluster)")
    else:
        errors = {"HC1": "robusta standardfel", "HC0": "robusta standardfel (HC0)",
                  "nonrobust": "klassiska standardfel"}[result.cov_type]
    note = f"Samma modell som i Tabell 18 med {errors} inom parentes. {STARS_LEGEND}."
    return ReaderTable(render_tabell_18(result), anchor=anchor, note=note, synthetic=synthetic)


def render_figure_data(f: pd.DataFrame) -> pd.DataFrame:
    """Figur 1's or 2's points as a table: start months (rows) × Totalt, Nivå A–C, whole
    percent; a hidden point (or none) shows as '..'."""
    w = f.assign(text=_fmt(f["value"]), row=pd.to_datetime(f["start_month"]).dt.strftime("%Y-%m"),
                 col=f["level"].map(_level_label))
    out = w.pivot(index="row", columns="col", values="text")
    out = out.reindex(columns=[c for c in ["Totalt", *codes.LEVELS.values()] if c in out.columns])
    out = out.fillna(disclosure.SUPPRESSED)
    out.index.name, out.columns.name = "Startmånad", None
    return out


#: The summary's headline numbers (`results.headline`), in Swedish.
HEADLINE_LABELS = {
    "r2_share": "Andel som uppnådde målet (R2)",
    "work_share_of_results": "Arbete, andel av resultaten",
    "education_share_of_results": "Utbildning, andel av resultaten",
    "median_hours": "Stöd per månad, median (timmar)",
    "mean_hours": "Stöd per månad, medelvärde (timmar)",
    "unsubsidised_share_of_employment_low": "Osubventionerat arbete, andel av anställningarna (lägst)",
    "unsubsidised_share_of_employment_high": "Osubventionerat arbete, andel av anställningarna (högst)",
}


def render_headline(h: pd.DataFrame) -> pd.DataFrame:
    """The summary's headline numbers as a table (measure, level; Värde): shares in whole
    percent, mean hours with one decimal, the median whole; a hidden number shows as '..'."""
    hours = {"mean_hours": 1, "median_hours": 0}
    text = [number(v, hours[m]) if m in hours else _pct(v) for m, v in zip(h["measure"], h["value"])]
    idx = pd.MultiIndex.from_arrays([h["measure"].map(HEADLINE_LABELS).fillna(h["measure"]),
                                     h["level"].map(_level_label)])
    return pd.DataFrame({"Värde": text}, index=idx.set_names([None, None]))


# --------------------------------------------------------------------------- sentences

def _pct(v) -> str:
    return ".." if pd.isna(v) else f"{v:.0f} %"


def _count(n) -> str:
    """A count with a narrow no-break space as thousands separator (Swedish style)."""
    return disclosure.SUPPRESSED if pd.isna(n) else text_number(int(n), 0)


def _months_text(cfg: RunConfig) -> str:
    a, b = cfg.population_start_months
    return f"{a} – {b}"


def describe_tabell_14(t: pd.DataFrame, cfg: RunConfig) -> str:
    """One sentence on Tabell 14 (a hidden number shows as '..')."""
    if all_hidden(t):
        return ALL_HIDDEN
    v = t[t["measure"] == "r2_share"].set_index("level")["value"]
    n = t[(t["measure"] == "r2_share") & (t["level"] == TOTAL)]["n"].iloc[0]
    work = t[(t["measure"] == "work_share") & (t["level"] == TOTAL)]["value"].iloc[0]
    share_work = np.nan if pd.isna(work) or not v.get(TOTAL) else 100 * work / v[TOTAL]
    return (f"Av de {_count(n)} deltagare som startade {_months_text(cfg)} och kan följas minst "
            f"{cfg.followup_months} månader nådde {_pct(v.get(TOTAL))} målet (R2): {_pct(v.get('A'))} i nivå A, "
            f"{_pct(v.get('B'))} i nivå B och {_pct(v.get('C'))} i nivå C; arbete är "
            f"{_pct(share_work)} av resultaten.")


def describe_figur_1(f: pd.DataFrame) -> str:
    """One sentence on Figur 1: the start months with the highest and lowest share."""
    if all_hidden(f):
        return ALL_HIDDEN
    tot = f[(f["level"] == TOTAL) & f["value"].notna()]
    if tot.empty:
        return "För få deltagare per startmånad för att visa andelar."
    hi, lo = tot.loc[tot["value"].idxmax()], tot.loc[tot["value"].idxmin()]
    return (f"Andelen med R2 är högst för dem som startade {hi['start_month']:%Y-%m} ({_pct(hi['value'])}) "
            f"och lägst för dem som startade {lo['start_month']:%Y-%m} ({_pct(lo['value'])}).")


def describe_figur_2(f: pd.DataFrame, signal_months: int = SIGNAL_MONTHS) -> str:
    """One sentence on Figur 2: range of start months and the latest share."""
    if all_hidden(f):
        return ALL_HIDDEN
    tot = f[(f["level"] == TOTAL) & f["value"].notna()]
    if tot.empty:
        return "För få deltagare per startmånad för att visa andelar."
    first, last = tot.iloc[0], tot.iloc[-1]
    return (f"Startmånaderna {first['start_month']:%Y-%m} – {last['start_month']:%Y-%m} följs exakt "
            f"{signal_months} månader; andelen med påbörjat arbete eller studier (R1) inom {signal_months} "
            f"månader var {_pct(first['value'])} i den första och {_pct(last['value'])} i den sista.")


def describe_tabell_15(t: pd.DataFrame, tests: pd.DataFrame, alpha: float = LEVEL_TEST_ALPHA) -> str:
    """One sentence on Tabell 15: in which windows every level difference is
    significant at ``alpha``. A window with a hidden test counts as not all significant
    when a test it shows is not; otherwise it is named as having hidden comparisons."""
    if all_hidden(t):
        return ALL_HIDDEN
    hid = tests["suppressed"].astype(bool) if "suppressed" in tests.columns else pd.Series(False, index=tests.index)
    sig = tests["significant"].astype(bool)
    by = pd.DataFrame({"window": tests["window"], "yes": sig | hid, "no": ~sig & ~hid, "hid": hid})
    by = by.groupby("window").agg(yes=("yes", "all"), no=("no", "any"), hid=("hid", "any"))
    yes = [str(w) for w in by.index[by["yes"] & ~by["hid"]]]
    no = [str(w) for w in by.index[by["no"]]]
    hidden = [str(w) for w in by.index[~by["no"] & by["hid"]]]
    level = f"{100 * (1 - alpha):.0f} procents nivå"
    if not yes and not no:
        return f"I samtliga fönster är jämförelser mellan nivåerna undertryckta ({disclosure.SUPPRESSED})."
    note = f"; i fönster {', '.join(hidden)} är jämförelser undertryckta ({disclosure.SUPPRESSED})" if hidden else ""
    if not no:
        where = f"fönster {', '.join(yes)}" if hidden else "samtliga fönster"
        return f"Alla skillnader mellan nivåerna är statistiskt säkerställda på {level} i {where}{note}."
    if not yes:
        if hidden:
            return (f"I fönster {', '.join(no)} är inte alla skillnader mellan nivåerna statistiskt säkerställda "
                    f"på {level}{note}.")
        return f"Inga fönster har alla skillnader mellan nivåerna statistiskt säkerställda på {level}."
    return (f"Skillnaderna mellan nivåerna är statistiskt säkerställda på {level} i fönster {', '.join(yes)}, "
            f"men inte alla i fönster {', '.join(no)}{note}.")


def _reference_hidden(t: pd.DataFrame) -> pd.Series:
    """True where a row's reference group (same window and level) is hidden."""
    hid = t.drop_duplicates(["window", "level", "group"]).set_index(["window", "level", "group"])["suppressed"]
    ref = pd.MultiIndex.from_arrays([t["window"], t["level"], t["reference"]])
    return pd.Series(hid.astype(bool).reindex(ref).fillna(False).to_numpy(bool), index=t.index)


def describe_group_table(t: pd.DataFrame, alpha: float) -> str:
    """One sentence on Tabell 16, 21 or 22: significant cells out of those tested and
    shown (a cell or reference group that is hidden has no test shown)."""
    if all_hidden(t):
        return ALL_HIDDEN
    tested = t["reference"].notna() & ~t["suppressed"].astype(bool) & ~_reference_hidden(t)
    if not tested.any():
        return f"Ingen jämförelse med referensgruppen redovisas ({disclosure.SUPPRESSED})."
    n_sig = int(t.loc[tested, "significant"].sum())
    return (f"{n_sig} av {int(tested.sum())} celler skiljer sig statistiskt säkerställt från "
            f"referensgruppen (tvåsidigt z-test, {100 * alpha:.0f} %-nivå); markerade med *.")


def describe_tabell_17(t17: pd.DataFrame) -> str:
    """One sentence on Tabell 17: how many cells are flagged, and the comparison with
    the most."""
    if all_hidden(t17):
        return ALL_HIDDEN
    f = t17[t17["flagged"]]
    if f.empty:
        return "Ingen grupp i nivå B eller C har lika hög eller högre andel än en annan grupp i nivå A."
    # most flagged cells; a tie goes to the comparison printed first (not to value_counts' sort)
    counts = f.groupby("comparison", sort=False).size()
    top = counts.index[int(np.argmax(counts.to_numpy()))]
    label = {"sex": "kön", "birth_country": "födelseland", "foreign_sex": "utrikes födda kvinnor och män",
             "disability": "funktionsnedsättning", "education": "utbildning", "age": "ålder",
             "registration": "inskrivningstid"}.get(top, top)
    return (f"{len(f)} celler (▲): en grupp i nivå B eller C har minst lika hög andel som en annan grupp "
            f"i nivå A i samma fönster; flest inom jämförelsen efter {label}.")


def describe_tabell_18(result: reg.RegressionResult) -> str:
    """One sentence on Tabell 18: the largest coefficient in absolute value and R²."""
    ct = result.coef_table()
    ct = ct[ct["term"] != reg.CONSTANT].dropna(subset=["coef"])
    top = ct.loc[ct["coef"].abs().idxmax()]
    r2 = f"{100 * result.rsquared:.1f}".replace(".", ",")
    points = f"{100 * top['coef']:+.0f}".replace("-", "\u2212")
    return (f"Störst skillnad mot referensgruppen har {top['label']} ({points} procentenheter, "
            f"allt annat lika); modellen förklarar {r2} % av variationen (N = {_count(result.nobs)}).")


def _span(values: pd.Series) -> str:
    """The range of the values shown ("12 %–20 %"), '..' if none is."""
    v = values.dropna()
    return disclosure.SUPPRESSED if v.empty else f"{_pct(v.min())}–{_pct(v.max())}"


def _left_out(t: pd.DataFrame) -> str:
    """The clause saying hidden cells are left out of a range, where some are."""
    return f"; undertryckta celler ({disclosure.SUPPRESSED}) ingår inte" if t["value"].isna().any() else ""


def describe_tabell_19(t: pd.DataFrame) -> str:
    """One sentence on Tabell 19: the work and studies ranges (over the cells shown)."""
    if all_hidden(t):
        return ALL_HIDDEN
    w = t[t["measure"] == "work_share"]["value"]
    e = t[t["measure"] == "education_share"]["value"]
    return (f"Andelen som gick till arbete ligger mellan {_pct(w.min())} och {_pct(w.max())}, "
            f"andelen som gick till utbildning mellan {_pct(e.min())} och {_pct(e.max())}{_left_out(t)}.")


def describe_tabell_20(t: pd.DataFrame) -> str:
    """One sentence on Tabell 20: work's share of results in the first and last window
    (over the cells shown)."""
    if all_hidden(t):
        return ALL_HIDDEN
    first, last = t["window"].min(), t["window"].max()
    a = t[t["window"] == first]["value"]
    b = t[t["window"] == last]["value"]
    return (f"Arbete står för {_span(a)} av resultaten i fönster {first} och "
            f"{_span(b)} i fönster {last}{_left_out(t)}.")


def describe_tabell_23(t: pd.DataFrame) -> str:
    """One sentence on Tabell 23: the range of the unsubsidised share of jobs."""
    if all_hidden(t):
        return ALL_HIDDEN
    v = t[t["measure"] == "unsubsidised_share_of_employment"].set_index("column")["value"]
    lo, hi = v.get(TABELL_23_COLUMNS[1]), v.get(TABELL_23_COLUMNS[0])
    return (f"Osubventionerade anställningar står för mellan {_pct(lo)} (endast identifierade rapporter) och "
            f"{_pct(hi)} (oidentifierade räknade som osubventionerade) av alla anställningar.")
