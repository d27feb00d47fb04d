"""Build a contract table from a table as the extract stores it, by the mapping's rules.

The second step of `romlab.load` (after `romlab.dataset.read_files`, before the contract's checks
in `romlab.dataset.check_table`). Per contract column, the mapping (`romlab.dataset.mapping`, docs/mapping.md)
says where its values come from: a source column (recoded, scaled, in a declared date
format, or banded by date), a constant, a generated row-number key, a copy of another
contract column (``same_as``), a lookup through another table, or several yes/no flags.
Every column not filled from a plain source column is reported in the summary
(`Dataset.mapping_summary`), so a reader sees what was assumed.

Values are parsed strictly: a date or month in another form than the declared one
(ISO ``2023-02-01`` by default; ``2023-2-1`` is not it) is an error (rule ``date_format``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset.errors import DataError, TableSource
from romlab.dataset.mapping import ISO_DATE, ColumnRule, Mapping, MappingError, TableMapping, code_key, format_pattern
from romlab.dataset.raw_table import RawTable
from romlab.dataset.contract import TABLES

#: Spellings of true/false accepted in boolean columns (compared lower-case, trimmed).
#: "sant"/"falskt" are what Swedish Excel writes for TRUE/FALSE.
TRUE_TOKENS = frozenset({"true", "t", "1", "1.0", "yes", "y", "ja", "j", "sant"})
FALSE_TOKENS = frozenset({"false", "f", "0", "0.0", "no", "n", "nej", "falskt"})
#: Decimals kept after a unit scale (undoes binary rounding: 54.48 × 0.01 = 0.5448 exactly
#: as the contract file would hold it).
SCALE_DECIMALS = 12


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype)


def failure(column: str, rule: str, positions: np.ndarray, detail: str = "", source_column: str | None = None
            ) -> dict:
    """A broken rule as `romlab.dataset.check_table` collects them (positions into the frame);
    ``source_column``: the extract's column when it is not the one the contract column is
    named after (one of several flag columns)."""
    out = {"column": column, "rule": rule, "index": np.asarray(positions, dtype=np.int64), "detail": detail}
    if source_column is not None:
        out["source_column"] = source_column
    return out


# --------------------------------------------------------------------------- value parsers

def parse_dates(s: pd.Series, fmt: str) -> tuple[pd.Series, np.ndarray]:
    """Text in the format ``fmt`` → dates; and the positions of values not in that form.

    Only the declared form is read: the value must match the format with zero-padded
    fields (`romlab.dataset.mapping.format_pattern`) and be a real date. Non-text values (dates
    already) pass through."""
    if not _is_text(s):
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return s, np.zeros(0, dtype=np.int64)
        if s.dtype == object:  # dates from a reader as Python objects
            return pd.to_datetime(s, errors="coerce"), np.zeros(0, dtype=np.int64)
        return s, np.zeros(0, dtype=np.int64)
    # parse each distinct text once (a date column has a few thousand, a month column a few dozen)
    codes_, uniques = pd.factorize(s, use_na_sentinel=True)
    text = pd.Series(uniques, dtype="string")
    matches = text.str.fullmatch(format_pattern(fmt).pattern).fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.where(matches), format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
    ok = matches & ~np.isnat(parsed)
    values = np.append(parsed, np.datetime64("NaT", "ns"))  # code -1 (missing) takes the last slot
    bad = np.flatnonzero((codes_ >= 0) & ~np.append(ok, True)[codes_])
    return pd.Series(values[codes_], index=s.index, name=s.name), bad


def parse_numbers(s: pd.Series, decimal: str) -> tuple[pd.Series, np.ndarray]:
    """Text → float with the declared decimal mark; and positions of values that are not
    numbers written that way (with decimal ',' a '.' is an error, not a guess)."""
    if not _is_text(s):
        return pd.to_numeric(s, errors="coerce").astype("float64"), np.zeros(0, dtype=np.int64)
    text = s.astype("string")
    present = text.notna().to_numpy()
    wrong_mark = np.zeros(len(s), dtype=bool)
    if decimal == ",":
        wrong_mark = text.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
        text = text.str.replace(",", ".", regex=False)
    num = pd.to_numeric(text.where(~wrong_mark), errors="coerce")
    bad = present & (wrong_mark | num.isna().to_numpy())
    return num.astype("float64"), np.flatnonzero(bad)


def parse_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text/number → nullable boolean; and the positions of unreadable values."""
    if s.dtype == bool or isinstance(s.dtype, pd.BooleanDtype):
        return s.astype("boolean"), np.zeros(0, dtype=np.int64)
    codes_, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    bad_code = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only
        if isinstance(u, (bool, np.bool_)):
            values[i] = bool(u)
            continue
        key = code_key(u).lower()
        if key in TRUE_TOKENS:
            values[i] = True
        elif key in FALSE_TOKENS:
            values[i] = False
        else:
            values[i] = True  # placeholder; the row is reported
            bad_code[i] = True
    values[-1] = pd.NA
    out = pd.Series(pd.array(values[codes_], dtype="boolean"), index=s.index, name=s.name)
    return out, np.flatnonzero(bad_code[codes_])


def recode(s: pd.Series, table: dict) -> pd.Series:
    """Replace source codes by contract codes (many-to-one allowed); codes not in ``table``
    stay as they are, so the contract's code check reports them."""
    codes_, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return s
    new = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):  # loop over distinct codes, not rows
        new[i] = table.get(code_key(u), u)
    new[-1] = None  # missing stays missing (code -1 picks the last slot)
    return pd.Series(new[codes_], index=s.index, name=s.name, dtype=object)


# --------------------------------------------------------------------------- rules

class _Builder:
    def __init__(self, raw: RawTable, tm: TableMapping, mapping: Mapping, done: dict[str, pd.DataFrame],
                 labels: dict[str, str] | None = None):
        self.raw, self.tm, self.mapping, self.done = raw, tm, mapping, done
        self.labels = labels or {}
        self.name = raw.name
        self.spec = TABLES[raw.name].schema.columns
        self.out: dict[str, pd.Series] = {}
        self.names: dict[str, str] = {}
        self.renames: dict[str, str] = {}
        self.failures: list[dict] = []
        self.summary: list[dict] = []

    def rule(self, col: str) -> ColumnRule | None:
        r = self.tm.columns.get(col)
        if r is None and col in self.raw.frame.columns:
            return ColumnRule("source", source=col)
        return r

    def missing_source(self, col: str, src: str, line: int) -> MappingError:
        """The mapping names a source column the file lacks: a `MappingError` naming the
        data file, the column and the mapping file's line."""
        where = f"{self.mapping.path} line {line}" if line else str(self.mapping.path)
        return MappingError(self.mapping.path, line, "", "mapping_column_exists",
                            f"the mapping ({where}) fills '{col}' from '{src}', which is not in the "
                            f"file; the columns there are {list(self.raw.frame.columns)}",
                            column=col, data_file=self.raw.label, source_column=src,
                            n_rows=len(self.raw.frame))

    def date_format(self, col: str, rule: ColumnRule) -> str:
        if rule.format:
            return rule.format
        return self.mapping.column_format(self.name, col)

    def source(self, col: str, rule: ColumnRule) -> pd.Series:
        df = self.raw.frame
        if rule.source not in df.columns:
            raise self.missing_source(col, rule.source, rule.line)
        s = df[rule.source]
        kind = str(self.spec[col].dtype)
        if rule.codes:
            s = recode(s, rule.codes)
        if rule.bands:
            dates, bad = parse_dates(s, rule.format or self.mapping.date_format)
            if len(bad):
                self.failures.append(failure(col, "date_format", bad, f"expected dates as "
                                             f"{rule.format or self.mapping.date_format} for the bands"))
            starts = np.array([d.to_datetime64() for d, _ in rule.bands], dtype="datetime64[ns]")
            values = np.array([v for _, v in rule.bands] + [None], dtype=object)
            pos = np.searchsorted(starts, dates.to_numpy(dtype="datetime64[ns]"), side="right") - 1
            pos = np.where(dates.isna().to_numpy() | (pos < 0), len(starts), pos)
            before = np.flatnonzero(dates.notna().to_numpy() & (values[pos] == None))  # noqa: E711
            if len(before):
                self.failures.append(failure(col, "bands", before, f"date before the first band "
                                             f"({rule.bands[0][0].date()})"))
            s = pd.Series(values[pos], index=df.index)
        if rule.scale is not None:
            num, bad = parse_numbers(s, self.raw.decimal if self.raw.text else ".")
            if len(bad):
                self.failures.append(failure(col, f"dtype('{kind}')", bad, "a number is expected"))
            s = (num * rule.scale).round(SCALE_DECIMALS)
        if kind.startswith("datetime") and self.raw.text or (kind.startswith("datetime") and _is_text(s)):
            fmt = self.date_format(col, rule)
            s, bad = parse_dates(s, fmt)
            if len(bad):
                self.failures.append(failure(col, "date_format", bad, f"expected the form {fmt} "
                                             f"(declared in the mapping; ISO {ISO_DATE} by default)"))
        return s

    def flags(self, col: str, rule: ColumnRule) -> pd.Series:
        df = self.raw.frame
        n = len(df)
        chosen = np.full(n, None, dtype=object)
        count = np.zeros(n, dtype=np.int64)
        known = np.zeros(n, dtype=bool)
        for src, code in rule.flags:  # a few flag columns, not rows
            if src not in df.columns:
                raise self.missing_source(col, src, rule.line)
            b, bad = parse_bool(df[src])
            if len(bad):
                self.failures.append(failure(col, "dtype('bool')", bad, f"flag {src}: yes/no expected "
                                             "(ja, nej, yes, no, true, false, 1, 0)", source_column=src))
            yes = b.fillna(False).to_numpy(dtype=bool)
            known |= b.notna().to_numpy()
            chosen = np.where(yes & (count == 0), code, chosen)
            count += yes
        several = np.flatnonzero(count > 1)
        if len(several):
            self.failures.append(failure(col, "flags_exclusive", several, "more than one of "
                                         f"{', '.join(s for s, _ in rule.flags)} is yes"))
        chosen = np.where(known & (count == 0), rule.otherwise, chosen)
        return pd.Series(chosen, index=df.index, dtype=object)

    def lookup(self, col: str, rule: ColumnRule) -> pd.Series:
        other = self.done[rule.lookup_table]
        keys = self.out.get(rule.lookup_by)
        if keys is None:
            raise DataError(self.raw.label, col, "mapping_column_exists", len(self.raw.frame),
                            detail=f"the lookup of '{col}' goes by '{rule.lookup_by}', which this table lacks")
        target = other[rule.lookup_by]
        if pd.api.types.is_integer_dtype(target.dtype):
            keys = pd.to_numeric(keys, errors="coerce")
        else:
            keys = keys.astype("string").str.strip()
        pos = pd.Index(target.to_numpy()).get_indexer(keys.to_numpy())
        values = other[rule.lookup_column].to_numpy(dtype=object)
        looked = values[np.maximum(pos, 0)] if len(values) else np.full(len(pos), None, dtype=object)
        looked = np.where(pos >= 0, looked, None)
        # a key with no match: reported on the key column (the value the extract got wrong),
        # blank keys are left to the contract's not_nullable
        missing = np.flatnonzero((pos < 0) & keys.notna().to_numpy())
        if len(missing):
            where = self.labels.get(rule.lookup_table, rule.lookup_table)
            f = failure(rule.lookup_by, "lookup_found", missing,
                        f"no row of {rule.lookup_table} ({where}) with this "
                        f"{self.names.get(rule.lookup_by, rule.lookup_by)}, so {col} cannot be looked up "
                        f"(mapping line {rule.line})")
            f["covers"] = [col]  # the empty looked-up value is not a second error
            self.failures.append(f)
        return pd.Series(looked, index=self.raw.frame.index, dtype=object)

    def build(self) -> pd.DataFrame:
        df = self.raw.frame
        n = len(df)
        later: list[tuple[str, ColumnRule]] = []
        for col in self.spec:
            rule = self.rule(col)
            if rule is None:
                continue
            if rule.kind == "source":
                self.out[col] = self.source(col, rule)
                self.names[col] = rule.source
                if rule.source != col:
                    self.renames[col] = rule.source
            elif rule.kind == "constant":
                self.out[col] = pd.Series([rule.constant] * n, index=df.index, dtype=object)
                self.names[col] = f"constant {rule.constant!r}"
            elif rule.kind == "row_number":
                self.out[col] = pd.Series(np.asarray(df.index, dtype=np.int64) + 1, index=df.index)
                self.names[col] = "row number"
            elif rule.kind == "flags":
                self.out[col] = self.flags(col, rule)
                self.names[col] = ",".join(s for s, _ in rule.flags)
            else:
                later.append((col, rule))
        while later:  # lookups, then copies (a copy may be of a looked-up column)
            progressed = False
            for col, rule in list(later):
                if rule.kind == "lookup" and rule.lookup_by in self.out:
                    self.out[col] = self.lookup(col, rule)
                    self.names[col] = f"{rule.lookup_column} looked up in {rule.lookup_table} by " \
                                      f"{self.names.get(rule.lookup_by, rule.lookup_by)}"
                elif rule.kind == "same_as" and rule.same_as in self.out:
                    self.out[col] = self.out[rule.same_as]
                    self.names[col] = f"same as {self.names.get(rule.same_as, rule.same_as)}"
                else:
                    continue
                later.remove((col, rule))
                progressed = True
            if not progressed:  # the target is not in the file: the contract reports it missing
                break
        for col, rule in self.tm.columns.items():  # a copy is empty where its original failed
            if rule.kind == "same_as":
                for f in self.failures:
                    if f["column"] == rule.same_as or rule.same_as in f.get("covers", ()):
                        f.setdefault("covers", []).append(col)
        for col, rule in self.tm.columns.items():
            if rule.kind != "source" or rule.scale is not None or rule.bands or rule.format or rule.codes:
                filled = self.out.get(col)
                self.summary.append({"table": self.name, "column": col, "filled_by": rule.describe(),
                                     "rows": 0 if filled is None else int(filled.notna().sum())})
        used = {s for r in self.tm.columns.values() for s in r.sources()} | \
            {c for c in df.columns if c in self.spec and c not in self.tm.columns}
        extra = [c for c in df.columns if c not in used]
        if extra:
            self.raw.notes.append({"table": self.name, "file": self.raw.label, "rows": 0,
                                   "note": f"extra columns ignored: {', '.join(map(str, extra))}"})
        return pd.DataFrame(self.out, index=df.index, copy=False)  # the columns are new or unshared


def build_table(raw: RawTable, tm: TableMapping | None, mapping: Mapping | None,
                done: dict[str, pd.DataFrame], validate: bool = True, labels: dict[str, str] | None = None
                ) -> tuple[pd.DataFrame, TableSource, list[dict], list[dict]]:
    """The contract columns of one table (not yet coerced), how to name them in messages,
    the summary rows of what the mapping filled, and failures found while parsing.

    ``done``: the tables built so far (lookups read them); ``labels``: their files, for
    messages. Without a mapping for the table the frame is taken as it is (contract names)."""
    if tm is None:
        src = TableSource(raw.label, lines=raw.lines, where=raw.where)
        return raw.frame, src, [], []
    b = _Builder(raw, tm, mapping, done, labels)
    frame = b.build()
    src = TableSource(raw.label, b.names, b.renames, raw.lines, raw.where)
    return frame, src, b.summary, b.failures


def derive_table(name: str, tm: TableMapping, done: dict[str, pd.DataFrame]
                 ) -> tuple[pd.DataFrame, TableSource, list[dict]]:
    """A table the extract lacks, derived where the contract allows it.

    ``providers: {derive: from_contracts}``: one row per provider id in the contracts;
    the name is unknown and set to the id."""
    if tm.derive != "from_contracts":  # pragma: no cover - read_mapping allows no other
        raise ValueError(tm.derive)
    ids = np.sort(done["contracts"]["provider_id"].dropna().unique().astype(str), kind="stable")  # unique
    df = pd.DataFrame({"provider_id": ids, "provider_name": ids})
    summary = [{"table": name, "column": "provider_id", "filled_by": "derived: provider ids of contracts",
                "rows": len(df)},
               {"table": name, "column": "provider_name", "filled_by": "derived: same as provider_id "
                "(no names in the extract)", "rows": len(df)}]
    return df, TableSource(f"{name} (derived from contracts)"), summary
