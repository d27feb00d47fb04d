"""A second, independent implementation of the report's core definitions in DuckDB SQL
(issue 12, point 2), used only by `tests/test_sql_reference.py`.

Nothing here calls romlab's table code (`romlab.report.support`, `romlab.report.results`,
`romlab.report.classify`, `romlab.load`): every definition is written again, in SQL, from its
documented rule (the report, `docs/assumptions.md`, `shared/docs/domain.md`), and run
with DuckDB on the raw Parquet files (or on frames registered as tables). From romlab it
takes only the data contract: the hour columns and their Swedish labels
(`romlab.dataset.codes.ACTIVITIES`) and the known-from dates of each table
(`romlab.dataset.contract.TABLES`, ``known_at`` / ``field_known_at``); and the run's parameters
are the fields of a `RunConfig` (`Params.from_config`).

`SqlReference(source, cfg)` builds, in one DuckDB connection:

- the as-of cut (`as_of_summary`): a row is visible when its known-from date is on or
  before the cut-off day; a value whose own known-from date is later is blanked, and so
  is that date;
- the participants' groups (`participant_groups`): windows (A04, A05), age (A01, A03),
  registration time (A02), education (A15), birth country, sex × birth country,
  disability;
- the support sample of §3.5.1 (`flow`, `support_months`): criteria 1–4 (A08, A21,
  A22, A23), then one report-month per participation and month, hours summed (A17);
- trimming (`cutoffs`, A11, A12, A25) and the support tables 5, 7–11, 12, 13, A1;
- one outcome per participation (`outcomes`, A30, A09, A10, A38) and the result tables
  14, 15 (with the level tests, A33), 16, 19, 20, 21, 22 (with the group tests, A32).

Every table comes back in romlab's long form (the same key columns) so a test can
compare them cell by cell. DuckDB has no erfc: Python's `math.erfc` is registered as a
scalar function for the z tests' p-values.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Mapping

import duckdb
import numpy as np
import pandas as pd

try:  # DuckDB ≥ 2 (constraints.txt); DuckDB 1.x (pyproject's lower bound) names the module typing
    from duckdb.sqltypes import DOUBLE
except ImportError:  # pragma: no cover
    from duckdb.typing import DOUBLE

from romlab.dataset.codes import ACTIVITIES  # the data contract: hour columns and labels (Tabell 1)
from romlab.dataset.contract import TABLES      # the data contract: known-from dates

# ------------------------------------------------------------------ definitions

#: The 12 hour columns of a periodic report, in Tabell 2's order.
HOUR_COLUMNS: list[str] = list(ACTIVITIES)
#: Total support leaves out "Eget arbete" and "Insats hos annan aktör" (L1296–1302).
NOT_IN_TOTAL = ("hours_own_work", "hours_other_actor")
TOTAL = "total_support"
TOTAL_LABEL = "Sammanlagt stöd"
#: The 11 activities of Tabell 1: every hour column but "Eget arbete".
ACTIVITY_COLUMNS: list[str] = [c for c in HOUR_COLUMNS if c != "hours_own_work"]
LABEL = {TOTAL: TOTAL_LABEL, **ACTIVITIES}
LEVELS = ("A", "B", "C")
ALL_LEVELS = "ABC"

#: Intake windows, both ends inclusive (report L624, L648, L662, L690, L702, L723;
#: A04: window 2 ends 31 Jul 2021; A05: RoM 2 from 17 Apr 2023 is window 7).
WINDOWS_SQL = """
    SELECT * FROM (VALUES
        (1, DATE '2020-03-31', DATE '2020-12-07'),
        (2, DATE '2020-12-08', DATE '2021-07-31'),
        (3, DATE '2021-08-01', DATE '2021-11-15'),
        (4, DATE '2021-11-16', DATE '2022-09-07'),
        (5, DATE '2022-09-08', DATE '2023-02-28'),
        (6, DATE '2023-03-01', DATE '2023-04-16'),
        (7, DATE '2023-04-17', CAST(NULL AS DATE))
    ) AS t(window_no, first_day, last_day)
"""
#: The service started in May 2020 (L502, L590): the first start of every results
#: population (A09, A10).
SERVICE_START = dt.date(2020, 5, 1)
#: Tabell 15's level differences are tested at the 99 % level (L2413, L2434; A33).
LEVEL_TEST_ALPHA = 0.01

#: Group labels of Tabell 7–11 as printed (data/published/tabell_07 … 11.csv), in the
#: report's order: (table, group column, code, label).
SUPPORT_GROUPS: tuple[tuple[int, str, str, str], ...] = (
    (7, "sex", "woman", "Kvinnor"), (7, "sex", "man", "Män"),
    (8, "education_group", "below_upper_secondary", "Ej gymnasial utbildning"),
    (8, "education_group", "upper_secondary_or_more", "Gymnasialutbildning eller högre"),
    (9, "age_group", "under_25", "Under 25 år"), (9, "age_group", "25_55", "25–55 år"),
    (9, "age_group", "over_55", "Över 55 år"),
    (10, "birth_country", "domestic", "Inrikes född"), (10, "birth_country", "foreign", "Utrikes född"),
    (10, "sex_birth_group", "foreign_woman", "Utrikes födda kvinnor"),
    (10, "sex_birth_group", "foreign_man", "Utrikes födda män"),
    (11, "disability_group", "no_disability", "Ej funktionsnedsättning"),
    (11, "disability_group", "disability", "Funktionsnedsättning"),
)
#: Tabell 13's registration-time labels (data/published/tabell_13.csv), A02's groups.
REGISTRATION_LABELS: tuple[tuple[str, str], ...] = (
    ("max_1y", "Max 1 år"), ("1_2y", "1–2 år"), ("2_3y", "2–3 år"), ("3_4y", "3–4 år"), ("over_4y", "Minst 4 år"),
)
#: Tabell A1's 11 columns (A18): age, disability, education, birth country, sex.
A1_COLUMNS: tuple[tuple[str, str], ...] = (
    ("age_group", "under_25"), ("age_group", "25_55"), ("age_group", "over_55"),
    ("disability_group", "no_disability"), ("disability_group", "disability"),
    ("education_group", "below_upper_secondary"), ("education_group", "upper_secondary_or_more"),
    ("birth_country", "domestic"), ("birth_country", "foreign"),
    ("sex", "woman"), ("sex", "man"),
)
#: The 18 rows of Tabell 16 (also 21, 22) as printed (L2545–2624), with the row each is
#: tested against (L2466–2476, A16): (label, comparison, group column, code, reference).
COMPARISON_ROWS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("Kvinnor", "sex", "sex", "woman", "Män"),
    ("Män", "sex", "sex", "man", "Kvinnor"),
    ("Utrikes född", "birth_country", "birth_country", "foreign", "Inrikes född"),
    ("Inrikes född", "birth_country", "birth_country", "domestic", "Utrikes född"),
    ("Utrikes född kvinna", "foreign_sex", "sex_birth_group", "foreign_woman", "Utrikes född man"),
    ("Utrikes född man", "foreign_sex", "sex_birth_group", "foreign_man", "Utrikes född kvinna"),
    ("Funktionshinder", "disability", "disability_group", "disability", "Ej funktionshinder"),
    ("Ej funktionshinder", "disability", "disability_group", "no_disability", "Funktionshinder"),
    ("Gymn.utb.", "education", "education_group", "upper_secondary_or_more", "Ej gymn.utb."),
    ("Ej gymn.utb.", "education", "education_group", "below_upper_secondary", "Gymn.utb."),
    ("Under 25", "age", "age_group", "under_25", "Över 55 (ref)"),
    ("25-55", "age", "age_group", "25_55", "Över 55 (ref)"),
    ("Över 55 (ref)", "age", "age_group", "over_55", None),
    ("Inskrivningstid upp till 1 år", "registration", "registration_group", "max_1y", "Inskrivningstid över 4år"),
    ("Inskrivningstid 1-2 år", "registration", "registration_group", "1_2y", "Inskrivningstid över 4år"),
    ("Inskrivningstid 2-3 år", "registration", "registration_group", "2_3y", "Inskrivningstid över 4år"),
    ("Inskrivningstid 3-4 år", "registration", "registration_group", "3_4y", "Inskrivningstid över 4år"),
    ("Inskrivningstid över 4år", "registration", "registration_group", "over_4y", None),
)
GROUP_COLUMNS = ("sex", "birth_country", "sex_birth_group", "disability_group", "education_group",
                 "age_group", "registration_group")
#: Percentile methods implemented here, by their numpy names (Hyndman & Fan 1996).
PERCENTILE_METHODS = ("linear", "lower", "higher", "midpoint", "inverted_cdf", "averaged_inverted_cdf")


@dataclasses.dataclass(frozen=True)
class Params:
    """The run parameters the definitions need, read from a `RunConfig`'s fields."""

    cutoff: dt.date
    support_months: tuple[str, str]
    support_generations: tuple[int, ...]
    population_start_months: tuple[str, str]
    windows: tuple[int, ...]
    trim_percentile: float
    percentile_method: str
    significance_level: float
    min_cell: int

    @classmethod
    def from_config(cls, cfg) -> "Params":
        return cls(cutoff=pd.Timestamp(cfg.data_cutoff).date(), support_months=tuple(cfg.support_months),
                   support_generations=tuple(cfg.support_generations),
                   population_start_months=tuple(cfg.population_start_months), windows=tuple(cfg.windows),
                   trim_percentile=float(cfg.trim_percentile), percentile_method=cfg.percentile_method,
                   significance_level=float(cfg.significance_level), min_cell=int(cfg.min_cell))


def _date(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


def _values(rows, names: list[str]) -> str:
    """A VALUES list as SQL text (strings quoted, None as NULL)."""
    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        return repr(v)
    body = ",\n        ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)
    return f"SELECT * FROM (VALUES\n        {body}\n    ) AS t({', '.join(names)})"


# ------------------------------------------------------------------ the reference

class SqlReference:
    """The report's core definitions in SQL, on one dataset and one run configuration.

    ``source``: a folder with ``<table>.parquet`` files (read as they are, without
    romlab's loader) or ``{table: DataFrame}``. Every table of the data contract must be
    there (an empty frame will do)."""

    def __init__(self, source: str | Path | Mapping[str, pd.DataFrame], cfg):
        self.p = Params.from_config(cfg)
        if self.p.percentile_method not in PERCENTILE_METHODS:
            raise NotImplementedError(f"percentile method {self.p.percentile_method!r}; "
                                      f"implemented: {PERCENTILE_METHODS}")
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 2")
        self._functions()
        self._register(source)
        self._as_of()
        self._participants()
        self._support()
        self._trim()
        self._outcomes()

    def with_params(self, **changes) -> "SqlReference":
        """The same tables with other query-time parameters (``min_cell``,
        ``significance_level``): a shallow copy sharing the connection."""
        bad = set(changes) - {"min_cell", "significance_level"}
        if bad:
            raise ValueError(f"{sorted(bad)} are fixed when the tables are built; make a new SqlReference")
        other = copy.copy(self)
        other.p = dataclasses.replace(self.p, **changes)
        return other

    # ---- plumbing -------------------------------------------------------------
    def _functions(self) -> None:
        """erfc (DuckDB has none: Python's `math.erfc` as a scalar function) and the
        pooled two-proportion z test (A32): z = (x1/n1 − x2/n2) / √(p(1 − p)(1/n1 + 1/n2)),
        p = (x1 + x2)/(n1 + n2); two-sided p-value erfc(|z| / √2); NULL when a group is
        empty or the pooled share is 0 or 1."""
        self.con.create_function("erfc", math.erfc, [DOUBLE], DOUBLE)
        self.con.execute("""
            CREATE MACRO pooled_se(x1, n1, x2, n2) AS
                sqrt(((x1 + x2) / CAST(n1 + n2 AS DOUBLE)) * (1 - (x1 + x2) / CAST(n1 + n2 AS DOUBLE))
                     * (1 / CAST(n1 AS DOUBLE) + 1 / CAST(n2 AS DOUBLE)))""")
        self.con.execute("""
            CREATE MACRO pooled_p(x1, n1, x2, n2) AS
                CASE WHEN n1 > 0 AND n2 > 0 AND pooled_se(x1, n1, x2, n2) > 0
                     THEN erfc(abs((x1 / CAST(n1 AS DOUBLE) - x2 / CAST(n2 AS DOUBLE))
                                   / pooled_se(x1, n1, x2, n2)) / sqrt(2)) END""")

    def sql(self, text: str) -> pd.DataFrame:
        return self.con.execute(text).df()

    def _columns(self, relation: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {relation}").fetchall()]

    def _register(self, source) -> None:
        for name in TABLES:
            if isinstance(source, Mapping):
                self.con.register(f"raw_{name}", source[name])
            else:
                path = Path(source) / f"{name}.parquet"
                if not path.exists():
                    raise FileNotFoundError(path)
                self.con.execute(f"CREATE VIEW raw_{name} AS SELECT * FROM read_parquet('{path}')")

    # ---- as of the cut-off ----------------------------------------------------
    def _as_of(self) -> None:
        """Anything dated on the cut-off day is known; later rows are hidden, later
        values (and the date that makes them known) blanked (data/README.md)."""
        cut = _date(self.p.cutoff)
        summary = []
        for name, spec in TABLES.items():
            visible = (f"({spec.known_at} IS NULL OR CAST({spec.known_at} AS DATE) <= {cut})"
                       if spec.known_at else "TRUE")
            replace, blanked = [], []
            for date_col, cols in spec.field_known_at.items():
                late = f"CAST({date_col} AS DATE) > {cut}"
                for c in dict.fromkeys((*cols, date_col)):
                    replace.append(f"CASE WHEN {late} THEN NULL ELSE {c} END AS {c}")
                    blanked.append(f"count({c}) FILTER (WHERE {late})")
            select = f"SELECT * REPLACE ({', '.join(replace)})" if replace else "SELECT *"
            self.con.execute(f"CREATE VIEW {name} AS {select} FROM raw_{name} WHERE {visible}")
            summary.append(f"""
                SELECT '{name}' AS "table",
                       (SELECT count(*) FROM raw_{name}) AS rows_in_file,
                       count(*) AS rows_visible,
                       {' + '.join(blanked) if blanked else '0'} AS values_blanked
                FROM raw_{name} WHERE {visible}""")
        self._summary_sql = " UNION ALL ".join(summary)

    def as_of_summary(self) -> pd.DataFrame:
        """Per table: rows in the file, rows visible at the cut-off, values blanked."""
        return self.sql(self._summary_sql)

    # ---- participants and their groups ------------------------------------------
    def _participants(self) -> None:
        cols = set(self._columns("participations"))
        derived = ("year(start_date) - year(birth_date) - CASE WHEN month(start_date) * 100 + day(start_date)"
                   " < month(birth_date) * 100 + day(birth_date) THEN 1 ELSE 0 END")  # completed years (A03)
        if "age_at_start" in cols and "birth_date" in cols:
            age = f"coalesce(CAST(floor(age_at_start) AS BIGINT), {derived})"
        elif "age_at_start" in cols:
            age = "CAST(floor(age_at_start) AS BIGINT)"
        else:
            age = derived
        self.con.execute(f"CREATE TABLE windows AS {WINDOWS_SQL}")
        self.con.execute(f"""
            CREATE TABLE participant_groups AS
            WITH base AS (
                SELECT participation_id, person_id, generation, level, sex, born_abroad, disability,
                       education, days_registered,
                       CAST(start_date AS DATE) AS start_day, CAST(end_date AS DATE) AS end_day,
                       {age} AS age
                FROM participations)
            SELECT b.*, w.window_no AS "window",
                   strftime(b.start_day, '%Y-%m') AS start_ym,
                   -- A01: under 25 = at most 24; 25–55 includes 55; over 55 = 56 or older
                   CASE WHEN age IS NULL THEN NULL WHEN age <= 24 THEN 'under_25'
                        WHEN age <= 55 THEN '25_55' ELSE 'over_55' END AS age_group,
                   -- A02: 365-day years, a whole year in the lower group
                   CASE WHEN days_registered IS NULL OR days_registered < 0 THEN NULL
                        WHEN days_registered <= 365 THEN 'max_1y' WHEN days_registered <= 730 THEN '1_2y'
                        WHEN days_registered <= 1095 THEN '2_3y' WHEN days_registered <= 1460 THEN '3_4y'
                        ELSE 'over_4y' END AS registration_group,
                   -- A15
                   CASE education WHEN 'compulsory' THEN 'below_upper_secondary'
                        WHEN 'upper_secondary' THEN 'upper_secondary_or_more'
                        WHEN 'post_secondary' THEN 'upper_secondary_or_more' END AS education_group,
                   CASE WHEN born_abroad THEN 'foreign' WHEN NOT born_abroad THEN 'domestic' END AS birth_country,
                   CASE WHEN sex IN ('woman', 'man') AND born_abroad IS NOT NULL
                        THEN CASE WHEN born_abroad THEN 'foreign_' ELSE 'domestic_' END || sex END
                        AS sex_birth_group,
                   CASE WHEN disability THEN 'disability' WHEN NOT disability THEN 'no_disability' END
                        AS disability_group
            FROM base b
            LEFT JOIN windows w
                   ON b.start_day BETWEEN w.first_day AND coalesce(w.last_day, DATE '9999-12-31')""")

    # ---- support: the selection of §3.5.1 -----------------------------------------
    def _support(self) -> None:
        p = self.p
        hours = ", ".join(f"r.{c}" for c in HOUR_COLUMNS)
        gens = ", ".join(str(g) for g in p.support_generations)
        self.con.execute(f"""
            CREATE TABLE support_reports AS
            WITH deviation_months AS (
                -- A22: a deviation of the same participation dated in the calendar month
                SELECT DISTINCT participation_id, CAST(date_trunc('month', deviation_date) AS DATE) AS m
                FROM deviation_reports),
            r AS (
                SELECT r.report_id, r.participation_id, r.provider_id, r.placement_period, {hours},
                       CAST(r.month AS DATE) AS m, g.person_id, g.generation, g.start_day, g.end_day
                FROM periodic_reports r JOIN participant_groups g USING (participation_id))
            SELECT r.*,
                   -- criterion 1: the month in the period, the generation analysed (A07, A08)
                   (strftime(r.m, '%Y-%m') BETWEEN '{p.support_months[0]}' AND '{p.support_months[1]}'
                    AND r.generation IN ({gens})) AS c1,
                   -- criterion 2 (A21): in the service the month before (start before the
                   -- month's first day) and the month after (end, or the cut-off while
                   -- ongoing, on or after the next month's first day)
                   (r.start_day < r.m
                    AND coalesce(r.end_day, {_date(p.cutoff)}) >= CAST(r.m + INTERVAL 1 MONTH AS DATE)) AS c2,
                   -- criterion 3
                   (d.participation_id IS NULL) AS c3
            FROM r LEFT JOIN deviation_months d ON d.participation_id = r.participation_id AND d.m = r.m""")
        # criterion 4 (A23): a participation-month with reports for both placement periods
        self.con.execute("""
            CREATE TABLE support_reports4 AS
            SELECT s.*, NOT coalesce(pp.both_periods, FALSE) AS c4
            FROM support_reports s
            LEFT JOIN (SELECT participation_id, m, count(DISTINCT placement_period) > 1 AS both_periods
                       FROM support_reports GROUP BY participation_id, m) pp USING (participation_id, m)""")
        sums = ", ".join(f"sum({c}) AS {c}" for c in HOUR_COLUMNS)
        total = " + ".join(c for c in HOUR_COLUMNS if c not in NOT_IN_TOTAL)
        groups = ", ".join(f"g.{c}" for c in GROUP_COLUMNS)
        # A17: a provider switch's reports for one participation and month become one
        self.con.execute(f"""
            CREATE TABLE support_months AS
            WITH merged AS (
                SELECT participation_id, m AS month, count(*) AS reports, {sums}
                FROM support_reports4 WHERE c1 AND c2 AND c3 AND c4
                GROUP BY participation_id, m)
            SELECT row_number() OVER (ORDER BY m.participation_id, m.month) AS rid,
                   m.*, {total} AS {TOTAL}, g.person_id, g.level, {groups}
            FROM merged m JOIN participant_groups g USING (participation_id)""")

    def flow(self) -> pd.DataFrame:
        """The counts of §3.5.1, `measure` → `value` (romlab's measure names)."""
        f = self.sql("""
            SELECT count(*) AS periodic_reports_in_data,
                   count(*) FILTER (WHERE NOT c1) AS excluded_outside_period,
                   count(*) FILTER (WHERE c1) AS periodic_reports_total,
                   count(*) FILTER (WHERE c1 AND NOT c2) AS excluded_not_full_month_or_adjacent_months,
                   count(*) FILTER (WHERE c1 AND c2 AND NOT c3) AS excluded_deviation_report,
                   count(*) FILTER (WHERE c1 AND c2 AND c3 AND NOT c4)
                       AS excluded_double_reports_placement_period,
                   count(*) FILTER (WHERE c1 AND c2 AND c3 AND c4) AS periodic_reports_before_merge
            FROM support_reports4""").iloc[0]
        m = self.sql("SELECT count(*) AS n, count(DISTINCT person_id) AS persons FROM support_months").iloc[0]
        n_in = int(self.sql("SELECT count(*) AS n FROM periodic_reports")["n"].iloc[0])
        if n_in != f["periodic_reports_in_data"]:  # every report has its participation
            raise AssertionError(f"{n_in - f['periodic_reports_in_data']} report(s) without a participation")
        out = {k: int(v) for k, v in f.items()}
        out["merged_provider_switch"] = out["periodic_reports_before_merge"] - int(m["n"])
        out["periodic_reports_after_merge_exact"] = int(m["n"])
        out["unique_individuals"] = int(m["persons"])
        out["reports_per_individual"] = m["n"] / m["persons"] if m["persons"] else np.nan
        return pd.DataFrame({"measure": list(out), "value": [float(v) for v in out.values()]})

    def months(self) -> pd.DataFrame:
        """The selected report-months: one row per participation and month."""
        return self.sql("SELECT * FROM support_months ORDER BY rid")

    # ---- trimming ---------------------------------------------------------------
    def _quantile_sql(self, source: str, q_expr: str, method: str | None = None) -> str:
        """Per ``col`` of ``source`` (col, v): the percentile ``q_expr`` (a share, DOUBLE)
        by the run's method, as Hyndman & Fan define it over the sorted values
        x[0] ≤ … ≤ x[n−1]:

        - linear (type 7): h = (n − 1)q; x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋]);
          lower / higher / midpoint: x[⌊h⌋], x[⌈h⌉], their mean;
        - inverted_cdf (type 1): x[⌈nq⌉ − 1];
        - averaged_inverted_cdf (type 2): the mean of x[nq − 1] and x[nq] when nq is
          whole, else x[⌈nq⌉ − 1];
        indices clipped to [0, n − 1]."""
        method = method or self.p.percentile_method
        if method not in PERCENTILE_METHODS:
            raise NotImplementedError(f"percentile method {method!r}; implemented: {PERCENTILE_METHODS}")
        if method in ("inverted_cdf", "averaged_inverted_cdf"):
            h = "CAST(n AS DOUBLE) * q"
            lo = "CAST(ceil(h) AS BIGINT) - 1"
            hi = ("CASE WHEN h = floor(h) THEN CAST(h AS BIGINT) ELSE CAST(ceil(h) AS BIGINT) - 1 END"
                  if method == "averaged_inverted_cdf" else lo)
            value = "(a.v + b.v) / 2" if method == "averaged_inverted_cdf" else "a.v"
        else:
            h = "CAST(n - 1 AS DOUBLE) * q"
            lo, hi = "CAST(floor(h) AS BIGINT)", "CAST(ceil(h) AS BIGINT)"
            value = {"linear": "a.v + (b.v - a.v) * (h - floor(h))", "lower": "a.v", "higher": "b.v",
                     "midpoint": "(a.v + b.v) / 2"}[method]
        return f"""
            WITH ranked AS (
                SELECT col, v, row_number() OVER (PARTITION BY col ORDER BY v) - 1 AS k,
                       count(*) OVER (PARTITION BY col) AS n
                FROM {source}),
            pos AS (SELECT col, n, {q_expr} AS q FROM ranked GROUP BY col, n),
            idx AS (SELECT col, n, {h} AS h FROM pos),
            bounds AS (
                SELECT col, h, greatest(least({lo}, n - 1), 0) AS k_lo, greatest(least({hi}, n - 1), 0) AS k_hi
                FROM idx)
            SELECT bounds.col, {value} AS cut
            FROM bounds
            JOIN ranked a ON a.col = bounds.col AND a.k = bounds.k_lo
            JOIN ranked b ON b.col = bounds.col AND b.k = bounds.k_hi"""

    def _trim(self) -> None:
        cols = ", ".join([TOTAL, *HOUR_COLUMNS])
        self.con.execute(f"""
            CREATE TABLE support_long AS
            UNPIVOT (SELECT rid, person_id, level, {cols} FROM support_months)
            ON {cols} INTO NAME col VALUE v""")
        q = f"CAST({self.p.trim_percentile!r} AS DOUBLE) / CAST(100 AS DOUBLE)"
        self.con.execute(f"CREATE TABLE support_cut AS {self._quantile_sql('support_long', q)}")
        # A25: keep values at or below the whole sample's cut-off, ties kept
        self.con.execute("""
            CREATE TABLE support_kept AS
            SELECT l.*, l.v <= c.cut AS kept FROM support_long l JOIN support_cut c USING (col)""")
        groups = ", ".join(GROUP_COLUMNS)
        self.con.execute(f"""
            CREATE TABLE support_member AS
            UNPIVOT (SELECT rid, {groups} FROM support_months)
            ON {groups} INTO NAME dim VALUE code""")  # a missing group is in no group

    def cutoffs(self, percentile: float | None = None, method: str | None = None) -> pd.Series:
        """The trimming cut-off of the total and of every hour column (the run's
        percentile and method unless given)."""
        if percentile is None and method is None:
            c = self.sql("SELECT col, cut FROM support_cut")
        else:
            percentile = self.p.trim_percentile if percentile is None else percentile
            q = f"CAST({float(percentile)!r} AS DOUBLE) / CAST(100 AS DOUBLE)"
            c = self.sql(self._quantile_sql("support_long", q, method))
        return c.set_index("col")["cut"].reindex([TOTAL, *HOUR_COLUMNS])

    def kept_counts(self, percentile: float | None = None, method: str | None = None) -> pd.Series:
        """Report-months at or below each column's cut-off (ties kept, A25)."""
        self.con.register("_cut", self.cutoffs(percentile, method).rename("cut").reset_index())
        c = self.sql("SELECT l.col, count(*) FILTER (WHERE l.v <= c.cut) AS n "
                     "FROM support_long l JOIN _cut c USING (col) GROUP BY l.col")
        self.con.unregister("_cut")
        return c.set_index("col")["n"].reindex([TOTAL, *HOUR_COLUMNS])

    def _columns_sql(self, with_total: bool) -> str:
        cols = ([TOTAL] if with_total else []) + ACTIVITY_COLUMNS
        return _values([(c, LABEL[c], i) for i, c in enumerate(cols)], ["col", "activity", "col_order"])

    # ---- Tabell 5 ---------------------------------------------------------------
    def tabell_05(self) -> pd.DataFrame:
        """Adjusted (trimmed) and unadjusted: mean of the total and of each activity,
        the total's median and its report-months."""
        t = self.sql(f"""
            WITH c AS ({self._columns_sql(True)})
            SELECT c.col, c.activity,
                   avg(k.v) FILTER (WHERE k.kept) AS mean_adj, avg(k.v) AS mean_all,
                   median(k.v) FILTER (WHERE k.kept) AS median_adj, median(k.v) AS median_all,
                   count(*) FILTER (WHERE k.kept) AS obs_adj, count(*) AS obs_all
            FROM c JOIN support_kept k USING (col) GROUP BY ALL""")
        rows = []
        for adjusted, sfx in (("justerat", "adj"), ("ej justerat", "all")):
            rows += [("mean_hours", a, adjusted, m) for a, m in zip(t["activity"], t[f"mean_{sfx}"])]
            tot = t[t["col"] == TOTAL].iloc[0]
            rows += [("median_hours", TOTAL_LABEL, adjusted, tot[f"median_{sfx}"]),
                     ("observations", TOTAL_LABEL, adjusted, float(tot[f"obs_{sfx}"]))]
        out = pd.DataFrame(rows, columns=["measure", "activity", "adjusted", "value"])
        out.insert(0, "table", "5")
        return out

    # ---- Tabell 7–13, A1 ----------------------------------------------------------
    def _stats(self, keys: str, source: str) -> str:
        """Trimmed means per (keys, col); the report-months kept by the total's cut-off
        and the persons behind each group (all its report-months)."""
        return f"""
            SELECT {keys}, k.col, avg(k.v) FILTER (WHERE k.kept) AS mean_hours,
                   count(*) FILTER (WHERE k.kept) AS kept_months, count(DISTINCT k.person_id) AS persons
            FROM {source} GROUP BY ALL"""

    def tabell_group(self, table: int) -> pd.DataFrame:
        """Tabell 7–11: trimmed means by group (total and the 11 activities) and the
        total's observations; ``n`` = persons in the group."""
        groups = [g for g in SUPPORT_GROUPS if g[0] == table]
        t = self.sql(f"""
            WITH g AS ({_values([(d, c, lab, i) for i, (_, d, c, lab) in enumerate(groups)],
                                ['dim', 'code', 'grp', 'grp_order'])}),
                 c AS ({self._columns_sql(True)}),
                 s AS ({self._stats('m.dim, m.code',
                                    'support_member m JOIN support_kept k USING (rid)')})
            SELECT g.grp AS "group", c.col, c.activity, s.mean_hours,
                   coalesce(s.kept_months, 0) AS kept_months, coalesce(s.persons, 0) AS n
            FROM g CROSS JOIN c
            LEFT JOIN s ON s.dim = g.dim AND s.code = g.code AND s.col = c.col
            ORDER BY g.grp_order, c.col_order""")
        return self._with_observations(t, str(table), ["group"])

    def _with_observations(self, t: pd.DataFrame, table: str, keys: list[str]) -> pd.DataFrame:
        means = t.assign(measure="mean_hours", value=t["mean_hours"])
        obs = t[t["col"] == TOTAL].assign(measure="observations", value=t["kept_months"].astype(float))
        out = pd.concat([means, obs], ignore_index=True)
        out.insert(0, "table", table)
        return out[["table", "measure", "activity", *keys, "value", "n"]]

    def tabell_12(self) -> pd.DataFrame:
        """Tabell 12: trimmed means by level, the total's observations; ``n`` persons."""
        t = self.sql(f"""
            WITH l AS ({_values([(lv,) for lv in LEVELS], ['level'])}),
                 c AS ({self._columns_sql(True)}),
                 s AS ({self._stats('k.level', 'support_kept k')})
            SELECT l.level, c.col, c.activity, s.mean_hours,
                   coalesce(s.kept_months, 0) AS kept_months, coalesce(s.persons, 0) AS n
            FROM l CROSS JOIN c LEFT JOIN s ON s.level = l.level AND s.col = c.col""")
        return self._with_observations(t, "12", ["level"])

    def tabell_13(self) -> pd.DataFrame:
        """Tabell 13: trimmed means of the 11 activities by level × registration time."""
        t = self.sql(f"""
            WITH l AS ({_values([(lv,) for lv in LEVELS], ['level'])}),
                 g AS ({_values(list(REGISTRATION_LABELS), ['code', 'grp'])}),
                 c AS ({self._columns_sql(False)}),
                 s AS ({self._stats('k.level, m.code',
                                    "support_member m JOIN support_kept k USING (rid) "
                                    "WHERE m.dim = 'registration_group'")})
            SELECT g.grp AS "group", l.level, c.activity, s.mean_hours AS value, coalesce(s.persons, 0) AS n
            FROM l CROSS JOIN g CROSS JOIN c
            LEFT JOIN s ON s.level = l.level AND s.code = g.code AND s.col = c.col""")
        t.insert(0, "table", "13")
        t.insert(1, "measure", "mean_hours")
        return t[["table", "measure", "activity", "group", "level", "value", "n"]]

    def tabell_a1(self) -> pd.DataFrame:
        """Tabell A1: trimmed means of the 11 activities by level in each of the 11
        columns of A18 (cut-offs of the whole sample)."""
        label = {(d, c): lab for _, d, c, lab in SUPPORT_GROUPS}
        cols = [(f"col{i:02d}", d, c, label[(d, c)]) for i, (d, c) in enumerate(A1_COLUMNS, start=1)]
        t = self.sql(f"""
            WITH l AS ({_values([(lv,) for lv in LEVELS], ['level'])}),
                 g AS ({_values(cols, ['"column"', 'dim', 'code', 'grp'])}),
                 c AS ({self._columns_sql(False)}),
                 s AS ({self._stats('k.level, m.dim, m.code',
                                    'support_member m JOIN support_kept k USING (rid)')})
            SELECT l.level, g."column", g.grp AS "group", c.activity, s.mean_hours AS value,
                   coalesce(s.persons, 0) AS n
            FROM l CROSS JOIN g CROSS JOIN c
            LEFT JOIN s ON s.level = l.level AND s.dim = g.dim AND s.code = g.code AND s.col = c.col""")
        t.insert(0, "table", "A1")
        t.insert(1, "measure", "mean_hours")
        return t[["table", "measure", "activity", "level", "column", "group", "value", "n"]]

    # ---- results --------------------------------------------------------------
    def _outcomes(self) -> None:
        p = self.p
        windows = ", ".join(str(w) for w in p.windows) or "NULL"
        self.con.execute(f"""
            CREATE TABLE outcomes AS
            WITH r2 AS (
                -- A30: an R2 approved as of the cut-off; the first by work/studies start
                SELECT participation_id, outcome,
                       row_number() OVER (PARTITION BY participation_id
                                          ORDER BY event_date, filed_date, result_id) AS rk
                FROM result_reports
                WHERE result_type = 'R2' AND approved_date IS NOT NULL
                  AND CAST(approved_date AS DATE) <= {_date(p.cutoff)}),
            span AS (
                -- A10, A38: the analysed windows' starts, from the service start
                SELECT greatest(min(first_day), {_date(SERVICE_START)}) AS first_start, max(last_day) AS last_start
                FROM windows WHERE window_no IN ({windows}))
            SELECT g.*, r2.outcome,
                   r2.participation_id IS NOT NULL AS has_result,
                   coalesce(r2.outcome = 'work', FALSE) AS has_work,
                   coalesce(r2.outcome = 'studies', FALSE) AS has_studies,
                   -- A09: the 18-month population by start month
                   g.start_ym BETWEEN '{p.population_start_months[0]}' AND '{p.population_start_months[1]}'
                       AS in_population,
                   coalesce(g."window" IN ({windows}) AND g.start_day >= span.first_start
                            AND g.start_day <= span.last_start, FALSE) AS in_windows
            FROM participant_groups g
            CROSS JOIN span
            LEFT JOIN r2 ON r2.participation_id = g.participation_id AND r2.rk = 1
            WHERE g.generation = 1""")

    def outcomes(self) -> pd.DataFrame:
        """One row per RoM 1 participation."""
        return self.sql("SELECT * FROM outcomes ORDER BY participation_id")

    def _share_sql(self, x: str, n: str) -> str:
        """Percent (NULL for an empty cell); nothing is suppressed here: the tables are
        computed whole and protected afterwards, on every table at once (A39)."""
        return f"CASE WHEN {n} > 0 THEN CAST(100 AS DOUBLE) * {x} / {n} END AS value, FALSE AS suppressed"

    def _shares(self, where: str, keys: list[str], indicator: str, with_total: bool) -> pd.DataFrame:
        """Percent with ``indicator`` among the rows of ``where`` by ``keys`` (and, with
        ``with_total``, over all levels as level "ABC"); ``n`` the rows."""
        quoted = [f'"{c}"' for c in keys]
        if with_total:
            rest = ", ".join(q for c, q in zip(keys, quoted) if c != "level")
            group_by = f"GROUPING SETS (({', '.join(quoted)}), ({rest}))"
            sel = ", ".join("CASE WHEN grouping(level) = 1 THEN 'ABC' ELSE level END AS level" if c == "level"
                            else q for c, q in zip(keys, quoted))
        else:
            group_by = sel = ", ".join(quoted)
        return self.sql(f"""
            SELECT {sel}, count(*) AS n, {self._share_sql(f'count(*) FILTER (WHERE {indicator})', 'count(*)')}
            FROM outcomes WHERE {where} GROUP BY {group_by}""")

    def tabell_14(self) -> pd.DataFrame:
        """Tabell 14: R2, work and studies among the 18-month population, by level and
        in total."""
        parts = []
        for measure, ind in (("r2_share", "has_result"), ("work_share", "has_work"),
                             ("education_share", "has_studies")):
            parts.append(self._shares("in_population", ["level"], ind, True).assign(measure=measure))
        t = pd.concat(parts, ignore_index=True)
        t.insert(0, "table", "14")
        return t[["table", "measure", "level", "value", "n", "suppressed"]]

    def _window_level(self, table: str, measure: str, indicator: str, where: str = "in_windows") -> pd.DataFrame:
        t = self._shares(where, ["window", "level"], indicator, False)
        t.insert(0, "table", table)
        t.insert(1, "measure", measure)
        return t[["table", "measure", "window", "level", "value", "n", "suppressed"]]

    def _level_tests_sql(self) -> str:
        """Per window, levels A–B, A–C, B–C of the window population: pooled z test."""
        pairs = _values([("A", "B"), ("A", "C"), ("B", "C")], ["level_1", "level_2"])
        return f"""
            cells AS (
                SELECT "window", level, count(*) FILTER (WHERE has_result) AS x, count(*) AS n
                FROM outcomes WHERE in_windows GROUP BY ALL),
            tests AS (
                SELECT a."window", pairs.level_1, pairs.level_2, pooled_p(a.x, a.n, b.x, b.n) AS p_value
                FROM ({pairs}) pairs
                JOIN cells a ON a.level = pairs.level_1
                JOIN cells b ON b.level = pairs.level_2 AND b."window" = a."window")"""

    def level_tests(self) -> pd.DataFrame:
        """Tabell 15's level tests at the 99 % level (A33)."""
        return self.sql(f"""
            WITH {self._level_tests_sql()}
            SELECT *, coalesce(p_value < {LEVEL_TEST_ALPHA!r}, FALSE) AS significant FROM tests
            ORDER BY "window", level_1, level_2""")

    def tabell_15(self) -> pd.DataFrame:
        """Tabell 15: R2 by window × level; a level is marked when it differs from both
        other levels of its window at the 99 % level (A33), ``p_value`` the larger of its
        two tests."""
        return self.sql(f"""
            WITH {self._level_tests_sql()},
            marks AS (
                SELECT c."window", c.level, max(t.p_value) AS p_value,
                       bool_and(coalesce(t.p_value < {LEVEL_TEST_ALPHA!r}, FALSE)) AS both_differ
                FROM cells c JOIN tests t ON t."window" = c."window" AND c.level IN (t.level_1, t.level_2)
                GROUP BY ALL)
            SELECT '15' AS "table", 'r2_share' AS measure, c."window", c.level, c.n, {self._share_sql('c.x', 'c.n')},
                   m.p_value, coalesce(m.both_differ, FALSE) AS significant
            FROM cells c LEFT JOIN marks m USING ("window", level)""")

    def group_table(self, measure: str) -> pd.DataFrame:
        """Tabell 16 (r2_share), 21 (work_share), 22 (education_share): the 18 rows ×
        window × level in the window population, each row tested against its reference
        in the same cell (A32); marks on hidden cells are withheld afterwards, by protection."""
        indicator = {"r2_share": "has_result", "work_share": "has_work", "education_share": "has_studies"}[measure]
        table = {"r2_share": "16", "work_share": "21", "education_share": "22"}[measure]
        groups = ", ".join(GROUP_COLUMNS)
        rows = [(i + 1, *r) for i, r in enumerate(COMPARISON_ROWS)]
        return self.sql(f"""
            WITH pop AS (SELECT * FROM outcomes WHERE in_windows),
            member AS (
                UNPIVOT (SELECT participation_id, {groups} FROM pop) ON {groups} INTO NAME dim VALUE code),
            rows AS ({_values(rows, ['row_no', 'grp', 'comparison', 'dim', 'code', 'reference'])}),
            cells AS (
                SELECT w."window", l.level
                FROM (SELECT DISTINCT "window" FROM pop) w
                CROSS JOIN ({_values([(lv,) for lv in LEVELS], ['level'])}) l),
            counts AS (
                SELECT m.dim, m.code, pop."window", pop.level,
                       count(*) FILTER (WHERE pop.{indicator}) AS x, count(*) AS n
                FROM member m JOIN pop USING (participation_id) GROUP BY ALL),
            t AS (
                SELECT rows.*, cells."window", cells.level, coalesce(counts.x, 0) AS x, coalesce(counts.n, 0) AS n
                FROM rows CROSS JOIN cells
                LEFT JOIN counts ON counts.dim = rows.dim AND counts.code = rows.code
                                AND counts."window" = cells."window" AND counts.level = cells.level),
            tested AS (
                SELECT t.*, ref.n AS n_ref,
                       CASE WHEN t.reference IS NOT NULL THEN pooled_p(t.x, t.n, ref.x, ref.n) END AS p_value
                FROM t LEFT JOIN t ref
                       ON ref.grp = t.reference AND ref."window" = t."window" AND ref.level = t.level)
            SELECT '{table}' AS "table", '{measure}' AS measure, grp AS "group", "window", level, n,
                   {self._share_sql('x', 'n')}, comparison, reference, p_value,
                   coalesce(p_value < {self.p.significance_level!r}, FALSE) AS significant
            FROM tested ORDER BY row_no, "window", level""")

    def tabell_16(self) -> pd.DataFrame:
        return self.group_table("r2_share")

    def tabell_19(self) -> pd.DataFrame:
        """Tabell 19: work and studies by window × level (window population)."""
        return pd.concat([self._window_level("19", "work_share", "has_work"),
                          self._window_level("19", "education_share", "has_studies")], ignore_index=True)

    def tabell_20(self) -> pd.DataFrame:
        """Tabell 20: work as a percent of results by window × level; ``n`` = results."""
        return self._window_level("20", "work_share_of_results", "has_work", where="in_windows AND has_result")

    def tabell_21(self) -> pd.DataFrame:
        return self.group_table("work_share")

    def tabell_22(self) -> pd.DataFrame:
        return self.group_table("education_share")
