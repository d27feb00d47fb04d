"""Stata (``.dta``), SAS (``.sas7bdat``, ``.xpt``) and SPSS (``.sav``, ``.zsav``) files,
read with pyreadstat (ReadStat): it reads value labels, the packages' date formats and
SPSS ``.zsav``, which ``pandas.read_stata`` and ``pandas.read_spss`` do not all do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from romlab.dataset.errors import DataError
from romlab.dataset.formats.table import ReadTable, dates_to_ns, unreadable

# suffix -> (format name in messages, rule)
STAT_SUFFIXES: dict[str, tuple[str, str]] = {
    ".dta": ("Stata", "stata_readable"),
    ".sas7bdat": ("SAS", "sas_readable"),
    ".xpt": ("SAS transport", "sas_readable"),
    ".sav": ("SPSS", "spss_readable"),
    ".zsav": ("SPSS", "spss_readable"),
}


def _stata_months(df: pd.DataFrame, formats: dict[str, str], labelled: set[str]) -> None:
    """Stata monthly dates (%tm: months since 1960m1; pyreadstat leaves them as numbers)
    as the first day of their month."""
    for col, fmt in formats.items():
        if col not in df.columns or col in labelled or not str(fmt).startswith("%tm"):
            continue
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype="float64")
        ok = np.isfinite(values)
        months = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[M]")
        months[ok] = np.datetime64("1960-01", "M") + values[ok].astype("int64")
        # seconds hold any month; _dates_to_ns checks the range of datetime64[ns]
        df[col] = pd.Series(months.astype("datetime64[s]"), index=df.index, name=col)


def _sas_catalog(path: Path) -> Path | None:
    """The SAS format catalog (value labels) that goes with a .sas7bdat file: the file
    of the same name with suffix .sas7bcat, next to it."""
    for cand in (path.with_suffix(".sas7bcat"), path.with_suffix(".SAS7BCAT")):
        if cand.is_file():
            return cand
    return None


def read_stat_file(path: Path, value_labels: bool = False) -> ReadTable:
    """A Stata (.dta), SAS (.sas7bdat, .xpt) or SPSS (.sav, .zsav) file, read with pyreadstat.

    * Dates: columns with a date or datetime display format (Stata ``%td``/``%tc``, SPSS
      ``DATE``/``ADATE``/``DATETIME``..., SAS ``DATE9.``/``YYMMDD10.``/``DATETIME20.``...)
      come back as ``datetime64[ns]``; Stata monthly dates (``%tm``) as the first day of
      their month. Other Stata date formats (``%tq``, ``%tw``, ``%ty``) stay numbers.
      A date datetime64[ns] cannot hold is a DataError (column and rows named).
    * Missing values: Stata's ``.``/``.a``-``.z``, SPSS system- and user-missing values
      and SAS's missing values are empty (NaN/NaT); an empty text ("", Stata's missing
      string) is empty too, as an empty CSV cell is.
    * Numbers: Stata byte/int/long columns come back as int64 (float64 when they hold a
      missing value); SPSS and SAS numbers are always float64 (the formats store doubles).
    * Text: pandas' string dtype. Stata keeps trailing blanks, SPSS trims them.
    * ``value_labels=True``: a column that has value labels comes back as its label text
      (dtype object); a value without a label stays the stored value (so one column can
      hold both). SAS keeps value labels in a format catalog: ``<name>.sas7bcat`` next
      to the file is used when it is there (and required with ``value_labels=True``).
    * ``ReadTable.value_labels`` is always filled from the file's metadata:
      {column: {stored value: label}} (Stata keys int, SPSS keys float; SAS from the
      catalog, when there is one).
    """
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in STAT_SUFFIXES:
        raise DataError(label, "", "file_format", 0,
                        detail=f"not a Stata, SAS or SPSS file: {', '.join(STAT_SUFFIXES)} are read")
    name, rule = STAT_SUFFIXES[suffix]
    if not path.is_file():
        raise DataError(label, "", "file_exists", 0, detail="no such file")
    df, meta, catalog = _read(path, suffix, name, rule)

    labels = {str(k): dict(v) for k, v in (getattr(meta, "variable_value_labels", None) or {}).items()
              if v and k in df.columns}
    if value_labels and suffix in (".sas7bdat", ".xpt") and not labels:
        where = (f"the format catalog {catalog.name} has none for this file's columns" if catalog
                 else f"SAS keeps them in a format catalog: put {path.stem}.sas7bcat next to the "
                      f"file, or leave out value_labels")
        raise DataError(label, "", rule, 0, detail=f"value_labels is set but there are no value labels ({where})")

    df = _blank_text_as_empty(df.reset_index(drop=True))
    if suffix == ".dta":
        _stata_months(df, dict(getattr(meta, "original_variable_types", {}) or {}), set(labels))
    df = dates_to_ns(df, label, rule)
    if value_labels and labels:
        import pyreadstat

        labelled = pyreadstat.set_value_labels(df[list(labels)], meta, formats_as_category=False)
        for col in labels:
            df[col] = labelled[col].astype(object)
    return ReadTable(df, label, labels)


def _read(path: Path, suffix: str, name: str, rule: str):
    """(frame, pyreadstat's metadata, the SAS format catalog used or None); the catalog's
    value labels are put into the metadata as Stata's and SPSS's are."""
    import pyreadstat

    kwargs = dict(dates_as_pandas_datetime=True, output_format="pandas")
    catalog = None
    try:
        if suffix == ".dta":
            df, meta = pyreadstat.read_dta(path, **kwargs)
        elif suffix in (".sav", ".zsav"):
            df, meta = pyreadstat.read_sav(path, **kwargs)
        elif suffix == ".xpt":
            df, meta = pyreadstat.read_xport(path, **kwargs)
        else:
            df, meta = pyreadstat.read_sas7bdat(path, **kwargs)
            catalog = _sas_catalog(path)
            if catalog is not None:
                _, cmeta = pyreadstat.read_sas7bcat(catalog, output_format="dict")
                meta.variable_value_labels = {
                    var: dict(cmeta.value_labels[fmt])
                    for var, fmt in (meta.variable_to_label or {}).items()
                    if fmt in (cmeta.value_labels or {})}
                meta.value_labels = cmeta.value_labels
    except Exception as e:  # ReadStat raises its own error types, or OSError
        raise unreadable(str(path), rule, e, what=f"not a readable {name} file") from None
    return df, meta, catalog


def _blank_text_as_empty(df: pd.DataFrame) -> pd.DataFrame:
    """An empty text (Stata's missing string, blank in SPSS/SAS) as empty, as an empty
    CSV cell is."""
    for col in df.columns:
        s = df[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            empty = (s == "").fillna(False).to_numpy(dtype=bool)
            if empty.any():
                df[col] = s.mask(empty)
    return df
