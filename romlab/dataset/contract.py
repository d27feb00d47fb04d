"""The data contract: one pandera schema per table, and what is known when.

A dataset is one file per table (Parquet or CSV) or one table per name in a DuckDB
database. Each table below is declared once with pandera: column types, allowed codes,
ranges and keys. What pandera cannot say about one table alone (references between
tables, a result before its participation started, hours a month cannot hold) is
checked in `romlab.dataset.validate` and raises the same `romlab.DataError`.

Every record that becomes known at a date carries that date (`known_at`): a run as of
a data cut-off sees a row only if its `known_at` date is on or before the cut-off, and
a value that became known later (an end date, an approval) is blanked (`field_known_at`).
`data/README.md` is generated from these declarations (`python -m romlab.dataset.contract`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from romlab.dataset import codes

ID = "int64"
DATE = "datetime64[ns]"


def _date(description: str, nullable: bool = False, **kw) -> pa.Column:
    return pa.Column(DATE, nullable=nullable, coerce=True, description=description, **kw)


def _code(allowed, description: str, nullable: bool = False, dtype=str) -> pa.Column:
    return pa.Column(
        dtype,
        pa.Check.isin(list(allowed), name="allowed_codes"),
        nullable=nullable,
        coerce=True,
        description=description,
    )


def _id(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column(ID, nullable=nullable, coerce=True, description=description)


def _hours(label: str) -> pa.Column:
    return pa.Column(
        "float64",
        [pa.Check.ge(0, name="non_negative_hours")],
        coerce=True,
        description=f"Hours of '{label}' in the month",
    )


def _first_of_month(s):
    return s.dt.day == 1


PARTICIPATIONS = pa.DataFrameSchema(
    {
        "participation_id": _id("Participation (deltagande) key"),
        "person_id": _id("Person (pseudonymised) key"),
        "provider_id": pa.Column(str, coerce=True, description="Provider at the start of the participation"),
        "delivery_area": pa.Column(str, coerce=True, description="Delivery area (leveransområde) code"),
        "generation": _code(codes.GENERATIONS, "Service generation: 1 = RoM 1, 2 = RoM 2", dtype="int64"),
        "recorded_date": _date("Date the participation (anvisning) was recorded: known from (may be after "
                               "start_date: a start entered after the fact)"),
        "start_date": _date("First day in the service (RoM 1 opened 2020-03-31: window 1, report §3.3)", checks=[
            pa.Check.ge(pd.Timestamp("2020-03-31"), name="service_started",
                        error="start_date before the service opened on 2020-03-31")]),
        "end_date": _date("Last day in the service; empty while ongoing", nullable=True),
        "end_reason": _code(codes.END_REASONS, "Why the participation ended (avslutsorsak)", nullable=True),
        "end_recorded_date": _date("Date the end was recorded: end_date and end_reason known from", nullable=True),
        "level": _code(codes.LEVELS, "Level (nivå) A, B or C"),
        "job_chance": pa.Column(
            "float64", pa.Check.in_range(0, 1, name="probability"), coerce=True,
            description="Assessed job chance (bedömd jobbchans), 0–1",
        ),
        "sex": _code(codes.SEXES, "Sex: woman / man"),
        "born_abroad": pa.Column("bool", coerce=True, description="Born outside Sweden (utrikes född)"),
        "disability": pa.Column(
            "bool", coerce=True,
            description="Has a disability code that reduces work capacity (funktionsnedsättning som medför nedsatt arbetsförmåga)",
        ),
        "education": _code(codes.EDUCATION, "Highest completed education"),
        "birth_date": _date("Date of birth (or give age_at_start instead)", nullable=True, required=False),
        "age_at_start": pa.Column(
            "int64", pa.Check.in_range(15, 80, name="plausible_age"), coerce=True, required=False,
            description="Age in whole years on start_date (or give birth_date instead)",
        ),
        "days_registered": pa.Column(
            "int64", pa.Check.ge(0, name="non_negative_days"), coerce=True,
            description="Days registered at Arbetsförmedlingen (inskrivningsdagar) on start_date",
        ),
        "framework_programme": _code(codes.FRAMEWORK_PROGRAMMES, "Framework programme (ramprogram) at start"),
    },
    unique=["participation_id"],
    name="participations",
    checks=[
        pa.Check(lambda d: d["end_date"].isna() | (d["end_date"] >= d["start_date"]),
                 name="end_not_before_start", error="end_date before start_date"),
        pa.Check(lambda d: d["end_date"].isna() == d["end_reason"].isna(),
                 name="end_date_with_reason", error="end_date and end_reason must be given together"),
        pa.Check(lambda d: d["end_date"].isna() | (d["end_recorded_date"] >= d["end_date"]),
                 name="end_recorded_not_before_end", error="end_recorded_date missing or before end_date"),
    ],
)

PERIODIC_REPORTS = pa.DataFrameSchema(
    {
        "report_id": _id("Periodic report (periodisk rapport) key"),
        "participation_id": _id("Participation the report is about"),
        "provider_id": pa.Column(str, coerce=True, description="Provider that filed the report"),
        "month": _date("Month reported on, as its first day", checks=[
            pa.Check(_first_of_month, name="first_of_month", error="month must be the first day of a month")]),
        "placement_period": _code((1, 2), "Placement period (placeringsperiod) 1 or 2", dtype="int64"),
        "submitted_date": _date("Date the report was submitted: known from"),
        **{col: _hours(label) for col, label in codes.ACTIVITIES.items()},
    },
    unique=["report_id"],
    name="periodic_reports",
    checks=[pa.Check(lambda d: d["month"].isna() | (d["submitted_date"] >= d["month"]), name="submitted_not_before_month",
                     error="submitted_date before the month reported on")],
)

DEVIATION_REPORTS = pa.DataFrameSchema(
    {
        "deviation_id": _id("Deviation report (avvikelserapport) key"),
        "participation_id": _id("Participation the deviation concerns"),
        "provider_id": pa.Column(str, coerce=True, description="Provider that filed it"),
        "deviation_date": _date("Date of the missed activity"),
        "submitted_date": _date("Date the report was submitted: known from"),
    },
    unique=["deviation_id"],
    name="deviation_reports",
    checks=[pa.Check(lambda d: d["deviation_date"].isna() | (d["submitted_date"] >= d["deviation_date"]),
                     name="submitted_not_before_event",
                     error="submitted_date before deviation_date")],
)

RESULT_REPORTS = pa.DataFrameSchema(
    {
        "result_id": _id("Result report (resultatredovisning) key"),
        "participation_id": _id("Participation the result belongs to"),
        "provider_id": pa.Column(str, coerce=True, description="Provider that filed it"),
        "result_type": _code(codes.RESULT_TYPES, "R1, R2 (RoM 1); R3M, R6M (RoM 2: results at 3 and 6 months)"),
        "outcome": _code(codes.OUTCOMES, "work or studies"),
        "event_date": _date("Date the work or studies began"),
        "filed_date": _date("Date the provider filed the report: known from"),
        "approved_date": _date("Date Arbetsförmedlingen approved it; empty if not (yet) approved", nullable=True),
    },
    unique=["result_id"],
    name="result_reports",
    checks=[
        pa.Check(lambda d: d["approved_date"].isna() | (d["approved_date"] >= d["filed_date"]),
                 name="approved_not_before_filed", error="approved_date before filed_date"),
    ],
)

REGISTER_EVENTS = pa.DataFrameSchema(
    {
        "event_id": _id("Register event key"),
        "person_id": _id("Person the event concerns"),
        "event_type": _code(codes.REGISTER_EVENTS, "subsidised_employment or exit_unsubsidised_work"),
        "event_date": _date("Date the employment began / the exit took effect"),
        "recorded_date": _date("Date the decision or exit was recorded: known from"),
    },
    unique=["event_id"],
    name="register_events",
    checks=[pa.Check(lambda d: d["recorded_date"] >= d["event_date"] - pd.Timedelta(days=92),
                     name="recorded_near_event", error="recorded_date more than 92 days before event_date")],
)

PROVIDERS = pa.DataFrameSchema(
    {
        "provider_id": pa.Column(str, coerce=True, description="Provider (leverantör) key"),
        "provider_name": pa.Column(str, coerce=True, description="Provider name"),
    },
    unique=["provider_id"],
    name="providers",
)

CONTRACTS = pa.DataFrameSchema(
    {
        "provider_id": pa.Column(str, coerce=True, description="Provider holding the contract"),
        "delivery_area": pa.Column(str, coerce=True, description="Delivery area (leveransområde) code"),
        "generation": _code(codes.GENERATIONS, "Service generation of the contract", dtype="int64"),
        "contract_start": _date("First day the contract is in force: known from"),
        "contract_end": _date("Last day of the contract; empty while in force", nullable=True),
        "end_recorded_date": _date("Date the end became known", nullable=True),
    },
    unique=["provider_id", "delivery_area"],
    name="contracts",
    checks=[
        pa.Check(lambda d: d["contract_end"].isna() | (d["contract_end"] >= d["contract_start"]),
                 name="end_not_before_start", error="contract_end before contract_start"),
        pa.Check(lambda d: d["contract_end"].isna() | d["end_recorded_date"].notna(),
                 name="end_with_recorded_date", error="contract_end without end_recorded_date"),
    ],
)

PROVIDER_RATINGS = pa.DataFrameSchema(
    {
        "provider_id": pa.Column(str, coerce=True, description="Provider rated"),
        "delivery_area": pa.Column(str, coerce=True, description="Delivery area of the rated contract"),
        "publication_month": _date("Month of publication, as its first day", checks=[
            pa.Check(_first_of_month, name="first_of_month", error="must be the first day of a month")]),
        "rating": pa.Column("Int64", pa.Check.isin(list(codes.RATINGS), name="allowed_codes"), nullable=True,
                            coerce=True, description="Stars 1–4 (betyg); empty = no rating (counts as 1)"),
        "published_date": _date("Date the rating was published: known from"),
    },
    unique=["provider_id", "delivery_area", "publication_month"],
    name="provider_ratings",
)


@dataclass(frozen=True)
class TableSpec:
    """How one table of the contract is stored, keyed, referenced and dated."""

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    swedish: str
    #: row-level date: a row is known from this date on
    known_at: str
    #: value-level dates: {date column: columns blanked while that date is after the cut-off}
    field_known_at: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: {column(s) here: (table, column(s) there)}: every value here must exist there
    references: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    required: bool = True


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec("participations", PARTICIPATIONS, ("participation_id",), "deltaganden", "recorded_date",
                  field_known_at={"end_recorded_date": ("end_date", "end_reason")},
                  references={("provider_id", "delivery_area"): ("contracts", ("provider_id", "delivery_area"))}),
        TableSpec("periodic_reports", PERIODIC_REPORTS, ("report_id",), "periodiska rapporter", "submitted_date",
                  references={("participation_id",): ("participations", ("participation_id",)),
                              ("provider_id",): ("providers", ("provider_id",))}),
        TableSpec("deviation_reports", DEVIATION_REPORTS, ("deviation_id",), "avvikelserapporter", "submitted_date",
                  references={("participation_id",): ("participations", ("participation_id",))}),
        TableSpec("result_reports", RESULT_REPORTS, ("result_id",), "resultatredovisningar", "filed_date",
                  field_known_at={"approved_date": ("approved_date",)},
                  references={("participation_id",): ("participations", ("participation_id",))}),
        TableSpec("register_events", REGISTER_EVENTS, ("event_id",), "registerhändelser", "recorded_date",
                  references={("person_id",): ("participations", ("person_id",))}),
        TableSpec("providers", PROVIDERS, ("provider_id",), "leverantörer", "", required=True),
        TableSpec("contracts", CONTRACTS, ("provider_id", "delivery_area"), "leverantörsavtal", "contract_start",
                  field_known_at={"end_recorded_date": ("contract_end",)},
                  references={("provider_id",): ("providers", ("provider_id",))}),
        TableSpec("provider_ratings", PROVIDER_RATINGS, ("provider_id", "delivery_area", "publication_month"),
                  "betyg", "published_date",
                  references={("provider_id", "delivery_area"): ("contracts", ("provider_id", "delivery_area"))}),
    ]
}


def _type_name(dtype) -> str:
    """A pandas-version-independent name of a column type, for the contract's docs."""
    name = str(dtype)
    for key, plain in [("datetime", "date"), ("int", "integer"), ("Int", "integer"),
                       ("float", "number"), ("bool", "true/false"), ("str", "text")]:
        if name.startswith(key) or name.startswith(key.lower()):
            return plain
    return name


def contract_markdown() -> str:
    """The data contract as Markdown tables, one per table (for data/README.md)."""
    out = []
    for spec in TABLES.values():
        out.append(f"### `{spec.name}` ({spec.swedish})\n")
        out.append(f"Key: {', '.join(f'`{k}`' for k in spec.key)}. ")
        out.append(f"Known from: `{spec.known_at}`.\n" if spec.known_at else "Always known.\n")
        out.append("\n| column | type | empty allowed | rule | meaning |\n|---|---|---|---|---|")
        for name, col in spec.schema.columns.items():
            rules = ", ".join(
                (f"one of {sorted(c.statistics.get('allowed_values'))}" if c.name == "allowed_codes"
                 else f"{c.name}: {c.error}" if c.error else c.name) for c in col.checks
            )
            req = "" if col.required else " (optional)"
            out.append(f"| `{name}`{req} | {_type_name(col.dtype)} | {'yes' if col.nullable else 'no'} | {rules} | "
                       f"{col.description} |")
        out.append("")
    return "\n".join(out)


DATA_README_INTRO = """\
# The data contract

romlab reads one table a file: `<table>.parquet` or `<table>.csv` in one folder, or one
table per name in a DuckDB database. This page is generated from `romlab/dataset/contract.py`
(`romlab contract > data/README.md`; a test keeps the two in step).

- **Types.** Dates are calendar dates (`YYYY-MM-DD` in CSV); months are the first day of
  the month. Identifiers of persons, participations and records are integers
  (pseudonymised keys); providers and delivery areas are text codes.
- **Known from.** Every record that becomes known at a date carries that date. Reading
  as of a cut-off (`romlab.load(path, as_of=...)`) hides rows known later and blanks
  values known later (an end date, an approval): see "Known from" under each table.
- **Codes.** Coded columns take the codes listed (`romlab/dataset/codes.py` has their Swedish
  labels). A real extract with other names or codes is loaded through a mapping file
  (`docs/mapping.md`, `data/mapping_example.yml`).
- **Checks across tables** (`romlab/dataset/validate.py`): every report, deviation and result
  belongs to a participation, every participation to a contract, every report to a
  known provider, every rating to a contract, every register event to a person; a
  report's month lies within its participation; a result's work/studies do not begin
  before the participation started, and its type fits the generation (R1/R2 in RoM 1,
  R3M/R6M in RoM 2); the 12 hour columns fit in the month (24 h × days); RoM 1 hours are
  whole hours, RoM 2 hours quarter hours.
- **Errors.** A broken rule raises `romlab.DataError` naming the file, the column, the
  rule, the number of rows that break it and up to five example rows. Nothing is
  dropped.
- **Hour columns.** The 12 `hours_*` columns of `periodic_reports` are, in Tabell 2's
  order: """


def data_readme() -> str:
    """The text of data/README.md: the introduction and one table per contract table."""
    hours = "; ".join(f"`{c}` = {label}" for c, label in codes.ACTIVITIES.items())
    return DATA_README_INTRO + hours + ".\n\n## Tables\n\n" + contract_markdown()


