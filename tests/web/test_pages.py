import re


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, phone, password="password-123"):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})


def test_landing_page_is_chinese_by_default(client):
    r = client.get("/")
    assert r.status_code == 200 and 'lang="zh-CN"' in r.text and "登录" in r.text


def test_english_is_available(client):
    r = client.get("/?lang=en")
    assert 'lang="en"' in r.text and "Log in" in r.text
    assert "Log in" in client.get("/login").text  # the choice sticks


def test_login_without_csrf_token_is_refused(client, world):
    r = client.post("/login", data={"phone": world.member_a.phone, "password": "password-123"})
    assert r.status_code == 400
    assert "表单已过期" in r.text  # said in words, and nobody is logged in


def test_wrong_password_shows_a_message(client, world):
    r = login(client, world.member_a.phone, "wrong-password")
    assert r.status_code == 422 and "手机号或密码错误" in r.text


def test_member_home_shows_profile_and_next_steps(client, world):
    assert login(client, world.member_a.phone).status_code == 302
    page = client.get("/").text
    assert "我的档案" in page and "张三" in page and "在职党员" in page
    assert "填写每周空闲时段" in page  # availability is still empty


def test_staff_home_shows_scope_counts(client, world):
    login(client, world.accounts["community_admin"].phone)
    page = client.get("/").text
    assert "管辖范围" in page and "社区管理员" in page
    members = client.get("/staff/members").text
    assert "张三" in members and "李四" not in members


def test_member_cannot_open_staff_pages(client, world):
    login(client, world.member_a.phone)
    assert client.get("/staff/members").status_code == 403


def test_logout_needs_post_with_csrf(client, world):
    login(client, world.member_a.phone)
    page = client.get("/").text
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert "我的档案" not in client.get("/").text


def test_session_cookie_flags(client, world):
    r = login(client, world.member_a.phone)
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_page_is_a_404_page_not_json(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_security_headers_forbid_inline_scripts_and_framing(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "service"
    offenders = [
        str(p)
        for p in root.rglob("*.html")
        if "<script>" in p.read_text()
        or "<script " in p.read_text()
        and "src=" not in p.read_text().split("<script ", 1)[1].split(">", 1)[0]
    ]
    assert offenders == []
