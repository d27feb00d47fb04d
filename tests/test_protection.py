"""Disclosure control: primary and secondary suppression over linked cells.

Hand-made tables whose patterns were worked out by hand pin the engine
(`romlab.publication.disclosure.protect_cells`); on the sample, the declared constraints hold on
the data, and an independent subtraction attack on the protected tables recovers no
suppressed cell."""

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.publication import disclosure, protection
from romlab.report import registry
from romlab import paths

from attack import subtraction_attack


def _cells(n: dict) -> pd.DataFrame:
    return pd.DataFrame({"n": list(n.values()), "order": range(len(n))}, index=list(n))


def _cons(spec: dict) -> pd.DataFrame:
    """{name: (margin, [members])} → constraint rows."""
    rows = []
    for name, (margin, members) in spec.items():
        rows.append((name, margin, -1.0))
        rows += [(name, m, 1.0) for m in members]
    return pd.DataFrame(rows, columns=["constraint", "cell", "coef"])


def _pattern(res: pd.DataFrame) -> dict:
    return {c: r for c, r in res["rule"].items() if r}


def test_one_way_split_suppresses_the_smallest_sibling():
    # total 73 = a 3 + b 20 + c 50: a is primary; without a complement a = 73 − 20 − 50
    res = disclosure.protect_cells(_cells({"T": 73, "a": 3, "b": 20, "c": 50}), _cons({"k": ("T", ["a", "b", "c"])}), 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}
    assert res.loc["b", "protects"] == "a"


def test_two_member_split_needs_the_other_member_not_the_margin():
    res = disclosure.protect_cells(_cells({"T": 40, "a": 5, "b": 35}), _cons({"k": ("T", ["a", "b"])}), 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}


def test_two_way_table_gets_a_rectangle_of_interior_cells():
    # 2 × 2 with row, column and grand totals; x11 = 3 is small. Worked by hand:
    # x11 → cheapest member of its row or column: x21 (30); x11 still follows from row 1
    # → x12 (40); then x21 follows from row 2 → x22. Margins stay published.
    n = {"x11": 3, "x12": 40, "x21": 30, "x22": 50, "r1": 43, "r2": 80, "c1": 33, "c2": 90, "T": 123}
    cons = _cons({"r1": ("r1", ["x11", "x12"]), "r2": ("r2", ["x21", "x22"]), "c1": ("c1", ["x11", "x21"]),
                  "c2": ("c2", ["x12", "x22"]), "tr": ("T", ["r1", "r2"]), "tc": ("T", ["c1", "c2"])})
    res = disclosure.protect_cells(_cells(n), cons, 10)
    assert _pattern(res) == {"x11": disclosure.PRIMARY, "x21": disclosure.SECONDARY,
                             "x12": disclosure.SECONDARY, "x22": disclosure.SECONDARY}


def test_no_small_cell_no_suppression_and_a_zero_cell_is_small():
    res = disclosure.protect_cells(_cells({"T": 60, "a": 20, "b": 40}), _cons({"k": ("T", ["a", "b"])}), 10)
    assert not res["suppressed"].any()
    res = disclosure.protect_cells(_cells({"T": 40, "a": 0, "b": 40}), _cons({"k": ("T", ["a", "b"])}), 10)
    assert res["suppressed"].sum() == 2


def test_two_small_cells_in_one_split_protect_each_other():
    res = disclosure.protect_cells(_cells({"T": 80, "a": 4, "b": 6, "c": 70}), _cons({"k": ("T", ["a", "b", "c"])}), 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.PRIMARY}


def test_forced_cells_are_suppressed_and_protected_in_turn():
    res = disclosure.protect_cells(_cells({"T": 80, "a": 30, "b": 20, "c": 30}), _cons({"k": ("T", ["a", "b", "c"])}),
                                   10, forced=["a", "not-a-cell"])
    assert _pattern(res) == {"a": disclosure.CONSISTENCY, "b": disclosure.SECONDARY}


def test_recoverable_sees_combinations_of_constraints():
    # x = T − y − z only after y is solved from a second constraint: y = U − w
    idx = pd.Index(["T", "x", "y", "z", "U", "w"])
    a = disclosure.constraint_matrix(idx, _cons({"k1": ("T", ["x", "y", "z"]), "k2": ("U", ["y", "w"])}))
    sup = np.array([False, True, True, False, False, False])
    assert disclosure.recoverable(a, sup).tolist() == [False, True, True, False, False, False]
    sup[5] = True  # hide w too: x + y and y + w known, neither x nor y nor w alone
    assert not disclosure.recoverable(a, sup).any()


def test_constraint_with_unknown_cell_is_an_error():
    with pytest.raises(ValueError, match="unknown cell"):
        disclosure.constraint_matrix(pd.Index(["a"]), _cons({"k": ("a", ["b"])}))


def test_same_input_same_pattern():
    n = {"T": 200, **{f"g{i}": v for i, v in enumerate([3, 12, 12, 40, 5, 90, 38])}}
    cons = _cons({"k": ("T", [f"g{i}" for i in range(7)])})
    a = disclosure.protect_cells(_cells(n), cons, 10)
    b = disclosure.protect_cells(_cells(n), cons, 10)
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- the report's tables

@pytest.fixture(scope="module")
def sample_tables():
    cfg = romlab.RunConfig.for_period("2023-10")
    ds = romlab.load(paths.SAMPLE, as_of=cfg.data_cutoff)
    return registry.report_tables(ds, cfg), ds, cfg


def test_declared_result_constraints_hold_on_the_data(sample_tables):
    tables, _, _ = sample_tables
    cells, _ = protection._cells(tables)
    cons = protection.constraints(tables)
    size = cells["cost"]  # the population's persons
    for name, c in cons[cons["cell"].str[0].isin(["P", "Q"])].groupby("constraint"):
        assert (c["coef"] * c["cell"].map(size)).sum() == 0, name


def test_declared_support_constraints_hold_on_the_data(sample_tables):
    """Report-months behind each support cell (the additive quantity) add up as declared."""
    from romlab.report import support

    tables, ds, cfg = sample_tables
    m = support.select_reports(ds, cfg).months
    cut = support.cutoffs(m, cfg.trim_percentile, cfg.percentile_method)
    keep = support.trimmed(m, cut)[support.TOTAL]
    obs = {f"S|5|{protection.ALL}": int(keep.sum())}
    for key, col in [("7", "sex"), ("8", "education_group"), ("9", "age_group"), ("10", "birth_country"),
                     ("10", "sex_birth_group"), ("11", "disability_group"), ("12", "level")]:
        t = tables[key]
        o = t[t["measure"] == "observations"]
        label = "level" if key == "12" else "group"
        obs.update({f"S|{key}|{g}": int(v) for g, v in zip(o[label], o["value"])})
    by13 = keep.groupby([m["registration_group"], m["level"]], observed=True).sum()
    labels13 = dict(zip(["max_1y", "1_2y", "2_3y", "3_4y", "over_4y"], protection.REGISTRATION_GROUPS))
    obs.update({f"S|13|{labels13[g]}|{lv}": int(v) for (g, lv), v in by13.items()})
    from romlab.report.support import A1_COLUMNS
    for i, (col, code) in enumerate(A1_COLUMNS, start=1):
        sel = keep & (m[col] == code)
        for lv, v in sel.groupby(m["level"], observed=True).sum().items():
            obs[f"S|A1|col{i:02d}|{lv}"] = int(v)
    cons = protection.constraints(tables)
    checked = 0
    for name, c in cons[cons["cell"].str.startswith("S|")].groupby("constraint"):
        assert (c["coef"] * c["cell"].map(obs)).sum() == 0, name
        checked += 1
    assert checked >= 1 + 5 + 1 + 3 + 11 + 15


def test_no_suppressed_cell_can_be_recovered_by_subtraction(sample_tables):
    tables, _, cfg = sample_tables
    shown, log = protection.protect(tables, cfg.min_cell)
    assert (log["rule"] == disclosure.PRIMARY).any() and (log["rule"] == disclosure.SECONDARY).any()
    assert subtraction_attack(shown) == set()
    # the attack is not toothless: on primary suppression alone it recovers cells
    primary = {k: t.assign(suppressed=pd.to_numeric(t["n"], errors="coerce").lt(cfg.min_cell).to_numpy())
               for k, t in tables.items() if k in ("14", "15", "16", "19", "21", "22")}
    assert subtraction_attack(primary)


def test_protect_blanks_every_statistic_of_a_suppressed_row(sample_tables):
    tables, _, cfg = sample_tables
    shown, log = protection.protect(tables, cfg.min_cell)
    for key in ("16", "17", "21", "22", "tests_15", "15"):
        t = shown[key]
        s = t["suppressed"]
        for col in ("value", "n", "p_value", "value_1", "value_2", "difference"):
            if col in t:
                assert t.loc[s, col].isna().all(), (key, col)
        for col in ("significant", "flagged"):
            if col in t:
                assert not t.loc[s, col].any(), (key, col)
    # one cell hides in every table that shows it
    cells = set(log["cell"])
    for key in ("16", "17", "21", "22"):
        assert set(shown[key].loc[shown[key]["suppressed"], "cell"]) == {c for c in cells if c.startswith("P|")
                                                                          and not c.endswith("|Alla")}


def test_suppression_log_names_cell_rule_reason_and_tables(sample_tables):
    tables, _, cfg = sample_tables
    _, log = protection.protect(tables, cfg.min_cell)
    assert list(log.columns) == ["cell", "tables", "persons", "rule", "reason"]
    sec = log[log["rule"] == disclosure.SECONDARY].iloc[0]
    assert sec["reason"].startswith("kompletterande") and "P|" in sec["reason"]
    assert set(log["persons"]) <= {f"< {cfg.min_cell}", f">= {cfg.min_cell}"}


def test_min_cell_one_suppresses_nothing(sample_tables):
    tables, _, _ = sample_tables
    shown, log = protection.protect(tables, 1)
    assert log.empty and not shown["16"]["suppressed"].any()


def test_batch_keeps_one_pattern_across_periods():
    """2023-04 and 2023-10 on the sample, with one extra small cell made in 2023-10
    (Kvinnor, in the first window × level of windows 1–3 that 2023-04 shows on its own:
    5 persons): protected together, a cell that both periods show is suppressed in both
    or in neither, so 2023-04 hides that cell too (rule 'konsekvent mellan perioder')
    and protects it in turn."""
    from dataclasses import replace

    from romlab.run import period

    computed = [period.compute(romlab.RunConfig.for_period(p), paths.SAMPLE) for p in ("2023-04", "2023-10")]
    shown_alone = set(period.protect(computed[0]).log["cell"])
    window, level = next((w, lv) for w in (1, 2, 3) for lv in "ABC" if f"P|{w}|{lv}|Kvinnor" not in shown_alone)
    target = f"P|{window}|{level}|Kvinnor"
    tables = dict(computed[1].tables)
    for key in ("16", "17", "21", "22"):
        t = tables[key].copy()
        hit = (t["window"] == window) & (t["level"] == level) & (t["group"] == "Kvinnor")
        assert hit.sum() == 1
        t.loc[hit, "n"] = 5
        tables[key] = t
    computed[1] = replace(computed[1], tables=tables)
    alone = [period.protect(c) for c in computed]
    assert target not in set(alone[0].log["cell"]) and target in set(alone[1].log["cell"])
    batch = period.protect_batch(computed)
    cells = [set(protection._cells(c.tables)[0].index) for c in computed]
    common = cells[0] & cells[1]
    hidden = [set(b.log["cell"]) for b in batch]
    assert hidden[0] & common == hidden[1] & common
    assert all(set(a.log["cell"]) <= h for a, h in zip(alone, hidden))
    rules = batch[0].log.set_index("cell")["rule"]
    assert rules[target] == disclosure.CONSISTENCY
    assert all(subtraction_attack(b.tables) == set() for b in batch)


@pytest.mark.parametrize("min_cell", [10, 80])
def test_starts_table_and_tabell_15_are_protected_together(min_cell):
    """§3's starts by window × level publish Tabell 15's counts again, with row totals
    that tie its levels together: protected as the same cells, the attack recovers
    nothing from both tables (at 80 persons many cells are small)."""
    from dataclasses import replace

    from romlab.run import period

    p = period.compute(romlab.RunConfig.for_period("2023-10"), paths.SAMPLE)
    p = replace(p, cfg=p.cfg.with_overrides(min_cell=min_cell))
    long = protection.starts_long(p.overview["starts"], p.tables["15"])
    assert long["linked"].sum() == 12  # windows 1-4 × A, B, C are Tabell 15's cells on the sample
    q = period.protect(p)
    starts = q.overview["starts"]
    assert subtraction_attack(q.tables, starts) == set()
    if min_cell == 80:
        assert starts.isna().any().any() and "starts" in " ".join(q.log["tables"])
        t15 = q.tables["15"].set_index(["window", "level"])["suppressed"]
        assert all(bool(pd.isna(starts.loc[f"Fönster {w}", f"Nivå {lv}"])) == t15[(w, lv)] for w, lv in t15.index)
    # the attack sees the starts table: with primary suppression only it recovers cells
    naive = p.overview["starts"].astype("Int64").mask(p.overview["starts"] < min_cell)
    if min_cell == 80:
        assert subtraction_attack(q.tables, naive)


def test_starts_not_linked_when_the_counts_differ():
    from romlab.run import period

    p = period.compute(romlab.RunConfig.for_period("2023-10"), paths.SAMPLE)
    t15 = p.tables["15"].copy()
    t15.loc[t15.index[0], "n"] += 1
    assert not protection.starts_long(p.overview["starts"], t15)["linked"].any()


def test_a_notebook_of_a_finished_run_recomputes_when_its_bundle_is_gone(tmp_path):
    from romlab.run import period

    with pytest.warns(UserWarning, match="is gone"):
        p = period.tables("2023-10", paths.SAMPLE, {}, tmp_path / ".period.pkl")
    assert p.protected and p.cfg.period == "2023-10"
    saved = p.save(tmp_path / "saved.pkl")
    again = period.tables("2023-10", "/no/data/needed", {}, saved)
    pd.testing.assert_frame_equal(again.tables["16"], p.tables["16"])
    with pytest.raises(ValueError, match="holds period 2023-10"):
        period.tables("2023-04", "", {}, saved)


def _determined_by_rank(a: np.ndarray, suppressed: np.ndarray) -> list[int]:
    """Independent of `disclosure.recoverable`: a suppressed cell is determined iff
    dropping its column lowers the rank of the constraint matrix on the suppressed cells."""
    s = np.flatnonzero(suppressed)
    sub = a[:, s]
    r = np.linalg.matrix_rank(sub)
    return [int(i) for k, i in enumerate(s) if np.linalg.matrix_rank(np.delete(sub, k, axis=1)) < r]


def test_a_whole_small_row_is_protected_through_the_grand_total():
    """Window 6 is small in every cell, its total too (7): its total would follow from
    the grand total minus the other row totals, which no member of its own row can
    prevent; the engine reaches further (the chain through the columns) until nothing is
    determined (checked by a rank test independent of the engine)."""
    starts = pd.DataFrame({"Nivå A": [50, 3, 40, 93], "Nivå B": [60, 4, 30, 94], "Totalt": [110, 7, 70, 187]},
                          index=["Fönster 5", "Fönster 6", "RoM 2", "Totalt"])
    long = protection.starts_long(starts, None)
    shown, log = protection.protect({"starts": long}, 10)
    hidden = shown["starts"].set_index(["window", "level"])["suppressed"]
    assert hidden[("Fönster 6", "A")] and hidden[("Fönster 6", "B")] and hidden[("Fönster 6", "Totalt")]
    assert not hidden[("Totalt", "Totalt")]
    cells, _ = protection._cells({"starts": long})
    cons = protection.constraints({"starts": long})
    a = disclosure.constraint_matrix(pd.Index(cells.index), cons)
    sup = pd.Index(cells.index).isin(log["cell"])
    assert _determined_by_rank(a, sup) == []
    assert (log["rule"] == disclosure.PRIMARY).sum() == 3


def test_rank_check_agrees_with_the_engine_on_the_sample(sample_tables):
    tables, _, _ = sample_tables
    cells, _ = protection._cells(tables)
    cons = protection.constraints(tables)
    a = disclosure.constraint_matrix(pd.Index(cells.index), cons)
    _, log = protection.protect(tables, 30)
    sup = pd.Index(cells.index).isin(log["cell"])
    assert _determined_by_rank(a, sup) == []
    primary_only = pd.to_numeric(cells["n"], errors="coerce").astype(float).lt(30).to_numpy(bool)
    assert _determined_by_rank(a, primary_only)  # the check can fail
    assert sorted(_determined_by_rank(a, primary_only)) == sorted(np.flatnonzero(disclosure.recoverable(a, primary_only)))


@pytest.fixture(scope="module")
def sample_period():
    from romlab.run import period

    return period.compute(romlab.RunConfig.for_period("2023-10"), paths.SAMPLE)


@pytest.mark.parametrize("min_cell", [10, 30, 100, 300, 1000])
def test_every_threshold_ends_with_nothing_determined(sample_period, min_cell):
    """From few small cells to most cells small (starts table included): the engine
    always finishes, keeps every primary cell and leaves no cell determined."""
    from dataclasses import replace

    from romlab.run import period

    p = replace(sample_period, cfg=sample_period.cfg.with_overrides(min_cell=min_cell))
    q = period.protect(p)
    tables = {**p.tables, "starts": protection.starts_long(p.overview["starts"], p.tables["15"])}
    cells, _ = protection._cells(tables)
    a = disclosure.constraint_matrix(pd.Index(cells.index), protection.constraints(tables))
    assert _determined_by_rank(a, pd.Index(cells.index).isin(q.log["cell"])) == []
    small = set(cells.index[pd.to_numeric(cells["n"], errors="coerce").astype(float).lt(min_cell).to_numpy(bool)])
    assert small <= set(q.log["cell"])


def test_show_marks_suppressed_cells_and_groups_thousands():
    t = pd.DataFrame({"Nivå A": pd.array([1234, None], dtype="Int64"), "Totalt": pd.array([1300, 66], dtype="Int64")},
                     index=["Fönster 1", "Fönster 2"])
    assert disclosure.show(t).to_numpy().tolist() == [["1 234", "1 300"], ["..", "66"]]
