"""The unit compliance list as a spreadsheet, in the language of the page that asked."""

from __future__ import annotations

from flask_babel import gettext as _

from ..exports import xlsx_bytes
from ..i18n import N_

SIDE_LABELS = {"residence": N_("居住地社区"), "unit": N_("单位挂点社区")}
STATUS_LABELS = {
    "pending": N_("待审核"),
    "approved": N_("已通过"),
    "rejected": N_("已驳回"),
    "withdrawn": N_("已撤回"),
    "superseded": N_("已被取代"),
    "missing": N_("未报到"),
}


def status_text(status: str, community: str | None) -> str:
    label = _(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    return _("%(status)s（%(community)s）", status=label, community=community) if community else label


def compliance_xlsx(report: dict) -> bytes:
    headers = (N_("姓名"), N_("手机号"), SIDE_LABELS["residence"], SIDE_LABELS["unit"], N_("缺少"))
    rows = [
        [
            row["name"],
            row["phone"],
            status_text(row["residence_status"], row["residence_community"]),
            status_text(row["unit_status"], row["unit_community"]),
            _("、").join(_(SIDE_LABELS[side]) for side in row["missing"]),  # the list separator differs by language
        ]
        for row in report["rows"]
    ]
    return xlsx_bytes(_("双报到未完成"), [_(header) for header in headers], rows)
