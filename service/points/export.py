"""The 双评价 report as a spreadsheet, for the API and the pages alike."""

from ..exports import xlsx_bytes
from ..i18n import N_

RATING_LABELS = {"excellent": N_("优秀"), "good": N_("良好"), "fair": N_("一般"), "poor": N_("较差")}
SIDE_LABELS = {"residence": "居住地", "unit": "单位挂点", "other": "其他"}


def double_evaluation_xlsx(report: dict) -> bytes:
    headers = ["姓名", "身份"]
    for side in ("residence", "unit", "other"):
        headers += [f"{SIDE_LABELS[side]}服务次数", f"{SIDE_LABELS[side]}时长(h)", f"{SIDE_LABELS[side]}积分"]
    headers += ["合计积分", "居住地社区评价", "评语"]
    rows = []
    for r in report["rows"]:
        row = [r["name"], r["party_status"]]
        for side in ("residence", "unit", "other"):
            s = r["by_side"][side]
            row += [s["services"], float(s["hours"]), float(s["points"])]
        ev = r["evaluation"] or {}
        row += [float(r["total_points"]), RATING_LABELS.get(ev.get("rating", ""), ""), ev.get("comment", "")]
        rows.append(row)
    return xlsx_bytes("双评价", headers, rows)
