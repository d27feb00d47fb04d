"""`rapport.pdf`: a run's pages printed as one document, in the report's order.

The PDF is made from the same HTML a reader opens: the front page (`index.html`) and
every section page, each section starting on a new page, with the pages' own print
rules (`page_frame.STYLESHEET`: no navigation, tables and figures not split, table
headers repeated), on A4 landscape with tables at 8 pt, so that the widest tables (Tabell
A1, 16, 17, 21, 22: twelve or more number columns) fit the page. Headless Chromium prints it (``--print-to-pdf``): it renders the
great_tables CSS, the embedded figures and the Swedish text exactly as the browser
shows the pages, and Debian packages it (``apt-get install chromium``). WeasyPrint,
the other maintained HTML-to-PDF route, would be a Python dependency with system
libraries (Pango) of its own and does not run the pages' CSS the way a browser does.
Without Chromium there is no PDF and the run says so; nothing else depends on it.

- `find_browser()`: Chromium's executable, or None.
- `print_html(folder, pages)`: the one document that is printed (pages in order).
- `write_pdf(folder, pages, browser)`: ``<folder>/rapport.pdf``; the same bytes for the
  same pages (Chromium's creation and modification dates are fixed, see `FIXED_DATE`).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from romlab.run import page_frame

#: The PDF's file name in a run folder.
PDF = "rapport.pdf"

#: Chromium's flags for printing a local page with a fresh profile and no network.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")

#: The date written as the PDF's creation and modification date (PDF date syntax), so
#: that a rerun gives the same bytes; it has the length of Chromium's own dates, so the
#: file's byte offsets stay valid.
FIXED_DATE = b"D:20000101000000+00'00'"

_DATE = re.compile(rb"D:\d{14}(?:[+-]\d{2}'\d{2}'|Z)")

#: What breaks the printed document into one section per page.
_PRINT_CSS = """
@page { size: A4 landscape; margin: 12mm 12mm; }
section.print-page { break-before: page; }
section.print-page:first-of-type { break-before: auto; }
@media print { .gt_table { font-size: 8pt !important; } .gt_col_heading, .gt_column_spanner { font-size: 8pt !important; } }
"""


def find_browser() -> str | None:
    """Chromium's executable: ``ROMLAB_CHROMIUM`` if set, else ``chromium`` or
    ``chromium-browser`` on the PATH; None when there is none."""
    named = os.environ.get("ROMLAB_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _main(page: str) -> str:
    m = re.search(r"<main>\n?(.*?)\n?</main>", page, flags=re.DOTALL)
    if m is None:
        raise ValueError("a page without <main>: not written by romlab.run.page_frame")
    return m.group(1)


_LINK = re.compile(r'<a\b([^>]*?)\bhref="([^"]*)"([^>]*)>(.*?)</a>', flags=re.DOTALL)


def _links_within(body: str, pages: list[str]) -> str:
    """`body`'s links as the printed document can keep them: a link to a page printed
    with it, or to a place on one, points into the document (``#page-<stem>``, or the
    place's own id); any other (a workbook, a notebook, a file of the run) becomes plain
    text. A PDF viewer would otherwise get the file's absolute path, which names the
    machine and the folder the run was written in."""
    printed = {Path(p).name for p in pages}

    def keep(m: re.Match) -> str:
        before, href, after, text = m.groups()
        target, _, place = href.partition("#")
        if not target:
            return m.group(0)
        if target in printed:
            return f'<a{before}href="#{place or "page-" + Path(target).stem}"{after}>{text}</a>'
        return f"<span>{text}</span>"

    return _LINK.sub(keep, body)


def print_html(folder: Path, pages: list[Path], *, title: str, synthetic: bool) -> str:
    """One HTML document of `pages` (in the order given: the index first, then the
    sections in report order), each page's main content in a section that starts a new
    printed page (its id ``page-<stem>``), under the pages' stylesheet, with the
    synthetic-data banner at the top of every section when `synthetic`; links kept only
    within the document (`_links_within`)."""
    sections = []
    for page in pages:
        body = _links_within(_main(Path(folder, page).read_text(encoding="utf-8")), [str(p) for p in pages])
        sections.append(f'<section class="print-page" id="page-{html.escape(Path(page).stem)}">\n'
                        f'{page_frame.banner(synthetic)}\n{body}\n</section>')
    return ("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{page_frame.STYLESHEET}{_PRINT_CSS}</style>\n</head>\n"
            "<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n")


def write_pdf(folder: str | Path, pages: list[Path], browser: str, *, title: str, synthetic: bool,
              timeout: float = 180) -> Path:
    """Print `pages` of the run folder `folder` as ``<folder>/rapport.pdf`` with the
    Chromium at `browser` (`print_html`; links between pages stay relative, images are
    embedded in the pages). Chromium's dates are replaced by `FIXED_DATE`. Raises
    RuntimeError naming Chromium's message when it fails."""
    folder = Path(folder)
    out = folder / PDF
    with tempfile.TemporaryDirectory() as tmp:
        source = folder / ".rapport-print.html"  # beside the pages: their relative links and images resolve
        source.write_text(print_html(folder, pages, title=title, synthetic=synthetic), encoding="utf-8")
        try:
            proc = subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp}", f"--print-to-pdf={out}",
                                   source.resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
        finally:
            source.unlink(missing_ok=True)
    if proc.returncode != 0 or not out.is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"chromium could not print {PDF}: {last[0]}")
    out.write_bytes(_DATE.sub(FIXED_DATE, out.read_bytes()))
    return out
