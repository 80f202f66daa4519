"""The editors' sign-in over HTTP: a session of its own (never the key) kept on the server, sign-out, the
cookie's attributes over HTTP and HTTPS, and sign-in forms only from our own pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from app.auth import service as keys
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, free_port, make_key, run_server

PAGE = {"Accept": "text/html"}


def sign_in(c: httpx.Client, key: str, **headers: str) -> httpx.Response:
    return c.post("/editor/login", data={"key": key}, headers={"Origin": str(c.base_url).rstrip("/"), **headers})


def set_cookie(r: httpx.Response) -> str:
    return "; ".join(r.headers.get_list("set-cookie"))


def test_the_cookie_holds_a_session_token_never_the_key(server, database):
    key = make_key(database, "editor", ("default",))
    with httpx.Client(base_url=server, timeout=10) as c:
        r = sign_in(c, key)
        assert r.status_code == 303 and r.headers["location"] == "/editor/preview"
        header = set_cookie(r)
        assert key not in header and key.split("_", 2)[2] not in header
        token = c.cookies["shouhou_editor"]
        assert token and token not in key
        lowered = header.lower()
        assert "httponly" in lowered and "samesite=strict" in lowered and "path=/editor" in lowered
        assert "secure" not in lowered  # plain HTTP: a browser would drop a Secure cookie
        assert c.get("/editor/preview", params={"message": "杯子碎了"}).status_code == 200
    # The server keeps only a hash of the token, tied to the key.
    from app.auth.models import EditorSession

    with database.unit_of_work() as s:
        row = s.get(EditorSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None and row.key_id == key.split("_")[1]
        assert token not in {r.id for r in s.scalars(select(EditorSession))}


def test_a_key_in_the_cookie_is_not_a_session(server, database):
    key = make_key(database, "editor", ("default",))
    with httpx.Client(base_url=server, timeout=10, cookies={"shouhou_editor": key, "shouhou_key": key}) as c:
        r = c.get("/editor/preview", headers=PAGE, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/editor/login"
        assert c.get("/editor/preview").status_code == 401


def test_signing_out_ends_the_session_on_the_server(server, database):
    key = make_key(database, "editor", ("default",))
    with httpx.Client(base_url=server, timeout=10) as c:
        sign_in(c, key)
        token = c.cookies["shouhou_editor"]
        r = c.post("/editor/logout", headers={"Origin": server})
        assert r.status_code == 303 and r.headers["location"] == "/editor/login"
        assert "shouhou_editor" not in c.cookies  # cleared in the browser …
    # … and dead on the server: a copy of the cookie taken before no longer works.
    with httpx.Client(base_url=server, timeout=10, cookies={"shouhou_editor": token}) as thief:
        assert thief.get("/editor/preview").status_code == 401


def test_revoking_the_key_ends_its_sessions(server, database):
    key = make_key(database, "editor", ("default",))
    with httpx.Client(base_url=server, timeout=10) as c:
        sign_in(c, key)
        assert c.get("/editor/preview").status_code == 200
        with database.unit_of_work() as s:
            keys.revoke(s, key.split("_")[1], datetime.now(UTC))
        assert c.get("/editor/preview").status_code == 401


@pytest.mark.parametrize("origin", ["null", "https://evil.example"])
def test_sign_in_and_out_only_from_our_own_pages(server, database, origin):
    """A sandboxed frame sends Origin: null; it once replaced an editor's cookie with an attacker's key."""
    key = make_key(database, "editor", ("default",))
    with httpx.Client(base_url=server, timeout=10) as c:
        r = sign_in(c, key, Origin=origin)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_origin"
        assert "set-cookie" not in r.headers
        sign_in(c, key)
        assert c.post("/editor/logout", headers={"Origin": origin}).status_code == 403
        assert c.get("/editor/preview").status_code == 200  # still signed in


def test_a_wrong_key_opens_no_session(server):
    with httpx.Client(base_url=server, timeout=10) as c:
        r = sign_in(c, "shk_000000000000_" + "x" * 43)
        assert r.status_code == 303 and r.headers["location"] == "/editor/login?failed=1"
        assert "set-cookie" not in r.headers


@pytest.fixture(scope="module")
def behind_tls_proxy(engine, database):
    """A server whose load balancer (here: this machine) terminates TLS and says so in X-Forwarded-Proto."""
    port = free_port()
    settings = Settings(port=port, trusted_proxies=("127.0.0.1",), **TEST_SETTINGS)
    srv = run_server(create_app(settings, engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


def test_over_https_the_cookie_is_secure_with_the_host_prefix(behind_tls_proxy, database):
    key = make_key(database, "editor", ("default",))
    https = {"X-Forwarded-Proto": "https"}
    origin = behind_tls_proxy.replace("http://", "https://")
    with httpx.Client(base_url=behind_tls_proxy, timeout=10) as c:
        r = c.post("/editor/login", data={"key": key}, headers={"Origin": origin, **https})
        assert r.status_code == 303
        header = set_cookie(r)
        assert header.startswith("__Host-shouhou_editor=")
        lowered = header.lower()
        assert "secure" in lowered and "path=/;" in lowered + ";" and "domain" not in lowered
        assert "httponly" in lowered and "samesite=strict" in lowered
        token = header.split(";")[0].split("=", 1)[1]
    with httpx.Client(base_url=behind_tls_proxy, timeout=10) as c:
        cookie = {"Cookie": f"__Host-shouhou_editor={token}"}
        assert c.get("/editor/preview", headers={**https, **cookie}).status_code == 200
        # Over HTTPS only the __Host- cookie counts: a plain one (which any subdomain could set) does not.
        plain = {"Cookie": f"shouhou_editor={token}"}
        assert c.get("/editor/preview", headers={**https, **plain}).status_code == 401
        # The header counts only from a trusted proxy: here it is one, so without it the request is plain HTTP.
        assert c.get("/editor/preview", headers=plain).status_code == 200
        out = c.post("/editor/logout", headers={"Origin": origin, **https, **cookie})
        assert "__Host-shouhou_editor=" in set_cookie(out) and "max-age=0" in set_cookie(out).lower()
        assert c.get("/editor/preview", headers={**https, **cookie}).status_code == 401
