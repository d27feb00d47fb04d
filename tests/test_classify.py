"""Classifiers against hand-worked answers (report lines in romlab/report/classify.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from romlab.report import classify
from romlab.dataset import codes

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


# ---------------------------------------------------------------------- windows

WINDOW_DAYS = [  # (window, first day, last day) as printed, L624–737
    (1, "2020-03-31", "2020-12-07"),
    (2, "2020-12-08", "2021-07-31"),
    (3, "2021-08-01", "2021-11-15"),
    (4, "2021-11-16", "2022-09-07"),
    (5, "2022-09-08", "2023-02-28"),
    (6, "2023-03-01", "2023-04-16"),
]


@pytest.mark.parametrize("w, first, last", WINDOW_DAYS)
def test_window_first_and_last_day(w, first, last):
    got = classify.window(pd.Series(pd.to_datetime([first, last])))
    assert got.tolist() == [w, w]


@pytest.mark.parametrize("w, first, last", WINDOW_DAYS)
def test_day_before_first_and_after_last_is_another_window(w, first, last):
    before = pd.Timestamp(first) - pd.Timedelta(days=1)
    after = pd.Timestamp(last) + pd.Timedelta(days=1)
    got = classify.window(pd.Series([before, after]))
    assert got.iloc[0] is pd.NA if w == 1 else got.iloc[0] == w - 1
    assert got.iloc[1] == w + 1


def test_rom1_rom2_boundary():
    got = classify.window(pd.Series(pd.to_datetime(["2023-04-16", "2023-04-17", "2024-06-01"])))
    assert got.tolist() == [6, classify.WINDOW_ROM2, classify.WINDOW_ROM2]
    assert classify.WINDOW_ROM2 == 7
    assert classify.WINDOW_LABELS[7] == "RoM 2"
    assert classify.WINDOW_LABELS[1] == "Fönster 1"


def test_window_before_first_window_and_missing_are_na():
    got = classify.window(pd.Series([pd.Timestamp("2020-03-30"), pd.NaT, pd.Timestamp("2019-01-01")]))
    assert got.isna().all()
    assert str(got.dtype) == "Int8"


def test_window_keeps_index_ignores_time_and_accepts_strings():
    s = pd.Series(["2020-12-07 23:59", "2020-12-08"], index=[10, 20])
    got = classify.window(s)
    assert got.index.tolist() == [10, 20]
    assert got.tolist() == [1, 2]
    assert classify.window([dt.date(2021, 8, 1)]).tolist() == [3]


def test_window_table_is_contiguous_and_rom2_starts_with_codes():
    table = classify.WINDOWS
    assert [w for w, _, _ in table] == [1, 2, 3, 4, 5, 6, 7]
    for (_, _, last), (_, first, _) in zip(table[:-1], table[1:]):
        assert first == last + dt.timedelta(days=1)
    assert table[-1][1] == codes.ROM2_START and table[-1][2] is None


# ------------------------------------------------------------------------- age

def test_age_at_completed_years_birthday_on_start_date():
    birth = pd.Series(pd.to_datetime(["2000-05-10", "2000-05-10", "2000-05-11", "1967-12-31"]))
    start = pd.Series(pd.to_datetime(["2025-05-10", "2025-05-09", "2025-05-10", "2023-01-01"]))
    assert classify.age_at(birth, start).tolist() == [25, 24, 24, 55]


def test_age_at_scalar_date_leap_day_and_missing():
    birth = pd.Series(pd.to_datetime(["2000-02-29", "2000-02-29", None]))
    assert classify.age_at(birth.iloc[:2], pd.Series(pd.to_datetime(["2025-02-28", "2025-03-01"]))).tolist() == [24, 25]
    got = classify.age_at(birth, "2024-02-29")
    assert got.iloc[:2].tolist() == [24, 24] and got.isna().iloc[2]


def test_age_group_boundaries():
    got = classify.age_group(pd.Series([15, 24, 25, 55, 56, 70, None]))
    assert got.iloc[:6].tolist() == ["under_25", "under_25", "25_55", "25_55", "over_55", "over_55"]
    assert pd.isna(got.iloc[6])
    assert list(got.cat.categories) == list(classify.AGE_GROUPS)
    assert got.cat.ordered


# ------------------------------------------------------------ registration time

@pytest.mark.parametrize("days, group", [
    (0, "max_1y"), (365, "max_1y"), (366, "1_2y"), (730, "1_2y"), (731, "2_3y"),
    (1095, "2_3y"), (1096, "3_4y"), (1460, "3_4y"), (1461, "over_4y"), (5000, "over_4y"),
])
def test_registration_group_boundaries(days, group):
    assert classify.registration_group(pd.Series([days])).iloc[0] == group


def test_registration_group_missing_and_negative_are_na():
    got = classify.registration_group(pd.Series([None, -1], dtype="Int64"))
    assert got.isna().all()


# -------------------------------------------------------- education, sex, birth

def test_education_group():
    got = classify.education_group(pd.Series(["compulsory", "upper_secondary", "post_secondary", None]))
    assert got.iloc[:3].tolist() == ["below_upper_secondary", "upper_secondary_or_more", "upper_secondary_or_more"]
    assert pd.isna(got.iloc[3])


def test_education_group_unknown_code_raises():
    with pytest.raises(ValueError, match="unknown code.*primary"):
        classify.education_group(pd.Series(["primary"]))


def test_sex_birth_group():
    sex = pd.Series(["woman", "man", "woman", "man"])
    abroad = pd.Series([False, False, True, True])
    assert classify.sex_birth_group(sex, abroad).tolist() == [
        "domestic_woman", "domestic_man", "foreign_woman", "foreign_man"]


def test_birth_country_and_disability_group():
    assert classify.birth_country(pd.Series([True, False])).tolist() == ["foreign", "domestic"]
    assert classify.disability_group(pd.Series([True, False])).tolist() == ["disability", "no_disability"]


# ------------------------------------------------------- classify_participations

@pytest.fixture
def four():
    """Four hand-made participants; expected groups worked out by hand below."""
    return pd.DataFrame({
        "participation_id": [1, 2, 3, 4],
        "start_date": pd.to_datetime(["2021-01-05", "2022-03-01", "2020-06-01", "2023-05-01"]),
        "level": ["A", "B", "C", "A"],
        "sex": ["woman", "man", "woman", "man"],
        "born_abroad": [True, True, False, False],
        "disability": [False, True, False, False],
        "education": ["compulsory", "upper_secondary", "post_secondary", "compulsory"],
        "days_registered": [100, 400, 1500, 800],
        # ages at start: 31; 21 (birthday the day after start); 60; 56 (birthday on start)
        "birth_date": pd.to_datetime(["1990-01-05", "2000-03-02", "1960-06-01", "1967-05-01"]),
    })


def test_classify_participations(four):
    out = classify.classify_participations(four)
    assert "age_at_start" not in four.columns  # input untouched
    assert out["age_at_start"].tolist() == [31, 21, 60, 56]
    assert out["window"].tolist() == [2, 4, 1, 7]
    assert out["start_month"].tolist() == list(pd.to_datetime(["2021-01-01", "2022-03-01", "2020-06-01", "2023-05-01"]))
    assert out["age_group"].tolist() == ["25_55", "under_25", "over_55", "over_55"]
    assert out["registration_group"].tolist() == ["max_1y", "1_2y", "over_4y", "2_3y"]
    assert out["education_group"].tolist() == ["below_upper_secondary", "upper_secondary_or_more",
                                               "upper_secondary_or_more", "below_upper_secondary"]
    assert out["sex_birth_group"].tolist() == ["foreign_woman", "foreign_man", "domestic_woman", "domestic_man"]
    assert out["birth_country"].tolist() == ["foreign", "foreign", "domestic", "domestic"]
    assert out["disability_group"].tolist() == ["no_disability", "disability", "no_disability", "no_disability"]
    flags = {
        "woman": [True, False, True, False],
        "foreign_woman": [True, False, False, False],
        "upper_secondary": [False, True, True, False],
        "age_25_55": [True, False, False, False],
        "age_55_plus": [False, False, True, True],
        "reg_1_2y": [False, True, False, False],
        "reg_2_3y": [False, False, False, True],
        "reg_3_4y": [False, False, False, False],
        "reg_over_4y": [False, False, True, False],
    }
    for col, want in flags.items():
        assert out[col].dtype == bool, col
        assert out[col].tolist() == want, col
    assert set(classify.REGRESSOR_LABELS) <= set(out.columns)


def test_classify_uses_age_at_start_and_fills_gaps_from_birth_date(four):
    df = four.assign(age_at_start=pd.array([40, None, 60, 30], dtype="Int64"))
    out = classify.classify_participations(df)
    assert out["age_at_start"].tolist() == [40, 21, 60, 30]
    no_birth = df.drop(columns="birth_date").assign(age_at_start=[40, 21, 60, 30])
    assert classify.classify_participations(no_birth)["age_group"].tolist() == [
        "25_55", "under_25", "over_55", "25_55"]


def test_classify_missing_age_gives_nullable_helpers(four):
    df = four.drop(columns="birth_date").assign(age_at_start=pd.array([40, None, 60, 30], dtype="Int64"))
    out = classify.classify_participations(df)
    assert str(out["age_25_55"].dtype) == "boolean"
    assert out["age_25_55"].isna().tolist() == [False, True, False, False]


def test_classify_missing_column_raises(four):
    with pytest.raises(KeyError, match="days_registered"):
        classify.classify_participations(four.drop(columns="days_registered"))


# ------------------------------------------------------------ Tabell 16 rows

TABELL_16_ORDER = [
    "Kvinnor", "Män", "Utrikes född", "Inrikes född", "Utrikes född kvinna", "Utrikes född man",
    "Funktionshinder", "Ej funktionshinder", "Gymn.utb.", "Ej gymn.utb.", "Under 25", "25-55",
    "Över 55 (ref)", "Inskrivningstid upp till 1 år", "Inskrivningstid 1-2 år",
    "Inskrivningstid 2-3 år", "Inskrivningstid 3-4 år", "Inskrivningstid över 4år",
]


def test_comparison_rows_shape_and_order():
    rows = classify.comparison_rows()
    assert rows["row"].tolist() == list(range(1, 19))
    assert rows["label"].tolist() == TABELL_16_ORDER
    assert rows["comparison"].unique().tolist() == [
        "sex", "birth_country", "foreign_sex", "disability", "education", "age", "registration"]


def test_comparison_rows_codes_are_classifier_codes():
    rows = classify.comparison_rows()
    for col, code in zip(rows["column"], rows["code"]):
        assert code in classify.GROUP_COLUMNS[col], (col, code)


def test_comparison_rows_references():
    rows = classify.comparison_rows()
    refs = rows["reference_label"]
    assert refs.dropna().isin(rows["label"]).all()
    assert rows.loc[refs.isna(), "label"].tolist() == ["Över 55 (ref)", "Inskrivningstid över 4år"]
    by_label = rows.set_index("label")
    # a reference is in the same comparison, and two-way pairs point at each other
    for label, ref in refs.dropna().items():
        row = rows.loc[label]
        assert by_label.loc[row["reference_label"], "comparison"] == row["comparison"]
    for label in ["Kvinnor", "Utrikes född", "Utrikes född kvinna", "Funktionshinder", "Gymn.utb."]:
        other = by_label.loc[label, "reference_label"]
        assert by_label.loc[other, "reference_label"] == label
    assert (by_label.loc[["Under 25", "25-55"], "reference_label"] == "Över 55 (ref)").all()
    assert (by_label.loc[TABELL_16_ORDER[13:17], "reference_label"] == "Inskrivningstid över 4år").all()


def test_comparison_rows_match_published_tabell_16():
    pub = pd.read_csv(PUBLISHED / "tabell_16.csv").drop_duplicates("group")
    rows = classify.comparison_rows()
    assert pub["group"].tolist() == rows["label"].tolist()
    assert pub["source_line"].tolist() == rows["source_line"].tolist()


def test_comparison_rows_returns_a_copy():
    rows = classify.comparison_rows()
    rows.loc[0, "label"] = "changed"
    assert classify.comparison_rows().loc[0, "label"] == "Kvinnor"


def test_comparison_membership(four):
    m = classify.comparison_membership(classify.classify_participations(four))
    assert m.shape == (4, 18)
    assert m.columns.tolist() == TABELL_16_ORDER
    assert (m.dtypes == bool).all()
    want = {  # participant 1..4, by hand from the fixture
        "Kvinnor": [1, 0, 1, 0], "Män": [0, 1, 0, 1],
        "Utrikes född": [1, 1, 0, 0], "Inrikes född": [0, 0, 1, 1],
        "Utrikes född kvinna": [1, 0, 0, 0], "Utrikes född man": [0, 1, 0, 0],
        "Funktionshinder": [0, 1, 0, 0], "Ej funktionshinder": [1, 0, 1, 1],
        "Gymn.utb.": [0, 1, 1, 0], "Ej gymn.utb.": [1, 0, 0, 1],
        "Under 25": [0, 1, 0, 0], "25-55": [1, 0, 0, 0], "Över 55 (ref)": [0, 0, 1, 1],
        "Inskrivningstid upp till 1 år": [1, 0, 0, 0], "Inskrivningstid 1-2 år": [0, 1, 0, 0],
        "Inskrivningstid 2-3 år": [0, 0, 0, 1], "Inskrivningstid 3-4 år": [0, 0, 0, 0],
        "Inskrivningstid över 4år": [0, 0, 1, 0],
    }
    assert {k: m[k].astype(int).tolist() for k in want} == want
    # every participant is in exactly one group of each comparison except foreign_sex
    rows = classify.comparison_rows()
    for comp, part in rows.groupby("comparison"):
        n = m[part["label"].tolist()].sum(axis=1)
        if comp == "foreign_sex":
            assert n.tolist() == [1, 1, 0, 0]
        else:
            assert (n == 1).all(), comp


def test_comparison_membership_needs_classified_frame(four):
    with pytest.raises(KeyError, match="classify_participations"):
        classify.comparison_membership(four)


# ---------------------------------------------------------------------- labels

@pytest.mark.parametrize("column, table", [
    (col, table) for col, tables in classify.LABELS.items() for table in tables])
def test_labels_are_spelled_as_published(column, table):
    pub = pd.read_csv(PUBLISHED / f"{table}.csv")
    printed = set(pub["group"].dropna())
    labels = classify.LABELS[column][table]
    assert set(labels.values()) <= printed
    assert set(labels) <= set(classify.GROUP_COLUMNS[column])


def test_labels_cover_every_published_group():
    for table in ["tabell_07", "tabell_08", "tabell_09", "tabell_10", "tabell_11", "tabell_13", "tabell_16"]:
        printed = set(pd.read_csv(PUBLISHED / f"{table}.csv")["group"].dropna())
        ours = {lab for tables in classify.LABELS.values() for lab in tables.get(table, {}).values()}
        assert printed == ours, table


def test_label_map_table_spellings_and_aliases():
    assert classify.label_map("age_group", 9) == {"under_25": "Under 25 år", "25_55": "25–55 år",
                                                  "over_55": "Över 55 år"}
    assert classify.label_map("age_group", "Tabell 16") == classify.label_map("age_group", "tabell_21")
    assert classify.label_map("registration_group", "13")["over_4y"] == "Minst 4 år"
    assert classify.label_map("registration_group", 22)["over_4y"] == "Inskrivningstid över 4år"
    with pytest.raises(KeyError, match="known"):
        classify.label_map("age_group", 7)


def test_regressor_labels_match_tabell_18():
    pub = pd.read_csv(PUBLISHED / "tabell_18.csv")
    coefs = pub.loc[pub["measure"] == "coef", "group"].tolist()
    assert coefs == list(classify.REGRESSOR_LABELS.values()) + ["Konstant"]


def test_group_columns_map_to_labels_vectorised(four):
    out = classify.classify_participations(four)
    labels = out["age_group"].map(classify.label_map("age_group", 16))
    assert labels.astype(str).tolist() == ["25-55", "Under 25", "Över 55 (ref)", "Över 55 (ref)"]
    assert np.array_equal(out["window"].map(classify.WINDOW_LABELS).astype(str).to_numpy(),
                          np.array(["Fönster 2", "Fönster 4", "Fönster 1", "RoM 2"]))
