"""The table sheets of `tabeller.xlsx` (`romlab.publication.workbook`).

A report table becomes a sheet in two steps. `rendered_grid` renders the table's long
data with its registered ``render`` (`romlab.report.registry`), each row's number put in
place of its value: the printed layout (rows and their order, spanning column headers,
Swedish labels, the marks '*' and '▲', '..' where a cell is hidden) is then exactly the
registry's, and each printed cell names the long row whose value, unit, significance and
flag the sheet writes as a number. Tabell 18 (laid out from its model in the notebook)
and the significance tests are laid out here from their long data (`grid_18`,
`grid_tests`), in the report's words. `write_table_sheet` writes a `Grid` with merged
spanning headers, number formats, the notes and source under the table and the print
setup (landscape, one page wide, header rows repeated, print area, header and footer).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from romlab.publication.disclosure import SUPPRESSED
from romlab.publication.exports import suppressed

#: The sheets of the significance tests: the support group tests (§4.4), Tabell 15's level tests (§5.1).
SUPPORT_TESTS_SHEET, LEVEL_TESTS_SHEET = "Signifikanstester", "Tabell 15 signifikanstest"

#: What a missing number shows (no observation; never NaN or an empty cell).
MISSING = "–"

#: Number formats by kind of value (percent stored as a fraction; p-values below 0.001
#: show as "<0,001", never as 0.000).
NUMBER_FORMATS = {
    "percent": "0.0%", "hours": "0.0", "count": "#,##0", "ratio": "0.0", "coef": "0.000", "se": "(0.000)",
    "r2": "0.0000", "diff_hours": "0.00", "diff_points": "0.0", "se_hours": "0.00",
    "p": '[<0.001]"<0,001";0.000', "number": "General",
}

#: The unit line over a table, by the kinds of value it shows.
UNIT_WORDS = {"percent": "procent", "hours": "timmar per månad", "count": "antal",
              "ratio": "rapporter per person",
              "coef": "koefficienter på skalan 0–1 (0,05 = fem procentenheter)",
              "diff_hours": "skillnad i timmar per månad", "diff_points": "skillnad i procentenheter"}

#: Headers of the row-label columns where the printed layout leaves them unnamed.
ROW_HEADS = {"2": ["Aktivitet"], "3": ["Aktivitet"], "4": ["Mått"], "5": ["Mått"], "6": ["Aktivitet"],
             "7": ["Aktivitet"], "8": ["Aktivitet"], "9": ["Aktivitet"], "10": ["Aktivitet"], "11": ["Aktivitet"],
             "12": ["Aktivitet"], "13": ["Aktivitet"], "A1": ["Aktivitet", "Nivå"], "14": ["Mått"], "15": ["Nivå"],
             "19": ["Resultat", "Nivå"], "20": ["Nivå"], "23": ["Mått", "Nivå"]}

#: Tabell 18's reference groups, printed above the first regressor of each (report, Tabell 18).
REFERENCE_ROWS = {"Kvinna": "Referensgrupp: inrikes födda män",
                  "Ålder 25-55": "Referensgrupp: arbetssökande under 25 år",
                  "Inskrivningstid i 1-2 år": "Referensgrupp: arbetssökande inskrivna kortare än 1 år"}

#: Group codes the tests' render leaves as codes (Tabell 10 labels only the foreign-born
#: groups), in the words of Tabell 10.
CODE_LABELS = {"domestic_woman": "Inrikes födda kvinnor", "domestic_man": "Inrikes födda män"}

#: Tabell 18's significance stars as the report's note gives them (Stata's convention).
STARS_NOTE = "*** p<0,01, ** p<0,05, * p<0,1."

FLAG_TEXT = "en grupp i nivå B eller C har minst lika hög andel som en annan grupp i nivå A i samma fönster."
FLAG_NOTE = f"▲ (gul markering): {FLAG_TEXT}"

_CELL_ID = re.compile(r"(\d[\d\s\u00a0\u2009\u202f]*)(?:,\d+)?\s*%?\s*([*▲]*)")


@dataclass(frozen=True)
class Cell:
    """One cell of a table body: ``value`` a number (percent as a fraction), a text
    ('..', 'Ja') or None (missing, shown as '–'); ``kind`` its number format; ``mark``
    shown after the number ('*', '▲'); ``bold`` significant, ``fill`` flagged."""

    value: float | str | None
    kind: str = "number"
    mark: str = ""
    bold: bool = False
    fill: bool = False


@dataclass
class Grid:
    """A table laid out for a sheet: the row-label columns' headers, the header rows over
    the value columns (top first; equal neighbours in an upper row span), the row labels
    and the body."""

    row_heads: list[str]
    col_heads: list[list[str]]
    rows: list[tuple[str, ...]]
    cells: list[list[Cell]]

    @property
    def kinds(self) -> list[str]:
        seen = dict.fromkeys(c.kind for row in self.cells for c in row if not isinstance(c.value, (str, type(None))))
        return list(seen)


@dataclass
class Context:
    """What every sheet of a run's workbook repeats: the run's configuration, romlab's
    version, whether the data are synthetic (the banner), the source line."""

    cfg: object
    version: str
    title: str
    banner: str | None
    source: str


@dataclass
class Sheet:
    """A sheet written: its name, heading, section and the notes under its table."""

    name: str
    heading: str
    section: str
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- formats

class Formats:
    """The workbook's cell formats, number formats made once per (kind, mark, bold, fill)."""

    def __init__(self, wb):
        self.wb, self._numbers = wb, {}
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 13, "text_wrap": True, "valign": "top"})
        self.head = add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "center"})
        self.row_head = add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
        self.span = add({"bold": True, "bottom": 1, "align": "center", "valign": "bottom", "text_wrap": True})
        self.label = add({"text_wrap": True, "valign": "top"})
        self.right = add({"align": "right"})
        self.text = add({})
        self.bold = add({"bold": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.note = add({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"})
        self.banner = add({"bold": True, "font_size": 12, "font_color": "#FFFFFF", "bg_color": "#C00000",
                           "valign": "vcenter", "text_wrap": True})
        self.link = add({"font_color": "#0563C1", "underline": 1})

    def number(self, kind: str, mark: str = "", bold: bool = False, fill: bool = False):
        key = (kind, mark, bold, fill)
        if key not in self._numbers:
            literal = f'" {mark}"' if mark == "▲" else f'"{mark}"' if mark else ""
            props = {"num_format": NUMBER_FORMATS[kind] + literal, "bold": bold}
            if fill:
                props["bg_color"] = "#FFE699"
            self._numbers[key] = self.wb.add_format(props)
        return self._numbers[key]

    def write(self, ws, row: int, col: int, cell: Cell) -> None:
        v = cell.value
        if v is None:
            ws.write_string(row, col, MISSING, self.right)
        elif isinstance(v, str):
            ws.write_string(row, col, v, self.right if v in (SUPPRESSED, MISSING) else self.text)
        else:
            ws.write_number(row, col, float(v), self.number(cell.kind, cell.mark, cell.bold, cell.fill))


# --------------------------------------------------------------------------- layouts

def value_kind(measure, key: str) -> str:
    """The kind of a long row's value (its number format) from its measure."""
    m = str(measure)
    if key == "urval":
        return "ratio" if m == "reports_per_individual" else "count"
    if m in {"observations", "n"}:
        return "count"
    if "share" in m:
        return "percent"
    return "hours" if "hours" in m else "number"


def cell_id(text) -> tuple[int, str] | None:
    """The row number and mark of a cell rendered from row numbers ("17", "1 234,0",
    "17%", "17*", "17▲"); None for any other text ('..', 'Ja')."""
    if not isinstance(text, str):
        return None
    m = _CELL_ID.fullmatch(text.strip())
    return (int(re.sub(r"\D", "", m.group(1))), m.group(2)) if m else None


def _flags(long: pd.DataFrame, column: str) -> np.ndarray:
    if column not in long.columns:
        return np.zeros(len(long), bool)
    return long[column].astype("boolean").fillna(False).to_numpy(bool)


def _records(long: pd.DataFrame) -> list[dict]:
    """The long rows with ``_sup``, ``_sig`` and ``_flag`` as plain booleans."""
    extra = pd.DataFrame({"_sup": suppressed(long).to_numpy(), "_sig": _flags(long, "significant"),
                          "_flag": _flags(long, "flagged")}, index=long.index)
    return pd.concat([long, extra], axis=1).to_dict("records")


def _value_cell(rec: dict, key: str, mark: str = "") -> Cell:
    if rec["_sup"]:
        return Cell(SUPPRESSED)
    v = rec["value"]
    if v is None or pd.isna(v):
        return Cell(None)
    kind = value_kind(rec.get("measure", ""), key)
    return Cell(float(v) / 100 if kind == "percent" else float(v), kind, mark, bool(rec["_sig"]), bool(rec["_flag"]))


def _rendered_cell(x, recs: list[dict], key: str, text=None) -> Cell:
    """A printed cell: the long row's number when the cell names one (`cell_id`), else
    its text (`text`: the cell as printed from the real values, e.g. "8,6 (2,7 – 14,4)")."""
    if not isinstance(x, str):
        return Cell(None) if x is None or pd.isna(x) else Cell(str(x))
    found = cell_id(x)
    if found is None or found[0] >= len(recs):
        return Cell(x if text is None else str(text))
    return _value_cell(recs[found[0]], key, found[1])


def _labels(index: pd.Index) -> list[tuple[str, ...]]:
    tuples = index if isinstance(index, pd.MultiIndex) else [(v,) for v in index]
    return [tuple("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in t) for t in tuples]


def _col_heads(columns: pd.Index) -> list[list[str]]:
    if isinstance(columns, pd.MultiIndex):
        return [[str(v) for v in columns.get_level_values(i)] for i in range(columns.nlevels)]
    heads = [[str(v) for v in columns]]
    if columns.name:  # "Percentil" over Tabell 2's percentiles: a spanning header
        heads.insert(0, [str(columns.name)] * len(columns))
    return heads


def _row_heads(index: pd.Index, key: str) -> list[str]:
    fallback = ROW_HEADS.get(key, [])
    return [str(n) if n else (fallback[i] if i < len(fallback) else "") for i, n in enumerate(index.names)]


def rendered_grid(defn, long: pd.DataFrame, cfg) -> Grid:
    """A registered table laid out by its ``render``, rendered with row numbers in place
    of values so each printed cell names its long row (see the module's docstring)."""
    from romlab.report.registry import View

    long = long.reset_index(drop=True)
    ids = long.assign(value=np.arange(len(long), dtype=float), suppressed=suppressed(long).to_numpy())
    if defn.render is None:  # no printed layout: the long rows as they are
        return Grid([], _col_heads(long.columns), [() for _ in range(len(long))],
                    [[_rendered_cell(x, [], defn.key) for x in row] for row in long.itertuples(index=False)])
    wide = defn.render(View(defn.key, ids, cfg))
    recs = _records(long)
    plain = [[isinstance(x, str) and cell_id(x) is None for x in row] for row in wide.itertuples(index=False)]
    # a cell that is not one number (a value with its interval) is printed from the real values
    real = defn.render(View(defn.key, long, cfg)) if any(map(any, plain)) else None
    real = real if real is not None and real.shape == wide.shape else None
    cells = [[_rendered_cell(x, recs, defn.key, real.iat[i, j] if real is not None and plain[i][j] else None)
              for j, x in enumerate(row)] for i, row in enumerate(wide.itertuples(index=False))]
    return Grid(_row_heads(wide.index, defn.key), _col_heads(wide.columns), _labels(wide.index), cells)


def _fixed_effect_rows() -> list[str]:
    from romlab.report.results import FE_LABELS, TABELL_18_FIXED_EFFECTS

    names = ["×".join(t) if isinstance(t, tuple) else t for t in TABELL_18_FIXED_EFFECTS]
    return [f"Kontroll för {FE_LABELS.get(n, n)}" for n in names]


def grid_18(long: pd.DataFrame) -> Grid:
    """Tabell 18 as printed (report §5.2.2): per regressor a coefficient row with its stars
    and p-value and a standard-error row in parentheses, the reference groups above
    their regressors, the fixed effects ("Ja"), R², adjusted R² and the observations."""
    recs = _records(long.reset_index(drop=True))
    se = {r["group"]: r for r in recs if r["measure"] == "se"}
    rows, cells = [], []
    for r in (r for r in recs if r["measure"] == "coef"):
        if r["group"] in REFERENCE_ROWS:
            rows.append((REFERENCE_ROWS[r["group"]],))
            cells.append([Cell(""), Cell("")])
        stars = "" if pd.isna(r.get("stars")) else "*" * int(r["stars"])
        coef = Cell("(utelämnad)") if not r["_sup"] and pd.isna(r["value"]) else _value_cell(r, "18", stars)
        pv = r.get("p_value")
        p = Cell(SUPPRESSED) if r["_sup"] else Cell(None if pv is None or pd.isna(pv) else float(pv), "p")
        s = se.get(r["group"])
        rows += [(str(r["group"]),), ("",)]
        se_cell = _with_kind(_value_cell(s, "18"), "se") if s else Cell(None)
        cells += [[_with_kind(coef, "coef"), p], [se_cell, Cell("")]]
    for label in _fixed_effect_rows():
        rows.append((label,))
        cells.append([Cell("Ja"), Cell("")])
    fit = {r["measure"]: r for r in recs if r["measure"] in ("r_squared", "adj_r_squared", "observations")}
    for measure, label, kind in (("r_squared", "R²", "r2"), ("adj_r_squared", "Justerat R²", "r2"),
                                 ("observations", "Antal observationer", "count")):
        if measure in fit:
            rows.append((label,))
            cells.append([_with_kind(_value_cell(fit[measure], "18"), kind), Cell("")])
    return Grid(["Variabler"], [["Har R2", ""], ["b/se", "p-värde"]], rows, cells)


def _with_kind(cell: Cell, kind: str) -> Cell:
    """A number cell in another format (Tabell 18's coefficients, standard errors, R²)."""
    return Cell(cell.value, kind, cell.mark) if isinstance(cell.value, float) else cell


def grid_tests(defs, tables, cfg, by_names: dict[str, str] | None = None) -> Grid | None:
    """Significance tests laid out by their registered ``render`` (support group tests:
    `support_render.render_tests`; Tabell 15's level tests: `render_level_tests`), the
    difference, standard error and p-value written as numbers. With ``by_names`` (the
    support tests' groupings in Swedish) a first column names the grouping."""
    from romlab.report.registry import View

    rows, cells, heads = [], [], None
    for d in defs:
        long = tables[d.key].reset_index(drop=True)
        if long.empty:
            continue
        recs = _records(long)
        ids = long.assign(difference=np.arange(len(long), dtype=float), suppressed=suppressed(long).to_numpy())
        wide = d.render(View(d.key, ids, cfg))
        diff = next(c for c in wide.columns if str(c).startswith("Skillnad"))
        labels = list(wide.columns[:list(wide.columns).index(diff)])
        prefix = [by_names.get(str(long["by"].iloc[0]), str(long["by"].iloc[0])).capitalize()] if by_names else []
        heads = heads or (["Indelning"] if by_names else []) + [str(c) for c in labels]
        for rec in wide.to_dict("records"):
            rows.append(tuple(prefix + [CODE_LABELS.get(str(rec[c]), str(rec[c])) for c in labels]))
            cells.append(_test_cells(rec, wide.columns[len(labels):], recs, "timmar" in diff))
        values_heads = [str(c) for c in wide.columns[len(labels):]]
    if heads is None:
        return None
    return Grid(heads, [values_heads], rows, cells)


def _test_cells(rec: dict, columns, recs: list[dict], hours: bool) -> list[Cell]:
    """One test's cells: the difference, standard error and p-value from its long row
    (named by the rendered difference), every other column as rendered."""
    diff = next(c for c in columns if str(c).startswith("Skillnad"))
    found = cell_id(rec[diff])
    r = recs[found[0]] if found and found[0] < len(recs) else None
    out = []
    for c in columns:
        source = {diff: ("difference", "diff_hours" if hours else "diff_points"),
                  "Standardfel": ("se", "se_hours"), "p-värde": ("p_value", "p")}.get(c)
        if source is None or r is None:
            out.append(_rendered_cell(rec[c], [], "") if source is None else Cell(str(rec[c])))
        elif r["_sup"]:
            out.append(Cell(SUPPRESSED))
        else:
            v = r.get(source[0])
            out.append(Cell(None) if v is None or pd.isna(v) else Cell(float(v), source[1]))
    return out


# --------------------------------------------------------------------------- a sheet

def _widths(grid: Grid) -> list[float]:
    label = [min(max([len(h) for h in [head]] + [len(r[j]) for r in grid.rows] + [6]) + 2, 46)
             for j, head in enumerate(grid.row_heads)]
    value = [min(max(len(h) + 2, 10), 16) for h in grid.col_heads[-1]]
    return label + value


def line_count(text: str, width: float, size: float = 11) -> int:
    return max(1, math.ceil(len(text) * size / 11 / max(width - 1, 1)))


def text_block(ws, row: int, text: str, widths: list[float], fmt, size: float = 11, height: float = 15) -> int:
    """`text` across the table's columns (merged, wrapped, the row as high as the text
    needs); returns the next row."""
    if len(widths) > 1:
        ws.merge_range(row, 0, row, len(widths) - 1, text, fmt)
    else:
        ws.write_string(row, 0, text, fmt)
    ws.set_row(row, height * line_count(text, sum(widths), size))
    return row + 1


def _runs(labels: list[str], above: list[list[str]]) -> list[tuple[int, int, str]]:
    """Runs of equal neighbouring labels that are also equal in every row above."""
    runs, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start] or any(a[i] != a[start] for a in above):
            runs.append((start, i - 1, labels[start]))
            start = i
    return runs


def write_grid(ws, grid: Grid, fmts: Formats, top: int, widths: list[float]) -> int:
    """The header rows from row `top` (upper rows merged where a label spans columns, the
    row-label headers merged down the header rows), then the body; returns the last row."""
    nr, nh = len(grid.row_heads), len(grid.col_heads)
    for j, label in enumerate(grid.row_heads):
        if nh > 1:
            ws.merge_range(top, j, top + nh - 1, j, label, fmts.row_head)
        else:
            ws.write_string(top, j, label, fmts.row_head)
    for r, labels in enumerate(grid.col_heads):
        runs = _runs(labels, grid.col_heads[:r]) if r < nh - 1 else [(c, c, s) for c, s in enumerate(labels)]
        for c0, c1, label in runs:
            if c1 > c0:
                ws.merge_range(top + r, nr + c0, top + r, nr + c1, label, fmts.span)
            else:
                ws.write_string(top + r, nr + c0, label, fmts.head)
    bottom = [line_count(s, w) for s, w in zip(grid.col_heads[-1], widths[nr:])]
    ws.set_row(top + nh - 1, 15 * max(bottom + [line_count(h, w) for h, w in zip(grid.row_heads, widths)]))
    body = top + nh
    for i, (labels, cells) in enumerate(zip(grid.rows, grid.cells)):
        for j, lab in enumerate(labels):
            ws.write_string(body + i, j, lab, fmts.label)
        for c, cell in enumerate(cells):
            fmts.write(ws, body + i, nr + c, cell)
        lines = max([line_count(lab, w) for lab, w in zip(labels, widths)] + [1])
        if lines > 1:
            ws.set_row(body + i, 15 * lines)
    return body + len(grid.rows) - 1


def unit_line(grid: Grid) -> str:
    words = [UNIT_WORDS[k] for k in grid.kinds if k in UNIT_WORDS]
    return "Enhet: " + ", ".join(words) + "." if words else ""


def mark_notes(key: str, cfg, note: str = "") -> list[str]:
    """The legends of the marks a table can show: '*' and bold (Tabell 16, 21, 22), bold
    (Tabell 15's level tests), '▲' (Tabell 17), Tabell 18's stars (each unless the registered
    ``note`` already gives them) and how its p-values show."""
    from romlab.report.results import LEVEL_TEST_ALPHA

    def pct(alpha: float) -> str:
        return f"{100 * alpha:g}".replace(".", ",")

    if key in ("16", "21", "22") and "*" not in note:
        return [f"* och fetstil: statistiskt säkerställd skillnad mot referensgruppen (tvåsidigt test, "
                f"{pct(cfg.significance_level)} %-nivå)."]
    if key == "15":
        return [f"Fetstil: nivån skiljer sig statistiskt säkerställt från båda de andra nivåerna i fönstret "
                f"({pct(LEVEL_TEST_ALPHA)} %-nivå); testerna finns på bladet {LEVEL_TESTS_SHEET}."]
    if key == "17" and "▲" not in note:
        return [FLAG_NOTE]
    if key == "18":
        stars = [] if "p<" in note else [f"Koefficienter med robusta standardfel inom parentes. {STARS_NOTE}"]
        return [*stars, "p-värden under 0,001 visas som <0,001."]
    return []


def print_setup(ws, ctx: Context, name: str, heads: tuple[int, int], last_row: int, last_col: int,
                landscape: bool = True) -> None:
    """Landscape A4, one page wide, the header rows repeated on every page, the print
    area, margins, the sheet's name and the report in the page header, romlab's version,
    the page number and the synthetic-data banner in the footer."""
    esc = lambda s: str(s).replace("&", "&&")  # noqa: E731  (a single & starts a header code)
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if heads:
        ws.repeat_rows(*heads)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header(f"&L{esc(name)}&R{esc(ctx.title)}", {"margin": 0.3})
    ws.set_footer(f"&Lromlab {esc(ctx.version)}&CSida &P av &N&R{esc(ctx.banner or '')}", {"margin": 0.3})


def write_table_sheet(wb, fmts: Formats, ctx: Context, sheet: Sheet, grid: Grid | None) -> Sheet:
    """One table on its own sheet: heading, banner (synthetic data), unit line, the table,
    then the suppression note, the table's notes and the source; print setup."""
    ws = wb.add_worksheet(sheet.name)
    if grid is None or not grid.rows:
        grid = Grid([""], [[""]], [("Tabellen har inga uppgifter för perioden.",)], [[Cell("")]])
    widths = _widths(grid)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    row = text_block(ws, 0, sheet.heading, widths, fmts.title, size=13, height=18)
    if ctx.banner:
        row = text_block(ws, row, ctx.banner, widths, fmts.banner, size=12, height=20)
    unit = unit_line(grid)
    row = text_block(ws, row, unit, widths, fmts.note) if unit else row
    top = row + 1
    last = write_grid(ws, grid, fmts, top, widths)
    n_dots = sum(c.value == SUPPRESSED for r in grid.cells for c in r)
    lines = [f"'..': uppgiften redovisas inte av sekretesskäl (röjandekontroll). {n_dots} cell(er) i tabellen "
             "redovisas inte; se undertryckta.csv.", *sheet.notes, ctx.source]
    row = last + 2
    for line in lines:
        row = text_block(ws, row, line, widths, fmts.note)
    heads = (top, top + len(grid.col_heads) - 1)
    print_setup(ws, ctx, sheet.name, heads, row - 1, len(widths) - 1)
    ws.freeze_panes(heads[1] + 1, len(grid.row_heads))
    return sheet
