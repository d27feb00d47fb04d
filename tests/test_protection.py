"""Disclosure control: primary and complementary suppression with protection intervals.

Hand-made tables whose patterns and intervals were worked out by hand pin the engine
(`romlab.publication.disclosure.protect_cells` and the attacker's programme
`disclosure.audit`); on the sample, the declared relations and identities hold on the
data, no published cell gives a count below min_cell, every small count keeps its
interval at every threshold, and an independent subtraction attack on the protected
tables recovers nothing."""

import numpy as np
import pandas as pd
import pytest

import romlab
from romlab.publication import disclosure, protection
from romlab.publication.counts import CountModel
from romlab.report import registry
from romlab import paths

import handmade

from attack import subtraction_attack


def _cons(spec: dict) -> pd.DataFrame:
    """{name: (margin, [members])} → relation rows."""
    rows = []
    for name, (margin, members) in spec.items():
        rows.append((name, margin, -1.0))
        rows += [(name, m, 1.0) for m in members]
    return pd.DataFrame(rows, columns=["constraint", "cell", "coef"])


def _model(persons: dict, relations: dict, numerators: dict | None = None) -> CountModel:
    """Cells with their persons (in this order) and, optionally, {(cell, quantity): count}
    shares of persons; `relations` as `_cons`."""
    rows = [(c, "persons", float(v), "") for c, v in persons.items()]
    rows += [(c, q, float(v), "persons") for (c, q), v in (numerators or {}).items()]
    counts = pd.DataFrame(rows, columns=["cell", "quantity", "value", "of"])
    order = {c: i for i, c in enumerate(persons)}
    counts = counts.sort_values(["cell", "quantity"], key=lambda s: s.map(order) if s.name == "cell" else s,
                                kind="stable").reset_index(drop=True)
    return CountModel(counts, _cons(relations), [])


def _pattern(res: disclosure.Protection) -> dict:
    return {c: r for c, r in res.cells["rule"].items() if r}


# --------------------------------------------------------------------------- the engine, by hand

def test_one_way_split_hides_the_cheapest_sibling():
    res = disclosure.protect_cells(_model({"T": 100, "a": 5, "b": 30, "c": 65}, {"s": ("T", ["a", "b", "c"])}), 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}
    a = disclosure.audit(res, final=True)
    assert a.loc[("a", "persons"), ["low", "high"]].tolist() == [0.0, 35.0]  # a + b = 100 − 65


def test_two_member_split_needs_the_other_member_not_the_margin():
    res = disclosure.protect_cells(_model({"T": 45, "a": 5, "b": 40}, {"s": ("T", ["a", "b"])}), 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}


def test_an_interval_too_narrow_needs_a_third_cell():
    """a + b = 8 is known once c is shown: neither can be worked out, but each lies in
    [0, 8], narrower than the protection interval (10). Hiding c (92 persons, cheaper
    than the margin's 100) widens both to [0, 100]."""
    m = _model({"T": 100, "a": 3, "b": 5, "c": 92}, {"s": ("T", ["a", "b", "c"])})
    res = disclosure.protect_cells(m, 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.PRIMARY, "c": disclosure.SECONDARY}
    a = disclosure.audit(res, final=True)
    assert a[["low", "high"]].to_numpy().tolist() == [[0.0, 100.0], [0.0, 100.0]]
    # the exact-recovery rule alone would have stopped at {a, b}: the attacker's interval then
    naive = disclosure.Protection(res.cells, res.sensitive, res.unprotectable, res.system,
                                  res.system.cell_of != res.system.cells.get_loc("T"), 10.0)
    naive.unknown[res.system.cells.get_loc("c")] = False
    tight = disclosure.audit(naive, final=True)
    assert tight.loc[("a", "persons"), ["low", "high"]].tolist() == [0.0, 8.0] and not tight["protected"].any()


def test_two_way_table_gets_the_cheapest_rectangle():
    """Rows 3 20 30 | 53 and 25 40 50 | 115, columns 28 60 80 | 168. The 3 needs a cycle
    of interior cells; the cheapest by persons is 20, 25, 40 (85, against 105 for 30,
    25, 50). Then x11 = t, x12 = 23 − t, x21 = 28 − t, x22 = 37 + t: t ∈ [0, 23]."""
    cells = {"x11": 3, "x12": 20, "x13": 30, "x21": 25, "x22": 40, "x23": 50,
             "r1": 53, "r2": 115, "c1": 28, "c2": 60, "c3": 80, "G": 168}
    rel = {"r1": ("r1", ["x11", "x12", "x13"]), "r2": ("r2", ["x21", "x22", "x23"]),
           "c1": ("c1", ["x11", "x21"]), "c2": ("c2", ["x12", "x22"]), "c3": ("c3", ["x13", "x23"]),
           "gr": ("G", ["r1", "r2"]), "gc": ("G", ["c1", "c2", "c3"])}
    res = disclosure.protect_cells(_model(cells, rel), 10)
    assert _pattern(res) == {"x11": disclosure.PRIMARY, "x12": disclosure.SECONDARY,
                             "x21": disclosure.SECONDARY, "x22": disclosure.SECONDARY}
    assert res.cells.loc["x12", "protects"] == "x11"
    assert disclosure.audit(res, final=True).loc[("x11", "persons"), ["low", "high"]].tolist() == [0.0, 23.0]


def test_numerators_and_their_complements_are_counts_too():
    """a: 50 persons, 2 with R2 (a numerator below 10): hidden, and b with it, else
    a's 2 = 60 − 58. c: 20 persons, 15 with R2: its complement (5 without) is small."""
    m = _model({"T": 200, "a": 50, "b": 150}, {"s": ("T", ["a", "b"])},
               {("T", "r2"): 60, ("a", "r2"): 2, ("b", "r2"): 58})
    res = disclosure.protect_cells(m, 10)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}
    assert list(res.sensitive.index) == [("a", "r2")]
    a = disclosure.audit(res, final=True)
    # a's persons are hidden with it (a + b = 200), so only r2_a + r2_b = 60 bounds it
    assert a.loc[("a", "r2"), ["low", "high"]].tolist() == [0.0, 60.0]
    c = _model({"T": 120, "c": 20, "d": 100}, {"s": ("T", ["c", "d"])}, {("T", "r2"): 65, ("c", "r2"): 15,
                                                                       ("d", "r2"): 50})
    assert list(disclosure.protect_cells(c, 10).sensitive.index) == [("c", "r2")]


def test_no_small_count_no_suppression_and_zero_is_small():
    m = _model({"T": 60, "a": 30, "b": 30}, {"s": ("T", ["a", "b"])})
    assert not disclosure.protect_cells(m, 10).cells["suppressed"].any()
    z = _model({"T": 60, "a": 30, "b": 30}, {"s": ("T", ["a", "b"])},
               {("T", "r2"): 20, ("a", "r2"): 0, ("b", "r2"): 20})
    assert _pattern(disclosure.protect_cells(z, 10)) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}
    assert not disclosure.protect_cells(z, 0).cells["suppressed"].any()


def test_forced_cells_are_hidden_and_kept_unknown_in_turn():
    """b is hidden because another release hid it: shown here it could be worked out
    (100 − 50 − 20), so a complement keeps it unknown, at least 10 wide."""
    m = _model({"T": 100, "a": 50, "b": 30, "c": 20}, {"s": ("T", ["a", "b", "c"])})
    res = disclosure.protect_cells(m, 10, forced=["b"])
    assert _pattern(res) == {"b": disclosure.CONSISTENCY, "c": disclosure.SECONDARY}
    assert disclosure.audit(res, final=True)["protected"].all()


def test_counts_an_earlier_release_published_never_hide_anything():
    """b was published before with the same count: hiding it now protects nothing, so
    the complement is c; a count published before is listed as beyond protection."""
    m = _model({"T": 100, "a": 5, "b": 30, "c": 65}, {"s": ("T", ["a", "b", "c"])})
    known = pd.Series({("b", "persons"): 30.0})
    res = disclosure.protect_cells(m, 10, known=known)
    assert _pattern(res) == {"a": disclosure.PRIMARY, "c": disclosure.SECONDARY}
    assert disclosure.audit(res, final=True)["protected"].all()
    pinned = disclosure.protect_cells(m, 10, known=pd.Series({("a", "persons"): 5.0}))
    assert list(pinned.unprotectable.index) == [("a", "persons")] and pinned.sensitive.empty
    moved = disclosure.protect_cells(m, 10, known=pd.Series({("b", "persons"): 31.0}))  # another population
    assert _pattern(moved) == {"a": disclosure.PRIMARY, "b": disclosure.SECONDARY}


def test_same_input_same_pattern():
    cells = {f"x{i}": v for i, v in enumerate([4, 30, 30, 12, 7, 50])}
    m = _model({"T": sum(cells.values()), **cells}, {"s": ("T", list(cells))})
    runs = [_pattern(disclosure.protect_cells(m, 10)) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


# --------------------------------------------------------------------------- the report's tables

@pytest.fixture(scope="module")
def sample_tables():
    cfg = romlab.RunConfig.for_period("2023-10")
    ds = romlab.load(paths.SAMPLE, as_of=cfg.data_cutoff)
    return registry.report_tables(ds, cfg), ds, cfg


@pytest.fixture(scope="module")
def protected_sample(sample_tables):
    tables, _, cfg = sample_tables
    return protection.protect(tables, cfg.min_cell)


def test_declared_relations_and_identities_hold_on_the_data(sample_tables):
    """Every relation holds for every quantity its cells carry (persons, R2, work,
    studies; Figur 1 and 2 included), and every identity in every cell."""
    tables, _, _ = sample_tables
    model, _ = protection.model_of(tables)
    checked = handmade.relations_checked(model)
    assert {("P", "persons"), ("P", "r2"), ("P", "work"), ("P", "education"), ("F1", "r2"), ("F2", "signal"),
            ("Q", "r2"), ("S", "persons")} <= checked
    n_id = 0
    for q, parts in model.identities:
        for cell, g in model.counts.groupby("cell"):
            if {q, *parts} <= set(g["quantity"]):
                v = g.set_index("quantity")["value"]
                assert abs(v[q] - sum(v[p] for p in parts)) < 0.5, (cell, q)
                n_id += 1
    assert n_id > 200


def test_declared_support_constraints_hold_on_the_data(sample_tables):
    """Report-months behind each support cell (an additive quantity) add up as declared."""
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


def test_no_published_row_gives_a_count_below_min_cell(sample_tables, protected_sample):
    """Persons, share × persons and persons − share × persons of every row shown are at
    least min_cell (A75); the protection is not idle: the sample has such rows."""
    tables, _, cfg = sample_tables
    shown, _ = protected_sample
    model, _ = protection.model_of(shown)
    c = model.counts.dropna(subset=["value"])
    of = c.set_index(["cell", "quantity"])["value"]
    comp = pd.MultiIndex.from_frame(c[["cell", "of"]]).map(of).to_numpy(float) - c["value"].to_numpy()
    assert (c["value"] >= cfg.min_cell).all() and not (comp < cfg.min_cell).any()
    raw = protection.model_of(tables)[0].counts
    assert (raw["value"] < cfg.min_cell).sum() > 100


def test_every_small_count_keeps_its_interval(protected_sample):
    _, found = protected_sample
    assert len(found.audit) > 100 and found.audit["protected"].all()
    assert (found.audit["width"] >= 10).all() and found.unprotectable.empty


def _small_persons(recovered: set, log: pd.DataFrame, min_cell: int) -> set:
    """The cells the subtraction attack recovered whose persons are below min_cell. A
    hidden cell whose persons are not small (hidden for a small numerator, or as a
    complement) may be worked out: its persons are no secret (A75, A76)."""
    persons = log.set_index("cell")["persons"]
    as_id = lambda c: "|".join(str(x) for x in c)  # noqa: E731  ("P", 1, "A", "Alla") → "P|1|A|Alla"
    return {c for c in recovered if persons.get(as_id(c), 0) < min_cell}


def test_no_small_persons_count_can_be_recovered_by_subtraction(sample_tables, protected_sample):
    tables, _, cfg = sample_tables
    shown, found = protected_sample
    assert (found.log["rule"] == disclosure.PRIMARY).any() and (found.log["rule"] == disclosure.SECONDARY).any()
    assert _small_persons(subtraction_attack(shown), found.log, cfg.min_cell) == set()
    # the attack is not toothless: on a primary rule on persons alone it recovers cells
    primary = {k: t.assign(suppressed=pd.to_numeric(t["n"], errors="coerce").lt(cfg.min_cell).to_numpy())
               for k, t in tables.items() if k in ("14", "15", "16", "19", "21", "22")}
    assert subtraction_attack(primary)


def test_protect_blanks_every_statistic_of_a_suppressed_row(protected_sample):
    shown, found = protected_sample
    for key in ("16", "17", "21", "22", "tests_15", "15", "figur_1", "figur_2"):
        t = shown[key]
        s = t["suppressed"]
        assert s.any(), key
        for col in ("value", "n", "p_value", "value_1", "value_2", "difference", "ci_low", "ci_high"):
            if col in t:
                assert t.loc[s, col].isna().all(), (key, col)
        for col in ("significant", "flagged"):
            if col in t:
                assert not t.loc[s, col].any(), (key, col)
    # one cell hides in every table that shows it
    cells = set(found.log["cell"])
    for key in ("16", "17", "21", "22"):
        assert set(shown[key].loc[shown[key]["suppressed"], "cell"]) == {c for c in cells if c.startswith("P|")
                                                                          and not c.endswith("|Alla")}


def test_marks_and_flags_are_taken_on_what_is_shown(sample_tables, protected_sample):
    """A significance mark against a hidden reference is withheld; Tabell 17 flags a
    shown B/C group only against shown level-A groups."""
    tables, _, _ = sample_tables
    shown, found = protected_sample
    hidden = set(found.log["cell"])
    for key in ("16", "21", "22"):
        t = shown[key]
        ref = "P|" + t["window"].astype(str) + "|" + t["level"] + "|" + t["reference"].astype(str)
        against_hidden = ref.isin(hidden) & t["reference"].notna() & ~t["suppressed"]
        assert t.loc[against_hidden, "p_value"].isna().all() and not t.loc[against_hidden, "significant"].any()
    raw = tables["16"]
    has_ref = raw["reference"].notna() & raw["significant"]
    ref = "P|" + raw["window"].astype(str) + "|" + raw["level"] + "|" + raw["reference"].astype(str)
    assert (has_ref & ref.isin(hidden) & ~raw["cell"].isin(hidden) if "cell" in raw else has_ref & ref.isin(hidden)).any()
    t17 = shown["17"]
    a_shown = t17[(t17["level"] == "A") & ~t17["suppressed"]]
    shown_a = set(zip(a_shown["window"], a_shown["group"]))
    for r in t17[t17["flagged"]].itertuples():
        assert not r.suppressed and all((r.window, g) in shown_a for g in r.beats.split("; "))


def test_logs_internal_and_public(protected_sample):
    _, found = protected_sample
    log = found.log
    assert list(log.columns) == ["cell", "tables", "persons", "rule", "reason"]
    sec = log[log["rule"] == disclosure.SECONDARY].iloc[0]
    assert sec["reason"].startswith("kompletterande undertryckning: skyddar ") and "|" in sec["reason"]
    assert str(log["persons"].dtype) == "Int64"
    assert list(protection.public_log(log).columns) == ["cell", "tables"]


def test_min_cell_zero_suppresses_nothing(sample_tables):
    tables, _, _ = sample_tables
    shown, found = protection.protect(tables, 0)
    assert found.log.empty and not shown["16"]["suppressed"].any()


def test_nyckeltal_hides_the_figures_of_hidden_cells():
    key = {"r2_share": {"ABC": 30.0, "A": 40.0}, "work_share_of_results": 80.0,
           "sample_sizes": {"participants_18_months": {"ABC": 100, "A": 7}, "participants_windows": 90,
                            "regression_observations": 90}}
    out = protection.protect_nyckeltal(key, {"Q|A"})
    assert out["r2_share"] == {"ABC": 30.0, "A": None} and out["work_share_of_results"] == 80.0
    assert out["sample_sizes"]["participants_18_months"] == {"ABC": 100, "A": None}
    assert key["r2_share"]["A"] == 40.0  # not changed in place
    assert protection.protect_nyckeltal(key, {protection.WINDOWS_TOTAL})["sample_sizes"]["participants_windows"] is None


def test_batch_keeps_one_pattern_across_periods():
    """2023-04 and 2023-10 on the sample, with one extra small cell made in 2023-10 (the
    first group cell of windows 1–3 that 2023-04 shows on its own: 5 persons, none with
    a result): protected together, a cell that both periods show is suppressed in both
    or in neither, so 2023-04 hides that cell too (rule 'konsekvent mellan körningar')
    and protects it in turn."""
    from dataclasses import replace

    from romlab.run import period

    computed = [period.compute(romlab.RunConfig.for_period(p), paths.SAMPLE) for p in ("2023-04", "2023-10")]
    shown_alone = set(period.protect(computed[0]).log["cell"])
    t16 = computed[0].tables["16"]
    window, level, group = next((w, lv, g) for w, lv, g in zip(t16["window"], t16["level"], t16["group"])
                                if w <= 3 and f"P|{w}|{lv}|{g}" not in shown_alone)
    target = f"P|{window}|{level}|{group}"
    tables = dict(computed[1].tables)
    for key in ("16", "17", "21", "22"):
        t = tables[key].copy()
        hit = (t["window"] == window) & (t["level"] == level) & (t["group"] == group)
        assert hit.sum() == 1
        t.loc[hit, "n"] = 5
        t.loc[hit, "value"] = 0.0
        tables[key] = t
    computed[1] = replace(computed[1], tables=tables)
    alone = [period.protect(c) for c in computed]
    assert target not in set(alone[0].log["cell"]) and target in set(alone[1].log["cell"])
    batch = period.protect_batch(computed)
    cells = [set(protection.model_of(c.tables)[0].cells) for c in computed]
    common = cells[0] & cells[1]
    hidden = [set(b.log["cell"]) for b in batch]
    assert hidden[0] & common == hidden[1] & common
    assert all(set(a.log["cell"]) <= h for a, h in zip(alone, hidden))
    rules = batch[0].log.set_index("cell")["rule"]
    assert rules[target] == disclosure.CONSISTENCY
    assert all(_small_persons(subtraction_attack(b.tables), b.log, 10) == set() for b in batch)
    assert all(b.audit["protected"].all() for b in batch)


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
    assert _small_persons(subtraction_attack(q.tables, starts), q.log, min_cell) == set()
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


def test_a_whole_small_row_is_protected_through_the_grand_total():
    """Window 6 is small in every cell, its total too (7): its total would follow from
    the grand total minus the other row totals, which no member of its own row can
    prevent; the engine reaches further until every small count keeps 10 of room
    (the attacker's programme, solved again on the final pattern)."""
    starts = pd.DataFrame({"Nivå A": [50, 3, 40, 93], "Nivå B": [60, 4, 30, 94], "Totalt": [110, 7, 70, 187]},
                          index=["Fönster 5", "Fönster 6", "RoM 2", "Totalt"])
    long = protection.starts_long(starts, None)
    shown, found = protection.protect({"starts": long}, 10)
    hidden = shown["starts"].set_index(["window", "level"])["suppressed"]
    assert hidden[("Fönster 6", "A")] and hidden[("Fönster 6", "B")] and hidden[("Fönster 6", "Totalt")]
    assert not hidden[("Totalt", "Totalt")]
    assert (found.log["rule"] == disclosure.PRIMARY).sum() == 3
    model, _ = protection.model_of({"starts": long})
    res = disclosure.protect_cells(model, 10)
    final = disclosure.audit(res, final=True)
    assert final["protected"].all() and len(final) == 3


@pytest.fixture(scope="module")
def sample_period():
    from romlab.run import period

    return period.compute(romlab.RunConfig.for_period("2023-10"), paths.SAMPLE)


@pytest.mark.parametrize("min_cell", [3, 300])  # 10, 30 and 100: tests/test_attack_releases.py
def test_every_threshold_keeps_every_small_count_protected(sample_period, min_cell):
    """From few small counts to nearly all: the engine finishes, hides every cell with a
    small count, and the attacker's programme, solved again on the final pattern, finds
    every small count at least min_cell wide."""
    from dataclasses import replace

    from romlab.run import period

    p = replace(sample_period, cfg=sample_period.cfg.with_overrides(min_cell=min_cell))
    tables = {**p.tables, "starts": protection.starts_long(p.overview["starts"], p.tables["15"])}
    model, _ = protection.model_of(tables)
    res = disclosure.protect_cells(model, min_cell)
    final = disclosure.audit(res, final=True)
    assert len(final) and final["protected"].all()
    small = set(model.counts.loc[disclosure.sensitive_counts(model, min_cell), "cell"])
    assert small <= set(res.cells.index[res.cells["suppressed"]])


def test_show_marks_suppressed_cells_and_groups_thousands():
    t = pd.DataFrame({"Nivå A": pd.array([1234, None], dtype="Int64"), "Totalt": pd.array([1300, 66], dtype="Int64")},
                     index=["Fönster 1", "Fönster 2"])
    assert disclosure.show(t).to_numpy().tolist() == [["1 234", "1 300"], ["..", "66"]]
