"""A person's carnet handed over to another structure (a move to another département, France
Travail's tools): a documented, versioned JSON (docs/handover-format.md, its JSON Schema
docs/handover-format.schema.json).

Built from the article 15 export (api/privacy/export.py: the same person, appointments, carnet and
barriers, times in the organisation's time zone), reshaped for a receiving system, with the
structures that follow the person and the consent to share, and the person's orientation requests
(listed apart from the exchanges, as the barriers are).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.db import utcnow
from api.followers import service as followers_service
from api.organisations.models import Organisation
from api.orientations import service as orientations_service
from api.orientations.models import OrientationRequest
from api.privacy.export import export_person

FORMAT = "spie-handover/1"
PERSON_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "phone",
    "commune_insee_code",
    "preferred_channel",
    "opted_out",
    "created_at",
    "followup_status",
)


def _direction(entry: dict[str, Any]) -> str:
    """Who the exchange went to: the person wrote, the person was written to, or neither."""
    if entry["author"] == "beneficiary":
        return "from_person"
    if entry["channel"] is not None:
        return "to_person"
    return "internal"


def handover(session: Session, beneficiary: Beneficiary, *, now: datetime | None = None) -> dict[str, Any]:
    """The person's carnet in the handover format, JSON-serialisable."""
    now = now or utcnow()
    organisation = session.get(Organisation, beneficiary.organisation_id)
    assert organisation is not None
    tz = organisation.zone

    def at(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    exported = export_person(session, beneficiary, now=now)
    followers = followers_service.list_followers(session, beneficiary_id=beneficiary.id)
    followed_by = {line.follower.organisation_id for line in followers}
    departements = {
        organisation_id: code
        for organisation_id, code in session.execute(
            select(Organisation.id, Organisation.departement_code).where(Organisation.id.in_(followed_by))
        )
    }
    consents = followers_service.consent_history(session, beneficiary_id=beneficiary.id)
    requests = orientations_service.for_person(session, beneficiary_id=beneficiary.id)
    return {
        "format": FORMAT,
        "exported_at": at(now),
        "time_zone": organisation.time_zone,
        "from_organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "departement_code": organisation.departement_code,
        },
        "person": {name: exported["person"][name] for name in PERSON_FIELDS},
        "structures": [
            {
                "organisation_id": line.follower.organisation_id,
                "name": line.organisation_name,
                "departement_code": departements[line.follower.organisation_id],
                "holds_record": line.follower.organisation_id == organisation.id,
                "since": at(line.follower.started_at),
                "until": at(line.follower.ended_at),
                "referents": [{"email": referent.email} for referent in line.referents],
            }
            for line in followers
        ],
        "sharing_consent": {
            "given": any(row.withdrawn_at is None for row in consents),
            "history": [
                {"given_at": at(row.given_at), "how": row.given_how, "withdrawn_at": at(row.withdrawn_at)}
                for row in reversed(consents)
            ],
        },
        "appointments": [
            {name: appointment[name] for name in ("status", "motif", "place", "start", "end", "booked_at")}
            for appointment in exported["appointments"]
        ],
        "exchanges": [
            {
                "at": entry["at"],
                "kind": entry["kind"],
                "author": entry["author"],
                "direction": _direction(entry),
                "channel": entry["channel"],
                "text": entry["text"],
            }
            for entry in exported["carnet"]
            if entry["kind"] != "barrier" and not entry["kind"].startswith("orientation_")
        ],
        "barriers": [
            {name: barrier[name] for name in ("at", "group", "themes", "words", "offers_shown")}
            for barrier in exported["barriers"]
        ],
        "orientations": [_orientation(session, row, at) for row in reversed(requests)],
    }


def _orientation(session: Session, request: OrientationRequest, at: Callable[[datetime | None], str | None]):
    """One orientation request, oldest first, with its outcome."""
    sender = session.get(Organisation, request.from_organisation_id)
    receiver = session.get(Organisation, request.to_organisation_id) if request.to_organisation_id else None
    return {
        "sent_at": at(request.created_at),
        "from_organisation": sender.name if sender else None,
        "service": request.service_name,
        "structure": request.structure_name,
        "to": receiver.name if receiver else request.to_email,
        "theme": request.theme,
        "reason": request.reason,
        "state": request.state,
        "reminded_at": at(request.reminded_at),
        "closed_at": at(request.closed_at),
        "answer_reason": request.answer_reason,
    }
