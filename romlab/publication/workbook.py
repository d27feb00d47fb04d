"""The workbook of a run (`tabeller.xlsx`), in the manner of good-practice statistical
spreadsheets (the UK Government Statistical Service's guidance as gptables applies it):
a cover sheet ("Om tabellerna": title, period, data, cut-off, contact, romlab's version,
the banner "Syntetiska data – inte officiell statistik" when the data come from romlab's
generator), a contents sheet ("Innehåll", a link to every sheet), a notes sheet
("Noter": the signs used and every table's note), then one report table per sheet, laid
out as the register renders it (`romlab.report.registry`; how: `workbook_sheets`), and
the significance tests. Written with XlsxWriter directly (gptables is a layer over it):
gptables writes each table under one header row, as the accessibility guidance it follows
prefers, while the report's tables have merged spanning headers (window over level).

Every reader-facing word is Swedish; the same inputs give the same cell values (the
workbook's creation date is fixed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from romlab.publication import workbook_sheets as sheets
from romlab.publication.workbook_sheets import Context, Formats, Sheet, text_block
from romlab.run.config import RunConfig

__all__ = ["write_xlsx", "REPORT_TITLE", "SYNTHETIC_BANNER", "DEFAULT_CONTACT", "COVER", "CONTENTS", "NOTES"]

REPORT_TITLE = "Rusta och matcha – stöd och resultat"
SYNTHETIC_BANNER = "Syntetiska data – inte officiell statistik"
#: The contact line's default; an organisation passes its own (`write_xlsx`'s ``contact``).
DEFAULT_CONTACT = "Analysavdelningen, Arbetsförmedlingen"
COVER, CONTENTS, NOTES = "Om tabellerna", "Innehåll", "Noter"
#: The support tests' sheet heading.
SUPPORT_TESTS_HEADING = "Signifikanstester: skillnader i sammanlagt stöd mellan grupper (Tabell 7–12)"


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, cfg: RunConfig,
               info: Mapping[str, str] | None = None, *, synthetic: Mapping | bool | None = None,
               contact: str = DEFAULT_CONTACT) -> Path:
    """Write `tabeller.xlsx`: cover, contents, notes, then one sheet per report table of
    the register in ``tables`` (pass protected tables, `romlab.run.period`: a hidden
    cell shows '..') and the significance tests. ``info``: the run's information
    (data, changed parameters, mapping file) for the cover; ``synthetic``: what
    `romlab.run.provenance.synth_info` says of the data (truthy: the banner on every
    sheet and page, the source named as synthetic); ``contact``: the cover's contact."""
    import xlsxwriter

    from romlab import __version__

    path = Path(path)
    ctx = _context(cfg, __version__, bool(synthetic))
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    wb.set_properties({"title": f"{REPORT_TITLE}, {cfg.period}", "author": "romlab",
                       "created": pd.Timestamp(0).to_pydatetime()})
    fmts = Formats(wb)
    cover, contents, notes = (wb.add_worksheet(n) for n in (COVER, CONTENTS, NOTES))
    written = [sheets.write_table_sheet(wb, fmts, ctx, sheet, build()) for sheet, build in _plan(tables, cfg)]
    _write_cover(cover, fmts, ctx, info, synthetic, contact)
    _write_contents(contents, fmts, ctx, written)
    _write_notes(notes, fmts, ctx, written)
    wb.close()
    return path


def _context(cfg: RunConfig, version: str, synthetic: bool) -> Context:
    origin = "syntetiska data från romlabs generator" if synthetic else "Arbetsförmedlingens datalager"
    return Context(cfg=cfg, version=version, title=f"{REPORT_TITLE}, {cfg.period}",
                   banner=SYNTHETIC_BANNER if synthetic else None,
                   source=f"Källa: {origin}; romlab {version}, egna beräkningar.")


def _plan(tables: Mapping[str, pd.DataFrame], cfg: RunConfig) -> list[tuple[Sheet, object]]:
    """The table sheets in report order, each with a function that lays it out: the
    register's tables (kind "table"), Tabell 15's level tests after Tabell 15, the support
    group tests after the last support table (§4, Bilaga 1)."""
    from romlab.report.registry import REGISTRY, table_defs
    from romlab.report.results import LEVEL_TEST_ALPHA

    def layout(d):
        if tables[d.key].empty:
            return lambda: None
        if d.key in ("18", "rom2_18"):  # the model's table, as printed, from its long form
            return lambda: sheets.grid_18(tables[d.key])
        return lambda: sheets.rendered_grid(d, tables[d.key], cfg)

    plan, last_of = [], {}
    for d in table_defs("table"):
        if d.key not in tables:
            continue
        notes = [n for n in [d.note] if n] + sheets.mark_notes(d.key, cfg, d.note)
        plan.append((Sheet(d.sheet, d.heading, d.section, notes), layout(d)))
        last_of[d.notebook] = len(plan) - 1
        if d.key == "15" and "tests_15" in tables:
            t = REGISTRY["tests_15"]
            sheet = Sheet(sheets.LEVEL_TESTS_SHEET, f"{t.label}: {t.title}", t.section,
                          _test_notes([t], LEVEL_TEST_ALPHA))
            plan.append((sheet, lambda t=t: sheets.grid_tests([t], tables, cfg)))
    # the support group tests of each generation on a sheet after its last support table
    for notebook, suffix in (("30_rom2_stod", " (RoM 2)"), ("10_stod", "")):  # later first: indices hold
        tests = [d for d in table_defs("tests") if d.key != "tests_15" and d.key in tables and d.notebook == notebook]
        if tests:
            from romlab.report.support_render import GROUPING_NAMES

            sheet = Sheet(sheets.SUPPORT_TESTS_SHEET + suffix, SUPPORT_TESTS_HEADING + suffix,
                          tests[0].section.rsplit(".", 1)[0], _test_notes(tests, cfg.significance_level))
            build = lambda tests=tests: sheets.grid_tests(tests, tables, cfg, by_names=GROUPING_NAMES)  # noqa: E731
            plan.insert(last_of.get(notebook, len(plan) - 1) + 1, (sheet, build))
    return plan


def _test_notes(defs, alpha: float) -> list[str]:
    """The tests' notes as registered (each once), then how p-values show and the level."""
    notes = list(dict.fromkeys(d.note for d in defs if d.note))
    level = f"{100 * alpha:g}".replace(".", ",")
    return [*notes, f"p-värden under 0,001 visas som <0,001. Statistiskt säkerställd: på {level} %-nivån."]


# --------------------------------------------------------------------------- cover

def _synth_text(synth) -> str:
    names = {"seed": "frö", "scale": "skala", "generator_version": "generatorversion"}
    given = synth if isinstance(synth, Mapping) else {}
    parts = [f"{sv} {given[k]}" for k, sv in names.items() if given.get(k) is not None]
    changed = "; filerna har ändrats sedan de genererades" if given.get("files_unchanged") is False else ""
    return "Ja: data från romlabs generator" + (f" ({', '.join(parts)})" if parts else "") + changed + "."


def _cover_rows(cfg: RunConfig, info: Mapping[str, str] | None, synthetic, version: str) -> list[tuple[str, str]]:
    a, b = cfg.support_months
    c, d = cfg.population_start_months
    windows = ", ".join(str(w) for w in cfg.windows)
    rows = [("Rapportmånad", cfg.period),
            ("Uppgifter kända till och med", f"{cfg.data_cutoff:%Y-%m-%d} (datauttagets brytdatum)"),
            ("Stöd (avsnitt 4)", f"periodiska rapporter för månaderna {a} – {b}"),
            ("Resultat (avsnitt 5)", f"deltagare som startade {c} – {d} och kan följas minst {cfg.followup_months} "
                                     f"månader (Tabell 14, 23); fönster {windows} (Tabell 15–22)"),
            ("Minsta redovisade cell", f"{cfg.min_cell} personer")]
    rows += [(str(k), str(v)) for k, v in (info or {}).items() if k != "romlab"]  # romlab: the version row
    if synthetic:
        rows.append(("Syntetiska data", _synth_text(synthetic)))
    return rows + [("romlab-version", version)]


def _write_cover(ws, fmts: Formats, ctx: Context, info, synthetic, contact: str) -> None:
    """The cover: title, period, banner, the run's facts, links, disclosure control, contact, source."""
    cfg, widths = ctx.cfg, [34, 90]
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    ws.write_string(0, 0, REPORT_TITLE, fmts.title)
    ws.write_string(1, 0, f"Tabeller för rapportmånad {cfg.period}", fmts.bold)
    row = 3
    if ctx.banner:
        row = text_block(ws, row, ctx.banner, widths, fmts.banner, size=12, height=20) + 1
    for key, value in _cover_rows(cfg, info, synthetic, ctx.version):
        ws.write_string(row, 0, key, fmts.bold)
        row = _wrapped_cell(ws, row, 1, value, widths[1], fmts.wrap)
    row += 1
    for name, what in ((CONTENTS, "tabellerna med en länk till varje blad"),
                       (NOTES, "tecknen i tabellerna och varje tabells not")):
        ws.write_url(row, 0, f"internal:'{name}'!A1", fmts.link, string=name)
        ws.write_string(row, 1, what, fmts.wrap)
        row += 1
    row += 1
    ws.write_string(row, 0, "Röjandekontroll", fmts.bold)
    row = text_block(ws, row + 1, _disclosure_text(cfg), widths, fmts.wrap) + 1
    row = text_block(ws, row, f"Kontakt: {contact}", widths, fmts.wrap)
    row = text_block(ws, row, ctx.source, widths, fmts.note)
    sheets.print_setup(ws, ctx, COVER, (), row - 1, 1, landscape=False)


def _wrapped_cell(ws, row: int, col: int, text: str, width: float, fmt) -> int:
    """`text` in one wrapped cell, its row as high as the text needs; returns the next row."""
    ws.write_string(row, col, text, fmt)
    ws.set_row(row, 15 * sheets.line_count(text, width))
    return row + 1


def _disclosure_text(cfg: RunConfig) -> str:
    return ("'..': uppgiften redovisas inte av sekretesskäl. En uppgift redovisas inte om den, eller en delmängd "
            f"av den, bygger på färre än {cfg.min_cell} personer, eller om den annars skulle låta en sådan uppgift "
            "räknas fram eller ringas in. Cellerna som inte redovisas finns i undertryckta.csv.")


# --------------------------------------------------------------------------- contents and notes

def _list_sheet(ws, fmts: Formats, ctx: Context, title: str, heads: list[str], widths: list[float],
                rows: list[tuple[str, ...]], link_first: bool = False) -> None:
    """A titled list (contents, notes): the banner, a header row, one row per entry (the
    first column a link to the sheet it names when ``link_first``), print setup."""
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    row = text_block(ws, 0, title, widths, fmts.title, size=13, height=18)
    if ctx.banner:
        row = text_block(ws, row, ctx.banner, widths, fmts.banner, size=12, height=20)
    head = row + 1
    for j, h in enumerate(heads):
        ws.write_string(head, j, h, fmts.row_head)
    for i, entry in enumerate(rows, start=head + 1):
        for j, text in enumerate(entry):
            if j == 0 and link_first:
                ws.write_url(i, 0, f"internal:'{text}'!A1", fmts.link, string=text)
            else:
                ws.write_string(i, j, text, fmts.wrap)
        ws.set_row(i, 15 * max(sheets.line_count(t, w) for t, w in zip(entry, widths)))
    last = head + len(rows)
    ws.freeze_panes(head + 1, 0)
    sheets.print_setup(ws, ctx, title, (head, head), last, len(widths) - 1)


def _write_contents(ws, fmts: Formats, ctx: Context, written: list[Sheet]) -> None:
    rows = [(COVER, "Om tabellerna: period, data, röjandekontroll, kontakt", ""),
            (NOTES, "Noter: tecknen i tabellerna och varje tabells not", ""),
            *[(s.name, s.heading, s.section) for s in written]]
    _list_sheet(ws, fmts, ctx, CONTENTS, ["Blad", "Innehåll", "Avsnitt"], [26, 100, 12], rows, link_first=True)


def _general_notes(ctx: Context) -> list[tuple[str, str]]:
    cfg = ctx.cfg
    level = f"{100 * cfg.significance_level:g}".replace(".", ",")
    core = _disclosure_text(cfg).removeprefix("'..': ")
    return [("..", core[0].upper() + core[1:]),
            (sheets.MISSING, "Uppgift saknas (inga observationer)."),
            ("*", f"Tabell 16, 21 och 22: statistiskt säkerställd skillnad mot referensgruppen ({level} %-nivå); "
                  "fetstil som i rapporten."),
            ("▲", f"Tabell 17 (gul markering): {sheets.FLAG_TEXT}"),
            ("* ** ***", f"Tabell 18: {sheets.STARS_NOTE} Robusta standardfel inom parentes."),
            ("%", "Andelar visas i procent med en decimal; rapporten avrundar till hela procent."),
            ("p-värde", "p-värden under 0,001 visas som <0,001."),
            ("Källa", ctx.source)]


def _write_notes(ws, fmts: Formats, ctx: Context, written: list[Sheet]) -> None:
    rows = [*_general_notes(ctx), *[(s.name, n) for s in written for n in s.notes]]
    _list_sheet(ws, fmts, ctx, NOTES, ["Tecken eller blad", "Förklaring"], [24, 110], rows)
