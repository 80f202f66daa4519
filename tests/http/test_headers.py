"""Security headers on every kind of response, and CORS only for the origins configured."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, free_port, run_server


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/cases", None),
        ("POST", "/v1/suggest", {"message": "杯子碎了 电话13912345678"}),
        ("POST", "/v1/suggest", {"message": ""}),  # an error carries them too
        ("GET", "/v1/no-such-route", None),
        ("GET", "/v1/register.csv", None),
    ],
)
def test_api_responses_are_never_cached_sniffed_or_framed(client, method, path, body):
    params = {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00"} if "register" in path else None
    r = client.request(method, path, json=body, params=params)
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_pages_keep_their_own_policy_and_static_assets_may_be_cached(client):
    sidebar = client.get("/sidebar")
    assert "frame-ancestors 'self'" in sidebar.headers["content-security-policy"]
    assert "script-src 'self'" in sidebar.headers["content-security-policy"]
    asset = client.get("/static/sidebar.js")
    assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff"
    assert asset.headers.get("cache-control") != "no-store"
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


@pytest.fixture(scope="module")
def cors_server(engine, database):
    port = free_port()
    settings = Settings(
        port=port, cors_origins=("https://crm.example",), sidebar_origins=("https://chat.example",), **TEST_SETTINGS
    )
    srv = run_server(create_app(settings, engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


def test_cors_only_for_configured_origins_and_never_with_credentials(cors_server, admin_key):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with httpx.Client(base_url=cors_server, timeout=10) as c:
        ok = c.options("/v1/suggest", headers={"Origin": "https://crm.example", **preflight})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://crm.example"
        assert "access-control-allow-credentials" not in ok.headers
        evil = c.options("/v1/suggest", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in evil.headers
        r = c.post(
            "/v1/suggest",
            json={"message": "杯子碎了"},
            headers={"Origin": "https://crm.example", "Authorization": f"Bearer {admin_key}"},
        )
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://crm.example"
        assert (
            c.post(
                "/v1/suggest",
                json={"message": "杯子碎了"},
                headers={"Origin": "https://evil.example", "Authorization": f"Bearer {admin_key}"},
            ).status_code
            == 403
        )
        sidebar = c.get("/sidebar")
        assert "frame-ancestors 'self' https://chat.example" in sidebar.headers["content-security-policy"]


def test_a_wildcard_origin_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "*")
    with pytest.raises(ValueError, match="not allowed"):
        Settings.from_env()


@pytest.mark.parametrize(
    "path", ["/v1/cases", "/v1/no-such-route", "/healthz", "/sidebar", "/demo", "/editor/login", "/docs"]
)
def test_every_policy_forbids_plugins_and_base_tags(client, path):
    """object-src falls back to default-src, base-uri to nothing: both are spelled out everywhere."""
    policy = client.get(path, headers={"accept": "text/html"}).headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"], policy


def test_hsts_is_off_by_default(client):
    for path in ("/v1/cases", "/healthz", "/sidebar", "/static/sidebar.js"):
        assert "strict-transport-security" not in client.get(path).headers


def test_hsts_is_sent_on_every_answer_when_configured(engine, database, admin_key):
    port = free_port()
    settings = Settings(port=port, hsts_seconds=31_536_000, **TEST_SETTINGS)
    srv = run_server(create_app(settings, engine, database), port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            answers = [
                c.get("/v1/cases", headers={"Authorization": f"Bearer {admin_key}"}),
                c.get("/v1/cases"),  # 401
                c.get("/v1/no-such-route"),
                c.get("/sidebar"),
                c.get("/static/sidebar.js"),
                c.post("/v1/suggest", content=b"x" * 70_000),  # 413 from the body limit
            ]
        for r in answers:
            assert r.headers["strict-transport-security"] == "max-age=31536000", (r.url, r.status_code)
    finally:
        srv.should_exit = True
