"""The frame every HTML page of a run shares: stylesheet, title, navigation, period, banner.

- `STYLESHEET`: the one stylesheet, embedded in every page (a run folder is handed on
  as files: no page may depend on another file or on the network to look right).
- `page_title(section, period)`: "4 Stödet i tjänsten – Rusta och matcha, 2023-10".
- `Frame`: what a page needs to know about itself (title, period, synthetic data,
  previous and next section); `document(frame, body)`: the whole page around `body`.
- `number(v, decimals)`: a number as the report prints it (decimal comma, thin-space
  thousands, "–" when missing).

The module imports only the standard library, so the
notebooks' child process (`romlab.run.notebook_run`) can frame each page as it finishes.
Reader-facing text is Swedish.
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from pathlib import Path


#: The name of the report every page belongs to (the titles' middle part).
SITE = "Rusta och matcha"

#: The heading above every page (links to the index).
SITE_HEADING = "Rusta och matcha: stöd och resultat"

#: The banner on every page when the data come from romlab's generator.
SYNTHETIC_BANNER = "Syntetiska data – inte officiell statistik"

#: The index page's file name and its name in the navigation.
INDEX = "index.html"
INDEX_LABEL = "Startsida"

#: Thousands separator: a narrow no-break (thin) space, so a number never breaks.
THIN_SPACE = "\u202f"

#: Shown for a missing value (the report's sign for "no value").
MISSING = "–"

_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december")

STYLESHEET = """
:root { --text: #1b1b1b; --muted: #555; --rule: #9a9a9a; --light-rule: #d6d6d6; --accent: #0b4f7c;
        --banner-bg: #fff3cd; --banner-border: #8a6d00; }
* { box-sizing: border-box; }
html { font-size: 100%; -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 0 1.25rem 2rem; color: var(--text); background: #fff;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       font-size: 1rem; line-height: 1.55; }
main { max-width: 100%; }
main p, main li { max-width: 48rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 0.5em; font-weight: 650; }
h1 { font-size: 1.75rem; margin-top: 1em; }
h2 { font-size: 1.35rem; border-bottom: 1px solid var(--light-rule); padding-bottom: 0.2em; }
h3 { font-size: 1.1rem; }
a { color: var(--accent); }
a.anchor-link { visibility: hidden; margin-left: 0.3em; text-decoration: none; color: var(--muted); }
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link, h4:hover a.anchor-link { visibility: visible; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; font-size: 0.9rem; background: #f6f6f6; padding: 0.6em 0.8em; margin: 0.6em 0;
      border-left: 3px solid var(--light-rule); overflow-x: auto; }
img, svg { max-width: 100%; height: auto; }
figure { margin: 1.2em 0; }
figcaption { color: var(--muted); font-size: 0.9rem; }
.masthead { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0.5em 2em;
            border-bottom: 3px solid var(--accent); padding: 0.9rem 0 0.5rem; }
.masthead .site { font-weight: 650; margin: 0; }
.masthead .site a { color: var(--text); text-decoration: none; }
.masthead .period { margin: 0; color: var(--muted); }
.site-nav { display: flex; flex-wrap: wrap; gap: 0.4em 1.5em; padding: 0.5rem 0; font-size: 0.95rem;
            border-bottom: 1px solid var(--light-rule); }
.site-nav a { text-decoration: none; }
.site-nav a:hover { text-decoration: underline; }
.site-nav .next { margin-left: auto; }
.banner { margin: 1rem 0; padding: 0.7rem 1rem; background: var(--banner-bg); border: 2px solid var(--banner-border);
          border-radius: 4px; }
.banner strong { font-size: 1.1rem; }
.warning { border-left: 4px solid #b3261e; padding-left: 0.8em; }
:where(main) :where(table) { border-collapse: collapse; margin: 0.8em 0 1.2em; font-size: 0.92rem;
                             font-variant-numeric: tabular-nums; border-top: 2px solid var(--rule);
                             border-bottom: 2px solid var(--rule); }
:where(main) :where(th, td) { padding: 0.3em 0.7em; vertical-align: top; border: 0;
                              border-bottom: 1px solid var(--light-rule); }
:where(main) :where(thead th) { border-bottom: 1px solid var(--rule); text-align: left; font-weight: 650; }
:where(main) :where(td) { text-align: right; white-space: nowrap; }
:where(main) :where(tbody th) { text-align: left; font-weight: normal; }
:where(main) :where(caption) { caption-side: top; text-align: left; font-weight: 650; padding-bottom: 0.3em; }
table.text td, table.text th { text-align: left; white-space: normal; }
td.gt_sourcenote, td.gt_footnote { white-space: normal; text-align: left; }
.table-wrap { overflow-x: auto; }
.output_subarea { overflow-x: auto; }
.prompt { display: none; }
.output_stderr pre { background: #fff4f4; border-left-color: #d99; }
footer { margin-top: 3rem; padding-top: 0.5rem; border-top: 1px solid var(--light-rule); color: var(--muted);
         font-size: 0.85rem; }
@media print {
  @page { margin: 15mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .site-nav, a.anchor-link { display: none; }
  a { color: inherit; text-decoration: none; }
  .banner { background: none; border: 2px solid #000; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h1, h2, h3, h4 { break-after: avoid; }
  table, figure, img, pre { break-inside: avoid; }
  thead { display: table-header-group; }
  .output_subarea, .table-wrap { overflow: visible; }
}
"""


@dataclass(frozen=True)
class Frame:
    """What a page knows about itself: its `section` (the title's first part), the
    run's `period` ("YYYY-MM"), whether the data are `synthetic`, and its neighbours as
    (file name, title): `previous` and `next` (None at either end)."""

    section: str
    period: str
    synthetic: bool
    previous: tuple[str, str] | None = None
    next: tuple[str, str] | None = None


def page_title(section: str, period: str) -> str:
    """A page's title: its section, the report, the period ("… – Rusta och matcha, 2023-10")."""
    return f"{section} – {SITE}, {period}" if period else f"{section} – {SITE}"


def period_text(period: str) -> str:
    """The report month in words: "oktober 2023 (2023-10)"; as given when not "YYYY-MM"."""
    year, _, month = str(period).partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return f"{_MONTHS[int(month) - 1]} {year} ({period})"
    return str(period)


def number(v, decimals: int = 1) -> str:
    """`v` as the report prints a number (plain text): decimal comma, thin-space
    thousands, a minus sign; an integer without decimals; `MISSING` for None, NaN and
    pandas' NA; "Ja"/"Nej" for a bool; any other value as text."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "Ja" if v else "Nej"
    if not isinstance(v, numbers.Real):
        return MISSING if v is None or str(v) in ("<NA>", "NaT", "nan", "None") else str(v)
    if isinstance(v, float) and math.isnan(v):
        return MISSING
    text = f"{v:,d}" if isinstance(v, numbers.Integral) else f"{float(v):,.{decimals}f}"
    return text.replace(",", THIN_SPACE).replace(".", ",").replace("-", "\u2212")


def _nav(frame: Frame) -> str:
    """The navigation of a section page: the index, the previous and the next section."""
    esc = html.escape
    links = [f'<a class="index" href="{INDEX}">{INDEX_LABEL}</a>']
    if frame.previous:
        links.append(f'<a class="previous" rel="prev" href="{esc(frame.previous[0])}">← Föregående: '
                     f"{esc(frame.previous[1])}</a>")
    if frame.next:
        links.append(f'<a class="next" rel="next" href="{esc(frame.next[0])}">Nästa: {esc(frame.next[1])} →</a>')
    return f'<nav class="site-nav" aria-label="Rapportens avsnitt">{"".join(links)}</nav>'


def banner(synthetic: bool) -> str:
    """The synthetic-data banner ("" for real data)."""
    if not synthetic:
        return ""
    return (f'<div class="banner" role="note"><strong>{SYNTHETIC_BANNER}</strong><br>'
            "Sidan bygger på data från romlabs generator av syntetiska data, inte på Arbetsförmedlingens "
            "register. Siffrorna beskriver inga verkliga deltagare eller leverantörer.</div>")


def document(frame: Frame, body: str, *, index: bool = False) -> str:
    """The whole HTML page: title, the stylesheet, the site heading (a link to the
    index) with the period, the navigation (index, previous, next) above and below but
    on the `index` itself, the banner when synthetic, `body` (HTML) in ``<main>``."""
    esc = html.escape
    nav = "" if index else _nav(frame)
    period = f"Rapportmånad {esc(period_text(frame.period))}" if frame.period else ""
    footer = f"{esc(SITE_HEADING)}" + (f", rapportmånad {esc(frame.period)}" if frame.period else "")
    if frame.synthetic:
        footer += f". {SYNTHETIC_BANNER}"
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page_title(frame.section, frame.period))}</title>
<style>{STYLESHEET}</style>
</head>
<body>
<header class="masthead"><p class="site"><a href="{INDEX}">{esc(SITE_HEADING)}</a></p>
<p class="period">{period}</p></header>
{nav}
{banner(frame.synthetic)}
<main>
{body}
</main>
{nav}
<footer>{footer}.</footer>
</body>
</html>
"""
