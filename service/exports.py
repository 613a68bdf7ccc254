"""Spreadsheet downloads (XLSX through openpyxl, or CSV), safe to open in a spreadsheet program.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Sheets as a formula ("formula injection": a member named
``=HYPERLINK(…)`` becomes a live link). Every cell goes through :func:`safe_cell`: in XLSX
such text is written as a string cell with Excel's quote prefix (never a formula), in CSV
it gets a leading ``'``. Numbers are never touched: a -5 adjustment stays the number -5.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    """A text value a spreadsheet program would evaluate (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A CSV cell: formula-like text gets a leading ``'`` so it is shown as text."""
    return "'" + value if looks_like_formula(value) else value


def _write_xlsx_row(sheet, values: list) -> None:
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if looks_like_formula(value):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            cell.data_type = TYPE_STRING  # openpyxl would otherwise store "=…" as a formula
            cell.quotePrefix = True  # and Excel keeps it text even after the cell is edited


def xlsx_bytes(title: str, headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    _write_xlsx_row(sheet, list(headers))
    for row in rows:
        _write_xlsx_row(sheet, list(row))
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1])) for r in rows[:200] if index - 1 < len(r)])
        sheet.column_dimensions[get_column_letter(index)].width = min(40, width * 2 + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(value) for value in headers])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def download(filename: str, content: bytes, mimetype: str = XLSX_MIME) -> Response:
    # RFC 5987 filename* keeps Chinese file names intact.
    disposition = f"attachment; filename=export.{filename.rsplit('.', 1)[-1]}; filename*=UTF-8''{quote(filename)}"
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": disposition})
