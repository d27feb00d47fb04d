"""Load a dataset, check it against the data contract and cut it at a data cut-off.

`load(path)` reads one table per file from a folder (Parquet, CSV, Stata, SAS, SPSS,
Excel), one table per name from a DuckDB file or a SQL database (a SQLAlchemy URL),
builds the contract's columns through an optional mapping file (`romlab.dataset.mapping`,
``docs/mapping.md``), checks every table with its pandera schema (`romlab.dataset.contract`) and the
tables against each other (`romlab.dataset.validate`), and returns a `Dataset` of frames with the
contract's dtypes. Any broken rule raises one `romlab.dataset.errors.DataError` naming the file and
column as the extract writes them, the rule, the number of rows and example rows with their
lines. Rows are never dropped, except rows hidden by an explicit ``as_of`` cut-off and
Excel's empty rows, and both are counted (`Dataset.as_of_summary`, `Dataset.load_notes`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pandas as pd

from romlab.dataset import read_files as rf
from romlab.dataset import validate as xval
from romlab.dataset.build_columns import build_table, derive_table
from romlab.dataset.check_table import check_table, empty_table
from romlab.dataset.errors import TableSource
from romlab.dataset.mapping import Mapping, MappingError, read_mapping
from romlab.dataset.contract import TABLES

__all__ = ["Dataset", "load", "read_mapping", "TABLE_NAMES", "MappingError"]

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
DB_SUFFIXES = rf.DB_SUFFIXES

DateLike = str | dt.date | dt.datetime | pd.Timestamp

#: Columns of `Dataset.mapping_summary` and `Dataset.load_notes`.
SUMMARY_COLUMNS = ["table", "column", "filled_by", "rows"]
NOTES_COLUMNS = ["table", "file", "note", "rows"]


# --------------------------------------------------------------------------- Dataset

@dataclass(frozen=True)
class LoadInfo:
    """What a load read and assumed, carried unchanged by every as-of view."""

    source: Path | str | None = None
    files: dict = field(default_factory=dict)
    unknown_files: tuple = ()
    mapping_file: Path | None = None
    mapping_sha256: str = ""
    mapping_summary: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))
    load_notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTES_COLUMNS))
    resubmission: str | None = None
    sources: dict = field(default_factory=dict)


@dataclass(eq=False)
class Dataset:
    """The tables of one extract, validated, with contract dtypes, possibly cut at ``as_of``.

    Each table is a DataFrame whose index is the row number in its file (from 0; Excel's
    empty rows of a CSV file are not counted), so an as-of cut leaves gaps in the index
    rather than renumbering rows.
    """

    participations: pd.DataFrame
    periodic_reports: pd.DataFrame
    deviation_reports: pd.DataFrame
    result_reports: pd.DataFrame
    register_events: pd.DataFrame
    providers: pd.DataFrame
    contracts: pd.DataFrame
    provider_ratings: pd.DataFrame
    #: the data cut-off (a day), or None for everything in the files
    as_of: pd.Timestamp | None = None
    #: per table: rows_in_file, rows_hidden_as_of (of them rows_hidden_with_participation:
    #: rows of a participation recorded after the cut-off), rows_visible, values_blanked
    as_of_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: LoadInfo = field(default_factory=LoadInfo)
    #: the full, uncut tables (shared, not copied), so that as_of_view need not re-read
    _full: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    # what was read and assumed (see LoadInfo)
    @property
    def source(self):
        """The folder, database file or database URL (password hidden) read."""
        return self.info.source

    @property
    def files(self) -> dict:
        """{table: file it was read from} (the database for a database)."""
        return self.info.files

    @property
    def unknown_files(self) -> list[str]:
        """Files (or database tables) at the source that no table was read from."""
        return list(self.info.unknown_files)

    @property
    def mapping_summary(self) -> pd.DataFrame:
        """How the mapping filled each contract column that is not a plain source column
        (table, column, filled_by, rows), e.g. a constant, a generated key, a lookup."""
        return self.info.mapping_summary

    @property
    def load_notes(self) -> pd.DataFrame:
        """Irregularities tolerated while reading (table, file, note, rows): surrounding
        whitespace, Excel's empty rows, extra columns, CRLF line ends, no BOM, …"""
        return self.info.load_notes

    @property
    def resubmission(self) -> str | None:
        """The mapping's rule for periodic reports submitted again (None: duplicates are errors)."""
        return self.info.resubmission

    def tables(self) -> dict[str, pd.DataFrame]:
        """{table name: frame}, in contract order."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(name)
        return getattr(self, name)

    def row_counts(self) -> pd.DataFrame:
        """One row per table: ``table``, ``rows`` (visible rows)."""
        return pd.DataFrame({"table": list(TABLE_NAMES),
                             "rows": [len(getattr(self, n)) for n in TABLE_NAMES]})

    def as_of_view(self, date: DateLike) -> "Dataset":
        """The same data as known on ``date`` (a new Dataset; nothing is re-read).

        ``date`` must not be after this dataset's own cut-off, if it has one.
        """
        cutoff = _as_timestamp(date)
        if self.as_of is not None and cutoff > self.as_of:
            raise ValueError(f"as_of_view({cutoff.date()}) is after this dataset's cut-off "
                             f"{self.as_of.date()}: load the data again without as_of")
        if self._full:
            return _make_dataset(self._full, cutoff, self.info)
        # cut already: cutting this view again gives what cutting the files would (rows
        # and values hidden at the own cut-off are hidden at any earlier one); the
        # summary still counts against the rows in the files
        view = _make_dataset(self.tables(), cutoff, self.info, keep_full=False)
        if len(self.as_of_summary):
            s = view.as_of_summary.set_index("table")
            own = self.as_of_summary.set_index("table")
            s["rows_in_file"] = own["rows_in_file"]
            s["rows_hidden_as_of"] = s["rows_in_file"] - s["rows_visible"]
            s["rows_hidden_with_participation"] += own["rows_hidden_with_participation"]
            s["values_blanked"] = s["values_blanked"] + own["values_blanked"]
            view.as_of_summary = s.reset_index()[list(self.as_of_summary.columns)]
        return view


def _as_timestamp(date: DateLike) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(date)
    except (ValueError, TypeError) as e:
        raise ValueError(f"as_of must be a date or an ISO date string, not {date!r}") from e
    if pd.isna(ts):
        raise ValueError(f"as_of must be a date, not {date!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


#: Tables whose rows belong to a participation: hidden with it when it is hidden.
CHILD_TABLES = ("periodic_reports", "deviation_reports", "result_reports")


def _cut(full: dict[str, pd.DataFrame], cutoff: pd.Timestamp | None, prehidden: dict[str, int] | None = None
         ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Hide rows known after ``cutoff`` and blank values that became known after it.

    A participation recorded after the cut-off (also one registered after it started) is
    hidden with everything that belongs to it: its periodic reports, deviations and results
    (counted as ``rows_hidden_with_participation``). ``prehidden``: rows per table left
    unread because they became known after the cut-off (`load` filters large files while
    reading); they are counted as in the file and hidden."""
    prehidden = prehidden or {}
    out: dict[str, pd.DataFrame] = {}
    rows = []
    # anything dated on the cut-off day is known; compare with the next midnight
    limit = None if cutoff is None else cutoff + pd.Timedelta(days=1)
    visible_participations = None
    for name, spec in TABLES.items():
        df = full[name]
        n = len(df)
        hidden = blanked = with_parent = 0
        if limit is not None:
            if spec.known_at:
                late_row = (df[spec.known_at] >= limit).to_numpy()
                if name in CHILD_TABLES and visible_participations is not None:
                    orphan = ~df["participation_id"].isin(visible_participations).to_numpy() & ~late_row
                    with_parent = int(orphan.sum())
                    late_row = late_row | orphan
                hidden = int(late_row.sum())
                if hidden:
                    df = df.loc[~late_row]
            copied = False
            for date_col, cols in spec.field_known_at.items():
                late = (df[date_col] >= limit).to_numpy()
                if not late.any():
                    continue
                if not copied:
                    df = df.copy()
                    copied = True
                # the date itself is not known either before the cut-off
                for col in dict.fromkeys((*cols, date_col)):
                    blanked += int(df[col].notna().to_numpy()[late].sum())
                    df.loc[late, col] = None
            if name == "participations":
                visible_participations = df["participation_id"].to_numpy()
        # a new frame object even when nothing was cut, so that adding a column to a
        # table of one view does not change the full data (copy-on-write: no data copied)
        out[name] = df if df is not full[name] else df.copy(deep=False)
        pre = prehidden.get(name, 0)
        n, hidden = n + pre, hidden + pre
        rows.append({"table": name, "rows_in_file": n, "rows_hidden_as_of": hidden,
                     "rows_hidden_with_participation": with_parent,
                     "rows_visible": len(df), "values_blanked": blanked})
    return out, pd.DataFrame(rows)


def _make_dataset(full: dict[str, pd.DataFrame], cutoff: pd.Timestamp | None, info: LoadInfo,
                  keep_full: bool = True, prehidden: dict[str, int] | None = None) -> Dataset:
    """A Dataset cut at `cutoff`. With `keep_full`, the uncut tables stay referenced so
    that a later `as_of_view` may go past the cut-off's rows again; `load(as_of=…)` does
    not keep them (half the memory on large data; views at earlier dates need none)."""
    cut, summary = _cut(full, cutoff, prehidden)
    return Dataset(**cut, as_of=cutoff, as_of_summary=summary, info=info,
                   _full=full if keep_full else {})


# --------------------------------------------------------------------------- load

def _order(mapping: Mapping | None) -> list[str]:
    """Tables in contract order, each after the tables its lookups and derivation read."""
    needs: dict[str, set[str]] = {n: set() for n in TABLE_NAMES}
    if mapping is not None:
        for name, tm in mapping.tables.items():
            needs[name] |= {r.lookup_table for r in tm.columns.values() if r.kind == "lookup"}
            if tm.derive == "from_contracts":
                needs[name].add("contracts")
    done: list[str] = []
    while len(done) < len(TABLE_NAMES):
        ready = [n for n in TABLE_NAMES if n not in done and needs[n] <= set(done)]
        if not ready:  # pragma: no cover - read_mapping forbids lookups into derived tables
            raise ValueError(f"the mapping's lookups go round in a circle: {needs}")
        done.append(ready[0])
    return done


def _frame_as_read(reader: rf.SourceReader, name: str) -> pd.DataFrame:
    """A table as the extract stores it (read again: for the example rows of an error)."""
    return reader.read(name).frame


def _read_tables(reader: rf.SourceReader, maps: Mapping | None, validate: bool):
    """Every table read, built through the mapping and checked against the contract, in
    `_order`: (tables, their `TableSource`, the mapping summary's rows, the reading
    notes, {table: rows left unread by the cut-off})."""
    full: dict[str, pd.DataFrame] = {}
    sources: dict[str, TableSource] = {}
    summary: list[dict] = []
    notes: list[dict] = []
    prehidden: dict[str, int] = {}
    for name in _order(maps):
        tm = maps.get(name) if maps is not None else None
        if tm is not None and tm.derive:
            df, src, rows = derive_table(name, tm, full)
            summary.extend(rows)
            full[name], sources[name] = check_table(name, df, src, None, maps, validate)
            continue
        raw = reader.read(name)
        if raw is None:  # an optional table that is not there
            full[name] = empty_table(name)
            continue
        prehidden[name] = raw.rows_unread
        frame, src, rows, failures = build_table(raw, tm, maps, full, validate,
                                                 labels={n: s.label for n, s in sources.items()})
        notes.extend(raw.notes)  # after building: it notes the extra columns
        summary.extend(rows)
        full[name], sources[name] = check_table(name, frame, src, raw, maps, validate, failures)
        # example rows of the checks across tables show the rows as read: read again on error only
        src.raw = partial(_frame_as_read, reader, name)
        if name == "participations":
            full[name] = xval.derive_age_at_start(full[name], src, check=validate)
    return full, sources, summary, notes, prehidden


def load(path: str | Path, as_of: DateLike | None = None, mapping: str | Path | Mapping | None = None,
         validate: bool = True) -> Dataset:
    """Read, check and (optionally) cut a dataset.

    Parameters
    ----------
    path
        A folder with one file per table of `romlab.dataset.contract.TABLES` (``<table>.parquet``,
        ``.csv``, ``.dta``, ``.sas7bdat``, ``.sav``, ``.xlsx``, or the file the mapping
        names), a DuckDB file (``.duckdb``/``.db``), or a SQLAlchemy URL
        (``sqlite:///x.db``) with one table per name.
    as_of
        A data cut-off (date or ISO string): rows known after it are hidden, values that
        became known after it are blanked; see `Dataset.as_of_summary`.
    mapping
        A mapping file (docs/mapping.md) that says how the extract's files, columns and
        codes meet the contract.
    validate
        Check every rule of the contract (default). With False, types are still coerced
        (a value that cannot be read still raises DataError) but no rule is checked.

    Raises
    ------
    DataError
        For the first broken rule, in table order of the contract, then column order,
        then the cross-table rules of `romlab.dataset.validate`. `MappingError` (a DataError) for
        a mistake in the mapping file, naming its line.
    """
    maps = mapping if isinstance(mapping, Mapping) or mapping is None else read_mapping(mapping)
    cutoff = None if as_of is None else _as_timestamp(as_of)
    reader = rf.open_source(path, maps, cutoff)
    full, sources, summary, notes, prehidden = _read_tables(reader, maps, validate)
    resubmission = maps.get("periodic_reports").resubmission if maps is not None and \
        maps.get("periodic_reports") is not None else None
    try:
        if validate:
            xval.check_dataset(full, sources, resubmission=resubmission)
    finally:
        for src in sources.values():  # the dataset keeps no reader
            src.raw = None

    info = LoadInfo(
        source=reader.source_label, files=reader.files, unknown_files=tuple(reader.unknown()),
        mapping_file=None if maps is None else maps.path, mapping_sha256="" if maps is None else maps.sha256,
        mapping_summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
        load_notes=pd.DataFrame(notes, columns=NOTES_COLUMNS), resubmission=resubmission, sources=sources)
    dataset = _make_dataset(full, cutoff, info, keep_full=cutoff is None, prehidden=prehidden)
    del full  # a cut load keeps only the visible rows
    return dataset


def with_info(ds: Dataset, **changes) -> Dataset:
    """The same dataset with some of its `LoadInfo` replaced (for tests and tools)."""
    return Dataset(**ds.tables(), as_of=ds.as_of, as_of_summary=ds.as_of_summary,
                   info=replace(ds.info, **changes), _full=ds._full)
