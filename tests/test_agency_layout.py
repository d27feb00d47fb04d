"""The agency layout (romlab/dataset/agency_layout.py) and its mapping (data/mapping_agency.yml).

The writer is checked on a hand-made dataset (every line of the expected CSV worked out
by hand) and on the committed sample: headers, BOM, CRLF, ``;``, decimal commas,
percent job chance, value labels in the .dta, the SQLite tables. The mapping file is
checked twice: applied by hand in pandas (`_apply_mapping`, the version-2 rules of
docs/mapping.md: source, codes, scale, bands, flags, same_as, row_number,
lookup, derive) and through `romlab.load(..., mapping=...)`; both give the sample's
tables back exactly where the layout carries the information and the documented
stand-ins where it does not (`_expected`). The report's tables, models and headline
figures computed from the agency CSV equal those of the sample.
"""

from __future__ import annotations

import json

import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from romlab.dataset import agency_layout as al
from romlab.dataset import codes
from romlab import paths
from romlab.dataset.errors import DataError
from romlab.dataset.contract import TABLES

MAPPING = paths.DATA / "mapping_agency.yml"
SAMPLE = paths.SAMPLE

D = pd.Timestamp
NaT = pd.NaT


# --------------------------------------------------------------------------- data

def _read_sample() -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(SAMPLE / f"{name}.parquet") for name in TABLES}


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return _read_sample()


@pytest.fixture(scope="module")
def written(sample, tmp_path_factory) -> dict[str, Path]:
    """The sample written in each agency format: {format: folder}."""
    out = {}
    for fmt in al.FORMATS:
        folder = tmp_path_factory.mktemp(f"agency_{fmt}")
        al.write_agency(sample, folder, fmt=fmt)
        out[fmt] = folder
    return out


@pytest.fixture(scope="module")
def mapping() -> dict:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))


def _hand_tables() -> dict[str, pd.DataFrame]:
    """A hand-made contract dataset: three participations (ids 1-3, both parities), two
    reports (one of RoM 2 with quarter hours), one deviation, results, events, contracts
    of both generations and two ratings (one missing)."""
    hours = {c: 0.0 for c in codes.HOUR_COLUMNS}
    participations = pd.DataFrame([
        (1, 101, "P1", "R1-01", 1, D("2021-02-01"), D("2021-02-15"), D("2021-09-30"), "work_or_studies",
         D("2021-10-04"), "A", 0.5448, "woman", True, False, "compulsory", D("1990-04-03"), 88, "jog"),
        (2, 102, "P2", "R2-01", 2, D("2023-05-02"), D("2023-05-08"), D("2023-09-01"), "work_or_studies",
         D("2023-09-02"), "B", 0.125, "man", False, True, "post_secondary", D("1975-12-24"), 400, "none"),
        (3, 103, "P2", "R2-01", 2, D("2023-06-01"), D("2023-06-05"), NaT, None, NaT,
         "C", 0.07, "woman", False, False, "upper_secondary", D("2001-01-31"), 0, "establishment"),
    ], columns=["participation_id", "person_id", "provider_id", "delivery_area", "generation", "recorded_date",
                "start_date", "end_date", "end_reason", "end_recorded_date", "level", "job_chance", "sex",
                "born_abroad", "disability", "education", "birth_date", "days_registered", "framework_programme"])
    periodic_reports = pd.DataFrame([
        {"report_id": 1, "participation_id": 1, "provider_id": "P1", "month": D("2021-03-01"),
         "placement_period": 1, "submitted_date": D("2021-04-06"),
         **{**hours, "hours_own_work": 12.0, "hours_guidance": 3.0}},
        {"report_id": 2, "participation_id": 2, "provider_id": "P2", "month": D("2023-06-01"),
         "placement_period": 2, "submitted_date": D("2023-07-10"),
         **{**hours, "hours_motivational": 1.25, "hours_digital": 2.5, "hours_language": 0.75}},
    ])
    deviation_reports = pd.DataFrame([(1, 2, "P2", D("2023-06-12"), D("2023-06-13"))],
                                     columns=["deviation_id", "participation_id", "provider_id", "deviation_date",
                                              "submitted_date"])
    result_reports = pd.DataFrame([
        (1, 1, "P1", "R1", "work", D("2021-10-01"), D("2021-10-08"), D("2021-10-15")),
        (2, 2, "P2", "R3M", "studies", D("2023-09-02"), D("2023-12-05"), NaT),
    ], columns=["result_id", "participation_id", "provider_id", "result_type", "outcome", "event_date",
                "filed_date", "approved_date"])
    register_events = pd.DataFrame([
        (1, 101, "subsidised_employment", D("2021-10-01"), D("2021-10-12")),
        (2, 103, "exit_unsubsidised_work", D("2023-11-20"), D("2023-11-22")),
    ], columns=["event_id", "person_id", "event_type", "event_date", "recorded_date"])
    providers = pd.DataFrame({"provider_id": ["P1", "P2"], "provider_name": ["Alfa AB", "Beta AB"]})
    contracts = pd.DataFrame([
        ("P1", "R1-01", 1, D("2020-03-31"), D("2023-04-16"), D("2023-01-16")),
        ("P2", "R2-01", 2, D("2023-04-17"), NaT, NaT),
    ], columns=["provider_id", "delivery_area", "generation", "contract_start", "contract_end",
                "end_recorded_date"])
    provider_ratings = pd.DataFrame({
        "provider_id": ["P2", "P2"], "delivery_area": ["R2-01", "R2-01"],
        "publication_month": [D("2023-11-01"), D("2024-01-01")],
        "rating": pd.array([None, 3], dtype="Int64"),
        "published_date": [D("2023-11-15"), D("2024-01-15")],
    })
    tables = {"participations": participations, "periodic_reports": periodic_reports,
              "deviation_reports": deviation_reports, "result_reports": result_reports,
              "register_events": register_events, "providers": providers, "contracts": contracts,
              "provider_ratings": provider_ratings}
    return {name: TABLES[name].schema.validate(df) for name, df in tables.items()}


#: The hand-made dataset as the agency's CSV files, worked out by hand (without the BOM;
#: lines end in CRLF).
HAND_CSV = {
    "Deltaganden": [
        "DeltagandeID;PersonLopNr;Fodelsedatum;Kon;UtrikesFodd;Funktionsnedsattning;Utbildningsniva;"
        "Inskrivningsdagar;JOB;UGA;Etablering;Tjanst;LeverantorID;Leveransomrade;Anvisningsdatum;Startdatum;"
        "Niva;BedomdJobbchans;Slutdatum;Avslutsorsak",
        # odd id: work_or_studies → Studier, compulsory → "9 (10) år"
        "1;101;1990-04-03;Kvinna;Ja;Nej;Förgymnasial utbildning 9 (10) år;88;Ja;Nej;Nej;Rusta och matcha;"
        "P1;R1-01;2021-02-01;2021-02-15;Nivå A;54,48;2021-09-30;Studier",
        # even id: work_or_studies → Arbete, post_secondary → "kortare än 3 år"
        "2;102;1975-12-24;Man;Nej;Ja;Eftergymnasial utbildning kortare än 3 år;400;Nej;Nej;Nej;"
        "Rusta och matcha 2;P2;R2-01;2023-05-02;2023-05-08;Nivå B;12,5;2023-09-01;Arbete",
        # ongoing: empty end date and reason
        "3;103;2001-01-31;Kvinna;Nej;Nej;Gymnasial utbildning 3 år;0;Nej;Nej;Ja;Rusta och matcha 2;P2;R2-01;"
        "2023-06-01;2023-06-05;Nivå C;7;;",
    ],
    "PeriodiskaRapporter": [
        "RapportID;DeltagandeID;Rapportmanad;Placeringsperiod;LeverantorID;TimEgetArbete;TimHalsoframjande;"
        "TimUtvecklingsmote;TimInformation;TimAnnanAktor;TimArbetsgivarkontakter;TimKortareUtbildning;"
        "TimMotiverandeSamtal;TimPraktisktStod;TimDigitalKompetens;TimSprak;TimVagledning;Inskickad",
        "1;1;2021-03;1;P1;12;0;0;0;0;0;0;0;0;0;0;3;2021-04-06",
        "2;2;2023-06;2;P2;0;0;0;0;0;0;0;1,25;0;2,5;0,75;0;2023-07-10",
    ],
    "Avvikelser": ["DeltagandeID;Avvikelsedatum", "2;2023-06-12"],
    "Resultat": [
        "DeltagandeID;Resultattyp;Utfall;Handelsedatum;LeverantorID;Inlamnad;Godkand",
        "1;Resultat 1;Arbete;2021-10-01;P1;2021-10-08;2021-10-15",
        "2;Resultat efter 3 månader;Studier;2023-09-02;P2;2023-12-05;",
    ],
    "Registerhandelser": [
        "PersonLopNr;Handelsedatum;Handelsetyp",
        "101;2021-10-01;Beslut om subventionerad anställning",
        "103;2023-11-20;Avaktualiserad till osubventionerat arbete",
    ],
    "Leverantorsavtal": [
        "Leveransomrade;LeverantorID;Avtalsstart;Avtalsslut;AvslutBeslutat",
        "R1-01;P1;2020-03-31;2023-04-16;2023-01-16",
        "R2-01;P2;2023-04-17;;",
    ],
    "Betyg": ["Publiceringsmanad;Leveransomrade;LeverantorID;Betyg", "2023-11;R2-01;P2;", "2024-01;R2-01;P2;3"],
}


# --------------------------------------------------------------------------- the mapping, by hand

def _read_csv(folder: Path, stem: str) -> pd.DataFrame:
    """Every field as text, an empty field as missing (what the mapping's csv settings say)."""
    return pd.read_csv(folder / f"{stem}.csv", sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""])


def _read_dta(folder: Path, stem: str) -> pd.DataFrame:
    """Value-labelled columns as their label texts (the mapping's ``value_labels: true``)."""
    df = pd.read_stata(folder / f"{stem}.dta", convert_categoricals=True)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(object)
        elif pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].astype("datetime64[ns]")
    return df


def _read_sqlite(folder: Path, stem: str) -> pd.DataFrame:
    with sqlite3.connect(folder / "agency.db") as con:
        return pd.read_sql(f'SELECT * FROM "{stem}"', con)


READERS = {"csv": _read_csv, "dta": _read_dta, "sqlite": _read_sqlite}


def _number(s: pd.Series, decimal: str) -> pd.Series:
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        s = s.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(s)


def _date(s: pd.Series, fmt: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    return pd.to_datetime(s, format=fmt).astype("datetime64[ns]")


def _yes(s: pd.Series) -> pd.Series:
    m = s.str.lower().map({"ja": True, "nej": False})
    assert m.notna().all(), s[m.isna()].unique()
    return m.astype(bool)


def _apply_mapping(mapping: dict, read) -> dict[str, pd.DataFrame]:
    """Contract tables from an extract, by the version-2 rules of the mapping file, in
    pandas: the loader's job done by hand, so the mapping file is checked independently
    of the loader's code."""
    decimal = mapping["csv"]["decimal"]
    out: dict[str, pd.DataFrame] = {}
    later: list[tuple[str, str, dict]] = []  # lookups and same_as, once every table is read
    for name, spec in TABLES.items():
        tm = mapping["tables"][name]
        if tm.get("derive") == "from_contracts":
            continue
        raw = read(tm["file"])
        df = pd.DataFrame(index=raw.index)
        for col, c in spec.schema.columns.items():
            how = tm["columns"].get(col, col)
            how = {"source": how} if isinstance(how, str) else how
            if "source" not in how:
                if "row_number" in how:
                    df[col] = np.arange(1, len(raw) + 1, dtype="int64")
                elif "flags" in how:
                    yes = pd.DataFrame({f: _yes(raw[f]) for f in how["flags"]})
                    assert (yes.sum(axis=1) <= 1).all()
                    df[col] = how["otherwise"]
                    for flag, code in how["flags"].items():
                        df.loc[yes[flag].to_numpy(), col] = code
                else:
                    later.append((name, col, how))
                continue
            if how["source"] not in raw.columns:
                assert not c.required, (name, col)
                continue
            s = raw[how["source"]]
            if "codes" in how:
                mapped = s.map(how["codes"])
                assert (mapped.notna() == s.notna()).all(), (name, col, s[mapped.isna() & s.notna()].unique())
                s = mapped
            if "bands" in how:
                d = _date(s, mapping["date_format"]).to_numpy()
                starts = pd.to_datetime(list(how["bands"])).to_numpy()
                i = np.searchsorted(starts, d, side="right") - 1
                assert (i >= 0).all()
                s = pd.Series(np.array(list(how["bands"].values()))[i], index=raw.index)
            dtype = str(c.dtype)
            if dtype.startswith("datetime"):
                fmt = mapping["month_format"] if col in ("month", "publication_month") else mapping["date_format"]
                s = _date(s, how.get("format", fmt))
            elif dtype == "bool":
                s = _yes(s)
            elif dtype == "float64":
                s = _number(s, decimal)
                if "scale" in how:
                    s = (s * how["scale"]).round(12)
            elif dtype in ("int64", "Int64"):
                s = _number(s, decimal).astype(dtype)
            else:
                s = s.astype("str")
            df[col] = s
        out[name] = df.reset_index(drop=True)
    for name, col, how in later:
        df = out[name]
        if "same_as" in how:
            df[col] = df[how["same_as"]]
        elif "lookup" in how:
            lk = how["lookup"]
            other = out[lk["table"]].set_index(lk["by"])[lk.get("column", col)]
            df[col] = other.reindex(df[lk["by"]]).to_numpy()
        else:
            raise AssertionError(f"{name}.{col}: {how}")
    out["providers"] = pd.DataFrame({"provider_id": sorted(out["contracts"]["provider_id"].unique())})
    return {name: out[name][[c for c in TABLES[name].schema.columns if c in out[name]]] for name in TABLES}


def _expected(contract: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What the agency layout plus the mapping give for `contract`: the same tables, with
    the mapping's stand-ins where the layout does not carry a column."""
    e = {name: df.copy() for name, df in contract.items()}
    p = e["participations"]
    p["end_recorded_date"] = p["end_date"]
    dev = e["deviation_reports"]
    dev["provider_id"] = p.set_index("participation_id")["provider_id"].reindex(dev["participation_id"]).to_numpy()
    dev["submitted_date"] = dev["deviation_date"]
    e["register_events"]["recorded_date"] = e["register_events"]["event_date"]
    e["provider_ratings"]["published_date"] = e["provider_ratings"]["publication_month"]
    e["providers"] = e["providers"][["provider_id"]]
    return e


def _assert_tables_equal(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    for name in TABLES:
        a = got[name].reset_index(drop=True)
        b = want[name].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True, obj=name)


# --------------------------------------------------------------------------- the writer

def test_hand_made_data_give_the_hand_worked_csv(tmp_path):
    al.write_agency(_hand_tables(), tmp_path, fmt="csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.csv" for s in HAND_CSV)
    for stem, lines in HAND_CSV.items():
        raw = (tmp_path / f"{stem}.csv").read_bytes()
        assert raw == ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"), stem


def test_agency_tables_types_and_order(sample):
    files = al.agency_tables(sample)
    assert list(files) == list(al.STEMS.values())
    assert "providers" not in al.STEMS and all(list(df.columns) == al.COLUMNS[s] for s, df in files.items())
    assert len(files["Deltaganden"]) == len(sample["participations"])
    assert len(files["Avvikelser"]) == len(sample["deviation_reports"])
    p = files["Deltaganden"]
    # the columns are not in the contract's order: the birth date comes third
    assert list(p.columns[:3]) == ["DeltagandeID", "PersonLopNr", "Fodelsedatum"]
    assert p["Fodelsedatum"].dtype == "datetime64[ns]"
    assert files["Betyg"]["Publiceringsmanad"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_csv_is_swedish_excel(written, sample):
    folder = written["csv"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.csv" for s in al.COLUMNS)
    for stem, cols in al.COLUMNS.items():
        raw = (folder / f"{stem}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf" + ";".join(cols).encode() + b"\r\n"), stem
        assert raw.count(b"\n") == raw.count(b"\r\n"), stem  # CRLF only
        assert b"," not in raw.split(b"\r\n")[0]
    text = (folder / "PeriodiskaRapporter.csv").read_text(encoding="utf-8-sig")
    rep = _read_csv(folder, "PeriodiskaRapporter")
    hours = rep[list(al.HOUR_COLUMNS.values())].stack()
    assert hours.str.fullmatch(r"\d+(,(25|5|75))?").all()  # decimal comma, no trailing zeros
    assert hours.str.contains(",").any() and "." not in text
    assert rep["Rapportmanad"].str.fullmatch(r"\d{4}-\d{2}").all()
    for stem, cols in al.DATE_COLUMNS.items():
        df = _read_csv(folder, stem)
        for col in cols:
            assert df[col].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (stem, col)
    part = _read_csv(folder, "Deltaganden")
    # empty field = missing: an ongoing participation has neither end date nor reason
    ongoing = sample["participations"]["end_date"].isna().to_numpy()
    assert ongoing.any() and (part["Slutdatum"].isna().to_numpy() == ongoing).all()
    assert (part["Avslutsorsak"].isna().to_numpy() == ongoing).all()


def test_no_key_or_date_the_agency_does_not_deliver(written):
    header = {s: _read_csv(written["csv"], s).columns.tolist() for s in al.COLUMNS}
    assert header["Avvikelser"] == ["DeltagandeID", "Avvikelsedatum"]
    assert header["Registerhandelser"] == ["PersonLopNr", "Handelsedatum", "Handelsetyp"]
    assert header["Resultat"] == ["DeltagandeID", "Resultattyp", "Utfall", "Handelsedatum", "LeverantorID",
                                  "Inlamnad", "Godkand"]
    assert not any(re.search(r"Avslut(Registrerat|datum)|Registrerad", c) for c in header["Deltaganden"])
    assert "Generation" not in header["Leverantorsavtal"] and "Publicerad" not in header["Betyg"]


def test_job_chance_in_percent_gives_the_share_back_exactly(written, sample):
    part = _read_csv(written["csv"], "Deltaganden")
    jc = sample["participations"]["job_chance"].to_numpy()
    text = part["BedomdJobbchans"]
    assert text.str.fullmatch(r"\d{1,3}(,\d{1,2})?").all()
    back = np.round(pd.to_numeric(text.str.replace(",", ".")).to_numpy() * 0.01, 12)
    assert (back == jc).all()
    # every share with 4 decimals, and random shares with up to 12, come back exactly
    shares = np.r_[np.round(np.arange(10001) / 10000, 4),
                   np.round(np.random.default_rng(1).random(20000), 12)]
    txt = pd.Series(al._percent(pd.Series(shares))).map(lambda v: "%.15g" % v)
    assert (np.round(txt.astype(float).to_numpy() * 0.01, 12) == shares).all()


def test_many_to_one_codes_follow_the_parity_of_the_participation(sample):
    p = al.agency_tables(sample)["Deltaganden"]
    even = sample["participations"]["participation_id"].to_numpy() % 2 == 0
    ws = (sample["participations"]["end_reason"] == "work_or_studies").to_numpy()
    assert set(p.loc[ws & even, "Avslutsorsak"]) == {"Arbete"}
    assert set(p.loc[ws & ~even, "Avslutsorsak"]) == {"Studier"}
    comp = (sample["participations"]["education"] == "compulsory").to_numpy()
    assert set(p.loc[comp & even, "Utbildningsniva"]) == {"Förgymnasial utbildning kortare än 9 år"}
    assert set(p.loc[comp & ~even, "Utbildningsniva"]) == {"Förgymnasial utbildning 9 (10) år"}
    # every text of a coded column occurs in the sample
    assert set(p["Utbildningsniva"]) == set(al.VALUE_LABELS["Utbildningsniva"].values())
    assert set(p["Avslutsorsak"].dropna()) == set(al.VALUE_LABELS["Avslutsorsak"].values())


def test_dta_has_value_labels_stata_dates_and_the_csv_content(written, sample):
    folder = written["dta"]
    files = al.agency_tables(sample)
    with pd.io.stata.StataReader(folder / "Deltaganden.dta") as r:
        labels = r.value_labels()
        assert r.data_label == "Deltaganden"
    assert labels["Niva"] == {1: "Nivå A", 2: "Nivå B", 3: "Nivå C"}
    assert labels["Tjanst"] == {1: "Rusta och matcha", 2: "Rusta och matcha 2"}
    assert labels["UtrikesFodd"] == {0: "Nej", 1: "Ja"}
    for stem, df in files.items():
        with pd.io.stata.StataReader(folder / f"{stem}.dta") as r:
            coded = {c: v for c, v in r.value_labels().items()}
        assert coded == {c: al.VALUE_LABELS[c] for c in df.columns if c in al.VALUE_LABELS}, stem
        raw = pd.read_stata(folder / f"{stem}.dta", convert_categoricals=False, convert_dates=False)
        for col in df.columns:
            if col in al.VALUE_LABELS:  # small integer codes
                assert set(raw[col].dropna()) <= set(al.VALUE_LABELS[col]), (stem, col)
        got = _read_dta(folder, stem)
        for col in al.DATE_COLUMNS[stem]:
            assert pd.api.types.is_datetime64_any_dtype(got[col])
        pd.testing.assert_frame_equal(got, df, check_dtype=False, obj=stem)


def test_dta_read_as_the_loader_reads_it(written):
    pyreadstat = pytest.importorskip("pyreadstat")
    df, meta = pyreadstat.read_dta(str(written["dta"] / "Resultat.dta"), apply_value_formats=True)
    assert meta.variable_value_labels["Resultattyp"] == al.VALUE_LABELS["Resultattyp"]
    assert set(df["Resultattyp"].astype(str)) <= set(al.VALUE_LABELS["Resultattyp"].values())
    assert meta.original_variable_types["Handelsedatum"] == "%td"


def test_same_data_give_the_same_bytes(written, sample, tmp_path):
    """A fixed time stamp in the .dta header: writing again gives the same bytes."""
    again = al.write_agency(sample, tmp_path, fmt="dta")
    assert {s: p.read_bytes() for s, p in again.items()} == \
        {s: (written["dta"] / f"{s}.dta").read_bytes() for s in again}


def test_sqlite_one_table_per_file(written, sample):
    db = written["sqlite"] / "agency.db"
    assert [p.name for p in written["sqlite"].iterdir()] == ["agency.db"]
    with sqlite3.connect(db) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        assert names == sorted(al.COLUMNS)
        types = dict(con.execute("SELECT name, type FROM pragma_table_info('Deltaganden')").fetchall())
        assert types["Startdatum"] == "TEXT" and types["BedomdJobbchans"] == "REAL"
        first = sample["periodic_reports"].iloc[0]
        assert con.execute("SELECT Rapportmanad, Inskickad FROM PeriodiskaRapporter WHERE RapportID = ?",
                           (int(first["report_id"]),)).fetchone() == \
            (first["month"].strftime("%Y-%m"), first["submitted_date"].strftime("%Y-%m-%d"))
        n_missing = con.execute("SELECT count(*) FROM Betyg WHERE Betyg IS NULL").fetchone()[0]
    assert n_missing == int(sample["provider_ratings"]["rating"].isna().sum()) > 0
    for stem, df in al.agency_tables(sample).items():
        got = _read_sqlite(written["sqlite"], stem)
        want = df.copy()
        for col in al.DATE_COLUMNS[stem]:
            want[col] = want[col].dt.strftime("%Y-%m-%d")
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=stem)


def test_generation_follows_from_the_contract_start(sample, mapping):
    """RoM 2 contracts start on or after 2023-04-17, RoM 1 contracts from 2020-03-31 and
    before it: checked on the sample and on freshly generated data."""
    from romlab.dataset import synth

    assert mapping["tables"]["contracts"]["columns"]["generation"]["bands"] == al.GENERATION_BANDS
    assert al.GENERATION_BANDS == {"2020-03-31": 1, "2023-04-17": 2}
    for c in (sample["contracts"], synth.generate(scale=0.005, seed=11)["contracts"]):
        start = c["contract_start"]
        assert (start[c["generation"] == 1] < D("2023-04-17")).all()
        assert (start[c["generation"] == 1] >= D("2020-03-31")).all()
        assert (start[c["generation"] == 2] >= D("2023-04-17")).all()
    bad = _hand_tables()
    bad["contracts"].loc[1, "contract_start"] = D("2023-04-16")  # a RoM 2 contract before RoM 2
    with pytest.raises(DataError) as err:
        al.agency_tables(bad)
    assert err.value.rule == "generation_band" and err.value.column == "generation" and err.value.n_rows == 1


def test_unknown_code_is_an_error():
    bad = _hand_tables()
    bad["participations"]["education"] = bad["participations"]["education"].astype(object)
    bad["participations"].loc[0, "education"] = "doctorate"
    with pytest.raises(DataError) as err:
        al.agency_tables(bad)
    assert (err.value.rule, err.value.column, err.value.n_rows) == ("allowed_codes", "education", 1)
    with pytest.raises(ValueError, match="unknown format"):
        al.write_agency(_hand_tables(), "unused", fmt="xlsx")


# --------------------------------------------------------------------------- the mapping file

def test_mapping_file_matches_the_writer(mapping):
    assert mapping["version"] == 2
    assert mapping["csv"]["separator"] == ";" and mapping["csv"]["decimal"] == ","
    assert mapping["month_format"] == "%Y-%m" and mapping["date_format"] == "%Y-%m-%d"
    tables = mapping["tables"]
    assert set(tables) == set(TABLES)
    assert tables["providers"] == {"derive": "from_contracts"}
    assert {t: tables[t]["file"] for t in al.STEMS} == al.STEMS
    for name, spec in TABLES.items():
        if name == "providers":
            continue
        tm = tables[name]
        assert tm["value_labels"] is True, name
        # every contract column is mapped (age_at_start: computed from birth_date)
        assert set(tm["columns"]) == set(spec.schema.columns) - {"age_at_start"}, name
        sources = set()
        for col, how in tm["columns"].items():
            how = {"source": how} if isinstance(how, str) else how
            sources |= {how["source"]} if "source" in how else set(how.get("flags", {}))
            if "codes" in how:  # the codes are exactly the texts the writer writes
                assert set(how["codes"]) == set(al.VALUE_LABELS[how["source"]].values()), (name, col)
        assert sources == set(al.COLUMNS[al.STEMS[name]]), name  # every file column is used


def test_each_code_maps_back_to_the_contract_code(mapping):
    """Many-to-one texts map to the contract code they came from (`agency_layout._TEXTS`)."""
    for name in al.STEMS:
        for col, how in mapping["tables"][name]["columns"].items():
            if isinstance(how, dict) and "codes" in how:
                for code, text in al._TEXTS[col].items():
                    for t in (text if isinstance(text, tuple) else (text,)):
                        assert how["codes"][t] == code, (name, col, t)


@pytest.mark.parametrize("fmt", al.FORMATS)
def test_mapping_by_hand_gives_the_contract_tables_back(written, sample, mapping, fmt):
    """Every format, read and mapped by hand, gives the sample back, except the stand-ins
    (`_expected`): generated ids equal the sample's ids (rows are in id order)."""
    got = _apply_mapping(mapping, lambda stem: READERS[fmt](written[fmt], stem))
    want = _expected(sample)
    _assert_tables_equal(got, want)
    # the stand-ins really differ from the sample in these places (so they are tested)
    dev, part = sample["deviation_reports"], sample["participations"]
    assert (got["deviation_reports"]["provider_id"] != dev["provider_id"]).any()  # provider switches
    assert (got["register_events"]["recorded_date"] != sample["register_events"]["recorded_date"]).any()
    assert (got["participations"]["end_recorded_date"].dropna() < part["end_recorded_date"].dropna()).any()


def test_hand_made_data_round_trip(tmp_path, mapping):
    hand = _hand_tables()
    al.write_agency(hand, tmp_path, fmt="csv")
    got = _apply_mapping(mapping, lambda stem: _read_csv(tmp_path, stem))
    _assert_tables_equal(got, _expected(hand))
    assert got["deviation_reports"]["submitted_date"].tolist() == [D("2023-06-12")]
    assert got["contracts"]["generation"].tolist() == [1, 2]
    assert got["participations"]["framework_programme"].tolist() == ["jog", "none", "establishment"]


# --------------------------------------------------------------------------- the report

@pytest.mark.parametrize("period", ["2023-10"])
def test_report_tables_are_the_same_from_the_agency_layout(written, period):
    """The agency CSV loaded through the mapping gives every report table, model and
    headline figure of the sample at the report's cut-off: what the layout loses changes
    none of them. Only the §3 overview of what the cut-off hides differs (the stand-in
    dates make some rows known earlier)."""
    from romlab.run import period as per
    from romlab.run.config import RunConfig
    from romlab.dataset.load import load

    cfg = RunConfig.for_period(period)
    a = per.compute(cfg, SAMPLE, ds=load(SAMPLE, as_of=cfg.data_cutoff))
    b = per.compute(cfg, written["csv"], ds=load(written["csv"], as_of=cfg.data_cutoff, mapping=MAPPING))
    assert a.tables.keys() == b.tables.keys()
    for key in a.tables:
        pd.testing.assert_frame_equal(a.tables[key], b.tables[key], check_exact=True, obj=key)
    for key in a.models:
        pd.testing.assert_series_equal(a.models[key].params, b.models[key].params, check_exact=True)
    pd.testing.assert_frame_equal(a.overview["starts"], b.overview["starts"])
    assert a.nyckeltal == b.nyckeltal
    # the overview of the cut-off differs by exactly the rows (values) that the stand-in
    # dates make known by the cut-off although the sample has them known after it
    cut = cfg.data_cutoff
    s = _read_sample()

    def early(df, stand_in, known):
        return int(((df[stand_in] <= cut) & ~(df[known] <= cut)).sum())

    hidden, blanked = "Dolda (kända efter datauttaget)", "Värden blankade"
    oa, ob = a.overview["as_of"], b.overview["as_of"]
    diff = (oa[[hidden, blanked]] - ob[[hidden, blanked]]).astype(int)
    want = pd.DataFrame(0, index=diff.index, columns=diff.columns)
    want.loc["deltaganden", blanked] = 3 * early(s["participations"], "end_date", "end_recorded_date")
    want.loc["avvikelserapporter", hidden] = early(s["deviation_reports"], "deviation_date", "submitted_date")
    want.loc["registerhändelser", hidden] = early(s["register_events"], "event_date", "recorded_date")
    want.loc["betyg", hidden] = early(s["provider_ratings"], "publication_month", "published_date")
    pd.testing.assert_frame_equal(diff, want)
    assert (oa["Rader i data"] == ob["Rader i data"]).all() and diff.to_numpy().sum() > 0


def test_provider_review_is_the_same_from_the_agency_layout(written):
    """The provider review (kvalitetsvillkor) on the whole data: the same list and
    measures; only the provider names are gone (the extract has none)."""
    from romlab import review
    from romlab.dataset.load import load

    a = review.review(load(SAMPLE), "2025-01", "2025-03")
    b = review.review(load(written["csv"], mapping=MAPPING), "2025-01", "2025-03")
    cols = [c for c in a.columns if "name" not in c]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=True)


# --------------------------------------------------------------------------- the loader

@pytest.mark.parametrize("fmt", al.FORMATS)
def test_round_trip_through_the_loader(written, fmt):
    """`romlab.load` with data/mapping_agency.yml reads every agency format to the sample's
    tables, except the stand-ins (`_expected`): deviation provider = the participation's
    starting provider, deviation submitted = deviation date, register event recorded =
    event date, participation end recorded = end date, rating published = first of the
    publication month, providers without names. Generated ids (deviation_id, result_id,
    event_id) are compared after sorting both sides by the table's other columns."""
    import romlab

    source = written[fmt] / "agency.db" if fmt == "sqlite" else written[fmt]
    got = romlab.load(source, mapping=MAPPING).tables()
    want = _expected(romlab.load(SAMPLE).tables())
    want["providers"] = want["providers"].merge(got["providers"], on="provider_id", how="left")
    for name, key in (("deviation_reports", "deviation_id"), ("result_reports", "result_id"),
                      ("register_events", "event_id")):
        rest = [c for c in want[name].columns if c != key] + [key]
        got[name] = got[name].sort_values(rest, kind="stable")
        want[name] = want[name].sort_values(rest, kind="stable")
    for name in TABLES:
        cols = [c for c in want[name].columns if c != "age_at_start"]
        pd.testing.assert_frame_equal(got[name][cols].reset_index(drop=True), want[name][cols].reset_index(drop=True),
                                      check_dtype=False, check_exact=True, obj=name)


# --------------------------------------------------------------------------- the command

def test_romlab_synth_layout_agency(tmp_path, capsys):
    from romlab.run import cli
    from romlab.dataset import synth

    assert cli.main(["synth", "--layout", "agency", "--scale", "0.002", "--seed", "5",
                     "--out", str(tmp_path / "csv")]) == 0
    assert "7 agency files (csv" in capsys.readouterr().out
    want = al.write_agency(synth.generate(scale=0.002, seed=5), tmp_path / "direct", fmt="csv")
    got = {p.name: p.read_bytes() for p in (tmp_path / "csv").iterdir()}
    info = json.loads(got.pop("synth.json"))  # the generator's seed, scale and version beside the files
    assert (info["seed"], info["scale"], info["layout"], info["format"]) == (5, 0.002, "agency", "csv")
    assert sorted(info["files"]) == sorted(p.name for p in want.values())
    assert got == {p.name: p.read_bytes() for p in want.values()}
    assert cli.main(["synth", "--layout", "agency", "--format", "sqlite", "--scale", "0.002",
                     "--out", str(tmp_path / "db")]) == 0
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["agency.db", "synth.json"]
    # a format the layout does not write: status 2, nothing written
    assert cli.main(["synth", "--layout", "agency", "--format", "parquet", "--scale", "0.002",
                     "--out", str(tmp_path / "bad")]) == 2
    assert "not parquet" in capsys.readouterr().err and not (tmp_path / "bad").exists()
    # the default layout is unchanged: the contract's tables as Parquet
    assert cli.main(["synth", "--scale", "0.002", "--out", str(tmp_path / "contract")]) == 0
    assert sorted(p.name for p in (tmp_path / "contract").glob("*.parquet")) == sorted(f"{t}.parquet" for t in TABLES)


def test_both_csv_writers_give_the_same_bytes(sample, tmp_path):
    """The fast writer (pyarrow) and the fallback for values that need quotes (pandas)."""
    files = al.agency_tables(sample)
    for stem, df in files.items():
        al._csv(df, stem, tmp_path / "a.csv")
        al._csv_pandas(df, stem, tmp_path / "b.csv")
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes(), stem
    # a provider id with a ";" in it is quoted, as Excel quotes it
    hand = _hand_tables()
    for name in ("providers", "contracts", "participations", "periodic_reports", "result_reports"):
        hand[name]["provider_id"] = hand[name]["provider_id"].replace({"P1": "P;1"})
    al.write_agency(hand, tmp_path / "quoted", fmt="csv")
    lines = (tmp_path / "quoted" / "Leverantorsavtal.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[1] == 'R1-01;"P;1";2020-03-31;2023-04-16;2023-01-16'
