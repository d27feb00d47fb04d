"""Readers for the formats real extracts come in besides Parquet, CSV and DuckDB files:
Stata (``.dta``), SAS (``.sas7bdat``, ``.xpt``), SPSS (``.sav``, ``.zsav``), Excel
(``.xlsx``) and any SQL database SQLAlchemy can reach (``sqlite:///``, ``duckdb:///``,
``mssql+pyodbc://`` ...).

Each reader returns a :class:`ReadTable`: the values as stored, with the source's column
names and a ``RangeIndex`` that is the row's number in the source (from 0, in the
source's order), so that ``romlab.load`` can map, validate and report rows the same way
for every format. Every failure is a :class:`romlab.dataset.errors.DataError`.

Libraries: pyreadstat (ReadStat) for the statistics packages' files (it reads value
labels, Stata/SAS/SPSS date formats and SPSS ``.zsav``, which ``pandas.read_stata`` and
``pandas.read_spss`` do not all do); openpyxl through ``pandas.read_excel`` for Excel;
SQLAlchemy for databases (one URL syntax, identifier quoting and bound parameters for
every dialect), with duckdb-engine for ``duckdb:///`` URLs.

Modules: `stat_files` (Stata, SAS, SPSS), `excel`, `sql`, and `table` (`ReadTable` and
what the readers share); the names below are importable from here.
"""

from romlab.dataset.formats.excel import EXCEL_SUFFIXES, read_excel
from romlab.dataset.formats.sql import database_tables, is_database_url, read_sql_table, safe_url
from romlab.dataset.formats.stat_files import STAT_SUFFIXES, read_stat_file
from romlab.dataset.formats.table import ReadTable

__all__ = ["ReadTable", "STAT_SUFFIXES", "EXCEL_SUFFIXES", "read_stat_file", "read_excel",
           "is_database_url", "safe_url", "database_tables", "read_sql_table"]
