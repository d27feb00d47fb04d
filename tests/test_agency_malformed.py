"""Malformed agency extracts through data/mapping_agency.yml: every error in the extract's words.

A small agency extract (every 40th participation of the committed sample with its reports,
deviations, results, register events, contracts and ratings; `romlab.dataset.agency_layout`,
Excel-style CSV) is written once per module. Each test copies it, breaks one thing in
the CSV text (or in a copy of the mapping), loads it through the mapping and checks the
`DataError` field by field: the agency file, the agency column (`source_column`),
romlab's column, the rule, the number of rows and the CSV lines of the example rows
(header = line 1, so the row at position ``i`` of a file is on line ``i + 2``). The
expected answers follow from the edit: breaking k rows gives ``n_rows == k`` and those
rows' lines.

Three kinds of tests:

* malformed inputs (``test_bad_*``): one `DataError` each; and the same periodic report
  twice, which loads once the mapping declares ``resubmission: latest`` (the replaced
  report counted in the support selection's flow);
* benign variants (``test_benign_*``): whitespace, Excel's empty rows, extra columns, LF,
  no BOM, quoted fields, another column order, a quoted separator, a trailing empty
  line: the load equals the clean load frame by frame, and `Dataset.load_notes` counts
  what was tolerated;
* mistakes in the mapping file (``test_mapping_*``): one `MappingError` line naming the
  mapping file's line.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.dataset import agency_layout as al
from romlab import paths
from romlab.run.config import RunConfig
from romlab.dataset.errors import DataError
from romlab.dataset.mapping import MappingError, read_mapping
from romlab.dataset.contract import TABLES
from romlab.report.support import select_reports

MAPPING = paths.DATA / "mapping_agency.yml"
#: every EVERY-th participation of the sample (and what belongs to it)
EVERY = 40
CRLF = "\r\n"
BOM = "\ufeff"
HOURS = list(al.HOUR_COLUMNS.values())


# --------------------------------------------------------------------------- the small extract

def small_tables() -> dict[str, pd.DataFrame]:
    """Every EVERY-th participation of data/sample with its reports, deviations, results
    and register events; the contracts of their (provider, area) pairs plus one contract
    of each other provider that filed a report; the March and September ratings of
    those contracts."""
    full = {n: pd.read_parquet(paths.SAMPLE / f"{n}.parquet") for n in TABLES}
    p = full["participations"]
    part = p[p["participation_id"] % EVERY == 0]
    ids = part["participation_id"]
    out = {"participations": part}
    for name in ("periodic_reports", "deviation_reports", "result_reports"):
        out[name] = full[name][full[name]["participation_id"].isin(ids)]
    out["register_events"] = full["register_events"][full["register_events"]["person_id"].isin(part["person_id"])]
    c = full["contracts"]
    pairs = pd.MultiIndex.from_frame(part[["provider_id", "delivery_area"]])
    keep = pd.MultiIndex.from_frame(c[["provider_id", "delivery_area"]]).isin(pairs)
    others = set(out["periodic_reports"]["provider_id"]) - set(c.loc[keep, "provider_id"])
    keep |= c["provider_id"].isin(others).to_numpy() & ~c["provider_id"].duplicated().to_numpy()
    out["contracts"] = c[keep]
    out["providers"] = full["providers"][full["providers"]["provider_id"].isin(out["contracts"]["provider_id"])]
    r = full["provider_ratings"]
    rk = pd.MultiIndex.from_frame(r[["provider_id", "delivery_area"]]).isin(
        pd.MultiIndex.from_frame(out["contracts"][["provider_id", "delivery_area"]]))
    out["provider_ratings"] = r[rk & r["publication_month"].dt.month.isin([3, 9]).to_numpy()]
    return {n: df.reset_index(drop=True) for n, df in out.items()}


@dataclass
class Clean:
    folder: Path
    #: {file stem: frame as written}; row i of a frame is line i + 2 of its CSV
    frames: dict[str, pd.DataFrame]
    #: the clean load through the mapping
    ds: romlab.Dataset


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Clean:
    folder = tmp_path_factory.mktemp("agency_clean")
    tables = small_tables()
    al.write_agency(tables, folder, "csv")
    return Clean(folder, al.agency_tables(tables), romlab.load(folder, mapping=MAPPING))


class Extract:
    """A copy of the clean extract whose CSV text a test edits (no field of the agency
    CSV is quoted, so a line splits on ';' exactly)."""

    def __init__(self, folder: Path, frames: dict[str, pd.DataFrame]):
        self.folder = folder
        self.frames = frames

    def file(self, stem: str) -> str:
        return str(self.folder / f"{stem}.csv")

    def lines(self, stem: str) -> list[str]:
        """The lines of a file without BOM and line ends (the last, empty one dropped)."""
        text = (self.folder / f"{stem}.csv").read_bytes().decode("utf-8")
        assert text.startswith(BOM) and text.endswith(CRLF)
        return text[1:].split(CRLF)[:-1]

    def write(self, stem: str, lines: list[str], bom: bool = True, newline: str = CRLF,
              encoding: str = "utf-8") -> None:
        text = (BOM if bom else "") + newline.join(lines) + newline
        (self.folder / f"{stem}.csv").write_bytes(text.encode(encoding))

    def set(self, stem: str, rows, column: str, value) -> list[int]:
        """Write ``value`` into ``column`` of the rows at the given positions; their lines."""
        rows = [rows] if isinstance(rows, (int, np.integer)) else list(rows)
        lines = self.lines(stem)
        j = lines[0].split(";").index(column)
        for i in rows:
            fields = lines[i + 1].split(";")
            fields[j] = str(value)
            lines[i + 1] = ";".join(fields)
        self.write(stem, lines)
        return [i + 2 for i in rows]

    def cell(self, stem: str, row: int, column: str) -> str:
        lines = self.lines(stem)
        return lines[row + 1].split(";")[lines[0].split(";").index(column)]

    def append_copy(self, stem: str, row: int, **changes) -> int:
        """Append a copy of the row at ``row`` with some fields changed; its line."""
        lines = self.lines(stem)
        header = lines[0].split(";")
        fields = lines[row + 1].split(";")
        for col, value in changes.items():
            fields[header.index(col)] = str(value)
        lines.append(";".join(fields))
        self.write(stem, lines)
        return len(lines)


@pytest.fixture
def ex(clean, tmp_path) -> Extract:
    folder = tmp_path / "extract"
    shutil.copytree(clean.folder, folder)
    return Extract(folder, clean.frames)


def positions(frame: pd.DataFrame, mask, n: int = 1) -> list[int]:
    """The first ``n`` positions where ``mask`` holds (the test needs them to exist)."""
    pos = np.flatnonzero(np.asarray(mask, dtype=bool))[:n].tolist()
    assert len(pos) == n, "the small extract lacks the rows this test needs"
    return pos


def load_error(folder, mapping=MAPPING, **kw) -> DataError:
    with pytest.raises(DataError) as info:
        romlab.load(folder, mapping=mapping, **kw)
    return info.value


def check(err: DataError, file: str, source_column: str, column: str, rule: str, lines: list[int] | int):
    """The error names the agency file and column, romlab's column, the rule, the row
    count and (for a list of lines) the broken rows by their CSV line."""
    assert (err.file, err.source_column, err.column, err.rule) == (file, source_column, column, rule), str(err)
    n = lines if isinstance(lines, int) else len(lines)
    assert err.n_rows == n, str(err)
    if not isinstance(lines, int):
        assert err.where == "line"
        assert err.examples.index.tolist() == sorted(lines)[:5], str(err)
    text = str(err)
    assert file in text and rule in text
    if source_column and column:
        assert f"'{source_column}'" in text
    assert "\n" not in err.one_line()


def part_rows(ex: Extract, mask, n: int = 1) -> list[int]:
    return positions(ex.frames["Deltaganden"], mask, n)


# --------------------------------------------------------------------------- dates and months

def test_bad_month_without_leading_zero(ex):
    r = ex.frames["PeriodiskaRapporter"]
    rows = positions(r, r["Rapportmanad"] == "2022-07", 2)
    lines = ex.set("PeriodiskaRapporter", rows, "Rapportmanad", "2022-7")
    err = load_error(ex.folder)
    check(err, ex.file("PeriodiskaRapporter"), "Rapportmanad", "month", "date_format", lines)
    assert err.examples["Rapportmanad"].tolist() == ["2022-7", "2022-7"]  # as the extract writes it


def test_bad_date_without_leading_zeros(ex):
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, p["Startdatum"].dt.year == 2023)
    lines = ex.set("Deltaganden", rows, "Startdatum", "2023-2-1")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Startdatum", "start_date", "date_format", lines)


def test_bad_date_day_first(ex):
    lines = ex.set("Avvikelser", [3], "Avvikelsedatum", "31/02/2023")
    check(load_error(ex.folder), ex.file("Avvikelser"), "Avvikelsedatum", "deviation_date", "date_format", lines)


def test_bad_impossible_date(ex):
    lines = ex.set("Resultat", [4], "Inlamnad", "2023-02-30")
    check(load_error(ex.folder), ex.file("Resultat"), "Inlamnad", "filed_date", "date_format", lines)


def test_bad_month_written_as_a_date(ex):
    lines = ex.set("Betyg", [0, 7], "Publiceringsmanad", "2023-03-01")
    check(load_error(ex.folder), ex.file("Betyg"), "Publiceringsmanad", "publication_month", "date_format",
          lines)


def test_bad_birth_date_with_time(ex):
    lines = ex.set("Deltaganden", [10], "Fodelsedatum", "1980-01-01 00:00:00")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Fodelsedatum", "birth_date", "date_format", lines)


# --------------------------------------------------------------------------- the file as a whole

def test_bad_comma_separated_file(ex):
    lines = [line.replace(";", ",") for line in ex.lines("Registerhandelser")]
    ex.write("Registerhandelser", lines)
    err = load_error(ex.folder)
    check(err, ex.file("Registerhandelser"), "", "", "csv_separator", 0)
    assert "','" in err.detail and "';'" in err.detail
    assert err.examples.index.tolist() == [1]  # the header line


def test_bad_latin1_file(ex):
    """Latin-1 bytes in a file declared UTF-8: the column and every line with such bytes."""
    lines = ex.lines("Registerhandelser")
    ex.write("Registerhandelser", lines, bom=False, encoding="latin-1")
    e = ex.frames["Registerhandelser"]
    bad = [i + 2 for i in np.flatnonzero(e["Handelsetyp"].str.contains("ä"))]
    err = load_error(ex.folder)
    check(err, ex.file("Registerhandelser"), "Handelsetyp", "event_type", "csv_encoding", bad)
    assert "encoding" in err.detail


def test_bad_empty_file(ex):
    (ex.folder / "Avvikelser.csv").write_bytes(b"")
    err = load_error(ex.folder)
    check(err, ex.file("Avvikelser"), "", "", "csv_readable", 0)
    assert "empty" in err.detail


def test_bad_header_only_contracts(ex):
    """No contracts: every participation is without its contract (and there are no providers)."""
    ex.write("Leverantorsavtal", ex.lines("Leverantorsavtal")[:1])
    n = len(ex.frames["Deltaganden"])
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "LeverantorID,Leveransomrade", "provider_id,delivery_area",
          "reference:contracts.provider_id,delivery_area", list(range(2, n + 2)))


def test_bad_header_only_participations(ex):
    """No participations: the deviations' provider cannot be looked up (the first table read
    that needs them), every deviation named by its line."""
    ex.write("Deltaganden", ex.lines("Deltaganden")[:1])
    n = len(ex.frames["Avvikelser"])
    err = load_error(ex.folder)
    check(err, ex.file("Avvikelser"), "DeltagandeID", "participation_id", "lookup_found", list(range(2, n + 2)))


def test_bad_code_after_excel_empty_rows(ex):
    """After Excel's empty rows an error still names the line in the file."""
    lines = ex.lines("Deltaganden")
    empty = ";" * (len(lines[0].split(";")) - 1)
    ex.write("Deltaganden", [lines[0], empty, empty] + lines[1:])
    ex.set("Deltaganden", [4], "Niva", "Nivå D")  # position 4 in the file: its third data row
    check(load_error(ex.folder), ex.file("Deltaganden"), "Niva", "level", "allowed_codes", [6])


def test_bad_unquoted_separator_in_a_value(ex):
    """A ';' inside an unquoted value gives a line with one field too many."""
    lines = ex.lines("Resultat")
    lines[5] = lines[5].replace("Arbete", "Arbete;deltid").replace("Studier", "Studier;deltid")
    ex.write("Resultat", lines)
    err = load_error(ex.folder)
    check(err, ex.file("Resultat"), "", "", "csv_fields", [6])


# --------------------------------------------------------------------------- numbers

def test_bad_decimal_point_in_percent(ex):
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, p["BedomdJobbchans"] % 1 != 0)
    lines = ex.set("Deltaganden", rows, "BedomdJobbchans", "54.48")
    check(load_error(ex.folder), ex.file("Deltaganden"), "BedomdJobbchans", "job_chance", "dtype('float64')",
          lines)


def test_bad_decimal_point_in_hours(ex):
    lines = ex.set("PeriodiskaRapporter", [2, 9, 11], "TimSprak", "2.5")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "TimSprak", "hours_language",
          "dtype('float64')", lines)


def test_bad_text_in_a_number_column(ex):
    lines = ex.set("Deltaganden", [1], "Inskrivningsdagar", "ett år")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Inskrivningsdagar", "days_registered",
          "dtype('int64')", lines)


def test_bad_text_in_hours(ex):
    lines = ex.set("PeriodiskaRapporter", [20], "TimEgetArbete", "två")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "TimEgetArbete", "hours_own_work",
          "dtype('float64')", lines)


def test_bad_job_chance_over_100_percent(ex):
    lines = ex.set("Deltaganden", [4], "BedomdJobbchans", "120")
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "BedomdJobbchans", "job_chance", "probability", lines)
    assert err.examples["BedomdJobbchans"].tolist() == ["120"]  # as written, before the scale


def test_bad_negative_hours(ex):
    lines = ex.set("PeriodiskaRapporter", [30, 31], "TimVagledning", "-1")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "TimVagledning", "hours_guidance",
          "non_negative_hours", lines)


def test_bad_negative_days(ex):
    lines = ex.set("Deltaganden", [8], "Inskrivningsdagar", "-3")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Inskrivningsdagar", "days_registered",
          "non_negative_days", lines)


def test_bad_rating_of_5(ex):
    lines = ex.set("Betyg", [3], "Betyg", "5")
    check(load_error(ex.folder), ex.file("Betyg"), "Betyg", "rating", "allowed_codes", lines)


# --------------------------------------------------------------------------- codes and flags

def test_bad_unknown_code(ex):
    lines = ex.set("Deltaganden", [2, 5], "Niva", "Nivå D")
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "Niva", "level", "allowed_codes", lines)
    assert err.examples["Niva"].tolist() == ["Nivå D", "Nivå D"]


def test_bad_unknown_service(ex):
    lines = ex.set("Deltaganden", [3], "Tjanst", "Rusta och matcha 3")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Tjanst", "generation", "allowed_codes", lines)


def test_bad_placement_period_3(ex):
    lines = ex.set("PeriodiskaRapporter", [6], "Placeringsperiod", "3")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "Placeringsperiod", "placement_period",
          "allowed_codes", lines)


def test_bad_two_framework_flags_yes(ex):
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, (p["JOB"] == "Ja"))
    ex.set("Deltaganden", rows, "UGA", "Ja")
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "JOB,UGA,Etablering", "framework_programme", "flags_exclusive",
          [rows[0] + 2])


def test_bad_flag_kanske(ex):
    lines = ex.set("Deltaganden", [6], "UGA", "kanske")
    check(load_error(ex.folder), ex.file("Deltaganden"), "UGA", "framework_programme", "dtype('bool')", lines)


def test_bad_yes_no_kanske(ex):
    lines = ex.set("Deltaganden", [7, 9], "UtrikesFodd", "kanske")
    check(load_error(ex.folder), ex.file("Deltaganden"), "UtrikesFodd", "born_abroad", "dtype('bool')", lines)


# --------------------------------------------------------------------------- missing values and columns

def test_bad_missing_required_value(ex):
    lines = ex.set("Deltaganden", [0], "Startdatum", "")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Startdatum", "start_date", "not_nullable", lines)


def test_bad_missing_provider_of_a_report(ex):
    lines = ex.set("PeriodiskaRapporter", [12, 40], "LeverantorID", "")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "LeverantorID", "provider_id", "not_nullable",
          lines)


def test_bad_missing_column(ex):
    lines = ex.lines("Deltaganden")
    j = lines[0].split(";").index("Niva")
    ex.write("Deltaganden", [";".join(f for k, f in enumerate(line.split(";")) if k != j) for line in lines])
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "Niva", "level", "mapping_column_exists", len(ex.frames["Deltaganden"]))
    assert isinstance(err, MappingError)


# --------------------------------------------------------------------------- keys and duplicates

def test_bad_duplicate_participation_id(ex):
    first = ex.cell("Deltaganden", 3, "DeltagandeID")
    lines = ex.set("Deltaganden", [8], "DeltagandeID", first)
    check(load_error(ex.folder), ex.file("Deltaganden"), "DeltagandeID", "participation_id", "unique",
          [5] + lines)


def test_bad_duplicate_report_id(ex):
    first = ex.cell("PeriodiskaRapporter", 0, "RapportID")
    lines = ex.set("PeriodiskaRapporter", [50], "RapportID", first)
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "RapportID", "report_id", "unique", [2] + lines)


def test_bad_duplicate_contract(ex):
    c = ex.frames["Leverantorsavtal"]
    other = positions(c, (c["LeverantorID"] != c["LeverantorID"].iloc[0]).to_numpy()
                      & (c["Leveransomrade"] != c["Leveransomrade"].iloc[0]).to_numpy())[0]
    lines = ex.set("Leverantorsavtal", [other], "LeverantorID", c["LeverantorID"].iloc[0])
    lines = ex.set("Leverantorsavtal", [other], "Leveransomrade", c["Leveransomrade"].iloc[0])
    check(load_error(ex.folder), ex.file("Leverantorsavtal"), "LeverantorID,Leveransomrade",
          "provider_id,delivery_area", "unique", [2] + lines)


def test_bad_duplicate_periodic_report(ex):
    """The same report (participation, provider, month, placement period) twice, with its
    own RapportID: counted twice if let through. Both lines are named."""
    r = ex.frames["PeriodiskaRapporter"]
    row = 25
    new = ex.append_copy("PeriodiskaRapporter", row, RapportID=int(r["RapportID"].max()) + 1,
                         TimEgetArbete="7")
    err = load_error(ex.folder)
    check(err, ex.file("PeriodiskaRapporter"), "DeltagandeID,LeverantorID,Rapportmanad,Placeringsperiod",
          "participation_id,provider_id,month,placement_period", "duplicate_report", [row + 2, new])
    assert "resubmission: latest" in err.detail
    assert err.examples["RapportID"].tolist() == [str(r["RapportID"].iloc[row]), str(r["RapportID"].max() + 1)]


def test_resubmission_latest_keeps_the_later_report_and_counts_the_replaced(ex, clean, tmp_path):
    """With ``resubmission: latest`` the same extract loads; the support selection (§3.5.1)
    keeps the later submission's hours and counts the replaced one in the flow."""
    cfg = RunConfig.for_period("2023-10")
    before = select_reports(clean.ds, cfg)
    kept = before.months
    # a kept RoM 1 report-month filed by one provider: its report is the one resubmitted
    r = ex.frames["PeriodiskaRapporter"]
    single = ~r.duplicated(["DeltagandeID", "Rapportmanad"], keep=False)
    kept_keys = pd.MultiIndex.from_arrays([kept["participation_id"], kept["month"].dt.strftime("%Y-%m")])
    in_kept = pd.MultiIndex.from_frame(r[["DeltagandeID", "Rapportmanad"]]).isin(kept_keys)
    row = positions(r, single.to_numpy() & in_kept)[0]
    pid, month = int(r["DeltagandeID"].iloc[row]), r["Rapportmanad"].iloc[row]
    later = (r["Inskickad"].iloc[row] + pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    new_hours = {h: "0" for h in HOURS} | {"TimEgetArbete": "11", "TimSprak": "4"}
    ex.append_copy("PeriodiskaRapporter", row, RapportID=int(r["RapportID"].max()) + 1, Inskickad=later,
                   **new_hours)

    assert load_error(ex.folder).rule == "duplicate_report"  # not declared: an error
    mapping = tmp_path / "mapping_resubmission.yml"
    text = MAPPING.read_text(encoding="utf-8")
    mapping.write_text(text.replace("    file: PeriodiskaRapporter\n",
                                    "    file: PeriodiskaRapporter\n    resubmission: latest\n"), encoding="utf-8")
    ds = romlab.load(ex.folder, mapping=mapping)
    assert ds.resubmission == "latest"
    assert len(ds.periodic_reports) == len(clean.ds.periodic_reports) + 1

    after = select_reports(ds, cfg)
    flow_before = dict(zip(before.flow["measure"], before.flow["value"]))
    flow_after = dict(zip(after.flow["measure"], after.flow["value"]))
    assert "excluded_resubmitted" not in flow_before
    assert flow_after.pop("excluded_resubmitted") == 1
    assert flow_after.pop("periodic_reports_in_data") == flow_before.pop("periodic_reports_in_data") + 1
    assert flow_after == flow_before  # every other step counts the same reports
    m = after.months.set_index(["participation_id", "month"]).loc[(pid, pd.Timestamp(month + "-01"))]
    assert m["hours_own_work"] == 11 and m["hours_language"] == 4
    assert m[[c for c in al.HOUR_COLUMNS if c not in ("hours_own_work", "hours_language")]].sum() == 0


# --------------------------------------------------------------------------- fields of one row that disagree

def test_bad_end_before_start(ex):
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, p["Slutdatum"].notna())
    day_before = (p["Startdatum"].iloc[rows[0]] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    lines = ex.set("Deltaganden", rows, "Slutdatum", day_before)
    check(load_error(ex.folder), ex.file("Deltaganden"), "Slutdatum", "end_date", "end_not_before_start", lines)


def test_bad_end_reason_without_end_date(ex):
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, p["Slutdatum"].notna(), 2)
    lines = ex.set("Deltaganden", rows, "Slutdatum", "")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Slutdatum", "end_date", "end_date_with_reason", lines)


def test_bad_start_before_the_service_opened(ex):
    lines = ex.set("Deltaganden", [12], "Startdatum", "2019-12-02")
    check(load_error(ex.folder), ex.file("Deltaganden"), "Startdatum", "start_date", "service_started", lines)


def test_bad_birth_date_gives_an_implausible_age(ex):
    p = ex.frames["Deltaganden"]
    born = (p["Startdatum"].iloc[14] - pd.DateOffset(years=12)).strftime("%Y-%m-%d")
    lines = ex.set("Deltaganden", [14], "Fodelsedatum", born)
    err = load_error(ex.folder)
    check(err, ex.file("Deltaganden"), "Fodelsedatum", "age_at_start", "plausible_age", lines)
    assert err.examples["age_at_start"].tolist() == [12]


def test_bad_report_submitted_before_its_month(ex):
    r = ex.frames["PeriodiskaRapporter"]
    early = (pd.Timestamp(r["Rapportmanad"].iloc[15] + "-01") - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    lines = ex.set("PeriodiskaRapporter", [15], "Inskickad", early)
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "Inskickad", "submitted_date",
          "submitted_not_before_month", lines)


def test_bad_approved_before_filed(ex):
    res = ex.frames["Resultat"]
    rows = positions(res, res["Godkand"].notna())
    early = (res["Inlamnad"].iloc[rows[0]] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    lines = ex.set("Resultat", rows, "Godkand", early)
    check(load_error(ex.folder), ex.file("Resultat"), "Godkand", "approved_date", "approved_not_before_filed",
          lines)


def test_bad_contract_before_the_first_band(ex):
    lines = ex.set("Leverantorsavtal", [5], "Avtalsstart", "2019-06-01")
    check(load_error(ex.folder), ex.file("Leverantorsavtal"), "Avtalsstart", "generation", "bands", lines)


# --------------------------------------------------------------------------- across tables

UNKNOWN_ID = 999_999_999


def test_bad_orphan_periodic_report(ex):
    lines = ex.set("PeriodiskaRapporter", [100, 101], "DeltagandeID", UNKNOWN_ID)
    err = load_error(ex.folder)
    check(err, ex.file("PeriodiskaRapporter"), "DeltagandeID", "participation_id",
          "reference:participations.participation_id", lines)
    assert err.examples["DeltagandeID"].tolist() == [str(UNKNOWN_ID)] * 2  # the rows as the extract has them


def test_bad_orphan_result(ex):
    lines = ex.set("Resultat", [7], "DeltagandeID", UNKNOWN_ID)
    check(load_error(ex.folder), ex.file("Resultat"), "DeltagandeID", "participation_id",
          "reference:participations.participation_id", lines)


def test_bad_deviation_of_an_unknown_participation(ex):
    """The agency mapping looks a deviation's provider up through its participation: an
    unknown DeltagandeID is reported by that lookup, on the agency's column."""
    lines = ex.set("Avvikelser", [9, 10, 11], "DeltagandeID", UNKNOWN_ID)
    err = load_error(ex.folder)
    check(err, ex.file("Avvikelser"), "DeltagandeID", "participation_id", "lookup_found", lines)
    assert "Deltaganden" in err.detail and "provider_id" in err.detail


def test_bad_orphan_deviation(ex, tmp_path):
    """Without the lookup (a mapping that gives deviations a constant provider) the same
    deviation is an orphan of the reference check."""
    mapping = tmp_path / "mapping_constant_provider.yml"
    text = MAPPING.read_text(encoding="utf-8")
    old = "      provider_id: {lookup: {table: participations, by: participation_id}}\n"
    assert old in text
    mapping.write_text(text.replace(old, '      provider_id: {constant: "P0001"}\n'), encoding="utf-8")
    lines = ex.set("Avvikelser", [9], "DeltagandeID", UNKNOWN_ID)
    check(load_error(ex.folder, mapping=mapping), ex.file("Avvikelser"), "DeltagandeID", "participation_id",
          "reference:participations.participation_id", lines)


def test_bad_orphan_register_event(ex):
    lines = ex.set("Registerhandelser", [2], "PersonLopNr", UNKNOWN_ID)
    check(load_error(ex.folder), ex.file("Registerhandelser"), "PersonLopNr", "person_id",
          "reference:participations.person_id", lines)


def test_bad_participation_without_contract(ex):
    lines = ex.set("Deltaganden", [11], "Leveransomrade", "X-99")
    check(load_error(ex.folder), ex.file("Deltaganden"), "LeverantorID,Leveransomrade",
          "provider_id,delivery_area", "reference:contracts.provider_id,delivery_area", lines)


def test_bad_report_by_an_unknown_provider(ex):
    lines = ex.set("PeriodiskaRapporter", [60], "LeverantorID", "P9999")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "LeverantorID", "provider_id",
          "reference:providers.provider_id", lines)


def test_bad_rating_without_contract(ex):
    lines = ex.set("Betyg", [1], "Leveransomrade", "X-99")
    check(load_error(ex.folder), ex.file("Betyg"), "LeverantorID,Leveransomrade", "provider_id,delivery_area",
          "reference:contracts.provider_id,delivery_area", lines)


def test_bad_result_before_its_participation_started(ex):
    res, p = ex.frames["Resultat"], ex.frames["Deltaganden"]
    start = res["DeltagandeID"].map(p.set_index("DeltagandeID")["Startdatum"])
    early = (start.iloc[3] - pd.Timedelta(days=10)).strftime("%Y-%m-%d")
    lines = ex.set("Resultat", [3], "Handelsedatum", early)
    err = load_error(ex.folder)
    check(err, ex.file("Resultat"), "Handelsedatum", "event_date", "result_not_before_start", lines)
    assert err.examples["participation_start_date"].tolist() == [start.iloc[3]]


def test_bad_result_type_of_the_other_generation(ex):
    res, p = ex.frames["Resultat"], ex.frames["Deltaganden"]
    service = res["DeltagandeID"].map(p.set_index("DeltagandeID")["Tjanst"])
    rows = positions(res, service == "Rusta och matcha")
    lines = ex.set("Resultat", rows, "Resultattyp", "Resultat efter 3 månader")
    check(load_error(ex.folder), ex.file("Resultat"), "Resultattyp", "result_type",
          "result_type_fits_generation", lines)


def test_bad_report_month_outside_its_participation(ex):
    r, p = ex.frames["PeriodiskaRapporter"], ex.frames["Deltaganden"]
    start = r["DeltagandeID"].map(p.set_index("DeltagandeID")["Startdatum"])
    before = (start.iloc[40] - pd.DateOffset(months=2)).strftime("%Y-%m")
    lines = ex.set("PeriodiskaRapporter", [40], "Rapportmanad", before)
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "Rapportmanad", "month",
          "report_within_participation", lines)


def test_bad_hours_over_the_month(ex):
    lines = ex.set("PeriodiskaRapporter", [70], "TimEgetArbete", "800")
    err = load_error(ex.folder)
    check(err, ex.file("PeriodiskaRapporter"), ",".join(HOURS), "hours_*", "hours_fit_month", lines)
    assert err.examples["TimEgetArbete"].tolist() == ["800"]


def test_bad_quarter_hours_in_rom1(ex):
    r, p = ex.frames["PeriodiskaRapporter"], ex.frames["Deltaganden"]
    service = r["DeltagandeID"].map(p.set_index("DeltagandeID")["Tjanst"])
    rows = positions(r, service == "Rusta och matcha", 2)
    lines = ex.set("PeriodiskaRapporter", rows, "TimSprak", "2,25")
    check(load_error(ex.folder), ex.file("PeriodiskaRapporter"), "TimSprak", "hours_language", "hour_unit", lines)


# --------------------------------------------------------------------------- benign variants

CRLF_NOTE = "CRLF line ends (Windows)"
NO_BOM_NOTE = "UTF-8 without BOM"
BLANKS_NOTE = "blanks around values removed (values)"
EMPTY_ROWS_NOTE = "empty rows skipped (e.g. Excel's ;;;; rows)"
QUOTED_NOTE = "quoted values"
EMPTY_LINES_NOTE = "empty lines skipped"
TABLE_OF = {stem: table for table, stem in al.STEMS.items()}


def all_notes(ds) -> dict[tuple[str, str], int]:
    """{(table, note): rows} of `Dataset.load_notes` (the file, a path, left out)."""
    n = ds.load_notes
    return dict(zip(zip(n["table"], n["note"]), n["rows"]))


def assert_loads_as_clean(ex: Extract, clean: Clean, notes: dict[tuple[str, str], int | None], mapping=MAPPING):
    """The extract loads to the clean load's frames, and its notes are the clean ones
    changed by ``notes`` ({(table, note): rows}, None = the note is gone)."""
    ds = romlab.load(ex.folder, mapping=mapping)
    for name, frame in clean.ds.tables().items():
        pd.testing.assert_frame_equal(ds[name], frame, obj=name)
    want = all_notes(clean.ds)
    for key, rows in notes.items():
        if rows is None:
            del want[key]
        else:
            want[key] = rows
    assert all_notes(ds) == want


def test_clean_load_notes(clean):
    """The clean extract (as Excel writes it) has one note per file: CRLF on every line."""
    assert all_notes(clean.ds) == {(TABLE_OF[stem], CRLF_NOTE): len(frame) + 1
                                   for stem, frame in clean.frames.items()}


def test_benign_surrounding_whitespace(ex, clean):
    lines = ex.lines("Deltaganden")
    for i in (1, 2, 3):  # 5 values of 3 rows: an id, two codes, a date, a percentage
        lines[i] = ";".join(f"  {f} " if k in (0, 3, 6, 15, 17) else f for k, f in enumerate(lines[i].split(";")))
    ex.write("Deltaganden", lines)
    assert_loads_as_clean(ex, clean, {("participations", BLANKS_NOTE): 15})


def test_benign_excel_empty_rows(ex, clean):
    """Excel's ;;;; rows first, in the middle and last: skipped, counted, rows not renumbered."""
    lines = ex.lines("Avvikelser")
    empty = ";" * (len(lines[0].split(";")) - 1)
    ex.write("Avvikelser", [lines[0], empty] + lines[1:10] + [empty, empty] + lines[10:] + [empty])
    # the deviations' generated ids (row numbers) are the clean ones
    assert_loads_as_clean(ex, clean, {("deviation_reports", EMPTY_ROWS_NOTE): 4,
                                      ("deviation_reports", CRLF_NOTE): len(lines) + 4})


def test_benign_extra_columns(ex, clean):
    lines = ex.lines("Resultat")
    lines = [lines[0] + ";Kommentar;Handlaggare"] + [line + ";ok;H12" for line in lines[1:]]
    ex.write("Resultat", lines)
    assert_loads_as_clean(ex, clean, {("result_reports", "extra columns ignored: Kommentar, Handlaggare"): 0})


def test_benign_lf_line_ends(ex, clean):
    ex.write("Avvikelser", ex.lines("Avvikelser"), newline="\n")
    assert_loads_as_clean(ex, clean, {("deviation_reports", CRLF_NOTE): None})


def test_benign_no_bom(ex, clean):
    ex.write("Betyg", ex.lines("Betyg"), bom=False)
    assert_loads_as_clean(ex, clean, {("provider_ratings", NO_BOM_NOTE): 0})


def test_benign_every_field_quoted(ex, clean):
    lines = ex.lines("Registerhandelser")
    ex.write("Registerhandelser", [";".join(f'"{f}"' for f in line.split(";")) for line in lines])
    # 3 columns: every value of every data row (the quoted header names are not values)
    assert_loads_as_clean(ex, clean, {("register_events", QUOTED_NOTE): 3 * (len(lines) - 1)})


def test_benign_columns_in_another_order(ex, clean):
    """Columns are found by name: another order changes nothing and is not worth a note."""
    lines = [line.split(";") for line in ex.lines("Deltaganden")]
    order = list(range(len(lines[0])))[::-1]
    ex.write("Deltaganden", [";".join(f[k] for k in order) for f in lines])
    assert_loads_as_clean(ex, clean, {})


def test_benign_quoted_separator_in_a_code(ex, clean, tmp_path):
    """A code that holds the separator, quoted in the file, is one field (a test mapping
    maps it; the agency layout has no free-text column)."""
    mapping = tmp_path / "mapping_semicolon.yml"
    text = MAPPING.read_text(encoding="utf-8")
    old = 'level: {source: Niva, codes: {"Nivå A": A, "Nivå B": B, "Nivå C": C}}'
    assert old in text
    mapping.write_text(text.replace(old, 'level: {source: Niva, codes: {"Nivå A; grund": A, "Nivå A": A, '
                                         '"Nivå B": B, "Nivå C": C}}'), encoding="utf-8")
    p = ex.frames["Deltaganden"]
    rows = part_rows(ex, p["Niva"] == "Nivå A", 3)
    ex.set("Deltaganden", rows, "Niva", '"Nivå A; grund"')
    assert_loads_as_clean(ex, clean, {("participations", QUOTED_NOTE): 3}, mapping=mapping)


def test_benign_trailing_empty_line(ex, clean):
    lines = ex.lines("Leverantorsavtal")
    ex.write("Leverantorsavtal", lines + [""])
    assert_loads_as_clean(ex, clean, {("contracts", EMPTY_LINES_NOTE): 1,
                                      ("contracts", CRLF_NOTE): len(lines) + 1})


def test_benign_all_at_once(ex, clean):
    """Every tolerated irregularity in one file: the same frames, each counted."""
    lines = ex.lines("PeriodiskaRapporter")
    width = len(lines[0].split(";"))
    quoted = [";".join(f'"{f}"' if k == 2 else f" {f}" if k == 3 else f for k, f in enumerate(line.split(";")))
              for line in lines[1:]]
    ex.write("PeriodiskaRapporter", [lines[0] + ";Extra"] + [q + ";x" for q in quoted[:5]] + [";" * width]
             + [q + ";x" for q in quoted[5:]] + [""], bom=False, newline="\n")
    n = len(lines) - 1
    assert_loads_as_clean(ex, clean, {
        ("periodic_reports", BLANKS_NOTE): n, ("periodic_reports", EMPTY_ROWS_NOTE): 1,
        ("periodic_reports", EMPTY_LINES_NOTE): 1, ("periodic_reports", QUOTED_NOTE): n,
        ("periodic_reports", CRLF_NOTE): None, ("periodic_reports", NO_BOM_NOTE): 0,
        ("periodic_reports", "extra columns ignored: Extra"): 0})


# --------------------------------------------------------------------------- mistakes in the mapping file

def mapping_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the agency mapping with ``old`` replaced by ``new`` (once), and the line
    the replacement starts on."""
    text = MAPPING.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    at = text.index(old)
    path = tmp_path / "mapping.yml"
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return path, text.count("\n", 0, at) + 1


def mapping_error(path: Path, data=None) -> MappingError:
    with pytest.raises(MappingError) as info:
        if data is None:
            read_mapping(path)
        else:
            romlab.load(data, mapping=path)
    err = info.value
    assert "\n" not in err.one_line()
    assert str(path) in err.one_line()
    return err


def test_mapping_unknown_contract_column(tmp_path):
    path, line = mapping_with(tmp_path, "      level: {source: Niva", "      nivå: {source: Niva")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_column_in_contract")
    assert f"line {line}" in err.one_line() and "'nivå'" in err.one_line()


def test_mapping_source_column_not_in_the_file(tmp_path, clean):
    path, line = mapping_with(tmp_path, "      level: {source: Niva,", "      level: {source: Nivå,")
    err = mapping_error(path, clean.folder)
    assert (err.line, err.rule) == (line, "mapping_column_exists")
    assert (err.file, err.source_column, err.column) == (str(clean.folder / "Deltaganden.csv"), "Nivå", "level")
    assert f"{path} line {line}" in err.one_line()


def test_mapping_unknown_rule(tmp_path):
    path, line = mapping_with(tmp_path, "{source: BedomdJobbchans, scale: 0.01}",
                              "{source: BedomdJobbchans, scal: 0.01}")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_rule_known")
    assert "'scal'" in err.one_line()


def test_mapping_bad_date_format(tmp_path):
    path, line = mapping_with(tmp_path, 'month_format: "%Y-%m"', 'month_format: "%Y-%Q"')
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_date_format")
    assert "%Q" in err.one_line()


def test_mapping_bad_column_date_format(tmp_path):
    path, line = mapping_with(tmp_path, "      start_date: Startdatum\n",
                              '      start_date: {source: Startdatum, format: "%d/%Q/%Y"}\n')
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_date_format")


def test_mapping_two_rules_in_one_column(tmp_path):
    path, line = mapping_with(tmp_path, "      end_recorded_date: {same_as: end_date}",
                              "      end_recorded_date: {same_as: end_date, constant: 2023-01-01}")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_rule_known")
    assert "same_as" in err.one_line() and "constant" in err.one_line()


def test_mapping_same_as_a_non_column(tmp_path):
    path, line = mapping_with(tmp_path, "      end_recorded_date: {same_as: end_date}",
                              "      end_recorded_date: {same_as: slutdatum}")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_column_in_contract")
    assert "'slutdatum'" in err.one_line()


def test_mapping_lookup_by_a_non_key(tmp_path):
    path, line = mapping_with(tmp_path, "{lookup: {table: participations, by: participation_id}}",
                              "{lookup: {table: participations, by: person_id}}")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_column_in_contract")
    assert "'person_id'" in err.one_line()


def test_mapping_bad_yaml(tmp_path):
    path, line = mapping_with(tmp_path, "      sex: {source: Kon, codes: {\"Kvinna\": woman, \"Man\": man}}",
                              "      sex: {source: Kon, codes: {\"Kvinna\": woman, \"Man\": man}")
    err = mapping_error(path)
    assert err.rule == "mapping_format" and "not valid YAML" in err.one_line()
    # YAML notices the missing brace at the next token: the column two lines on (after a comment)
    assert err.line == line + 2


def test_mapping_unknown_table(tmp_path):
    path, line = mapping_with(tmp_path, "  provider_ratings:\n", "  betyg:\n")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line, "mapping_table_known")
    assert "'betyg'" in err.one_line()


def test_mapping_resubmission_on_the_wrong_table(tmp_path):
    path, line = mapping_with(tmp_path, "    file: Resultat\n", "    file: Resultat\n    resubmission: latest\n")
    err = mapping_error(path)
    assert (err.line, err.rule) == (line + 1, "mapping_rule_known")
    assert "periodic_reports" in err.one_line()
