"""The synthetic data as Arbetsförmedlingen's data warehouse would deliver them.

`agency_tables(tables)` turns contract-layout tables (as `romlab.dataset.synth.generate`
returns them) into the files of an agency extract, keyed by file stem; `write_agency`
writes them as CSV (the way Swedish Excel saves it), Stata datasets or one SQLite file.
`data/mapping_agency.yml` maps this layout back onto the data contract, so loading it
with that mapping must give the contract tables again, except for what the layout
does not carry (below). `romlab synth --layout agency` calls `write_agency`.

Files (stems; columns in the fixed order of `COLUMNS`, which is not the contract's):

- ``Deltaganden`` (participations): Swedish names and texts; service generation as
  ``Tjanst``; job chance in percent; the framework programme as three Ja/Nej flags
  (``JOB``, ``UGA``, ``Etablering``; all Nej for none); no date the end was recorded.
- ``PeriodiskaRapporter``: month as ``YYYY-MM``; the 12 hour columns as ``Tim…``.
- ``Avvikelser``: participation and date only (no id, no provider, no submitted date).
- ``Resultat``: no id (rows in result-id order).
- ``Registerhandelser``: no id (rows in event-id order), no recorded date.
- ``Leverantorsavtal``: contracts of both generations, no generation column (the
  mapping derives it from the contract start, `GENERATION_BANDS`).
- ``Betyg``: ratings by publication month ``YYYY-MM``; no published date.
- no providers file (the mapping builds providers from the contracts).

Two codes are split many-to-one by the parity of ``participation_id`` (even → first
text, odd → second), so that the mapping's many-to-one codes are exercised:
``work_or_studies`` → Arbete/Studier and each education code → two Swedish levels.

What is lost, and what the mapping puts in its place: ``deviation_id``, ``result_id``
and ``event_id`` (row numbers in file order: exact, because rows are written in id
order and the synthetic ids are 1..N); ``deviation_reports.provider_id`` (the
participation's starting provider: differs after a provider switch);
``deviation_reports.submitted_date`` (= deviation date); ``register_events.recorded_date``
(= event date); ``participations.end_recorded_date`` (= end date);
``provider_ratings.published_date`` (= first day of the publication month, where the
synthetic data have the 15th); ``providers.provider_name`` (no providers file).

Formats (`write_agency`): ``csv`` (``;``, decimal comma, UTF-8 with BOM, CRLF, dates
``YYYY-MM-DD``, empty field = missing; pyarrow's CSV writer), ``dta`` (Stata 118 by
`pandas.DataFrame.to_stata`: coded columns as integers with value labels equal to the
CSV texts, dates as Stata dates, months as ``YYYY-MM`` text; pandas rather than
``pyreadstat.write_dta`` because it takes a fixed header time stamp, so the same data
give the same bytes) and ``sqlite`` (one file ``agency.db``, one table per stem, dates
as ISO text, months ``YYYY-MM``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from romlab.dataset import codes
from romlab.dataset.errors import DataError

__all__ = ["agency_tables", "write_agency", "STEMS", "COLUMNS", "VALUE_LABELS", "GENERATION_BANDS",
           "HOUR_COLUMNS", "FORMATS"]

FORMATS = ("csv", "dta", "sqlite")

#: contract table → file stem of the agency extract (providers: none)
STEMS: dict[str, str] = {
    "participations": "Deltaganden",
    "periodic_reports": "PeriodiskaRapporter",
    "deviation_reports": "Avvikelser",
    "result_reports": "Resultat",
    "register_events": "Registerhandelser",
    "contracts": "Leverantorsavtal",
    "provider_ratings": "Betyg",
}

#: contract hour column → agency column (as in data/mapping_example.yml)
HOUR_COLUMNS: dict[str, str] = {
    "hours_own_work": "TimEgetArbete",
    "hours_health": "TimHalsoframjande",
    "hours_development_meeting": "TimUtvecklingsmote",
    "hours_information": "TimInformation",
    "hours_other_actor": "TimAnnanAktor",
    "hours_employer_contacts": "TimArbetsgivarkontakter",
    "hours_short_training": "TimKortareUtbildning",
    "hours_motivational": "TimMotiverandeSamtal",
    "hours_practical": "TimPraktisktStod",
    "hours_digital": "TimDigitalKompetens",
    "hours_language": "TimSprak",
    "hours_guidance": "TimVagledning",
}

#: columns of each file, in file order
COLUMNS: dict[str, list[str]] = {
    "Deltaganden": [
        "DeltagandeID", "PersonLopNr", "Fodelsedatum", "Kon", "UtrikesFodd", "Funktionsnedsattning",
        "Utbildningsniva", "Inskrivningsdagar", "JOB", "UGA", "Etablering", "Tjanst", "LeverantorID",
        "Leveransomrade", "Anvisningsdatum", "Startdatum", "Niva", "BedomdJobbchans", "Slutdatum",
        "Avslutsorsak",
    ],
    "PeriodiskaRapporter": ["RapportID", "DeltagandeID", "Rapportmanad", "Placeringsperiod", "LeverantorID",
                            *HOUR_COLUMNS.values(), "Inskickad"],
    "Avvikelser": ["DeltagandeID", "Avvikelsedatum"],
    "Resultat": ["DeltagandeID", "Resultattyp", "Utfall", "Handelsedatum", "LeverantorID", "Inlamnad",
                 "Godkand"],
    "Registerhandelser": ["PersonLopNr", "Handelsedatum", "Handelsetyp"],
    "Leverantorsavtal": ["Leveransomrade", "LeverantorID", "Avtalsstart", "Avtalsslut", "AvslutBeslutat"],
    "Betyg": ["Publiceringsmanad", "Leveransomrade", "LeverantorID", "Betyg"],
}

#: date columns of each file (months are "YYYY-MM" text in every format)
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Deltaganden": ("Fodelsedatum", "Anvisningsdatum", "Startdatum", "Slutdatum"),
    "PeriodiskaRapporter": ("Inskickad",),
    "Avvikelser": ("Avvikelsedatum",),
    "Resultat": ("Handelsedatum", "Inlamnad", "Godkand"),
    "Registerhandelser": ("Handelsedatum",),
    "Leverantorsavtal": ("Avtalsstart", "Avtalsslut", "AvslutBeslutat"),
    "Betyg": (),
}

_JA_NEJ = {1: "Ja", 0: "Nej"}

#: Coded columns: {column: {integer code in the .dta: text in CSV and SQLite}}.
#: The same column name means the same code list in every file.
VALUE_LABELS: dict[str, dict[int, str]] = {
    "Tjanst": {1: "Rusta och matcha", 2: "Rusta och matcha 2"},
    "Avslutsorsak": {1: "Tjänsten fullföljd", 2: "Arbete", 3: "Studier", 4: "Avbrott", 5: "Avtalet upphörde"},
    "Niva": {1: "Nivå A", 2: "Nivå B", 3: "Nivå C"},
    "Kon": {1: "Kvinna", 2: "Man"},
    "UtrikesFodd": _JA_NEJ,
    "Funktionsnedsattning": _JA_NEJ,
    "Utbildningsniva": {
        1: "Förgymnasial utbildning kortare än 9 år",
        2: "Förgymnasial utbildning 9 (10) år",
        3: "Gymnasial utbildning högst 2 år",
        4: "Gymnasial utbildning 3 år",
        5: "Eftergymnasial utbildning kortare än 3 år",
        6: "Eftergymnasial utbildning 3 år eller längre",
    },
    "JOB": _JA_NEJ,
    "UGA": _JA_NEJ,
    "Etablering": _JA_NEJ,
    "Resultattyp": {1: "Resultat 1", 2: "Resultat 2", 3: "Resultat efter 3 månader",
                    4: "Resultat efter 6 månader"},
    "Utfall": {1: "Arbete", 2: "Studier"},
    "Handelsetyp": {1: "Beslut om subventionerad anställning", 2: "Avaktualiserad till osubventionerat arbete"},
}

_L = VALUE_LABELS
#: contract code → agency text; a pair is (text for an even participation_id, for an odd one)
_TEXTS: dict[str, dict] = {
    "generation": {1: _L["Tjanst"][1], 2: _L["Tjanst"][2]},
    "end_reason": {"completed": _L["Avslutsorsak"][1],
                   "work_or_studies": (_L["Avslutsorsak"][2], _L["Avslutsorsak"][3]),
                   "interrupted": _L["Avslutsorsak"][4], "provider_terminated": _L["Avslutsorsak"][5]},
    "level": {"A": _L["Niva"][1], "B": _L["Niva"][2], "C": _L["Niva"][3]},
    "sex": {"woman": _L["Kon"][1], "man": _L["Kon"][2]},
    "education": {"compulsory": (_L["Utbildningsniva"][1], _L["Utbildningsniva"][2]),
                  "upper_secondary": (_L["Utbildningsniva"][3], _L["Utbildningsniva"][4]),
                  "post_secondary": (_L["Utbildningsniva"][5], _L["Utbildningsniva"][6])},
    "result_type": {"R1": _L["Resultattyp"][1], "R2": _L["Resultattyp"][2], "R3M": _L["Resultattyp"][3],
                    "R6M": _L["Resultattyp"][4]},
    "outcome": {"work": _L["Utfall"][1], "studies": _L["Utfall"][2]},
    "event_type": {"subsidised_employment": _L["Handelsetyp"][1],
                   "exit_unsubsidised_work": _L["Handelsetyp"][2]},
}

#: framework programme → the flag column that says Ja ("none": every flag Nej)
FLAGS: dict[str, str] = {"JOB": "jog", "UGA": "uga", "Etablering": "establishment"}

#: Contract start → generation, as the mapping derives it: the value of the last band
#: starting on or before the date. RoM 1 opened 2020-03-31 (window 1, report §3.3); RoM 2 contracts start
#: on or after 2023-04-17 (`codes.ROM2_START`).
GENERATION_BANDS: dict[str, int] = {"2020-03-31": 1, str(codes.ROM2_START): 2}

#: Time stamp written into every .dta header, so that the same data give the same bytes.
DTA_TIME_STAMP = dt.datetime(2025, 11, 30)

#: Rows per slice written to SQLite.
_SQLITE_ROWS = 250_000

#: Stata's largest "long" (int32) value; larger integers are written as doubles (exact).
_STATA_LONG_MAX = 2_147_483_620


# --------------------------------------------------------------------------- helpers

def _need(tables: dict[str, pd.DataFrame], name: str, columns: list[str]) -> pd.DataFrame:
    if name not in tables:
        raise DataError(name, "", "file_exists", 0, detail="the agency layout needs every contract table but "
                        f"providers; have {sorted(tables)}")
    df = tables[name]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(name, missing[0], "column_in_dataframe", len(df),
                        detail=f"the agency layout needs {missing}; the frame has {list(df.columns)}")
    return df


def _text(df: pd.DataFrame, table: str, column: str, pid: pd.Series | None = None) -> pd.Series:
    """Agency texts of a coded contract column (missing stays missing); a code mapped to
    a pair takes the first text for an even ``pid`` and the second for an odd one."""
    mapping = _TEXTS[column]
    values = df[column]
    even = values.map({k: (v[0] if isinstance(v, tuple) else v) for k, v in mapping.items()})
    odd = values.map({k: (v[1] if isinstance(v, tuple) else v) for k, v in mapping.items()})
    bad = values.notna() & even.isna()
    if bad.any():
        raise DataError(table, column, "allowed_codes", int(bad.sum()), df.loc[bad],
                        detail=f"the agency layout knows {list(mapping)}")
    return even if pid is None else even.where((pid % 2 == 0).to_numpy(), odd)


def _ja_nej(values: pd.Series) -> pd.Series:
    return pd.Series(np.where(values.to_numpy(bool), "Ja", "Nej"), index=values.index, dtype="str")


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m")


def _date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).astype("datetime64[ns]")


def _in_id_order(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows in ascending ``key`` (stable), so the mapping's row numbers give the ids back."""
    return df.sort_values(key, kind="stable").reset_index(drop=True)


def _percent(share: pd.Series) -> np.ndarray:
    """Job chance 0–1 → percent, rounded to 10 decimals: for any share with at most 12
    decimals, ``round(float(text) * 0.01, 12)`` gives the share back exactly."""
    return np.round(share.to_numpy(float) * 100.0, 10)


# --------------------------------------------------------------------------- tables

def agency_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The agency extract of contract-layout `tables`, as {file stem: frame}.

    Columns are in `COLUMNS` order; coded columns hold the agency's texts (`VALUE_LABELS`),
    yes/no columns "Ja"/"Nej", dates ``datetime64[ns]``, months ``YYYY-MM`` text, the job
    chance percent and ratings nullable integers. Raises `DataError` for a missing table or
    column, a code the layout does not know, or a contract whose generation the contract
    start would not give back (`GENERATION_BANDS`).
    """
    out: dict[str, pd.DataFrame] = {}
    for stem, build in _BUILDERS.items():  # in this order, so the first error is always the same
        df = build(tables)
        assert list(df.columns) == COLUMNS[stem], stem
        out[stem] = df.reset_index(drop=True)
    return out


def _participations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    p = _need(tables, "participations", [
        "participation_id", "person_id", "provider_id", "delivery_area", "generation", "recorded_date",
        "start_date", "end_date", "end_reason", "level", "job_chance", "sex", "born_abroad", "disability",
        "education", "birth_date", "days_registered", "framework_programme"])
    pid = p["participation_id"]
    fp = p["framework_programme"]
    bad = ~fp.isin(["none", *FLAGS.values()])
    if bad.any():
        raise DataError("participations", "framework_programme", "allowed_codes", int(bad.sum()), p.loc[bad],
                        detail=f"the agency layout knows {['none', *FLAGS.values()]}")
    return pd.DataFrame({
        "DeltagandeID": pid.astype("int64"),
        "PersonLopNr": p["person_id"].astype("int64"),
        "Fodelsedatum": _date(p["birth_date"]),
        "Kon": _text(p, "participations", "sex"),
        "UtrikesFodd": _ja_nej(p["born_abroad"]),
        "Funktionsnedsattning": _ja_nej(p["disability"]),
        "Utbildningsniva": _text(p, "participations", "education", pid),
        "Inskrivningsdagar": p["days_registered"].astype("int64"),
        **{flag: _ja_nej(fp == code) for flag, code in FLAGS.items()},
        "Tjanst": _text(p, "participations", "generation"),
        "LeverantorID": p["provider_id"].astype("str"),
        "Leveransomrade": p["delivery_area"].astype("str"),
        "Anvisningsdatum": _date(p["recorded_date"]),
        "Startdatum": _date(p["start_date"]),
        "Niva": _text(p, "participations", "level"),
        "BedomdJobbchans": _percent(p["job_chance"]),
        "Slutdatum": _date(p["end_date"]),
        "Avslutsorsak": _text(p, "participations", "end_reason", pid),
    })


def _periodic_reports(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    r = _need(tables, "periodic_reports", ["report_id", "participation_id", "provider_id", "month",
                                           "placement_period", "submitted_date", *HOUR_COLUMNS])
    return pd.DataFrame({
        "RapportID": r["report_id"].astype("int64"),
        "DeltagandeID": r["participation_id"].astype("int64"),
        "Rapportmanad": _month(r["month"]),
        "Placeringsperiod": r["placement_period"].astype("int64"),
        "LeverantorID": r["provider_id"].astype("str"),
        **{agency: r[col].astype("float64") for col, agency in HOUR_COLUMNS.items()},
        "Inskickad": _date(r["submitted_date"]),
    })


def _deviations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    d = _in_id_order(_need(tables, "deviation_reports", ["deviation_id", "participation_id", "deviation_date"]),
                     "deviation_id")
    return pd.DataFrame({
        "DeltagandeID": d["participation_id"].astype("int64"),
        "Avvikelsedatum": _date(d["deviation_date"]),
    })


def _results(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    res = _in_id_order(_need(tables, "result_reports", [
        "result_id", "participation_id", "provider_id", "result_type", "outcome", "event_date", "filed_date",
        "approved_date"]), "result_id")
    return pd.DataFrame({
        "DeltagandeID": res["participation_id"].astype("int64"),
        "Resultattyp": _text(res, "result_reports", "result_type"),
        "Utfall": _text(res, "result_reports", "outcome"),
        "Handelsedatum": _date(res["event_date"]),
        "LeverantorID": res["provider_id"].astype("str"),
        "Inlamnad": _date(res["filed_date"]),
        "Godkand": _date(res["approved_date"]),
    })


def _register_events(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    e = _in_id_order(_need(tables, "register_events", ["event_id", "person_id", "event_type", "event_date"]),
                     "event_id")
    return pd.DataFrame({
        "PersonLopNr": e["person_id"].astype("int64"),
        "Handelsedatum": _date(e["event_date"]),
        "Handelsetyp": _text(e, "register_events", "event_type"),
    })


def _contracts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The contracts without their generation, which the mapping derives from the start
    (`GENERATION_BANDS`): a generation the bands would not give back is a DataError."""
    c = _need(tables, "contracts", ["provider_id", "delivery_area", "generation", "contract_start",
                                    "contract_end", "end_recorded_date"])
    start = _date(c["contract_start"])
    bands = pd.to_datetime(list(GENERATION_BANDS))
    band = np.searchsorted(bands.to_numpy(), start.to_numpy(), side="right") - 1
    derived = np.where(band >= 0, np.array(list(GENERATION_BANDS.values()))[np.maximum(band, 0)], -1)
    bad = derived != c["generation"].to_numpy()
    if bad.any():
        raise DataError("contracts", "generation", "generation_band", int(bad.sum()), c.loc[bad],
                        detail=f"the agency layout has no generation column: the mapping derives it from "
                               f"contract_start with bands {GENERATION_BANDS}")
    return pd.DataFrame({
        "Leveransomrade": c["delivery_area"].astype("str"),
        "LeverantorID": c["provider_id"].astype("str"),
        "Avtalsstart": start,
        "Avtalsslut": _date(c["contract_end"]),
        "AvslutBeslutat": _date(c["end_recorded_date"]),
    })


def _ratings(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    g = _need(tables, "provider_ratings", ["provider_id", "delivery_area", "publication_month", "rating"])
    return pd.DataFrame({
        "Publiceringsmanad": _month(g["publication_month"]),
        "Leveransomrade": g["delivery_area"].astype("str"),
        "LeverantorID": g["provider_id"].astype("str"),
        "Betyg": g["rating"].astype("Int64"),
    })


#: File stem → the function that builds it from the contract's tables, in the order built.
_BUILDERS = {"Deltaganden": _participations, "PeriodiskaRapporter": _periodic_reports, "Avvikelser": _deviations,
             "Resultat": _results, "Registerhandelser": _register_events, "Leverantorsavtal": _contracts,
             "Betyg": _ratings}


# --------------------------------------------------------------------------- writers

def _csv(df: pd.DataFrame, stem: str, path: Path) -> None:
    """As Swedish Excel saves "CSV UTF-8": ``;``, decimal comma, BOM, CRLF, ISO dates,
    empty field = missing; numbers in their shortest form (``3``, ``2,25``, ``54,48``).

    Written with pyarrow's CSV writer (ten times faster than pandas' at scale 1.0), which
    quotes nothing; a value that would need quotes (``;``, ``"`` or a line break in it: never
    in the synthetic data) sends the file to pandas' writer, which quotes as Excel does.
    Both give the same bytes otherwise (tested)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    cols = []
    for name in table.column_names:
        col = table[name]
        if name in DATE_COLUMNS[stem]:
            col = pc.cast(pc.cast(col, pa.date32()), pa.string())
        elif pa.types.is_floating(col.type):  # shortest round-trip text, decimal comma
            col = pc.replace_substring(pc.cast(col, pa.string()), ".", ",")
        cols.append(col)
    options = pacsv.WriteOptions(delimiter=";", eol="\r\n", quoting_style="none", quoting_header="none")
    try:
        with path.open("wb") as f:
            f.write(codecs.BOM_UTF8)
            pacsv.write_csv(pa.table(cols, names=table.column_names), f, options)
    except pa.ArrowInvalid:
        _csv_pandas(df, stem, path)


def _csv_pandas(df: pd.DataFrame, stem: str, path: Path) -> None:
    """`_csv` by pandas' writer, quoting a field only where it must (as Excel does)."""
    df = df.copy()
    for col in DATE_COLUMNS[stem]:
        df[col] = df[col].dt.strftime("%Y-%m-%d")
    df.to_csv(path, sep=";", decimal=",", float_format="%.15g", index=False, encoding="utf-8-sig",
              lineterminator="\r\n", na_rep="")


def _stata_int(values: pd.Series) -> pd.Series:
    """int32 (Stata long) when every value fits, else float64 (Stata double, exact to 2**53)."""
    v = values.to_numpy("int64")
    if len(v) == 0 or (v.min() >= -_STATA_LONG_MAX and v.max() <= _STATA_LONG_MAX):
        return pd.Series(v.astype("int32"), index=values.index)
    return pd.Series(v.astype("float64"), index=values.index)


def _dta(df: pd.DataFrame, stem: str, path: Path) -> None:
    """A Stata 118 dataset: coded columns as integers with value labels (the CSV texts;
    a coded column with missing values as double), dates as %td, months as text."""
    df = df.copy()
    labels = {}
    for col in df.columns:
        if col in VALUE_LABELS:
            lab = VALUE_LABELS[col]
            code = df[col].map({text: k for k, text in lab.items()})
            if df[col].isna().any():
                df[col] = code.astype("float64")
            else:
                df[col] = code.astype("int32")
            labels[col] = lab
        elif isinstance(df[col].dtype, np.dtype) and df[col].dtype.kind in "iu":
            df[col] = _stata_int(df[col])  # (a nullable Int64 such as Betyg: pandas writes long + missing)
    df.to_stata(path, write_index=False, version=118, convert_dates={c: "td" for c in DATE_COLUMNS[stem]},
                value_labels=labels, data_label=stem, time_stamp=DTA_TIME_STAMP)


def _sqlite_frame(df: pd.DataFrame, stem: str) -> pd.DataFrame:
    df = df.copy()
    for col in DATE_COLUMNS[stem]:
        df[col] = df[col].dt.strftime("%Y-%m-%d").astype("object").where(df[col].notna(), None)
    return df


def write_agency(tables: dict[str, pd.DataFrame], out: str | Path, fmt: str = "csv") -> dict[str, Path]:
    """Write contract-layout `tables` as an agency extract in folder `out`.

    ``fmt``: ``"csv"`` (``<stem>.csv``), ``"dta"`` (``<stem>.dta``) or ``"sqlite"`` (one
    file ``agency.db``, a table per stem). Returns {stem: path}. Files already there are
    overwritten (``agency.db`` is written afresh).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {list(FORMATS)}")
    files = agency_tables(tables)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if fmt == "sqlite":
        db = out / "agency.db"
        db.unlink(missing_ok=True)
        con = sqlite3.connect(db)
        try:
            for stem, df in files.items():
                # in slices of rows, so that pandas' row tuples never hold a whole table
                for start in range(0, max(len(df), 1), _SQLITE_ROWS):
                    _sqlite_frame(df.iloc[start:start + _SQLITE_ROWS], stem).to_sql(
                        stem, con, index=False, if_exists="append" if start else "fail")
                paths[stem] = db
            con.commit()
        finally:
            con.close()
        return paths
    for stem, df in files.items():
        path = out / f"{stem}.{fmt}"
        (_csv if fmt == "csv" else _dta)(df, stem, path)
        paths[stem] = path
    return paths
