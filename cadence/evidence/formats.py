"""Writing exported rows as CSV (spreadsheet-safe), JSON Lines or a Markdown table, streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

# A spreadsheet reads a cell starting with one of these as a formula (or, for the quote, as
# its own text marker): such a cell gets a leading single quote, shown by no spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


class ExportFormat(StrEnum):
    """The formats an export is written in."""

    CSV = "csv"
    JSON = "json"
    MD = "md"

    @property
    def suffix(self) -> str:
        """The file name extension."""
        return {"csv": ".csv", "json": ".jsonl", "md": ".md"}[self.value]


def cell_text(value: Any) -> str:
    """A value as one cell's text: JSON's spelling for booleans and nested values, '' for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def neutralise(text: str) -> str:
    """Text a spreadsheet shows but never executes: formula-looking cells get a leading quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    """The cell's original text (the inverse of `neutralise`)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def write_rows(
    rows: Iterable[dict[str, Any]], columns: list[str], fmt: ExportFormat, out: TextIO
) -> int:
    """Write every row to `out` as it comes; the number of rows written."""
    writer = {ExportFormat.CSV: _csv, ExportFormat.JSON: _json, ExportFormat.MD: _markdown}[fmt]
    return writer(rows, columns, out)


def _csv(rows: Iterable[dict[str, Any]], columns: list[str], out: TextIO) -> int:
    # RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or a line break.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007  (the count is the result)
        writer.writerow([_csv_cell(row[name]) for name in columns])
    return count


def _csv_cell(value: Any) -> str:
    if value.__class__ is str:  # the common case first: this runs for every cell
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool | int | float):
        return cell_text(value)  # numbers stay numbers, even negative ones
    return neutralise(cell_text(value))


def _json(rows: Iterable[dict[str, Any]], columns: list[str], out: TextIO) -> int:
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        out.write(json.dumps({name: row[name] for name in columns}, ensure_ascii=False) + "\n")
    return count


def _markdown(rows: Iterable[dict[str, Any]], columns: list[str], out: TextIO) -> int:
    out.write(_md_line(columns) + _md_line(["---"] * len(columns)))
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        out.write(_md_line([cell_text(row[name]) for name in columns]))
    return count


def _md_line(cells: list[str]) -> str:
    return "| " + " | ".join(md_cell(c) for c in cells) + " |\n"


def md_cell(text: str) -> str:
    """A table cell's text: pipes escaped, line breaks as <br>, so one row stays one line."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.splitlines()) if ("\n" in text or "\r" in text) else text
