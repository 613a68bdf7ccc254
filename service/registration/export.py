"""The unit compliance list as a spreadsheet, in the language of the page that asked."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook

from ..i18n import N_

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SIDE_LABELS = {"residence": N_("居住地社区"), "unit": N_("单位挂点社区")}
STATUS_LABELS = {
    "pending": N_("待审核"), "approved": N_("已通过"), "rejected": N_("已驳回"),
    "withdrawn": N_("已撤回"), "superseded": N_("已被取代"), "missing": N_("未报到"),
}


def status_text(status: str, community: str | None) -> str:
    label = _(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    return _("%(status)s（%(community)s）", status=label, community=community) if community else label


def compliance_xlsx(report: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("双报到未完成")[:31]
    headers = (N_("姓名"), N_("手机号"), SIDE_LABELS["residence"], SIDE_LABELS["unit"], N_("缺少"))
    sheet.append([_(header) for header in headers])
    for row in report["rows"]:
        sheet.append([
            row["name"], row["phone"],
            status_text(row["residence_status"], row["residence_community"]),
            status_text(row["unit_status"], row["unit_community"]),
            _("、").join(_(SIDE_LABELS[side]) for side in row["missing"]),  # the list separator differs by language
        ])
    # Wide enough for Chinese names and community names without resizing by hand.
    for column, width in zip("ABCDE", (12, 14, 28, 28, 28)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_download(filename: str, content: bytes) -> Response:
    # An ASCII fallback name for old clients, the Chinese one (RFC 5987) for the rest.
    disposition = f"attachment; filename=compliance.xlsx; filename*=UTF-8''{quote(filename)}"
    return Response(content, mimetype=XLSX_MIME, headers={"Content-Disposition": disposition})
