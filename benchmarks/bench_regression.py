"""Benchmark of Tabell 18's regression: romlab.report.regression against statsmodels' formula
API (HC1) and, for reference, pyfixest, on the same model and data.

    python benchmarks/bench_regression.py [--data DIR] [--period 2023-10] [--repeat 5]

The model is Tabell 18's linear probability model (L2760–2933): ``has_result`` (Har R2)
on the 11 group regressors with fixed effects for level, window, window × level and
start month, robust (HC1) standard errors, on the window population of the period
(2023-10: windows 1–4, about 138 000 participants). Without ``--data`` the default
synthetic data (``data/synthetic``) are used, or generated at scale 1.0 into a
temporary folder if missing.

Prints a Markdown report: the best wall time of each fit (including, for statsmodels,
building the design from the formula, as an analyst would run it; data preparation
excluded for all), the speed-up, and the largest absolute differences of the
coefficients and standard errors (the 11 regressors and the constant) against
statsmodels. Targets: at least 3× faster, differences at most 1e-8. pyfixest (absorbed
fixed effects, no constant) is timed if it is installed (``pip install pyfixest``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import romlab
from romlab import paths
from romlab.report import regression, results
from romlab.report.classify import REGRESSOR_LABELS

REGRESSORS = list(REGRESSOR_LABELS)
FIXED_EFFECTS = results.TABELL_18_FIXED_EFFECTS
STATSMODELS_FORMULA = ("has_result ~ " + " + ".join(REGRESSORS)
                       + " + C(level) + C(window) + C(window):C(level) + C(start_month)")
PYFIXEST_FORMULA = "has_result ~ " + " + ".join(REGRESSORS) + " | level + window + window^level + start_month"


def _best(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up (imports, caches, JIT)
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def model_frame(data: Path, period: str) -> pd.DataFrame:
    """Tabell 18's estimation frame: the window population, numeric columns only."""
    cfg = romlab.RunConfig.for_period(period)
    ds = romlab.load(data, as_of=cfg.data_cutoff)
    out = results.outcomes(ds, cfg)
    d = out.loc[out["in_windows"], ["has_result", *REGRESSORS, "level", "window", "start_month"]].copy()
    for c in ["has_result", *REGRESSORS]:
        d[c] = d[c].astype(float)
    d["window"] = d["window"].astype("int64")
    d["start_month"] = d["start_month"].dt.strftime("%Y-%m")
    return d.reset_index(drop=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="dataset folder (default: data/synthetic, generated if missing)")
    ap.add_argument("--period", default="2023-10")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    tmp = None
    data = Path(args.data) if args.data else paths.SYNTHETIC
    if not (data / "participations.parquet").exists() and not (data / "participations.csv").exists():
        from romlab.data import synth

        tmp = tempfile.TemporaryDirectory()
        data = Path(tmp.name)
        print(f"generating scale-1.0 synthetic data in {data} ...", file=sys.stderr)
        synth.synth(data, scale=1.0)
    d = model_frame(data, args.period)

    t_romlab, r = _best(lambda: regression.fit(d, "has_result", REGRESSORS, FIXED_EFFECTS, cov_type="HC1"),
                        args.repeat)

    import warnings

    import statsmodels.formula.api as smf

    def sm_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rank deficiency: start months nest in windows
            return smf.ols(STATSMODELS_FORMULA, data=d).fit(cov_type="HC1")

    t_sm, m = _best(sm_fit, max(1, min(args.repeat, 3)))
    names = {**{c: c for c in REGRESSORS}, regression.CONSTANT: "Intercept"}
    ours = r.params.reindex(list(names))
    theirs = m.params.reindex(list(names.values())).set_axis(list(names))
    d_coef = float((ours - theirs).abs().max())
    d_se = float((r.bse.reindex(list(names)) - m.bse.reindex(list(names.values())).set_axis(list(names))).abs().max())

    try:
        import pyfixest as pf
    except ImportError:
        pf = None
    if pf is not None:
        t_pf, f = _best(lambda: pf.feols(PYFIXEST_FORMULA, data=d, vcov="hetero"), max(1, min(args.repeat, 3)))
        pf_coef = f.coef().reindex(REGRESSORS)
        pf_se = f.se().reindex(REGRESSORS)
        pf_dc = float((pf_coef - r.params.reindex(REGRESSORS)).abs().max())
        pf_ds = float((pf_se - r.bse.reindex(REGRESSORS)).abs().max())
        pf_row = (f"| pyfixest {getattr(pf, '__version__', '?')} `feols(..., vcov='hetero')` (reference) | "
                  f"{t_pf:.3f} | {t_pf / t_romlab:.1f}× romlab | coef {pf_dc:.1e}, se {pf_ds:.1e} |")
    else:
        pf_row = "| pyfixest (reference) | not installed (`pip install pyfixest`) | | |"

    speedup = t_sm / t_romlab
    print(f"# Tabell 18 regression benchmark ({args.period}, N = {r.nobs}, {r.n_params} parameters, "
          f"{len(r.omitted)} collinear dummies omitted)\n")
    print("| fit | best time (s) | relative | largest difference vs statsmodels |")
    print("|---|---|---|---|")
    print(f"| romlab.report.regression.fit (HC1) | {t_romlab:.3f} | 1 | coef {d_coef:.1e}, se {d_se:.1e} |")
    print(f"| statsmodels formula API `ols(...).fit(cov_type='HC1')` | {t_sm:.3f} | {speedup:.1f}× romlab | 0 |")
    print(pf_row)
    ok_speed, ok_equal = speedup >= 3, max(d_coef, d_se) <= 1e-8
    print(f"\nspeed-up vs statsmodels: {speedup:.1f}× (target ≥ 3×: {'met' if ok_speed else 'NOT met'}); "
          f"coefficients and standard errors equal to 1e-8: {'yes' if ok_equal else 'NO'}")
    print(f"R² {r.rsquared:.4f} (statsmodels {m.rsquared:.4f}), adjusted {r.rsquared_adj:.4f} "
          f"(statsmodels {m.rsquared_adj:.4f})")
    if pf is not None:
        print("pyfixest absorbs the fixed effects (no constant) and counts their degrees of freedom its own "
              "way (`ssc`), so its standard errors can differ in the last digits; it is timed for reference.")
    if tmp is not None:
        tmp.cleanup()
    return 0 if (ok_speed and ok_equal) else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
