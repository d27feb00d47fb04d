"""`rapport.pdf` (romlab.run.report_pdf): the printed document built from a run's pages.

The document's HTML is tested on hand-made pages; printing it needs Chromium, so that
test runs where Chromium is installed (Debian's `chromium`) and is skipped elsewhere."""

from __future__ import annotations

import re

import pytest

from romlab.run import page_frame, report_pdf
from romlab.run.page_frame import Frame


def _page(folder, name: str, body: str, synthetic: bool = True) -> str:
    frame = Frame(section=name, period="2023-10", synthetic=synthetic, previous=("index.html", "Start"))
    (folder / name).write_text(page_frame.document(frame, body), encoding="utf-8")
    return name


def test_links_stay_within_the_printed_document(tmp_path):
    """A link to a printed page or a place on it points into the document; a link to any
    other file becomes text (a PDF would carry its absolute path); a link within a page
    is kept."""
    body = ('<p><a href="10_stod.html#tabell-7">Tabell 7</a> <a href="10_stod.html">Stöd</a> '
            '<a href="tabeller.xlsx">arbetsboken</a> <a class="x" href="#nyckeltal">Nyckeltal</a></p>')
    index = _page(tmp_path, "index.html", body)
    stod = _page(tmp_path, "10_stod.html", '<h3 id="tabell-7">Tabell 7</h3>')
    doc = report_pdf.print_html(tmp_path, [index, stod], title="Rapport", synthetic=True)
    assert '<a href="#tabell-7">Tabell 7</a>' in doc and '<a href="#page-10_stod">Stöd</a>' in doc
    assert "<span>arbetsboken</span>" in doc and 'href="tabeller.xlsx"' not in doc
    assert '<a class="x" href="#nyckeltal">Nyckeltal</a>' in doc


def test_sections_in_the_order_given_each_with_the_banner_and_no_navigation(tmp_path):
    pages = [_page(tmp_path, n, f"<h2>{n}</h2>") for n in ("index.html", "10_stod.html", "20_resultat_5_1.html")]
    doc = report_pdf.print_html(tmp_path, pages, title="Rapport – 2023-10", synthetic=True)
    ids = re.findall(r'<section class="print-page" id="([^"]+)">', doc)
    assert ids == ["page-index", "page-10_stod", "page-20_resultat_5_1"]
    assert doc.count(page_frame.SYNTHETIC_BANNER) == 3 and "site-nav" not in doc.split("</style>", 1)[1]
    assert "<title>Rapport – 2023-10</title>" in doc
    real = report_pdf.print_html(tmp_path, pages, title="Rapport", synthetic=False)
    assert page_frame.SYNTHETIC_BANNER not in real.split("</style>", 1)[1]


def test_a_page_not_written_by_romlab_is_refused(tmp_path):
    (tmp_path / "x.html").write_text("<html><body>no main</body></html>", encoding="utf-8")
    with pytest.raises(ValueError, match="without <main>"):
        report_pdf.print_html(tmp_path, ["x.html"], title="x", synthetic=False)


def test_fixed_dates_keep_the_length_of_chromiums():
    for date in (b"D:20261130171500+00'00'", b"D:20261130171500-05'00'"):
        assert len(report_pdf.FIXED_DATE) == len(date) and report_pdf._DATE.fullmatch(date)


@pytest.mark.skipif(report_pdf.find_browser() is None, reason="Chromium is not installed")
def test_printed_twice_the_same_bytes_without_file_paths(tmp_path):
    pages = [_page(tmp_path, "index.html", '<h2>Nyckeltal</h2><a href="10_stod.html">Stöd</a>'),
             _page(tmp_path, "10_stod.html", "<h2>Stöd</h2><table><tr><td>1,5</td></tr></table>")]
    browser = report_pdf.find_browser()
    first = report_pdf.write_pdf(tmp_path, pages, browser, title="Rapport", synthetic=True).read_bytes()
    second = report_pdf.write_pdf(tmp_path, pages, browser, title="Rapport", synthetic=True).read_bytes()
    assert first == second and first.startswith(b"%PDF")
    assert b"file://" not in first and str(tmp_path).encode() not in first
    assert len(re.findall(rb"/Type /Page\b", first)) == 2  # one section per printed page
    assert not (tmp_path / ".rapport-print.html").exists()
