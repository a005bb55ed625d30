"""The SMS of an accepted request: plain words, GSM-7, one SMS whatever the names."""

import pytest

from api.messaging.segments import count_segments, is_gsm7
from api.orientations.texts import REACH_UNKNOWN, accepted_sms

LONGEST_STRUCTURE = (
    "Association départementale pour la sauvegarde de l'enfance et de l'adolescence de la Drôme"
)
LONGEST_SERVICE = (
    "Accompagnement renforcé à la mobilité durable des publics éloignés de l'emploi (plateforme)"
)
ADDRESS = "Maison des solidarités, 12 boulevard du Général-de-Gaulle, Saint-Paul-Trois-Châteaux"


def _one_gsm7_sms(text: str) -> None:
    assert is_gsm7(text), text
    assert count_segments(text).segments == 1, (len(text), text)


def test_short_names_are_said_whole_with_the_phone_number() -> None:
    text = accepted_sms(structure="Garage solidaire", service="Location de voiture", contact="04 75 12 34 56")
    assert text == (
        "Bonne nouvelle : Garage solidaire accepte de vous recevoir (Location de voiture). "
        "Pour les joindre : 04 75 12 34 56."
    )
    _one_gsm7_sms(text)


@pytest.mark.parametrize("contact", ["04 75 12 34 56", ADDRESS, "accueil@mobilite-drome.example", ""])
def test_the_longest_names_still_fit_one_sms_and_keep_the_contact(contact: str) -> None:
    text = accepted_sms(structure=LONGEST_STRUCTURE, service=LONGEST_SERVICE, contact=contact)
    _one_gsm7_sms(text)
    assert text.startswith("Bonne nouvelle : Association d")
    if contact == "04 75 12 34 56":
        assert text.endswith("Pour les joindre : 04 75 12 34 56.")
    if not contact:
        assert text.endswith(REACH_UNKNOWN)


def test_characters_outside_gsm7_are_replaced() -> None:
    text = accepted_sms(structure="L’Îlot – Côté mômes", service="Crèche « Les Pâquerettes »", contact="")
    _one_gsm7_sms(text)
    assert "L'Ilot" in text
