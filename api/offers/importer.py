"""Import structures and services of the data·inclusion schema v1 (see schema/CREDITS.md).

Every row is validated against the schema's JSON Schema; rows that fail are reported and
skipped, the others are upserted on (source, id), so importing the same file twice changes
nothing. The writes happen in one savepoint: a database error leaves nothing half-written.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, relevance
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Conflict, Invalid
from api.offers import service as offer_service
from api.offers.models import SERVICE_FIELDS, STRUCTURE_FIELDS, Service, Structure
from api.offers.schemas import ImportReport, RowError

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
DEMO_FILE = Path(__file__).resolve().parent / "demo_offers.json"

Kind = Literal["structure", "service"]
Row = dict[str, Any]
Key = tuple[str, str]

_FLUSH_EVERY = 200
_MAX_MESSAGE = 300
_INT32_MAX = 2**31 - 1
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


@lru_cache
def load_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of a structure or a service, as shipped in schema/."""
    return json.loads((SCHEMA_DIR / f"{kind}.json").read_text(encoding="utf-8"))


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, no spaces, and a host for http(s)."""
    if not isinstance(value, str):
        return True
    if any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    if not _URI_SCHEME.fullmatch(parts.scheme):
        return False
    return bool(parts.netloc) or parts.scheme.lower() not in ("http", "https")


@lru_cache
def _validator(kind: Kind) -> Validator:
    """A validator for the schema's own draft ($schema), Draft 2020-12 when it names none."""
    schema = load_schema(kind)
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    # jsonschema checks "uri" only when rfc3987 is installed: this keeps the check without it.
    format_checker = FormatChecker()
    format_checker.checks("uri")(_is_uri)
    return cls(schema, format_checker=format_checker)


def validate_row(kind: Kind, row: object, *, index: int) -> list[RowError]:
    """The schema errors of one row (index is its 1-based position), [] when it is valid."""
    row_id = _row_id(row)
    errors: list[RowError] = []
    if isinstance(row, dict):
        for name in load_schema(kind).get("required", []):
            if name not in row:
                errors.append(
                    RowError(kind=kind, row=index, id=row_id, field=name, message="required field missing")
                )
    found = sorted(_validator(kind).iter_errors(row), key=lambda e: [str(p) for p in e.absolute_path])
    for error in found:
        if error.validator == "required" and not error.absolute_path:
            continue  # reported above, one per missing field
        field = str(error.absolute_path[0]) if error.absolute_path else None
        errors.append(RowError(kind=kind, row=index, id=row_id, field=field, message=_describe(error)))
    if not errors and kind == "service":
        weeks = row.get("nombre_semaines") if isinstance(row, dict) else None
        if isinstance(weeks, int) and weeks > _INT32_MAX:
            errors.append(
                RowError(kind=kind, row=index, id=row_id, field="nombre_semaines", message="too large")
            )
    return errors


def _row_id(row: object) -> str | None:
    value = row.get("id") if isinstance(row, dict) else None
    return value if isinstance(value, str) else None


def _describe(error: ValidationError) -> str:
    """A short message: inside `anyOf: [..., null]` the real branch, enums without their list."""
    item: int | None = None
    while error.context:
        candidates = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        if not candidates or len({e.relative_schema_path[0] for e in candidates}) > 1:
            break  # several real alternatives failed: none is "the" reason
        error = min(candidates, key=relevance)
        if error.relative_path and isinstance(error.relative_path[-1], int):
            item = error.relative_path[-1]
    if error.validator == "enum":
        message = f"{error.instance!r} is not an allowed value"
    elif error.validator in ("anyOf", "oneOf"):
        message = f"{error.instance!r} matches none of the allowed forms"
    else:
        message = error.message
    if item is not None:
        message = f"item {item + 1}: {message}"
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def import_offers(session: Session, *, structures: list[dict], services: list[dict]) -> ImportReport:
    """Validate rows against the schema and upsert the valid ones on (source, id), in one savepoint."""
    report = ImportReport()
    valid_structures = _valid_rows(report, "structure", structures)
    valid_services = _valid_rows(report, "service", services)

    structure_keys = {(row["source"], row["id"]) for _, row in valid_structures}
    referenced = {(row["source"], row["structure_id"]) for _, row in valid_services}
    stored_structures = offer_service.structures_by_key(session, keys=structure_keys | referenced)
    rejected_structures: dict[tuple[Any, Any], int] = {}
    for error in report.rejected:
        row = structures[error.row - 1] if error.kind == "structure" else None
        if isinstance(row, dict):
            rejected_structures.setdefault((row.get("source"), row.get("id")), error.row)
    linked_services: list[tuple[Row, Key]] = []
    for index, row in valid_services:
        key = (row["source"], row["structure_id"])
        if key in structure_keys or key in stored_structures:
            linked_services.append((row, key))
            continue
        if key in rejected_structures:
            message = f"structure {key[1]!r} was rejected (structure row {rejected_structures[key]})"
        else:
            message = f"structure {key[1]!r} of source {key[0]!r} is neither in this file nor in the database"
        report.rejected.append(
            RowError(kind="service", row=index, id=row["id"], field="structure_id", message=message)
        )
    stored_services = offer_service.services_by_key(
        session, keys={(row["source"], row["id"]) for row, _ in linked_services}
    )

    try:
        with session.begin_nested():
            for count, (_, row) in enumerate(valid_structures, start=1):
                _upsert_structure(session, report=report, row=row, stored=stored_structures)
                if count % _FLUSH_EVERY == 0:
                    session.flush()
            session.flush()
            for count, (row, structure_key) in enumerate(linked_services, start=1):
                _upsert_service(
                    session,
                    report=report,
                    row=row,
                    structure=stored_structures[structure_key],
                    stored=stored_services,
                )
                if count % _FLUSH_EVERY == 0:
                    session.flush()
            session.flush()
    except IntegrityError:
        # Typically another import inserted the same (source, id) meanwhile: retrying works.
        raise Conflict("the import conflicts with offers stored meanwhile; nothing was imported") from None
    report.rejected.sort(key=lambda e: (e.kind != "structure", e.row))
    return report


def _valid_rows(report: ImportReport, kind: Kind, rows: list[dict]) -> list[tuple[int, Row]]:
    """The rows that pass the schema, with their 1-based index; errors go to the report."""
    valid: list[tuple[int, Row]] = []
    first_row: dict[Key, int] = {}
    for index, row in enumerate(rows, start=1):
        errors = validate_row(kind, row, index=index)
        if not errors:
            key = (row["source"], row["id"])
            if key in first_row:
                message = f"duplicate of row {first_row[key]} (same source and id)"
                errors = [RowError(kind=kind, row=index, id=row["id"], field="id", message=message)]
            else:
                first_row[key] = index
        if errors:
            report.rejected.extend(errors)
        else:
            valid.append((index, row))
    return valid


def _column_values(row: Row, fields: tuple[str, ...]) -> dict[str, Any]:
    """Column values of a valid row: dates parsed, zone codes upper-cased, absent fields None."""
    values: dict[str, Any] = {name: row.get(name) for name in fields}
    values["date_maj"] = date.fromisoformat(row["date_maj"])
    for name in ("latitude", "longitude", "volume_horaire_hebdomadaire"):
        if values.get(name) is not None:
            values[name] = float(values[name])
    if values.get("zone_eligibilite"):
        values["zone_eligibilite"] = [
            code if code == "france" else code.upper() for code in values["zone_eligibilite"]
        ]
    return values


def _apply(target: Structure | Service, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    if changed:
        target.updated_at = utcnow()
    return changed


def _upsert_structure(session: Session, *, report: ImportReport, row: Row, stored: dict) -> None:
    """Create or update one structure; stored gets the new one."""
    key = (row["source"], row["id"])
    values = _column_values(row, STRUCTURE_FIELDS)
    structure = stored.get(key)
    if structure is None:
        structure = Structure(source=row["source"], source_id=row["id"], **values)
        session.add(structure)
        stored[key] = structure
        report.structures_created += 1
    elif _apply(structure, values):
        report.structures_updated += 1
    else:
        report.structures_unchanged += 1


def _upsert_service(
    session: Session, *, report: ImportReport, row: Row, structure: Structure, stored: dict
) -> None:
    """Create or update one service of this structure."""
    key = (row["source"], row["id"])
    values = _column_values(row, SERVICE_FIELDS)
    service = stored.get(key)
    if service is None:
        session.add(Service(source=row["source"], source_id=row["id"], structure=structure, **values))
        report.services_created += 1
        return
    changed = _apply(service, values)
    if service.structure_id != structure.id:
        service.structure = structure
        service.updated_at = utcnow()
        changed = True
    if changed:
        report.services_updated += 1
    else:
        report.services_unchanged += 1


# Reading files -----------------------------------------------------------------------------


def read_json_file(path: str | Path) -> tuple[list[dict], list[dict]]:
    """Structures and services of a JSON file shaped {"structures": [...], "services": [...]}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), list) for k in ("structures", "services")
    ):
        raise Invalid('an offers file is {"structures": [...], "services": [...]}')
    return data["structures"], data["services"]


def read_csv_files(
    *, structures_path: str | Path, services_path: str | Path
) -> tuple[list[dict], list[dict]]:
    """Structures and services of two CSV files with the schema's field names as headers."""
    structures = rows_from_csv(Path(structures_path).read_text(encoding="utf-8-sig"), kind="structure")
    services = rows_from_csv(Path(services_path).read_text(encoding="utf-8-sig"), kind="service")
    return structures, services


def rows_from_csv(text: str, *, kind: Kind) -> list[dict]:
    """Rows of a CSV text (comma or semicolon), cells converted to the schema's types.

    An empty cell is an absent field; a list cell is a JSON array or comma-separated values;
    a number may use a decimal comma. A cell that cannot be converted is kept as text so
    that the schema validation reports it.
    """
    types = _property_types(kind)
    rows: list[dict] = []
    for record in _csv_records(text):
        row: dict[str, Any] = {}
        for name, cell in record.items():
            if name is None or cell is None:
                continue
            cell = cell.strip()
            if cell:
                row[name.strip()] = _convert(cell, types.get(name.strip(), frozenset()))
        rows.append(row)
    return rows


def _csv_records(text: str) -> Iterator[dict[str | None, str | None]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    yield from csv.DictReader(io.StringIO(text), delimiter=delimiter)


@lru_cache
def _property_types(kind: Kind) -> dict[str, frozenset[str]]:
    """For each field, the JSON types it may take other than null."""
    types: dict[str, frozenset[str]] = {}
    for name, spec in load_schema(kind)["properties"].items():
        branches = spec.get("anyOf", [spec])
        types[name] = frozenset(b["type"] for b in branches if b.get("type") not in (None, "null"))
    return types


def _convert(cell: str, types: frozenset[str]) -> Any:
    if "array" in types:
        if cell.startswith("["):
            try:
                return json.loads(cell)
            except ValueError:
                return cell
        return [part.strip() for part in cell.split(",") if part.strip()]
    if "integer" in types:
        try:
            return int(cell)
        except ValueError:
            return cell
    if "number" in types:
        try:
            return float(cell.replace(",", "."))
        except ValueError:
            return cell
    return cell


# Demo data ---------------------------------------------------------------------------------


def load_demo_offers(session: Session) -> ImportReport:
    """Import demo_offers.json (invented offers in the Drôme, source "demo-drome"); idempotent."""
    structures, services = read_json_file(DEMO_FILE)
    return import_offers(session, structures=structures, services=services)
