"""Settings from the environment: the same names, defaults and meanings as ever; a bad value is one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.settings import PROJECT_ROOT, InvalidSettings, Settings


@pytest.fixture
def clean_env(monkeypatch):
    for field in Settings.model_fields.values():
        monkeypatch.delenv(str(field.validation_alias), raising=False)
    return monkeypatch


def test_every_variable_is_read_under_its_old_name(clean_env, tmp_path):
    assert Settings.from_env() == Settings()
    values = {
        "HOST": "0.0.0.0",
        "PORT": "9001",
        "CONTENT_DIR": str(tmp_path / "content"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": "sqlite:///x.db",
        "LOG_LEVEL": "WARNING",
        "WORKERS": "3",
        "WATCH_CONTENT": "0",
        "RATE_LIMIT_PER_MINUTE": "0",
        "AUTH_FAILURES_PER_MINUTE": "7",
        "AUTH_CACHE_SECONDS": "0.5",
        "CONTENT_CHECK_SECONDS": "0",
        "SIDEBAR_ORIGINS": "https://chat.example/, https://im.example:8443",
        "CORS_ORIGINS": " https://crm.example ,",
        "TRUSTED_PROXIES": "10.0.0.5, 10.1.2.3/16,::1",
        "ADMIN_KEY_FILE": str(tmp_path / "admin-key.txt"),
    }
    for name, value in values.items():
        clean_env.setenv(name, value)
    assert Settings.from_env() == Settings(
        host="0.0.0.0",
        port=9001,
        content_dir=tmp_path / "content",
        cache_dir=tmp_path / "cache",
        database_url="sqlite:///x.db",
        log_level="warning",
        workers=3,
        watch_content=False,
        rate_limit_per_minute=0,
        auth_failures_per_minute=7,
        auth_cache_seconds=0.5,
        content_check_seconds=0.0,
        sidebar_origins=("https://chat.example", "https://im.example:8443"),
        cors_origins=("https://crm.example",),
        trusted_proxies=("10.0.0.5/32", "10.1.0.0/16", "::1/128"),
        admin_key_file=tmp_path / "admin-key.txt",
    )


@pytest.mark.parametrize("off", ["0", "false", "no"])
def test_watch_content_is_turned_off_by_the_words_it_always_understood(clean_env, off):
    clean_env.setenv("WATCH_CONTENT", off)
    assert Settings.from_env().watch_content is False


def test_settings_in_code_ignore_the_environment(clean_env):
    clean_env.setenv("PORT", "9001")
    assert Settings().port == 8000 and Settings(port=9002).port == 9002


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PORT", "abc", "PORT='abc': expected an integer from 1 to 65535"),
        ("PORT", "70000", "PORT='70000': expected an integer from 1 to 65535"),
        ("WORKERS", "-1", "WORKERS='-1': expected an integer ≥ 1"),
        ("WORKERS", "0", "WORKERS='0': expected an integer ≥ 1"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL='loud': expected one of critical, fatal, error, warning, warn, info"),
        ("WATCH_CONTENT", "maybe", "WATCH_CONTENT='maybe': expected 1/0, true/false, yes/no or on/off"),
        ("RATE_LIMIT_PER_MINUTE", "-5", "RATE_LIMIT_PER_MINUTE='-5': expected an integer ≥ 0"),
        ("AUTH_CACHE_SECONDS", "nan", "AUTH_CACHE_SECONDS='nan': expected a number ≥ 0"),
        ("CONTENT_CHECK_SECONDS", "soon", "CONTENT_CHECK_SECONDS='soon': expected a number ≥ 0"),
        ("SIDEBAR_ORIGINS", "https://a.example,*", "SIDEBAR_ORIGINS='https://a.example,*': origins must be listed"),
        ("TRUSTED_PROXIES", "lb.internal", "TRUSTED_PROXIES='lb.internal': expected IP addresses or networks"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_expects(clean_env, name, value, says):
    clean_env.setenv(name, value)
    with pytest.raises(InvalidSettings) as caught:
        Settings.from_env()
    assert len(caught.value.lines) == 1 and caught.value.lines[0].startswith(says), caught.value.lines


def test_every_bad_variable_is_named_at_once(clean_env):
    clean_env.setenv("PORT", "abc")
    clean_env.setenv("WORKERS", "two")
    with pytest.raises(InvalidSettings) as caught:
        Settings.from_env()
    assert [line.split("=")[0] for line in caught.value.lines] == ["PORT", "WORKERS"]


@pytest.mark.parametrize("command", [[], ["keys", "list"]])
def test_python_m_app_stops_with_one_line_and_no_traceback(command):
    result = subprocess.run(
        [sys.executable, "-m", "app", *command],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PORT": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "设置有误,服务未启动 invalid setting, not starting: PORT='abc': expected an integer from 1 to 65535"
    ]
