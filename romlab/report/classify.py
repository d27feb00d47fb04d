"""Classifiers: intake window and the participant groups the report compares.

Every classifier takes pandas Series (or array-likes) and returns a Series on the same
index, computed column-wise (no Python loop over rows). Codes are English and stable;
Swedish labels, which differ from table to table in the report, are in `LABELS` and
are spelled exactly as in `data/published/*.csv`.

"The report" is Arbetsförmedlingen, *Utvecklade matchningstjänster* (October 2023),
cited by its sections (§3.3), tables, figures and footnotes. Conventions the report does
not state (age and registration-time boundaries, when they are measured) are logged in
``docs/assumptions.md``.

Group columns (``age_group``, ``registration_group``, ...) are ordered ``category``
columns whose categories are the codes in report order, so a ``groupby`` lists groups
in the order the report prints them.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from romlab.dataset import codes

# --------------------------------------------------------------------------- windows

#: Window number given to RoM 2 starts (from 2023-04-17: §3.3; the status report of May 2023, §7.1).
WINDOW_ROM2 = 7

#: Intake windows (fönster) as (window, first day, last day), §3.3. The last window
#: (RoM 2) is open-ended. Window 2 ends 2021-07-31 as in its heading in §3.3 and as
#: window 3's start (1 Aug, §3.3) implies; §5.1.1 says "1 augusti" (assumption A04).
WINDOWS: tuple[tuple[int, dt.date, dt.date | None], ...] = (
    (1, dt.date(2020, 3, 31), dt.date(2020, 12, 7)),    # §3.3 Fönster 1
    (2, dt.date(2020, 12, 8), dt.date(2021, 7, 31)),    # §3.3 Fönster 2
    (3, dt.date(2021, 8, 1), dt.date(2021, 11, 15)),    # §3.3 Fönster 3
    (4, dt.date(2021, 11, 16), dt.date(2022, 9, 7)),    # §3.3 Fönster 4
    (5, dt.date(2022, 9, 8), dt.date(2023, 2, 28)),     # §3.3 Fönster 5
    (6, dt.date(2023, 3, 1), dt.date(2023, 4, 16)),     # §3.3 Fönster 6
    (WINDOW_ROM2, codes.ROM2_START, None),              # §3.3: RoM 2 from 17 Apr 2023
)

#: Window number → label. RoM 1 windows are "Fönster n" as in Tabell 15–16 headers.
WINDOW_LABELS: dict[int, str] = {
    w: ("RoM 2" if w == WINDOW_ROM2 else f"Fönster {w}") for w, _, _ in WINDOWS
}

# ---------------------------------------------------------------------------- codes

#: Age groups (§3.1), in report order. Boundaries: assumption A01.
AGE_GROUPS: tuple[str, ...] = ("under_25", "25_55", "over_55")
#: Registration-time groups (inskrivningstid, §3.1), in report order (A02).
REGISTRATION_GROUPS: tuple[str, ...] = ("max_1y", "1_2y", "2_3y", "3_4y", "over_4y")
#: Education split at upper secondary (§3.1).
EDUCATION_GROUPS: tuple[str, ...] = ("below_upper_secondary", "upper_secondary_or_more")
#: Sex × country of birth (§3.1).
SEX_BIRTH_GROUPS: tuple[str, ...] = ("domestic_woman", "domestic_man", "foreign_woman", "foreign_man")
#: Country of birth (§3.1).
BIRTH_COUNTRIES: tuple[str, ...] = ("domestic", "foreign")
#: Disability code that reduces work capacity, or not (§3.1).
DISABILITY_GROUPS: tuple[str, ...] = ("disability", "no_disability")
SEXES: tuple[str, ...] = tuple(codes.SEXES)

#: Upper age bound (inclusive) of each age group but the last (A01).
_AGE_UPPER = (24, 55)
#: Upper bound (inclusive) in days of each registration group but the last (A02).
_DAYS_UPPER = (365, 730, 1095, 1460)

#: The group columns `classify_participations` adds, with their codes in report order.
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "birth_country": BIRTH_COUNTRIES,
    "sex_birth_group": SEX_BIRTH_GROUPS,
    "disability_group": DISABILITY_GROUPS,
    "education_group": EDUCATION_GROUPS,
    "age_group": AGE_GROUPS,
    "registration_group": REGISTRATION_GROUPS,
}

#: Regressors of Tabell 18 (§5.2.2), helper column → label as printed, in printed
#: order. References: domestic-born men, under 25, registered under 1 year.
REGRESSOR_LABELS: dict[str, str] = {
    "woman": "Kvinna",
    "born_abroad": "Utrikes född",
    "foreign_woman": "Utrikes född kvinna",
    "disability": "Har funktionsnedsättning som medför nedsatt arbetsförmåga",
    "upper_secondary": "Avklarad gymnasieutbildning",
    "age_25_55": "Ålder 25-55",
    "age_55_plus": "Ålder 55+",
    "reg_1_2y": "Inskrivningstid i 1-2 år",
    "reg_2_3y": "Inskrivningstid i 2-3 år",
    "reg_3_4y": "Inskrivningstid i 3-4 år",
    "reg_over_4y": "Inskrivningstid över 4 år",
}


# ------------------------------------------------------------------------ helpers

def _series(values, name: str | None = None) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    return pd.Series(values, name=name)


def _dates(values) -> pd.Series:
    """Datetime Series at midnight, index kept (strings, dates, Timestamps accepted)."""
    s = _series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.normalize()
    return pd.to_datetime(s, format="mixed").dt.normalize()


def _categorical(codes_array: np.ndarray, valid: np.ndarray, categories, index, name) -> pd.Series:
    """Ordered categorical from integer positions into `categories`; -1 / invalid → NA."""
    pos = np.where(valid, codes_array, -1).astype(np.int64)
    cat = pd.Categorical.from_codes(pos, categories=list(categories), ordered=True)
    return pd.Series(cat, index=index, name=name)


def _flag(mask, valid) -> pd.Series:
    """Boolean helper: plain ``bool`` when every source value is known, else nullable
    ``boolean`` with NA where the source is missing."""
    mask = pd.Series(mask).astype(bool)
    valid = pd.Series(valid, index=mask.index).astype(bool)
    if valid.all():
        return mask
    return mask.astype("boolean").mask(~valid)


# ---------------------------------------------------------------------- classifiers

def window(start_date) -> pd.Series:
    """Intake window (fönster) 1–6 of RoM 1, or 7 (`WINDOW_ROM2`) for RoM 2, by start date.

    Windows as in `WINDOWS` (report §3.3, "Fönster 1" … "Fönster 6"):
    1: 2020-03-31..2020-12-07, 2: 2020-12-08..2021-07-31, 3: 2021-08-01..2021-11-15,
    4: 2021-11-16..2022-09-07, 5: 2022-09-08..2023-02-28, 6: 2023-03-01..2023-04-16;
    from 2023-04-17 RoM 2 (§3.3, last paragraph). Both ends are
    inclusive; the time of day is ignored. A start before 2020-03-31, or a missing date,
    gives NA (assumptions A04, A05).

    Returns an ``Int8`` Series on the input's index.
    """
    s = _series(start_date, "start_date")
    d = _dates(s).to_numpy(dtype="datetime64[ns]")
    firsts = np.array([np.datetime64(f, "ns") for _, f, _ in WINDOWS])
    open_end = pd.Timestamp.max.floor("D").to_datetime64()
    lasts = np.array([np.datetime64(last, "ns") if last is not None else open_end for _, _, last in WINDOWS])
    numbers = np.array([w for w, _, _ in WINDOWS], dtype=np.int8)
    idx = np.searchsorted(firsts, d, side="right") - 1
    safe = np.clip(idx, 0, len(WINDOWS) - 1)
    valid = (idx >= 0) & ~np.isnat(d) & (d <= lasts[safe])
    out = pd.array(numbers[safe], dtype="Int8")
    out[~valid] = pd.NA
    return pd.Series(out, index=s.index, name="window")


def age_at(birth_date, on_date) -> pd.Series:
    """Age in completed years on `on_date` (a date or a Series aligned with `birth_date`).

    A person is a year older on their birthday: born 2000-05-10, on 2025-05-10 → 25, on
    2025-05-09 → 24. Born 29 Feb: a year older on 1 Mar in non-leap years. The report
    measures age at the start of the service (assumption A03). Missing → NA (``Int64``).
    """
    b = _dates(birth_date)
    if isinstance(on_date, pd.Series):
        o = _dates(on_date)
    else:
        o = pd.Series(pd.Timestamp(on_date).normalize(), index=b.index)
    years = o.dt.year - b.dt.year
    before_birthday = (o.dt.month * 100 + o.dt.day) < (b.dt.month * 100 + b.dt.day)
    age = years - before_birthday.astype("Int64")
    return age.astype("Int64").rename("age")


def age_group(age) -> pd.Series:
    """Age group (report §3.1: "Ålder: under 25 år/25–55 år/över 55 år").

    ``under_25``: age ≤ 24; ``25_55``: 25 ≤ age ≤ 55; ``over_55``: age ≥ 56, with age in
    completed years at the start of the service. The report does not say on which side
    of 25 and 55 the boundaries fall (assumption A01): "under 25" read literally, 55
    counted in "25–55" so that "över 55" means strictly older than 55. Non-integer ages
    are floored. Missing → NA. Ordered categorical with categories `AGE_GROUPS`.
    """
    s = _series(age, "age")
    a = pd.to_numeric(s, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    a = np.floor(a)
    pos = np.searchsorted(np.array(_AGE_UPPER, dtype=float), a, side="left")
    return _categorical(pos, ~np.isnan(a), AGE_GROUPS, s.index, "age_group")


def registration_group(days_registered) -> pd.Series:
    """Registration-time group (inskrivningstid, report §3.1, Tabell 13 and 16).

    Days registered at Arbetsförmedlingen on the start date, a year = 365 days
    (assumption A02): ``max_1y`` 0–365, ``1_2y`` 366–730, ``2_3y`` 731–1095,
    ``3_4y`` 1096–1460, ``over_4y`` ≥ 1461. A full year belongs to the lower group
    ("upp till 1 år", "Max 1 år"). Negative or missing → NA. Ordered categorical with
    categories `REGISTRATION_GROUPS`.
    """
    s = _series(days_registered, "days_registered")
    d = pd.to_numeric(s, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    pos = np.searchsorted(np.array(_DAYS_UPPER, dtype=float), d, side="left")
    valid = ~np.isnan(d) & (d >= 0)
    return _categorical(pos, valid, REGISTRATION_GROUPS, s.index, "registration_group")


def education_group(education) -> pd.Series:
    """Education split (report §3.1: "högst förgymnasial/minst gymnasial").

    ``compulsory`` → ``below_upper_secondary``; ``upper_secondary`` and
    ``post_secondary`` → ``upper_secondary_or_more``. Missing → NA; any other code
    raises ``ValueError``. Ordered categorical with categories `EDUCATION_GROUPS`.
    """
    s = _series(education, "education")
    known = s.isin(list(codes.EDUCATION))
    bad = ~known & s.notna()
    if bad.any():
        raise ValueError(f"education: unknown code(s) {sorted(map(str, s[bad].unique()))[:5]}; "
                         f"allowed: {list(codes.EDUCATION)}")
    pos = np.where(s.to_numpy() == "compulsory", 0, 1)
    return _categorical(pos, known.to_numpy(), EDUCATION_GROUPS, s.index, "education_group")


def birth_country(born_abroad) -> pd.Series:
    """Country of birth (report §3.1): ``domestic`` (inrikes född) / ``foreign``
    (utrikes född) from the boolean ``born_abroad``. Missing → NA."""
    s = _series(born_abroad, "born_abroad")
    valid = s.notna().to_numpy()
    pos = s.fillna(False).astype(bool).to_numpy().astype(np.int64)
    return _categorical(pos, valid, BIRTH_COUNTRIES, s.index, "birth_country")


def disability_group(disability) -> pd.Series:
    """Disability (report §3.1: has / has not a disability code that reduces work
    capacity): ``disability`` / ``no_disability`` from the boolean. Missing → NA."""
    s = _series(disability, "disability")
    valid = s.notna().to_numpy()
    pos = np.where(s.fillna(False).astype(bool).to_numpy(), 0, 1)
    return _categorical(pos, valid, DISABILITY_GROUPS, s.index, "disability_group")


def sex_birth_group(sex, born_abroad) -> pd.Series:
    """Sex × country of birth (report §3.1): ``domestic_woman``, ``domestic_man``,
    ``foreign_woman``, ``foreign_man`` from ``sex`` ('woman'/'man') and the boolean
    ``born_abroad``. The report compares the two foreign-born groups (§3.1, Tabell 16
    rows "Utrikes född kvinna/man"). Missing or unknown sex → NA."""
    sx = _series(sex, "sex")
    ab = _series(born_abroad, "born_abroad")
    ab = pd.Series(ab.to_numpy(), index=sx.index)
    valid = (sx.isin(SEXES) & ab.notna()).to_numpy()
    pos = np.where(sx.to_numpy() == "man", 1, 0) + 2 * ab.fillna(False).astype(bool).to_numpy()
    return _categorical(pos, valid, SEX_BIRTH_GROUPS, sx.index, "sex_birth_group")


def classify_participations(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a participations frame with every classifier column added.

    Needs ``start_date``, ``sex``, ``born_abroad``, ``disability``, ``education``,
    ``days_registered`` and ``age_at_start`` or ``birth_date`` (if ``age_at_start`` is
    absent, or missing in some rows, it is derived from ``birth_date`` on
    ``start_date`` with `age_at`).

    Adds:

    - ``age_at_start`` (``Int64``; filled from ``birth_date`` where missing);
    - ``start_month`` (first day of the start month), ``window`` (`window`);
    - group columns (ordered categoricals, codes in `GROUP_COLUMNS`): ``birth_country``,
      ``sex_birth_group``, ``disability_group``, ``education_group``, ``age_group``,
      ``registration_group`` (``sex`` is used as it is);
    - boolean helpers (the regressors of Tabell 18, `REGRESSOR_LABELS`): ``woman``,
      ``foreign_woman``, ``upper_secondary`` (upper secondary or more), ``age_25_55``,
      ``age_55_plus`` (= age group ``over_55``), ``reg_1_2y``, ``reg_2_3y``,
      ``reg_3_4y``, ``reg_over_4y``; ``born_abroad`` and ``disability`` are the input
      columns. A helper is ``bool``, or nullable ``boolean`` with NA where its source is
      missing.
    """
    need = ["start_date", "sex", "born_abroad", "disability", "education", "days_registered"]
    missing = [c for c in need if c not in df.columns]
    if "age_at_start" not in df.columns and "birth_date" not in df.columns:
        missing.append("age_at_start or birth_date")
    if missing:
        raise KeyError(f"classify_participations: missing column(s) {missing}")

    out = df.copy()
    start = _dates(out["start_date"])
    if "age_at_start" in out.columns:
        age = pd.to_numeric(out["age_at_start"], errors="coerce").astype("Int64")
        if "birth_date" in out.columns and age.isna().any():
            age = age.fillna(age_at(out["birth_date"], start))
    else:
        age = age_at(out["birth_date"], start)
    out["age_at_start"] = age

    out["start_month"] = start.dt.to_period("M").dt.start_time
    out["window"] = window(start)
    out["birth_country"] = birth_country(out["born_abroad"])
    out["sex_birth_group"] = sex_birth_group(out["sex"], out["born_abroad"])
    out["disability_group"] = disability_group(out["disability"])
    out["education_group"] = education_group(out["education"])
    out["age_group"] = age_group(age)
    out["registration_group"] = registration_group(out["days_registered"])

    sex_ok = out["sex"].isin(SEXES)
    ag, rg, eg = out["age_group"], out["registration_group"], out["education_group"]
    woman = out["sex"] == "woman"
    abroad = out["born_abroad"].fillna(False).astype(bool)
    out["woman"] = _flag(woman, sex_ok)
    out["foreign_woman"] = _flag(woman & abroad, sex_ok & out["born_abroad"].notna())
    out["upper_secondary"] = _flag(eg == "upper_secondary_or_more", eg.notna())
    out["age_25_55"] = _flag(ag == "25_55", ag.notna())
    out["age_55_plus"] = _flag(ag == "over_55", ag.notna())
    for code in REGISTRATION_GROUPS[1:]:  # reference group max_1y has no helper
        out[f"reg_{code}"] = _flag(rg == code, rg.notna())
    return out


# ------------------------------------------------------------------ Tabell 16 rows

_COMPARISON_FILE = "comparison_rows.csv"
#: This module's folder, which holds the CSV (found from this module's file). Not
#: ``importlib.resources.files("romlab")``: run from the folder that holds a clone named
#: ``romlab``, the name resolves to the clone as a namespace package (its path is the
#: clone, whose ``data/`` is the project's data folder), so that lookup fails (and on
#: Python 3.11 its two-argument ``joinpath`` raises TypeError) even though the modules
#: load from the installed package.
_PACKAGE_DATA = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def _comparison_rows() -> pd.DataFrame:
    with (_PACKAGE_DATA / _COMPARISON_FILE).open("r", encoding="utf-8") as fh:
        rows = pd.read_csv(fh, dtype={"row": "int64", "source_line": "int64"}, keep_default_na=False)
    rows["reference_label"] = rows["reference_label"].replace("", pd.NA)
    return rows


def comparison_rows() -> pd.DataFrame:
    """The 18 group rows of Tabell 16 (§5.2.1; also Tabell 17, 21, 22), in printed order.

    Declared once in ``romlab/report/comparison_rows.csv``. Columns: ``row`` (1–18),
    ``label`` (as printed), ``comparison`` (sex, birth_country, foreign_sex, disability,
    education, age, registration), ``column`` (classifier column of
    `classify_participations`), ``code`` (its value), ``reference_label`` (the row the
    group is tested against, §5.2.1 before Tabell 16: the other group of a two-way comparison; "Över
    55 (ref)" for age; "Inskrivningstid över 4år" for registration time; NA on those two
    reference rows themselves), ``source_line`` (as in ``data/published``).
    """
    return _comparison_rows().copy()


def comparison_membership(classified: pd.DataFrame) -> pd.DataFrame:
    """Boolean matrix, participants × the 18 rows of Tabell 16 (columns = printed labels).

    ``classified`` is the output of `classify_participations`. A participant belongs to
    a row when its classifier column equals the row's code; a missing value belongs to
    no row. The loop runs over the 18 rows, never over participants.
    """
    rows = _comparison_rows()
    missing = sorted(set(rows["column"]) - set(classified.columns))
    if missing:
        raise KeyError(f"comparison_membership: classified frame lacks column(s) {missing}; "
                       "run classify_participations first")
    cols = {
        label: (classified[col] == code).fillna(False).to_numpy(dtype=bool)
        for label, col, code in zip(rows["label"], rows["column"], rows["code"])
    }
    return pd.DataFrame(cols, index=classified.index)


# ------------------------------------------------------------------------- labels

#: Labels printed in the support tables (section 4). Tabell 16 labels come from
#: ``comparison_rows.csv`` (below) so they are declared once.
_SUPPORT_TABLE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "sex": {"tabell_07": {"woman": "Kvinnor", "man": "Män"}},
    "education_group": {"tabell_08": {"below_upper_secondary": "Ej gymnasial utbildning",
                                      "upper_secondary_or_more": "Gymnasialutbildning eller högre"}},
    "age_group": {"tabell_09": {"under_25": "Under 25 år", "25_55": "25–55 år", "over_55": "Över 55 år"}},
    "birth_country": {"tabell_10": {"domestic": "Inrikes född", "foreign": "Utrikes född"}},
    "sex_birth_group": {"tabell_10": {"foreign_woman": "Utrikes födda kvinnor",
                                      "foreign_man": "Utrikes födda män"}},
    "disability_group": {"tabell_11": {"no_disability": "Ej funktionsnedsättning",
                                       "disability": "Funktionsnedsättning"}},
    "registration_group": {"tabell_13": {"max_1y": "Max 1 år", "1_2y": "1–2 år", "2_3y": "2–3 år",
                                         "3_4y": "3–4 år", "over_4y": "Minst 4 år"}},
}


def _build_labels() -> dict[str, dict[str, dict[str, str]]]:
    labels = {col: dict(tables) for col, tables in _SUPPORT_TABLE_LABELS.items()}
    for col, part in _comparison_rows().groupby("column", sort=False):
        labels.setdefault(col, {})["tabell_16"] = dict(zip(part["code"], part["label"]))
    return labels


#: ``LABELS[column][table]`` → {code: Swedish label}, in printed order, spelled as in
#: ``data/published/tabell_NN.csv`` (column ``group``). Tables: ``tabell_07`` (sex),
#: ``tabell_08`` (education), ``tabell_09`` (age), ``tabell_10`` (birth country; the
#: foreign-born women/men in ``sex_birth_group``), ``tabell_11`` (disability),
#: ``tabell_13`` (registration time), ``tabell_16`` (all seven; Tabell 17, 21 and 22
#: use the same labels, see `label_map`). A table lists only the codes it prints.
LABELS: dict[str, dict[str, dict[str, str]]] = _build_labels()

#: Tables that print the same group labels as another.
TABLE_ALIASES: dict[str, str] = {"tabell_17": "tabell_16", "tabell_21": "tabell_16", "tabell_22": "tabell_16"}


def _table_key(table) -> str:
    t = str(table).strip().lower().replace("tabell", "").replace("_", "").strip()
    return f"tabell_{t.zfill(2)}" if t.isdigit() else f"tabell_{t}"


def label_map(column: str, table) -> dict[str, str]:
    """{code: label} for a group column as printed in a table.

    ``table`` may be 16, "16", "tabell_16" or "Tabell 16"; Tabell 17, 21 and 22 map to
    Tabell 16's labels. ``KeyError`` names what exists if the pair is unknown.
    """
    if column not in LABELS:
        raise KeyError(f"no labels for column {column!r}; known: {sorted(LABELS)}")
    key = _table_key(table)
    key = TABLE_ALIASES.get(key, key)
    if key not in LABELS[column]:
        raise KeyError(f"column {column!r} has no labels for {key!r}; known: {sorted(LABELS[column])}")
    return dict(LABELS[column][key])
