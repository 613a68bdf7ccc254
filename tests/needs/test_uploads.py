"""Photo uploads on the need forms (the resident's door and the staff's 敲门问需 form).

The content decides, never the file name or the declared type: only JPEG and PNG that
really decode are kept, re-encoded under a fresh random name inside the photo folder.
Anything else is refused with the photo's own message, the need is not created, nothing
is written, and the form comes back with what was typed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from service.needs.models import Need
from tests.web.test_pages import csrf_from, login

from .test_pages import form, open_form, png_bytes

NOT_AN_IMAGE = "照片必须是 JPEG 或 PNG 图片"
TOO_LARGE = "照片不能超过 5 MB"


def _image(fmt: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (16, 12), (20, 90, 200) if mode == "RGB" else 0).save(out, fmt)
    return out.getvalue()


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _post(client, world, token, content: bytes, name: str, mimetype: str, url: str = "/needs/new"):
    data = form(world, csrf_token=token, photo=(io.BytesIO(content), name, mimetype))
    return client.post(url, data=data, content_type="multipart/form-data")


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def photo_folder(app) -> Path:
    return Path(app.config["NEED_PHOTO_DIR"])


def _assert_refused(r, session, photo_folder, message: str = NOT_AN_IMAGE):
    assert r.status_code == 422, r.status_code
    assert message in r.text
    assert "楼下水管漏水" in r.text and "王秀英" in r.text  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(Need)) == 0
    assert not photo_folder.exists() or not any(photo_folder.iterdir())


@pytest.mark.parametrize(
    "label, content, name, mimetype",
    [
        ("a PDF", _pdf(), "病历.pdf", "application/pdf"),
        ("a PDF that claims to be a JPEG", _pdf(), "scan.jpg", "image/jpeg"),
        ("a text file", "楼下水管漏水，请尽快处理".encode() * 10, "note.txt", "text/plain"),
        ("a text file named .png", b"just some words, not pixels\n" * 20, "photo.png", "image/png"),
        ("an HTML page named .png", b"<html><script>alert(1)</script></html>", "x.png", "image/png"),
        ("a GIF", _image("GIF", "P"), "animation.gif", "image/gif"),
        ("a GIF named .png", _image("GIF", "P"), "photo.png", "image/png"),
        ("a WebP", _image("WEBP"), "photo.webp", "image/webp"),
        ("a WebP named .jpg", _image("WEBP"), "photo.jpg", "image/jpeg"),
        ("a BMP named .jpg", _image("BMP"), "photo.jpg", "image/jpeg"),
        ("a PNG header on garbage", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "photo.png", "image/png"),
    ],
)
def test_what_is_not_a_jpeg_or_png_is_refused_whatever_it_is_called(
    label, content, name, mimetype, client, needs_world, session, photo_folder
):
    token = open_form(client, needs_world)
    _assert_refused(_post(client, needs_world, token, content, name, mimetype), session, photo_folder)


def test_an_oversize_photo_is_refused_and_the_form_kept(client, needs_world, session, photo_folder):
    token = open_form(client, needs_world)
    big = png_bytes() + b"\0" * (5 * 1024 * 1024)  # a valid PNG start, past 5 MB
    _assert_refused(_post(client, needs_world, token, big, "big.png", "image/png"), session, photo_folder, TOO_LARGE)


def test_a_request_past_the_body_limit_is_a_413_page(client, needs_world, session, photo_folder):
    token = open_form(client, needs_world)
    huge = b"\0" * (7 * 1024 * 1024)  # more than MAX_CONTENT_LENGTH (6 MB) in all
    r = _post(client, needs_world, token, huge, "huge.jpg", "image/jpeg")
    assert r.status_code == 413
    assert session.scalar(select(func.count()).select_from(Need)) == 0
    assert not photo_folder.exists() or not any(photo_folder.iterdir())


def test_png_bytes_named_jpg_are_judged_by_their_content(client, needs_world, session, photo_folder):
    token = open_form(client, needs_world)
    r = _post(client, needs_world, token, png_bytes(), "holiday.jpg", "image/jpeg")
    assert r.status_code == 303, r.text
    need = session.scalar(select(Need))
    assert re.fullmatch(r"[0-9a-f]{32}\.png", need.photo)  # stored as what it is: a PNG
    assert Image.open(photo_folder / need.photo).format == "PNG"


def test_jpeg_bytes_named_png_are_stored_as_a_jpeg(client, needs_world, session, photo_folder):
    token = open_form(client, needs_world)
    r = _post(client, needs_world, token, _image("JPEG"), "photo.png", "image/png")
    assert r.status_code == 303, r.text
    need = session.scalar(select(Need))
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", need.photo)
    assert Image.open(photo_folder / need.photo).format == "JPEG"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "..\\..\\x.jpg",
        "/etc/cron.d/evil.png",
        "C:\\Windows\\evil.png",
        ".htaccess.png",
        "photo.png\0.php",
        "\0",
        "..",
        "a" * 300 + ".png",
    ],
)
def test_path_tricks_in_the_file_name_are_neutralised(name, app, client, needs_world, session, photo_folder, tmp_path):
    """The name the browser sends is never used: the photo lands in the photo folder under a
    random name, and nothing else appears anywhere under the test's folder."""
    before = _files_under(tmp_path)
    token = open_form(client, needs_world)
    r = _post(client, needs_world, token, png_bytes(), name, "image/png")
    assert r.status_code == 303, r.text
    need = session.scalar(select(Need))
    after = _files_under(tmp_path) - before
    assert re.fullmatch(r"[0-9a-f]{32}\.png", need.photo)
    assert after == {photo_folder / need.photo}
    assert (photo_folder / need.photo).resolve().parent == photo_folder.resolve()


def test_the_staff_form_refuses_a_fake_photo_too(client, needs_world, session, photo_folder):
    login(client, needs_world.accounts["grid_worker"].phone)
    page = client.get("/staff/needs/new")
    assert page.status_code == 200
    token = csrf_from(page.text)
    r = _post(
        client,
        needs_world,
        token,
        b"%PDF-1.4 not an image",
        "../../etc/passwd.jpg",
        "image/jpeg",
        url="/staff/needs/new",
    )
    _assert_refused(r, session, photo_folder)
    r = _post(client, needs_world, token, png_bytes(), "../../etc/passwd.jpg", "image/jpeg", url="/staff/needs/new")
    assert r.status_code == 303, r.text
    need = session.scalar(select(Need))
    assert re.fullmatch(r"[0-9a-f]{32}\.png", need.photo) and (photo_folder / need.photo).is_file()


def test_a_refused_photo_then_a_good_one_creates_one_need(client, needs_world, session, photo_folder):
    """Nothing half-made is left by the refusal: fixing the photo and sending again works once."""
    token = open_form(client, needs_world)
    assert _post(client, needs_world, token, _pdf(), "a.pdf", "application/pdf").status_code == 422
    assert _post(client, needs_world, token, png_bytes(), "a.png", "image/png").status_code == 303
    assert session.scalar(select(func.count()).select_from(Need)) == 1
    assert len(list(photo_folder.iterdir())) == 1
