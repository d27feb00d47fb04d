"""Lay out the support tables as the report prints them, and say what they show.

Input: the long tables of `romlab.report.support`. Output: wide DataFrames with the report's
Swedish labels, numbers rounded as printed (one decimal for hours, whole percent, counts
with a space as thousands separator and a decimal comma), cells based on fewer than
`min_cell` report-months suppressed (`..`), and one plain sentence per table computed
from the numbers, in Swedish in the report's terms (`text_number`: decimal comma, a
narrow no-break space between thousands).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.report.classify import label_map
from romlab.publication.disclosure import SUPPRESSED
from romlab.report.support import A1_COLUMNS, GROUP_TABLES, LABELS, TOTAL

ACTIVITY_ORDER = [LABELS[TOTAL], *[codes.ACTIVITIES[c] for c in codes.HOUR_COLUMNS]]
OBS_LABEL = "Antalet observationer i urvalet*"
#: The sentence on a table whose every number disclosure control hides (support and results tables).
ALL_HIDDEN = f"Alla uppgifter i tabellen är undertryckta ({SUPPRESSED})."


def all_hidden(long: pd.DataFrame) -> bool:
    """True when disclosure control hides every row of a protected table (``suppressed``
    throughout); False for a table that is not protected or shows something."""
    return "suppressed" in long.columns and len(long) > 0 and bool(long["suppressed"].astype(bool).all())


def number(value, decimals: int = 1) -> str:
    """A number as the report prints it: decimal comma, space as thousands separator."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return SUPPRESSED
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


#: The thousands separator of numbers in a sentence: a narrow no-break space, so a
#: number never breaks (`romlab.run.page_frame.THIN_SPACE`).
TEXT_THOUSANDS = "\u202f"


def text_number(value, decimals: int = 1) -> str:
    """A number in a sentence as the report writes it: decimal comma, a narrow no-break
    space between thousands ("16\u202f237"), '..' when hidden (missing)."""
    text = number(value, decimals)
    return text if text == SUPPRESSED else text.replace(" ", TEXT_THOUSANDS)


def _fmt(frame: pd.DataFrame, decimals: int) -> pd.DataFrame:
    return frame.apply(lambda col: col.map(lambda v: number(v, decimals)))


def _order(index: pd.Index) -> list:
    return sorted(index, key=lambda a: ACTIVITY_ORDER.index(a) if a in ACTIVITY_ORDER else 99)


def render_flow(table: pd.DataFrame) -> pd.DataFrame:
    """§3.5.1: the selection flow (Steg, Antal)."""
    out = table.set_index("Steg")[["value"]].rename(columns={"value": "Antal"})
    out["Antal"] = [number(v, 1 if m == "reports_per_individual" else 0) for m, v in zip(table["measure"], table["value"])]
    return out


def render_tabell_02(long: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """Tabell 2: activities × percentiles (hours, untrimmed; `decimals` 1 as printed,
    2 for RoM 2's quarter hours)."""
    w = long.pivot(index="activity", columns="percentile", values="value")
    w.columns = [number(c, 3).rstrip("0").rstrip(",") for c in w.columns]
    w.columns.name, w.index.name = "Percentil", None
    return _fmt(w.loc[_order(w.index)], decimals)


def render_tabell_03(long: pd.DataFrame) -> pd.DataFrame:
    """Tabell 3: activities × share of observations kept."""
    w = long.pivot(index="activity", columns="included_share", values="value")
    w.columns = [f"{number(c, 1).replace(',0', '')} %" for c in w.columns]
    w.columns.name, w.index.name = "Andel observationer", None
    return _fmt(w.loc[_order(w.index)], 1)


def render_tabell_04(long: pd.DataFrame, median_decimals: int = 0) -> pd.DataFrame:
    """Tabell 4: total support by share kept, and the medians (all / trimmed; whole hours
    as printed, `median_decimals` 2 for RoM 2's quarter hours)."""
    means = long[long["measure"] == "mean_hours"].set_index("included_share")["value"]
    row = {f"{number(s, 1).replace(',0', '')} %": number(v) for s, v in means.items()}
    med = long[long["measure"] == "median_hours"]
    row["Median (alla observationer)"] = number(med.loc[med["included_share"].isna(), "value"].iloc[0],
                                                 median_decimals)
    row["Median (justerat)"] = number(med.loc[med["included_share"].notna(), "value"].iloc[0], median_decimals)
    label = "Totalt stöd i antal timmar (exkl. eget arbete och insats hos annan aktör)"
    return pd.DataFrame([row], index=[label])


def render_tabell_05(long: pd.DataFrame, median_decimals: int = 0) -> pd.DataFrame:
    """Tabell 5: adjusted vs unadjusted total support, mean per activity, observations
    (the median in whole hours as printed; `median_decimals` 2 for RoM 2's quarter hours)."""
    rows = {}
    for adjusted, col in [("justerat", "Justerat"), ("ej justerat", "Ej justerat")]:
        d = long[long["adjusted"] == adjusted]
        get = lambda measure, act=LABELS[TOTAL]: d.loc[(d["measure"] == measure) & (d["activity"] == act), "value"].iloc[0]  # noqa: E731
        col_rows = {"Sammanlagt stöd: Medelvärde": number(get("mean_hours")),
                    "Sammanlagt stöd: Median": number(get("median_hours"), median_decimals)}
        for act in _order(pd.Index(d.loc[d["measure"] == "mean_hours", "activity"])):
            if act != LABELS[TOTAL]:
                col_rows[act] = number(get("mean_hours", act))
        col_rows["Antal observationer"] = number(get("observations"), 0)
        rows[col] = col_rows
    return pd.DataFrame(rows)


def render_tabell_06(long: pd.DataFrame) -> pd.DataFrame:
    """Tabell 6: percent of report-months with at least one hour, by activity."""
    w = long.set_index("activity")[["value"]].rename(columns={"value": "Andel (%)"})
    w.index.name = None
    return _fmt(w.loc[_order(w.index)], 0)


def _group_wide(long: pd.DataFrame, column: str, order: list[str], min_cell: int) -> pd.DataFrame:
    """Activities × groups; a group is '..' where the table is protected and the group
    suppressed (``suppressed``), or else where it has fewer than `min_cell` observations."""
    means = long[long["measure"] == "mean_hours"].pivot(index="activity", columns=column, values="value")
    obs = long[long["measure"] == "observations"].set_index(column)["value"]
    means = means.loc[_order(means.index), [c for c in order if c in means.columns]]
    if "suppressed" in long.columns:
        small = long.groupby(column)["suppressed"].any().reindex(means.columns).fillna(False).astype(bool)
    else:
        small = obs.reindex(means.columns) < min_cell
    shown = _fmt(means, 1)
    shown.loc[:, small.to_numpy()] = SUPPRESSED
    shown.loc[OBS_LABEL] = [SUPPRESSED if s else number(v, 0) for v, s in zip(obs.reindex(means.columns), small)]
    shown.index.name = shown.columns.name = None
    return shown


def _dots(long: pd.DataFrame, w: pd.DataFrame, index: list[str], columns: list[str]) -> pd.DataFrame:
    """`w` (formatted, pivoted from `long`) with the suppressed cells of `long` as '..'."""
    if "suppressed" not in long.columns or not long["suppressed"].any():
        return w
    sup = long.pivot_table(index=index, columns=columns, values="suppressed", aggfunc="any")
    sup = sup.reindex(index=w.index, columns=w.columns).fillna(False).astype(bool)
    return w.mask(sup.to_numpy(), SUPPRESSED)


def render_tabell_group(long: pd.DataFrame, table: int, min_cell: int) -> pd.DataFrame:
    """Tabell 7–11: activities × groups (trimmed means), observations last."""
    order = [lab for col in GROUP_TABLES[table] for lab in label_map(col, table).values()]
    return _group_wide(long, "group", order, min_cell)


def render_tabell_12(long: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Tabell 12: activities × level."""
    out = _group_wide(long, "level", ["A", "B", "C"], min_cell)
    out.columns = [codes.LEVELS[c] for c in out.columns]
    return out


def render_tabell_13(long: pd.DataFrame) -> pd.DataFrame:
    """Tabell 13: activities × (level, registration time)."""
    order = list(label_map("registration_group", 13).values())
    # an activity or column whose every cell is suppressed is all NA: kept (pivot_table would drop it)
    w = long.pivot_table(index="activity", columns=["level", "group"], values="value", aggfunc="first",
                         dropna=False)
    w = w.reindex(columns=pd.MultiIndex.from_product([["A", "B", "C"], order]))
    shown = _fmt(w.loc[_order(w.index)], 1)
    shown = _dots(long, shown, ["activity"], ["level", "group"])
    shown.columns = shown.columns.set_levels([codes.LEVELS[x] for x in shown.columns.levels[0]], level=0)
    shown.index.name = None
    return shown


def render_tabell_a1(long: pd.DataFrame) -> pd.DataFrame:
    """Tabell A1: (activity, level) × the 11 group columns (labels of A18)."""
    labels = [label_map(c, {"sex": 7, "education_group": 8, "age_group": 9, "birth_country": 10,
                            "disability_group": 11}[c])[code] for c, code in A1_COLUMNS]
    # a column whose every cell is suppressed is all NA: kept (pivot_table would drop it)
    w = long.pivot_table(index=["activity", "level"], columns="group", values="value", aggfunc="first",
                         dropna=False).reindex(columns=labels)
    w = w.reindex(pd.MultiIndex.from_tuples(sorted(w.index, key=lambda t: (ACTIVITY_ORDER.index(t[0]), t[1]))))
    shown = _dots(long, _fmt(w, 1), ["activity", "level"], ["group"])
    shown.index = shown.index.set_levels([codes.LEVELS[x] for x in shown.index.levels[1]], level=1)
    shown.columns.name = None
    return shown


#: The table whose labels name the groups of a test, by group column.
_TEST_TABLE = {"sex": 7, "education_group": 8, "age_group": 9, "birth_country": 10, "sex_birth_group": 10,
               "disability_group": 11}
#: Groups a test compares that no table labels (Tabell 10 prints only the foreign-born women and men).
_TEST_LABELS = {"sex_birth_group": {"domestic_woman": "Inrikes födda kvinnor", "domestic_man": "Inrikes födda män"}}


def render_tests(table: pd.DataFrame, total_only: bool = True) -> pd.DataFrame:
    """Group differences with clustered standard errors, as a readable table."""
    t = table[table["activity"] == LABELS[TOTAL]] if total_only else table
    by = t["by"].iloc[0] if len(t) else None
    names = dict(codes.LEVELS) if by == "level" else label_map(by, _TEST_TABLE[by]) if by in _TEST_TABLE else {}
    names = {**_TEST_LABELS.get(by, {}), **names}
    out = pd.DataFrame({
        "Aktivitet": t["activity"], "Grupp": t["group"].astype(str).map(lambda g: names.get(g, g)),
        "Jämförs med": t["reference"].astype(str).map(lambda g: names.get(g, g)),
        "Skillnad (timmar)": t["difference"].map(lambda v: number(v, 2)),
        "Standardfel": t["se"].map(lambda v: number(v, 2)),
        "p-värde": t["p_value"].map(lambda v: "<0,001" if v < 0.001 else number(v, 3)),
        "Statistiskt säkerställd": np.where(t["significant"], "Ja", "Nej"),
    })
    if "suppressed" in t.columns:  # a protected test whose group or reference is suppressed
        out.loc[t["suppressed"].to_numpy(bool), out.columns[3:]] = SUPPRESSED
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# One sentence per table, from the numbers
# --------------------------------------------------------------------------------------

def _activity(label: str) -> str:
    """An activity's label inside a sentence, lower case as the report writes it
    ("individuellt utvecklingsmöte")."""
    return label[:1].lower() + label[1:]


def describe_flow(table: pd.DataFrame) -> str:
    """§3.5.1: the reports of the period, the report-months and individuals left."""
    v = table.set_index("measure")["value"]
    return (f"Av {text_number(v['periodic_reports_total'], 0)} periodiska rapporter som avser perioden återstår "
            f"{text_number(v['periodic_reports_after_merge_exact'], 0)} rapporter (deltagande och månad) för "
            f"{text_number(v['unique_individuals'], 0)} unika individer, i genomsnitt "
            f"{text_number(v['reports_per_individual'])} rapporter per individ.")


def describe_percentiles(long: pd.DataFrame, decimals: int = 0) -> str:
    """Tabell 2: the activity with the highest median (eget arbete aside; hours with
    `decimals`, 2 for RoM 2's quarter hours)."""
    d = long[(long["percentile"] == 50) & (long["activity"] != "Eget arbete")]
    top = d.loc[d["value"].idxmax()]
    hours = f"{text_number(top['value'], decimals)} timmar"
    if (d["value"] > 0).sum() == 1:
        return f"Vid medianen är {_activity(top['activity'])} den enda aktiviteten med mer än noll timmar ({hours})."
    return f"Högst median har {_activity(top['activity'])} ({hours})."


def describe_trimming(long4: pd.DataFrame) -> str:
    """Tabell 4: mean total support with all report-months and without the top 5 %."""
    m = long4[long4["measure"] == "mean_hours"].set_index("included_share")["value"]
    return (f"Tas de fem procent högsta värdena bort sjunker det genomsnittliga sammanlagda stödet från "
            f"{text_number(m[100.0])} till {text_number(m[95.0])} timmar per månad.")


def describe_share(long6: pd.DataFrame) -> str:
    """Tabell 6: the two activities most taken part in (at least one hour a month)."""
    # ties in the share go to the activity printed first (ACTIVITY_ORDER), never to the sort
    pos = long6["activity"].map(lambda a: ACTIVITY_ORDER.index(a) if a in ACTIVITY_ORDER else len(ACTIVITY_ORDER))
    d = long6.assign(_pos=pos).sort_values(["value", "_pos", "activity"], ascending=[False, True, True],
                                           kind="stable")
    return (f"Vanligast är {_activity(d.iloc[0]['activity'])}, som {text_number(d.iloc[0]['value'], 0)} % av "
            f"deltagarna tar del av minst en timme i månaden, följt av {_activity(d.iloc[1]['activity'])} "
            f"({text_number(d.iloc[1]['value'], 0)} %).")


def describe_groups(long: pd.DataFrame, tests_table: pd.DataFrame, column: str = "group") -> str:
    """Tabell 7–12: the range of mean total support over the groups shown, and how many
    of the tests shown are significant; hidden groups and tests are left out (never
    stated), and a table hidden throughout says so."""
    if all_hidden(long):
        return ALL_HIDDEN
    tot = long[(long["measure"] == "mean_hours") & (long["activity"] == LABELS[TOTAL])].set_index(column)["value"]
    if column == "level":  # Tabell 12: the levels by their printed names ("Nivå A")
        tot.index = tot.index.map(lambda c: codes.LEVELS.get(c, c))
    shown = tot.dropna()
    mean = "Det genomsnittliga sammanlagda stödet"
    if len(shown) > 1:
        hi, lo = shown.idxmax(), shown.idxmin()
        level = (f"{mean} varierar från {text_number(shown[lo])} timmar ({lo}) till "
                 f"{text_number(shown[hi])} timmar ({hi})")
    elif len(shown) == 1:
        level = f"{mean} är {text_number(shown.iloc[0])} timmar ({shown.index[0]})"
    else:
        level = f"{mean} är undertryckt ({SUPPRESSED})"
    t = tests_table[tests_table["activity"] == LABELS[TOTAL]]
    if "suppressed" in t.columns:
        t = t[~t["suppressed"].astype(bool)]
    n_sig = int(t["significant"].sum())
    tests = (f"{n_sig} av {len(t)} parvisa skillnader i sammanlagt stöd är statistiskt "
             f"{'säkerställd' if n_sig == 1 else 'säkerställda'}") if len(t) else \
        "ingen parvis skillnad i sammanlagt stöd redovisas"
    left_out = f"; undertryckta grupper ({SUPPRESSED}) ingår inte" if tot.isna().any() else ""
    return f"{level}; {tests}{left_out}."


#: The groupings of the support tests (`romlab.report.support.group_tests`), in Swedish.
GROUPING_NAMES = {"sex": "kön", "education_group": "utbildningsbakgrund", "age_group": "åldersgrupp",
                  "birth_country": "födelseland", "sex_birth_group": "kön och födelseland",
                  "disability_group": "funktionsnedsättning", "level": "nivå"}
