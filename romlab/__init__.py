"""romlab: reproduce the report on support and results in Rusta och matcha.

    import romlab
    cfg = romlab.RunConfig.for_period("2023-10")
    ds = romlab.load("data/synthetic", as_of=cfg.data_cutoff)

The package follows the pipeline: `romlab.dataset` (the contract, loading, the synthetic
data), `romlab.report` (the report's sections and its register of tables),
`romlab.review` (the provider review), `romlab.publication` (disclosure control, exports,
the comparison with the published report) and `romlab.run` (a period's configuration and
computation, the papermill runner, the command line). The names below are imported when
first used, so ``import romlab`` is cheap (a notebook imports only what its section needs).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Top-level names and the module each comes from (imported on first use, PEP 562).
_EXPORTS = {
    "RunConfig": "romlab.run.config",
    "DataError": "romlab.dataset.errors",
    "Dataset": "romlab.dataset.load",
    "load": "romlab.dataset.load",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'romlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
