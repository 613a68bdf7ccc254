"""Page flows with CSRF: the resident's form (with photo), tracking and rating, the staff queue and actions."""

import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from service.needs.models import Need
from tests.factories import make_need, settle
from tests.web.test_pages import csrf_from, login


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # a GPS block
    Image.new("RGB", (32, 32), (10, 120, 10)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def form(world, **overrides) -> dict:
    data = {
        "community_id": str(world.community_a.id),
        "compound_id": str(world.grid_a.id),
        "building_id": str(world.building_a.id),
        "category": "everyday_help",
        "description": "楼下水管漏水",
        "resident_name": "王秀英",
        "resident_phone": "13912345678",
    }
    data.update(overrides)
    return data


def open_form(client, world) -> str:
    page = client.get(f"/needs/new?community_id={world.community_a.id}")
    assert page.status_code == 200
    return csrf_from(page.text)


def test_form_lists_the_communitys_places_and_needs_no_inline_script(client, needs_world):
    page = client.get("/needs/new")
    assert page.status_code == 200 and "金山社区" in page.text and "银湖社区" in page.text
    page = client.get(f"/needs/new?community_id={needs_world.community_a.id}").text
    assert "金山第一网格" in page and "金山花园" in page and "金山花园3栋" in page and "金山1栋" in page
    assert "银湖1栋" not in page  # another community's buildings are not offered
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # the CSP forbids inline scripts
    assert "needs.js" in page and client.get("/static/needs.js").status_code == 200
    assert client.get("/needs/new?community_id=999999").status_code == 404


def test_resident_submits_the_form_and_lands_on_the_tracking_page(client, needs_world, session):
    token = open_form(client, needs_world)
    r = client.post("/needs/new", data=form(needs_world, csrf_token=token))
    assert r.status_code == 303
    need = session.scalar(select(Need))
    assert need.place_id == needs_world.building_a.id and need.channel == "resident"
    assert r.headers["Location"].endswith(f"/needs/track/{need.tracking_code}")
    page = client.get(r.headers["Location"]).text
    assert need.tracking_code in page and "待受理" in page


def test_form_without_csrf_is_refused(client, needs_world, session):
    r = client.post("/needs/new", data=form(needs_world))
    assert r.status_code == 400 and session.scalar(select(Need.id)) is None


def test_form_errors_are_shown_on_the_page(client, needs_world, session):
    token = open_form(client, needs_world)
    r = client.post("/needs/new", data=form(needs_world, csrf_token=token, category=""))
    assert r.status_code == 422 and "请选择服务类别" in r.text
    r = client.post("/needs/new", data=form(needs_world, csrf_token=token, resident_phone="1234", category="unknown"))
    assert r.status_code == 422
    assert "手机号格式不正确" in r.text and "请选择服务类别" in r.text
    assert "楼下水管漏水" in r.text  # what was typed is kept
    r = client.post(
        "/needs/new", data=form(needs_world, csrf_token=token, building_id=str(needs_world.compound_building_a.id))
    )
    assert r.status_code == 422 and "所选楼栋不在所选小区或网格内" in r.text
    r = client.post("/needs/new", data=form(needs_world, csrf_token=token, compound_id="", building_id=""))
    assert r.status_code == 422 and "请选择小区或楼栋" in r.text
    assert session.scalar(select(Need.id)) is None


def test_duplicate_from_the_form_is_a_409_page(client, needs_world):
    token = open_form(client, needs_world)
    assert client.post("/needs/new", data=form(needs_world, csrf_token=token)).status_code == 303
    again = client.post("/needs/new", data=form(needs_world, csrf_token=token))
    assert again.status_code == 409 and "重复" in again.text


def test_form_is_rate_limited(make_app, needs_world, tmp_path):
    client = make_app(NEED_FORM_LIMIT="2 per minute", NEED_PHOTO_DIR=str(tmp_path)).test_client()
    token = open_form(client, needs_world)
    codes = [
        client.post("/needs/new", data=form(needs_world, csrf_token=token, category=c)).status_code
        for c in ("everyday_help", "caring_help", "environment")
    ]
    assert codes == [303, 303, 429]
    assert client.get(f"/needs/new?community_id={needs_world.community_a.id}").status_code == 200  # reading is free


def test_png_photo_is_stored_under_a_random_name(app, client, needs_world, session, tmp_path):
    token = open_form(client, needs_world)
    data = form(needs_world, csrf_token=token, photo=(io.BytesIO(png_bytes()), "我家水管.png", "image/png"))
    r = client.post("/needs/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 303, r.text
    need = session.scalar(select(Need))
    stored = Path(app.config["NEED_PHOTO_DIR"]) / need.photo
    assert re.fullmatch(r"[0-9a-f]{32}\.png", need.photo) and stored.is_file()
    assert Image.open(stored).size == (40, 30)
    assert [p.name for p in stored.parent.iterdir()] == [need.photo]


def test_jpeg_is_stored_without_its_exif(app, client, needs_world, session):
    token = open_form(client, needs_world)
    data = form(needs_world, csrf_token=token, photo=(io.BytesIO(jpeg_with_exif()), "IMG_0001.JPG", "image/jpeg"))
    assert client.post("/needs/new", data=data, content_type="multipart/form-data").status_code == 303
    need = session.scalar(select(Need))
    assert need.photo.endswith(".jpg")
    stored = Image.open(Path(app.config["NEED_PHOTO_DIR"]) / need.photo)
    assert stored.format == "JPEG" and len(stored.getexif()) == 0


def test_photos_that_are_not_really_images_or_too_large_are_refused(app, client, needs_world, session):
    token = open_form(client, needs_world)
    fakes = {
        "not an image named .jpg": (b"<?php echo 'hi'; ?>" * 20, "photo.jpg", "image/jpeg"),
        "truncated png": (png_bytes()[:60], "photo.png", "image/png"),
        "a real gif": (_gif(), "photo.png", "image/png"),
    }
    for label, (content, name, mimetype) in fakes.items():
        data = form(needs_world, csrf_token=token, photo=(io.BytesIO(content), name, mimetype))
        r = client.post("/needs/new", data=data, content_type="multipart/form-data")
        assert r.status_code == 422 and "照片必须是 JPEG 或 PNG 图片" in r.text, label
    big = png_bytes() + b"\0" * (5 * 1024 * 1024)
    data = form(needs_world, csrf_token=token, photo=(io.BytesIO(big), "big.png", "image/png"))
    r = client.post("/needs/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and "照片不能超过 5 MB" in r.text
    assert session.scalar(select(Need.id)) is None
    folder = Path(app.config["NEED_PHOTO_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def _need_with_photo(app, session, world) -> int:
    from service.needs.photos import check_photo, store_photo

    need = make_need(session, world.community_a, world.building_a)
    need.photo = store_photo(check_photo(png_bytes()), Path(app.config["NEED_PHOTO_DIR"]))
    need_id = need.id
    settle(session)
    return need_id


def test_staff_see_the_photo(app, client, needs_world, session):
    need_id = _need_with_photo(app, session, needs_world)
    login(client, needs_world.accounts["grid_worker"].phone)
    assert "查看照片" in client.get(f"/staff/needs/{need_id}").text
    r = client.get(f"/staff/needs/{need_id}/photo")
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "no-store" in r.headers["Cache-Control"]


def test_another_communitys_staff_get_404_for_the_photo_and_the_need(app, client, needs_world, session):
    need_id = _need_with_photo(app, session, needs_world)
    login(client, needs_world.accounts["other_community_admin"].phone)
    assert client.get(f"/staff/needs/{need_id}/photo").status_code == 404
    assert client.get(f"/staff/needs/{need_id}").status_code == 404
    token = csrf_from(client.get("/staff/needs").text)
    assert client.post(f"/staff/needs/{need_id}/accept", data={"csrf_token": token}).status_code == 404


def test_tracking_page_rating_closes_and_low_rating_reopens(client, needs_world, session):
    good = make_need(session, needs_world.community_a, needs_world.building_a, status="resolved")
    bad = make_need(
        session,
        needs_world.community_a,
        needs_world.building_a,
        status="resolved",
        owner=needs_world.accounts["community_admin"],
    )
    codes = (good.tracking_code, bad.tracking_code)
    settle(session)
    page = client.get(f"/needs/track/{codes[0]}").text
    token = csrf_from(page)
    assert client.post(f"/needs/track/{codes[0]}/feedback", data={"stars": "5"}).status_code == 400
    r = client.post(
        f"/needs/track/{codes[0]}/feedback",
        data={"csrf_token": token, "stars": "5", "comment": "谢谢", "phone_last4": "5678"},
    )
    assert r.status_code == 303
    page = client.get(f"/needs/track/{codes[0]}").text
    assert "已归档" in page and "★★★★★" in page and 'name="stars"' not in page
    again = client.post(
        f"/needs/track/{codes[0]}/feedback", data={"csrf_token": token, "stars": "4", "phone_last4": "5678"}
    )
    assert again.status_code == 409
    r = client.post(
        f"/needs/track/{codes[1]}/feedback",
        data={"csrf_token": token, "stars": "1", "phone_last4": "5678"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "已受理" in r.text and "重新办理" in r.text
    no_stars = client.post(f"/needs/track/{codes[0]}/feedback", data={"csrf_token": token})
    assert no_stars.status_code == 422 and "请选择 1–5 星" in no_stars.text
    reopened = client.post(
        f"/needs/track/{codes[1]}/feedback", data={"csrf_token": token, "stars": "3", "phone_last4": "5678"}
    )
    assert reopened.status_code == 409  # back with its owner: nothing to rate yet


def test_tracking_lookup_form_redirects_to_the_code(client, needs_world, session):
    need = make_need(session, needs_world.community_a)
    settle(session)
    assert client.get("/needs/track").status_code == 200
    r = client.get(f"/needs/track?code={need.tracking_code.lower()}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/needs/track/{need.tracking_code}")


def test_staff_queue_detail_and_actions_with_csrf(client, needs_world, session):
    from datetime import timedelta

    from service.database import utcnow

    w = needs_world
    late = make_need(
        session,
        w.community_a,
        w.building_a,
        created_at=utcnow() - timedelta(days=8),
        description="独居老人家中漏水",
        beneficiary_group="special",
    )
    fresh = make_need(session, w.community_a, w.building_a, description="路灯不亮")
    make_need(session, w.community_b, w.building_b, description="银湖的诉求")
    ids = (late.id, fresh.id)
    settle(session)
    login(client, w.accounts["community_admin"].phone)
    queue = client.get("/staff/needs").text
    assert queue.index("独居老人家中漏水") < queue.index("路灯不亮") and "银湖的诉求" not in queue
    assert "超期" in queue and "特殊群体" in queue
    only_late = client.get("/staff/needs?overdue=1").text
    assert "独居老人家中漏水" in only_late and "路灯不亮" not in only_late
    detail = client.get(f"/staff/needs/{ids[0]}").text
    assert "accept-form" in detail and "reject-form" in detail and "特殊群体" in detail
    token = csrf_from(detail)
    assert client.post(f"/staff/needs/{ids[0]}/accept", data={}).status_code == 400
    r = client.post(
        f"/staff/needs/{ids[0]}/accept", data={"csrf_token": token, "owner_account_id": w.accounts["grid_worker"].id}
    )
    assert r.status_code == 303
    detail = client.get(f"/staff/needs/{ids[0]}").text
    assert "transfer-form" in detail and w.accounts["grid_worker"].name in detail
    r = client.post(
        f"/staff/needs/{ids[0]}/transfer",
        data={"csrf_token": token, "department_id": w.departments[0].id, "due_on": "2099-01-31"},
    )
    assert r.status_code == 303
    detail = client.get(f"/staff/needs/{ids[0]}").text
    assert "2099-01-31 23:59" in detail and "resolve-form" in detail
    r = client.post(f"/staff/needs/{ids[0]}/resolve", data={"csrf_token": token, "result": "城管已处理"})
    assert r.status_code == 303
    r = client.post(f"/staff/needs/{ids[0]}/resolve", data={"csrf_token": token, "result": "再办一次"})
    assert r.status_code == 409 and "不允许" in r.text
    r = client.post(f"/staff/needs/{ids[1]}/reject", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422
    r = client.post(f"/staff/needs/{ids[1]}/reject", data={"csrf_token": token, "reason": "重复反映"})
    assert r.status_code == 303
    assert [session.get(Need, i).status for i in ids] == ["resolved", "rejected"]
    assert client.post(f"/staff/needs/{ids[1]}/explode", data={"csrf_token": token}).status_code == 404


def test_grid_worker_records_a_door_to_door_need(client, needs_world, session):
    login(client, needs_world.accounts["grid_worker"].phone)
    page = client.get("/staff/needs/new")
    assert page.status_code == 200 and "敲门问需" in page.text and "特殊群体" in page.text
    token = csrf_from(page.text)
    data = form(needs_world, csrf_token=token, resident_phone="", urgency="urgent", beneficiary_group="hardship")
    r = client.post("/staff/needs/new", data=data)
    assert r.status_code == 303
    need = session.scalar(select(Need))
    assert (need.channel, need.urgency, need.beneficiary_group, need.resident_phone) == (
        "door_to_door",
        "urgent",
        "hardship",
        None,
    )
    assert need.created_by_id == needs_world.accounts["grid_worker"].id
    page = client.get(r.headers["Location"]).text
    assert need.tracking_code in page


def test_staff_pages_are_closed_to_members_and_strangers(client, needs_world):
    assert client.get("/staff/needs").status_code == 302  # to the login page
    login(client, needs_world.member_a.phone)
    assert client.get("/staff/needs").status_code == 403
    assert client.get("/staff/needs/new").status_code == 403
