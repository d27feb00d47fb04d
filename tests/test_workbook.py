"""tabeller.xlsx (`romlab.publication.workbook`) on the committed sample, protected as a
run protects it, and on small hand-made tables: cover, contents and notes first; print
setup on every table sheet; no label in snake_case or English; merged spanning headers
where the report has them (window over level); the synthetic banner when, and only when,
the data are synthetic; Tabell 18's stars where a coefficient is significant; numbers
stored as numbers; the printed row order; at most 40 printed pages by an estimate.

The checks are functions returning what is wrong, so the last test can run them on a
deliberately broken workbook and see them fail."""

from __future__ import annotations

import math
import re

import openpyxl
import pandas as pd
import pytest

import romlab
from romlab import paths
from romlab.publication import protection, workbook
from romlab.report.registry import REGISTRY, View, table_defs
from romlab.run import period, provenance

CFG = romlab.RunConfig.for_period("2023-10")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # the issue's ^[a-z]+(_[a-z0-9]+)+$, and r2_share
#: Code names and English words a reader must never see (issue 15).
ENGLISH = {"sex", "woman", "man", "nan", "NaN", "None", "True", "False", "R-squared", "Adjusted R-squared",
           "Observations", "observations", "share_within", "mean_hours"}
FRONT = (workbook.COVER, workbook.CONTENTS, workbook.NOTES)
SYNTH = {"seed": 20231003, "scale": 0.02, "generator_version": "abc", "files_unchanged": None}


@pytest.fixture(scope="module")
def prepared():
    return period.protect(period.compute(CFG, paths.SAMPLE))


@pytest.fixture(scope="module")
def path(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "tabeller.xlsx"
    return workbook.write_xlsx(prepared.tables, out, CFG, {"Data": "data/sample", "romlab": romlab.__version__},
                               synthetic=provenance.synthetic_origin(paths.SAMPLE))


@pytest.fixture(scope="module")
def book(path):
    return openpyxl.load_workbook(path)


def _table_sheets(book) -> list:
    return [ws for ws in book.worksheets if ws.title not in FRONT]


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _header_row(ws, first: str) -> int:
    """The 1-based row whose first cell is `first` (a table's header row)."""
    return next(c.row for c in ws["A"] if c.value == first)


def _row(ws, label: str) -> tuple:
    return next(r for r in ws.iter_rows() if r[0].value == label)


# ----------------------------------------------------------------------------- checks

def print_problems(ws) -> list[str]:
    """What a table sheet's print setup lacks (landscape, one page wide, repeated header
    rows, a print area, the sheet's name in the page header)."""
    out = []
    ps = ws.page_setup
    if ps.orientation != "landscape":
        out.append("not landscape")
    fit = ws.sheet_properties.pageSetUpPr
    if not (fit and fit.fitToPage) or ps.fitToWidth not in (None, 1) \
            or ps.fitToHeight != 0:
        out.append("not fitted to one page wide")
    if not ws.print_title_rows:
        out.append("no repeated header rows")
    if not ws.print_area:
        out.append("no print area")
    if ws.title not in (ws.oddHeader.left.text or ""):
        out.append("no sheet title in the page header")
    return [f"{ws.title}: {p}" for p in out]


def bad_labels(book) -> list[str]:
    """Every text cell in snake_case or in the English list."""
    return [f"{ws.title}!{c.coordinate}: {c.value}" for ws in book.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and (SNAKE.match(c.value.strip()) or c.value.strip() in ENGLISH)]


def window_header_problems(ws) -> list[str]:
    """A group table's headers: each 'Fönster k' merged over its levels 'Nivå A–C' in
    the row below; no flattened 'Fönster k / Nivå X'."""
    out = [f"{ws.title}!{c.coordinate}: flattened" for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and re.fullmatch(r"Fönster \d+ / Nivå [A-C]", c.value)]
    spans = {ws.cell(m.min_row, m.min_col).value: m for m in ws.merged_cells.ranges if m.min_row == m.max_row}
    windows = [v for v in spans if isinstance(v, str) and re.fullmatch(r"Fönster \d+", v)]
    if not windows:
        out.append(f"{ws.title}: no merged window header")
    for w in windows:
        m = spans[w]
        below = [ws.cell(m.min_row + 1, c).value for c in range(m.min_col, m.max_col + 1)]
        if below != ["Nivå A", "Nivå B", "Nivå C"]:
            out.append(f"{ws.title}: {w} over {below}")
    return out


def banner_cells(ws) -> list:
    return [c for row in ws.iter_rows() for c in row if c.value == workbook.SYNTHETIC_BANNER]


# ----------------------------------------------------------------------------- the sample

def test_front_sheets_then_every_table_in_report_order(book, prepared):
    names = book.sheetnames
    assert names[:3] == list(FRONT)
    expected = [d.sheet for d in table_defs("table") if d.key in prepared.tables]
    assert [n for n in names if n in expected] == expected
    assert names.index("Signifikanstester") == names.index("Tabell A1") + 1
    assert names.index("Tabell 15 signifikanstest") == names.index("Tabell 15") + 1


def test_print_setup_on_every_table_sheet(book):
    sheets = _table_sheets(book)
    assert len(sheets) >= 24
    assert [p for ws in sheets for p in print_problems(ws)] == []


def test_no_label_in_snake_case_or_english(book):
    assert bad_labels(book) == []


@pytest.mark.parametrize("sheet", ["Tabell 16", "Tabell 17", "Tabell 21", "Tabell 22"])
def test_windows_span_their_levels(book, sheet):
    assert window_header_problems(book[sheet]) == []


def test_other_spanning_headers_are_merged(book):
    ws13 = book["Tabell 13"]
    merged13 = {ws13.cell(m.min_row, m.min_col).value for m in ws13.merged_cells.ranges if m.max_col > m.min_col}
    assert {"Nivå A", "Nivå B", "Nivå C"} <= merged13
    ws2 = book["Tabell 2"]
    assert any(ws2.cell(m.min_row, m.min_col).value == "Percentil" and m.max_col - m.min_col >= 4
               for m in ws2.merged_cells.ranges)


def test_the_banner_is_on_every_sheet_and_page_of_synthetic_data(book):
    cover = banner_cells(book[workbook.COVER])
    assert cover and cover[0].font.b and cover[0].fill.fill_type == "solid"
    assert all(banner_cells(ws) for ws in book.worksheets)
    assert all(workbook.SYNTHETIC_BANNER in (ws.oddFooter.right.text or "") for ws in _table_sheets(book))
    assert "syntetiska data" in " ".join(str(v) for r in _rows(book["Tabell 14"]) for v in r if v)


def test_cover_states_period_cutoff_data_contact_and_version(book):
    text = " ".join(str(v) for r in _rows(book[workbook.COVER]) for v in r if v is not None)
    assert text.startswith(workbook.REPORT_TITLE)
    for part in ("2023-10", f"{CFG.data_cutoff:%Y-%m-%d}", "data/sample", f"Kontakt: {workbook.DEFAULT_CONTACT}",
                 romlab.__version__, "romlabs generator"):
        assert part in text, part


def test_contents_link_every_sheet(book):
    ws = book[workbook.CONTENTS]
    links = {c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    for name in book.sheetnames[3:]:
        assert links.get(name) == f"'{name}'!A1", name


def test_every_registered_note_is_under_its_table_and_on_the_notes_sheet(book, prepared):
    notes = " ".join(str(v) for r in _rows(book[workbook.NOTES]) for v in r if v)
    for d in table_defs("table"):
        if d.note and d.key in prepared.tables:
            assert d.note in notes, d.key
            assert any(d.note == v for r in _rows(book[d.sheet]) for v in r), d.key
    for sign in ("..", "–", "▲", "* ** ***"):
        assert sign in [r[0] for r in _rows(book[workbook.NOTES])]


def test_tabell_18_stars_where_significant_and_labelled_fit_rows(book, prepared):
    ws = book["Tabell 18"]
    t = prepared.tables["18"]
    coef = t[t["measure"] == "coef"].set_index("group")
    for label, r in coef[coef["value"].notna()].iterrows():
        row = _row(ws, label)
        stars = int(r["stars"])
        assert row[1].data_type == "n" and row[1].value == pytest.approx(r["value"])
        assert row[1].number_format.count("*") == stars, label
        assert row[2].value == pytest.approx(r["p_value"]) and "<0,001" in row[2].number_format
    assert (coef["stars"] > 0).any()  # the sample has significant coefficients: the test sees stars
    assert _row(ws, "R²")[1].value == pytest.approx(t.loc[t["measure"] == "r_squared", "value"].iloc[0])
    n = _row(ws, "Antal observationer")[1]
    assert n.value == t.loc[t["measure"] == "observations", "value"].iloc[0] and n.number_format == "#,##0"
    assert _row(ws, "Referensgrupp: inrikes födda män")


def test_numbers_are_numbers_with_their_formats(book, prepared):
    ws = book["Tabell 14"]
    assert [c.value for c in ws[_header_row(ws, "Mått")]][:5] == ["Mått", "Totalt", "Nivå A", "Nivå B", "Nivå C"]
    t14 = prepared.tables["14"].set_index(["measure", "level"])
    cell = _row(ws, "Andel R2")[1]
    assert cell.value == pytest.approx(t14.loc[("r2_share", "ABC"), "value"] / 100) and cell.number_format == "0.0%"
    ws5 = book["Tabell 5"]
    mean = _row(ws5, "Sammanlagt stöd: Medelvärde")
    assert mean[1].data_type == "n" and mean[1].number_format == "0.0"
    assert _row(ws5, "Antal observationer")[1].number_format == "#,##0"
    tests = book["Signifikanstester"]
    head = [c.value for c in tests[_header_row(tests, "Indelning")]]
    p = [r[head.index("p-värde")] for r in tests.iter_rows(min_row=_header_row(tests, "Indelning") + 1)
         if isinstance(r[head.index("p-värde")].value, float)]
    assert p and all("<0,001" in c.number_format for c in p)


def test_tabell_7_rows_as_the_notebook_renders_them(book, prepared):
    printed = REGISTRY["7"].render(View("7", prepared.tables["7"], CFG))
    ws = book["Tabell 7"]
    first = _header_row(ws, "Aktivitet")
    labels = [r[0] for r in ws.iter_rows(min_row=first + 1, max_row=first + len(printed), values_only=True)]
    assert labels == list(printed.index)
    assert [c.value for c in ws[first]][1:1 + printed.shape[1]] == list(printed.columns)


def test_marks_are_number_formats_bold_and_fill(prepared, tmp_path):
    """A significant cell of Tabell 16 shows '*' after its number and is bold; a flagged
    cell of Tabell 17 shows '▲' and is filled; an unmarked cell neither (marks set by
    hand on the sample's tables, every cell shown)."""
    t16 = prepared.tables["16"].assign(suppressed=False, value=12.5, significant=False)
    t17 = prepared.tables["17"].assign(suppressed=False, value=12.5, flagged=False)
    t16.loc[t16.index[0], "significant"] = True
    t17.loc[t17.index[0], "flagged"] = True
    book = openpyxl.load_workbook(workbook.write_xlsx({"16": t16, "17": t17}, tmp_path / "m.xlsx", CFG))
    for sheet, table, mark, marked in (("Tabell 16", t16, '"*"', lambda c: c.font.b),
                                       ("Tabell 17", t17, '" ▲"', lambda c: c.fill.fill_type == "solid")):
        cells = [c for r in book[sheet].iter_rows() for c in r if c.value == 0.125]
        assert len(cells) == len(table)
        hit = [c for c in cells if c.number_format.endswith(mark)]
        assert len(hit) == 1 and marked(hit[0]) and hit[0].number_format.startswith("0.0%")
        assert not any(marked(c) for c in cells if c is not hit[0])


def test_hidden_cells_and_their_count(book, prepared):
    for key in ("16", "A1"):
        ws = book[REGISTRY[key].sheet]
        dots = sum(v == ".." for r in _rows(ws) for v in r)
        note = next(v for r in _rows(ws) for v in r if isinstance(v, str) and v.startswith("'..'"))
        assert f" {dots} cell(er)" in note


def _col_widths(ws) -> dict[int, float]:
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.width:
            out.update({c: dim.width for c in range(dim.min, dim.max + 1)})
    return out


def _estimated_pages(ws) -> int:
    """Pages of a sheet as printed one page wide: column widths in points (Excel's
    7 pixels a character plus 5, at 0.75 pt a pixel) give the scale that fits the
    printable width (A4 less the margins: 0.5 in left and right, 0.75 in top and
    bottom); the rows' heights (15 pt unless set), scaled, fill pages of the printable
    height, the repeated header rows on each page after the first."""
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    (c0, r0), (c1, r1) = [(openpyxl.utils.column_index_from_string(c), int(r))
                          for c, r in re.findall(r"\$([A-Z]+)\$(\d+)", area)]
    widths = _col_widths(ws)
    width = sum((widths.get(c, 8.43) * 7 + 5) * 0.75 for c in range(c0, c1 + 1))
    landscape = ws.page_setup.orientation == "landscape"
    page_w, page_h = (842 - 72, 595 - 108) if landscape else (595 - 72, 842 - 108)
    scale = min(1.0, page_w / width)
    height = lambda r: ws.row_dimensions[r].height or 15  # noqa: E731
    total = sum(height(r) for r in range(r0, r1 + 1)) * scale
    titles = [int(x) for x in re.findall(r"\d+", ws.print_title_rows or "")]
    head = sum(height(r) for r in range(titles[0], titles[-1] + 1)) * scale if titles else 0
    return 1 + max(0, math.ceil((total - page_h) / (page_h - head)))


def test_at_most_40_printed_pages(book):
    pages = {ws.title: _estimated_pages(ws) for ws in book.worksheets}
    assert sum(pages.values()) <= 40, pages


def test_same_values_twice(prepared, path, tmp_path):
    again = workbook.write_xlsx(prepared.tables, tmp_path / "b.xlsx", CFG,
                                {"Data": "data/sample", "romlab": romlab.__version__},
                                synthetic=provenance.synthetic_origin(paths.SAMPLE))
    assert again.read_bytes() == path.read_bytes()


# ----------------------------------------------------------------------------- hand-made

def _handmade(min_cell: int = 10):
    """Tabell 14 with level A small (4 persons, 1 with R2) and Tabell 7 with 3 men, protected."""
    t14 = pd.DataFrame({"table": "14", "measure": "r2_share", "level": ["ABC", "A", "B", "C"],
                        "value": [40.0, 25.0, 100 * 24 / 46, 30.0], "n": [100, 4, 46, 50], "suppressed": False})
    t7 = pd.DataFrame({"table": "7", "measure": ["mean_hours"] * 2 + ["observations"] * 2,
                       "activity": "Sammanlagt stöd", "group": ["Kvinnor", "Män"] * 2,
                       "value": [8.25, 7.5, 25.0, 3.0], "n": [20, 3, 20, 3]})
    return protection.protect({"14": t14, "7": t7}, min_cell)[0]


def test_no_banner_for_real_data_and_suppressed_cells_are_dots(tmp_path):
    book = openpyxl.load_workbook(workbook.write_xlsx(_handmade(), tmp_path / "t.xlsx", CFG, synthetic=None))
    assert not any(banner_cells(ws) for ws in book.worksheets)
    assert "Arbetsförmedlingens datalager" in " ".join(str(v) for r in _rows(book["Tabell 14"]) for v in r if v)
    ws = book["Tabell 14"]
    assert tuple(c.value for c in _row(ws, "Andel R2")[:5]) == ("Andel R2", 0.4, "..", "..", 0.3)
    assert any(isinstance(v, str) and "2 cell(er)" in v for r in _rows(ws) for v in r)
    ws7 = book["Tabell 7"]
    assert [c.value for c in ws7[_header_row(ws7, "Aktivitet")]][1:3] == ["Kvinnor", "Män"]
    assert tuple(c.value for c in _row(ws7, "Sammanlagt stöd")[1:3]) == (8.25, "..")
    assert tuple(c.value for c in _row(ws7, "Antalet observationer i urvalet*")[1:3]) == (25, "..")


def test_banner_for_synthetic_data_from_its_record(tmp_path):
    book = openpyxl.load_workbook(workbook.write_xlsx(_handmade(), tmp_path / "t.xlsx", CFG, synthetic=SYNTH))
    assert all(banner_cells(ws) for ws in book.worksheets)
    cover = " ".join(str(v) for r in _rows(book[workbook.COVER]) for v in r if v)
    assert "frö 20231003" in cover and "skala 0.02" in cover


def test_contact_is_a_parameter(tmp_path):
    book = openpyxl.load_workbook(workbook.write_xlsx(_handmade(), tmp_path / "t.xlsx", CFG, contact="Enhet X"))
    assert any(v == "Kontakt: Enhet X" for r in _rows(book[workbook.COVER]) for v in r)


def test_the_checks_fail_on_a_broken_workbook(tmp_path):
    """The old layout's faults (portrait, no fitting or repeated rows, a flattened
    'Fönster 1 / Nivå A' header, a code name as a label) are each found."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tabell 16"
    ws.append(["Mått", "group", "Fönster 1 / Nivå A"])
    ws.append(["r2_share", "woman", 0.3])
    wb.save(tmp_path / "broken.xlsx")
    broken = openpyxl.load_workbook(tmp_path / "broken.xlsx")
    problems = print_problems(broken["Tabell 16"])
    assert {"Tabell 16: not landscape", "Tabell 16: not fitted to one page wide",
            "Tabell 16: no repeated header rows", "Tabell 16: no print area"} <= set(problems)
    assert {"Tabell 16!A2: r2_share", "Tabell 16!B2: woman"} <= set(bad_labels(broken))
    assert any("flattened" in p for p in window_header_problems(broken["Tabell 16"]))
    assert "Tabell 16: no merged window header" in window_header_problems(broken["Tabell 16"])
