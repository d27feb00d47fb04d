"""Reading a mapping file: YAML that remembers each key's line, and the checks of every
entry against the data contract (`read_mapping`). The data model it builds is in
`romlab.dataset.mapping`; a mistake is one `MappingError` line naming the file's line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from romlab.dataset.contract import TABLES
from romlab.dataset.mapping import (DERIVABLE, MODIFIERS, RESUBMISSION_RULES, RULES, ColumnRule, CsvOptions, Mapping,
                                 MappingError, TableMapping, code_key, format_pattern)

_TABLE_KEYS = {"file", "columns", "codes", "csv", "sheet", "value_labels", "resubmission", "derive"}
_TOP_KEYS = {"version", "description", "tables", "csv", "date_format", "month_format"}
_CSV_KEYS = {"separator", "decimal", "encoding"}


# --------------------------------------------------------------------------- YAML with lines

class _Lined(dict):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    lines: dict


def _yaml_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, node, deep=False):
        out = _Lined()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key that is not text", key_node.start_mark) from None
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = key_node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    return Loader


def _line(node: Any, key: Any = None) -> int:
    if isinstance(node, _Lined):
        return node.lines.get(key, node.line) if key is not None else node.line
    return 0


# --------------------------------------------------------------------------- parsing

class _Parser:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, line: int, where: str, detail: str, rule: str = "mapping_format", column: str = ""
             ) -> MappingError:
        return MappingError(self.path, line, where, rule, detail, column)

    def csv(self, node: Any, line: int, where: str) -> CsvOptions:
        if node is None:
            return CsvOptions()
        if not isinstance(node, dict):
            raise self.fail(line, where, "must be a mapping with separator, decimal, encoding")
        extra = sorted(set(node) - _CSV_KEYS)
        if extra:
            raise self.fail(_line(node, extra[0]), where, f"unknown key {extra[0]!r}; allowed: "
                            f"{sorted(_CSV_KEYS)}", "mapping_key_known")
        sep, dec, enc = node.get("separator"), node.get("decimal"), node.get("encoding")
        if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
            raise self.fail(_line(node, "separator"), where, f"separator must be one character, not {sep!r}")
        if dec is not None and dec not in (".", ","):
            raise self.fail(_line(node, "decimal"), where, f"decimal must be '.' or ',', not {dec!r}")
        if enc is not None:
            import codecs
            try:
                codecs.lookup(str(enc))
            except LookupError:
                raise self.fail(_line(node, "encoding"), where, f"unknown encoding {enc!r}") from None
        return CsvOptions(sep, dec, None if enc is None else str(enc))

    def date_format(self, fmt: Any, line: int, where: str) -> str:
        if not isinstance(fmt, str) or not fmt:
            raise self.fail(line, where, f"a date format is text such as '%Y-%m-%d', not {fmt!r}",
                            "mapping_date_format")
        try:
            format_pattern(fmt)
        except ValueError as e:
            raise self.fail(line, where, str(e), "mapping_date_format") from None
        return fmt

    def rule(self, table: str, column: str, node: Any, line: int) -> ColumnRule:
        """The rule of one contract column: a source column's name, or a mapping with
        exactly one of `RULES` (and, with ``source``, its modifiers)."""
        where = f"tables.{table}.columns.{column}"
        if isinstance(node, (str, int)) and not isinstance(node, bool):
            return ColumnRule("source", source=str(node), line=line)
        if not isinstance(node, dict):
            raise self.fail(line, where, "give a source column name or one rule "
                            f"({', '.join(RULES)}), not {node!r}", "mapping_rule_known")
        unknown = [k for k in node if k not in RULES and k not in MODIFIERS and k != "otherwise"]
        if unknown:
            raise self.fail(_line(node, unknown[0]), where, f"unknown rule {unknown[0]!r}; the rules are "
                            f"{', '.join(RULES)} (with source: {', '.join(MODIFIERS)})", "mapping_rule_known")
        kinds = [k for k in node if k in RULES]
        if len(kinds) != 1:
            raise self.fail(_line(node), where, f"exactly one of {', '.join(RULES)} is needed, found "
                            f"{kinds or 'none'}", "mapping_rule_known")
        kind = kinds[0]
        mods = [k for k in node if k in MODIFIERS]
        if kind != "source" and mods:
            raise self.fail(_line(node, mods[0]), where, f"{mods[0]!r} goes only with 'source'",
                            "mapping_rule_known")
        if "otherwise" in node and kind != "flags":
            raise self.fail(_line(node, "otherwise"), where, "'otherwise' goes only with 'flags'",
                            "mapping_rule_known")
        ln = _line(node, kind)
        value = node[kind]
        if kind == "source":
            return self._source_rule(table, column, node, value, ln, where)
        if kind == "constant":
            if isinstance(value, (dict, list)):
                raise self.fail(ln, where, "a constant is one value")
            return ColumnRule("constant", constant=value, line=ln)
        if kind == "same_as":
            if value not in TABLES[table].schema.columns or value == column:
                raise self.fail(ln, where, f"same_as names another column of contract table {table}; "
                                f"{value!r} is not one (columns: {list(TABLES[table].schema.columns)})",
                                "mapping_column_in_contract")
            return ColumnRule("same_as", same_as=str(value), line=ln)
        if kind == "row_number":
            col_spec = TABLES[table].schema.columns[column]
            if value is not True:
                raise self.fail(ln, where, "write row_number: true")
            if not str(col_spec.dtype).lower().startswith("int"):
                raise self.fail(ln, where, f"row_number makes integer keys; {column} is {col_spec.dtype}")
            return ColumnRule("row_number", line=ln)
        if kind == "lookup":
            return self._lookup_rule(table, column, value, ln, where)
        # flags
        if not isinstance(value, dict) or not value:
            raise self.fail(ln, where, "flags map yes/no source columns to codes, e.g. {JOB: jog, UGA: uga}")
        return ColumnRule("flags", flags=tuple((str(k), v) for k, v in value.items()),
                          otherwise=node.get("otherwise"), line=ln)

    def _source_rule(self, table: str, column: str, node: dict, value: Any, ln: int, where: str) -> ColumnRule:
        """``source`` with its modifiers (scale, format, codes, bands), each checked
        against the contract column's type."""
        col_spec = TABLES[table].schema.columns[column]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise self.fail(ln, where, f"source must be a column name, not {value!r}")
        scale = node.get("scale")
        if scale is not None:
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale == 0:
                raise self.fail(_line(node, "scale"), where, f"scale must be a non-zero number, not {scale!r}")
            if str(col_spec.dtype) not in ("float64", "int64", "Int64"):
                raise self.fail(_line(node, "scale"), where, f"scale applies to numbers; {column} is "
                                f"{col_spec.dtype}")
        fmt = node.get("format")
        if fmt is not None:
            if not str(col_spec.dtype).startswith("datetime"):
                raise self.fail(_line(node, "format"), where, f"format applies to dates and months; "
                                f"{column} is {col_spec.dtype}", "mapping_date_format")
            fmt = self.date_format(fmt, _line(node, "format"), where)
        codes = node.get("codes")
        if codes is not None and not isinstance(codes, dict):
            raise self.fail(_line(node, "codes"), where, "codes must map source codes to contract codes")
        bands = ()
        if node.get("bands") is not None:
            b = node["bands"]
            if not isinstance(b, dict) or not b:
                raise self.fail(_line(node, "bands"), where, "bands map a first date to a value, e.g. "
                                "{'2020-03-31': 1, '2023-04-17': 2}")
            try:
                parsed = sorted(((pd.Timestamp(str(k)), v) for k, v in b.items()), key=lambda kv: kv[0])
            except (ValueError, TypeError) as e:
                raise self.fail(_line(node, "bands"), where, f"a band's first date is not a date: {e}") from None
            bands = tuple(parsed)
        return ColumnRule("source", source=str(value), scale=None if scale is None else float(scale),
                          format=fmt, codes=None if codes is None else {code_key(k): v for k, v in codes.items()},
                          bands=bands, line=ln)

    def _lookup_rule(self, table: str, column: str, value: Any, ln: int, where: str) -> ColumnRule:
        """``lookup: {table, by, column}``: by the other contract table's key."""
        if not isinstance(value, dict) or "table" not in value or "by" not in value:
            raise self.fail(ln, where, "lookup needs {table: <contract table>, by: <key column>} "
                            "(and optionally column:)")
        other, by = value.get("table"), value.get("by")
        col = value.get("column", column)
        if other not in TABLES or other == table:
            raise self.fail(_line(value, "table"), where, f"lookup table must be another contract table, "
                            f"not {other!r}", "mapping_table_known")
        if tuple(TABLES[other].key) != (by,):
            raise self.fail(_line(value, "by"), where, f"lookup goes by the key of {other} "
                            f"({', '.join(TABLES[other].key)}), not {by!r}", "mapping_column_in_contract")
        if by not in TABLES[table].schema.columns:
            raise self.fail(_line(value, "by"), where, f"{by!r} is no column of {table}",
                            "mapping_column_in_contract")
        if col not in TABLES[other].schema.columns:
            raise self.fail(_line(value, "column"), where, f"{col!r} is no column of {other}",
                            "mapping_column_in_contract")
        extra = sorted(set(value) - {"table", "by", "column"})
        if extra:
            raise self.fail(_line(value, extra[0]), where, f"unknown key {extra[0]!r} in lookup",
                            "mapping_key_known")
        return ColumnRule("lookup", lookup_table=other, lookup_by=by, lookup_column=col, line=ln)

    def table(self, name: str, entry: Any, line: int, version: int) -> TableMapping:
        """One table's entry: file, columns and codes, CSV options, sheet, value labels,
        resubmission and derivation, each checked."""
        where = f"tables.{name}"
        if entry is None:
            entry = _Lined()
        if not isinstance(entry, dict):
            raise self.fail(line, where, "must be a mapping (file, columns, codes, …)")
        extra = sorted(set(entry) - _TABLE_KEYS)
        if extra:
            raise self.fail(_line(entry, extra[0]), where, f"unknown key {extra[0]!r}; allowed: "
                            f"{sorted(_TABLE_KEYS)}", "mapping_key_known")
        contract_cols = list(TABLES[name].schema.columns)
        columns_node = entry.get("columns") or {}
        codes_node = entry.get("codes") or {}
        if not isinstance(columns_node, dict) or not isinstance(codes_node, dict):
            raise self.fail(_line(entry, "columns"), where, "columns and codes must be mappings")
        rules: dict[str, ColumnRule] = {}
        for col, node in columns_node.items():
            ln = _line(columns_node, col)
            if col not in contract_cols:
                raise self.fail(ln, f"{where}.columns", f"{col!r} is no column of the contract table; "
                                f"its columns are {contract_cols}", "mapping_column_in_contract", str(col))
            rules[str(col)] = self.rule(name, str(col), node, ln)
        self._add_codes(rules, codes_node, contract_cols, where)
        self._check_same_as(rules, where)
        resub = entry.get("resubmission")
        if resub is not None and (name != "periodic_reports" or resub not in RESUBMISSION_RULES):
            raise self.fail(_line(entry, "resubmission"), where, "resubmission applies to periodic_reports "
                            f"and may be {list(RESUBMISSION_RULES)}", "mapping_rule_known")
        derive = entry.get("derive")
        if derive is not None and derive not in DERIVABLE.get(name, ()):
            raise self.fail(_line(entry, "derive"), where, f"{name} cannot be derived by {derive!r}; derivable: "
                            f"{DERIVABLE}", "mapping_rule_known")
        file = entry.get("file")
        if derive is not None and file is not None:
            raise self.fail(_line(entry, "file"), where, "a derived table has no file", "mapping_rule_known")
        value_labels = entry.get("value_labels", False)
        if not isinstance(value_labels, bool):
            raise self.fail(_line(entry, "value_labels"), where, "value_labels is true or false")
        return TableMapping(
            file=None if file is None else str(file), columns=rules,
            csv=self.csv(entry.get("csv"), _line(entry, "csv"), f"{where}.csv"),
            sheet=entry.get("sheet"), value_labels=value_labels, resubmission=resub, derive=derive,
            line=line)

    def _add_codes(self, rules: dict[str, ColumnRule], codes_node: dict, contract_cols: list[str], where: str) -> None:
        """A version 1 ``codes:`` section merged into the columns' source rules (in place)."""
        for col, table_codes in codes_node.items():
            ln = _line(codes_node, col)
            if col not in contract_cols:
                raise self.fail(ln, f"{where}.codes", f"{col!r} is no column of the contract table; its "
                                f"columns are {contract_cols}", "mapping_column_in_contract", str(col))
            if not isinstance(table_codes, dict):
                raise self.fail(ln, f"{where}.codes.{col}", "must map source codes to contract codes")
            rule = rules.get(col) or ColumnRule("source", source=col, line=ln)
            if rule.kind != "source":
                raise self.fail(ln, f"{where}.codes.{col}", f"codes go with a source column; {col} is "
                                f"filled by {rule.kind}", "mapping_rule_known")
            merged = {**(rule.codes or {}), **{code_key(k): v for k, v in table_codes.items()}}
            rules[str(col)] = ColumnRule(**{**rule.__dict__, "codes": merged})

    def _check_same_as(self, rules: dict[str, ColumnRule], where: str) -> None:
        """A same_as must end at a column that is filled, not go round in a circle."""
        for col, rule in rules.items():
            seen, cur = {col}, rule
            while cur.kind == "same_as":
                if cur.same_as in seen:
                    raise self.fail(rule.line, f"{where}.columns.{col}", "same_as goes round in a circle",
                                    "mapping_rule_known")
                seen.add(cur.same_as)
                cur = rules.get(cur.same_as) or ColumnRule("source", source=cur.same_as)


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (docs/mapping.md); a mistake raises `MappingError`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise MappingError(path, 0, "", "file_exists", "mapping file not found")
    raw = path.read_bytes()
    p = _Parser(path)
    try:
        doc = yaml.load(raw.decode("utf-8-sig"), Loader=_yaml_loader()) or _Lined()
    except UnicodeDecodeError as e:
        raise p.fail(0, "", f"the mapping file is not UTF-8 ({e.reason})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        what = " ".join(str(getattr(e, "problem", "") or e).split())
        raise p.fail(line, "", f"not valid YAML: {what}") from None
    if not isinstance(doc, dict):
        raise p.fail(1, "", "expected a top-level 'tables:' with one entry per table")
    extra = sorted(set(doc) - _TOP_KEYS, key=str)
    if extra:
        raise p.fail(_line(doc, extra[0]), "", f"unknown top-level key {extra[0]!r}; allowed: {sorted(_TOP_KEYS)}",
                     "mapping_key_known")
    version = doc.get("version", 1)
    if version not in (1, 2):
        raise p.fail(_line(doc, "version"), "version", f"must be 1 or 2, not {version!r}")
    tables_node = doc.get("tables") or _Lined()
    if not isinstance(tables_node, dict):
        raise p.fail(_line(doc, "tables"), "tables", "must have one entry per contract table")
    m = Mapping(path=path, version=int(version), sha256=hashlib.sha256(raw).hexdigest(),
                csv=p.csv(doc.get("csv"), _line(doc, "csv"), "csv"))
    if "date_format" in doc:
        m.date_format = p.date_format(doc["date_format"], _line(doc, "date_format"), "date_format")
    if "month_format" in doc:
        m.month_format = p.date_format(doc["month_format"], _line(doc, "month_format"), "month_format")
    for table, entry in tables_node.items():
        ln = _line(tables_node, table)
        if table not in TABLES:
            raise p.fail(ln, "tables", f"unknown table {table!r}; the tables are {list(TABLES)}",
                         "mapping_table_known")
        m.tables[table] = p.table(table, entry, ln, m.version)
    for table, tm in m.tables.items():  # lookups need the other table to be mapped or read
        for col, rule in tm.columns.items():
            if rule.kind == "lookup" and rule.lookup_table in m.tables and m.tables[rule.lookup_table].derive:
                raise p.fail(rule.line, f"tables.{table}.columns.{col}", "cannot look up in a derived table",
                             "mapping_rule_known")
    return m
