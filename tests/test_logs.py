"""Personal data never reaches a log line in clear, whoever logs it and however."""

import logging

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
