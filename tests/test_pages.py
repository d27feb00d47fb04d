"""A run's HTML pages as a small website (romlab.run.pages, romlab.run.page_frame).

One run of every section notebook on the committed sample (module fixture `run`, some
tens of seconds), and hand-made arguments for the frame, the banner's absence on real
data, the parameters and the numbers. What is checked is the text a reader sees: the
pages' tags, stylesheets and scripts are stripped first (bs4, nbconvert's dependency)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from romlab import paths
from romlab.run import page_frame, pages, provenance, runner
from romlab.run.config import RunConfig
from romlab.run.page_frame import SYNTHETIC_BANNER, THIN_SPACE, Frame

PERIOD = "2023-10"

#: Words a reader must not see: Python's and pandas' missing and boolean values, and
#: English words that leaked into the pages before issue 15 (the comparison's columns,
#: the long tables' measures, the regression summary's rows, a function's name, English
#: sentences in the notebooks' text and under the tables).
FORBIDDEN = ("NaN", "nan", "None", "True", "False", "<NA>", "NaT",
             "share_within", "mean_abs_difference", "max_abs_difference", "reproduced", "published", "within",
             "tolerance", "difference", "measure", "level", "value",
             "observations", "Observations", "R-squared", "Adj. R-squared", "No. Observations", "Dep. Variable",
             "coef", "std err", "Intercept", "mean_hours", "median_hours", "r2_share", "work_share",
             "education_share", "period_warning", "unique_individuals", "persons", "the", "participants")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of every section notebook for 2023-10 on the committed sample (synthetic)."""
    return runner.run_period(PERIOD, paths.SAMPLE, tmp_path_factory.mktemp("pages") / "runs", jobs=2)


def _soup(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def visible_text(html: str) -> str:
    """The text a reader sees: the page without its tags, stylesheets and scripts."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "template"]):
        tag.decompose()
    return soup.get_text(" ")


def _section_pages(run) -> list[Path]:
    return [run.folder / nb.with_suffix(".html").name for nb in runner.period_notebooks(RunConfig.for_period(PERIOD))]


def _all_pages(run) -> list[Path]:
    return [run.folder / "index.html", *_section_pages(run)]


# --------------------------------------------------------------------------- over a run's pages

def test_every_page_has_a_title_naming_its_section_and_the_period(run):
    titles = {p.name: _soup(p).title.get_text() for p in _all_pages(run)}
    assert titles["index.html"] == f"Översikt – Rusta och matcha, {PERIOD}"
    for nb in runner.period_notebooks(RunConfig.for_period(PERIOD)):
        section = pages.notebook_title(nb)
        assert titles[nb.with_suffix(".html").name] == f"{section} – Rusta och matcha, {PERIOD}"
    assert titles["10_stod.html"] == f"4 Stödet i tjänsten – Rusta och matcha, {PERIOD}"


def test_section_pages_link_the_index_and_their_neighbours_in_report_order(run):
    names = [p.name for p in _section_pages(run)]
    for i, page in enumerate(_section_pages(run)):
        nav = _soup(page).find("nav")
        assert nav is not None and nav.find("a", href="index.html") is not None, page.name
        prev, nxt = nav.find("a", rel="prev"), nav.find("a", rel="next")
        assert (prev["href"] if prev else None) == (names[i - 1] if i > 0 else None), page.name
        assert (nxt["href"] if nxt else None) == (names[i + 1] if i + 1 < len(names) else None), page.name
        if nxt:
            assert pages.notebook_title(runner.period_notebooks(RunConfig.for_period(PERIOD))[i + 1]) in nxt.get_text()


def test_every_page_states_the_period_at_the_top(run):
    for page in _all_pages(run):
        header = _soup(page).find("header")
        assert header is not None and f"Rapportmånad oktober 2023 ({PERIOD})" in header.get_text(), page.name


def test_every_page_carries_the_banner_on_synthetic_data(run):
    for page in _all_pages(run):
        text = visible_text(page.read_text(encoding="utf-8"))
        main = _soup(page).find("main")
        # the banner stands above the page's content
        assert SYNTHETIC_BANNER in text and SYNTHETIC_BANNER not in main.get_text(), page.name


def test_every_page_embeds_the_one_stylesheet_and_needs_no_other_file(run):
    for page in _all_pages(run):
        soup = _soup(page)
        head_styles = soup.head.find_all("style")
        assert [s.get_text() for s in head_styles] == [page_frame.STYLESHEET], page.name
        assert not soup.find_all("link", rel="stylesheet") and not soup.find_all("script", src=True), page.name
        assert soup.html["lang"] == "sv"


@pytest.mark.parametrize("word", FORBIDDEN)
def test_no_page_shows_a_python_value_or_an_english_name(run, word):
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    found = {}
    for page in _all_pages(run):
        text = visible_text(page.read_text(encoding="utf-8"))
        hits = [text[max(m.start() - 40, 0):m.end() + 40].replace("\n", " ") for m in pattern.finditer(text)]
        if hits:
            found[page.name] = hits[:3]
    assert not found, found


def test_index_shows_the_key_figures_with_swedish_labels_and_decimal_comma(run):
    key = json.loads((run.folder / "nyckeltal.json").read_text())
    text = visible_text((run.folder / "index.html").read_text(encoding="utf-8"))
    r2 = key["r2_share"]["ABC"]
    assert f"{r2:.1f}".replace(".", ",") in text
    assert "Andel som uppnått målet med tjänsten (R2)" in text
    assert "Sammanlagt stöd per deltagare och månad" in text
    n = key["sample_sizes"]["participants_18_months"]["ABC"]
    assert page_frame.number(n) in text


def test_index_lists_the_comparison_and_parameters_as_a_reader_reads_them(run):
    soup = _soup(run.folder / "index.html")
    headers = [th.get_text() for th in soup.find_all("th", scope="col")]
    assert {"Tabell", "Publicerade värden", "Återskapade", "Inom toleransen", "Andel inom toleransen, procent"} \
        <= set(headers)
    text = visible_text(str(soup))
    assert "Tabell 16" in text and "Totalt" in text
    assert "2022-07 – 2023-05" in text and "['" not in text and "(1,)" not in text
    assert "Percentil för justering av extremvärden" in text and "oktober 2023 (2023-10)" in text


# --------------------------------------------------------------------------- hand-made arguments

def _notebook(tmp_path: Path, name: str, data_dir: str, heading: str = "# 4 Stödet i tjänsten") -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('period = "2023-10"\ndata_dir = ""')
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell(f'# Parameters\nperiod = "2023-04"\ndata_dir = "{data_dir}"\n')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(heading + "\n\nText."), params, injected]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_a_section_page_knows_its_period_title_neighbours_and_data(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    synth = tmp_path / "synth"
    synth.mkdir()
    (synth / "synth.json").write_text("{}")
    run = tmp_path / "run"
    run.mkdir()
    a = _notebook(run, "00_a.ipynb", "../real", "# 3 Data")
    b = _notebook(run, "10_b.ipynb", "../real")
    c = _notebook(run, "20_c.ipynb", "../synth", "# 5.1 Resultat")
    node = nbformat.read(b, as_version=4)
    assert pages.notebook_parameters(node) == {"period": "2023-04", "data_dir": "../real"}
    frame = pages.section_frame(b, node, [a, b, c])
    assert frame == Frame("4 Stödet i tjänsten", "2023-04", False, ("00_a.html", "3 Data"),
                          ("20_c.html", "5.1 Resultat"))
    assert pages.section_frame(c, nbformat.read(c, as_version=4)).synthetic  # synth.json beside the data
    html = pages.section_page(b, node, "<p>Innehåll</p>")
    assert SYNTHETIC_BANNER not in visible_text(html) and "Syntetiska" not in html
    assert "<title>4 Stödet i tjänsten – Rusta och matcha, 2023-04</title>" in html


def test_the_banner_stands_on_synthetic_data_only():
    for synthetic in (True, False):
        html = page_frame.document(Frame("Avsnitt", PERIOD, synthetic), "<p>Innehåll</p>")
        assert (SYNTHETIC_BANNER in visible_text(html)) is synthetic
    assert provenance.is_synthetic(paths.SAMPLE)
    assert not provenance.is_synthetic("postgresql://analytiker:***@db.example/rom")
    assert not provenance.is_synthetic(None)


def _index(folder: Path, data) -> str:
    key = {"r2_share": {"ABC": 33.04, "A": 38.0, "B": None, "C": 30.0}, "work_share_of_results": 81.66,
           "support_mean_hours": {"justerat": 8.0, "ej justerat": 9.25},
           "support_median_hours": {"justerat": 6.0, "ej justerat": 6.5},
           "sample_sizes": {"participants_18_months": {"ABC": 12345}}}
    summary = pd.DataFrame({"table": ["16", "headline", "Totalt"], "published": [10, 3, 13],
                            "reproduced": [10, 2, 12], "within": [9, 2, 11], "share_within": [0.9, 2 / 3, 11 / 13],
                            "mean_abs_difference": [0.12, float("nan"), 0.5], "max_abs_difference": [1.0, None, 2.0]})
    cfg = RunConfig.for_period(PERIOD, trim_percentile=99)
    page = pages.index_html(folder, cfg, data=data, overrides={"trim_percentile": "99"}, pages=[], figures=[],
                            key=key, summary=summary, version="0")
    return page.read_text(encoding="utf-8")


def test_the_index_by_hand(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    text = visible_text(_index(tmp_path, real))
    assert SYNTHETIC_BANNER not in text
    for shown in ("33,0", f"12{THIN_SPACE}345", "9,2", "Sammanfattning", "Tabell 16", "90", "67", "0,12",
                  "Percentil för justering av extremvärden", "99 (ändrad)", "2020-05 – 2022-01",
                  "1, 2, 3, 4", "0,05",
                  "Parametrar ändrade från standardvärdena: Percentil för justering av extremvärden"):
        assert shown in text, shown
    for word in ("NaN", "None", "nan", "share_within", "headline", "trim_percentile", "['", "9.25"):
        assert word not in text, word
    assert SYNTHETIC_BANNER in visible_text(_index(tmp_path, paths.SAMPLE))


@pytest.mark.parametrize("value, decimals, text", [
    (1234567, 1, f"1{THIN_SPACE}234{THIN_SPACE}567"), (12.345, 1, "12,3"), (1234.5, 2, f"1{THIN_SPACE}234,50"),
    (-0.5, 1, "−0,5"), (None, 1, "–"), (float("nan"), 1, "–"), (pd.NA, 1, "–"),
    (True, 1, "Ja"), (False, 0, "Nej"),
])
def test_numbers_as_the_report_prints_them(value, decimals, text):
    assert page_frame.number(value, decimals) == text


@pytest.mark.parametrize("name, value, text", [
    ("support_months", ["2022-07", "2023-05"], "2022-07 – 2023-05"), ("windows", [1, 2, 3, 4], "1, 2, 3, 4"),
    ("support_generations", [1], "1"), ("significance_level", 0.05, "0,05"), ("trim_percentile", 95.0, "95"),
    ("period", "2023-10", "oktober 2023 (2023-10)"), ("data_cutoff", "2023-08-11", "2023-08-11"),
    ("min_cell", 1000, f"1{THIN_SPACE}000"), ("percentile_method", "linear", "linear"),
])
def test_parameters_as_a_reader_reads_them(name, value, text):
    assert pages.parameter_value(name, value) == text


def test_no_page_shows_a_pandas_frame_with_its_index(run):
    """Every table is laid out for the reader (the report's layout, no index column):
    pandas' own HTML (class "dataframe", an index column and its name row) is not."""
    found = {p.name: len(_soup(p).select("table.dataframe")) for p in _all_pages(run)}
    assert not {k: n for k, n in found.items() if n}, found
