"""Calibration check of the synthetic generator's group structure and of Tabell 18.

    .venv/bin/python tools/calibrate_groups.py [DATA_DIR] [--params path/to/params.py]
                                               [--synth path/to/synth/] [--regenerate]

Generates the default data (scale 1.0, default seed) into DATA_DIR (default
/tmp/romlab_calibrate/synthetic) when it is missing or ``--regenerate`` is given,
optionally with another parameter module or generator (a copy of the folder
`romlab/dataset/synth/`) (so a calibration can be
tried without editing `romlab/dataset/synth_params.py`), and prints:

- per group table (Tabell 7–13, A1, 16, 21, 22) the group-structure measure of
  `romlab.publication.compare.group_structure`: the correlation of each cell's deviation from the
  mean of its row of groups (the cells that share everything but the group), published
  against reproduced, and the spread (issue 12, point 3), and per grouping block;
- Tabell 18 in full: coefficients and standard errors, published beside reproduced,
  R², adjusted R² and N.

Calibration only: it reads the published values through `romlab.publication.compare`, as tests do.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import romlab
from romlab.publication import compare
from romlab.report import registry
from romlab.dataset import synth as default_synth

CFG = romlab.RunConfig.for_period("2023-10")

#: The group tables whose structure is measured (issue 12, point 3).
GROUP_TABLES = ("7", "8", "9", "10", "11", "12", "13", "A1", "16", "21", "22")


def _load_module(path: str, name: str):
    """The module at `path`: a file, or a package folder (its modules import each other
    relatively, so they load from the folder)."""
    p = Path(path)
    if p.is_dir():
        spec = importlib.util.spec_from_file_location(name, p / "__init__.py", submodule_search_locations=[str(p)])
    else:
        spec = importlib.util.spec_from_file_location(name, p)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def measure(data_dir: Path) -> dict:
    """Structure per table and Tabell 18 (published beside reproduced) on ``data_dir``."""
    ds = romlab.load(data_dir).as_of_view(CFG.data_cutoff)
    inputs = registry.Inputs(ds, CFG)  # every table of the register, from one selection and one outcome frame
    tables = {d.key: inputs.table(d.key) for d in registry.table_defs(kind=None)}
    out = inputs.outcomes
    structure, blocks = {}, []
    for t in GROUP_TABLES:
        cmp = compare.compare(tables[t], t, np.inf)
        structure[t] = compare.group_structure(cmp, t)
        if t in compare.BLOCK_TABLES:
            blocks.append(compare.group_blocks(cmp, t))
    c18 = compare.compare(tables["18"], 18, np.inf)
    return {"structure": structure, "blocks": pd.concat(blocks, ignore_index=True), "tabell_18": c18,
            "tables": tables, "out": out}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default="/tmp/romlab_calibrate/synthetic")
    ap.add_argument("--params", help="a parameter module to generate with (default romlab.dataset.synth_params)")
    ap.add_argument("--synth", help="a generator folder to generate with (default romlab/dataset/synth/)")
    ap.add_argument("--regenerate", action="store_true")
    a = ap.parse_args(argv)
    data = Path(a.data)
    if a.regenerate or not (data / "participations.parquet").exists():
        gen = _load_module(a.synth, "_calib_synth") if a.synth else default_synth
        params = _load_module(a.params, "_calib_params") if a.params else gen.default_params
        t0 = time.perf_counter()
        gen.write(gen.generate(scale=1.0, params=params), data)
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s")
    m = measure(data)
    print("group structure (romlab.publication.compare.group_structure: correlation of each cell's deviation from")
    print("the mean of its row of groups, published against reproduced; spread = sd ratio):")
    for t, v in m["structure"].items():
        print(f"  Tabell {t:>3}: correlation {v['correlation']:6.3f}  spread {v['spread']:6.3f}")
    c = m["tabell_18"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("per grouping (Tabell 16, 21, 22, A1):")
        print(m["blocks"][["table", "block", "correlation", "spread"]].round(3).to_string(index=False))
        print("Tabell 18:")
        print(c[["measure", "group", "published", "reproduced", "difference"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
