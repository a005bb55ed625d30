"""Who may write which offers: every row's `source` says whose it is.

- The shared catalogue (data·inclusion, every source but `organisation-<id>`) is imported by the
  platform operator only: it is shown to every organisation's beneficiaries.
- An organisation's own offers have the source `organisation-<its id>`; only an admin of that
  organisation writes them (the operator too only if admin there: being operator gives no
  right inside an organisation).

A request holding one row the caller may not write is refused whole (403), nothing written.
Reading stays open to anyone signed in: the catalogue is public information.
"""

import re

from api.auth import Principal
from api.errors import AppError

_ORGANISATION_SOURCE = re.compile(r"organisation-(\d{1,18})")


def organisation_source(organisation_id: int) -> str:
    """The source of an organisation's own offers."""
    return f"organisation-{organisation_id}"


def may_write(user: Principal, source: str) -> bool:
    """Whether this caller may create or update offers of this source."""
    own = _ORGANISATION_SOURCE.fullmatch(source)
    if own is not None:
        return int(own.group(1)) in user.admin_organisation_ids
    if source.startswith("organisation-"):
        return False  # looks like an organisation's, but no valid id: nobody's to write
    return user.is_superadmin


def sources_of(rows: list[dict]) -> set[str]:
    """The sources named by these rows (rows without a text source fail the schema anyway)."""
    return {row["source"] for row in rows if isinstance(row, dict) and isinstance(row.get("source"), str)}


def check_import(user: Principal, *, structures: list[dict], services: list[dict]) -> None:
    """403 unless the caller may write every source of the file."""
    if not (user.is_superadmin or user.admin_organisation_ids):
        raise AppError(403, "importing offers needs the platform operator or an organisation admin")
    sources = sources_of(structures) | sources_of(services)
    refused = sorted(source for source in sources if not may_write(user, source))
    if refused:
        own = ", ".join(organisation_source(org) for org in user.admin_organisation_ids) or "none"
        raise AppError(
            403,
            f"you may not write offers of source {', '.join(refused)[:200]} "
            f"(the shared catalogue is the platform operator's; yours: {own})",
        )
