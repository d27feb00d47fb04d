"""The checks of the group tables against the published report, shared by the
published-value tests (test_support_published.py, test_results_published.py) and the
mutation test (test_mutation.py), so that the mutation test calls exactly the check a
published-value test makes.

A group table (Tabell 7–13, 16, 21, 22, A1) is checked on two things (issue 12, point 3):

- **levels**, with tolerances in units ``u`` of the printed precision (the last digit
  the report prints, `romlab.publication.compare.printed_precision`: 0.1 h for the support means,
  1 percentage point for the result shares): Tabell 7–12 every mean within 1.5 u (and
  each count of observations within 10 %); Tabell 13 and A1 a mean absolute difference
  of at most 3 u; Tabell 16 at most 2 u on average and 90 % of the cells within 4 u;
  Tabell 21 and 22 at most 2.5 u on average. (The bounds of issues 4 and 5, restated.)
- **the differences between groups** (`romlab.publication.compare.group_structure`): the
  correlation of each cell's deviation from the mean of its row of groups, published
  against reproduced, at least `STRUCTURE_BOUND` (the Done-when of issue 12), and in
  Tabell 8–13 their size (spread at least `BLOCK_SPREAD`: with a few activities of
  about an hour carrying the pattern, a shuffled grouping's noise can correlate by
  chance; on the default data shuffled education gave 0.90 with spread 0.08). A level
  tolerance cannot see a wrong grouping: most group means sit within 0.15 h of the
  overall mean. In the tables that hold several groupings (Tabell 16, 21, 22: one block
  of rows per comparison; Tabell A1: one block of columns per grouping), each grouping's
  block must also keep its pattern (correlation at least `BLOCK_CORRELATION`) and its
  size (the spread of the reproduced deviations at least `BLOCK_SPREAD` of the
  published), else one shuffled grouping among seven hides in the table's correlation.

Some of the report's own differences are too small to check, listed in `UNDETECTABLE`
with the reason; `test_mutation.py` records them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from romlab.publication import compare

#: Lowest correlation of the deviations from the row of groups, per table (issue 12,
#: Done-when). Tabell 7 has none: see `UNDETECTABLE`.
STRUCTURE_BOUND: dict[str, float] = {
    "8": 0.85, "9": 0.85, "10": 0.85, "11": 0.85, "12": 0.85, "16": 0.85, "21": 0.85, "22": 0.85,
    "13": 0.6, "A1": 0.6,
}

#: Per grouping block of Tabell 16, 21, 22 and A1: the lowest correlation and the lowest
#: spread (sd of reproduced over sd of published deviations). On the default data the
#: checked blocks have at least 0.55 and 0.59 (Tabell 21, registration time); under a
#: shuffle of the block's group column at most 0.46 or 0.51 in correlation, and spreads of
#: 0.04–0.55 (three seeds measured; each shuffled block fails at least one of the two).
BLOCK_CORRELATION = 0.5
BLOCK_SPREAD = 0.5

#: (table, grouping) pairs whose differences in the report are too small for a check to
#: see, with why (measured on the default data, scale 1.0).
UNDETECTABLE: dict[tuple[str, str], str] = {
    ("7", "sex"): "the report's differences between women and men in support are within the rounding: the "
                  "deviations from the row mean have sd 0.025 h, less than rounding to 0.1 h alone gives "
                  "(0.029 h); women and men print the same total (8.2 h)",
    ("A1", "sex"): "as Tabell 7: Tabell A1's women and men columns differ by less than the rounding "
                   "(sd 0.026 h against 0.029 h)",
    ("22", "birth_country"): "the report's differences in education between those born in Sweden and abroad "
                             "(sd 0.79 points) are below twice the noise of a cell (rounding and sampling at "
                             "the report's cell sizes: 0.41 points); correlation 0.29 on the default data",
    ("22", "disability"): "the report's differences in education by disability (sd 1.19 points) are below "
                          "twice the noise of a cell (0.61 points); spread 0.47 on the default data",
}

#: The grouping whose column defines the groups of a single-grouping table.
TABLE_GROUPING = {"7": "sex", "8": "education", "9": "age", "10": "birth_country", "11": "disability",
                  "12": "level", "13": "registration"}


@dataclass(frozen=True)
class Failure:
    """One failed check: which (``levels``, ``structure``, ``block``), of what (the
    table; for a block, its grouping), the value and the bound it broke."""

    table: str
    check: str
    what: str
    value: float
    bound: float

    def __str__(self) -> str:
        return f"Tabell {self.table} {self.check} {self.what}: {self.value:.3f} (bound {self.bound:g})"


def _levels(c: pd.DataFrame, table: str) -> list[Failure]:
    u = c["precision"]
    diff = c["difference"].abs()
    out: list[Failure] = []
    missing = int(c["reproduced"].isna().sum())
    if missing:
        out.append(Failure(table, "levels", "cells not reproduced", missing, 0))
    if table in TABLE_GROUPING and table != "13":  # Tabell 7–12: every cell
        mean = c["measure"] == "mean_hours"
        outside = c[mean & ~(diff <= 1.5 * u + 1e-9)]
        for r in outside.itertuples():
            out.append(Failure(table, "levels", f"{r.activity} / {getattr(r, 'group', '') or r.level} "
                                                f"(published {r.published})", r.difference, 1.5 * r.precision))
        obs = c[c["measure"] == "observations"]
        bad = obs[~((obs["difference"].abs() / obs["published"]) <= 0.10)]
        for r in bad.itertuples():
            out.append(Failure(table, "levels", f"observations {getattr(r, 'group', '') or r.level}",
                               r.difference / r.published, 0.10))
        return out
    mad_units = {"13": 3.0, "A1": 3.0, "16": 2.0, "21": 2.5, "22": 2.5}[table]
    mad = float((diff / u).mean())
    if not mad <= mad_units:
        out.append(Failure(table, "levels", "mean absolute difference (units)", mad, mad_units))
    if table == "16":
        share = float((diff <= 4 * u + 1e-9).mean())
        if not share >= 0.90:
            out.append(Failure(table, "levels", "share of cells within 4 units", share, 0.90))
    return out


def check_group_table(reproduced: pd.DataFrame, table: str) -> list[Failure]:
    """Every check of group table `table` (a reproduced table in long form, as
    `romlab.report.support` / `romlab.report.results` return it) against the published one: the
    failures, empty when it passes."""
    table = str(table)
    c = compare.compare(reproduced, table, tolerance=np.inf)
    out = _levels(c, table)
    s = compare.group_structure(c, table)
    bound = STRUCTURE_BOUND.get(table)
    if bound is not None and not s["correlation"] >= bound:
        out.append(Failure(table, "structure", "correlation of the deviations from the row of groups",
                           s["correlation"], bound))
    if bound is not None and table not in compare.BLOCK_TABLES and not s["spread"] >= BLOCK_SPREAD:
        out.append(Failure(table, "structure", "spread of the deviations from the row of groups",
                           s["spread"], BLOCK_SPREAD))
    if table in compare.BLOCK_TABLES:
        for b in compare.group_blocks(c, table).itertuples():
            if (table, b.block) in UNDETECTABLE:
                continue
            if not b.correlation >= BLOCK_CORRELATION:
                out.append(Failure(table, "block", f"{b.block}: correlation", b.correlation, BLOCK_CORRELATION))
            if not b.spread >= BLOCK_SPREAD:
                out.append(Failure(table, "block", f"{b.block}: spread", b.spread, BLOCK_SPREAD))
    return out


def report(failures: list[Failure]) -> str:
    return "\n" + "\n".join(map(str, failures))
