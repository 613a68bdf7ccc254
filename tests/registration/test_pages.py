"""Page flows with CSRF: the member's 我的双报到, the community's review queue."""

import re

from sqlalchemy import select

from service.registration.models import Registration

from ..factories import make_member, make_registration
from .conftest import csrf_from, page_login

ME = "/registration/me"
QUEUE = "/staff/registrations"
DECIDE = "/staff/registrations/decide"


def _registrations(session, member_id):
    rows = session.scalars(
        select(Registration).where(Registration.member_id == member_id).order_by(Registration.id)
    ).all()
    result = [(r.side, r.community_id, r.status) for r in rows]
    session.close()
    return result


def test_member_page_shows_what_is_missing_and_preselects_home(client, world):
    page_login(client, world.member_a.phone)
    assert "我的双报到" in client.get("/").text
    page = client.get(ME)
    assert page.status_code == 200
    assert "尚未报到居住地社区" in page.text and "尚未报到单位挂点社区" in page.text
    residence = page.text[page.text.index('id="file-residence"') : page.text.index('id="side-unit"')]
    assert re.search(rf'<option value="{world.community_a.id}" selected>金山社区</option>', residence)
    assert f'<option value="{world.community_b.id}">银湖社区</option>' in residence  # others may be picked
    unit = page.text[page.text.index('id="file-unit"') :]
    assert "金山社区" in unit and "银湖社区" not in unit.split("</form>")[0]


def test_member_files_both_sides_through_the_page(client, world, session):
    page_login(client, world.member_a.phone)
    token = csrf_from(client.get(ME).text)
    assert (
        client.post(ME, data={"side": "residence", "community_id": world.community_a.id}).status_code == 400
    )  # no CSRF
    r = client.post(ME, data={"side": "residence", "community_id": world.community_a.id, "csrf_token": token})
    assert r.status_code == 303
    r = client.post(ME, data={"side": "unit", "community_id": world.community_a.id, "csrf_token": token})
    assert r.status_code == 303
    page = client.get(ME).text
    assert "已提交报到，请等待社区审核" in page
    assert "居住地社区报到待审核" in page and "单位挂点社区报到待审核" in page
    assert _registrations(session, world.member_a.id) == [
        ("residence", world.community_a.id, "pending"),
        ("unit", world.community_a.id, "pending"),
    ]


def test_refusals_are_messages_on_the_page(client, world, session):
    page_login(client, world.member_a.phone)
    token = csrf_from(client.get(ME).text)
    r = client.post(ME, data={"side": "residence", "community_id": world.community_b.id, "csrf_token": token})
    assert r.status_code == 422 and "住址不在该社区" in r.text and 'role="alert"' in r.text
    r = client.post(ME, data={"side": "sideways", "community_id": world.community_a.id, "csrf_token": token})
    assert r.status_code == 422 and 'role="alert"' in r.text
    client.post(ME, data={"side": "unit", "community_id": world.community_a.id, "csrf_token": token})
    r = client.post(ME, data={"side": "unit", "community_id": world.community_a.id, "csrf_token": token})
    assert r.status_code == 409 and "待审核" in r.text
    assert _registrations(session, world.member_a.id) == [("unit", world.community_a.id, "pending")]


def test_member_withdraws_through_the_page(client, world, session, settled):
    registration_id = make_registration(session, world.member_a, world.community_a, "unit").id
    settled()
    page_login(client, world.member_a.phone)
    page = client.get(ME).text
    assert "撤回报到" in page and "尚未报到单位挂点社区" not in page
    url = f"/registration/{registration_id}/withdraw"
    r = client.post(url, data={"reason": "调动工作", "csrf_token": csrf_from(page)})
    assert r.status_code == 303
    page = client.get(ME).text
    assert "已撤回报到" in page and "尚未报到单位挂点社区" in page and "调动工作" in page
    r = client.post(url, data={"csrf_token": csrf_from(page)})
    assert r.status_code == 409 and 'role="alert"' in r.text


def test_community_admin_reviews_one_by_one_and_in_a_batch(client, world, session, settled):
    wang = make_member(session, "王五", building=world.building_a, unit=world.unit)
    first = make_registration(session, world.member_a, world.community_a, "residence", status="pending").id
    second = make_registration(session, world.member_a, world.community_a, "unit", status="pending").id
    third = make_registration(session, wang, world.community_a, "residence", status="pending").id
    fourth = make_registration(session, wang, world.community_a, "unit", status="pending").id
    elsewhere = make_registration(session, world.member_b, world.community_b, "residence", status="pending").id
    settled()
    page_login(client, world.accounts["community_admin"].phone)
    assert "双报到审核" in client.get("/").text
    page = client.get(QUEUE)
    assert page.status_code == 200 and "张三" in page.text and "王五" in page.text and "李四" not in page.text
    token = csrf_from(page.text)
    cid = world.community_a.id

    assert client.post(DECIDE, data={"ids": first, "action": "approve", "community_id": cid}).status_code == 400
    r = client.post(DECIDE, data={"ids": first, "action": "approve", "community_id": cid, "csrf_token": token})
    assert r.status_code == 303
    r = client.post(DECIDE, data={"ids": second, "action": "reject", "community_id": cid, "csrf_token": token})
    assert r.status_code == 422 and "驳回报到需要填写理由" in r.text
    r = client.post(
        DECIDE,
        data={"ids": second, "action": "reject", "reason": "单位证明缺失", "community_id": cid, "csrf_token": token},
    )
    assert r.status_code == 303
    r = client.post(
        DECIDE, data={"ids": [third, fourth], "action": "approve", "community_id": cid, "csrf_token": token}
    )
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).text
    assert "已通过 2 条报到" in page and "没有待审核的报到" in page
    assert "居住地社区（2）" in page and "单位挂点社区（1）" in page
    statuses = {i: session.get(Registration, i).status for i in (first, second, third, fourth, elsewhere)}
    session.close()
    assert statuses == {
        first: "approved",
        second: "rejected",
        third: "approved",
        fourth: "approved",
        elsewhere: "pending",
    }

    # Another community's record, or one already decided, is a message and a 4xx.
    r = client.post(DECIDE, data={"ids": elsewhere, "action": "approve", "community_id": cid, "csrf_token": token})
    assert r.status_code == 404 and "报到记录不存在" in r.text
    r = client.post(DECIDE, data={"ids": first, "action": "approve", "community_id": cid, "csrf_token": token})
    assert r.status_code == 409 and 'role="alert"' in r.text
    r = client.post(DECIDE, data={"action": "approve", "community_id": cid, "csrf_token": token})
    assert r.status_code == 422 and "请先勾选要审核的报到" in r.text


def test_registered_members_by_side(client, world, session, settled):
    wang = make_member(session, "王五", building=world.building_b, unit=world.unit)
    make_registration(session, world.member_a, world.community_a, "residence")
    make_registration(session, wang, world.community_a, "unit")
    make_registration(session, world.member_b, world.community_b, "residence")
    settled()
    page_login(client, world.accounts["community_admin"].phone)
    residence = client.get(f"{QUEUE}?side=residence").text
    registered = residence[residence.index('id="registered"') :]
    assert "张三" in registered and "王五" not in registered and "李四" not in registered
    unit = client.get(f"{QUEUE}?side=unit").text
    registered = unit[unit.index('id="registered"') :]
    assert "王五" in registered and "张三" not in registered


def test_pages_are_for_their_roles(client, world):
    page_login(client, world.member_a.phone)
    assert client.get(QUEUE).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    page_login(client, world.accounts["grid_worker"].phone)
    assert client.get(QUEUE).status_code == 403
    assert client.get(ME).status_code == 404  # no member record
    assert "双报到审核" not in client.get("/").text


def test_pages_need_login(client):
    r = client.get(ME)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_one_button_approves_every_row_shown(client, world, session, settled):
    ids = [
        make_registration(session, world.member_a, world.community_a, "residence", status="pending").id,
        make_registration(session, world.member_a, world.community_a, "unit", status="pending").id,
    ]
    settled()
    page_login(client, world.accounts["community_admin"].phone)
    page = client.get(QUEUE).text
    form = page[page.index('id="approve-shown"') :]
    form = form[: form.index("</form>")]
    shown = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', form)]
    assert sorted(shown) == sorted(ids) and "通过本页全部 2 条" in form
    r = client.post(
        DECIDE,
        data={"ids": shown, "action": "approve", "community_id": world.community_a.id, "csrf_token": csrf_from(page)},
    )
    assert r.status_code == 303
    assert {status for _side, _c, status in _registrations(session, world.member_a.id)} == {"approved"}
