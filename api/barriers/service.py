"""Barriers ("freins"): heard in the person's words, written into the carnet with offers nearby."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.handoffs import service as handoff_service
from api.offers.matching import format_offers_sms, match_offers, theme_group_themes
from api.organisations.models import Organisation

BARRIER_GROUPS = ("garde_enfants", "mobilite", "permis", "logement", "sante", "numerique")
MAX_OFFERS = 3


@dataclass
class BarrierResult:
    offers_text: str
    offer_ids: list[int] = field(default_factory=list)


def record_barrier(
    session: Session, *, beneficiary: Beneficiary, group: str, words: str, source: str, now: datetime
) -> BarrierResult:
    """Find offers near the person for a barrier and write it into the carnet.

    No offer: a professional is told (queue). `source` says where it was heard
    ("conversation" or "questionnaire").
    """
    organisation = session.get(Organisation, beneficiary.organisation_id)
    assert organisation is not None
    themes = theme_group_themes(group)
    offers = match_offers(
        session,
        themes=themes,
        code_insee=beneficiary.code_insee,
        departement_code=organisation.departement_code,
        limit=MAX_OFFERS,
    )
    offers_text = format_offers_sms(offers, themes=themes) if offers else ""
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="barrier",
        author="beneficiary",
        body=words,
        data={
            "group": group,
            "themes": themes,
            "source": source,
            "offer_ids": [offer.id for offer in offers],
            "offer_names": [offer.nom for offer in offers],
        },
    )
    if not offers:
        handoff_service.open_request(
            session,
            reason="no_offer",
            text=f"Aucune offre proche ({group}) : {words}",
            beneficiary=beneficiary,
        )
    return BarrierResult(offers_text=offers_text, offer_ids=[offer.id for offer in offers])


def list_barriers(
    session: Session, *, organisation_id: int | None = None, theme: str | None = None
) -> list[tuple[CarnetEntry, Beneficiary]]:
    """Barriers heard, newest first, optionally for one organisation and one taxonomy theme."""
    query = (
        select(CarnetEntry, Beneficiary)
        .join(Beneficiary, CarnetEntry.beneficiary_id == Beneficiary.id)
        .where(CarnetEntry.kind == "barrier")
        .order_by(CarnetEntry.created_at.desc(), CarnetEntry.id.desc())
    )
    if organisation_id is not None:
        query = query.where(Beneficiary.organisation_id == organisation_id)
    rows = [(entry, beneficiary) for entry, beneficiary in session.execute(query)]
    if theme is not None:
        rows = [(e, b) for e, b in rows if theme in e.data.get("themes", []) or theme == e.data.get("group")]
    return rows
