"""Phone numbers never reach a log line, in whatever form they are written."""

import logging
import sys

import pytest
from uvicorn.logging import AccessFormatter

from api.beneficiaries.phones import mask
from api.privacy import log_masking
from api.privacy.phone_text import mask_phones, mentions, phones_in


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+33612345678", "+336******78"),
        ("from whatsapp:+33612345678", "from whatsapp:+336******78"),
        ("06 12 34 56 78", "06 ** ** ** 78"),
        ("06.12.34.56.78", "06.**.**.**.78"),
        ("06-12-34-56-78", "06-**-**-**-78"),
        ("appelez le 0712345678.", "appelez le 07******78."),
        ("+33 6 12 34 56 78", "+33 6 ** ** ** 78"),
        ("0033612345678", "00336******78"),
        ("GET /console/beneficiaires?q=%2B33612345678", "GET /console/beneficiaires?q=%2B336******78"),
        ("?q=06+12+34+56+78", "?q=06+**+**+**+78"),
        ("?q=06%2012%2034%2056%2078", "?q=06%20**%20**%20**%2078"),
        ("+262692123456 (La Réunion)", "+262*******56 (La Réunion)"),
    ],
)
def test_numbers_are_masked_in_every_form(text: str, masked: str) -> None:
    assert mask_phones(text) == masked
    assert mask_phones(masked) == masked  # masking twice changes nothing


def test_the_e164_mask_is_the_one_used_by_hand() -> None:
    assert mask_phones("+33612345678") == mask("+33612345678")


@pytest.mark.parametrize(
    "text",
    [
        "MessageSid SM0612345678abcdef0612345678abcdef",
        "2026-11-28 14:05:00,123",
        "client 127.0.0.1:54321",
        "inbound message 1234567890 failed",
        "retry in 12.5s",
        "claim 550e8400-e29b-41d4-a716-446655440000",
        "ids 12,13,14,15,16",
        "slot 2026-12-03T09:00:00+01:00",
        "+336******78",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_phones(text) == text


def test_numbers_found_in_text_are_compared_in_e164() -> None:
    text = "nom;telephone\nDurand;06 12 34 56 78\nMartin;+33 7 81 23 45 67\nfixe;04 75 00 00 00"
    assert phones_in(text) == {"+33612345678", "+33781234567", "+33475000000"}
    assert mentions(text, "+33612345678") and not mentions(text, "+33612345679")
    assert mentions("Durand;06 39 98 12 34", "+33639981234")  # the range kept for fiction (demos)


def _record(name: str, msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.getLogger(name).makeRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_the_message_its_arguments_and_the_traceback() -> None:
    try:
        raise ValueError("duplicate key (phone)=(+33612345678)")
    except ValueError:
        exc_info = sys.exc_info()
    record = _record(
        "api.test", "message from %s: %r", "06 12 34 56 78", {"to": "+33612345678"}, exc_info=exc_info
    )
    assert log_masking.PhoneMaskingFilter().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)
    assert "12 34 56" not in line and "612345678" not in line
    assert "message from 06 ** ** ** 78: \"{'to': '+336******78'}\"" in line
    assert "(phone)=(+336******78)" in line


def test_uvicorn_access_lines_keep_their_shape() -> None:
    """uvicorn's access formatter unpacks the record's arguments: they stay a 5-tuple."""
    record = _record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:50000",
        "GET",
        "/console/beneficiaires?q=0612345678",
        "1.1",
        200,
    )
    log_masking.PhoneMaskingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(
        record
    )
    assert line == '127.0.0.1:50000 - "GET /console/beneficiaires?q=06******78 HTTP/1.1" 200 OK'


def test_once_installed_every_logger_is_masked(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_masking.install()
    log_masking.install()  # idempotent
    assert getattr(logging.getLogRecordFactory(), "masks_phones", False)
    access = logging.getLogger("uvicorn.access")  # as uvicorn sets it: its own handler, no propagation
    monkeypatch.setattr(access, "propagate", False)
    access.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("bot.outbox.dispatcher").warning("send to %s failed", "+33612345678")
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:1",
            "GET",
            "/console/beneficiaires?q=%2B33612345678",
            "1.1",
            200,
        )
        logging.getLogger("some.library").info("webhook From=whatsapp:+33612345678 Body=oui")
    access.removeHandler(caplog.handler)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "send to +336******78 failed",
        '127.0.0.1:1 - "GET /console/beneficiaires?q=%2B336******78 HTTP/1.1" 200',
        "webhook From=whatsapp:+336******78 Body=oui",
    ]
    assert "612345678" not in caplog.text
