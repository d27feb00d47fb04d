"""The counts a run publishes, cell by cell: what disclosure control protects.

A report table's row rests on a population *cell* (`protection.cell_ids`): its ``n`` is a
count of persons (for Tabell 20: of the persons with a result), and a share in percent
(``value``) times ``n`` is a count too: the persons with the result, with work, with
studies (§5, Tabell 14–23; the CSV holds full precision, so share × n gives it
exactly). Every such count is a *quantity* of its cell: ``persons``, ``r2``, ``work``,
``education`` (Tabell 14–22), ``employed|…``, ``unsubsidised|…`` and ``subsidised|…``
per column of Tabell 23, ``signal`` (Figur 2's R1 within six months). Each has the
quantity it is a share of (``of``): its *complement* (``of`` − the count) is published
with it.

`count_model(tables)` gathers them (`CountModel.counts`: cell, quantity, value, of) with
the ways they are tied together, which an attacker knows too:

- the cells' additive relations (`protection.constraints`: a margin cell is the sum of
  its members), which hold for every quantity the cells all carry;
- within a cell, `IDENTITIES`: a result (R2) is work or studies (Tabell 19 and 20: the
  two shares add up to the R2 share); Tabell 23's employed are its unsubsidised plus
  its subsidised, and with all result reports they are the persons in work;
- 0 ≤ a count ≤ the count it is a share of.

Means of hours (Tabell 2–13, A 1) are not counts of persons and are not in the model;
the persons behind them are (their ``n``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CountModel", "count_model", "row_counts", "COUNT_MEASURES", "IDENTITIES", "ALL_REPORTS"]

#: Tabell 23's column whose employed are the persons in work (§5.3.2: all result reports).
ALL_REPORTS = "Alla resultatrapporter"

#: (table, measure) → (the count its share gives, the count ``n`` is and the share is of).
#: ``{column}`` is the row's column (Tabell 23).
COUNT_MEASURES: dict[tuple[str, str], tuple[str, str]] = {
    ("14", "r2_share"): ("r2", "persons"),
    ("14", "work_share"): ("work", "persons"),
    ("14", "education_share"): ("education", "persons"),
    ("15", "r2_share"): ("r2", "persons"),
    ("16", "r2_share"): ("r2", "persons"),
    ("17", "r2_share"): ("r2", "persons"),
    ("19", "work_share"): ("work", "persons"),
    ("19", "education_share"): ("education", "persons"),
    ("20", "work_share_of_results"): ("work", "r2"),
    ("21", "work_share"): ("work", "persons"),
    ("22", "education_share"): ("education", "persons"),
    ("23", "unsubsidised_work_share"): ("unsubsidised|{column}", "persons"),
    ("23", "subsidised_work_share"): ("subsidised|{column}", "persons"),
    ("23", "unsubsidised_share_of_employment"): ("unsubsidised|{column}", "employed|{column}"),
    ("figur_1", ""): ("r2", "persons"),
    ("figur_2", ""): ("signal", "persons"),
}

#: Within a cell: quantity = sum of quantities (where the cell carries all of them).
IDENTITIES: list[tuple[str, tuple[str, ...]]] = [
    ("r2", ("work", "education")),
    ("r3m", ("work3m", "education3m")),  # RoM 2: a 3- or 6-month result is work or studies
    ("r6m", ("work6m", "education6m")),
    (f"employed|{ALL_REPORTS}", ("work",)),
]


def _employment_identities(quantities: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Tabell 23, per column: employed = unsubsidised + subsidised."""
    cols = sorted(q.split("|", 1)[1] for q in quantities if q.startswith("employed|"))
    return [(f"employed|{c}", (f"unsubsidised|{c}", f"subsidised|{c}")) for c in cols]


@dataclass
class CountModel:
    """The counts of a set of tables and how they tie together.

    ``counts``: one row per (cell, quantity): ``value`` (the count; NA when not
    published), ``of`` (the quantity it is a share of; "" for persons); ordered by the
    cells' report order, then quantity. ``relations``: ``constraint``, ``cell``,
    ``coef`` (+1 member, −1 margin), cell level. ``identities``: (quantity, parts).
    ``bounds``: ``bound``, ``cell``, ``coef``: Σ coef × count ≤ 0 for every quantity all
    its cells carry (where it holds on the data: `intervals.System` drops a bound the
    true counts break)."""

    counts: pd.DataFrame
    relations: pd.DataFrame
    identities: list[tuple[str, tuple[str, ...]]]
    bounds: pd.DataFrame = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = pd.DataFrame(columns=["bound", "cell", "coef"])

    @property
    def cells(self) -> pd.Index:
        return pd.Index(pd.unique(self.counts["cell"]))


def measures_of(key: str) -> dict[str, tuple[str, str]]:
    """The counts table `key`'s shares give: measure → (count, what it is a share of),
    from `COUNT_MEASURES` or the register's ``TableDef.counts``."""
    from romlab.report.registry import REGISTRY, table_defs

    table_defs(kind=None)  # the register filled
    own = {m: v for (k, m), v in COUNT_MEASURES.items() if k == key}
    defn = REGISTRY.get(key)
    return {**own, **dict(defn.counts)} if defn is not None else own


def row_counts(key: str, t: pd.DataFrame, cells: pd.Series) -> pd.DataFrame:
    """The counts one table's rows publish: ``n`` as its quantity, share × n as the
    share's; rows without a population cell give none."""
    keep = cells.notna().to_numpy()
    t, cells = t[keep], cells[keep]
    if t.empty:
        return pd.DataFrame(columns=["cell", "quantity", "value", "of"])
    n = pd.to_numeric(t["n"], errors="coerce").astype(float) if "n" in t.columns else pd.Series(np.nan, index=t.index)
    measure = t["measure"].astype(str) if "measure" in t.columns else pd.Series("", index=t.index)
    column = t["column"].astype(str) if "column" in t.columns else pd.Series("", index=t.index)
    parts = []
    spec = pd.DataFrame([(m, num, of) for (m, (num, of)) in measures_of(key).items()],
                        columns=["measure", "num", "of"])
    if key.startswith("figur_"):
        measure = pd.Series("", index=t.index)
    rows = pd.DataFrame({"cell": cells.to_numpy(), "measure": measure.to_numpy(), "column": column.to_numpy(),
                         "n": n.to_numpy(), "value": pd.to_numeric(t["value"], errors="coerce").astype(float).to_numpy()})
    rows = rows.merge(spec, on="measure", how="left")
    has = rows["num"].notna()
    of = rows["of"].where(has, "persons")
    of = pd.Series([o.format(column=c) for o, c in zip(of, rows["column"])], index=rows.index)
    parts.append(pd.DataFrame({"cell": rows["cell"], "quantity": of, "value": rows["n"],
                               "of": np.where(of == "persons", "", "persons")}))
    if has.any():
        r = rows[has]
        num = pd.Series([q.format(column=c) for q, c in zip(r["num"], r["column"])], index=r.index)
        parts.append(pd.DataFrame({"cell": r["cell"], "quantity": num, "value": r["value"] * r["n"] / 100,
                                   "of": of[has]}))
    return pd.concat(parts, ignore_index=True)


def count_model(tables: Mapping[str, pd.DataFrame], ids: Mapping[str, pd.Series], relations: pd.DataFrame,
                extra: pd.DataFrame | None = None) -> CountModel:
    """The counts the `tables` publish on the cells `ids` (`protection.cell_ids` per
    table), with the cells' `relations` (`protection.constraints`) and `extra` counts
    published elsewhere (cell, quantity, value, of: e.g. the window total of
    nyckeltal.json). A count published by several rows (Tabell 15, 16, 19 … share a
    cell) appears once; rows that disagree (rounding aside) are an error."""
    parts = [row_counts(key, tables[key].reset_index(drop=True), ids[key].reset_index(drop=True))
             for key in ids if key in tables]
    if extra is not None:
        parts.append(extra)
    allc = pd.concat([p for p in parts if len(p)], ignore_index=True)
    allc["value"] = allc["value"].round(6)
    order = pd.Index(pd.unique(allc["cell"]))
    g = allc.groupby(["cell", "quantity"], sort=False)
    counts = g.agg(value=("value", "max"), low=("value", "min"), of=("of", "first")).reset_index()
    bad = (counts["value"] - counts["low"]).abs() > 0.5
    if bad.any():
        ex = counts[bad].head(3)[["cell", "quantity", "low", "value"]].to_dict("records")
        raise ValueError(f"{int(bad.sum())} count(s) published differently by two tables, e.g. {ex}")
    counts["value"] = counts["value"].round()
    counts["_o"] = order.get_indexer(counts["cell"])
    counts = counts.sort_values(["_o", "quantity"], kind="stable").drop(columns=["_o", "low"]).reset_index(drop=True)
    quantities = set(counts["quantity"])
    identities = [(q, parts) for q, parts in IDENTITIES + _employment_identities(quantities)
                  if q in quantities and set(parts) <= quantities]
    return CountModel(counts, relations.reset_index(drop=True), identities)
