"""romlab.dataset.formats: Stata, SAS, SPSS, Excel and SQL databases read back exactly, value
labels, the known-before filter in the database, and one DataError per way a source fails.

Every file is written here from a small hand-made frame (pyreadstat, pandas/openpyxl,
sqlite3, DuckDB); the expected values are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3
import subprocess
import sys

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from romlab.dataset import formats
from romlab.dataset.errors import DataError

T = pd.Timestamp


def values(df: pd.DataFrame) -> dict[str, list]:
    """{column: values}, every missing value as None (NaN, NaT, pd.NA alike)."""
    return {c: [None if pd.isna(v) else v for v in df[c].tolist()] for c in df.columns}


def assert_error(exc_info, rule: str, column: str = "", n_rows: int = 0) -> DataError:
    err = exc_info.value
    assert isinstance(err, DataError)
    assert (err.rule, err.column, err.n_rows) == (rule, column, n_rows), str(err)
    return err


# --------------------------------------------------------------------------- Stata

LEVELS = {1: "Nivå A", 2: "Nivå B", 3: "Nivå C"}


def _stata_file(path):
    """Five participations: a labelled level (4 has no label, one is missing), a %td start
    date (one missing), a %tc timestamp, a %tm month, text with Stata's missing string."""
    df = pd.DataFrame({
        "DeltagandeID": np.array([101, 102, 103, 104, 105], dtype="int32"),  # a Stata long
        "Niva": [1.0, 3.0, np.nan, 4.0, 2.0],
        "Startdatum": [dt.date(2021, 1, 5), dt.date(2023, 12, 31), None, dt.date(2020, 3, 31), dt.date(2022, 2, 28)],
        "Registrerad": [T("2021-01-04 08:30"), T("2023-12-30 23:59:59"), pd.NaT, T("2020-03-30"), T("2022-02-27 12:00")],
        "Manad": [756.0, 0.0, np.nan, 767.0, 746.0],  # %tm: months since 1960m1
        "Kommun": ["Malmö", "", "Umeå", "Kiruna", ""],
    })
    pyreadstat.write_dta(df, path, variable_value_labels={"Niva": LEVELS},
                         variable_format={"Manad": "%tm"})
    return path


def test_stata_values_and_dates_as_stored(tmp_path):
    got = formats.read_stat_file(_stata_file(tmp_path / "delt.dta"))
    assert isinstance(got, formats.ReadTable)
    assert got.label == str(tmp_path / "delt.dta")
    assert got.rows_unread == 0
    df = got.frame
    assert isinstance(df.index, pd.RangeIndex) and list(df.index) == [0, 1, 2, 3, 4]
    assert list(df.columns) == ["DeltagandeID", "Niva", "Startdatum", "Registrerad", "Manad", "Kommun"]
    assert values(df) == {
        "DeltagandeID": [101, 102, 103, 104, 105],
        "Niva": [1.0, 3.0, None, 4.0, 2.0],  # value_labels=False: the stored codes
        "Startdatum": [T("2021-01-05"), T("2023-12-31"), None, T("2020-03-31"), T("2022-02-28")],
        "Registrerad": [T("2021-01-04 08:30"), T("2023-12-30 23:59:59"), None, T("2020-03-30"),
                        T("2022-02-27 12:00")],
        "Manad": [T("2023-01-01"), T("1960-01-01"), None, T("2023-12-01"), T("2022-03-01")],
        "Kommun": ["Malmö", None, "Umeå", "Kiruna", None],  # "" is Stata's missing string
    }
    for col in ["Startdatum", "Registrerad", "Manad"]:
        assert df[col].dtype == "datetime64[ns]", col
    assert df["DeltagandeID"].dtype == "int64"
    assert df["Niva"].dtype == "float64"
    # the labels are reported even when not applied
    assert got.value_labels == {"Niva": LEVELS}


def test_stata_value_labels_applied(tmp_path):
    got = formats.read_stat_file(_stata_file(tmp_path / "delt.dta"), value_labels=True)
    df = got.frame
    assert df["Niva"].dtype == object
    # a value without a label (4) stays the stored value; missing stays missing
    assert values(df)["Niva"] == ["Nivå A", "Nivå C", None, 4.0, "Nivå B"]
    assert got.value_labels == {"Niva": LEVELS}
    # unlabelled columns untouched
    assert values(df)["DeltagandeID"] == [101, 102, 103, 104, 105]
    assert df["Startdatum"].dtype == "datetime64[ns]"


def test_stata_without_labels_reports_none(tmp_path):
    pyreadstat.write_dta(pd.DataFrame({"a": [1, 2]}), tmp_path / "x.dta")
    got = formats.read_stat_file(tmp_path / "x.dta", value_labels=True)
    assert got.value_labels == {}
    assert values(got.frame) == {"a": [1, 2]}


def test_stata_date_beyond_what_a_date_column_holds_is_an_error(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 3],
                       "Slutdatum": [dt.date(2023, 5, 1), dt.date(9999, 12, 31), None]})
    pyreadstat.write_dta(df, tmp_path / "slut.dta")
    with pytest.raises(DataError) as e:
        formats.read_stat_file(tmp_path / "slut.dta")
    err = assert_error(e, "stata_readable", "Slutdatum", 1)
    assert list(err.examples.index) == [2]  # the second data row (first data row = 1)
    assert "9999-12-31" in err.detail


def test_unreadable_stat_files(tmp_path):
    for name, rule in [("a.dta", "stata_readable"), ("a.sav", "spss_readable"), ("a.zsav", "spss_readable"),
                       ("a.sas7bdat", "sas_readable"), ("a.xpt", "sas_readable")]:
        (tmp_path / name).write_bytes(b"this is not a data file\n" * 20)
        with pytest.raises(DataError) as e:
            formats.read_stat_file(tmp_path / name)
        err = assert_error(e, rule)
        assert err.file == str(tmp_path / name)
        assert err.detail  # the reader's own message
    with pytest.raises(DataError) as e:
        formats.read_stat_file(tmp_path / "missing.dta")
    assert_error(e, "file_exists")


# --------------------------------------------------------------------------- SPSS

def _spss_frame():
    return pd.DataFrame({
        "id": [1.0, 2.0, 3.0, 4.0],
        "utb": [1.0, 2.0, 9.0, np.nan],
        "kon": ["K", "M", "", "K"],
        "start": [dt.date(2022, 1, 3), None, dt.date(2022, 6, 30), dt.date(2021, 12, 1)],
    })


SPSS_LABELS = {"utb": {1.0: "Förgymnasial", 2.0: "Gymnasial"}, "kon": {"K": "Kvinna", "M": "Man"}}


@pytest.mark.parametrize("suffix", [".sav", ".zsav"])
def test_spss_values_labels_and_dates(tmp_path, suffix):
    path = tmp_path / f"delt{suffix}"
    pyreadstat.write_sav(_spss_frame(), path, compress=(suffix == ".zsav"), variable_value_labels=SPSS_LABELS)
    got = formats.read_stat_file(path)
    assert values(got.frame) == {
        "id": [1.0, 2.0, 3.0, 4.0],
        "utb": [1.0, 2.0, 9.0, None],
        "kon": ["K", "M", None, "K"],
        "start": [T("2022-01-03"), None, T("2022-06-30"), T("2021-12-01")],
    }
    assert got.frame["start"].dtype == "datetime64[ns]"
    assert got.value_labels == SPSS_LABELS

    labelled = formats.read_stat_file(path, value_labels=True)
    assert values(labelled.frame)["utb"] == ["Förgymnasial", "Gymnasial", 9.0, None]
    assert values(labelled.frame)["kon"] == ["Kvinna", "Man", None, "Kvinna"]
    assert labelled.frame["utb"].dtype == object and labelled.frame["kon"].dtype == object
    assert values(labelled.frame)["id"] == [1.0, 2.0, 3.0, 4.0]


# --------------------------------------------------------------------------- SAS

def test_sas_transport_file(tmp_path):
    df = pd.DataFrame({"ID": [1.0, 2.0, 3.0], "START": [dt.date(2023, 1, 2), None, dt.date(2020, 2, 29)],
                       "LEV": ["A", "", "C"]})
    pyreadstat.write_xport(df, tmp_path / "delt.xpt", table_name="DELT")
    got = formats.read_stat_file(tmp_path / "delt.xpt")
    assert values(got.frame) == {"ID": [1.0, 2.0, 3.0], "START": [T("2023-01-02"), None, T("2020-02-29")],
                                 "LEV": ["A", None, "C"]}
    assert got.frame["START"].dtype == "datetime64[ns]"
    assert got.value_labels == {}


def _fake_sas(monkeypatch, variable_to_label):
    """pyreadstat cannot write .sas7bdat: stand in for its reader (the C parser is
    pyreadstat's; what romlab does with its output is tested)."""
    from pyreadstat.pyclasses import metadata_container

    def read_sas7bdat(path, **kwargs):
        assert kwargs["dates_as_pandas_datetime"] is True
        meta = metadata_container()
        meta.variable_to_label = variable_to_label
        meta.variable_value_labels = {}
        meta.value_labels = {}
        meta.original_variable_types = {"id": "BEST", "niva": "NIVA", "start": "DATE"}
        frame = pd.DataFrame({"id": [1.0, 2.0], "niva": [1.0, 7.0],
                              "start": pd.Series([T("2023-03-01"), pd.NaT], dtype="datetime64[us]")})
        return frame, meta

    def read_sas7bcat(path, **kwargs):
        meta = metadata_container()
        meta.value_labels = {"NIVA": {1.0: "Nivå A", 2.0: "Nivå B"}}
        return {}, meta

    monkeypatch.setattr(pyreadstat, "read_sas7bdat", read_sas7bdat)
    monkeypatch.setattr(pyreadstat, "read_sas7bcat", read_sas7bcat)


def test_sas_dates_and_catalog_labels(tmp_path, monkeypatch):
    _fake_sas(monkeypatch, {"niva": "NIVA"})
    path = tmp_path / "delt.sas7bdat"
    path.write_bytes(b"stand-in")
    got = formats.read_stat_file(path)
    assert got.frame["start"].dtype == "datetime64[ns]"
    assert got.value_labels == {}  # no catalog next to the file
    with pytest.raises(DataError) as e:
        formats.read_stat_file(path, value_labels=True)
    err = assert_error(e, "sas_readable")
    assert "delt.sas7bcat" in err.detail

    (tmp_path / "delt.sas7bcat").write_bytes(b"stand-in")
    got = formats.read_stat_file(path, value_labels=True)
    assert got.value_labels == {"niva": {1.0: "Nivå A", 2.0: "Nivå B"}}
    assert values(got.frame) == {"id": [1.0, 2.0], "niva": ["Nivå A", 7.0], "start": [T("2023-03-01"), None]}


# --------------------------------------------------------------------------- Excel

def _workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Blad1"
    ws.append(["DeltagandeID", "Kod", "Startdatum", "Timmar", "Anm"])
    ws.append([1, "007", dt.datetime(2023, 1, 2), 2.5, "NA"])
    ws.append([2, "010", None, 3, None])
    ws.append([3, "x", dt.datetime(2022, 12, 31, 15, 30), None, "ok"])
    other = wb.create_sheet("Leverantörer")
    other.append(["provider_id", "namn"])
    other.append(["P1", "Alfa AB"])
    wb.save(path)
    return path


def test_excel_values_as_stored(tmp_path):
    got = formats.read_excel(_workbook(tmp_path / "extrakt.xlsx"))
    assert got.label == str(tmp_path / "extrakt.xlsx")
    assert got.value_labels == {} and got.rows_unread == 0
    df = got.frame
    assert isinstance(df.index, pd.RangeIndex) and len(df) == 3
    assert values(df) == {
        "DeltagandeID": [1, 2, 3],
        "Kod": ["007", "010", "x"],  # text stays text (leading zeros kept)
        "Startdatum": [T("2023-01-02"), None, T("2022-12-31 15:30")],
        "Timmar": [2.5, 3.0, None],
        "Anm": ["NA", None, "ok"],  # "NA" is a text, not a missing value
    }
    assert df["Startdatum"].dtype == "datetime64[ns]"
    assert df["DeltagandeID"].dtype == "int64"


def test_excel_sheets_by_name_and_position(tmp_path):
    path = _workbook(tmp_path / "extrakt.xlsx")
    for sheet in ["Leverantörer", "leverantörer", 1]:
        assert values(formats.read_excel(path, sheet).frame) == {"provider_id": ["P1"], "namn": ["Alfa AB"]}
    assert list(formats.read_excel(path, 0).frame.columns)[0] == "DeltagandeID"
    with pytest.raises(DataError) as e:
        formats.read_excel(path, "Blad2")
    err = assert_error(e, "excel_readable")
    assert "Blad1" in err.detail and "Leverantörer" in err.detail
    with pytest.raises(DataError) as e:
        formats.read_excel(path, 5)
    assert_error(e, "excel_readable")


def test_excel_headers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "id", "x"])
    ws.append([1, 2, 3])
    wb.save(tmp_path / "dup.xlsx")
    with pytest.raises(DataError) as e:
        formats.read_excel(tmp_path / "dup.xlsx")
    assert_error(e, "unique_column_names", "id")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", None, "x"])
    ws.append([1, None, 3])
    ws.append([2, "oops", 4])
    wb.save(tmp_path / "blank.xlsx")
    with pytest.raises(DataError) as e:
        formats.read_excel(tmp_path / "blank.xlsx")
    err = assert_error(e, "excel_readable", "", 1)
    assert "column B" in err.detail
    assert list(err.examples.index) == [2]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", None, "x"])  # a blank column without values: formatting, dropped
    ws.append([1, None, 3])
    wb.save(tmp_path / "empty_col.xlsx")
    assert values(formats.read_excel(tmp_path / "empty_col.xlsx").frame) == {"id": [1], "x": [3]}


def test_unreadable_excel(tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(DataError) as e:
        formats.read_excel(tmp_path / "bad.xlsx")
    assert_error(e, "excel_readable")
    with pytest.raises(DataError) as e:
        formats.read_excel(tmp_path / "missing.xlsx")
    assert_error(e, "file_exists")


# --------------------------------------------------------------------------- SQL databases

def test_is_database_url():
    for url in ["sqlite:///x.db", "sqlite:////abs/x.db", "duckdb:///x.duckdb",
                "mssql+pyodbc://user:pw@server/db?driver=ODBC+Driver+18+for+SQL+Server",
                "postgresql://host/db"]:
        assert formats.is_database_url(url), url
    for text in ["data/extract", "x.duckdb", "C:\\data\\x.db", "https://example.org/x.csv",
                 "file:///data/x.csv", "nodialect://host/db", ""]:
        assert not formats.is_database_url(text), text
    assert formats.safe_url("mssql+pyodbc://anna:hemligt@server/db") == "mssql+pyodbc://anna:***@server/db"


ROWS = [  # (id, submitted, note): ISO text as SQLite stores dates
    (1, "2023-08-10", "a"),
    (2, "2023-08-11 23:59:59", "b"),
    (3, None, "c"),
    (4, "2023-08-12", "d"),           # the limit itself: not before it
    (5, "2023-08-12 00:00:00", "e"),  # the same instant as text with a time
    (6, "2024-01-01", "f"),
    (7, "2022-12-31T10:00", "g"),
]


def _sqlite(path, rows=ROWS, table="rapporter"):
    con = sqlite3.connect(path)
    con.execute(f'CREATE TABLE "{table}" (id INTEGER, "Inlämnad datum" DATE, note TEXT)')
    con.executemany(f'INSERT INTO "{table}" VALUES (?, ?, ?)', rows)
    con.execute(f'CREATE VIEW utvalda AS SELECT id FROM "{table}" WHERE id < 3')
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def test_sqlite_text_dates_known_before(tmp_path):
    url = _sqlite(tmp_path / "extrakt.db")
    assert formats.database_tables(url) == ["rapporter", "utvalda"]
    full = formats.read_sql_table(url, "rapporter")
    assert full.rows_unread == 0
    assert values(full.frame) == {"id": [1, 2, 3, 4, 5, 6, 7],
                                  "Inlämnad datum": [r[1] for r in ROWS],
                                  "note": list("abcdefg")}
    assert full.label == f"{url}:rapporter"

    got = formats.read_sql_table(url, "RAPPORTER", ("Inlämnad datum", T("2023-08-12")))
    assert values(got.frame) == {"id": [1, 2, 3, 7],
                                 "Inlämnad datum": ["2023-08-10", "2023-08-11 23:59:59", None, "2022-12-31T10:00"],
                                 "note": ["a", "b", "c", "g"]}
    assert list(got.frame.index) == [0, 1, 2, 3]  # positions in what was read
    assert got.rows_unread == 3
    assert got.label == f"{url}:rapporter"  # the name as the database spells it

    # a limit with a time of day
    got = formats.read_sql_table(url, "rapporter", ("Inlämnad datum", T("2023-08-11 12:00")))
    assert values(got.frame)["id"] == [1, 3, 7] and got.rows_unread == 4
    # a view reads like a table
    assert values(formats.read_sql_table(url, "utvalda").frame) == {"id": [1, 2]}


def test_sqlite_non_iso_text_dates_are_not_filtered(tmp_path):
    url = _sqlite(tmp_path / "x.db", rows=[(1, "10/08/2023", "a"), (2, "2023-09-01", "b"), (3, None, "c")])
    got = formats.read_sql_table(url, "rapporter", ("Inlämnad datum", T("2023-08-12")))
    assert values(got.frame)["id"] == [1, 2, 3] and got.rows_unread == 0
    # a column that is not there: no filter either (the loader reports the column)
    got = formats.read_sql_table(url, "rapporter", ("saknas", T("2023-08-12")))
    assert values(got.frame)["id"] == [1, 2, 3] and got.rows_unread == 0


def test_sqlite_written_by_pandas(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 3],
                       "recorded_date": [T("2023-01-31"), pd.NaT, T("2023-02-01")],
                       "hours": [1.25, None, 3.0]})
    with sqlite3.connect(tmp_path / "p.db") as con:
        df.to_sql("deltaganden", con, index=False)
    got = formats.read_sql_table(f"sqlite:///{tmp_path / 'p.db'}", "deltaganden",
                                 ("recorded_date", T("2023-02-01")))
    assert values(got.frame) == {"id": [1, 2], "recorded_date": ["2023-01-31 00:00:00", None],
                                 "hours": [1.25, None]}
    assert got.rows_unread == 1


def _duckdb(path):
    con = duckdb.connect(str(path))
    con.execute('CREATE TABLE "Rapporter" (id INTEGER, "submitted date" DATE, ts TIMESTAMP, note VARCHAR)')
    con.execute("""INSERT INTO "Rapporter" VALUES
        (1, DATE '2023-08-11', TIMESTAMP '2023-08-11 23:00:00', 'a'),
        (2, DATE '2023-08-12', TIMESTAMP '2023-08-12 00:00:00', 'b'),
        (3, NULL, NULL, 'c'),
        (4, DATE '2020-01-01', TIMESTAMP '2023-08-12 00:00:01', 'd'),
        (5, DATE '2025-06-30', TIMESTAMP '2019-05-05 05:05:05', NULL)""")
    con.execute('CREATE TABLE "x""; DROP TABLE Rapporter; --" (v INTEGER)')  # a hostile name, quoted
    con.execute('INSERT INTO "x""; DROP TABLE Rapporter; --" VALUES (42)')
    con.close()
    return f"duckdb:///{path}"


def test_duckdb_date_and_timestamp_known_before(tmp_path):
    url = _duckdb(tmp_path / "extrakt.duckdb")
    assert formats.database_tables(url) == ['Rapporter', 'x"; DROP TABLE Rapporter; --']
    full = formats.read_sql_table(url, "rapporter")
    assert full.label == f"{url}:Rapporter"
    assert values(full.frame) == {
        "id": [1, 2, 3, 4, 5],
        "submitted date": [T("2023-08-11"), T("2023-08-12"), None, T("2020-01-01"), T("2025-06-30")],
        "ts": [T("2023-08-11 23:00"), T("2023-08-12"), None, T("2023-08-12 00:00:01"), T("2019-05-05 05:05:05")],
        "note": ["a", "b", "c", "d", None],
    }
    assert full.frame["submitted date"].dtype == "datetime64[ns]"
    assert full.frame["ts"].dtype == "datetime64[ns]"

    got = formats.read_sql_table(url, "Rapporter", ("submitted date", T("2023-08-12")))
    assert values(got.frame)["id"] == [1, 3, 4] and got.rows_unread == 2
    # a DATE against a limit with a time of day: the date (midnight) is before it
    got = formats.read_sql_table(url, "Rapporter", ("submitted date", T("2023-08-12 06:00")))
    assert values(got.frame)["id"] == [1, 2, 3, 4] and got.rows_unread == 1
    got = formats.read_sql_table(url, "Rapporter", ("ts", T("2023-08-12")))
    assert values(got.frame)["id"] == [1, 3, 5] and got.rows_unread == 2
    # text that is not a date: every row read
    got = formats.read_sql_table(url, "Rapporter", ("note", T("2023-08-12")))
    assert got.rows_unread == 0 and len(got.frame) == 5

    hostile = formats.read_sql_table(url, 'x"; DROP TABLE Rapporter; --')
    assert values(hostile.frame) == {"v": [42]}
    assert "Rapporter" in formats.database_tables(url)


def test_missing_table_and_missing_database(tmp_path):
    url = _sqlite(tmp_path / "extrakt.db")
    with pytest.raises(DataError) as e:
        formats.read_sql_table(url, "deltaganden")
    err = assert_error(e, "file_exists")
    assert err.file == f"{url}:deltaganden"
    assert "rapporter" in err.detail and "utvalda" in err.detail

    for missing in [f"sqlite:///{tmp_path / 'nope.db'}", f"duckdb:///{tmp_path / 'nope.duckdb'}"]:
        with pytest.raises(DataError) as e:
            formats.read_sql_table(missing, "t")
        assert_error(e, "file_exists")
        with pytest.raises(DataError):
            formats.database_tables(missing)
    assert not (tmp_path / "nope.db").exists() and not (tmp_path / "nope.duckdb").exists()

    (tmp_path / "garbage.db").write_bytes(b"not a database" * 100)
    with pytest.raises(DataError) as e:
        formats.read_sql_table(f"sqlite:///{tmp_path / 'garbage.db'}", "t")
    assert_error(e, "database_readable")


@pytest.mark.skipif(importlib.util.find_spec("pyodbc") is not None, reason="pyodbc is installed")
def test_missing_driver_names_the_package_and_hides_the_password():
    url = "mssql+pyodbc://anna:Hemligt123@sqlserver.example/rom?driver=ODBC+Driver+18+for+SQL+Server"
    for call in (lambda: formats.read_sql_table(url, "Deltaganden"), lambda: formats.database_tables(url)):
        with pytest.raises(DataError) as e:
            call()
        err = assert_error(e, "database_readable")
        assert "pip install pyodbc" in err.detail
        assert "Hemligt123" not in str(err) and "Hemligt123" not in err.file
        assert err.file.startswith("mssql+pyodbc://anna:***@sqlserver.example/rom")


def test_unknown_dialect_is_a_data_error():
    with pytest.raises(DataError) as e:
        formats.read_sql_table("nodialect://u:pw@host/db", "t")
    err = assert_error(e, "database_readable")
    assert "pw" not in err.file


def test_duckdb_is_opened_read_only(tmp_path):
    """Reports for several periods run side by side in separate processes read the same
    file: each opens it read-only (a read-write open would wait for the others' lock)."""
    url = _duckdb(tmp_path / "extrakt.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); sys.stdin.read()", str(tmp_path / "extrakt.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert values(formats.read_sql_table(url, "Rapporter").frame)["id"] == [1, 2, 3, 4, 5]
    finally:
        holder.communicate("", timeout=60)
