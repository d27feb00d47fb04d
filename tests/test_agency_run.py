"""The round trip that proves the mapping: the report's tables from the agency layout.

The committed sample is written as the agency's warehouse would deliver it
(`romlab.dataset.agency_layout`: Excel CSV, Stata with value labels, SQLite) and read through
`data/mapping_agency.yml`; the period's protected tables must give a `tabeller.csv`
identical, byte for byte, to the one from the contract layout, and a `romlab run` of the
agency CSV must write the same `tabeller.csv` as a run of the contract layout.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from romlab.dataset import agency_layout
from romlab.publication import exports
from romlab import paths
from romlab.run import period
from romlab.run.config import RunConfig
from romlab.dataset.contract import TABLES

MAPPING = paths.DATA / "mapping_agency.yml"


@pytest.fixture(scope="module")
def agency(tmp_path_factory) -> dict[str, str]:
    """{format: data argument} of the sample in the agency layout."""
    tables = {n: pd.read_parquet(paths.SAMPLE / f"{n}.parquet") for n in TABLES}
    base = tmp_path_factory.mktemp("agency")
    where = {}
    for fmt in ("csv", "dta", "sqlite"):
        agency_layout.write_agency(tables, base / fmt, fmt)
        where[fmt] = f"sqlite:///{base / fmt / 'agency.db'}" if fmt == "sqlite" else str(base / fmt)
    return where


def _tabeller_csv(data, mapping=None, period_name: str = "2023-10") -> str:
    cfg = RunConfig.for_period(period_name)
    p = period.protect(period.compute(cfg, data, mapping=mapping))
    return exports.long_tables(p.tables).to_csv(index=False)


@pytest.fixture(scope="module")
def contract_csv() -> str:
    return _tabeller_csv(paths.SAMPLE)


@pytest.mark.parametrize("fmt", ["csv", "dta", "sqlite"])
def test_agency_layout_gives_the_same_tables(agency, contract_csv, fmt):
    got = _tabeller_csv(agency[fmt], MAPPING)
    assert len(got.splitlines()) > 1000
    assert got == contract_csv


def test_agency_layout_same_tables_for_the_earlier_period(agency):
    assert _tabeller_csv(agency["csv"], MAPPING, "2023-04") == _tabeller_csv(paths.SAMPLE, None, "2023-04")


def test_a_run_of_the_agency_csv_writes_the_contract_runs_tabeller(agency, tmp_path, contract_csv):
    """`romlab run --mapping` end to end (one notebook is enough to check the plumbing:
    tabeller.csv is written from the period's tables, which the notebooks only show)."""
    out = tmp_path / "runs"
    cmd = [sys.executable, "-m", "romlab", "run", "--period", "2023-10", "--data", agency["csv"],
           "--mapping", str(MAPPING), "--out", str(out), "--quiet", "--jobs", "1"]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (out / "2023-10" / "tabeller.csv").read_text() == contract_csv
    import json

    man = json.loads((out / "2023-10" / "manifest.json").read_text())
    text = json.dumps(man)
    assert "mapping_agency.yml" in text and "sha256" in text
