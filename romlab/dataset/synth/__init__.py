"""Synthetic Rusta och matcha microdata with the report's structure and volumes.

`generate(scale, seed)` returns one DataFrame per table of the data contract
(`romlab.dataset.contract`); `write(tables, out)` stores them as Parquet; `synth(out, scale,
seed)` does both. Scale 1.0 gives the report's volumes: about 815 000 RoM 1 periodic
reports for July 2022 – May 2023 and about 138 000 starts in windows 1–4. Every draw
comes from one `numpy.random.Generator` seeded once, and every step is vectorised, so
the same seed gives byte-identical files.

What the generator models (parameters and their sources: `romlab.dataset.synth_params`):
intake per day by window; participants' groups (age tied to sex × birth country,
disability and registration time to age); level by a job-chance score tilted by
the groups; providers and contracts per delivery area; stays of up to 12 months over
two placement periods, ended by a result, an interruption or the 12 months;
provider switches; double reports at the placement-period change; deviation reports;
heavy-tailed hours per activity (inverse CDFs through Tabell 2's percentiles, tied by
a Gaussian copula); R1/R2 (RoM 1) and 3/6-month results (RoM 2) with filing and
approval dates; RoM 2's own job-chance score, which within a level rises with the
chance of a 3-month result, and its 3-to-6-month continuation by outcome and level;
register events for work results; provider ratings every other month.
Every record carries the date it became known, and nothing known after the final
cut-off (`synth_params.FINAL_CUTOFF`) is written.

The parts, in the order they draw: `providers` (contracts; ratings last),
`participants` (intake, groups, levels, stays; the results drawn by `outcomes` from
their own stream), `reports` (periodic and deviation reports, hours), `results` (result
reports and register events, each from its own stream); `rom2` draws RoM 2's job chance
and 6-month results last, each from its own stream; `draws` holds what they share.
They import each other relatively, so a copy of this folder can be tried as another
generator (`tools/calibrate_groups.py --synth FOLDER`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from romlab.dataset import synth_params as default_params

from . import participants, providers, reports, results

__all__ = ["generate", "write", "synth"]


#: The generator's steps in the order they run, as `generate` reports them to its
#: `progress` callback (the last, writing the files, is `synth`'s).
STEPS = ("contracts", "participations", "periodic reports", "result reports", "register events", "ratings",
         "writing files")


def generate(scale: float = 1.0, seed: int | None = None,
             params: ModuleType = default_params, progress: Callable[[str], None] | None = None
             ) -> dict[str, pd.DataFrame]:
    """Generate one DataFrame per table of the data contract.

    Parameters
    ----------
    scale : volume relative to the report (1.0 = the report's volumes).
    seed : seed of the one random generator (default `synth_params.DEFAULT_SEED`).
    params : module or namespace with the generator's parameters (default
        `romlab.dataset.synth_params`), so a calibration can try other values without editing it.
    progress : called with each step's name (`STEPS`) as it starts (a progress bar).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    step = progress or (lambda name: None)
    p = params
    rng = np.random.default_rng(p.DEFAULT_SEED if seed is None else seed)
    step(STEPS[0])
    contracts = providers.contracts(rng, p)
    step(STEPS[1])
    part, hid = participants.participations(rng, p, scale, contracts)
    step(STEPS[2])
    periodic, deviations = reports.periodic_reports(rng, p, part, hid, contracts)
    step(STEPS[3])
    result_reports = results.results(rng, p, part, hid)
    step(STEPS[4])
    events = results.register_events(rng, p, part, hid)
    step(STEPS[5])
    ratings = providers.ratings(rng, p, contracts, part, scale)
    provider_names = pd.DataFrame({"provider_id": sorted(contracts["provider_id"].unique())})
    provider_names["provider_name"] = "Leverantör " + provider_names["provider_id"].str[1:]
    used = contracts[["provider_id", "delivery_area", "generation", "contract_start", "contract_end",
                      "end_recorded_date"]].reset_index(drop=True)
    tables = {
        "participations": part, "periodic_reports": periodic, "deviation_reports": deviations,
        "result_reports": result_reports, "register_events": events, "providers": provider_names,
        "contracts": used, "provider_ratings": ratings,
    }
    for name, df in tables.items():
        for col in df.columns:
            if df[col].dtype.kind == "M":
                df[col] = df[col].astype("datetime64[ns]")
        tables[name] = df.reset_index(drop=True)
    return tables


def write(tables: dict[str, pd.DataFrame], out: str | Path, fmt: str = "parquet", *,
          seed: int | None = None, scale: float | None = None) -> dict[str, Path]:
    """Write the tables as `<out>/<table>.parquet` (or `.csv`); returns the paths.

    With the `seed` and `scale` they were generated with, also `<out>/synth.json`
    (seed, scale, generator version, each file's sha256: `provenance.write_synth_info`),
    which a run's manifest reports; without them a `synth.json` left there is removed,
    since the tables may not be the generator's."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False, compression="zstd")
        elif fmt == "csv":
            df.to_csv(path, index=False, date_format="%Y-%m-%d")
        else:
            raise ValueError(f"unknown format {fmt!r}: use 'parquet' or 'csv'")
        paths[name] = path
    from romlab.run import provenance

    if seed is not None and scale is not None:
        provenance.write_synth_info(out, paths, seed=seed, scale=scale, fmt=fmt)
    else:
        (out / provenance.SYNTH_INFO).unlink(missing_ok=True)
    return paths


def synth(out: str | Path, scale: float = 1.0, seed: int | None = None, fmt: str = "parquet",
          progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Generate the synthetic data and write them to `out` (see `generate`), with
    `synth.json` beside them (see `write`); `progress` is told each step (`STEPS`)."""
    seed = default_params.DEFAULT_SEED if seed is None else seed
    tables = generate(scale=scale, seed=seed, progress=progress)
    if progress is not None:
        progress(STEPS[-1])
    return write(tables, out, fmt=fmt, seed=seed, scale=scale)
