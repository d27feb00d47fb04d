"""Disclosure control of a run's report tables: which population cell each published
number rests on, how the cells add up, and the protected copies that leave a run.

Every row of a report table is mapped to a *cell*, the population behind it (`cell_ids`,
as the register declares it: `romlab.report.catalogue`); rows that share a population
share the cell, so hiding a cell hides it in every table (Tabell 15, 19 and 20 share
window × level; 16, 17, 21 and 22 share group × window × level; Tabell 14 and the level
rows of Tabell 23 share the 18-month population's level). `constraints` declares how
cells add up, as the data do (a test checks each declaration on data):

- results: the window × level cells of Tabell 15 add up to the window population (the headline figures, Tabell
  18's N); for every window × level, each comparison of Tabell 16 (sex, country of birth, disability, education,
  age, registration time) splits the window × level cell of Tabell 15, and the foreign-born women and men split
  the foreign-born; the levels of Tabell 14 add up to its total;
- §3: the starts by window × level add up over windows and levels to "Totalt"; for the windows of Tabell 15 they
  are Tabell 15's cells (same persons, checked per run), so their row totals tie Tabell 15's levels together;
- support: each grouping of Tabell 7–12 splits Tabell 5's adjusted sample, the foreign-born women and men of
  Tabell 10 split the foreign-born, the registration times of Tabell 13 split each level of Tabell 12, and the
  cells of Tabell A1 add up over levels to their group (Tabell 7–11) and over each grouping to the level;
- figures: each start month × level of Figur 1 and 2 is a cell; a month's levels add up to its total line, Figur
  1's months to Tabell 14's levels, and Figur 2's points of Figur 1's months are Figur 1's cells (`figure_link`);
  other tables' relations (RoM 2's) are declared with them in the register (``TableDef.splits``).

`protect(tables, min_cell, forced)` builds the count model of those cells (`model_of`: every count a row publishes,
`romlab.publication.counts`), runs `disclosure.protect_cells` on it (primary: any count or complement below
``min_cell``; complementary: until every small count keeps its protection interval; `forced`: the batch's other
periods and earlier releases) and returns the tables with ``value``, ``n``, bands and test statistics of a hidden
row blanked and the marks taken on what is shown, plus what protection found (the internal log, the intervals).
Tables without a population cell (Tabell 2–4, 6, the flow, the regression) rest on the whole sample and are never
suppressed. The §3 starts table takes part as "starts" (`starts_long`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from romlab.report import classify, registry
from romlab.dataset import codes
from romlab.publication import counts, disclosure, shown_marks

__all__ = ["cell_ids", "constraints", "protect", "starts_long", "protected_tables", "model_of", "public_log", "Protected"]
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
    for key in ("figur_1", "figur_2"):
        if key in tables:
            rows += _figure_constraints(key, tables[key], "14" in tables, tables)
    rows += registry.declared_splits(tables)
    return pd.DataFrame(rows, columns=["constraint", "cell", "coef"])


def figure_link(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Figur 2's points that are Figur 1's cells: {F2 cell: F1 cell} for the start months
    both show, when every such point counts the same persons in both (as on the report's
    data: Figur 1's 18-month population and Figur 2's six-month follow-up hold the same
    participants in those months); then a point is hidden in both or in neither. Empty
    when any count differs."""
    if "figur_1" not in tables or "figur_2" not in tables:
        return {}
    key = lambda t: pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m") + "|" + t["level"].astype(str)  # noqa: E731
    f1 = pd.Series(pd.to_numeric(tables["figur_1"]["n"], errors="coerce").to_numpy(), index=key(tables["figur_1"]))
    f2 = pd.Series(pd.to_numeric(tables["figur_2"]["n"], errors="coerce").to_numpy(), index=key(tables["figur_2"]))
    common = f1.index.intersection(f2.index)
    if not len(common) or not (f1[common].to_numpy() == f2[common].to_numpy()).all():
        return {}
    return {f"F2|{k}": f"F1|{k}" for k in common}


def _figure_constraints(key: str, t: pd.DataFrame, with_14: bool,
                        tables: Mapping[str, pd.DataFrame] | None = None) -> list[tuple[str, str, float]]:
    """A figure's levels add up to its total line per start month; Figur 1's start
    months add up, per level, to Tabell 14's 18-month population (the same persons);
    Figur 2's points of the same months are Figur 1's cells (`figure_link`)."""
    from romlab.report.registry import REGISTRY

    prefix = "F1" if key == "figur_1" else "F2"
    ids = REGISTRY[key].cells(t)
    link = figure_link(tables) if key == "figur_2" and tables is not None else {}
    at = lambda m, lv: link.get(f"{prefix}|{m}|{lv}", f"{prefix}|{m}|{lv}")  # noqa: E731
    month = pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m")
    rows: list[tuple[str, str, float]] = []
    for m in pd.unique(month):
        rows += _split(f"{prefix}|{m}", at(m, TOTAL), [at(m, lv) for lv in LEVELS])
    if key == "figur_1" and with_14:
        for lv in (*LEVELS, TOTAL):
            rows += _split(f"F1|months|{lv}", f"Q|{lv}", list(ids[t["level"].astype(str) == lv]))
    return rows


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


#: Tables whose rows are counted in the count model: every protected table but the
#: summary (its shares repeat Tabell 14 and 23) and the level tests (no counts).
_NOT_COUNTED = ("headline", "tests_15")


def _extra_counts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts published outside the tables' rows: the window population's size
    (nyckeltal.json, Tabell 18's N) and the support sample's persons (the selection
    flow's unique individuals, §3.5.1)."""
    rows = []
    if "15" in tables and "n" in tables["15"]:
        t15 = tables["15"].drop_duplicates(["window", "level"])
        rows.append((WINDOWS_TOTAL, "persons", float(pd.to_numeric(t15["n"], errors="coerce").sum()), ""))
    if "urval" in tables and "5" in tables:
        flow = tables["urval"].set_index("measure")["value"]
        if "unique_individuals" in flow.index:
            rows.append((f"S|5|{ALL}", "persons", float(flow["unique_individuals"]), ""))
    return pd.DataFrame(rows, columns=["cell", "quantity", "value", "of"])


def model_of(tables: Mapping[str, pd.DataFrame]) -> tuple[counts.CountModel, dict[str, pd.Series]]:
    """The count model of `tables` (`counts.count_model`: every count they publish, on
    the population cells of `cell_ids`, tied by `constraints`) and each table's cells."""
    ids = {key: cell_ids(key, tables[key].reset_index(drop=True)) for key in protected_tables() if key in tables}
    if "figur_2" in ids:
        ids["figur_2"] = ids["figur_2"].replace(figure_link(tables))
    counted = {k: v for k, v in ids.items() if k not in _NOT_COUNTED}
    cons = constraints(tables)
    model = counts.count_model(tables, counted, cons, _extra_counts(tables))
    # a constraint with a cell that carries no count here (a table left out) does not hold
    incomplete = cons.loc[~cons["cell"].isin(model.cells), "constraint"].unique()
    model.relations = cons[~cons["constraint"].isin(incomplete)].reset_index(drop=True)
    bounds = window_month_bounds(tables, ids)
    incomplete = bounds.loc[~bounds["cell"].isin(model.cells), "bound"].unique()
    model.bounds = bounds[~bounds["bound"].isin(incomplete)].reset_index(drop=True)
    return model, ids


def window_month_bounds(tables: Mapping[str, pd.DataFrame], ids: Mapping[str, pd.Series]) -> pd.DataFrame:
    """How the figures' start months bound the windows (report §3.3's dates): for each run
    of consecutive windows of Tabell 15 and each level, the persons (and results) of the
    start months wholly inside the windows are at most the windows' own, and those of
    the months touching them at least (``bound``, ``cell``, ``coef``: Σ coef × count ≤
    0). An attacker can read both from a run; `intervals.System` keeps a bound only
    where the data keep it."""
    from romlab.report.classify import WINDOWS

    if "15" not in tables:
        return pd.DataFrame(columns=["bound", "cell", "coef"])
    span = {w: (pd.Timestamp(a), pd.Timestamp(b) if b is not None else pd.Timestamp.max) for w, a, b in WINDOWS}
    windows = sorted(int(w) for w in pd.unique(tables["15"]["window"]))
    rows: list[tuple[str, str, float]] = []
    for key in ("figur_1", "figur_2"):
        if key not in tables or key not in ids:
            continue
        t = tables[key].reset_index(drop=True)
        first = pd.to_datetime(t["start_month"])
        last = first + pd.offsets.MonthEnd(0)
        cell = ids[key].reset_index(drop=True)
        for i, a in enumerate(windows):
            for b in windows[i:]:
                if b - a != windows.index(b) - windows.index(a):
                    break  # not consecutive
                lo, hi = span[a][0], span[b][1]
                inside = (first >= lo) & (last <= hi)
                touching = (first <= hi) & (last >= lo)
                for lv in LEVELS:
                    at = t["level"].astype(str) == lv
                    win = [_s("P", w, lv, ALL) for w in range(a, b + 1)]
                    name = f"{key}|{a}-{b}|{lv}"
                    rows += [(f"{name}|inside", c, 1.0) for c in cell[inside & at]]
                    rows += [(f"{name}|inside", c, -1.0) for c in win]
                    rows += [(f"{name}|touching", c, 1.0) for c in win]
                    rows += [(f"{name}|touching", c, -1.0) for c in cell[touching & at]]
    return pd.DataFrame(rows, columns=["bound", "cell", "coef"])


@dataclass
class Protected:
    """What `protect` returns besides the tables: the internal log (`log`), the
    attacker's interval of every sensitive count (`audit`, internal) and the counts an
    earlier release already pins (`unprotectable`)."""

    log: pd.DataFrame
    audit: pd.DataFrame
    unprotectable: pd.DataFrame


def protect(tables: Mapping[str, pd.DataFrame], min_cell: int, forced: Iterable[str] = (), *,
            width: float | None = None, known: pd.Series | None = None,
            check: bool = True) -> tuple[dict[str, pd.DataFrame], Protected]:
    """Protected copies of `tables` and what protection found.

    The cells of every table in `protected_tables()` and all their counts
    (`model_of`) are protected at once (`disclosure.protect_cells`: a cell with any
    count, or count's complement, below `min_cell` is hidden; complements are chosen so
    that each such count keeps an interval at least `width` wide, default `min_cell`).
    `forced`: cells to hide in any case; `known`: counts earlier releases published.
    Each protected table gets ``cell``, ``suppressed`` and ``rule``; a hidden row has
    ``value``, ``n``, its bands and test statistics blanked; the marks are then taken
    on what is shown (`_marks_after_protection`). ``check``: run the attacker's
    programme on the result (`disclosure.audit`)."""
    model, ids = model_of(tables)
    res = disclosure.protect_cells(model, min_cell, width, forced, known)
    sup = res.cells["suppressed"]
    out = {}
    for key, t in tables.items():
        if key in shown_marks.SUPPORT_TESTS:
            out[key] = shown_marks.protect_support_test(key, t, sup)
        elif key in registry.REGISTRY and registry.REGISTRY[key].protect_rows:  # rows resting on others' cells
            out[key] = registry.REGISTRY[key].protect_rows(t, sup)
        elif key in ids:
            out[key] = _blank(key, t, ids[key], sup, res.cells["rule"])
        else:
            out[key] = t
    out = shown_marks.marks_after_protection(out, sup)
    audit = disclosure.audit(res) if check else pd.DataFrame(columns=["value", "low", "high", "width", "protected"])
    return out, Protected(_log(res.cells, ids, min_cell), audit, res.unprotectable)


def _blank(key: str, t: pd.DataFrame, cells: pd.Series, sup: pd.Series, rule: pd.Series) -> pd.DataFrame:
    """Table `key` with its hidden rows blanked."""
    t = t.reset_index(drop=True).copy()
    t["cell"] = cells.to_numpy()
    mask = t["cell"].map(sup).fillna(False).astype(bool)
    if key == "tests_15":
        other = _join(pd.Series("P", index=t.index), t["window"], t["level_2"], ALL)
        mask |= other.map(sup).fillna(False).astype(bool)
    t["suppressed"] = mask.to_numpy()
    t["rule"] = t["cell"].map(rule).where(mask, "")
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
    return t


REASONS = {
    disclosure.PRIMARY: "bygger på färre än {min_cell} personer (antal eller delantal)",
    disclosure.SECONDARY: "kompletterande undertryckning: skyddar {protects}",
    disclosure.CONSISTENCY: "undertryckt i en tidigare körning eller en annan rapportmånad",
}


def _log(cells: pd.DataFrame, ids: Mapping[str, pd.Series], min_cell: int) -> pd.DataFrame:
    """The internal suppression log: one row per hidden cell, with the tables it
    appears in, its persons, rule and reason. Never handed on with a run's tables
    (`public_log` is what is)."""
    sup = cells[cells["suppressed"]]
    where: dict[str, list[str]] = {}
    for key, s in ids.items():
        for c in pd.unique(s.dropna()):
            if c in sup.index:
                where.setdefault(c, []).append(key)
    return pd.DataFrame({
        "cell": sup.index,
        "tables": [" ".join(where.get(c, [])) for c in sup.index],
        "persons": pd.array(sup["persons"].to_numpy(), dtype="Int64") if len(sup) else pd.array([], dtype="Int64"),
        "rule": sup["rule"].to_numpy(),
        "reason": [REASONS[r].format(min_cell=min_cell, protects=p) for r, p in zip(sup["rule"], sup["protects"])],
    }).reset_index(drop=True)


def public_log(log: pd.DataFrame) -> pd.DataFrame:
    """What a run's folder says about its hidden cells: which they are and where they
    appear, nothing about why (primary or complementary) or how many persons."""
    return log[["cell", "tables"]].reset_index(drop=True)


def protect_nyckeltal(key: dict, hidden: set[str]) -> dict:
    """The headline figures (`romlab.report.keyfigures.nyckeltal`) with every figure
    whose cell is hidden set to None: shares and persons by level (the levels of
    Tabell 14), the split of results (``Q|ABC``), the window total, the support
    sample's figures (``S|5|Alla``)."""
    import copy

    out = copy.deepcopy(key)
    by_level = lambda d: {lv: (None if f"Q|{lv}" in hidden else v) for lv, v in d.items()}  # noqa: E731
    for m in ("r2_share", "work_share", "education_share"):
        if isinstance(out.get(m), dict):
            out[m] = by_level(out[m])
    for m in ("work_share_of_results", "education_share_of_results"):
        if f"Q|{TOTAL}" in hidden and m in out:
            out[m] = None
    sizes = out.get("sample_sizes", {})
    if isinstance(sizes.get("participants_18_months"), dict):
        sizes["participants_18_months"] = by_level(sizes["participants_18_months"])
    if WINDOWS_TOTAL in hidden:
        sizes["participants_windows"] = sizes["regression_observations"] = None
    if f"S|5|{ALL}" in hidden:
        for m in ("support_mean_hours", "support_median_hours"):
            if isinstance(out.get(m), dict):
                out[m]["justerat"] = None
        if isinstance(sizes.get("support_report_months"), dict):
            sizes["support_report_months"]["justerat"] = None
        sizes["support_persons"] = None
    return out
