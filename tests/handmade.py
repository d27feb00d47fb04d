"""Rows of hand-made data for the tests, one builder per contract table, shared by the
RoM 1 and RoM 2 tests (each overrides what its data need: the generation, the start)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.dataset.contract import TABLES

D = pd.Timestamp


def participations(rows: list[dict], **base) -> pd.DataFrame:
    """A validated participations table: one row per dict in `rows` over a default
    participation (RoM 1, level A, a man born in Sweden, …; `base` overrides the default),
    numbered 1, 2, … with persons 1001, 1002, …, recorded five days before the start."""
    default = dict(provider_id="P1", delivery_area="A1", generation=1, end_date=pd.NaT, end_reason=None,
                   end_recorded_date=pd.NaT, level="A", job_chance=0.5, sex="man", born_abroad=False,
                   disability=False, education="upper_secondary", age_at_start=30, days_registered=100,
                   framework_programme="none") | base
    out = []
    for i, r in enumerate(rows, start=1):
        row = {**default, "participation_id": i, "person_id": 1000 + i, **r}
        row.setdefault("recorded_date", D(row["start_date"]) - pd.Timedelta(days=5))
        out.append(row)
    df = pd.DataFrame(out)
    df["start_date"] = pd.to_datetime(df["start_date"])
    cols = [c for c in TABLES["participations"].schema.columns if c in df.columns]
    return TABLES["participations"].schema.validate(df[cols])


def result_reports(rows: list[tuple]) -> pd.DataFrame:
    """A validated result reports table from (participation_id, result_type, outcome,
    event_date, filed_date, approved_date) tuples, all filed by provider P1."""
    cols = ["participation_id", "result_type", "outcome", "event_date", "filed_date", "approved_date"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "result_id", np.arange(1, len(df) + 1))
    df.insert(2, "provider_id", "P1")
    for c in ("event_date", "filed_date", "approved_date"):
        df[c] = pd.to_datetime(df[c])
    return TABLES["result_reports"].schema.validate(df)


def support_participation(pid, person, start, end, generation=1, level="B", **kw) -> dict:
    """One participation row for the support tests (a woman born in Sweden, 40, level B)."""
    row = dict(participation_id=pid, person_id=person, generation=generation, start_date=D(start),
               end_date=D(end) if end else pd.NaT, level=level, sex="woman", born_abroad=False,
               disability=False, education="upper_secondary", age_at_start=40, days_registered=200)
    row.update(kw)
    return row


def periodic_report(rid, pid, month, pp=1, provider="P1", **hours) -> dict:
    """One periodic report row: the hours given by column name, the others 0."""
    row = dict(report_id=rid, participation_id=pid, provider_id=provider, month=D(month), placement_period=pp)
    row.update({c: float(hours.get(c, 0.0)) for c in codes.HOUR_COLUMNS})
    return row


def relations_checked(model, skip_missing: bool = False) -> set[tuple[str, str]]:
    """Assert that every relation of a count model (`protection.model_of`) holds for every
    quantity all its cells carry (the sum with its coefficients within 0.5); returns the
    (kind of relation, quantity) pairs checked. `skip_missing`: a relation with a missing
    count (a share of nobody gives none) is left out instead of failing."""
    value = model.counts.set_index(["cell", "quantity"])["value"]
    have = model.counts.groupby("quantity")["cell"].agg(set)
    checked = set()
    for name, c in model.relations.groupby("constraint"):
        for q, cs in have.items():
            if set(c["cell"]) <= cs:
                v = np.array([value[(cell, q)] for cell in c["cell"]], dtype=float)
                if skip_missing and np.isnan(v).any():
                    continue
                assert abs(v @ c["coef"].to_numpy(float)) < 0.5, (name, q)
                checked.add((name.split("|")[0], q))
    return checked
