"""The default service catalogue: seven classes and example items from the seed reports."""

from __future__ import annotations

from sqlalchemy import select

from .models import ServiceCategory, ServiceItem

# code: (中文, English, [(item code, 中文, English), ...])
DEFAULT_CATALOGUE = {
    "caring_help": (
        "爱心帮扶",
        "Caring help",
        [
            ("visit_elderly", "探访独居老人", "Visiting elderly people living alone"),
            ("shopping_bedridden", "为卧床老人代购", "Shopping for the bedridden"),
            ("micro_wish", "微心愿", "Micro-wishes for children in hardship"),
        ],
    ),
    "everyday_help": (
        "便民服务",
        "Everyday help",
        [
            ("haircut", "义务理发", "Haircuts"),
            ("mending", "缝补", "Mending"),
            ("knife_sharpening", "磨刀", "Knife sharpening"),
            ("small_repairs", "小修小补", "Small repairs"),
            ("errands", "帮办代办", "Errands"),
        ],
    ),
    "environment": (
        "环境整治",
        "Environment",
        [
            ("stairwell_clutter", "清理楼道杂物", "Clearing stairwell clutter"),
            ("flying_wires", "整治飞线充电", "Removing unsafe e-bike charging wires"),
            ("green_space", "整治毁绿种菜", "Restoring green space"),
            ("sorting_guidance", "垃圾分类指导", "Garbage sorting guidance"),
        ],
    ),
    "civility": (
        "文明督导",
        "Civility",
        [
            ("traffic_persuasion", "交通劝导", "Traffic persuasion"),
            ("sorting_supervision", "垃圾分类督导", "Garbage sorting supervision"),
            ("parking_order", "停车秩序", "Parking order"),
        ],
    ),
    "mediation": (
        "矛盾调解",
        "Mediation",
        [
            ("neighbour_dispute", "邻里纠纷调解", "Neighbour disputes"),
            ("property_dispute", "业主与物业纠纷调解", "Owner–property company disputes"),
        ],
    ),
    "safety": (
        "平安巡逻",
        "Safety",
        [
            ("patrol", "平安巡逻", "Patrols"),
            ("hazard_check", "隐患排查（燃气、电动车）", "Hazard checks (gas, e-bikes)"),
            ("flood_check", "防汛巡查", "Flood checks"),
        ],
    ),
    "outreach": (
        "政策宣讲",
        "Outreach",
        [
            ("policy_talk", "政策宣讲", "Policy explanation"),
            ("legal_aid", "法律援助", "Legal aid"),
            ("health_talk", "健康讲座", "Health talks"),
            ("law_education", "普法宣传", "Law education"),
        ],
    ),
}


def ensure_default_catalogue(session) -> None:
    """Add any default class or item that is missing; edits made by the city are kept."""
    existing = {c.code: c for c in session.scalars(select(ServiceCategory))}
    items = set(session.scalars(select(ServiceItem.code)))
    for sort, (code, (name, name_en, entries)) in enumerate(DEFAULT_CATALOGUE.items()):
        category = existing.get(code)
        if category is None:
            category = ServiceCategory(code=code, name=name, name_en=name_en, sort=sort)
            session.add(category)
            session.flush()
        for item_sort, (item_code, item_name, item_en) in enumerate(entries):
            if item_code not in items:
                session.add(
                    ServiceItem(
                        category_id=category.id, code=item_code, name=item_name, name_en=item_en, sort=item_sort
                    )
                )
    session.flush()


def category_codes(session) -> set[str]:
    return set(session.scalars(select(ServiceCategory.code)))


def list_catalogue(session) -> list[ServiceCategory]:
    return list(session.scalars(select(ServiceCategory).order_by(ServiceCategory.sort, ServiceCategory.id)))


def add_item(session, scope, *, category: str, code: str, name: str, name_en: str = "") -> ServiceItem:
    from ..audit.log import record
    from ..errors import ALREADY_USED, Conflict, Forbidden, Invalid, UNKNOWN_CATEGORY
    from ..i18n import N_

    if not scope.is_city_admin:
        raise Forbidden(N_("服务清单由市级管理员维护"))
    owner = session.scalar(select(ServiceCategory).where(ServiceCategory.code == category))
    if owner is None:
        raise Invalid(N_("服务类别不存在"), fields={"category": [UNKNOWN_CATEGORY]})
    if session.scalar(select(ServiceItem.id).where(ServiceItem.code == code)) is not None:
        raise Conflict(N_("服务项目编码已存在"), fields={"code": [ALREADY_USED]})
    item = ServiceItem(category_id=owner.id, code=code, name=name, name_en=name_en, sort=len(owner.items))
    session.add(item)
    session.flush()
    record(session, scope.account_id, "catalogue.add_item", "service_item", item.id, None, code=code)
    return item
