"""Personal data never reaches a log line in clear, whoever logs it and however."""

import logging

import pytest

from app.logs import FORMAT, MaskingFormatter


def _line(record_args, exc=None) -> str:  # type: ignore[no-untyped-def]
    msg, args, _ = record_args
    record = logging.LogRecord("test", logging.ERROR, __file__, 1, msg, args, exc)
    return MaskingFormatter(FORMAT).format(record)


def test_message_and_arguments_are_masked():
    line = _line(("buyer %s wrote %s", ("13912345678", "改到浙江省杭州市西湖区文三路478号"), None))
    assert "13912345678" not in line and "139****5678" in line
    assert "文三路478号" not in line and "杭州市西湖区****" in line


def test_tracebacks_are_masked():
    try:
        raise ValueError("bad phone 13800001111 id 11010519491231002X")
    except ValueError as exc:
        line = _line(("failed", (), None), (type(exc), exc, exc.__traceback__))
    assert "Traceback" in line
    assert "13800001111" not in line and "138****1111" in line
    assert "11010519491231002X" not in line


def test_the_suites_log_scan_sees_buyer_messages_and_finds_numbers():
    """The end-of-session scan is only worth something if buyer text reaches the log and the detector bites."""
    from tests.conftest import unmasked_numbers

    assert unmasked_numbers("a 13812345678 b") == ["13812345678"]
    assert unmasked_numbers("+86 138 1234 5678") == ["+8613812345678"]
    assert unmasked_numbers("１３８-１２３４-５６７８") == ["13812345678"]
    assert unmasked_numbers("138****5678 订单123456789012345678") == []


def test_buyer_messages_reach_the_session_log_masked(client):
    from tests.conftest import _LOG_FILE, unmasked_numbers

    marker = "日志扫描标记"
    assert client.post("/v1/suggest", json={"message": f"{marker} 改地址 电话 139 8765 4321"}).status_code == 200
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [line for line in _LOG_FILE.read_text(encoding="utf-8").splitlines() if marker in line]
    assert lines and all("139****4321" in line and not unmasked_numbers(line) for line in lines)


def test_the_scan_sees_the_forms_a_log_line_may_show():
    from tests.conftest import unmasked_numbers

    assert unmasked_numbers("message='139\\t1234\\t5678'") == ["13912345678"]  # as %r writes a tab
    assert unmasked_numbers("message='139\\u30001234\\u30005678'") == ["13912345678"]
    assert unmasked_numbers("138.1234.5678、138/1234/5678") == ["13812345678", "13812345678"]
    assert unmasked_numbers("1 3 8 1 2 3 4 5 6 7 8") == ["13812345678"]
    assert unmasked_numbers("幺三八 一二三四 五六七八") == ["13812345678"]


@pytest.mark.parametrize(
    "written",
    [
        "139\t1234\t5678",  # %r writes these separators as escapes: the finished line showed 139\t1234\t5678
        "139\u30001234\u30005678",
        "１３９\u3000１２３４\u3000５６７８",
        "139\u00a01234\u00a05678",
        "139.1234.5678",
        "139/1234/5678",
        "1 3 9 1 2 3 4 5 6 7 8",
        "一三九 一二三四 五六七八",
    ],
)
def test_debug_lines_with_repr_mask_every_written_form(written):
    from tests.conftest import unmasked_numbers

    line = _line(("suggest key=%s message=%r -> %s", ("k1", f"改地址 电话 {written} 谢谢", "matched"), None))
    assert not unmasked_numbers(line), line
    assert "****" in line


def test_arguments_inside_containers_are_masked_before_formatting():
    from tests.conftest import unmasked_numbers

    line = _line(("cases %r %r", (["139\t1234\t5678"], {"buyer": ("138\u30001234\u30005678",)}), None))
    assert not unmasked_numbers(line) and line.count("****") == 2, line


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r", "\u2028", "\x0b", "\x85"])
def test_input_cannot_start_a_log_line_of_its_own(brk):
    forged = f"c-1{brk}2026-01-01 00:00:00,000 INFO app: key revoked by admin"
    line = _line(("suggest in case conversation=%s buyer_ref=%r", (forged, forged), None))
    assert line.splitlines() == [line]  # one record, one line, for every kind of line break a viewer honours
    assert "c-1\\" in line


def test_a_traceback_keeps_its_lines_indented_so_records_stay_apart():
    try:
        raise ValueError("bad buyer_ref 'x\n2026-01-01 00:00:00,000 INFO app: forged'")
    except ValueError as exc:
        line = _line(("export failed", (), None), (type(exc), exc, exc.__traceback__))
    first, *rest = line.splitlines()
    assert first.endswith("export failed") and rest
    assert all(part.startswith("    ") for part in rest), line  # only a record starts at the margin
    assert any(part.strip().startswith("2026-01-01") for part in rest)


def test_forged_lines_never_reach_the_session_log(client):
    from tests.conftest import _LOG_FILE

    marker = "伪造日志标记"
    forged = f"\n2026-01-01 00:00:00,000 INFO app: {marker}"
    # An id or reference refuses line breaks outright (nothing to log); free text keeps them, escaped in the log.
    refused = client.post("/v1/suggest", json={"message": "杯子碎了", "conversation_id": f"c-forge{forged}"})
    assert refused.status_code == 422
    r = client.post(
        "/v1/suggest",
        json={"message": f"杯子碎了 {marker}{forged}\n电话 139\t8765\t4321", "conversation_id": "c-forge"},
    )
    assert r.status_code == 200
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [line for line in _LOG_FILE.read_text(encoding="utf-8").splitlines() if marker in line]
    assert lines and not any(line.startswith("2026-01-01") for line in lines), lines
    assert all("139****4321" in line for line in lines if "杯子碎了" in line), lines


# ---- JSON lines (LOG_FORMAT=json) and the request id ----


def _json_line(msg, args=(), exc=None, **extra) -> dict:  # type: ignore[no-untyped-def]
    import json

    from app.logs import JsonMaskingFormatter, RequestId

    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, msg, args, exc)
    record.__dict__.update(extra)
    RequestId().filter(record)
    line = JsonMaskingFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)  # type: ignore[no-any-return]


def test_json_lines_parse_and_mask_the_message_its_arguments_and_extra_fields():
    out = _json_line(
        "buyer %s wrote %r", ("13912345678", "139\t1234\t5678"), buyer="收货人:张三 改到浙江省杭州市西湖区文三路478号"
    )
    assert out["level"] == "WARNING" and out["logger"] == "app.test" and out["time"] and isinstance(out["process"], int)
    assert "139****5678" in out["message"] and "13912345678" not in out["message"]
    assert "1234" not in out["message"]  # the tab written as \t by %r: masked before formatting
    assert "张三" not in out["buyer"] and "文三路478号" not in out["buyer"]
    assert out["request_id"] is None  # outside any request


def test_json_lines_carry_a_masked_traceback_on_one_line():
    try:
        raise ValueError("bad phone 13800001111\nsecond line")
    except ValueError as exc:
        out = _json_line("failed", exc=(type(exc), exc, exc.__traceback__))
    assert "Traceback" in out["exc_info"] and "13800001111" not in out["exc_info"] and "138****1111" in out["exc_info"]


def test_the_request_id_of_the_context_is_on_the_record():
    from app.logs import REQUEST_ID

    token = REQUEST_ID.set("rid-123")
    try:
        assert _json_line("inside")["request_id"] == "rid-123"
    finally:
        REQUEST_ID.reset(token)
    assert _json_line("after")["request_id"] is None


def test_a_text_line_ends_with_the_request_id_masked_and_on_one_line():
    from app.logs import RequestId

    record = logging.LogRecord("app.test", logging.INFO, __file__, 1, "hello", (), None)
    record.request_id = "13812345678\nFAKE"  # ids are validated before they get here (app/http/access.py); still
    RequestId().filter(record)
    line = MaskingFormatter(FORMAT).format(record)
    assert line.endswith("hello request_id=138****5678\\nFAKE")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_access_line_is_masked_once_by_its_writer_and_still_masked(fmt):
    """The access line masks the client's parts itself (method, path with query) and is not masked again by
    the formatter (a fifth of a suggestion's cost); what the client sent still comes out masked, request id too."""
    import io
    import json

    from app import logs
    from app.http import access

    stream = io.StringIO()
    logger = logging.getLogger("app.access")
    saved = logger.handlers, logger.propagate, logger.level
    logger.handlers, logger.propagate = [logs.handler(stream, fmt)], False
    logger.setLevel(logging.INFO)
    token = logs.REQUEST_ID.set("13912345678")
    try:
        scope = {
            "method": "13812345678",
            "path": "/v1/cases",
            "query_string": "buyer=13712345678&addr=浙江省杭州市西湖区文三路478号".encode(),
            "client": ("127.0.0.1", 1),
        }
        access._line(scope, {}, "/v1/cases", 200, 0.001)
    finally:
        logs.REQUEST_ID.reset(token)
        logger.handlers, logger.propagate, _ = saved
        logger.setLevel(saved[2])
    line = stream.getvalue().strip()
    for phone in ("13812345678", "13712345678", "13912345678"):
        assert phone not in line and f"{phone[:3]}****{phone[-4:]}" in line
    assert "文三路478号" not in line
    if fmt == "json":
        record = json.loads(line)
        assert "premasked" not in record and record["request_id"] == "139****5678"
