"""Per-period runs (romlab.runner, `romlab run`, `romlab compare`) on data/sample.

One full run of every section notebook on the sample (module fixture, some tens of
seconds); the failure tests use a one-cell broken notebook or a bad parameter, which
fail before or at the first notebook."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

import romlab
from romlab import outputs, paths, period, runner
from romlab.cli import main
from romlab.compare import published
from romlab.config import ConfigError

from attack import subtraction_attack

PERIOD = "2023-10"


#: Offsets that make the sample's identifiers distinctive (ten digits, never a count in a
#: table), so that any identifier in a run's outputs is a leak, not a coincidence.
ID_OFFSETS = {"participation_id": 4_100_000_000, "person_id": 5_200_000_000, "report_id": 6_300_000_000,
              "deviation_id": 6_400_000_000, "result_id": 6_500_000_000, "event_id": 6_600_000_000}


@pytest.fixture(scope="module")
def run_data(tmp_path_factory) -> Path:
    """The committed sample with every person, participation and record identifier
    shifted by `ID_OFFSETS` (order and links unchanged)."""
    out = tmp_path_factory.mktemp("data") / "sample_ids"
    out.mkdir()
    for f in sorted(paths.SAMPLE.glob("*.parquet")):
        t = pd.read_parquet(f)
        for col, off in ID_OFFSETS.items():
            if col in t.columns:
                t[col] = t[col].astype("int64") + off
        t.to_parquet(out / f.name, index=False)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory, run_data):
    """One run of every section notebook on the sample (with distinctive identifiers),
    two at a time, with the output and data folders given relative to the working
    directory (as `make report` does: papermill changes the working directory per
    notebook, so the runner must not)."""
    import os

    here = tmp_path_factory.mktemp("work")
    before = os.getcwd()
    os.chdir(here)
    try:
        return runner.run_period(PERIOD, os.path.relpath(run_data, here), "runs", jobs=2)
    finally:
        os.chdir(before)


def _broken_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell('period = "2023-10"\ndata_dir = ""\noverrides = {}')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")]
    path = folder / "50_broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_run_writes_every_output(run):
    folder = run.folder
    assert folder.name == PERIOD and folder.is_dir()
    assert not list(folder.parent.glob(".*.running")) and not list(folder.parent.glob("*.failed"))
    names = {p.name for p in folder.iterdir()}
    for nb in runner.section_notebooks():
        assert nb.name in names and nb.with_suffix(".html").name in names
    assert {"tabeller.xlsx", "tabeller.csv", "undertryckta.csv", "nyckeltal.json", "jamforelse.csv", "jamforelse.json",
            "manifest.json", "index.html", "figur_1.png", "figur_2.png", "figur_1.svg", "figur_2.svg"} <= names
    assert "90_jamforelse.ipynb" in names


def test_manifest_states_the_run(run, run_data):
    m = json.loads((run.folder / "manifest.json").read_text())
    assert m["status"] == "ok" and m["period"] == PERIOD
    assert {n for n, s in m["notebooks"].items() if s["status"] == "ok"} == {p.name for p in runner.section_notebooks()}
    assert set(m["input_files"]) == set(romlab.load(run_data).files)
    assert m["started"] <= m["ended"]
    assert m["parameters"]["data_cutoff"] == "2023-08-11"
    assert set(m["outputs"]) >= {"tabeller.xlsx", "index.html", "manifest.json"}


def test_index_links_sections_in_report_order(run, run_data):
    html = (run.folder / "index.html").read_text()
    links = re.findall(r'href="(\d\d_[^"#]+\.html)"', html)
    assert links == [p.with_suffix(".html").name for p in runner.section_notebooks()]
    assert PERIOD in html and romlab.__version__ in html and str(run_data) in html
    assert 'src="figur_1.png"' in html and "tabeller.xlsx" in html and "trim_percentile" in html
    # every report table and figure is listed, in report order, with a link to its place
    entries = re.findall(r'href="\d\d_[^"#]+\.html#[^"]+">(Tabell [0-9A ]+|Figur \d)', html)
    names = [e.replace("Tabell A ", "Tabell A") for e in entries]
    expected = ([f"Tabell {i}" for i in range(2, 14)] + ["Tabell A1", "Tabell 14", "Figur 1", "Figur 2", "Tabell 15",
                "Tabell 16", "Tabell 17", "Tabell 18", "Tabell 19", "Tabell 20", "Tabell 21", "Tabell 22", "Tabell 23"])
    assert names == expected, names
    assert 'href="undertryckta.csv"' in html


def test_section_notebooks_skip_temporary_copies(tmp_path):
    for name in ("00_a.ipynb", "10_b.ipynb", "10_b.tmp.ipynb", "notes.ipynb", "review_x.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in runner.section_notebooks(tmp_path)] == ["00_a.ipynb", "10_b.ipynb"]


def test_injected_parameters_in_each_notebook(run, run_data):
    for nb in run.notebooks:
        cells = nbformat.read(nb, as_version=4).cells
        injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and f'period = "{PERIOD}"' in injected[0].source, nb.name
        assert str(run_data) in injected[0].source and "bundle = " in injected[0].source


def test_comparison_file_has_one_record_per_published_number(run):
    records = json.loads((run.folder / "jamforelse.json").read_text())
    expected = sum(len(published(t)) for t in outputs.TOLERANCES)
    assert len(records) == expected
    assert {"table", "published", "reproduced", "difference", "tolerance", "within"} <= set(records[0])
    assert len(pd.read_csv(run.folder / "jamforelse.csv")) == expected


def test_long_tables_show_no_small_cell(run):
    t = pd.read_csv(run.folder / "tabeller.csv", dtype={"table": str})
    small = t["n"].notna() & (t["n"] < romlab.RunConfig.for_period(PERIOD).min_cell)
    assert not small.any()
    assert t.loc[t["suppressed"], "value"].isna().all() and t.loc[t["suppressed"], "n"].isna().all()
    log = pd.read_csv(run.folder / "undertryckta.csv")
    assert set(t.loc[t["suppressed"], "cell"]) == set(log["cell"])
    assert set(log["rule"]) == {"primär", "sekundär"}  # the sample has small cells
    assert log["reason"].notna().all()


def test_no_suppressed_cell_of_a_run_can_be_recovered_from_its_margins(run):
    """The exported tables of a full run, attacked by subtraction (tests/attack.py)."""
    t = pd.read_csv(run.folder / "tabeller.csv", dtype={"table": str, "level": str})
    shown = {k: t[t["table"] == k] for k in ("14", "15", "16", "19", "21", "22")}
    assert shown["16"]["suppressed"].any()
    assert subtraction_attack(shown) == set()
    # nyckeltal.json publishes the window total: one hidden Tabell 15 cell would follow from it
    assert shown["15"]["suppressed"].sum() != 1


def test_outputs_identical_when_written_again(run, run_data, tmp_path):
    cfg = romlab.RunConfig.for_period(PERIOD)
    prepared = period.protect(period.compute(cfg, run_data))
    runner.write_outputs(tmp_path, prepared, run_data, html=False, figures=False)
    assert (tmp_path / "nyckeltal.json").read_bytes() == (run.folder / "nyckeltal.json").read_bytes()

    def values(p):
        return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in openpyxl.load_workbook(p).worksheets}

    assert values(tmp_path / "tabeller.xlsx") == values(run.folder / "tabeller.xlsx")
    for name in ("jamforelse.csv", "tabeller.csv", "undertryckta.csv"):
        assert (tmp_path / name).read_bytes() == (run.folder / name).read_bytes(), name


def test_no_bundle_left_in_a_run(run):
    assert not list(run.folder.glob("*.pkl")) and not list(run.folder.glob(".*"))


def _strip_markup(text: str) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", text)
    text = re.sub(r'\sd="[^"]*"', " ", text)  # SVG path geometry
    return re.sub(r"<[^>]+>", " ", text)


def _text_of(path: Path) -> str:
    """What a reader of the file sees: cell values of a workbook, the text outputs of
    a notebook, HTML and SVG without styles, scripts, embedded images and geometry."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r
                         if c.value is not None)
    if path.suffix == ".ipynb":
        parts = []
        for cell in nbformat.read(path, as_version=4).cells:
            parts.append(cell.source)
            for o in cell.get("outputs", []):
                parts.append(o.get("text", ""))
                data = o.get("data", {})
                parts += [data.get("text/plain", ""), _strip_markup(data.get("text/html", ""))]
        return "\n".join(parts)
    if path.suffix in {".html", ".svg"}:
        return _strip_markup(path.read_text(encoding="utf-8"))
    if path.suffix == ".png":
        return ""
    return path.read_text(encoding="utf-8")


def test_no_identifiers_from_the_input_in_the_outputs(run, run_data):
    """Every person, participation and record identifier of the input (ten-digit after
    `ID_OFFSETS`) is looked for as a whole number in what a reader sees of every output
    (workbook cells, json, csv, html, svg text, notebook outputs): no hit allowed. The
    scan itself is checked on a planted identifier."""
    ids = set()
    for f in run_data.glob("*.parquet"):
        t = pd.read_parquet(f)
        for col in ID_OFFSETS:
            if col in t.columns:
                ids |= set(t[col].astype(str))
    files = [p for p in run.folder.iterdir() if p.is_file()]
    assert {p.suffix for p in files} >= {".ipynb", ".html", ".xlsx", ".csv", ".json", ".svg"}
    text = "\n".join(_text_of(p) for p in files)
    tokens = set(re.findall(r"(?<![\d.,])\d+(?![\d.,]*\d)", text))
    assert len(ids) > 100_000 and not (ids & tokens), sorted(ids & tokens)[:10]
    planted = next(iter(sorted(ids)))
    assert planted in set(re.findall(r"(?<![\d.,])\d+(?![\d.,]*\d)", text + f"\nid {planted}\n"))


def test_bad_parameter_fails_before_any_folder(tmp_path):
    with pytest.raises(ConfigError):
        runner.run_period(PERIOD, paths.SAMPLE, tmp_path, {"trim_percentile": 0})
    assert list(tmp_path.iterdir()) == []
    assert main(["run", "--period", PERIOD, "--set", "trim_percentile=0", "--data", str(paths.SAMPLE),
                 "--out", str(tmp_path), "--quiet"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_failing_notebook_leaves_only_a_failed_folder(tmp_path):
    broken = _broken_notebook(tmp_path)
    out = tmp_path / "runs"
    with pytest.raises(runner.RunFailed, match=r"50_broken.ipynb failed in cell \d+: ValueError: broken on purpose"):
        runner.run_period(PERIOD, paths.SAMPLE, out, notebooks=[broken])
    assert not (out / PERIOD).exists() and not (out / f".{PERIOD}.running").exists()
    failed = out / f"{PERIOD}.failed"
    assert (failed / "50_broken.ipynb").is_file()
    m = json.loads((failed / "manifest.json").read_text())
    assert m["status"] == "failed" and m["notebooks"]["50_broken.ipynb"]["status"] == "failed"
    assert m["notebooks"]["50_broken.ipynb"]["error"] == "ValueError: broken on purpose"
    assert not (failed / "tabeller.xlsx").exists()
    assert not list(failed.glob("*.pkl"))  # the saved tables do not outlive the run
    assert "50_broken.ipynb failed in cell" in m["error"]


def test_unreadable_data_fail_before_the_notebooks_with_a_manifest(tmp_path):
    out = tmp_path / "runs"
    with pytest.raises(runner.RunFailed, match=r"computing the tables failed: DataError: .*file_exists"):
        runner.run_period(PERIOD, tmp_path / "no-such-data", out)
    failed = out / f"{PERIOD}.failed"
    assert not (out / PERIOD).exists() and [p.name for p in failed.iterdir()] == ["manifest.json"]
    m = json.loads((failed / "manifest.json").read_text())
    assert m["status"] == "failed" and "file_exists" in m["error"] and m["input_files"] == {}
    assert all(st["status"] == "not run" for st in m["notebooks"].values())


def test_parallel_notebooks_fail_the_same_way(tmp_path):
    broken = _broken_notebook(tmp_path)
    ok = tmp_path / "40_ok.ipynb"
    nb = nbformat.read(broken, as_version=4)
    nb.cells = nb.cells[:2]
    nbformat.write(nb, ok)
    out = tmp_path / "runs"
    with pytest.raises(runner.RunFailed, match="50_broken.ipynb"):
        runner.run_period(PERIOD, paths.SAMPLE, out, notebooks=[ok, broken], jobs=2)
    m = json.loads((out / f"{PERIOD}.failed" / "manifest.json").read_text())
    assert {k: v["status"] for k, v in m["notebooks"].items()} == {"40_ok.ipynb": "ok", "50_broken.ipynb": "failed"}
    assert not (out / PERIOD).exists()


def test_failed_rerun_keeps_the_previous_complete_run_out_of_the_way(tmp_path):
    """A failed run never leaves a folder named like a complete one: an earlier complete
    `<period>` stays as it was (it is replaced only by a successful run)."""
    broken = _broken_notebook(tmp_path)
    out = tmp_path / "runs"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "marker").write_text("earlier run")
    with pytest.raises(runner.RunFailed):
        runner.run_period(PERIOD, paths.SAMPLE, out, notebooks=[broken])
    assert (out / PERIOD / "marker").read_text() == "earlier run"
    assert (out / f"{PERIOD}.failed").is_dir()


def test_batch_goes_on_after_a_failed_period(monkeypatch, tmp_path, capsys):
    calls = []

    def fake(period, data, out, overrides, progress=None, jobs=1, prepared=None, carried=()):
        calls.append(period)
        if period == "2023-04":
            raise runner.RunFailed("10_stod.ipynb failed in cell 4: ValueError: x")
        return runner.RunResult(period, Path(out) / period, [], [], {
            "r2_share": {"ABC": 33.0, "A": 38.0, "B": 33.0, "C": 30.0}, "work_share_of_results": 83.0,
            "support_mean_hours": {"justerat": 8.2}, "support_median_hours": {"justerat": 6.0}}, 1.0)

    monkeypatch.setattr(runner, "run_period", fake)
    code = main(["run", "--period", "2023-04", "--period", "2023-10", "--data", str(paths.SAMPLE),
                 "--out", str(tmp_path), "--quiet"])
    assert code == 1 and calls == ["2023-04", "2023-10"]
    cap = capsys.readouterr()
    assert "2023-04: FAILED" in cap.err and "10_stod.ipynb failed in cell 4" in cap.err
    assert "2023-10:" in cap.out and "R2 share (18 months): 33.0 %" in cap.out


def test_batch_of_two_periods_reads_the_saved_tables(tmp_path):
    """`run_batch` computes each period once; a notebook gets the saved tables through
    its `bundle` parameter (and not the data), and the two runs share one pattern."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell('period = "2023-10"\ndata_dir = ""\noverrides = {}\nbundle = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import romlab\nassert bundle.endswith('.period.pkl')\n"
        "pt = romlab.period.tables(period, '/no/data/needed', overrides, bundle)\n"
        "assert pt.protected and pt.cfg.period == period\nprint(pt.cfg.period)")]
    path = tmp_path / "60_reads_bundle.ipynb"
    nbformat.write(nb, path)
    done, failed = runner.run_batch(["2023-04", "2023-10"], paths.SAMPLE, tmp_path / "runs", notebooks=[path],
                                    html=False, figures=False)
    assert not failed and [r.period for r in done] == ["2023-04", "2023-10"]
    logs = [pd.read_csv(r.folder / "undertryckta.csv") for r in done]
    tabs = [pd.read_csv(r.folder / "tabeller.csv", dtype={"table": str}) for r in done]
    common = set(tabs[0]["cell"].dropna()) & set(tabs[1]["cell"].dropna())
    assert set(logs[0]["cell"]) & common == set(logs[1]["cell"]) & common
    m = json.loads((done[1].folder / "manifest.json").read_text())
    assert set(m["seconds"]) == {"load", "tables", "protect", "notebooks", "outputs"}


def test_suppress_like_carries_the_cells_of_an_earlier_run(run, tmp_path, capsys):
    from romlab.period import carried_cells

    cells = carried_cells([run.folder])
    assert cells == set(pd.read_csv(run.folder / "undertryckta.csv")["cell"]) and cells
    assert main(["run", "--period", PERIOD, "--data", str(paths.SAMPLE), "--out", str(tmp_path / "runs"),
                 "--suppress-like", str(tmp_path), "--quiet"]) == 2
    assert "suppress_like" in capsys.readouterr().err and not (tmp_path / "runs").exists()


def test_compare_one_run(run, capsys):
    assert main(["compare", str(run.folder)]) == 0
    out = capsys.readouterr().out
    assert "Totalt" in out and "headline" in out and "publicerade värden" in out
    assert main(["compare", str(run.folder), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == sum(len(published(t)) for t in outputs.TOLERANCES)


def test_compare_two_runs(run, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(run.folder, other)
    assert main(["compare", str(run.folder), str(other)]) == 0
    assert "(no change)" in capsys.readouterr().out
    # a run with one changed headline figure and one changed cell
    k = json.loads((other / "nyckeltal.json").read_text())
    k["r2_share"]["ABC"] += 1.0
    (other / "nyckeltal.json").write_text(json.dumps(k))
    t = pd.read_csv(other / "tabeller.csv", dtype=str)
    i = t.index[(t["table"] == "14") & (t["measure"] == "r2_share") & (t["level"] == "ABC")][0]
    t.loc[i, "value"] = str(float(t.loc[i, "value"]) + 1.0)
    t.to_csv(other / "tabeller.csv", index=False)
    assert main(["compare", str(run.folder), str(other), "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert [d[0] for d in diff["nyckeltal"]] == ["r2_share.ABC"]
    rows = {r["table"]: r for r in diff["tables"]}
    assert rows["14"]["changed"] == 1 and rows["14"]["max_abs_change"] == pytest.approx(1.0)
    assert all(r["changed"] == 0 for name, r in rows.items() if name != "14")


def test_compare_rejects_a_folder_that_is_no_run(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "jamforelse.csv" in capsys.readouterr().err
