"""Loading: formats, mapping, and one DataError per kind of malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import make_tiny
from make_tiny import assert_error, load_error
from romlab.dataset.load import Dataset, MappingError, load, read_mapping
from romlab.dataset.contract import TABLES

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- valid data

def test_valid_parquet_loads(tiny, tiny_dir):
    ds = load(tiny_dir)
    assert isinstance(ds, Dataset)
    assert ds.as_of is None
    assert ds.source == tiny_dir
    assert set(ds.files) == set(TABLES)
    assert ds.files["participations"] == tiny_dir / "participations.parquet"
    assert ds.unknown_files == []
    for name, frame in tiny.items():
        pd.testing.assert_frame_equal(ds[name], frame)
    counts = ds.row_counts()
    assert list(counts.columns) == ["table", "rows"]
    assert dict(zip(counts.table, counts.rows)) == {n: len(f) for n, f in tiny.items()}
    # contract dtypes
    p = ds.participations
    assert p["participation_id"].dtype == "int64"
    assert p["start_date"].dtype == "datetime64[ns]"
    assert p["born_abroad"].dtype == bool
    assert p["job_chance"].dtype == "float64"
    assert ds.provider_ratings["rating"].dtype == "Int64"
    assert (ds.as_of_summary["rows_hidden_as_of"] == 0).all()


def test_plain_csv_loads_like_parquet(tiny, tiny_dir, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    ds, ref = load(folder), load(tiny_dir)
    for name in TABLES:
        pd.testing.assert_frame_equal(ds[name], ref[name])


def test_swedish_excel_csv_with_bom_and_decimal_commas(tiny, tiny_dir, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "excel", swedish=True, bom=True)
    text = (folder / "periodic_reports.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    assert b";" in text and b"1,25" in text  # really decimal commas
    assert b"0,125" in (folder / "participations.csv").read_bytes()
    ds, ref = load(folder), load(tiny_dir)
    for name in TABLES:
        pd.testing.assert_frame_equal(ds[name], ref[name])
    rep = ds.periodic_reports.set_index("report_id")
    assert rep.loc[3, "hours_motivational"] == 1.25
    assert rep.loc[3, "hours_digital"] == 2.5
    assert rep.loc[4, "hours_practical"] == 0.75
    assert ds.participations.set_index("participation_id").loc[3, "job_chance"] == 0.125
    assert ds.providers.loc[1, "provider_name"] == "Beta Matchning Ö AB"


def test_csv_empty_strings_are_missing_and_excel_booleans(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv", swedish=True)
    path = folder / "participations.csv"
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    assert (df.loc[df.participation_id == "3", "end_date"] == "").all()  # written as empty
    df["born_abroad"] = df["born_abroad"].map({"True": "SANT", "False": "FALSKT"})
    df["disability"] = df["disability"].map({"True": "1", "False": "0"})
    df.to_csv(path, sep=";", index=False)
    ds = load(folder)
    pd.testing.assert_frame_equal(ds.participations, tiny["participations"])


def test_duckdb_loads_the_same_frames_as_parquet(tiny, tiny_dir, tmp_path):
    db = make_tiny.write_duckdb(tiny, tmp_path / "extract.duckdb")
    ds, ref = load(db), load(tiny_dir)
    assert ds.source == db
    assert ds.files["contracts"] == db
    for name in TABLES:
        pd.testing.assert_frame_equal(ds[name], ref[name])


def test_unknown_file_is_ignored_but_listed(tiny_dir):
    pd.DataFrame({"x": [1]}).to_csv(tiny_dir / "notes.csv", index=False)
    (tiny_dir / "README.md").write_text("not data")
    ds = load(tiny_dir)
    assert ds.unknown_files == ["notes.csv"]


def test_birth_date_instead_of_age(tiny, tmp_path):
    p = tiny["participations"].drop(columns="age_at_start")
    start = p["start_date"]
    # birthday on the start date (34 completed), the day after (still 44), and others
    p["birth_date"] = [start[0] - pd.DateOffset(years=34), start[1] - pd.DateOffset(years=45) + pd.Timedelta(days=1),
                       pd.Timestamp("2000-02-29"), pd.Timestamp("1965-08-21"), pd.Timestamp("1962-08-15")]
    tiny["participations"] = p
    ds = load(make_tiny.write_parquet(tiny, tmp_path / "d"))
    # start dates: 2023-01-02, 2023-05-08, 2023-06-05, 2023-08-21, 2023-08-14
    assert ds.participations["age_at_start"].tolist() == [34, 44, 23, 58, 60]
    assert ds.participations["age_at_start"].dtype == "int64"
    cols = list(ds.participations.columns)
    assert cols.index("age_at_start") == cols.index("birth_date") + 1


def test_neither_age_nor_birth_date(tiny, tmp_path):
    tiny["participations"] = tiny["participations"].drop(columns="age_at_start")
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "age_at_start", "age_or_birth_date", 5)


def test_derived_age_out_of_range(tiny, tmp_path):
    p = tiny["participations"].drop(columns="age_at_start")
    p["birth_date"] = p["start_date"] - pd.DateOffset(years=30)
    p.loc[2, "birth_date"] = pd.Timestamp("2015-01-01")  # 8 years old at start
    tiny["participations"] = p
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "age_at_start", "plausible_age", 1)
    assert err.examples["participation_id"].tolist() == [3]


def test_validate_false_skips_rules_but_coerces(tiny, tmp_path):
    tiny["participations"].loc[0, "level"] = "Z"
    tiny["periodic_reports"].loc[0, "participation_id"] = 99
    folder = make_tiny.write_csv(tiny, tmp_path / "d")
    ds = load(folder, validate=False)
    assert ds.participations["level"].tolist()[0] == "Z"
    assert ds.periodic_reports["participation_id"].dtype == "int64"


# --------------------------------------------------------------------------- malformed input

def test_missing_file(tiny_dir):
    (tiny_dir / "contracts.parquet").unlink()
    err = load_error(tiny_dir)
    assert_error(err, tiny_dir / "contracts.parquet", "", "file_exists", 0)
    assert "contracts.parquet or contracts.csv" in str(err)


def test_missing_source(tmp_path):
    err = load_error(tmp_path / "nowhere")
    assert err.rule == "file_exists"


def test_two_files_for_one_table(tiny, tiny_dir):
    tiny["providers"].to_csv(tiny_dir / "providers.csv", index=False)
    err = load_error(tiny_dir)
    assert err.rule == "one_file_per_table"


def test_missing_column(tiny, tmp_path):
    tiny["participations"] = tiny["participations"].drop(columns="level")
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    # a missing column is missing in every row
    assert_error(err, folder / "participations.parquet", "level", "column_in_dataframe", 5)
    assert "columns in the file" in err.detail


def test_wrong_type_text_in_int_column(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    path = folder / "participations.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[1, "days_registered"] = "många"
    df.to_csv(path, index=False)
    err = load_error(folder)
    assert_error(err, path, "days_registered", "dtype('int64')", 1)
    # the example is the original input row, all columns
    assert err.examples["days_registered"].tolist() == ["många"]
    assert err.examples["participation_id"].tolist() == ["2"]
    assert len(err.examples.columns) == len(df.columns)


def test_wrong_type_text_in_date_column(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    path = folder / "result_reports.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[[0, 2], "event_date"] = ["igår", "31/02/2023"]
    df.to_csv(path, index=False)
    err = load_error(folder)
    assert_error(err, path, "event_date", "date_format", 2)


def test_unknown_level_code(tiny, tmp_path):
    tiny["participations"].loc[[1, 3], "level"] = "D"
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "level", "allowed_codes", 2)
    assert err.examples["participation_id"].tolist() == [2, 4]
    assert "'A', 'B', 'C'" in err.detail


def test_missing_value_in_required_column(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    path = folder / "periodic_reports.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, "provider_id"] = ""
    df.to_csv(path, index=False)
    err = load_error(folder)
    assert_error(err, path, "provider_id", "not_nullable", 1)


def test_bad_boolean(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    path = folder / "participations.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[4, "disability"] = "kanske"
    df.to_csv(path, index=False)
    err = load_error(folder)
    assert_error(err, path, "disability", "dtype('bool')", 1)


def test_duplicate_key(tiny, tmp_path):
    tiny["periodic_reports"].loc[4, "report_id"] = 2
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "report_id", "unique", 2)
    assert err.examples["report_id"].tolist() == [2, 2]


def test_duplicate_composite_key(tiny, tmp_path):
    c = tiny["contracts"]
    c.loc[3, "delivery_area"] = "A1"  # (P2, A1) twice
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "contracts.parquet", "provider_id,delivery_area", "unique", 2)


def test_negative_hours(tiny, tmp_path):
    tiny["periodic_reports"].loc[1, "hours_health"] = -1.0
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "hours_health", "non_negative_hours", 1)


def test_first_failure_in_table_then_column_order_and_the_rest_counted(tiny, tmp_path):
    tiny["periodic_reports"].loc[1, "hours_health"] = -1.0           # periodic_reports
    tiny["participations"].loc[0, "sex"] = "kvinna"                    # participations, column 13
    tiny["participations"].loc[[1, 2], "level"] = "X"                  # participations, column 11
    tiny["participations"].loc[3, "days_registered"] = -5               # participations, column 18
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "level", "allowed_codes", 2)
    assert "and 2 further rule(s) broken" in err.detail
    assert "sex: allowed_codes (1 rows)" in err.detail
    assert "days_registered: non_negative_days (1 rows)" in err.detail


def test_dataframe_level_check(tiny, tmp_path):
    tiny["participations"].loc[0, "end_date"] = pd.Timestamp("2022-12-01")  # before start
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "end_date", "end_not_before_start", 1)


# --------------------------------------------------------------------------- mapping

def _to_extract(tables: dict[str, pd.DataFrame], mapping_file: Path, folder: Path) -> Path:
    """Write the tiny dataset as the extract a mapping file describes (its inverse)."""
    maps = read_mapping(mapping_file)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        m = maps.get(name)
        df = df.copy()
        file = f"{name}.csv"
        if m is not None:
            for col, rule in m.columns.items():
                if rule.codes:
                    inverse = {v: k for k, v in rule.codes.items()}
                    df[col] = df[col].map(lambda v, inv=inverse: inv.get(v, v)).astype(object)
            df = df.rename(columns={c: r.source for c, r in m.columns.items()})
            file = m.file or file
        df.to_csv(folder / file, sep=";", decimal=",", index=False, date_format="%Y-%m-%d",
                  encoding="utf-8-sig")
    return folder


def test_mapping_example_loads_a_swedish_extract(tiny, tiny_dir, tmp_path):
    example = REPO / "data" / "mapping_example.yml"
    folder = _to_extract(tiny, example, tmp_path / "extract")
    head = (folder / "deltaganden.csv").read_text(encoding="utf-8-sig").splitlines()
    assert head[0].startswith("DeltagandeID;PersonLopNr;")
    assert "Kvinna" in head[1] and ";Nej;" in head[1]
    ds, ref = load(folder, mapping=example), load(tiny_dir)
    assert ds.files["participations"] == folder / "deltaganden.csv"
    assert ds.unknown_files == []
    for name in TABLES:
        pd.testing.assert_frame_equal(ds[name], ref[name])


def test_mapping_renames_and_recodes_a_small_extract(tiny, tiny_dir, tmp_path):
    folder = make_tiny.write_parquet(tiny, tmp_path / "extract")
    p = tiny["participations"].rename(columns={"participation_id": "DeltagandeID", "level": "Niva",
                                               "sex": "Kon"})
    p["Niva"] = p["Niva"].map({"A": "1", "B": "2", "C": "3"})
    p["Kon"] = p["Kon"].map({"woman": "Kvinna", "man": "Man"})
    (folder / "participations.parquet").unlink()
    p.to_csv(folder / "deltaganden.csv", sep=";", index=False, decimal=",", date_format="%Y-%m-%d")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(yaml.safe_dump({"tables": {"participations": {
        "file": "deltaganden.csv",
        "columns": {"participation_id": "DeltagandeID", "level": "Niva", "sex": "Kon"},
        "codes": {"level": {"1": "A", "2": "B", "3": "C"}, "sex": {"Kvinna": "woman", "Man": "man"}},
    }}}))
    ds, ref = load(folder, mapping=mapping), load(tiny_dir)
    for name in TABLES:
        pd.testing.assert_frame_equal(ds[name], ref[name])


def test_mapping_unmapped_code_is_reported(tiny, tmp_path):
    folder = make_tiny.write_parquet(tiny, tmp_path / "extract")
    p = tiny["participations"].rename(columns={"level": "Niva"})
    p["Niva"] = p["Niva"].map({"A": "1", "B": "2", "C": "4"})  # 4 is not in the mapping
    p.to_parquet(folder / "participations.parquet")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text('tables:\n  participations:\n    columns: {level: Niva}\n'
                       '    codes: {level: {"1": A, "2": B, "3": C}}\n')
    err = load_error(folder, mapping=mapping)
    assert_error(err, folder / "participations.parquet", "level", "allowed_codes", 1)
    assert err.source_column == "Niva" and "column 'Niva' [level]" in str(err)
    assert err.examples["Niva"].tolist() == ["4"]  # as the extract writes it


def test_mapping_names_a_column_that_is_not_there(tiny_dir, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("tables:\n  participations:\n    columns: {level: Niva}\n")
    err = load_error(tiny_dir, mapping=mapping)
    assert_error(err, tiny_dir / "participations.parquet", "level", "mapping_column_exists", 5)
    assert err.source_column == "Niva" and isinstance(err, MappingError) and err.line == 3
    assert "'level'" in err.detail and "participation_id" in err.detail


def test_mapping_names_a_file_that_is_not_there(tiny_dir, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("tables:\n  participations:\n    file: deltaganden.csv\n")
    err = load_error(tiny_dir, mapping=mapping)
    assert_error(err, tiny_dir / "deltaganden.csv", "", "file_exists", 0)


def test_mapping_unknown_table_or_contract_column(tiny_dir, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("tables:\n  deltaganden:\n    file: x.csv\n")
    assert load_error(tiny_dir, mapping=mapping).rule == "mapping_table_known"
    mapping.write_text("tables:\n  participations:\n    columns: {niva: Niva}\n")
    err = load_error(tiny_dir, mapping=mapping)
    assert (err.rule, err.column) == ("mapping_column_in_contract", "niva")


def test_mapping_for_duckdb_names_tables(tiny, tiny_dir, tmp_path):
    tables = dict(tiny)
    tables["deltaganden"] = tables.pop("participations")
    db = make_tiny.write_duckdb(tables, tmp_path / "x.db")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("tables:\n  participations:\n    file: deltaganden\n")
    ds = load(db, mapping=mapping)
    pd.testing.assert_frame_equal(ds.participations, load(tiny_dir).participations)


def test_data_error_message_shape(tiny, tmp_path):
    tiny["participations"].loc[[1, 3], "level"] = "D"
    folder = make_tiny.write_parquet(tiny, tmp_path / "d")
    err = load_error(folder)
    first = str(err).splitlines()[0]
    assert first.startswith(f"{folder / 'participations.parquet'}: column 'level' breaks rule "
                            f"'allowed_codes' in 2 rows")
    assert "examples" in str(err)
    assert "\n" not in err.one_line()
    assert np.array_equal(err.examples.index, [2, 4])  # rows in the file, first data row = 1


def test_validate_false_still_reports_unreadable_values(tiny, tmp_path):
    folder = make_tiny.write_csv(tiny, tmp_path / "csv")
    path = folder / "participations.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "person_id"] = ""
    df.loc[2, "days_registered"] = "x"
    df.to_csv(path, index=False)
    err = load_error(folder, validate=False)
    assert_error(err, path, "person_id", "dtype('int64')", 1)
    assert "days_registered: dtype('int64') (1 rows)" in err.detail


def test_changing_a_loaded_table_leaves_other_views_alone(tiny_dir):
    ds = load(tiny_dir)
    ds.providers["extra"] = 1
    assert "extra" not in ds.as_of_view("2024-01-01").providers.columns


def test_excel_sheet_with_an_empty_row_loads_and_names_sheet_rows(tiny, tiny_dir, tmp_path):
    """An .xlsx table: Excel's empty rows are skipped and counted; errors name the sheet's
    row (header = row 1), as Excel shows it."""
    folder = make_tiny.write_parquet(tiny, tmp_path / "x")
    p = tiny["participations"]
    (folder / "participations.parquet").unlink()
    empty = pd.DataFrame([[None] * len(p.columns)], columns=p.columns)
    sheet = pd.concat([p.iloc[:2], empty, p.iloc[2:]], ignore_index=True)
    sheet.to_excel(folder / "participations.xlsx", index=False)
    ds = load(folder)
    assert ds.load_notes[["table", "note", "rows"]].values.tolist() == [["participations", "empty rows skipped", 1]]
    pd.testing.assert_frame_equal(ds.participations.reset_index(drop=True),
                                  load(tiny_dir).participations.reset_index(drop=True), check_dtype=False)
    sheet.loc[3, "level"] = "D"  # the participation after the empty row: sheet row 5
    sheet.to_excel(folder / "participations.xlsx", index=False)
    err = load_error(folder)
    assert_error(err, folder / "participations.xlsx", "level", "allowed_codes", 1)
    assert err.examples.index.tolist() == [5] and err.where == "line"
