"""Personal data never reaches a log line in clear."""

import logging

import pytest

from app.logs import MaskingFilter, mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("+86 138 1234 5678 收", "+86 138****5678 收"),
        ("138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("订单号123456789012345678不变", "订单号123456789012345678不变"),  # an order number is not a phone
    ],
)
def test_mask(raw, masked):
    assert mask(raw) == masked


def test_filter_masks_formatted_records(caplog):
    logger = logging.getLogger("test.masking")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("buyer %s wrote %s", "13912345678", "改地址")
    assert "13912345678" not in caplog.text and "139****5678" in caplog.text
