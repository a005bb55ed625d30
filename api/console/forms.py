"""A console form checked by the REST API's own schema: the same rules for both, and each field
in error gets the console's French message."""

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

Schema = TypeVar("Schema", bound=BaseModel)
Value = TypeVar("Value")
INVALID = "Cette valeur n'est pas valide."
# What read() gives for text the console's parser could not read: no schema field accepts it.
_UNREADABLE = object()


def read(text: str, parse: Callable[[str], Value | None], *, required: bool = False) -> object:
    """One form field for checked(), read by the console's parser (ASCII digits, ISO dates, hours
    without an offset): blank is absent (None when the console requires it even where the REST
    API has a default), unreadable text fails the schema."""
    if not text.strip():
        return None if required else ""
    parsed = parse(text)
    return _UNREADABLE if parsed is None else parsed


def checked(
    schema: type[Schema], fields: dict[str, object], messages: dict[str, str]
) -> tuple[Schema | None, dict[str, str]]:
    """The fields as the schema reads them, or None and one message per field in error.

    Text fields are stripped and a blank one counts as absent (the schema's default applies).
    """
    data = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        data[name] = value
    try:
        return schema.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            errors.setdefault(field, messages.get(field, INVALID))
        return None, errors
