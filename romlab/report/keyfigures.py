"""The headline figures of a period (`nyckeltal.json`): the R2 share in total and by
level (Tabell 14), work's and studies' share of the results (the summary), mean and median
support per report-month (Tabell 5, trimmed and untrimmed) and the sample sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from romlab.run.config import RunConfig

TOTAL = "ABC"
#: The measures of "rom2_14" (RoM 2's Tabell 14): shares with a 3- and a 6-month result.
ROM2_3M, ROM2_6M = "result_3m_share", "result_6m_share"


def _num(v, digits: int = 4):
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return None
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2**53 and digits == 0 else round(v, digits)


def _frame(tables: Mapping[str, pd.DataFrame], key: str, columns: list[str]) -> pd.DataFrame:
    """Table `key`, or an empty frame with `columns` when the period does not have it
    (a part of the report it does not cover: `RunConfig.sections`)."""
    return tables[key] if key in tables else pd.DataFrame(columns=columns)


def nyckeltal(tables: Mapping[str, pd.DataFrame], ds, cfg: RunConfig) -> dict:
    """The headline figures of a run (percent and hours, unrounded to 4 decimals):
    R2 share total and by level (Tabell 14), the work/studies split of results, mean and
    median support per report-month (Tabell 5, trimmed and untrimmed) and sample sizes;
    figures of a RoM 1 part the period does not have are None. When the period has a
    RoM 2 part, ``rom2`` holds its figures (`rom2`)."""
    t14 = _frame(tables, "14", ["measure", "level", "value", "n"])
    t5 = _frame(tables, "5", ["measure", "activity", "adjusted", "value"]).set_index(
        ["measure", "activity", "adjusted"])["value"]
    head = _frame(tables, "headline", ["measure", "value"]).set_index("measure")["value"]
    flow = _frame(tables, "urval", ["measure", "value"]).set_index("measure")["value"]
    share = lambda m: {r.level: _num(r.value) for r in t14[t14["measure"] == m].itertuples()}  # noqa: E731
    n14 = {r.level: _num(r.n, 0) for r in t14[t14["measure"] == "r2_share"].itertuples()}
    sup = lambda m, a: _num(t5.get((m, "Sammanlagt stöd", a), np.nan))  # noqa: E731
    t15 = _frame(tables, "15", ["measure", "level", "n"])
    t18 = _frame(tables, "18", ["measure", "value"]).set_index("measure")
    out = {
        "period": cfg.period,
        "data_cutoff": str(cfg.data_cutoff.date()),
        "r2_share": share("r2_share"),
        "work_share": share("work_share"),
        "education_share": share("education_share"),
        "work_share_of_results": _num(head.get("work_share_of_results")),
        "education_share_of_results": _num(head.get("education_share_of_results")),
        "support_mean_hours": {"justerat": sup("mean_hours", "justerat"),
                               "ej justerat": sup("mean_hours", "ej justerat")},
        "support_median_hours": {"justerat": sup("median_hours", "justerat"),
                                 "ej justerat": sup("median_hours", "ej justerat")},
        "sample_sizes": {
            "participants_18_months": n14,
            "participants_windows": _num(t15[(t15["measure"] == "r2_share") & (t15["level"] != TOTAL)]["n"].sum(), 0)
            if "15" in tables and "n" in t15 else None,
            "regression_observations": _num(t18["value"].get("observations"), 0),
            "support_report_months": {"justerat": _num(t5.get(("observations", "Sammanlagt stöd", "justerat")), 0),
                                      "ej justerat": _num(t5.get(("observations", "Sammanlagt stöd",
                                                                  "ej justerat")), 0)},
            "support_persons": _num(flow.get("unique_individuals"), 0),
            "participations_in_data": int(len(ds.participations)),
        },
        "units": {"shares": "percent", "support": "hours per participant and month"},
    }
    if any(x.startswith("rom2") for x in cfg.sections):
        out["rom2"] = rom2(tables)
    return out


def rom2(tables: Mapping[str, pd.DataFrame]) -> dict:
    """RoM 2's headline figures: the shares with a 3- and a 6-month result in total
    (``ABC``) and by level among the followed starts ("rom2_14"), their number
    (``n_followed``), and mean and median support per report-month, adjusted and not
    ("rom2_5"); None where the period lacks the part or a cell is hidden (computed from
    the tables as given: `romlab.run.period.protect` computes it again from the
    protected tables)."""
    t = _frame(tables, "rom2_14", ["measure", "level", "value", "n"])
    t5 = _frame(tables, "rom2_5", ["measure", "activity", "adjusted", "value"]).set_index(
        ["measure", "activity", "adjusted"])["value"]
    share = lambda m: {r.level: _num(r.value) for r in t[t["measure"] == m].itertuples()}  # noqa: E731
    sup = lambda m, a: _num(t5.get((m, "Sammanlagt stöd", a), np.nan))  # noqa: E731
    n = t[(t["measure"] == ROM2_3M) & (t["level"] == TOTAL)]["n"]
    return {
        "result_3m_share": share(ROM2_3M),
        "result_6m_share": share(ROM2_6M),
        "support_mean_hours": {"justerat": sup("mean_hours", "justerat"), "ej justerat": sup("mean_hours", "ej justerat")},
        "support_median_hours": {"justerat": sup("median_hours", "justerat"),
                                 "ej justerat": sup("median_hours", "ej justerat")},
        "n_followed": _num(n.iloc[0], 0) if len(n) else None,
    }
