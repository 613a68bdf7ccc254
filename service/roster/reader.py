"""Rows from CSV or XLSX as dicts keyed by canonical column names."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

# Communities' sheets use Chinese headers; both spellings are accepted.
HEADER_ALIASES = {
    "编码": "code",
    "代码": "code",
    "名称": "name",
    "姓名": "name",
    "类型": "kind",
    "层级": "kind",
    "上级编码": "parent_code",
    "户数": "households",
    "主管区域编码": "area_code",
    "挂点社区编码": "community_codes",
    "手机号": "phone",
    "手机": "phone",
    "身份": "party_status",
    "单位编码": "unit_code",
    "楼栋编码": "building_code",
    "技能": "skills",
    "空闲时段": "availability",
}


def canonical(header: str) -> str:
    header = (header or "").strip()
    return HEADER_ALIASES.get(header, header.lower())


def _cell_text(value) -> str:
    """A cell as plain text; array and data-table formulas are kept as their formula text."""
    if value is None:
        return ""
    formula = getattr(value, "text", None)  # openpyxl's ArrayFormula keeps "=…" in .text
    if isinstance(formula, str):
        value = formula
    return str(value).strip()


def read_rows(path: str | Path) -> list[tuple[int, dict]]:
    """``(spreadsheet row number, row)`` pairs; row numbers count the header as row 1."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        # data_only=False: a formula cell is read as its own text ("=HYPERLINK(…)"), never as the
        # value a spreadsheet program last computed for it (openpyxl-written files have none,
        # so the name would silently vanish). The text is stored as typed; exports guard it.
        workbook = load_workbook(path, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        raw = [[_cell_text(v) for v in row] for row in rows]
        workbook.close()
    else:
        data = path.read_bytes()
        text = data.decode("utf-8-sig") if not data.startswith(b"\xff\xfe") else data.decode("utf-16")
        raw = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    if not raw:
        return []
    headers = [canonical(h) for h in raw[0]]
    result = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        result.append((number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}))
    return result
