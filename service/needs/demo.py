"""Demo needs: departments, one street's own time limit, and six months of needs in every state.

Each need is played forward from its submission through the same steps the service
takes (acceptance, a task or a transfer, resolution, a rating or the 7-day auto close,
督办 when a limit runs out) and stopped at ``now``, so the history, the due times and
the figures on the public page agree with each other. Rows go in with bulk inserts.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from ..demo.names import GIVEN, SURNAMES
from ..i18n import N_
from ..notifications.models import Notification
from ..people.models import Account, RoleGrant
from ..points.catalogue import ensure_default_catalogue
from .models import OPEN_STATUSES, Department, Need, NeedEscalation, NeedEvent, NeedPolicy
from .service import AUTO_CLOSE_DAYS, CODE_ALPHABET, CODE_LENGTH, DEFAULT_HOURS

# The same message the escalation job writes (service.escalate_overdue).
ESCALATED = N_("督办：%(community)s 诉求 #%(need)s 已超期")

TZ = ZoneInfo("Asia/Shanghai")
DAYS_OF_HISTORY = 180
FIRST_COMMUNITY_NEEDS = 300
OTHER_COMMUNITY_NEEDS = (3, 9)

DEPARTMENTS = (
    ("城管", 3),
    ("公安", 2),
    ("市场监管", 5),
    ("住建", 7),
    ("物业", 3),
    ("供电公司", 2),
    ("水务公司", 3),
    ("燃气公司", 1),
)

# category: [(description, result)], and the departments a community would call on.
STORIES = {
    "caring_help": [
        ("独居老人行动不便，希望有人每周上门探望", "已安排志愿者结对，每周二上门探望"),
        ("卧床老人需要代购药品和日用品", "志愿者已代购送达，并约定每周代购一次"),
        ("困难家庭孩子希望有一个新书包（微心愿）", "微心愿已认领，书包已送到孩子手中"),
    ],
    "everyday_help": [
        ("楼道灯坏了，晚上上下楼看不见", "已更换楼道灯泡并检查线路"),
        ("家里水龙头漏水，老人自己修不了", "志愿者上门更换了水龙头阀芯"),
        ("想请人帮忙办理医保异地备案", "已协助在线办理，备案成功"),
        ("老人想理发但出门不方便", "义务理发志愿者已上门服务"),
    ],
    "environment": [
        ("楼道堆放杂物，存在消防隐患", "已组织清理楼道杂物，张贴提示"),
        ("有人私拉电线给电动车充电（飞线充电）", "已拆除飞线，引导到集中充电桩充电"),
        ("小区绿地被毁种菜", "已恢复绿地并与居民沟通"),
        ("垃圾分类点周边脏乱，异味大", "已清洗垃圾分类点，增加清运频次"),
    ],
    "civility": [
        ("小区门口车辆乱停，堵塞消防通道", "已联合物业施划停车位并劝导"),
        ("路口早高峰行人闯红灯多", "已安排志愿者早高峰文明劝导"),
    ],
    "mediation": [
        ("楼上漏水到楼下，邻居之间有矛盾", "经调解双方达成维修协议"),
        ("业主与物业就停车费有争议", "已组织三方协商，达成一致"),
    ],
    "safety": [
        ("楼道内闻到燃气味", "燃气公司已上门检修，排除隐患"),
        ("小区监控损坏，夜里有人翻墙", "已修复监控并加强夜间巡逻"),
        ("雨季地下车库容易积水", "已清理排水沟并备好沙袋"),
    ],
    "outreach": [
        ("老人想了解新的养老保险政策", "已上门宣讲并发放政策明白纸"),
        ("居民咨询租房合同纠纷的法律问题", "已联系法律顾问提供咨询"),
    ],
}
CALLS_ON = {
    "environment": ("城管", "物业"),
    "civility": ("城管", "公安"),
    "safety": ("燃气公司", "公安", "供电公司"),
    "mediation": ("物业", "市场监管"),
    "everyday_help": ("物业", "水务公司"),
    "caring_help": (),
    "outreach": (),
}
REJECTIONS = ("属于私人房屋装修，不在社区服务范围", "已由12345热线受理，请勿重复反映", "涉及诉讼，请通过司法途径解决")
COMMENTS = ("", "", "很满意，谢谢", "处理及时", "志愿者很耐心", "希望以后保持", "速度有点慢", "还没完全解决")
GROUPS = (None, None, None, None, "ordinary", "ordinary", "special", "hardship", "key", "volunteer")
STARS = (5,) * 11 + (4,) * 5 + (3,) * 2 + (2,) + (1,)


def _hours(rng, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.randint(int(low * 60), int(high * 60)))


def _community_of(path: str) -> int:
    # Demo paths are city/district/street/community/...: the community is the fourth id.
    return int(path.strip("/").split("/")[3])


class _Story:
    """One need played forward; steps at or after ``now`` do not happen."""

    def __init__(self, rng, now, row, community_path, recipients, area_names) -> None:
        self.rng, self.now, self.row = rng, now, row
        self.recipients, self.area_names = recipients, area_names
        self.ancestors = [int(p) for p in community_path.strip("/").split("/") if p]
        self.events: list[dict] = []
        self.escalations: list[dict] = []
        self.notes: list[dict] = []
        self.event(row["created_at"], "submitted", "submitted", row["created_by_id"], "")

    def event(self, at, action, to, actor, note):
        self.events.append(
            {
                "at": at,
                "action": action,
                "from_status": None if action == "submitted" else self.row["status"],
                "to_status": to,
                "actor_id": actor,
                "note": note,
            }
        )
        self.row["status"] = to
        self.row["updated_at"] = at

    def escalate_until(self, until):
        """督办 as the hourly job would have done it while the current limit ran."""
        row = self.row
        if row["status"] not in OPEN_STATUSES:
            return
        span = max(row["due_at"] - row["clock_started_at"], timedelta(hours=1))
        for level in (1, 2):
            if level <= row["escalation_level"]:
                continue
            at = row["due_at"] + (level - 1) * span + timedelta(minutes=self.rng.randint(1, 59))
            if at >= until or len(self.ancestors) < level + 1:
                break
            area_id = self.ancestors[-1 - level]
            people = self.recipients.get(area_id, [])
            self.escalations.append(
                {"level": level, "area_id": area_id, "due_at": row["due_at"], "notified": len(people), "at": at}
            )
            self.events.append(
                {
                    "at": at,
                    "action": "escalated",
                    "from_status": row["status"],
                    "to_status": row["status"],
                    "actor_id": None,
                    "note": f"超期督办：{self.area_names.get(area_id, '')}（第 {level} 级）",
                }
            )
            for account_id in people:
                self.notes.append(
                    {
                        "account_id": account_id,
                        "kind": "need.escalated",
                        "title_id": ESCALATED,
                        "params": {"community": self.area_names.get(row["community_id"], "")},
                        "body": row["description"][:80],
                        "created_at": at,
                        "read_at": at + timedelta(hours=2) if at < self.now - timedelta(days=3) else None,
                    }
                )
            row["escalation_level"] = level

    def step(self, at, action, to, actor, note="", **changes) -> bool:
        """Take a step at ``at`` if that is before now; 督办 first for the time the limit ran."""
        self.escalate_until(min(at, self.now))
        if at >= self.now:
            return False
        self.event(at, action, to, actor, note)
        self.row.update(changes)
        return True


def build_needs(session, rng: random.Random, city: dict, now: datetime | None = None) -> None:
    ensure_default_catalogue(session)
    now = now or datetime.now(UTC)
    department_ids = dict(
        zip(
            [name for name, _days in DEPARTMENTS],
            session.scalars(
                insert(Department).returning(Department.id, sort_by_parameter_order=True),
                [
                    {"name": name, "due_days": days, "contact": "", "active": True, "created_at": now}
                    for name, days in DEPARTMENTS
                ],
            ),
        )
    )
    department_days = dict(DEPARTMENTS)
    # 光明街道 gives ordinary needs five days instead of seven.
    first_street = city["places"]["streets"][0]
    session.add(NeedPolicy(area_id=first_street["id"], normal_hours=120, updated_at=now))
    session.flush()

    phones = {
        p: i for p, i in session.execute(select(Account.phone, Account.id).where(Account.phone.like("1380000000%")))
    }
    city_admin, street_admin = phones.get("13800000001"), phones.get("13800000002")
    community_admin, grid_worker = phones.get("13800000003"), phones.get("13800000004")
    recipients: dict = {}
    for area_id, account_id in session.execute(
        select(RoleGrant.area_id, RoleGrant.account_id).where(
            RoleGrant.revoked_at.is_(None), RoleGrant.role.in_(("community_admin", "street_admin", "city_admin"))
        )
    ):
        recipients.setdefault(area_id, []).append(account_id)
    places = city["places"]
    area_names = {area["id"]: area["name"] for area in places["streets"] + places["districts"] + places["communities"]}

    by_community: dict[int, list[dict]] = {}
    for area in places["grids"] + places["buildings"]:
        by_community.setdefault(_community_of(area["path"]), []).append(area)
    first = places["communities"][0]
    codes: set[str] = set()
    stories: list[_Story] = []
    for community in places["communities"]:
        count = FIRST_COMMUNITY_NEEDS if community is first else rng.randint(*OTHER_COMMUNITY_NEEDS)
        in_first_street = community["path"].startswith(first_street["path"])
        limits = dict(DEFAULT_HOURS, normal=120) if in_first_street else dict(DEFAULT_HOURS)
        owners = (
            ([community_admin] * 3 + [grid_worker])
            if community is first
            else ([street_admin] if in_first_street else [city_admin])
        )
        for _ in range(count):
            stories.append(
                _play(
                    rng,
                    now,
                    community,
                    by_community.get(community["id"], []),
                    limits,
                    owners,
                    grid_worker if community is first else None,
                    department_ids,
                    department_days,
                    recipients,
                    area_names,
                    codes,
                )
            )

    ids = list(session.scalars(insert(Need).returning(Need.id, sort_by_parameter_order=True), [s.row for s in stories]))
    events, escalations, notes = [], [], []
    for need_id, story in zip(ids, stories):
        events += [dict(e, need_id=need_id) for e in story.events]
        escalations += [dict(e, need_id=need_id) for e in story.escalations]
        for n in story.notes:
            params = dict(n["params"], need=need_id)
            notes.append(dict(n, params=params, title=ESCALATED % params, link=f"/staff/needs/{need_id}"))
    events.sort(key=lambda e: (e["need_id"], e["at"]))
    for i in range(0, len(events), 5000):
        session.execute(insert(NeedEvent), events[i : i + 5000])
    if escalations:
        session.execute(insert(NeedEscalation), escalations)
    if notes:
        session.execute(insert(Notification), notes)


def _code(rng, codes: set[str]) -> str:
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in codes:
            codes.add(code)
            return code


def _play(
    rng,
    now,
    community,
    places,
    limits,
    owners,
    grid_worker,
    department_ids,
    department_days,
    recipients,
    area_names,
    codes,
) -> _Story:
    category = rng.choice(list(STORIES))
    description, result = rng.choice(STORIES[category])
    place = rng.choice(places) if places and rng.random() < 0.95 else None
    # A fifth arrived in the last two weeks, so the queue has work in every state.
    days = 14 if rng.random() < 0.2 else DAYS_OF_HISTORY
    local = (now - timedelta(minutes=rng.randrange(days * 24 * 60))).astimezone(TZ)
    created = local.replace(hour=rng.randint(8, 21)).astimezone(UTC)
    if created >= now:
        created = now - timedelta(minutes=rng.randint(5, 120))
    urgency = "urgent" if rng.random() < 0.15 else "normal"
    owner = rng.choice(owners)
    channel = (
        rng.choice(("resident", "resident", "door_to_door", "staff"))
        if grid_worker
        else rng.choice(("resident", "resident", "resident", "staff"))
    )
    created_by = {"resident": None, "door_to_door": grid_worker, "staff": owner}[channel]
    span = timedelta(hours=limits[urgency])
    row = {
        "tracking_code": _code(rng, codes),
        "channel": channel,
        "status": "submitted",
        "community_id": community["id"],
        "place_id": place["id"] if place else None,
        "place_path": place["path"] if place else community["path"],
        "category": category,
        "description": description,
        "resident_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "resident_phone": None
        if channel == "door_to_door" and rng.random() < 0.3
        else f"1{rng.choice('35789')}{rng.randint(100000000, 999999999)}",
        "photo": None,
        "urgency": urgency,
        "beneficiary_group": rng.choice(GROUPS),
        "created_by_id": created_by,
        "owner_id": None,
        "department_id": None,
        "due_at": created + span,
        "clock_started_at": created,
        "escalation_level": 0,
        "reject_reason": None,
        "result": None,
        "rating": None,
        "rating_comment": None,
        "created_at": created,
        "accepted_at": None,
        "resolved_at": None,
        "closed_at": None,
        "updated_at": created,
    }
    story = _Story(rng, now, row, community["path"], recipients, area_names)
    _lifecycle(story, rng, now, category, result, owner, span, department_ids, department_days)
    story.escalate_until(now)
    return story


def _lifecycle(story, rng, now, category, result, owner, span, department_ids, department_days) -> None:
    row = story.row
    t = row["created_at"] + (_hours(rng, 0.5, 20) if rng.random() < 0.8 else _hours(rng, 20, 72))
    if rng.random() < 0.06:
        reason = rng.choice(REJECTIONS)
        story.step(t, "rejected", "rejected", owner, reason, reject_reason=reason)
        return
    if not story.step(t, "accepted", "accepted", owner, "", owner_id=owner, accepted_at=t):
        return
    slow = rng.random() < 0.12  # the ones that run past their limit
    # Some recent ones are still stuck where they are: the overdue end of the queue.
    stalled = row["created_at"] > now - timedelta(days=30) and rng.random() < 0.3
    calls_on = CALLS_ON[category]
    if calls_on and rng.random() < 0.3:
        name = rng.choice(calls_on)
        t += _hours(rng, 1, 24)
        due = t + timedelta(days=department_days[name])
        note = f"转交{name}办理，限 {due.astimezone(TZ).strftime('%Y-%m-%d %H:%M')} 前办结"
        if (
            not story.step(
                t,
                "transferred",
                "transferred",
                owner,
                note,
                department_id=department_ids[name],
                clock_started_at=t,
                due_at=due,
                escalation_level=0,
            )
            or stalled
        ):
            return
    elif stalled and rng.random() < 0.3:
        return  # accepted, no task yet
    else:
        t += _hours(rng, 1, 30)
        if not story.step(t, "started", "in_progress", owner, "已派志愿者办理") or stalled:
            return
    room = max(row["due_at"] - t, timedelta(hours=2))
    t += room * (rng.uniform(1.2, 2.6) if slow else rng.uniform(0.15, 0.9))
    if not _resolve(story, t, owner, result):
        return
    for attempt in range(2):
        if rng.random() < 0.3:  # never rated: the job closes it after 7 days
            closes = t + timedelta(days=AUTO_CLOSE_DAYS, minutes=rng.randint(1, 59))
            story.step(closes, "closed", "closed", None, f"{AUTO_CLOSE_DAYS} 天未评价，自动归档", closed_at=closes)
            return
        t += _hours(rng, 2, 96)
        stars = rng.choice(STARS) if attempt == 0 else rng.choice((4, 5))
        comment = rng.choice(COMMENTS) if stars > 2 else "问题没有解决"
        note = f"居民评价 {stars} 星" + (f"：{comment}" if comment else "")
        if stars > 2:
            story.step(t, "rated", "closed", None, note, rating=stars, rating_comment=comment, closed_at=t)
            return
        if not story.step(
            t,
            "reopened",
            "accepted",
            None,
            note,
            rating=stars,
            rating_comment=comment,
            resolved_at=None,
            clock_started_at=t,
            due_at=t + span,
            escalation_level=0,
        ):
            return
        t += _hours(rng, 2, 24)
        if not story.step(t, "started", "in_progress", owner, "已派志愿者办理"):
            return
        t += _hours(rng, 4, 72)
        if not _resolve(story, t, owner, result + "（复查后重新处理）"):
            return


def _resolve(story, t, owner, result) -> bool:
    return story.step(
        t, "resolved", "resolved", owner, result, result=result, resolved_at=t, rating=None, rating_comment=None
    )
