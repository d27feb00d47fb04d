"""romlab.publication.outputs on data/sample and on small hand-made frames: the comparison has one row
per published number, the workbook stores numbers as numbers and suppresses small cells
with a note, the headline figures and the workbook are the same twice in a row."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pandas as pd
import pytest

import romlab
from romlab.publication import compare, exports, manifest, protection, workbook
from romlab.report import keyfigures, registry
from romlab import paths
from romlab.publication.compare import published

CFG = romlab.RunConfig.for_period("2023-10")


@pytest.fixture(scope="module")
def ds():
    return romlab.load(paths.SAMPLE, as_of=CFG.data_cutoff)


@pytest.fixture(scope="module")
def tables(ds):
    return registry.report_tables(ds, CFG)


@pytest.fixture(scope="module")
def written_workbook(tables, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "tabeller.xlsx"
    workbook.write_xlsx(tables, path, CFG)
    return openpyxl.load_workbook(path)


def _values(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_report_tables_has_every_section_table(tables):
    expected = {"urval", *map(str, range(2, 24)), "A1", "headline", "figur_1", "figur_2"}
    assert expected <= set(tables)
    assert any(k.startswith("tests_") for k in tables)


def test_every_published_file_has_a_tolerance():
    files = {p.stem.removeprefix("tabell_").lstrip("0") for p in paths.PUBLISHED.glob("*.csv")}
    assert files == set(compare.tolerances_by_table())


def test_comparison_has_one_row_per_published_number(tables):
    c = compare.comparison(tables)
    assert list(c.columns[-5:]) == ["published", "reproduced", "difference", "tolerance", "within"]
    counts = c.groupby("table", sort=False).size()
    for t in compare.tolerances_by_table():
        assert counts[t] == len(published(t)), t
    assert len(c) == sum(len(published(t)) for t in compare.tolerances_by_table())
    assert c["tolerance"].notna().all() and (c["tolerance"] >= 0).all()
    # a missing reproduced value is never within tolerance
    assert not c.loc[c["reproduced"].isna(), "within"].any()
    d = c["difference"].dropna()
    assert (d == (c["reproduced"] - c["published"]).dropna()).all()


def test_comparison_summary_counts(tables):
    c = compare.comparison(tables)
    s = compare.comparison_summary(c)
    assert s.iloc[-1]["table"] == "Totalt" and s.iloc[-1]["published"] == len(c)
    assert s.iloc[:-1]["within"].sum() == c["within"].sum()
    n = f"{len(c):,}".replace(",", "\u202f")  # a narrow no-break space between thousands
    assert compare.describe_comparison(c).startswith(f"Av rapportens {n} publicerade värden")


def test_headline_matches_tabell_14(tables):
    h = tables["headline"].set_index(["measure", "level"])["value"]
    t14 = tables["14"].set_index(["measure", "level"])["value"]
    assert h[("r2_share", "ABC")] == t14[("r2_share", "ABC")]
    assert h[("work_share_of_results", "ABC")] + h[("education_share_of_results", "ABC")] == pytest.approx(100)


def test_nyckeltal_content(tables, ds):
    k = keyfigures.nyckeltal(tables, ds, CFG)
    assert set(k["r2_share"]) == {"ABC", "A", "B", "C"}
    assert k["r2_share"]["ABC"] == pytest.approx(tables["14"].query("measure == 'r2_share' and level == 'ABC'")
                                                 ["value"].iloc[0], abs=1e-4)
    assert k["work_share_of_results"] + k["education_share_of_results"] == pytest.approx(100, abs=1e-3)
    assert k["support_median_hours"]["justerat"] is not None
    n = k["sample_sizes"]["participants_18_months"]
    assert n["ABC"] == n["A"] + n["B"] + n["C"]
    json.loads(exports.to_json(k))  # valid JSON, no NaN


def test_xlsx_numbers_are_numbers_with_formats(written_workbook, tables):
    book = written_workbook
    assert book.sheetnames[0] == workbook.COVER
    assert [s for s in book.sheetnames if s.startswith("Tabell")][:3] == ["Tabell 2", "Tabell 3", "Tabell 4"]
    ws = book["Tabell 14"]
    header = [c.value for c in ws[next(c.row for c in ws["A"] if c.value == "Mått")]]
    assert header[:2] == ["Mått", "Totalt"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "Andel R2")
    total = tables["14"].query("measure == 'r2_share' and level == 'ABC'")["value"].iloc[0]
    assert row[1].data_type == "n" and row[1].value == pytest.approx(total / 100)
    assert "%" in row[1].number_format
    ws5 = book["Tabell 5"]
    mean = next(r for r in ws5.iter_rows(min_row=4) if r[0].value == "Sammanlagt stöd: Medelvärde")
    assert mean[1].data_type == "n" and mean[1].number_format == "0.0"
    notes = [c.value for c in ws5["A"] if isinstance(c.value, str) and "röjandekontroll" in c.value]
    assert notes, "every table sheet carries the suppression note"


def _handmade(min_cell: int = 10):
    """Tabell 14 with level A small (4 persons, 1 with R2) and Tabell 7 with 3 men, protected."""
    t14 = pd.DataFrame({"table": "14", "measure": "r2_share", "level": ["ABC", "A", "B", "C"],
                        "value": [40.0, 25.0, 100 * 24 / 46, 30.0], "n": [100, 4, 46, 50],
                        "suppressed": False})
    t7 = pd.DataFrame({"table": "7", "measure": ["mean_hours"] * 2 + ["observations"] * 2,
                       "activity": "Sammanlagt stöd", "group": ["Kvinnor", "Män"] * 2,
                       "value": [8.25, 7.5, 25.0, 3.0], "n": [20, 3, 20, 3]})
    return protection.protect({"14": t14, "7": t7}, min_cell)


def test_xlsx_suppressed_cells_are_dots_with_a_note(tmp_path):
    shown, _ = _handmade()
    path = workbook.write_xlsx(shown, tmp_path / "t.xlsx", CFG)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tabell 14"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Mått")
    assert rows[head][:5] == ("Mått", "Totalt", "Nivå A", "Nivå B", "Nivå C")
    # A has 4 persons (primary); B, the smaller other level (46 against 50), hides it from ABC − B − C
    assert rows[head + 1][:5] == ("Andel R2", 0.4, "..", "..", 0.3)
    note = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("'..'")]
    assert note and "sekretesskäl" in note[0] and "2 cell(er)" in note[0]
    about = " ".join(str(v) for r in wb[workbook.COVER].iter_rows(values_only=True) for v in r if v is not None)
    assert "färre än 10 personer" in about and "ringas in" in about
    ws7 = wb["Tabell 7"]
    rows7 = {r[0]: r[1:3] for r in ws7.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows7["Sammanlagt stöd"] == (8.25, "..")  # Män: 3 persons < 10
    assert rows7["Antalet observationer i urvalet*"] == (25, "..")
    assert wb[workbook.COVER]["A1"].value.startswith("Rusta och matcha")


def test_xlsx_min_cell_follows_the_configuration(tmp_path):
    cfg = CFG.with_overrides(min_cell=2)
    shown, _ = _handmade(cfg.min_cell)
    path = workbook.write_xlsx(shown, tmp_path / "t.xlsx", cfg)
    rows = list(openpyxl.load_workbook(path)["Tabell 7"].iter_rows(min_row=4, values_only=True))
    assert next(r for r in rows if r[0] == "Sammanlagt stöd")[1:3] == (8.25, 7.5)


def test_long_tables_blank_suppressed_rows_and_name_their_cell():
    shown, found = _handmade()
    log = found.log
    long = exports.long_tables({**shown, "tests_sex": pd.DataFrame()})
    assert set(long["table"]) == {"14", "7"}
    t14 = long[long["table"] == "14"].set_index("level")
    assert t14.loc["A", "suppressed"] and pd.isna(t14.loc["A", "value"]) and pd.isna(t14.loc["A", "n"])
    assert "rule" not in long.columns and pd.isna(t14.loc["B", "value"])  # why a cell is hidden is internal
    assert t14.loc["C", "value"] == 30.0 and t14.loc["C", "n"] == 50
    t7 = long[long["table"] == "7"].set_index(["measure", "group"])["value"]
    assert t7[("mean_hours", "Kvinnor")] == 8.25 and pd.isna(t7[("mean_hours", "Män")])
    assert pd.isna(t7[("observations", "Män")])
    assert set(long.loc[long["suppressed"], "cell"]) == set(log["cell"]) == {"Q|A", "Q|B", "S|7|Män"}
    assert log.set_index("cell")["rule"].to_dict() == {"Q|A": "primär", "Q|B": "sekundär", "S|7|Män": "primär"}


def test_same_workbook_and_nyckeltal_twice(ds, tables, tmp_path):
    again = registry.report_tables(ds, CFG)
    a = workbook.write_xlsx(tables, tmp_path / "a.xlsx", CFG)
    b = workbook.write_xlsx(again, tmp_path / "b.xlsx", CFG)
    assert _values(a) == _values(b)
    assert exports.to_json(keyfigures.nyckeltal(tables, ds, CFG)) == exports.to_json(keyfigures.nyckeltal(again, ds, CFG))
    pd.testing.assert_frame_equal(compare.comparison(tables), compare.comparison(again))


def test_manifest_fingerprints_the_input(ds):
    m = manifest.manifest(CFG, ds, data=paths.SAMPLE, overrides={"min_cell": 10}, notebooks={"x.ipynb": {"status": "ok"}})
    assert set(m["input_files"]) == set(ds.files)
    for name, f in m["input_files"].items():
        assert f["sha256"] == hashlib.sha256(ds.files[name].read_bytes()).hexdigest()
    assert m["parameters"]["period"] == "2023-10" and m["overrides"] == {"min_cell": 10}
    assert m["versions"]["pandas"] == pd.__version__ and m["romlab"] == romlab.__version__
    json.loads(exports.to_json(m))
