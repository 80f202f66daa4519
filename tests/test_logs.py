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
