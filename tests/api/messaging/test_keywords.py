"""STOP, START and CONTACT in a person's message: the keyword alone, never a sentence that contains it."""

import pytest

from api.messaging.keywords import Keyword, detect_keyword


@pytest.mark.parametrize(
    "body",
    [
        "STOP", "stop", "Stop", "STOP SMS", " stop ! ", "Arrêt", "stop sms.", "Stop svp", "STOP merci",
        "stop arretez les sms", "stop je veux plus de messages", "Stop c fini",
        "stop plus de questions svp", "STOP ne plus m'ecrire du tout", "STOP STOP", "Stop, au revoir",
    ],
)  # fmt: skip
def test_stop_variants(body: str) -> None:
    assert detect_keyword(body) is Keyword.STOP


@pytest.mark.parametrize("body", ["START", "start", "Unstop"])
def test_start_variants(body: str) -> None:
    assert detect_keyword(body) is Keyword.START


@pytest.mark.parametrize(
    "body",
    ["je veux pas stop", "stop ou encore", "le 2", "", "arrete de m'ecrire le soir", "stop a 14h ?"],
)
def test_sentences_are_not_keywords(body: str) -> None:
    assert detect_keyword(body) is None


def test_contact() -> None:
    assert detect_keyword("Contact") is Keyword.CONTACT
