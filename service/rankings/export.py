"""A ranking snapshot's rows as an XLSX or CSV download, for the API and the pages alike."""

from ..exports import csv_bytes, download, xlsx_bytes
from . import service


def export_download(name: str, rows: list, fmt: str):
    headers = list(service.EXPORT_HEADERS)
    if fmt == "csv":
        return download(f"{name}.csv", csv_bytes(headers, rows), "text/csv; charset=utf-8")
    return download(f"{name}.xlsx", xlsx_bytes("排名", headers, rows))
