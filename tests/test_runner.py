"""Per-period runs (romlab.run.runner, `romlab run`, `romlab compare`) on data/sample.

Two full runs of every section notebook on the sample (module fixtures `run` and
`rerun`, some tens of seconds each; `rerun` is the run after one killed with SIGKILL and
must give the same bytes); the failure, lock, mapping and URL tests use a one-cell
notebook or a bad parameter, which fail before or at the first notebook."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import nbformat
import openpyxl
import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.publication import compare, exports, manifest
from romlab import paths
from romlab.run import execute, period, provenance, runner, write
from romlab.run.cli import main
from romlab.run.config import RunConfig
from romlab.publication.compare import published
from romlab.run.config import ConfigError

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
    for nb in runner.period_notebooks(RunConfig.for_period(PERIOD)):
        assert nb.name in names and nb.with_suffix(".html").name in names
    assert {"tabeller.xlsx", "tabeller.csv", "undertryckta.csv", "nyckeltal.json", "jamforelse.csv", "jamforelse.json",
            "manifest.json", "index.html", "figur_1.png", "figur_2.png", "figur_1.svg", "figur_2.svg"} <= names
    assert "90_jamforelse.ipynb" in names


def test_manifest_states_the_run(run, run_data):
    m = json.loads((run.folder / "manifest.json").read_text())
    assert m["status"] == "ok" and m["period"] == PERIOD
    assert {n for n, s in m["notebooks"].items() if s["status"] == "ok"} == {p.name for p in runner.period_notebooks(RunConfig.for_period(PERIOD))}
    ds = romlab.load(run_data)
    assert set(m["input_files"]) == set(ds.files)
    for name, f in m["input_files"].items():
        assert f["path"] == str(ds.files[name]) and f["sha256"] == hashlib.sha256(ds.files[name].read_bytes()).hexdigest()
    assert m["started"] <= m["ended"]
    assert m["parameters"]["data_cutoff"] == "2023-08-11"
    assert set(m["outputs"]) >= {"tabeller.xlsx", "index.html", "manifest.json"}
    # provenance: outside the repository the data are named by their absolute path;
    # no mapping, not the generator's files (no synth.json)
    assert m["data"] == str(run_data) and m["romlab"] == romlab.__version__
    assert m["mapping"] is None and m["synthetic"] is None
    git = m["git"]
    assert git == "not a git checkout" or (re.fullmatch(r"[0-9a-f]{40}", git["commit"]) and
                                           isinstance(git["dirty"], bool))
    times = [k for k in m if k in manifest.MANIFEST_TIME_FIELDS]
    assert times == ["started", "ended", "seconds"]
    assert set(m["seconds"]) == {"load", "tables", "protect", "notebooks", "outputs"}


def test_index_links_sections_in_report_order(run, run_data):
    html = (run.folder / "index.html").read_text()
    links = re.findall(r'href="(\d\d_[^"#]+\.html)"', html)
    assert links == [p.with_suffix(".html").name for p in runner.period_notebooks(RunConfig.for_period(PERIOD))]
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
    """The injected paths are relative to the run folder (where the notebook runs), the
    injected cell has a fixed id, and no notebook or page of the run names an absolute
    path (the data's, the repository's, the run's) or papermill's times."""
    for nb in run.notebooks:
        node = nbformat.read(nb, as_version=4)
        injected = [c for c in node.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and f'period = "{PERIOD}"' in injected[0].source, nb.name
        assert injected[0].id == execute.INJECTED_ID
        params = node.metadata.papermill.parameters
        assert params["bundle"] == period.BUNDLE and params["mapping"] == ""
        assert not Path(params["data_dir"]).is_absolute()
        assert (run.folder / params["data_dir"]).resolve() == run_data.resolve()
        assert node.metadata.papermill.input_path == f"notebooks/{nb.name}"
        assert node.metadata.papermill.output_path == nb.name
    for f in [*run.folder.glob("*.ipynb"), *run.folder.glob("[0-9][0-9]_*.html")]:  # index.html names the data
        text = f.read_text(encoding="utf-8")
        for absolute in (str(run_data), str(paths.ROOT), str(run.folder.parent), ".running"):
            assert absolute not in text, (f.name, absolute)
        assert '"start_time"' not in text and '"duration"' not in text and "iopub.status" not in text, f.name


def test_comparison_file_has_one_record_per_published_number(run):
    records = json.loads((run.folder / "jamforelse.json").read_text())
    expected = sum(len(published(t)) for t in compare.tolerances_by_table())
    assert len(records) == expected
    assert {"table", "published", "reproduced", "difference", "tolerance", "within"} <= set(records[0])
    assert len(pd.read_csv(run.folder / "jamforelse.csv")) == expected


def test_long_tables_show_no_small_cell(run):
    t = pd.read_csv(run.folder / "tabeller.csv", dtype={"table": str})
    small = t["n"].notna() & (t["n"] < romlab.RunConfig.for_period(PERIOD).min_cell)
    assert not small.any()
    assert t.loc[t["suppressed"], "value"].isna().all() and t.loc[t["suppressed"], "n"].isna().all()
    log = pd.read_csv(run.folder / "undertryckta.csv")
    assert set(t.loc[t["suppressed"], "cell"]) <= set(log["cell"])
    assert list(log.columns) == ["cell", "tables"]  # what is handed on says only which cells
    internal = pd.read_csv(run.folder.parent / "intern" / PERIOD / "undertryckning.csv")
    assert set(internal["cell"]) == set(log["cell"])
    assert set(internal["rule"]) == {"primär", "sekundär"}  # the sample has small cells
    assert internal["reason"].notna().all() and internal["persons"].notna().all()
    intervals = pd.read_csv(run.folder.parent / "intern" / PERIOD / "skyddsintervall.csv")
    assert len(intervals) and intervals["protected"].all() and (intervals["width"] >= 10).all()


def test_no_suppressed_cell_of_a_run_can_be_recovered_from_its_margins(run):
    """The exported tables of a full run, attacked by subtraction (tests/attack.py)."""
    t = pd.read_csv(run.folder / "tabeller.csv", dtype={"table": str, "level": str})
    shown = {k: t[t["table"] == k] for k in ("14", "15", "16", "19", "21", "22")}
    assert shown["16"]["suppressed"].any()
    internal = pd.read_csv(run.folder.parent / "intern" / PERIOD / "undertryckning.csv").set_index("cell")["persons"]
    recovered = {"|".join(str(x) for x in c) for c in subtraction_attack(shown)}
    assert all(internal.get(c, 0) >= 10 for c in recovered)  # only persons that are no secret (A76)
    # nyckeltal.json publishes the window total: one hidden Tabell 15 cell would follow from it
    assert shown["15"]["suppressed"].sum() != 1


def test_outputs_identical_when_written_again(run, run_data, tmp_path):
    cfg = romlab.RunConfig.for_period(PERIOD)
    prepared = period.protect(period.compute(cfg, run_data))
    write.write_outputs(tmp_path, prepared, run_data, html=False, figures=False)
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


class _Bar:
    """What a run tells its progress bar (tqdm's `update` and `set_postfix_str`)."""

    def __init__(self):
        self.n, self.steps = 0, []

    def update(self, k=1):
        self.n += k

    def set_postfix_str(self, text):
        self.steps.append(text)


def test_a_failed_run_is_never_shown_as_done(tmp_path):
    """A run whose notebook fails, or whose tables cannot be computed, counts only the
    notebooks that ran and says it failed; a run that works counts every notebook."""
    tiny, broken = _tiny_notebook(tmp_path, "x = 1"), _broken_notebook(tmp_path)
    bar = _Bar()
    with pytest.raises(runner.RunFailed):
        runner.run_period(PERIOD, paths.SAMPLE, tmp_path / "a", notebooks=[broken, tiny], progress=bar, html=False,
                          figures=False)
    assert bar.n < 2 and bar.steps[0] == f"{PERIOD}: tables" and bar.steps[-1] == f"{PERIOD}: failed"
    bar = _Bar()
    with pytest.raises(runner.RunFailed):
        runner.run_period(PERIOD, tmp_path / "no such data", tmp_path / "b", notebooks=[tiny], progress=bar)
    assert bar.n == 0 and bar.steps[-1] == f"{PERIOD}: failed"
    bar = _Bar()
    runner.run_period(PERIOD, paths.SAMPLE, tmp_path / "c", notebooks=[tiny], progress=bar, html=False, figures=False)
    assert bar.n == 1 and bar.steps == [f"{PERIOD}: tables", f"{PERIOD}: notebooks", f"{PERIOD}: pages"]


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

    def fake(period, data, out, overrides, progress=None, jobs=1, prepared=None, carried=(), **kwargs):
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
        "from romlab.run.period import tables\nassert bundle.endswith('.period.pkl')\n"
        "pt = tables(period, '/no/data/needed', overrides, bundle)\n"
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
    from romlab.run.period import carried_cells

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
    assert len(records) == sum(len(published(t)) for t in compare.tolerances_by_table())


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


# --------------------------------------------------------------------------- reruns, faults, locks


def _strip_times(obj):
    """A manifest without its time fields (`manifest.MANIFEST_TIME_FIELDS`, at any depth)."""
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items() if k not in manifest.MANIFEST_TIME_FIELDS}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a process we started and every process it started (its kernels run in
    sessions of their own), each by its pid."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    os.kill(proc.pid, signal.SIGKILL)
    for c in children:
        try:
            c.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def rerun(tmp_path_factory, run_data):
    """`romlab run` started in a subprocess on the same data, killed with SIGKILL once
    its first notebook is being written (the tables computed, the bundle saved), then
    the period run again into the same folder, as the fixture `run` was (two notebooks at
    a time, output and data relative to a working directory at the same depth, so the
    run folder's relative path to the data is the same). Returns what the killed run
    left and the second run."""
    base = tmp_path_factory.mktemp("kill")
    out = base / "runs"
    running = out / f".{PERIOD}.running"
    proc = subprocess.Popen([sys.executable, "-m", "romlab", "run", "--period", PERIOD, "--data", str(run_data),
                             "--out", str(out), "--jobs", "1", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not list(running.glob("*.ipynb")):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no notebook started within 180 s"
            time.sleep(0.02)
    finally:
        _kill_tree(proc)
    left = SimpleNamespace(returncode=proc.returncode, entries=sorted(p.name for p in out.iterdir()),
                           running=sorted(p.name for p in running.iterdir()) if running.is_dir() else [])
    before = os.getcwd()
    os.chdir(base)
    try:
        result = runner.run_period(PERIOD, os.path.relpath(run_data, base), "runs", jobs=2)
    finally:
        os.chdir(before)
    return SimpleNamespace(left=left, result=result, out=out)


def test_killed_run_leaves_no_complete_folder_and_the_next_run_succeeds(rerun):
    left = rerun.left
    assert left.returncode == -signal.SIGKILL
    # only the hidden running folder (and the lock file of the dead process) is left
    assert PERIOD not in left.entries and f".{PERIOD}.running" in left.entries
    assert set(left.entries) <= {f".{PERIOD}.running", f".{PERIOD}.lock"}
    assert "manifest.json" not in left.running and period.BUNDLE in left.running
    # the next run was not blocked by the dead run's lock and cleaned its folder away
    assert rerun.result.folder == rerun.out / PERIOD
    assert sorted(p.name for p in rerun.out.iterdir()) == [PERIOD, "intern"]  # intern: never handed on
    assert json.loads((rerun.result.folder / "manifest.json").read_text())["status"] == "ok"


def test_rerun_is_byte_identical_but_for_the_manifest_times(run, rerun):
    """Every file of two runs of the same period on the same data is the same bytes
    (notebooks, HTML, SVG, PNG, workbook, csv, json); the manifests differ only in their
    time fields (`manifest.MANIFEST_TIME_FIELDS`)."""
    a, b = run.folder, rerun.result.folder
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {Path(n).suffix for n in names} >= {".ipynb", ".html", ".svg", ".png", ".xlsx", ".csv", ".json"}
    different = [n for n in names if n != "manifest.json" and (a / n).read_bytes() != (b / n).read_bytes()]
    assert different == []
    ma, mb = (_strip_times(json.loads((f / "manifest.json").read_text())) for f in (a, b))
    if ma["git"] != provenance.git_info():  # a shared working tree: someone committed in between
        warnings.warn("the checkout changed between the two runs; their commits are not compared")
        ma.pop("git"), mb.pop("git")
    assert ma == mb
    # the manifest's times span the run: its start before the first file, its end after the last
    m = json.loads((b / "manifest.json").read_text())
    assert m["started"] <= m["ended"]


def _tiny_notebook(folder: Path, code: str, name: str = "60_tiny.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell('period = "2023-10"\ndata_dir = ""\noverrides = {}\nbundle = ""\nmapping = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_second_run_of_a_period_is_refused_while_the_first_holds_the_lock(tmp_path, capsys):
    """Another process holds the period's lock: `romlab run` of that period into the same
    folder stops at once with one line naming the holder and exit status 3, touching
    nothing; once the holder is killed (SIGKILL), its lock no longer blocks."""
    out = tmp_path / "runs"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom romlab.run.runner import period_lock\n"
         "with period_lock(sys.argv[1], sys.argv[2]):\n    print('locked', flush=True)\n    time.sleep(300)",
         str(out), PERIOD], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(runner.RunLocked, match=f"pid {holder.pid}"):
            runner.run_period(PERIOD, paths.SAMPLE, out)
        assert main(["run", "--period", "2023-04", "--period", PERIOD, "--data", str(paths.SAMPLE), "--out", str(out),
                     "--quiet"]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("romlab run: ") and f"pid {holder.pid}" in err[0], err
        assert str(out / PERIOD) in err[0]
        assert sorted(p.name for p in out.iterdir()) == [f".{PERIOD}.lock"]  # the other period was not begun
    finally:
        _kill_tree(holder)
    assert (out / f".{PERIOD}.lock").exists()  # left by the killed holder
    with runner.period_lock(out, PERIOD) as lock:
        assert lock.read_text().strip() == str(os.getpid())
        with runner.period_lock(out, PERIOD):  # re-entrant within a process (run_batch → run_period)
            pass
        assert lock.exists()
    assert not list(out.iterdir())


def _mapped_copy(src: Path, folder: Path) -> tuple[Path, Path]:
    """`src` laid out as an extract with other names (participations in deltaganden.parquet,
    its level in column Niva coded 1/2/3) and a mapping file that takes it back."""
    folder.mkdir()
    for f in src.glob("*.parquet"):
        t = pd.read_parquet(f)
        if f.stem == "participations":
            t = t.rename(columns={"level": "Niva"})
            t["Niva"] = t["Niva"].map({"A": "1", "B": "2", "C": "3"})
            t.to_parquet(folder / "deltaganden.parquet", index=False)
        else:
            shutil.copy(f, folder / f.name)
    mapping = folder.parent / "mapping.yml"
    mapping.write_text("tables:\n  participations:\n    file: deltaganden.parquet\n    columns: {level: Niva}\n"
                       "    codes: {level: {'1': A, '2': B, '3': C}}\n", encoding="utf-8")
    return folder, mapping


def test_run_with_a_mapping(run, run_data, tmp_path, monkeypatch, capsys):
    """`romlab run --mapping FILE` on an extract with other names gives the tables of the
    contract layout; the manifest records the mapping file, its sha256 and the loader's
    summary; a notebook gets the mapping relative to its run folder and, without the
    saved tables, computes the same period through it."""
    data, mapping = _mapped_copy(run_data, tmp_path / "extract")
    tiny = _tiny_notebook(tmp_path, "from romlab.run.period import tables\npt = tables(period, data_dir, overrides, '', mapping)\n"
                                    "print(pt.nyckeltal['r2_share']['ABC'])")
    monkeypatch.setattr(runner, "section_notebooks", lambda folder=None: [tiny])
    out = tmp_path / "runs"
    assert main(["run", "--period", PERIOD, "--data", str(data), "--mapping", str(mapping), "--out", str(out),
                 "--quiet"]) == 0, capsys.readouterr().err
    folder = out / PERIOD
    assert (folder / "tabeller.csv").read_bytes() == (run.folder / "tabeller.csv").read_bytes()
    m = json.loads((folder / "manifest.json").read_text())
    assert m["mapping"] == {"path": str(mapping), "sha256": hashlib.sha256(mapping.read_bytes()).hexdigest()}
    assert m["input_files"]["participations"]["path"] == str(data / "deltaganden.parquet")
    ds = romlab.load(data, as_of="2023-08-11", mapping=mapping)
    summary = getattr(ds, "mapping_summary", None)
    assert m["mapping_summary"] == (None if summary is None else json.loads(exports.to_json(summary.to_dict("records"))))
    node = nbformat.read(folder / tiny.name, as_version=4)
    assert (folder / node.metadata.papermill.parameters["mapping"]).resolve() == mapping.resolve()
    r2 = json.loads((folder / "nyckeltal.json").read_text())["r2_share"]["ABC"]
    assert node.cells[-1].outputs[0]["text"].strip() == str(r2)
    assert str(mapping) in (folder / "index.html").read_text()


def test_a_database_url_reaches_the_loader_unchanged_and_its_password_no_output(run_data, tmp_path, monkeypatch):
    """--data given as a SQLAlchemy URL is passed to `romlab.load` as given (not resolved
    as a path); every output names it without its password."""
    url = "postgresql://analytiker:hemligt-ord@db.example:5432/rom"
    seen = []
    import romlab.dataset.load as load_module
    real = load_module.load

    def spy(data, as_of=None, mapping=None, validate=True):
        seen.append(data)
        return real(run_data, as_of=as_of, mapping=mapping, validate=validate)

    monkeypatch.setattr(load_module, "load", spy)
    tiny = _tiny_notebook(tmp_path, "print(data_dir)")
    res = runner.run_period(PERIOD, url, tmp_path / "runs", notebooks=[tiny], html=False, figures=False)
    assert seen == [url]
    m = json.loads((res.folder / "manifest.json").read_text())
    assert m["data"] == "postgresql://analytiker:***@db.example:5432/rom"
    texts = {p.name: p.read_bytes() for p in res.folder.iterdir()}
    assert not [n for n, t in texts.items() if b"hemligt-ord" in t]
    assert "postgresql://analytiker:***@db.example:5432/rom" in texts["index.html"].decode()
    assert nbformat.read(res.folder / tiny.name, as_version=4).cells[-1].outputs[0]["text"].strip() == m["data"]


def test_hide_password():
    assert provenance.hide_password("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert provenance.hide_password("mssql+pyodbc://u:p@ss@h/db?driver=ODBC+Driver+18") == \
        "mssql+pyodbc://u:***@h/db?driver=ODBC+Driver+18"
    for url in ("sqlite:///x.db", "sqlite:////abs/x.db", "duckdb:///x.duckdb", "postgresql://u@h/db"):
        assert provenance.hide_password(url) == url
    assert provenance.is_url("sqlite:///x.db") and not provenance.is_url("data/sample")
    assert provenance.data_arg("sqlite:///x.db") == "sqlite:///x.db"
    assert provenance.label(paths.SAMPLE) == "data/sample" and provenance.label("/elsewhere/x") == "/elsewhere/x"


def test_manifest_records_the_mapping_summary_and_the_load_notes(tmp_path):
    summary = pd.DataFrame({"table": ["deviation_reports"], "column": ["provider_id"], "filled_by": ["lookup"],
                            "detail": ["participations by participation_id"], "rows": [np.int64(12)]})
    notes = pd.DataFrame({"table": ["participations"], "file": ["Deltaganden.csv"],
                          "note": ["surrounding whitespace stripped"], "rows": [3]})
    mapping = tmp_path / "m.yml"
    mapping.write_text("version: 2\n")
    ds = SimpleNamespace(files={}, as_of=None, mapping_summary=summary, load_notes=notes)
    m = manifest.manifest(romlab.RunConfig.for_period(PERIOD), ds, data=tmp_path, mapping=mapping,
                         git="not a git checkout")
    assert m["mapping_summary"] == summary.to_dict("records") and m["load_notes"] == notes.to_dict("records")
    assert m["mapping"]["sha256"] == hashlib.sha256(b"version: 2\n").hexdigest()
    assert m["git"] == "not a git checkout"
    json.loads(exports.to_json(m))
    bare = manifest.manifest(romlab.RunConfig.for_period(PERIOD), SimpleNamespace(files={}, as_of=None), data=tmp_path)
    assert bare["mapping"] is None and bare["mapping_summary"] is None and bare["load_notes"] is None


def test_synthetic_data_carry_their_seed_scale_and_generator_version(tmp_path):
    from romlab.dataset import synth

    out = tmp_path / "synth"
    written = synth.synth(out, scale=0.002, seed=7)
    info = json.loads((out / provenance.SYNTH_INFO).read_text())
    assert info["seed"] == 7 and info["scale"] == 0.002 and info["generator_version"] == provenance.generator_version()
    assert re.fullmatch(r"[0-9a-f]{16}", info["generator_version"])
    assert set(info["files"]) == {p.name for p in written.values()}
    files = {name: {"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for name, p in written.items()}
    ds = SimpleNamespace(files=dict(written), as_of=None)
    m = manifest.manifest(romlab.RunConfig.for_period(PERIOD), ds, data=out)
    assert m["synthetic"] == {"generator": "romlab.dataset.synth", "generator_version": info["generator_version"],
                              "romlab": romlab.__version__, "seed": 7, "scale": 0.002, "layout": "contract",
                              "files_unchanged": True}
    assert provenance.synth_info(out, files)["files_unchanged"] is True
    # a file changed since: the manifest says so
    t = pd.read_parquet(written["providers"])
    t.iloc[:1].to_parquet(written["providers"], index=False)
    assert manifest.manifest(romlab.RunConfig.for_period(PERIOD), ds, data=out)["synthetic"]["files_unchanged"] is False
    # tables written without their seed and scale are not claimed as the generator's
    synth.write({"providers": t}, out)
    assert not (out / provenance.SYNTH_INFO).exists()


def test_git_info(tmp_path):
    assert provenance.git_info(tmp_path) == "not a git checkout"
    if not (paths.ROOT / ".git").exists():
        pytest.skip("romlab does not run from a git checkout here")
    def head() -> str:
        return subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()

    before = head()
    info = provenance.git_info()
    assert info["commit"] in {before, head()} and isinstance(info["dirty"], bool)


def test_run_reviews_with_a_mapping_and_a_url(run_data, tmp_path, monkeypatch, capsys):
    """`romlab review --mapping FILE` reads the extract through the mapping, in the
    runner and in the notebook (relative paths from its folder); a URL reaches the
    loader unchanged."""
    from romlab import review

    data, mapping = _mapped_copy(run_data, tmp_path / "extract")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell('publication_month = ""\nsecond_month = ""\ndata_dir = ""\noverrides = {}\n'
                                       'mapping = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import romlab\nds = romlab.load(data_dir, mapping=mapping or None)\nprint(sorted(ds.participations['level'].unique()))")]
    tiny = tmp_path / "review_tiny.ipynb"
    nbformat.write(nb, tiny)
    (run,) = review.run_reviews(data, tmp_path / "out", [("2025-01", "2025-03")], notebook=tiny, mapping=mapping)
    node = nbformat.read(run.notebook, as_version=4)
    assert node.cells[-1].outputs[0]["text"].strip() == "['A', 'B', 'C']"
    injected = next(c for c in node.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert injected.id == execute.INJECTED_ID
    assert 'data_dir = "../../extract"' in injected.source and 'mapping = "../../mapping.yml"' in injected.source
    assert sorted(p.name for p in run.exports) == [  # both follow-up files and both funnel plots
        "resultatuppfoljning_2025-01.csv", "resultatuppfoljning_2025-01.xlsx", "resultatuppfoljning_2025-03.csv",
        "resultatuppfoljning_2025-03.xlsx", "trattdiagram_2025-01.png", "trattdiagram_2025-01.svg",
        "trattdiagram_2025-03.png", "trattdiagram_2025-03.svg"]

    calls = []
    monkeypatch.setattr(review, "run_reviews", lambda *a, **k: calls.append((a, k)) or [])
    assert main(["review", "--data", "sqlite:///agency.db", "--mapping", "m.yml", "--review", "2025-01,2025-03"]) == 0
    (args, kwargs), = calls
    assert args[0] == "sqlite:///agency.db" and kwargs["mapping"] == "m.yml"


def test_figures_are_drawn_once_by_their_notebook_and_equal_the_runs_own_drawing(run, run_data, tmp_path):
    """The notebook that shows Figur 1 and 2 writes their files (parameter
    ``figures_dir``, injected into that notebook only); drawn by the run itself from the
    same protected tables (no notebook of the run shows them) they are the same bytes."""
    assert write.figure_notebooks() == {"figur_1": "20_resultat_5_1", "figur_2": "20_resultat_5_1",
                                        "rom2_figur_1": "31_rom2_resultat"}
    cfg = romlab.RunConfig.for_period(PERIOD)
    prepared = period.protect(period.compute(cfg, run_data))
    shown_in = {k: v for k, v in write.figure_notebooks().items() if k in prepared.tables}  # the period's figures
    assert set(shown_in) == {"figur_1", "figur_2"}
    for nb in run.notebooks:
        injected = next(c.source for c in nbformat.read(nb, as_version=4).cells
                        if "injected-parameters" in c.metadata.get("tags", []))
        assert ('figures_dir = "."' in injected) == (nb.stem in shown_in.values()), nb.name
    write.write_outputs(tmp_path, prepared, run_data, html=False, figures=True)
    for name in shown_in:
        for ext in ("png", "svg"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == (run.folder / f"{name}.{ext}").read_bytes(), name


def test_a_run_whose_notebooks_show_no_figure_draws_them_itself(run_data, tmp_path):
    tiny = _tiny_notebook(tmp_path, "x = 1")
    res = runner.run_period(PERIOD, run_data, tmp_path / "runs", notebooks=[tiny], html=False)
    assert {"figur_1.png", "figur_1.svg", "figur_2.png", "figur_2.svg"} <= {p.name for p in res.outputs}
    assert all(p.is_file() for p in res.outputs)


def test_a_figure_written_for_a_run_is_the_png_the_notebook_shows(tmp_path):
    """`results_figures.save` writes the bytes the notebook displays (one drawing), with
    no software or date; nothing when no folder is given (a notebook opened by hand)."""
    from romlab.report import results_figures

    cfg = romlab.RunConfig.for_period(PERIOD)
    data = period.compute(cfg, paths.SAMPLE).tables["figur_1"]
    assert results_figures.save(results_figures.figur_1(data), "figur_1", "") == []
    fig = results_figures.figur_1(data, save_to=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figur_1.png", "figur_1.svg"]
    assert (tmp_path / "figur_1.png").read_bytes() == fig._repr_png_()
    svg = (tmp_path / "figur_1.svg").read_text()
    assert "<dc:date>" not in svg and "<dc:creator>" not in svg
