"""Benchmark of Tabell 18's regression: romlab's two engines (its own sparse solver and
linearmodels) against statsmodels' formula API (HC1) and, for reference, pyfixest, on the
same model and data.

    python benchmarks/bench_regression.py [--data DIR] [--period 2023-10] [--repeat 5]

The model is Tabell 18's linear probability model (report §5.2.2, Tabell 18 and its
note): ``has_result`` (Har R2) on the 11 group regressors with fixed effects for level,
window, window × level and start month, on the window population of the period (2023-10:
windows 1–4, about 138 000 participants), with robust (HC1, as printed) and, as a
researcher's variant, provider-clustered standard errors. Without ``--data`` the default
synthetic data (``data/synthetic``, scale 1.0) are used, or generated at scale 1.0 into a
temporary folder if missing.

Prints a Markdown report: the best wall time of each fit (romlab's engines through
`results.fit_tabell_18`; statsmodels and pyfixest on `regression.model_frame` with
`regression.formula`, building the design from the formula as an analyst would; loading
and the outcomes excluded for all), and the largest absolute differences of the
coefficients and standard errors (the 11 regressors and the constant) against romlab's
engine with the same covariance. Targets: romlab at least 3× faster than statsmodels; the
engines equal to 1e-8 (coefficients) and 1e-6 (standard errors); statsmodels (HC1) equal
to 1e-8. pyfixest (absorbed fixed effects, no constant) is timed if it is installed
(``pip install pyfixest``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import romlab
from romlab import paths
from romlab.report import outcomes, regression, results
from romlab.report.classify import REGRESSOR_LABELS

REGRESSORS = list(REGRESSOR_LABELS)
FIXED_EFFECTS = results.TABELL_18_FIXED_EFFECTS
CLUSTER = "provider_id"
TERMS = [*REGRESSORS, regression.CONSTANT]


def _best(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up (imports, caches)
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def _diff(a: pd.Series, b: pd.Series) -> float:
    return float((a.reindex(TERMS) - b.reindex(TERMS)).abs().max())


def _data(arg: str | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    data = Path(arg) if arg else paths.SYNTHETIC
    if (data / "participations.parquet").exists() or (data / "participations.csv").exists():
        return data, None
    from romlab.dataset import synth

    tmp = tempfile.TemporaryDirectory()
    print(f"generating scale-1.0 synthetic data in {tmp.name} ...", file=sys.stderr)
    synth.synth(Path(tmp.name), scale=1.0)
    return Path(tmp.name), tmp


def _statsmodels(frame: pd.DataFrame, repeat: int):
    import statsmodels
    import statsmodels.formula.api as smf

    f = regression.formula("has_result", REGRESSORS, FIXED_EFFECTS)

    def sm_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rank deficiency: start months nest in windows
            return smf.ols(f, data=frame).fit(cov_type="HC1")

    t, m = _best(sm_fit, max(1, min(repeat, 3)))
    return t, m.params.rename({"Intercept": regression.CONSTANT}), m.bse.rename({"Intercept": regression.CONSTANT}), \
        statsmodels.__version__


def _pyfixest_row(frame: pd.DataFrame, ref: regression.RegressionResult, t_ref: float, repeat: int) -> str:
    try:
        import pyfixest as pf
    except ImportError:
        return "| pyfixest `feols(..., vcov='hetero')` (reference) | HC1 | not installed (`pip install pyfixest`) | | |"
    f = regression.formula("has_result", REGRESSORS, FIXED_EFFECTS, library="pyfixest")
    t, m = _best(lambda: pf.feols(f, data=frame, vcov="hetero"), max(1, min(repeat, 3)))
    dc = float((m.coef().reindex(REGRESSORS) - ref.params.reindex(REGRESSORS)).abs().max())
    ds = float((m.se().reindex(REGRESSORS) - ref.bse.reindex(REGRESSORS)).abs().max())
    return (f"| pyfixest {getattr(pf, '__version__', '?')} `feols(..., vcov='hetero')` (reference; "
            f"slopes only) | HC1 | {t:.3f} | {t / t_ref:.1f}× | coef {dc:.1e}, se {ds:.1e} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="dataset folder (default: data/synthetic, generated if missing)")
    ap.add_argument("--period", default="2023-10")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    data, tmp = _data(args.data)
    cfg = romlab.RunConfig.for_period(args.period)
    out = outcomes.outcomes(romlab.load(data, as_of=cfg.data_cutoff), cfg)
    frame = regression.model_frame(out[out["in_windows"]], "has_result", REGRESSORS, FIXED_EFFECTS, cluster=CLUSTER)

    fits: dict[tuple[str, str], tuple[float, regression.RegressionResult]] = {}
    for cov in ("HC1", "cluster"):
        for engine in regression.ENGINES:
            fits[engine, cov] = _best(lambda cov=cov, engine=engine: results.fit_tabell_18(
                out, cfg, cov_type=cov, cluster=CLUSTER if cov == "cluster" else None, engine=engine),
                args.repeat if engine == "romlab" else max(1, min(args.repeat, 3)))
    t_sm, sm_params, sm_bse, sm_version = _statsmodels(frame, args.repeat)

    t_ref, ref = fits["romlab", "HC1"]
    print(f"# Tabell 18 regression benchmark ({args.period}, N = {ref.nobs}, {ref.n_params} parameters, "
          f"{len(ref.omitted)} collinear dummies omitted, {fits['romlab', 'cluster'][1].n_clusters} providers)\n")
    print("| fit | covariance | best time (s) | relative to romlab HC1 | largest difference vs romlab |")
    print("|---|---|---|---|---|")
    worst = {"coef": 0.0, "se": 0.0}
    for (engine, cov), (t, r) in fits.items():
        base = fits["romlab", cov][1]
        dc, ds = _diff(r.params, base.params), _diff(r.bse, base.bse)
        if engine != "romlab":
            worst = {"coef": max(worst["coef"], dc), "se": max(worst["se"], ds)}
        name = ("romlab.report.regression (sparse Cholesky)" if engine == "romlab"
                else "linearmodels `IV2SLS(y, X, None, None)`, debiased")
        label = "HC1" if cov == "HC1" else f"clustered ({CLUSTER}, CR1)"
        print(f"| `engine=\"{engine}\"`: {name} | {label} | {t:.3f} | {t / t_ref:.1f}× | "
              f"coef {dc:.1e}, se {ds:.1e} |")
    sm_dc, sm_ds = _diff(sm_params, ref.params), _diff(sm_bse, ref.bse)
    print(f"| statsmodels {sm_version} formula API `ols(...).fit(cov_type='HC1')` | HC1 | {t_sm:.3f} | "
          f"{t_sm / t_ref:.1f}× | coef {sm_dc:.1e}, se {sm_ds:.1e} |")
    print(_pyfixest_row(frame, ref, t_ref, args.repeat))

    speedup = t_sm / t_ref
    ok_speed = speedup >= 3
    ok_engines = worst["coef"] <= 1e-8 and worst["se"] <= 1e-6
    ok_sm = max(sm_dc, sm_ds) <= 1e-8
    print(f"\nromlab vs statsmodels: {speedup:.1f}× faster (target ≥ 3×: {'met' if ok_speed else 'NOT met'}); "
          f"vs linearmodels: {fits['linearmodels', 'HC1'][0] / t_ref:.1f}× faster.")
    print(f"engines agree (coef ≤ 1e-8, se ≤ 1e-6, HC1 and clustered): {'yes' if ok_engines else 'NO'} "
          f"(coef {worst['coef']:.1e}, se {worst['se']:.1e}); statsmodels equal to 1e-8: {'yes' if ok_sm else 'NO'}")
    print(f"R² {ref.rsquared:.4f}, adjusted {ref.rsquared_adj:.4f}")
    if tmp is not None:
        tmp.cleanup()
    return 0 if (ok_speed and ok_engines and ok_sm) else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
