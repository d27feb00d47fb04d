"""romlab: reproduce the report on support and results in Rusta och matcha.

    import romlab
    cfg = romlab.RunConfig.for_period("2023-10")
    ds = romlab.load("data/synthetic", as_of=cfg.data_cutoff)
"""

__version__ = "0.1.0"

from romlab.config import RunConfig  # noqa: E402
from romlab.errors import DataError  # noqa: E402
from romlab.load import Dataset, load  # noqa: E402
from romlab import period  # noqa: E402  (romlab.period.tables: what the notebooks call)

__all__ = ["DataError", "Dataset", "RunConfig", "load", "period", "__version__"]
