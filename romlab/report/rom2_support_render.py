"""RoM 2's support tables as printed, and one Swedish sentence each.

The tables that mirror the report's (Tabell 2–13) use `romlab.report.support_render`'s
layouts, with quarter hours shown to two decimals where the report prints whole hours
(percentiles, medians); this module lays out what RoM 2 adds: Tabell 6 with its two
thresholds, the comparison of RoM 1 and RoM 2 per month, the list of activities, and
the significance tests with the groups that disclosure control hides left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.publication.disclosure import SUPPRESSED
from romlab.report.classify import label_map
from romlab.report.support_render import (
    ACTIVITY_ORDER,
    ALL_HIDDEN,
    _activity,
    _fmt,
    _order,
    all_hidden,
    number,
    render_tests,
    text_number,
)

__all__ = ["QUARTER_DECIMALS", "render_tabell_06", "describe_share", "render_jamforelse", "describe_jamforelse",
           "render_aktiviteter", "describe_aktiviteter", "tests_shown", "render_tests_shown", "GROUP_TABLE_OF"]

#: Decimals of quarter hours where the report prints whole hours (percentiles, medians).
QUARTER_DECIMALS = 2
#: The group table (RoM 1 number) whose labels name each grouping's groups.
GROUP_TABLE_OF = {"sex": 7, "education_group": 8, "age_group": 9, "birth_country": 10, "sex_birth_group": 10,
                  "disability_group": 11, "level": 12}
_THRESHOLD_LABELS = {"share_any_time": "Minst en kvart (%)", "share_any_hour": "Minst en timme (%)"}


# --------------------------------------------------------------------------- Tabell 6 (RoM 2)

def render_tabell_06(long: pd.DataFrame) -> pd.DataFrame:
    """Tabell 6 (RoM 2): activities × thresholds (at least a quarter hour, at least one
    hour), percent of report-months, whole percent as printed."""
    w = long.pivot(index="activity", columns="measure", values="value")
    w = w[[m for m in _THRESHOLD_LABELS if m in w.columns]].rename(columns=_THRESHOLD_LABELS)
    w.index.name = w.columns.name = None
    return _fmt(w.loc[_order(w.index)], 0)


def describe_share(long6: pd.DataFrame) -> str:
    """Tabell 6 (RoM 2): the two activities most taken part in (at least a quarter hour a
    month), ties to the activity printed first."""
    d = long6[long6["measure"] == "share_any_time"]
    pos = d["activity"].map(lambda a: ACTIVITY_ORDER.index(a) if a in ACTIVITY_ORDER else len(ACTIVITY_ORDER))
    d = d.assign(_pos=pos).sort_values(["value", "_pos", "activity"], ascending=[False, True, True], kind="stable")
    return (f"Vanligast är {_activity(d.iloc[0]['activity'])}, som {text_number(d.iloc[0]['value'], 0)} % av "
            f"deltagarna tar del av minst en kvart i månaden, följt av {_activity(d.iloc[1]['activity'])} "
            f"({text_number(d.iloc[1]['value'], 0)} %).")


# --------------------------------------------------------------------------- RoM 1 beside RoM 2

_JAMFORELSE_COLUMNS = [("justerat", "mean_hours", "Medelvärde, justerat"),
                       ("justerat", "median_hours", "Median, justerat"),
                       ("ej justerat", "mean_hours", "Medelvärde, ej justerat"),
                       ("ej justerat", "median_hours", "Median, ej justerat"),
                       ("ej justerat", "observations", "Antal observationer")]
_GENERATIONS = ("RoM 1", "RoM 2")


def render_jamforelse(long: pd.DataFrame) -> pd.DataFrame:
    """Months × (generation, measure): mean and median total support, adjusted and not,
    and the report-months; a hidden month × generation shows '..'. No rows when the two
    generations share no month."""
    columns = pd.MultiIndex.from_tuples([(g, label) for g in _GENERATIONS for _, _, label in _JAMFORELSE_COLUMNS])
    if long.empty:
        out = pd.DataFrame(columns=columns, dtype=object)
        out.index.name = "Månad"
        return out
    label_of = {(a, m): lab for a, m, lab in _JAMFORELSE_COLUMNS}
    d = long.assign(_col=pd.MultiIndex.from_frame(long[["adjusted", "measure"]]).map(label_of.get))
    d = d[d["_col"].notna()]
    w = d.pivot_table(index="month", columns=["generation", "_col"], values="value", aggfunc="first",
                      dropna=False).reindex(columns=columns)
    shown = w.copy().astype(object)
    for g, label in columns:
        decimals = 0 if label == "Antal observationer" else 2 if label.startswith("Median") else 1
        shown[(g, label)] = [number(v, decimals) for v in w[(g, label)]]
    if "suppressed" in long.columns:
        hidden = long.groupby(["month", "generation"])["suppressed"].any()
        for (month, g), h in hidden.items():
            if h:
                shown.loc[month, g] = SUPPRESSED
    shown.index.name = "Månad"
    shown.columns.names = [None, None]
    return shown.sort_index()


def describe_jamforelse(long: pd.DataFrame, cfg) -> str:
    """The months both generations have, and the range of the adjusted mean per month in
    each; or that there are none in the period's support months."""
    first, last = cfg.support_months
    if long.empty:
        return (f"Stödmånaderna {first}–{last} har inga månader med valda periodiska rapporter från både "
                "RoM 1 och RoM 2; jämförelsen har inga rader.")
    if all_hidden(long):
        return ALL_HIDDEN
    months = sorted(long["month"].unique())
    d = long[(long["measure"] == "mean_hours") & (long["adjusted"] == "justerat")].dropna(subset=["value"])
    parts = []
    for g in _GENERATIONS:
        v = d.loc[d["generation"] == g, "value"]
        if len(v):
            lo, hi = v.min(), v.max()
            rng = f"{text_number(lo)} timmar" if np.isclose(lo, hi) else f"{text_number(lo)}–{text_number(hi)} timmar"
            parts.append(f"{rng} i {g}")
    span = months[0] if len(months) == 1 else f"{months[0]}–{months[-1]}"
    n = len(months)
    head = f"{n} {'månad' if n == 1 else 'månader'} ({span}) har valda rapporter från båda generationerna"
    if not parts:
        return f"{head}; alla uppgifter är undertryckta ({SUPPRESSED})."
    return (f"{head}; det genomsnittliga sammanlagda stödet (justerat) per månad är {' och '.join(parts)}. "
            "RoM 1 rapporterar hela timmar och RoM 2 kvartar.")


# --------------------------------------------------------------------------- activities

def render_aktiviteter(long: pd.DataFrame) -> pd.DataFrame:
    """The activities of RoM 1 and RoM 2 (Tabell 1's order, then the activities without
    an hour column)."""
    out = long.rename(columns={"activity": "Aktivitet", "rom1": "RoM 1", "rom2": "RoM 2", "note": "Kommentar"})
    return out[["Aktivitet", "RoM 1", "RoM 2", "Kommentar"]].set_index("Aktivitet").rename_axis(None)


def describe_aktiviteter(long: pd.DataFrame, tables) -> str:
    """Which activities differ, and how much RoM 2 time the period's reports still put under
    an activity RoM 2 removed (Tabell 6 (RoM 2), when computed)."""
    removed = long[long["rom2"].str.startswith("Nej") & long["column"].ne("")]
    added = long[long["column"].eq("")]
    text = ("Datakontraktet har samma tolv timkolumner för båda generationerna. I RoM 2 är "
            + ", ".join(_activity(a) for a in removed["activity"]) + " borttagen och "
            + ", ".join(_activity(a) for a in added["activity"]) + " obligatorisk")
    t6 = tables.get("rom2_6") if tables is not None else None
    if t6 is not None and len(removed):
        d = t6[(t6["measure"] == "share_any_time") & t6["activity"].isin(removed["activity"])]
        if len(d):
            shares = ", ".join(f"{_activity(a)} {text_number(v, 1)} %" for a, v in zip(d["activity"], d["value"]))
            text += f"; andel rapportmånader i RoM 2 med tid under borttagen aktivitet: {shares}"
    return text + "."


# --------------------------------------------------------------------------- tests

def tests_shown(tests: pd.DataFrame, table: pd.DataFrame | None, by: str) -> pd.DataFrame:
    """The tests of grouping `by` with ``suppressed`` True (and their statistics blanked)
    where the group or the reference is hidden in the protected group `table`
    (``suppressed`` per group or level); as they are when the table is not protected.
    Groups the table does not print (Tabell 10's women and men born in Sweden) are never
    hidden, as in the RoM 1 tests (`romlab.publication.protection`)."""
    if table is None or "suppressed" not in table.columns or tests.empty:
        return tests
    col = "level" if by == "level" else "group"
    hidden = set(table.loc[table["suppressed"].astype(bool), col].astype(str))
    names = {lv: lv for lv in codes.LEVELS} if by == "level" else label_map(by, GROUP_TABLE_OF[by])
    from romlab.publication.shown_marks import blank_tests

    return blank_tests(tests, pd.Series(True, index=[f"shown|{h}" for h in sorted(hidden)], dtype=bool), "shown|",
                       names)


def render_tests_shown(tests: pd.DataFrame, table: pd.DataFrame | None, by: str) -> pd.DataFrame:
    """The tests as printed (`support_render.render_tests`), hidden groups as '..'."""
    return render_tests(tests_shown(tests, table, by))
