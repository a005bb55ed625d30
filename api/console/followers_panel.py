"""The carnet page's panel of who follows the person: structures, since when, référents; the consent."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.followers import service as followers_service


@dataclass(frozen=True)
class FollowerRow:
    name: str
    since: str
    until: str
    holds_record: bool
    referents: list[str]


@dataclass(frozen=True)
class FollowersPanel:
    rows: list[FollowerRow]
    consent: str
    consent_given: bool


def followers_panel(session: Session, *, beneficiary: Beneficiary, tz: ZoneInfo) -> FollowersPanel:
    rows = [
        FollowerRow(
            name=line.organisation_name,
            since=f"{line.follower.started_at.astimezone(tz):%d/%m/%Y}",
            until=f"{line.follower.ended_at.astimezone(tz):%d/%m/%Y}" if line.follower.ended_at else "",
            holds_record=line.follower.organisation_id == beneficiary.organisation_id,
            referents=[referent.email for referent in line.referents],
        )
        for line in followers_service.list_followers(session, beneficiary_id=beneficiary.id)
    ]
    consent = followers_service.current_consent(session, beneficiary_id=beneficiary.id)
    if consent is None:
        text = "La personne n'a pas donné son accord : ses messages et ses mots restent à son organisation."
    else:
        how = "par SMS" if consent.given_how == "sms" else "noté par un professionnel"
        text = f"Accord de partage donné le {consent.given_at.astimezone(tz):%d/%m/%Y} ({how})."
    return FollowersPanel(rows=rows, consent=text, consent_given=consent is not None)
