"""The register of report tables: one entry makes a table everywhere.

A made-up table (one `TableDef` and its function, registered in the test) must appear in
the period's tables, the workbook, `tabeller.csv`, the index page and the comparison with
the published values, with no other file edited; and every registered table is the same
object a notebook shows (`pt[key]`).
"""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from romlab import paths
from romlab.report import registry
from romlab.report.registry import REGISTRY, TableDef, table_defs
from romlab.run import period
from romlab.run.config import RunConfig

CFG = RunConfig.for_period("2023-10")


def _made_up(inputs) -> pd.DataFrame:
    """Persons per level in the support sample: a small table in long form."""
    per = inputs.months.groupby("level")["participation_id"].nunique()
    return pd.DataFrame({"table": "99", "measure": "persons", "level": per.index, "value": per.to_numpy(dtype=float),
                         "n": per.to_numpy()})


MADE_UP = TableDef("99", "Tabell 99", "Påhittad tabell: personer per nivå", "4.9", compute=_made_up,
                   columns=("level",), tolerance=1.0,
                   describe=lambda v: f"{int(v.long['value'].sum())} personer.")


@pytest.fixture
def with_made_up(monkeypatch, tmp_path):
    table_defs()  # the register filled before it is extended
    monkeypatch.setitem(REGISTRY, "99", MADE_UP)
    published = tmp_path / "published"
    shutil.copytree(paths.PUBLISHED, published)
    pd.DataFrame({"table": "99", "measure": "persons", "level": ["A", "B", "C"], "value": [10.0, 20.0, 30.0]}) \
        .to_csv(published / "tabell_99.csv", index=False)
    monkeypatch.setattr(paths, "PUBLISHED", published)
    yield


def test_a_made_up_table_appears_in_every_output(with_made_up, tmp_path):
    from romlab.run import write

    p = period.protect(period.compute(CFG, paths.SAMPLE))
    assert "99" in p.tables and p["99"].describe().endswith("personer.")
    folder = tmp_path / "run"
    folder.mkdir()
    write.write_outputs(folder, p, paths.SAMPLE, html=True, figures=False)
    # the workbook: a sheet with the table's heading
    book = openpyxl.load_workbook(folder / "tabeller.xlsx")
    assert "Tabell 99" in book.sheetnames
    assert book["Tabell 99"]["A1"].value == "Tabell 99: Påhittad tabell: personer per nivå"
    # tabeller.csv: its rows
    csv = pd.read_csv(folder / "tabeller.csv", dtype={"table": str})
    assert sorted(csv.loc[csv["table"] == "99", "level"]) == ["A", "B", "C"]
    # the index: listed (no notebook shows it)
    assert "Tabell 99: Påhittad tabell: personer per nivå" in (folder / "index.html").read_text(encoding="utf-8")
    # the comparison: one row per published number, with the declared tolerance
    cmp = pd.read_csv(folder / "jamforelse.csv", dtype={"table": str})
    rows = cmp[cmp["table"] == "99"]
    assert len(rows) == 3 and (rows["tolerance"] == 1.0).all()


@pytest.fixture(scope="module")
def computed() -> dict:
    """The sample's 2023-10 (RoM 1's parts) and 2025-04 (RoM 1's results, both RoM 2 parts)."""
    return {c.period: period.protect(period.compute(c, paths.SAMPLE))
            for c in (CFG, RunConfig.for_period("2025-04"))}


def test_each_period_computes_the_tables_of_its_parts_and_together_they_cover_the_register(computed):
    covered = set()
    for p in computed.values():
        assert list(p.tables) == [d.key for d in table_defs(kind=None) if d.applies(p.cfg)]  # the register's order
        covered |= set(p.tables)
    assert covered == {d.key for d in table_defs(kind=None)}
    assert not any(k.startswith("rom2") for k in computed["2023-10"].tables)
    assert "5" not in computed["2025-04"].tables and "14" in computed["2025-04"].tables  # no RoM 1 support


@pytest.mark.parametrize("at", ["2023-10", "2025-04"])
def test_every_registered_table_is_computed_once_and_shown_as_one_object(computed, at):
    p = computed[at]
    keys = list(p.tables)
    for key in keys:
        shown = p[key]
        assert shown.long is p.tables[key]
        html = shown._repr_html_()
        assert shown.defn.heading in html.replace("&amp;", "&")
        assert not shown.render().empty


def test_the_register_declares_each_key_once_and_tolerances_only_for_published_tables():
    defs = table_defs(kind=None)
    assert len({d.key for d in defs}) == len(defs)
    published = {f.stem.removeprefix("tabell_").lstrip("0") or "0" for f in paths.PUBLISHED.glob("*.csv")}
    published = {"urval" if k == "urval" else k for k in published} - {"README"}
    with_tolerance = {d.key for d in defs if d.tolerance is not None}
    assert with_tolerance == published
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(defs[0])
