"""The policy as data: every permission, and the permission each route (API and page) needs.

A permission is named ``capability:record:action``. Its ``Rule`` says who reaches a record:

- ``public``: anyone, signed in or not (public boards, the resident's door, login);
- ``signed_in``: any account; the command narrows what it shows to the account's scope
  (a list answers only what the scope covers, possibly nothing);
- ``any_member``: any account with a member record (a member's own pages);
- ``area_role``: that area role or a higher one over the record's area (a grant on an area
  covers its whole subtree);
- ``unit_admin``: a unit admin over the record's work unit;
- ``own_member``: the member the record is about;
- ``not_own``: separation of duties — refused (403, audited) on a record about the actor's own
  member record, whatever the actor's role.

A route missing from ``ROUTES`` fails the authorization matrix test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    public: bool = False
    signed_in: bool = False
    any_member: bool = False
    area_role: str | None = None
    unit_admin: bool = False
    own_member: bool = False
    not_own: bool = False


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(signed_in=True)
MEMBER = Rule(any_member=True)
GRID = Rule(area_role="grid_worker")
MANAGE = Rule(area_role="community_admin")
STREET = Rule(area_role="street_admin")
CITY = Rule(area_role="city_admin")
#: staff over the area, or the member the record is about
MANAGE_OR_SELF = Rule(area_role="grid_worker", own_member=True)
#: a community admin deciding about someone else's work, points or registration
DECIDE = Rule(area_role="community_admin", not_own=True)

PERMISSIONS: dict[str, Rule] = {
    # the public door, sign-in, health and documents
    "public:page:read": PUBLIC,
    "auth:token:create": PUBLIC,
    "auth:token:delete": PUBLIC,
    "auth:account:read": SIGNED_IN,
    # the account holder's own password and sessions (退出所有设备)
    "auth:account:update": SIGNED_IN,
    # places, people, units, role grants, audit
    "places:area:list": SIGNED_IN,
    "places:area:read": GRID,
    "places:area:create": CITY,
    "places:area:update": CITY,
    "people:member:list": SIGNED_IN,
    "people:member:read": MANAGE_OR_SELF,
    "people:member:create": MANAGE,
    "people:member:update": Rule(area_role="community_admin", unit_admin=True),
    "people:member:export": Rule(area_role="community_admin", own_member=True),
    # linking a staff account to a member record: only the account holder confirms it
    "people:link:confirm": SIGNED_IN,
    "people:skill:list": SIGNED_IN,
    "people:skill:create": CITY,
    "people:unit:list": SIGNED_IN,
    "people:unit:read": Rule(area_role="grid_worker", unit_admin=True),
    "people:unit:create": STREET,
    "people:unit:update": STREET,
    "people:grant:list": SIGNED_IN,
    "people:grant:read": MANAGE,
    "people:grant:create": MANAGE,
    "people:grant:update": MANAGE,
    "audit:event:list": SIGNED_IN,
    # 双报到
    "registration:registration:list": SIGNED_IN,
    "registration:registration:read": Rule(area_role="grid_worker", unit_admin=True, own_member=True),
    "registration:registration:create": MEMBER,
    "registration:registration:withdraw": Rule(own_member=True),
    "registration:registration:approve": DECIDE,
    "registration:registration:reject": DECIDE,
    "registration:registration:decide": DECIDE,
    "registration:compliance:read": Rule(area_role="street_admin", unit_admin=True),
    # points
    "points:catalogue:list": SIGNED_IN,
    "points:catalogue:create": CITY,
    "points:rules:list": SIGNED_IN,
    "points:rules:read": SIGNED_IN,
    "points:rules:create": CITY,
    "points:rules:preview": SIGNED_IN,
    "points:entry:list": SIGNED_IN,
    "points:entry:read": MANAGE_OR_SELF,
    "points:entry:award": DECIDE,
    "points:entry:adjust": DECIDE,
    "points:entry:reverse": DECIDE,
    # four-eyes: an adjustment above the cap waits for a second admin of the same or higher role
    "points:adjustment:list": SIGNED_IN,
    "points:adjustment:approve": DECIDE,
    "points:adjustment:reject": DECIDE,
    "points:balance:read": MANAGE_OR_SELF,
    "points:evaluation:create": MANAGE,
    "points:grade:create": STREET,
    "points:grade:read": SIGNED_IN,
    "points:double_evaluation:read": Rule(area_role="street_admin", unit_admin=True),
    # 诉求
    "needs:need:create_public": PUBLIC,
    "needs:need:track": PUBLIC,
    "needs:need:rate": PUBLIC,
    "needs:need:list": SIGNED_IN,
    "needs:need:read": GRID,
    "needs:need:record": GRID,
    "needs:need:accept": GRID,
    "needs:need:reject": GRID,
    "needs:need:resolve": GRID,
    "needs:need:transfer": GRID,
    "needs:need:reopen": GRID,
    "needs:department:list": SIGNED_IN,
    "needs:department:manage": STREET,
    "needs:policy:read": GRID,
    "needs:policy:update": STREET,
    # tasks and claims
    "tasks:task:list": SIGNED_IN,
    "tasks:task:read": SIGNED_IN,
    "tasks:task:create": MANAGE,
    "tasks:task:update": MANAGE,
    "tasks:task:change_status": MANAGE,
    "tasks:claim:create": MEMBER,
    "tasks:claim:list": SIGNED_IN,
    "tasks:claim:read": MANAGE_OR_SELF,
    "tasks:claim:cancel": Rule(own_member=True),
    "tasks:claim:check_in": MANAGE_OR_SELF,
    "tasks:claim:report_done": Rule(own_member=True),
    "tasks:claim:verify": DECIDE,
    "tasks:claim:reject": DECIDE,
    "tasks:claim:no_show": DECIDE,
    "tasks:member_claims:list": MANAGE_OR_SELF,
    # matching and invitations
    "matching:candidates:read": MANAGE,
    "matching:invitation:create": MANAGE,
    "matching:invitation:list": SIGNED_IN,
    "matching:invitation:answer": Rule(own_member=True),
    "matching:dispatch:run": MANAGE,
    "matching:recommendation:read": MANAGE_OR_SELF,
    # pairs
    "pairs:pair:list": SIGNED_IN,
    "pairs:pair:read": Rule(area_role="grid_worker", unit_admin=True),
    "pairs:pair:create": STREET,
    "pairs:pair:end": STREET,
    "pairs:rhythm:read": SIGNED_IN,
    "pairs:rhythm:update": STREET,
    "pairs:visit:list": SIGNED_IN,
    # rankings
    "rankings:published:read": PUBLIC,
    "rankings:live:read": SIGNED_IN,
    "rankings:snapshot:export": GRID,
    "rankings:snapshot:correct": STREET,
    "rankings:member_rank:read": MANAGE_OR_SELF,
    "rankings:unit_participation:read": SIGNED_IN,
    "rankings:red_black:publish": STREET,
    "rankings:red_black:preview": STREET,
    "rankings:red_black:settings": STREET,
    "rankings:dashboard:read": GRID,
    # inbox, jobs
    "notifications:inbox:read": SIGNED_IN,
    "jobs:run:list": CITY,
}


def _both(permission: str) -> dict[str, str]:
    return {"GET": permission, "POST": permission}


#: endpoint -> {HTTP method: permission}
ROUTES: dict[str, dict[str, str]] = {
    # public door, sign-in, documents, static files
    "web.healthz": {"GET": "public:page:read"},
    "web.static": {"GET": "public:page:read"},
    "rankings_pages.static": {"GET": "public:page:read"},
    "api-docs.openapi_json": {"GET": "public:page:read"},
    "api-docs.openapi_swagger_ui": {"GET": "public:page:read"},
    "web.login": _both("public:page:read"),
    "web.logout": {"POST": "public:page:read"},
    # the landing page for the signed out, the day's overview for the signed in
    "web.home": {"GET": "public:page:read"},
    "web.account": {"GET": "auth:account:read"},
    "web.change_password": {"POST": "auth:account:update"},
    "web.logout_everywhere": {"GET": "auth:account:read", "POST": "auth:account:update"},
    "auth.Token": {"POST": "auth:token:create", "DELETE": "auth:token:delete"},
    "auth.Me": {"GET": "auth:account:read"},
    "auth.MemberLink": {"GET": "people:link:confirm", "POST": "people:link:confirm"},
    "web.confirm_member_link": {"POST": "people:link:confirm"},
    # places, people
    "areas.Areas": {"GET": "places:area:list", "POST": "places:area:create"},
    "areas.AreaItem": {"GET": "places:area:read", "PATCH": "places:area:update"},
    "members.Members": {"GET": "people:member:list", "POST": "people:member:create"},
    "members.MemberItem": {"GET": "people:member:read", "PATCH": "people:member:update"},
    "members.MemberExport": {"GET": "people:member:export"},
    "web.staff_members": {"GET": "people:member:list"},
    "skills.Skills": {"GET": "people:skill:list", "POST": "people:skill:create"},
    "units.Units": {"GET": "people:unit:list", "POST": "people:unit:create"},
    "units.UnitItem": {"GET": "people:unit:read", "PATCH": "people:unit:update"},
    "role_grants.Grants": {"GET": "people:grant:list", "POST": "people:grant:create"},
    "role_grants.GrantItem": {"GET": "people:grant:read", "PATCH": "people:grant:update"},
    "audit.AuditEvents": {"GET": "audit:event:list"},
    "audit_pages.audit_page": {"GET": "audit:event:list"},
    # 双报到
    "registrations.Registrations": {
        "GET": "registration:registration:list",
        "POST": "registration:registration:create",
    },
    "registrations.RegistrationItem": {"GET": "registration:registration:read"},
    "registrations.MemberRegistrations": {"GET": "registration:registration:read"},
    "registrations.Approve": {"POST": "registration:registration:approve"},
    "registrations.Reject": {"POST": "registration:registration:reject"},
    "registrations.Withdraw": {"POST": "registration:registration:withdraw"},
    "registrations.Batch": {"POST": "registration:registration:decide"},
    "registrations.Compliance": {"GET": "registration:compliance:read"},
    "registration_pages.my_registrations": {
        "GET": "registration:registration:list",
        "POST": "registration:registration:create",
    },
    "registration_pages.withdraw": {"POST": "registration:registration:withdraw"},
    "registration_pages.community_registrations": {"GET": "registration:registration:list"},
    "registration_pages.decide": {"POST": "registration:registration:decide"},
    "registration_pages.unit_compliance": {"GET": "registration:compliance:read"},
    # points
    "points.Catalogue": {"GET": "points:catalogue:list"},
    "points.CatalogueItems": {"POST": "points:catalogue:create"},
    "points.RuleSets": {"GET": "points:rules:list", "POST": "points:rules:create"},
    "points.RuleSetItem": {"GET": "points:rules:read"},
    "points.Preview": {"POST": "points:rules:preview"},
    "points.Entries": {"GET": "points:entry:list"},
    "points.EntryItem": {"GET": "points:entry:read"},
    "points.Awards": {"POST": "points:entry:award"},
    "points.Adjustments": {"GET": "points:adjustment:list", "POST": "points:entry:adjust"},
    "points.ApproveAdjustment": {"POST": "points:adjustment:approve"},
    "points.RejectAdjustment": {"POST": "points:adjustment:reject"},
    "points.Reverse": {"POST": "points:entry:reverse"},
    "points.MemberPoints": {"GET": "points:balance:read"},
    "points.Evaluations": {"POST": "points:evaluation:create"},
    "points.Grades": {"POST": "points:grade:create"},
    "points.GradeItem": {"GET": "points:grade:read"},
    "points.DoubleEvaluation": {"GET": "points:double_evaluation:read"},
    "points_pages.my_points": {"GET": "points:balance:read"},
    "points_pages.rules_editor": {"GET": "points:rules:list", "POST": "points:rules:create"},
    "points_pages.community_evaluations": {"GET": "points:evaluation:create", "POST": "points:evaluation:create"},
    "points_pages.unit_double_evaluation": {"GET": "points:double_evaluation:read"},
    "points_pages.staff_adjustments": {"GET": "points:adjustment:list", "POST": "points:entry:adjust"},
    "points_pages.approve_adjustment": {"POST": "points:adjustment:approve"},
    "points_pages.reject_adjustment": {"POST": "points:adjustment:reject"},
    # 诉求
    "needs.Public": {"GET": "public:page:read"},
    "needs.Track": {"GET": "needs:need:track"},
    "needs.Feedback": {"POST": "needs:need:rate"},
    "needs.Needs": {"GET": "needs:need:list", "POST": "needs:need:create_public"},
    "needs.NeedItem": {"GET": "needs:need:read"},
    "needs.Accept": {"POST": "needs:need:accept"},
    "needs.Reject": {"POST": "needs:need:reject"},
    "needs.Resolve": {"POST": "needs:need:resolve"},
    "needs.Transfer": {"POST": "needs:need:transfer"},
    "needs.Reopen": {"POST": "needs:need:reopen"},
    "needs.Departments": {"GET": "needs:department:list", "POST": "needs:department:manage"},
    "needs.DepartmentItem": {"PATCH": "needs:department:manage"},
    "needs.Policy": {"GET": "needs:policy:read", "PUT": "needs:policy:update"},
    "needs_pages.new_need": _both("needs:need:create_public"),
    "needs_pages.public_index": {"GET": "public:page:read"},
    "needs_pages.public_area": {"GET": "public:page:read"},
    "needs_pages.track_lookup": {"GET": "needs:need:track"},
    "needs_pages.track": {"GET": "needs:need:track"},
    "needs_pages.feedback": {"POST": "needs:need:rate"},
    "needs_pages.queue": {"GET": "needs:need:list"},
    "needs_pages.detail": {"GET": "needs:need:read"},
    "needs_pages.photo": {"GET": "needs:need:read"},
    "needs_pages.act": {"POST": "needs:need:accept"},
    "needs_pages.record": _both("needs:need:record"),
    # tasks and claims
    "tasks.Tasks": {"GET": "tasks:task:list", "POST": "tasks:task:create"},
    "tasks.TaskItem": {"GET": "tasks:task:read", "PATCH": "tasks:task:update"},
    "tasks.task_publish": {"POST": "tasks:task:change_status"},
    "tasks.task_start": {"POST": "tasks:task:change_status"},
    "tasks.task_complete": {"POST": "tasks:task:change_status"},
    "tasks.task_cancel": {"POST": "tasks:task:change_status"},
    "tasks.TaskClaims": {"POST": "tasks:claim:create"},
    "tasks.Claims": {"GET": "tasks:claim:list"},
    "tasks.ClaimItem": {"GET": "tasks:claim:read", "DELETE": "tasks:claim:cancel"},
    "tasks.CheckIn": {"POST": "tasks:claim:check_in"},
    "tasks.Done": {"POST": "tasks:claim:report_done"},
    "tasks.Verify": {"POST": "tasks:claim:verify"},
    "tasks.VerifyBatch": {"POST": "tasks:claim:verify"},
    "tasks.Reject": {"POST": "tasks:claim:reject"},
    "tasks.NoShow": {"POST": "tasks:claim:no_show"},
    "tasks.MemberClaims": {"GET": "tasks:member_claims:list"},
    "tasks_pages.hall": {"GET": "tasks:task:list"},
    "tasks_pages.task_detail": {"GET": "tasks:task:read"},
    "tasks_pages.claim": {"POST": "tasks:claim:create"},
    "tasks_pages.claim_action": {"POST": "tasks:claim:check_in"},
    "tasks_pages.my_tasks": {"GET": "tasks:claim:list"},
    "tasks_pages.staff_tasks": {"GET": "tasks:task:list"},
    "tasks_pages.new_task": _both("tasks:task:create"),
    "tasks_pages.verification_queue": {"GET": "tasks:claim:list"},
    "tasks_pages.verify_batch": {"POST": "tasks:claim:verify"},
    # matching
    "matching.Candidates": {"GET": "matching:candidates:read"},
    "matching.WhyNot": {"GET": "matching:candidates:read"},
    "matching.TaskInvitations": {"POST": "matching:invitation:create"},
    "matching.MyInvitations": {"GET": "matching:invitation:list"},
    "matching.Accept": {"POST": "matching:invitation:answer"},
    "matching.Decline": {"POST": "matching:invitation:answer"},
    "matching.Dispatch": {"POST": "matching:dispatch:run"},
    "matching.DispatchPreview": {"POST": "matching:dispatch:run"},
    "matching.RecommendedTasks": {"GET": "matching:recommendation:read"},
    "matching_pages.my_invitations": {"GET": "matching:invitation:list"},
    "matching_pages.accept": {"POST": "matching:invitation:answer"},
    "matching_pages.decline": {"POST": "matching:invitation:answer"},
    "matching_pages.dispatch_page": _both("matching:dispatch:run"),
    "matching_pages.invite": {"POST": "matching:invitation:create"},
    "matching_pages.suggestions": {"GET": "matching:candidates:read"},
    # pairs
    "pairs.Pairs": {"GET": "pairs:pair:list", "POST": "pairs:pair:create"},
    "pairs.PairItem": {"GET": "pairs:pair:read"},
    "pairs.PairEnd": {"POST": "pairs:pair:end"},
    "pairs.Rhythms": {"GET": "pairs:rhythm:read", "PUT": "pairs:rhythm:update"},
    "pairs.Visits": {"GET": "pairs:visit:list"},
    "pairs_pages.my_pairs": {"GET": "pairs:pair:list"},
    "pairs_pages.staff_pairs": {"GET": "pairs:pair:list"},
    "pairs_pages.create_pair": {"POST": "pairs:pair:create"},
    "pairs_pages.end_pair": {"POST": "pairs:pair:end"},
    "pairs_pages.rhythms": {"GET": "pairs:rhythm:read", "POST": "pairs:rhythm:update"},
    # rankings
    "rankings.PublishedRanking": {"GET": "rankings:published:read"},
    "rankings.SnapshotItem": {"GET": "rankings:published:read"},
    "rankings.SnapshotExport": {"GET": "rankings:snapshot:export"},
    "rankings.Corrections": {"POST": "rankings:snapshot:correct"},
    "rankings.LiveRanking": {"GET": "rankings:live:read"},
    "rankings.MemberRank": {"GET": "rankings:member_rank:read"},
    "rankings.UnitParticipation": {"GET": "rankings:unit_participation:read"},
    "rankings.RedBlackLists": {"GET": "rankings:published:read", "POST": "rankings:red_black:publish"},
    "rankings.RedBlackPreview": {"GET": "rankings:red_black:preview"},
    "rankings.RedBlackSettings": {"GET": "rankings:red_black:settings", "PUT": "rankings:red_black:settings"},
    "rankings_pages.board": {"GET": "rankings:published:read"},
    "rankings_pages.staff_dashboard": {"GET": "rankings:dashboard:read"},
    "rankings_pages.staff_export": {"GET": "rankings:snapshot:export"},
    "rankings_pages.red_black_review": _both("rankings:red_black:publish"),
    # inbox, jobs
    "notifications.Inbox": {"GET": "notifications:inbox:read"},
    "notifications.MarkRead": {"POST": "notifications:inbox:read"},
    "notification_pages.inbox": {"GET": "notifications:inbox:read"},
    "notification_pages.mark_all_read": {"POST": "notifications:inbox:read"},
    "jobs_pages.staff_jobs": {"GET": "jobs:run:list"},
}
