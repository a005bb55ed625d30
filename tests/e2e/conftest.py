import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.system import ROOT, System, running_system

pytestmark = pytest.mark.e2e


# Package scope: the processes stop before the other test folders run, so they do not
# keep writing to the shared test database (SQLite locks) while unrelated tests run.
@pytest.fixture(scope="package")
def system(database_url: str) -> Iterator[System]:
    with running_system(database_url, "e2e") as running:
        yield running


# +33 6 39 xx xx xx is not allocated (phonenumbers refuses it) but for the fiction range: stay under it.
_phones = itertools.count(random.randint(10_000_000, 38_000_000))


def new_mobile() -> str:
    """A fresh valid French mobile number for each test person."""
    return f"+336{next(_phones):08d}"


class Agenda:
    """An organisation with one place, one motif and slots, made through the REST API."""

    def __init__(
        self,
        system: System,
        *,
        slots: int = 6,
        capacity: int = 1,
        tz: str = "Europe/Paris",
        questionnaire: bool = False,
    ) -> None:
        api = system.api
        self.system = system
        self.tz = ZoneInfo(tz)
        self.organisation = (
            api.post(
                "/api/organisations",
                json={
                    "name": "Département de la Drôme",
                    "departement_code": "26",
                    "time_zone": tz,
                    # Tests run at any hour: this organisation may send at any time.
                    "sending_start_hour": 0,
                    "sending_end_hour": 24,
                    "sending_weekdays": "0123456",
                    "skip_public_holidays": False,
                    "questionnaire_enabled": questionnaire,
                },
            )
            .raise_for_status()
            .json()
        )
        # The operator who created it makes themselves its admin (the API scopes everything to members).
        api.post(
            f"/api/organisations/{self.organisation['id']}/members",
            json={"email": system.admin_email, "role": "admin"},
        ).raise_for_status()
        self.place = (
            api.post(
                "/api/places",
                json={
                    "organisation_id": self.organisation["id"],
                    "name": "Maison de l'insertion de Valence",
                    "address": "8 rue Jean Bouin, 26000 Valence",
                },
            )
            .raise_for_status()
            .json()
        )
        self.motif = (
            api.post(
                "/api/motifs",
                json={
                    "organisation_id": self.organisation["id"],
                    "name": "Orientation RSA",
                    "duration_minutes": 45,
                },
            )
            .raise_for_status()
            .json()
        )
        # Slots at 9:00 and 14:00 local time on the next working days, starting in 2 days.
        self.slots = []
        day = datetime.now(UTC).astimezone(self.tz).date() + timedelta(days=2)
        while len(self.slots) < slots:
            if day.weekday() < 5:
                for hour in (9, 14):
                    if len(self.slots) < slots:
                        start = datetime(day.year, day.month, day.day, hour, tzinfo=self.tz)
                        self.slots.append(
                            api.post(
                                "/api/slots",
                                json={
                                    "place_id": self.place["id"],
                                    "motif_id": self.motif["id"],
                                    "start": start.isoformat(),
                                    "capacity": capacity,
                                },
                            )
                            .raise_for_status()
                            .json()
                        )
            day += timedelta(days=1)

    def person(self, first_name: str = "Marie", channel: str = "sms", code_insee: str | None = None) -> dict:
        return (
            self.system.api.post(
                "/api/beneficiaries",
                json={
                    "organisation_id": self.organisation["id"],
                    "phone": new_mobile(),
                    "first_name": first_name,
                    "preferred_channel": channel,
                    "code_insee": code_insee,
                },
            )
            .raise_for_status()
            .json()
        )

    def invite(self, person: dict) -> dict:
        return (
            self.system.api.post(
                "/api/invitations",
                json={
                    "beneficiary_id": person["id"],
                    "motif_id": self.motif["id"],
                    "place_id": self.place["id"],
                },
            )
            .raise_for_status()
            .json()
        )


@pytest.fixture
def agenda(system: System) -> Agenda:
    return Agenda(system)


@pytest.fixture
def log_dir() -> Path:
    return ROOT / "test-artifacts"
