"""romlab: reproduce the report on support and results in Rusta och matcha."""

__version__ = "0.1.0"
