"""File drops: CSV, XLSX and JSON-lines exports dropped into a folder (POS systems, event sign-in tools,
Taobao/JD order exports). Each declared stream reads the files matching its pattern, once each.

    - name: shops
      type: files
      base_url: file:///srv/drops
      start_date: 2025-01-01
      options:
        streams:
          pos_orders:
            pattern: "pos_*.csv"           # glob of file names in the folder
            format: csv                    # csv | xlsx | jsonl (default: from the pattern's extension)
            encoding: auto                 # auto | utf-8 | utf-8-sig | gbk | gb18030 | big5 | utf-16 | latin-1
            primary_key: order_no
            columns:                       # landed name: the header (CSV, XLSX) or key path (JSONL) ...
              order_no: 订单编号
              paid_at: {header: 付款时间, type: datetime}   # ... or with a type to check: str (default), int,
              amount: {header: 实付金额, type: decimal}     #     decimal, datetime, date
              phone: 手机号

Design: the type's `streams` are templates, one per format (`csv`, `xlsx`, `jsonl`), each with the `read_files`
hook; a source's real streams are built from its options (`streams_from_options`): the template of the stream's
format, named after the stream, its path the pattern, its primary key the declared one. Config validation and
the runner ask the type for `streams_for(options)`, so `streams: [pos_orders]` is checked like any stream name,
and each stream lands in `raw.files__<stream>`.

What a file becomes: one record per row with the declared names only (other columns, such as addresses, are
not landed), values as the file holds them (CSV: text; XLSX: numbers, and dates as ISO text; JSONL: JSON values),
plus `_file` (the name) and `_line` (the row's first line; the header is line 1). A row that cannot be read (a
field more or missing, bytes that are not text in the encoding, no primary key, a value that fails its type, a
line that is not JSON) lands as `{"_quarantine_reason": "<file>:<line>: <what>", "_file", "_line", "_raw"}`, which
the loader puts in `raw._quarantine` with that reason. Encodings (`auto`): a BOM decides (UTF-8, UTF-16); else
UTF-8 if the file is UTF-8 (or most of its non-ASCII lines are); else GB18030, the superset of GBK that Excel
on Chinese Windows writes. A declared encoding wins (`gbk` is read as GB18030).

Each file is read once: the stream's cursor is `{"files": {name: {"size", "sha256"}}}`, and a file whose name,
size and content hash are already there is skipped, so a re-dropped identical file adds nothing while a changed
one is read again (rows that did not change are identical records, which the loader does not store twice).
Dotfiles and partial downloads (`~$*`, `*.tmp`, `*.part`, `*.crdownload`) are skipped, and files younger than
`min_age_seconds` (default 0) wait for the next run, for writers that do not rename a finished file into place.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from requests.structures import CaseInsensitiveDict

from ingestion.runtime.auth import Auth
from ingestion.runtime.errors import SourceRequestError
from ingestion.runtime.http import Page
from ingestion.runtime.paginate import dig
from ingestion.runtime.spec import SourceType, Stream
from pulse.schema import ConfigError, DictOf, Field, Map, Num, Spec, Str

FORMATS = ("csv", "xlsx", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "big5", "utf-16", "latin-1")
TYPES = ("str", "int", "decimal", "datetime", "date")
SKIP = re.compile(r"^(\.|~\$)|\.(tmp|part|partial|crdownload|swp)$", re.I)
STREAM_NAME = r"[a-z][a-z0-9_]{0,39}"
# What a stream's records are, for the dbt staging models that read every stream of a kind
# (`stg_files__<kind>`): the landed column names each kind needs. A stream without a kind is landed only.
KINDS = {
    "member_bindings": (
        "member_no",
    ),  # plus any of phone, email, unionid, forum_user_id, discord_user_id, ...
    "pos_orders": ("order_no", "paid_at", "amount"),
    "event_checkins": ("checkin_id", "checked_in_at"),
    "campaigns": ("campaign_id", "start_at", "end_at"),  # plus cost, coupon_code, utm_campaign, ...
    "campaign_audience": ("campaign_id", "member_no", "group"),  # group: treatment | holdout
}

_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[¥￥$€£]?\s*[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_DATE = re.compile(r"^\d{4}([-/.])\d{1,2}\1\d{1,2}$|^\d{4}年\d{1,2}月\d{1,2}日$")
_DATETIME = re.compile(
    r"^\d{4}([-/.])\d{1,2}\1\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I
)


class BadRow(Exception):
    """A row that cannot become a record; the message says what is wrong."""


# ------------------------------------------------------------------------------------------------ options


@dataclasses.dataclass
class _Column(Spec):
    """A column mapping: the header text, or {header, type}."""

    def clean(self, value, path, env):
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return {"header": str(value), "type": "str"}
        if isinstance(value, dict):
            spec = Map(
                {
                    "header": Field(Str(env_ok=False), required=True),
                    "type": Field(Str(choices=TYPES), default="str"),
                }
            )
            return spec.clean(value, path, env)
        raise ConfigError(path, "expected a header (text) or {header: ..., type: ...}")


def _check_stream(s: dict, path: str) -> None:
    if s["format"] is None:
        ext = Path(s["pattern"]).suffix.lower()
        if ext not in EXTENSIONS:
            raise ConfigError(f"{path}.format", f"cannot tell from {s['pattern']!r}; say csv, xlsx or jsonl")
        s["format"] = EXTENSIONS[ext]
    if "/" in s["pattern"] or ".." in s["pattern"]:
        raise ConfigError(f"{path}.pattern", "a file name pattern inside the folder, like pos_*.csv")
    if not s["columns"]:
        raise ConfigError(f"{path}.columns", "map at least the primary key's column")
    if s["primary_key"] not in s["columns"]:
        raise ConfigError(
            f"{path}.primary_key",
            f"{s['primary_key']!r} is not one of the columns ({', '.join(s['columns'])})",
        )
    for name in s["columns"]:
        if name.startswith("_") or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ConfigError(
                f"{path}.columns.{name}", "use letters, digits and _ (the names starting _ are ours)"
            )
    if len(s["delimiter"]) != 1:
        raise ConfigError(f"{path}.delimiter", "one character, like , or ; or a tab")
    missing = [c for c in KINDS.get(s["kind"], ()) if c not in s["columns"]]
    if missing:
        raise ConfigError(
            f"{path}.columns", f"a {s['kind']} stream maps {', '.join(missing)} (landed names staging reads)"
        )


STREAM_OPTIONS = Map(
    {
        "pattern": Field(
            Str(env_ok=False), required=True, doc="glob of file names in the folder, e.g. pos_*.csv"
        ),
        "format": Field(
            Str(choices=FORMATS), doc="csv, xlsx or jsonl; default: from the pattern's extension"
        ),
        "encoding": Field(
            Str(choices=ENCODINGS), default="auto", doc="text files; auto detects BOM/UTF-8/GBK"
        ),
        "delimiter": Field(Str(env_ok=False), default=",", doc="CSV field separator"),
        "sheet": Field(Str(env_ok=False), doc="XLSX sheet name; default: the first"),
        "primary_key": Field(Str(pattern=r"[A-Za-z][A-Za-z0-9_]*", hint="a column name"), required=True),
        "columns": Field(DictOf(_Column()), required=True, doc="landed name -> header (or JSON key path)"),
        "kind": Field(
            Str(choices=tuple(KINDS)), doc="what the records are, for staging: " + ", ".join(KINDS)
        ),
    },
    check=_check_stream,
)


def _check_options(o: dict, path: str) -> None:
    if not o["streams"]:
        raise ConfigError(
            f"{path}.streams", "declare at least one stream (name: {pattern, primary_key, columns})"
        )
    for name in o["streams"]:
        if not re.fullmatch(STREAM_NAME, name):
            raise ConfigError(
                f"{path}.streams.{name}", "use lowercase letters, digits and _ (it names a raw table)"
            )


OPTIONS = Map(
    {
        "streams": Field(DictOf(STREAM_OPTIONS), required=True, doc="stream name -> its files and columns"),
        "min_age_seconds": Field(
            Num(lo=0), default=0.0, doc="leave files younger than this for the next run"
        ),
    },
    check=_check_options,
)


# ------------------------------------------------------------------------------------------------ values


def check_value(value: Any, kind: str) -> str | None:
    """None if `value` is a valid `kind`, else what is wrong. Empty values are valid (they are just missing)."""
    if value is None or value == "" or kind == "str":
        return None
    if isinstance(value, bool):
        return f"{value!r} is not a {kind}"
    if kind == "int":
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return None
        ok = isinstance(value, str) and _INT.match(value.strip())
    elif kind == "decimal":
        if isinstance(value, (int, float)):
            return None
        ok = isinstance(value, str) and _DECIMAL.match(value.strip())
    elif kind == "datetime":
        ok = isinstance(value, str) and _DATETIME.match(value.strip())
    else:  # date
        ok = isinstance(value, str) and (_DATE.match(value.strip()) or _DATETIME.match(value.strip()))
    return None if ok else f"{value!r} is not a {kind}"


def _cell(value: Any) -> Any:
    """A spreadsheet cell as JSON: dates as ISO text, everything else as it is."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


class _Reader:
    """Turns rows (header -> value) of one file into records or quarantine records."""

    def __init__(self, name: str, spec: dict):
        self.name, self.spec = name, spec
        self.columns = spec["columns"]
        self.pk = spec["primary_key"]
        self.out: list[dict] = []

    def bad(self, line: int, problem: str, raw: str) -> None:
        self.out.append(
            {
                "_quarantine_reason": f"{self.name}:{line}: {problem}",
                "_file": self.name,
                "_line": line,
                "_raw": raw,
            }
        )

    def row(self, line: int, get, raw: str) -> None:
        """`get(header)` -> the row's value for a declared header (None if the row has none)."""
        record: dict[str, Any] = {}
        problems = []
        for col, c in self.columns.items():
            value = get(c["header"])
            problem = check_value(value, c["type"])
            if problem:
                problems.append(f"{col} ({c['header']}): {problem}")
            record[col] = value
        key = record.get(self.pk)
        if key is None or (isinstance(key, str) and not key.strip()):
            problems.insert(0, f"no {self.pk} ({self.columns[self.pk]['header']})")
        if problems:
            self.bad(line, "; ".join(problems), raw)
            return
        record["_file"] = self.name
        record["_line"] = line
        self.out.append(record)

    def missing_headers(self, have: list[str], line: int, raw: str) -> bool:
        """Quarantine the file's header (and so the file) if a declared header is not in it."""
        missing = [c["header"] for c in self.columns.values() if c["header"] not in have]
        if missing:
            self.bad(line, f"header lacks {', '.join(missing)} (has {', '.join(have)})", raw)
        return bool(missing)


# ------------------------------------------------------------------------------------------------ decoding


def _codec(encoding: str) -> str:
    return {"gbk": "gb18030", "gb2312": "gb18030", "utf-8": "utf-8-sig"}.get(encoding, encoding)


def detect_encoding(body: bytes, declared: str = "auto") -> str:
    """The codec to read a text file with: the declared one, else by BOM, else UTF-8 or GB18030."""
    if declared != "auto":
        return _codec(declared)
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    good = bad = 0
    for line in body.splitlines():
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return "utf-8" if good > bad else "gb18030"


def _lines(body: bytes, codec: str) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text or None if undecodable, raw text for the record) per physical line."""
    if codec == "utf-16":  # two bytes per character: decode whole, then split
        text = body.decode("utf-16", errors="replace")
        for i, line in enumerate(text.splitlines(keepends=True), start=1):
            yield i, line, line.rstrip("\r\n")
        return
    if codec == "utf-8-sig" and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    codec = "utf-8" if codec == "utf-8-sig" else codec
    for i, line in enumerate(body.splitlines(keepends=True), start=1):
        try:
            text = line.decode(codec)
        except UnicodeDecodeError:
            yield i, None, line.rstrip(b"\r\n").decode(codec, errors="backslashreplace")
            continue
        yield i, text, text.rstrip("\r\n")


# ------------------------------------------------------------------------------------------------ formats


def read_csv(body: bytes, name: str, spec: dict) -> list[dict]:
    reader = _Reader(name, spec)
    codec = detect_encoding(body, spec.get("encoding") or "auto")
    pending: list[tuple[int, str]] = []  # physical lines handed to the csv module for the current row
    header: list[str] | None = None

    def feed(lines: Iterator[tuple[int, str | None, str]]) -> Iterator[str]:
        for i, text, raw in lines:
            if text is None:
                reader.bad(i, f"bytes that are not {codec} text", raw)
                continue
            pending.append((i, raw))
            yield text

    source = feed(_lines(body, codec))
    rows = csv.reader(source, delimiter=spec.get("delimiter") or ",")
    while True:
        pending.clear()
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            line = pending[0][0] if pending else 0
            reader.bad(line, f"not CSV ({exc})", "\n".join(r for _, r in pending))
            rows = csv.reader(source, delimiter=spec.get("delimiter") or ",")
            continue
        if not pending or not any(cell.strip() for cell in row):
            continue  # blank line
        line, raw = pending[0][0], "\n".join(r for _, r in pending)
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in row]
            if reader.missing_headers(header, line, raw):
                return reader.out
            index = {h: k for k, h in enumerate(header)}
            continue
        if len(row) > len(header) and not any(c.strip() for c in row[len(header) :]):
            row = row[: len(header)]  # trailing empty cells (a spreadsheet's extra commas)
        if len(row) != len(header):
            reader.bad(line, f"has {len(row)} fields, the header has {len(header)}", raw)
            continue
        reader.row(line, lambda h, row=row, index=index: row[index[h]], raw)
    return reader.out


def read_jsonl(body: bytes, name: str, spec: dict) -> list[dict]:
    reader = _Reader(name, spec)
    codec = detect_encoding(body, spec.get("encoding") or "auto")
    for i, text, raw in _lines(body, codec):
        if text is None:
            reader.bad(i, f"bytes that are not {codec} text", raw)
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text.rstrip("\r\n"))
        except ValueError as exc:
            reader.bad(i, f"not JSON ({exc})", raw)
            continue
        if not isinstance(obj, dict):
            reader.bad(i, f"a JSON {type(obj).__name__}, not an object", raw)
            continue
        reader.row(i, lambda path, obj=obj: dig(obj, path), raw)
    return reader.out


def read_xlsx(body: bytes, name: str, spec: dict) -> list[dict]:
    from openpyxl import load_workbook

    reader = _Reader(name, spec)
    try:
        wb = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # not a zip, not a workbook: the file is one bad "row"
        reader.bad(1, f"not an xlsx workbook ({type(exc).__name__})", "")
        return reader.out
    try:
        sheet = spec.get("sheet")
        if sheet and sheet not in wb.sheetnames:
            reader.bad(1, f"no sheet {sheet!r} (has {', '.join(wb.sheetnames)})", "")
            return reader.out
        ws = wb[sheet] if sheet else wb.worksheets[0]
        header: list[str] | None = None
        for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            raw = json.dumps(cells, ensure_ascii=False, default=str)
            if header is None:
                header = ["" if c is None else str(c).strip() for c in cells]
                if reader.missing_headers([h for h in header if h], line, raw):
                    return reader.out
                index = {h: k for k, h in enumerate(header) if h}
                continue
            extra = cells[len(header) :]
            if any(c not in (None, "") for c in extra):
                reader.bad(line, f"has values beyond the header's {len(header)} columns", raw)
                continue
            reader.row(line, lambda h, c=cells, ix=index: c[ix[h]] if ix[h] < len(c) else None, raw)
    finally:
        wb.close()
    return reader.out


READERS = {"csv": read_csv, "jsonl": read_jsonl, "xlsx": read_xlsx}


def read_file(body: bytes, name: str, spec: dict) -> list[dict]:
    """One file's records (and quarantine records), as the stream's options declare them."""
    return READERS[spec["format"]](body, name, spec)


# ------------------------------------------------------------------------------------------------ the stream


def folder_of(base_url: str) -> Path:
    parsed = urlparse(str(base_url))
    if parsed.scheme != "file":
        raise SourceRequestError(
            f"files sources read a folder: base_url must be file:///path, not {base_url!r}"
        )
    return Path(unquote(parsed.path))


def read_files(client, source: dict, stream: Stream, params: dict, cursor: Any):
    """Yield (page, records) per new or changed file; return the cursor: every file read, by name, size, hash."""
    options = source.get("options") or {}
    spec = options["streams"][stream.name]
    folder = folder_of(source["base_url"])
    if not folder.is_dir():
        raise SourceRequestError(
            f"{source['name']}: folder {folder} does not exist (base_url {source['base_url']})"
        )
    seen = dict((cursor or {}).get("files") or {}) if isinstance(cursor, dict) else {}
    min_age = float(options.get("min_age_seconds") or 0)
    now = time.time()
    for path in sorted(folder.glob(spec["pattern"])):
        name = path.name
        if not path.is_file() or SKIP.search(name):
            continue
        if min_age and now - path.stat().st_mtime < min_age:
            continue
        body = path.read_bytes()
        key = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        if seen.get(name) == key:
            continue
        records = read_file(body, name, spec)
        seen[name] = key
        headers = CaseInsensitiveDict({"Content-Length": str(len(body))})
        yield Page(status=200, headers=headers, body=body, data=None, path=name), records
    return {"files": seen}


def _template(fmt: str) -> Stream:
    return Stream(
        name=fmt, path=f"*.{fmt}", records="", primary_key="", fetch=read_files, cursor_mode="state"
    )


TEMPLATES = {fmt: _template(fmt) for fmt in FORMATS}


def tables_by_kind(sources: list[dict]) -> dict[str, list[str]]:
    """{kind: [raw tables]} over the `files` sources given (validated source configs): what dbt's
    `stg_files__<kind>` models union (the `file_streams` var). Streams without a kind are left out."""
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for source in sources:
        if source["type"] != "files":
            continue
        for name, spec in (source.get("options") or {}).get("streams", {}).items():
            if spec.get("kind"):
                out[spec["kind"]].append(f"files__{name}")
    return {kind: sorted(set(tables)) for kind, tables in out.items()}


def streams_from_options(options: Any) -> dict[str, Stream]:
    declared = (options or {}).get("streams") or {}
    return {
        name: dataclasses.replace(
            TEMPLATES[spec.get("format") or EXTENSIONS.get(Path(spec["pattern"]).suffix.lower(), "csv")],
            name=name,
            path=spec["pattern"],
            primary_key=spec["primary_key"],
        )
        for name, spec in declared.items()
    }


SOURCE_TYPE = SourceType(
    name="files",
    streams=TEMPLATES,
    credentials=(),
    auth=lambda credentials: Auth(),
    requests_per_second=1000.0,
    default_lookback_days=0.0,
    options=OPTIONS,
    http=False,
    streams_from_options=streams_from_options,
)
