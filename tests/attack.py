"""An independent subtraction attack on published tables, for the disclosure tests.

Written from the report's structure (Tabell 14–16, 19, 21, 22, the window total in
`nyckeltal.json` and, when given, the §3 starts table), not from
`romlab.publication.protection.constraints`, so it checks the declarations as well as the
suppression."""

from __future__ import annotations

import pandas as pd

from romlab.report.classify import comparison_rows


def subtraction_attack(shown: dict, starts=None) -> set:
    """An independent subtraction attack on the published persons (``n``), written from
    the report's structure (not from `protection.constraints`): any relation "margin =
    sum of members" with exactly one unpublished cell reveals it; repeat until nothing
    changes. Returns the unpublished cells it recovers."""
    published, cells = set(), set()
    for key in ("14", "15", "16", "19", "21", "22"):  # (Tabell 20's n counts those with a result)
        for r in shown[key].itertuples():
            group = getattr(r, "group", None)
            group = "Alla" if group is None or group != group else group  # NaN in tabeller.csv
            cell = ("Q", r.level) if key == "14" else ("P", r.window, r.level, group)
            cells.add(cell)
            if not r.suppressed:
                published.add(cell)
    wl = sorted({(r.window, r.level) for r in shown["15"].itertuples()})
    relations = [[("P", "total"), *[("P", w, lv, "Alla") for w, lv in wl]],  # nyckeltal: window total
                 [("Q", "ABC"), ("Q", "A"), ("Q", "B"), ("Q", "C")]]
    for w, lv in wl:
        for comp, g in comparison_rows().groupby("comparison"):
            margin = ("P", w, lv, "Utrikes född" if comp == "foreign_sex" else "Alla")
            relations.append([margin, *[("P", w, lv, x) for x in g["label"]]])
    if starts is not None:  # §3: starts by window × level with totals; windows 1–4 are Tabell 15's cells
        def cell(w, lv):
            n = int(w.split()[-1]) if w.startswith("Fönster") and int(w.split()[-1]) <= 4 else None
            return ("P", n, lv[-1], "Alla") if n is not None and lv != "Totalt" else ("O", w, lv)
        for w in starts.index:
            for lv in starts.columns:
                c = cell(w, lv)
                cells.add(c)
                if not pd.isna(starts.loc[w, lv]):
                    published.add(c)
        rows = [w for w in starts.index if w != "Totalt"]
        levels = [lv for lv in starts.columns if lv != "Totalt"]
        relations += [[cell(w, "Totalt"), *[cell(w, lv) for lv in levels]] for w in [*rows, "Totalt"]]
        relations += [[cell("Totalt", lv), *[cell(w, lv) for w in rows]] for lv in levels]
    known = published | {("P", "total")}
    changed = True
    while changed:
        changed = False
        for rel in relations:
            unknown = [c for c in rel if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    return (cells - published) & known
