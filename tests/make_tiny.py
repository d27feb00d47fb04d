"""A tiny, hand-made, valid dataset, and writers for it (Parquet, CSV, Swedish CSV, DuckDB).

Every date is chosen for the as-of test at 2023-08-11 (tests/test_as_of.py), where the
expected answers are worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from romlab.dataset import codes
from romlab.dataset.errors import DataError
from romlab.dataset.load import load
from romlab.dataset.contract import TABLES

AS_OF = "2023-08-11"

D = pd.Timestamp
NaT = pd.NaT


def _hours(**given: float) -> dict[str, float]:
    return {c: float(given.get(c, 0.0)) for c in codes.HOUR_COLUMNS}


def tiny_tables() -> dict[str, pd.DataFrame]:
    """{table: frame} of a small valid dataset, in contract column order and dtypes."""
    providers = pd.DataFrame({
        "provider_id": ["P1", "P2"],
        "provider_name": ["Alfa Rusta AB", "Beta Matchning Ö AB"],
    })
    contracts = pd.DataFrame([
        # in force throughout
        ("P1", "A1", 2, D("2023-04-17"), NaT, NaT),
        # ends 2023-09-30, known 2023-08-20: as of 2023-08-11 still in force (2 values blanked)
        ("P2", "A1", 2, D("2023-04-17"), D("2023-09-30"), D("2023-08-20")),
        # RoM 1 contract, ended before the cut-off
        ("P1", "A2", 1, D("2022-01-01"), D("2023-04-16"), D("2023-03-01")),
        # starts after the cut-off: hidden
        ("P2", "A2", 2, D("2023-10-01"), NaT, NaT),
    ], columns=["provider_id", "delivery_area", "generation", "contract_start", "contract_end",
                "end_recorded_date"])
    part_cols = ["participation_id", "person_id", "provider_id", "delivery_area", "generation",
                 "recorded_date", "start_date", "end_date", "end_reason", "end_recorded_date", "level",
                 "job_chance", "sex", "born_abroad", "disability", "education", "age_at_start",
                 "days_registered", "framework_programme"]
    participations = pd.DataFrame([
        # RoM 1, ended and recorded before the cut-off
        (1, 101, "P1", "A2", 1, D("2022-12-20"), D("2023-01-02"), D("2023-04-16"), "provider_terminated",
         D("2023-04-20"), "A", 0.25, "woman", False, False, "compulsory", 34, 400, "jog"),
        # ends 2023-09-01, recorded 2023-09-02: ongoing as of 2023-08-11 (3 values blanked)
        (2, 102, "P1", "A1", 2, D("2023-05-02"), D("2023-05-08"), D("2023-09-01"), "completed",
         D("2023-09-02"), "B", 0.5, "man", True, False, "upper_secondary", 45, 120, "none"),
        # ongoing
        (3, 103, "P2", "A1", 2, D("2023-06-01"), D("2023-06-05"), NaT, None, NaT,
         "C", 0.125, "woman", True, True, "post_secondary", 23, 30, "uga"),
        # recorded after the cut-off: hidden
        (4, 104, "P1", "A1", 2, D("2023-08-14"), D("2023-08-21"), NaT, None, NaT,
         "A", 0.75, "man", False, False, "upper_secondary", 58, 900, "establishment"),
        # recorded on the cut-off day: visible
        (5, 105, "P2", "A1", 2, D("2023-08-11"), D("2023-08-14"), NaT, None, NaT,
         "B", 0.375, "woman", False, True, "compulsory", 61, 15, "none"),
    ], columns=part_cols)
    rep_rows = [
        # report_id, participation, provider, month, placement_period, submitted, hours
        (1, 1, "P1", D("2023-01-01"), 1, D("2023-02-03"), _hours(hours_own_work=10, hours_guidance=3)),
        (2, 1, "P1", D("2023-02-01"), 1, D("2023-03-03"), _hours(hours_health=4, hours_language=2)),
        (3, 2, "P1", D("2023-05-01"), 1, D("2023-06-05"), _hours(hours_motivational=1.25, hours_digital=2.5)),
        # filed by P2 although the participation started with P1: a provider switch, allowed
        (4, 2, "P2", D("2023-07-01"), 2, D("2023-08-11"), _hours(hours_practical=0.75, hours_information=6)),
        # submitted the day after the cut-off: hidden
        (5, 3, "P2", D("2023-07-01"), 1, D("2023-08-12"), _hours(hours_short_training=8)),
        # submitted after the cut-off: hidden
        (6, 2, "P1", D("2023-08-01"), 2, D("2023-09-04"), _hours(hours_employer_contacts=3.5)),
    ]
    periodic_reports = pd.DataFrame(
        [dict(report_id=r, participation_id=p, provider_id=pr, month=m, placement_period=pp,
              submitted_date=s, **h) for r, p, pr, m, pp, s, h in rep_rows])
    deviation_reports = pd.DataFrame([
        (1, 2, "P1", D("2023-06-12"), D("2023-06-13")),
        (2, 3, "P2", D("2023-08-10"), D("2023-08-15")),  # hidden
    ], columns=["deviation_id", "participation_id", "provider_id", "deviation_date", "submitted_date"])
    result_reports = pd.DataFrame([
        (1, 1, "P1", "R1", "work", D("2023-03-01"), D("2023-03-10"), D("2023-03-20")),
        # approved 2023-08-14: not approved as of 2023-08-11 (1 value blanked)
        (2, 2, "P1", "R3M", "work", D("2023-07-03"), D("2023-08-07"), D("2023-08-14")),
        # filed after the cut-off: hidden
        (3, 3, "P2", "R3M", "studies", D("2023-08-01"), D("2023-08-20"), NaT),
    ], columns=["result_id", "participation_id", "provider_id", "result_type", "outcome", "event_date",
                "filed_date", "approved_date"])
    register_events = pd.DataFrame([
        (1, 101, "exit_unsubsidised_work", D("2023-03-01"), D("2023-03-05")),
        (2, 102, "subsidised_employment", D("2023-07-03"), D("2023-08-25")),  # hidden
    ], columns=["event_id", "person_id", "event_type", "event_date", "recorded_date"])
    provider_ratings = pd.DataFrame({
        "provider_id": ["P1", "P2", "P1"],
        "delivery_area": ["A1", "A1", "A1"],
        "publication_month": [D("2023-06-01"), D("2023-06-01"), D("2023-09-01")],
        "rating": pd.array([3, None, 4], dtype="Int64"),
        # the third is published after the cut-off: hidden
        "published_date": [D("2023-06-15"), D("2023-06-15"), D("2023-09-14")],
    })
    tables = {
        "participations": participations, "periodic_reports": periodic_reports,
        "deviation_reports": deviation_reports, "result_reports": result_reports,
        "register_events": register_events, "providers": providers, "contracts": contracts,
        "provider_ratings": provider_ratings,
    }
    # contract dtypes
    return {name: TABLES[name].schema.validate(df) for name, df in tables.items()}


def write_parquet(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def write_csv(tables: dict[str, pd.DataFrame], folder: Path, swedish: bool = False,
              bom: bool = False) -> Path:
    """Plain CSV (``,`` and decimal points), or as Swedish Excel writes it (``;``, decimal commas)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, sep=";" if swedish else ",",
                  decimal="," if swedish else ".", date_format="%Y-%m-%d",
                  encoding="utf-8-sig" if bom else "utf-8")
    return folder


def write_duckdb(tables: dict[str, pd.DataFrame], db: Path) -> Path:
    import duckdb

    con = duckdb.connect(str(db))
    try:
        for name, df in tables.items():
            con.register("frame", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
    finally:
        con.close()
    return db


# --------------------------------------------------------------------------- assertions

def assert_error(err: DataError, file, column: str, rule: str, n_rows: int) -> None:
    assert err.file == str(file)
    assert err.column == column
    assert err.rule == rule
    assert err.n_rows == n_rows
    text = str(err)
    for part in (str(file), rule, f"{n_rows} row" if n_rows else ""):
        assert part in text
    if column:  # named as the extract writes it, romlab's name in brackets when it differs
        assert f"'{column}'" in text or f"[{column}]" in text
    assert err.rule in err.one_line()


def load_error(path, **kw) -> DataError:
    with pytest.raises(DataError) as info:
        load(path, **kw)
    return info.value
