"""Spreadsheet downloads (XLSX through openpyxl, or CSV)."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
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
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def download(filename: str, content: bytes, mimetype: str = XLSX_MIME) -> Response:
    # RFC 5987 filename* keeps Chinese file names intact.
    disposition = f"attachment; filename=export.{filename.rsplit('.', 1)[-1]}; filename*=UTF-8''{quote(filename)}"
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": disposition})
