"""Geometry for server-rendered SVG charts (no JavaScript): the templates only draw what these compute."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    empty: bool


def columns(
    points: list[tuple[str, float | None]],
    *,
    fmt: str = "{:.0f}",
    width: int = 360,
    height: int = 200,
    top: float | None = None,
) -> dict:
    """Vertical bars in a ``width`` × ``height`` viewBox; a None value draws no bar (no data).

    The viewBox is phone-sized, so on a 375 px screen the text is drawn at its own size
    and wider screens only scale it up."""
    pad_x, pad_top, pad_bottom = 8, 22, 34
    count = max(1, len(points))
    slot = (width - 2 * pad_x) / count
    highest = top if top is not None else max([v for _l, v in points if v is not None] + [0])
    inner = height - pad_top - pad_bottom
    bars = []
    for i, (label, value) in enumerate(points):
        share = (value / highest) if value and highest else 0
        h = max(0.0, inner * share)
        bars.append(
            Bar(
                round(pad_x + i * slot + slot * 0.15, 1),
                round(pad_top + inner - h, 1),
                round(slot * 0.7, 1),
                round(h, 1),
                label,
                "—" if value is None else fmt.format(value),
                value is None,
            )
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "baseline": height - pad_bottom,
        "slot": round(slot, 1),
        "empty": all(v is None for _l, v in points) or not points,
    }


def rows(
    points: list[tuple[str, float | None]],
    *,
    fmt: str = "{:.0f}%",
    width: int = 360,
    row_height: int = 24,
    top: float = 100.0,
    label_width: int = 130,
) -> dict:
    """Horizontal bars, one per row (long labels such as unit names fit on a phone this way)."""
    bar_space = width - label_width - 44
    bars = []
    for i, (label, value) in enumerate(points):
        w = max(0.0, bar_space * ((value or 0) / top)) if top else 0
        short = label if len(label) <= 9 else label[:8] + "…"
        bars.append(
            Bar(
                label_width,
                i * row_height + 4,
                round(w, 1),
                row_height - 8,
                short,
                "—" if value is None else fmt.format(value),
                value is None,
            )
        )
    return {
        "width": width,
        "height": max(row_height, len(points) * row_height),
        "bars": bars,
        "label_width": label_width,
        "empty": not points,
    }
