"""No phone number reaches a log line: every log record is masked before any handler sees it.

Numbers come in messages, in arguments, in exceptions (SQL parameters of an IntegrityError) and
in uvicorn's access log (a query string such as ?q=0612345678). `PhoneMaskingFilter` masks one
record; `install()` applies it where records are made (the LogRecord factory), so every logger
and handler of the process is covered, including those configured later (uvicorn's, basicConfig)
and logging's last-resort handler. Call `install()` once per process, where logging is set up.
"""

import logging
from collections.abc import Mapping
from typing import Any

from api.privacy.phone_text import has_phone, mask_phones

_PLAIN = (int, float, bool, type(None))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, _PLAIN):
        return value
    text = str(value)
    return mask_phones(text) if has_phone(text) else value


def mask_record(record: logging.LogRecord) -> None:
    """Mask the numbers of one record in place, keeping the shape of its arguments (uvicorn's
    access formatter unpacks them)."""
    record.msg = _mask_value(record.msg)
    if isinstance(record.args, Mapping):
        record.args = {key: _mask_value(value) for key, value in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_mask_value(value) for value in record.args)
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set: the traceback is printed masked.
        record.exc_text = mask_phones(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_phones(record.stack_info)


class PhoneMaskingFilter(logging.Filter):
    """A logging filter that masks phone numbers (for a handler set up by hand)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install() -> None:
    """Mask every log record of this process from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_phones", False):
        return
    masking = PhoneMaskingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        masking.filter(record)
        return record

    factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
