"""Significance marks and test rows as a run publishes them: taken on what protection shows.

A mark (``*``, Tabell 17's flag, a support test's difference) compares a cell with
another; once disclosure control has hidden cells (`romlab.publication.protection`), a
mark whose test involves a hidden cell would tell the reader something about it, so it
is withheld: `marks_after_protection` for the results tables' marks (Tabell 15–17, 21,
22 and RoM 2's Tabell 16), `protect_support_test` / `blank_tests` for the support group
tests (RoM 1's; RoM 2's call `blank_tests` with their own cells).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

LEVELS = ("A", "B", "C")


def marks_after_protection(tables: dict[str, pd.DataFrame], sup: pd.Series) -> dict[str, pd.DataFrame]:
    """Significance marks and Tabell 17's flags taken on what is shown: a mark whose test
    involves a hidden cell is withheld (its p-value blanked, Tabell 16, 21, 22 and RoM 2's
    16), and Tabell 17 is flagged again on Tabell 16 as published (`results.tabell_17`)."""
    from romlab.report import results

    out = dict(tables)
    rom1_ref = lambda t: ("P|" + t["window"].astype(str) + "|" + t["level"].astype(str)  # noqa: E731
                          + "|" + t["reference"].astype(str))
    refs = {"16": rom1_ref, "21": rom1_ref, "22": rom1_ref,  # the reference group's cell
            "rom2_16": lambda t: "R2G|" + t["level"].astype(str) + "|" + t["reference"].astype(str)}
    for key, ref_cell in refs.items():
        if key in out and "reference" in out[key].columns:
            t = out[key].copy()
            hidden_ref = ref_cell(t).map(sup).fillna(False).astype(bool) & t["reference"].notna()
            t["p_value"] = t["p_value"].astype(float).mask(hidden_ref)
            t["significant"] = t["significant"].fillna(False).astype(bool) & ~hidden_ref
            out[key] = t
    if "15" in out and "p_value" in out["15"].columns:
        t = out["15"].copy()
        window_hidden = t.groupby("window")["suppressed"].transform("any").astype(bool)
        t["p_value"] = t["p_value"].astype(float).mask(window_hidden)
        t["significant"] = t["significant"].fillna(False).astype(bool) & ~window_hidden
        out["15"] = t
    if "17" in out and "16" in out:
        again = results.tabell_17(out["16"].drop(columns=["cell", "rule"], errors="ignore"))
        t = out["17"].copy()
        t["beats"] = again["beats"].to_numpy()
        t["flagged"] = again["flagged"].to_numpy() & ~t["suppressed"].to_numpy(bool)
        t["p_value"] = out["16"]["p_value"].to_numpy()
        t["significant"] = out["16"]["significant"].to_numpy()
        out["17"] = t
    return out


#: The support tests (`support.group_tests`) and the table whose labels name their groups.
SUPPORT_TESTS = {"tests_sex": 7, "tests_education_group": 8, "tests_age_group": 9, "tests_birth_country": 10,
                 "tests_sex_birth_group": 10, "tests_disability_group": 11, "tests_level": 12}


def protect_support_test(key: str, t: pd.DataFrame, sup: pd.Series) -> pd.DataFrame:
    """A support test row is blanked when its group or its reference is suppressed."""
    from romlab.report.classify import label_map

    table = SUPPORT_TESTS[key]
    names = {lv: lv for lv in LEVELS} if table == 12 else label_map(key.removeprefix("tests_"), table)
    return blank_tests(t, sup, f"S|{table}|", names)


def blank_tests(t: pd.DataFrame, sup: pd.Series, prefix: str, names: Mapping[str, str]) -> pd.DataFrame:
    """Support test rows blanked where the group's or the reference's cell (`prefix` + its
    name in `names`) is hidden (`sup`: cell → hidden); RoM 2's tests use it too."""
    if t.empty:
        return t
    cell = lambda col: (prefix + t[col].astype(str).map(names)).map(sup)  # noqa: E731
    mask = (cell("group").eq(True) | cell("reference").eq(True)).to_numpy()  # NA: a cell not hidden
    t = t.copy()
    for col in ("mean", "mean_reference", "difference", "se", "p_value"):
        if col in t.columns:
            t[col] = t[col].astype(float).mask(mask)
    t["significant"] = t["significant"].fillna(False).astype(bool) & ~mask
    t["suppressed"] = mask
    return t
