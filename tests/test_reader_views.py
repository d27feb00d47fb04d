"""What a reader of the section notebooks sees besides the registered tables (issue 15,
"one language for readers"): the overview's frames (`romlab.report.overview`), the
comparison with the published report (`romlab.publication.compare_view`), the variant of
Tabell 18 (`results_render.tabell_18_variant`), and the support tables' sentences
(`support_render.describe_*`), all in Swedish, with no pandas index column and "–" for a
missing number. Hand-made arguments with hand-worked answers; the sentences on a run's
pages are checked over the whole run in `tests/test_pages.py`."""

from __future__ import annotations

import glob
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from romlab import paths
from romlab.publication import compare_view
from romlab.publication.reader_table import ReaderTable
from romlab.report import overview, regression, results_render, support_render
from romlab.run.config import RunConfig

NNBSP = "\u202f"
CFG = RunConfig.for_period("2023-10")


def _visible(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").get_text(" ")


# --------------------------------------------------------------------------- ReaderTable

def test_reader_table_has_no_index_column_and_shows_missing_as_dash():
    frame = pd.DataFrame({"Parameter": ["Minsta cell", "Percentil"], "Värde": [1234, np.nan]})
    t = ReaderTable(frame, anchor="prov", sentence="En mening.", note="En not.", source="")
    html = t._repr_html_()
    assert 'class="dataframe"' not in html and 'id="prov-tabell"' in html
    text = _visible(html)
    assert "En mening." in text and "En not." in text and "Källa" not in text
    assert "1\u2009234" in text and "–" in text and "NaN" not in text and "nan" not in text
    assert re.search(r"(?<!\d)0(?!\d)", text) is None  # no default index 0, 1 shown
    assert ReaderTable(frame, anchor="a", synthetic=True)._repr_html_().count("syntetiska data") == 1
    assert "Arbetsförmedlingens datalager" in ReaderTable(frame, anchor="a")._repr_html_()


# --------------------------------------------------------------------------- §3: the overview

def test_run_parameters_as_a_reader_reads_them():
    p = overview.run_parameters(RunConfig.for_period("2023-10", trim_percentile=99))
    values = dict(zip(p["Parameter"], p["Värde"]))
    assert values["Rapportmånad"] == "oktober 2023 (2023-10)"
    assert values["Signifikansnivå"] == "0,05" and values["Percentil för justering av extremvärden"] == "99"
    assert values["Månader för periodiska rapporter"] == "2022-07 – 2023-05"
    assert not any(re.fullmatch(r"[a-z]+(_[a-z]+)+", k) for k in values)  # every parameter named in Swedish
    assert isinstance(p.index, pd.RangeIndex) and 'class="dataframe"' not in overview.parameters_view(CFG)._repr_html_()


def _pt(starts: pd.DataFrame, synthetic: bool = True):
    as_of = pd.DataFrame({"Rader i data": [7938, 237]}, index=pd.Index(["deltaganden", "leverantörer"], name="Tabell"))
    return SimpleNamespace(cfg=CFG, synthetic=synthetic, overview={"starts": starts, "as_of": as_of})


def test_starts_view_shows_hidden_counts_as_dots_and_the_sentence_above():
    labels = [f"Fönster {w}" for w in CFG.windows]
    starts = pd.DataFrame({"Nivå A": [10, 20, 30, 40], "Nivå B": [10, 20, 30, 40], "Nivå C": [20, 40, 60, 80],
                           "Totalt": [40, 80, 120, 1160]}, index=pd.Index(labels, name="Fönster")).astype("Int64")
    starts.loc["Fönster 2", "Nivå A"] = pd.NA
    view = overview.starts_view(_pt(starts))
    assert view.sentence == (f"1{NNBSP}400 deltagare påbörjade tjänsten i fönster 1–4; fördelningen på nivåer "
                             "är undertryckt (..).")
    text = _visible(view._repr_html_())
    assert "Fönster" in text and ".." in text and "1\u2009160" in text and "syntetiska data" in text
    as_of = _visible(overview.as_of_view(_pt(starts, synthetic=False))._repr_html_())
    assert "deltaganden" in as_of and "7\u2009938" in as_of and "Arbetsförmedlingens datalager" in as_of


# --------------------------------------------------------------------------- the comparison

def _comparison() -> pd.DataFrame:
    """Four published numbers: the headline R2 share and median (within), a count of
    the selection far off, and a Tabell A1 cell never reproduced."""
    return pd.DataFrame({
        "table": ["headline", "headline", "urval", "A1"],
        "measure": ["r2_share", "median_hours", "unique_individuals", "mean_hours"],
        "activity": [np.nan, np.nan, np.nan, "Information"], "group": np.nan, "window": np.nan,
        "level": ["ABC", "ABC", np.nan, "B"], "percentile": np.nan, "included_share": np.nan, "adjusted": np.nan,
        "column": [np.nan, np.nan, np.nan, "col10"],
        "published": [33.0, 6.0, 108500.0, 0.8], "reproduced": [32.6, 6.0, 2245.0, np.nan],
        "difference": [-0.4, 0.0, -106255.0, np.nan], "tolerance": [1.0, 0.0, 5425.0, 0.3],
        "within": [True, True, False, False]})


def test_comparison_summary_in_swedish():
    view = compare_view.reader_view(_comparison(), "summary")
    f = view.frame
    assert list(f.columns) == ["Tabell", "Publicerade värden", "Återskapade", "Inom toleransen",
                               "Andel inom toleransen, procent", "Genomsnittlig absolut avvikelse",
                               "Största absoluta avvikelse"]
    assert f["Tabell"].tolist() == ["Sammanfattning", "Urval", "Tabell A1", "Totalt"]
    # Tabell A1: one published, none reproduced: no difference to average ("–", not NaN)
    assert f.iloc[2].tolist()[1:] == ["1", "0", "0", "0", "–", "–"]
    assert f.iloc[3].tolist()[1:] == ["4", "3", "2", "50", "35 418,47", "106 255,00"]
    assert view.sentence == ("Av rapportens 4 publicerade värden återskapas 3, varav 2 (50 % av de publicerade) inom "
                             "toleransen; lägst andel av de återskapade inom toleransen har urvalet (0 %).")
    assert 'class="dataframe"' not in view._repr_html_()


def test_comparison_headline_and_deviations_in_swedish():
    head = compare_view.reader_view(_comparison(), "headline").frame
    assert head.to_dict("records") == [
        {"Mått": "Andel R2, procent", "Nivå": "Totalt", "Publicerat värde": "33", "Återskapat värde": "32,60",
         "Skillnad": "−0,40", "Tolerans": "1,00", "Inom toleransen": "Ja"},
        {"Mått": "Median, timmar", "Nivå": "Totalt", "Publicerat värde": "6", "Återskapat värde": "6",
         "Skillnad": "0", "Tolerans": "0", "Inom toleransen": "Ja"}]
    dev = compare_view.reader_view(_comparison(), "deviations", 10).frame
    # the only reproduced number outside its tolerance; its keys all missing are left out
    assert dev.to_dict("records") == [
        {"Tabell": "Urval", "Mått": "Unika individer", "Publicerat värde": "108 500", "Återskapat värde": "2 245",
         "Skillnad": "−106 255", "Tolerans": "5 425"}]
    with pytest.raises(ValueError, match="part must be"):
        compare_view.reader_view(_comparison(), "tables")


def test_every_published_measure_and_a1_column_has_a_swedish_name():
    measures = set()
    for f in glob.glob(str(paths.PUBLISHED / "*.csv")):
        measures |= set(pd.read_csv(f, dtype=str)["measure"].dropna())
    names = compare_view._measure_names()
    assert not sorted(measures - set(names))
    columns = compare_view._a1_columns()
    assert len(columns) == 11 and columns["col01"] == "Under 25 år" and not any("_" in v for v in columns.values())


# --------------------------------------------------------------------------- Tabell 18's variant

def test_tabell_18_variant_says_how_its_errors_are_clustered():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"y": rng.integers(0, 2, 400).astype(float), "woman": rng.integers(0, 2, 400).astype(float),
                      "level": rng.choice(list("ABC"), 400), "provider_id": rng.integers(0, 20, 400)})
    r = regression.fit(d, "y", ["woman"], ["level"], cov_type="cluster", cluster="provider_id",
                       labels={"woman": "Kvinna", "y": "Har R2", "level": "nivå"})
    view = results_render.tabell_18_variant(r, synthetic=True)
    assert view.note == ("Samma modell som i Tabell 18 med standardfel klustrade per leverantör (20 kluster) inom "
                         f"parentes. {results_render.STARS_LEGEND}.")
    text = _visible(view._repr_html_())
    assert "Antal observationer" in text and "Justerat R²" in text and "R-squared" not in text
    assert "400" in text and "syntetiska data" in text


# --------------------------------------------------------------------------- the support sentences

def test_support_sentences_in_swedish():
    flow = pd.DataFrame({"measure": ["periodic_reports_total", "periodic_reports_after_merge_exact",
                                     "unique_individuals", "reports_per_individual"],
                         "value": [16237.0, 8726.0, 2245.0, 3.887]})
    assert support_render.describe_flow(flow) == (
        f"Av 16{NNBSP}237 periodiska rapporter som avser perioden återstår 8{NNBSP}726 rapporter (deltagande och "
        f"månad) för 2{NNBSP}245 unika individer, i genomsnitt 3,9 rapporter per individ.")
    p = pd.DataFrame({"activity": ["Eget arbete", "Individuellt utvecklingsmöte", "Information"],
                      "percentile": 50, "value": [21.0, 2.0, 0.0]})
    assert support_render.describe_percentiles(p) == (
        "Vid medianen är individuellt utvecklingsmöte den enda aktiviteten med mer än noll timmar (2 timmar).")
    assert support_render.describe_percentiles(p.assign(value=[21.0, 2.0, 1.0])) == (
        "Högst median har individuellt utvecklingsmöte (2 timmar).")
    t4 = pd.DataFrame({"measure": "mean_hours", "included_share": [95.0, 100.0], "value": [8.24, 11.4]})
    assert support_render.describe_trimming(t4) == (
        "Tas de fem procent högsta värdena bort sjunker det genomsnittliga sammanlagda stödet från 11,4 till 8,2 "
        "timmar per månad.")
    t6 = pd.DataFrame({"activity": ["Information", "Praktiskt stöd", "Individuellt utvecklingsmöte"],
                       "value": [31.0, 48.0, 97.0]})
    assert support_render.describe_share(t6) == (
        "Vanligast är individuellt utvecklingsmöte, som 97 % av deltagarna tar del av minst en timme i månaden, "
        "följt av praktiskt stöd (48 %).")


def test_tabell_12_sentence_names_the_levels():
    long = pd.DataFrame({"measure": "mean_hours", "activity": "Sammanlagt stöd", "level": ["A", "B", "C"],
                         "value": [8.5, 8.2, 8.8]})
    tests = pd.DataFrame({"activity": "Sammanlagt stöd", "group": ["A", "A", "B"], "reference": ["B", "C", "C"],
                          "significant": [False, True, True]})
    assert support_render.describe_groups(long, tests, column="level") == (
        "Det genomsnittliga sammanlagda stödet varierar från 8,2 timmar (Nivå B) till 8,8 timmar (Nivå C); "
        "2 av 3 parvisa skillnader i sammanlagt stöd är statistiskt säkerställda.")
