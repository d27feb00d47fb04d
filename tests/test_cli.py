"""The command line: bad data end in one line and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from romlab import paths
from romlab.run.cli import main
from romlab.dataset.contract import data_readme


def test_data_readme_is_generated_from_the_schema():
    assert (paths.DATA / "README.md").read_text() == data_readme(), "run: romlab contract > data/README.md"


def test_validate_prints_summary_for_good_data(capsys):
    assert main(["validate", str(paths.SAMPLE), "--as-of", "2023-08-11"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "rows_hidden_as_of" in out


def test_data_error_is_one_line_and_exit_2(tmp_path):
    for f in paths.SAMPLE.iterdir():
        df = pd.read_parquet(f)
        if f.stem == "participations":
            df.loc[df.index[:3], "level"] = "D"
        df.to_parquet(tmp_path / f.name, index=False)
    proc = subprocess.run([sys.executable, "-m", "romlab", "validate", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("DataError: ") and "participations.parquet" in lines[0]
    assert "'level'" in lines[0] and "allowed_codes" in lines[0] and "3 row" in lines[0]


def test_missing_folder_is_a_data_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith("DataError: ")


def test_unknown_run_parameter_is_one_line(capsys):
    assert main(["run", "--period", "2023-10", "--set", "no_such_key=1", "--data", str(paths.SAMPLE)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ConfigError: ") and "no_such_key" in err


def test_synth_command_writes_every_table(tmp_path, capsys):
    assert main(["synth", "--scale", "0.002", "--out", str(tmp_path)]) == 0
    assert {p.stem for p in tmp_path.iterdir()} >= {"participations", "periodic_reports", "provider_ratings"}


def test_run_and_review_take_a_mapping_and_pass_a_url_unchanged(monkeypatch, tmp_path):
    from romlab.run import runner

    calls = []

    def fake_batch(periods, data, out, overrides, **kwargs):
        calls.append((data, kwargs["mapping"], kwargs["started"]))
        return [], {}

    monkeypatch.setattr(runner, "run_batch", fake_batch)
    assert main(["run", "--period", "2023-10", "--data", "sqlite:///agency.db", "--mapping", "m.yml", "--out",
                 str(tmp_path), "--quiet"]) == 0
    (data, mapping, started), = calls
    assert data == "sqlite:///agency.db" and mapping == "m.yml"
    assert pd.Timestamp(started).tzname() == "UTC"


def test_make_report_passes_data_and_mapping():
    proc = subprocess.run(["make", "-n", "report", "DATA=sqlite:///x.db",
                           "MAPPING=data/mapping_agency.yml"], cwd=paths.ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if "romlab run" in ln][-1]
    assert "--data 'sqlite:///x.db'" in line and "--mapping 'data/mapping_agency.yml'" in line
    plain = subprocess.run(["make", "-n", "report", "DATA=data/sample"], cwd=paths.ROOT, capture_output=True,
                           text=True).stdout
    assert "--mapping" not in [ln for ln in plain.splitlines() if "romlab run" in ln][-1]
