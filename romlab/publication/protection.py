"""Disclosure control of a run's report tables: which population cell each published
number rests on, how the cells add up, and the protected copies that leave a run.

Every row of a report table is mapped to a *cell* (`cell_ids`, as the register of report
tables declares it: `romlab.report.catalogue`), the population behind
it; rows that share a population share the cell, so hiding a cell hides it in every
table (Tabell 15, 19 and 20 share window × level; 16, 17, 21 and 22 share group ×
window × level; Tabell 14 and the level rows of Tabell 23 share the level of the
18-month population). `constraints` declares how cells add up, as the data do (a test
checks each declaration on data):

- results: the window × level cells of Tabell 15 add up to the window population
  (published in the headline figures and as Tabell 18's N); for every window × level, each comparison of Tabell 16 (sex, country of
  birth, disability, education, age, registration time) splits the window × level cell
  of Tabell 15, and the foreign-born women and men split the foreign-born; the levels
  of Tabell 14 add up to its total;
- §3: the starts by window × level add up over windows and levels to "Totalt"; for the
  windows of Tabell 15 they are Tabell 15's cells (same persons, checked per run), so
  their row totals tie Tabell 15's levels together;
- support: each grouping of Tabell 7–12 splits Tabell 5's adjusted sample, the
  foreign-born women and men of Tabell 10 split the foreign-born, the registration
  times of Tabell 13 split each level of Tabell 12, and the cells of Tabell A1 add up
  over levels to their group (Tabell 7–11) and over each grouping to the level.

`protect(tables, min_cell, forced)` runs `disclosure.protect_cells` on those cells
(primary: fewer than ``min_cell`` persons; secondary: complements until no suppressed
cell can be recovered from its margins; `forced`: the batch's other periods) and returns
the tables with ``value``, ``n`` and any test statistic of a suppressed row blanked,
plus the suppression log (cell, table, keys, rule, reason). Tables without a population
cell (Tabell 2–4, 6, the flow, the regression) rest on the whole sample and are never
suppressed; the figures' monthly points keep primary suppression only (assumption A71).
The §3 starts table takes part as "starts" (`starts_long`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from romlab.report import classify
from romlab.dataset import codes
from romlab.publication import disclosure

__all__ = ["cell_ids", "constraints", "protect", "starts_long", "protected_tables"]

ALL = "Alla"
TOTAL = "ABC"
LEVELS = ("A", "B", "C")


#: Tabell 7–11 groups that split Tabell 5's adjusted sample, per table; Tabell 10's
#: foreign-born women and men split its foreign-born.
SUPPORT_SPLITS = {"7": ["Män", "Kvinnor"], "8": ["Ej gymnasial utbildning", "Gymnasialutbildning eller högre"],
                  "9": ["Under 25 år", "25–55 år", "Över 55 år"], "10": ["Inrikes född", "Utrikes född"],
                  "11": ["Funktionsnedsättning", "Ej funktionsnedsättning"]}
SUPPORT_FOREIGN = ("Utrikes född", ["Utrikes födda kvinnor", "Utrikes födda män"])
REGISTRATION_GROUPS = ["Max 1 år", "1–2 år", "2–3 år", "3–4 år", "Minst 4 år"]
#: Tabell A1's columns by the Tabell 7–11 table of their group.
A1_TABLE = {"col01": "9", "col02": "9", "col03": "9", "col04": "11", "col05": "11", "col06": "8", "col07": "8",
            "col08": "10", "col09": "10", "col10": "7", "col11": "7"}

#: The window population's size, published in `nyckeltal.json` (sample_sizes).
WINDOWS_TOTAL = "P|Alla|Alla|Alla"


def _s(*parts) -> str:
    return "|".join(str(p) for p in parts)


def _join(*cols) -> pd.Series:
    out = cols[0].astype(str)
    for c in cols[1:]:
        out = out + "|" + (c.astype(str) if isinstance(c, pd.Series) else str(c))
    return out


def protected_tables() -> list[str]:
    """The tables whose rows rest on population cells, in the order complements are
    chosen: the summary, the §3 starts table, then the register's tables in report order."""
    from romlab.report.registry import table_defs

    return ["headline", "starts", *[d.key for d in table_defs(kind=None) if d.cells and d.key != "headline"]]


def cell_ids(key: str, t: pd.DataFrame) -> pd.Series:
    """The population cell of each row of report table `key` (NA: rests on the whole
    sample, never suppressed): as the register of report tables declares it
    (`TableDef.cells`, `romlab.report.catalogue`), or the §3 starts table's."""
    from romlab.report.registry import REGISTRY, table_defs

    table_defs(kind=None)  # the register filled
    na = pd.Series(pd.NA, index=t.index, dtype=object)
    if t.empty:
        return na
    if key == "starts":  # §3 starts; a window of Tabell 15 is its cell when the counts agree (`starts_long`)
        own = "O|" + t["window"].astype(str) + "|" + t["level"].astype(str)
        linked = "P|" + t["window_number"].astype(str) + "|" + t["level"].astype(str) + "|" + ALL
        return own.where(~t["linked"].astype(bool), linked)
    defn = REGISTRY.get(key)
    if defn is None or defn.cells is None:
        return na
    return defn.cells(t)


def _split(name: str, margin: str, members: Iterable[str]) -> list[tuple[str, str, float]]:
    return [(name, margin, -1.0)] + [(name, m, 1.0) for m in members]


def constraints(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """How the cells of `tables` add up: columns ``constraint``, ``cell``, ``coef``
    (+1 member, −1 margin). Only constraints whose cells all appear in `tables`."""
    rows: list[tuple[str, str, float]] = []
    if "15" in tables and "16" in tables:
        groups = classify.comparison_rows()
        for w, lv in tables["15"][["window", "level"]].drop_duplicates().itertuples(index=False):
            margin = _s("P", w, lv, ALL)
            for comp, g in groups.groupby("comparison", sort=False):
                labels = [_s("P", w, lv, x) for x in g["label"]]
                if comp == "foreign_sex":
                    rows += _split(f"P|{w}|{lv}|foreign_sex", _s("P", w, lv, "Utrikes född"), labels)
                else:
                    rows += _split(f"P|{w}|{lv}|{comp}", margin, labels)
    if "15" in tables:  # the run's headline figures publish the window population's size
        wl = tables["15"][["window", "level"]].drop_duplicates()
        rows += _split("P|windows", WINDOWS_TOTAL, [_s("P", w, lv, ALL) for w, lv in wl.itertuples(index=False)])
    if "14" in tables:
        rows += _split("Q|levels", "Q|ABC", [f"Q|{lv}" for lv in LEVELS])
    if "5" in tables:
        for key, members in SUPPORT_SPLITS.items():
            if key in tables:
                rows += _split(f"S|{key}", f"S|5|{ALL}", [f"S|{key}|{g}" for g in members])
        if "12" in tables:
            rows += _split("S|12", f"S|5|{ALL}", [f"S|12|{lv}" for lv in LEVELS])
    if "10" in tables:
        rows += _split("S|10|foreign", f"S|10|{SUPPORT_FOREIGN[0]}", [f"S|10|{g}" for g in SUPPORT_FOREIGN[1]])
    if "13" in tables and "12" in tables:
        for lv in LEVELS:
            rows += _split(f"S|13|{lv}", f"S|12|{lv}", [f"S|13|{g}|{lv}" for g in REGISTRATION_GROUPS])
    if "A1" in tables:
        a1 = tables["A1"][["column", "group"]].drop_duplicates()
        for col, group in a1.itertuples(index=False):
            table = A1_TABLE[col]
            if table in tables:
                rows += _split(f"S|A1|{col}", f"S|{table}|{group}", [f"S|A1|{col}|{lv}" for lv in LEVELS])
        if "12" in tables:
            for table in sorted(set(A1_TABLE.values())):
                cols = [c for c, t in A1_TABLE.items() if t == table]
                for lv in LEVELS:
                    rows += _split(f"S|A1|{table}|{lv}", f"S|12|{lv}", [f"S|A1|{c}|{lv}" for c in cols])
    if "starts" in tables:
        rows += _starts_constraints(tables["starts"])
    return pd.DataFrame(rows, columns=["constraint", "cell", "coef"])


def _starts_constraints(t: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Rows of the starts table add up to "Totalt", and so do its columns."""
    ids = pd.Series(cell_ids("starts", t).to_numpy(), index=pd.MultiIndex.from_frame(t[["window", "level"]]))
    windows = [w for w in pd.unique(t["window"]) if w != STARTS_TOTAL]
    levels = [lv for lv in pd.unique(t["level"]) if lv != STARTS_TOTAL]
    rows: list[tuple[str, str, float]] = []
    for w in [*windows, STARTS_TOTAL]:
        rows += _split(f"O|row|{w}", ids[(w, STARTS_TOTAL)], [ids[(w, lv)] for lv in levels])
    for lv in levels:
        rows += _split(f"O|col|{lv}", ids[(STARTS_TOTAL, lv)], [ids[(w, lv)] for w in windows])
    return rows


STARTS_TOTAL = "Totalt"


def starts_long(starts: pd.DataFrame, t15: pd.DataFrame | None) -> pd.DataFrame:
    """The §3 starts table (`overview.starts_by_window_level`: window labels × "Nivå A" …,
    with "Totalt") in long form for `protect`: ``window``, ``label`` (the column),
    ``level`` (A, B, C or "Totalt"), ``window_number``, ``n`` = ``value`` and ``linked``: True for the windows of
    Tabell 15 when every one of their counts equals Tabell 15's ``n`` (then they are the same
    population cells, and the row totals tie Tabell 15's levels together)."""
    from romlab.report.classify import WINDOW_LABELS

    number = {label: w for w, label in WINDOW_LABELS.items()}
    level = {label: code for code, label in codes.LEVELS.items()}
    long = starts.stack().rename("n").reset_index()
    long.columns = ["window", "label", "n"]
    long["level"] = long["label"].map(lambda x: level.get(x, x))
    long["window_number"] = long["window"].map(number).astype("Int64")
    long["value"] = long["n"].astype(float)
    long["linked"] = False
    if t15 is not None and not t15.empty:
        ref = t15.drop_duplicates(["window", "level"]).set_index(["window", "level"])["n"]
        keys = list(zip(long["window_number"], long["level"]))
        in15 = pd.Series([k in ref.index for k in keys], index=long.index)
        same = all(int(ref[k]) == int(n) for k, n, i in zip(keys, long["n"], in15) if i)
        windows_complete = set(ref.index) <= set(k for k, i in zip(keys, in15) if i)
        long["linked"] = in15 & same & windows_complete
    return long


def _cells(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """One row per cell: the fewest persons of any row on it (``n``, for the primary
    rule: Tabell 20's share rests on the persons with a result), the population's size
    (``cost``, the most persons of any row on it) and its report order."""
    ids, parts = {}, []
    for key in protected_tables():
        if key not in tables:
            continue
        t = tables[key].reset_index(drop=True)
        ids[key] = cell_ids(key, t)
        n = pd.to_numeric(t["n"], errors="coerce") if "n" in t.columns else pd.Series(np.nan, index=t.index)
        parts.append(pd.DataFrame({"cell": ids[key], "n": n}).dropna(subset=["cell"]))
    if not parts:
        return pd.DataFrame(columns=["n", "order"]), ids
    if "15" in tables and "n" in tables["15"]:  # nyckeltal: participants in the windows
        t15 = tables["15"].drop_duplicates(["window", "level"])
        total = pd.to_numeric(t15["n"], errors="coerce").sum()
        parts.append(pd.DataFrame({"cell": [WINDOWS_TOTAL], "n": [total]}))
    allc = pd.concat(parts, ignore_index=True)
    cells = allc.groupby("cell", sort=False).agg(n=("n", "min"), cost=("n", "max"))
    cells["order"] = np.arange(len(cells))
    return cells, ids


def protect(tables: Mapping[str, pd.DataFrame], min_cell: int,
            forced: Iterable[str] = ()) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Protected copies of `tables` and the suppression log.

    Every table in `protected_tables()` gets ``cell`` (its population cell),
    ``suppressed`` and ``rule``; a suppressed row has ``value``, ``n`` and its test
    statistics (``p_value``, ``significant``, Tabell 17's ``flagged``/``beats``) blanked.
    A level test of Tabell 15 is blanked when either of its cells is. Other tables are
    returned unchanged. The log has one row per suppressed cell: ``cell``, ``rule``
    (primär / sekundär / konsekvent mellan perioder), ``reason`` and the tables it
    appears in."""
    cells, ids = _cells(tables)
    cons = constraints(tables)
    # a constraint with a cell absent from the tables (e.g. a table left out) does not hold
    incomplete = cons.loc[~cons["cell"].isin(cells.index), "constraint"].unique()
    cons = cons[~cons["constraint"].isin(incomplete)]
    res = disclosure.protect_cells(cells, cons, min_cell, forced)
    sup = res["suppressed"]
    out = {}
    for key, t in tables.items():
        if key in SUPPORT_TESTS:
            out[key] = _protect_support_test(key, t, sup)
            continue
        if key not in ids:
            out[key] = t
            continue
        t = t.reset_index(drop=True).copy()
        t["cell"] = ids[key]
        mask = t["cell"].map(sup).fillna(False).astype(bool)
        if key == "tests_15":
            other = _join(pd.Series("P", index=t.index), t["window"], t["level_2"], ALL)
            mask |= other.map(sup).fillna(False).astype(bool)
        t["suppressed"] = mask.to_numpy()
        t["rule"] = t["cell"].map(res["rule"]).where(mask, "")
        for col in ("value", "value_1", "value_2", "difference", "p_value", "ci_low", "ci_high"):
            if col in t.columns:
                t[col] = t[col].astype(float).mask(mask)
        if "n" in t.columns:
            t["n"] = pd.to_numeric(t["n"], errors="coerce").astype("Int64").mask(mask)
        for col in ("significant", "flagged"):
            if col in t.columns:
                t[col] = t[col].fillna(False).astype(bool) & ~mask
        if "beats" in t.columns:
            t["beats"] = t["beats"].mask(mask)
        out[key] = t
    return out, _log(res, ids, min_cell)


#: The support tests (`support.group_tests`) and the table whose labels name their groups.
SUPPORT_TESTS = {"tests_sex": 7, "tests_education_group": 8, "tests_age_group": 9, "tests_birth_country": 10,
                 "tests_sex_birth_group": 10, "tests_disability_group": 11, "tests_level": 12}


def _protect_support_test(key: str, t: pd.DataFrame, sup: pd.Series) -> pd.DataFrame:
    """A support test row is blanked when its group or its reference is suppressed."""
    from romlab.report.classify import label_map

    table = SUPPORT_TESTS[key]
    if t.empty:
        return t
    if table == 12:
        names = {lv: lv for lv in LEVELS}
    else:
        names = label_map(key.removeprefix("tests_"), table)
    cell = lambda col: ("S|" + str(table) + "|" + t[col].astype(str).map(names)).map(sup)  # noqa: E731
    mask = (cell("group").fillna(False).astype(bool) | cell("reference").fillna(False).astype(bool)).to_numpy()
    t = t.copy()
    for col in ("mean", "mean_reference", "difference", "se", "p_value"):
        if col in t.columns:
            t[col] = t[col].astype(float).mask(mask)
    t["significant"] = t["significant"].fillna(False).astype(bool) & ~mask
    t["suppressed"] = mask
    return t


REASONS = {
    disclosure.PRIMARY: "bygger på färre än {min_cell} personer",
    disclosure.SECONDARY: "kompletterande undertryckning: annars kan {protects} räknas fram ur summor och delsummor",
    disclosure.CONSISTENCY: "undertryckt i en annan rapportmånad i samma körning",
}


def _log(res: pd.DataFrame, ids: Mapping[str, pd.Series], min_cell: int) -> pd.DataFrame:
    sup = res[res["suppressed"]]
    where = {}
    for key, s in ids.items():
        for c in pd.unique(s.dropna()):
            if c in sup.index:
                where.setdefault(c, []).append(key)
    log = pd.DataFrame({
        "cell": sup.index,
        "tables": [" ".join(where.get(c, [])) for c in sup.index],
        "persons": pd.to_numeric(sup["n"], errors="coerce").to_numpy(),
        "rule": sup["rule"].to_numpy(),
        "reason": [REASONS[r].format(min_cell=min_cell, protects=p) for r, p in zip(sup["rule"], sup["protects"])],
    })
    # the persons behind a cell are themselves protected: the log says only whether it was small
    log["persons"] = np.where(log["rule"] == disclosure.PRIMARY, f"< {min_cell}", f">= {min_cell}")
    return log.reset_index(drop=True)
