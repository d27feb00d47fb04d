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


def _num(v, digits: int = 4):
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return None
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2**53 and digits == 0 else round(v, digits)


def nyckeltal(tables: Mapping[str, pd.DataFrame], ds, cfg: RunConfig) -> dict:
    """The headline figures of a run (percent and hours, unrounded to 4 decimals):
    R2 share total and by level (Tabell 14), the work/studies split of results, mean and
    median support per report-month (Tabell 5, trimmed and untrimmed) and sample sizes."""
    t14 = tables["14"]
    t5 = tables["5"].set_index(["measure", "activity", "adjusted"])["value"]
    head = tables["headline"].set_index("measure")["value"]
    flow = tables["urval"].set_index("measure")["value"]
    share = lambda m: {r.level: _num(r.value) for r in t14[t14["measure"] == m].itertuples()}  # noqa: E731
    n14 = {r.level: _num(r.n, 0) for r in t14[t14["measure"] == "r2_share"].itertuples()}
    sup = lambda m, a: _num(t5.get((m, "Sammanlagt stöd", a), np.nan))  # noqa: E731
    t15 = tables["15"]
    t18 = tables["18"].set_index("measure")
    return {
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
            if "n" in t15 else None,
            "regression_observations": _num(t18["value"].get("observations"), 0),
            "support_report_months": {"justerat": _num(t5.get(("observations", "Sammanlagt stöd", "justerat")), 0),
                                      "ej justerat": _num(t5.get(("observations", "Sammanlagt stöd",
                                                                  "ej justerat")), 0)},
            "support_persons": _num(flow.get("unique_individuals"), 0),
            "participations_in_data": int(len(ds.participations)),
        },
        "units": {"shares": "percent", "support": "hours per participant and month"},
    }


