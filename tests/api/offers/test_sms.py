from datetime import date

from sqlalchemy.orm import Session

from api.messaging.segments import count_segments, to_gsm7
from api.offers import importer
from api.offers.matching import LINE_MAX, format_offers_sms, match_offers, theme_group_themes, theme_groups
from api.offers.models import Service, Structure

# The longest realistic names we expect in an offers SMS.
LONG_NAMES = (
    "Crèche à vocation d'insertion professionnelle Les Petits Pas de Fontbarlettes",
    "Plateforme départementale de mobilité inclusive Drôme Ardèche",
    "Auto-école sociale et solidaire du Centre d'œuvres sociales de Romans-sur-Isère",
)


def _offer(
    nom: str,
    *,
    thematiques: list[str],
    telephone: str | None = None,
    commune: str | None = None,
    mobilisable_par: tuple[str, ...] = ("usagers",),
    structure_telephone: str | None = None,
) -> Service:
    structure = Structure(
        source="t",
        source_id=f"t--{nom}",
        nom="Structure",
        telephone=structure_telephone,
        date_maj=date(2026, 4, 1),
    )
    return Service(
        source="t",
        source_id=f"t--{nom}",
        structure=structure,
        nom=nom,
        description="Description.",
        thematiques=thematiques,
        mobilisable_par=list(mobilisable_par),
        telephone=telephone,
        commune=commune,
        date_maj=date(2026, 4, 2),
    )


def _assert_gsm7(text: str) -> None:
    assert to_gsm7(text) == text
    assert count_segments(text).encoding == "GSM-7"


def test_two_offers_with_short_names_fit_in_one_sms() -> None:
    text = format_offers_sms(
        [
            _offer(
                "Crèche Les Petits Pas", thematiques=["famille--garde-denfants"], telephone="+33475412210"
            ),
            _offer(
                "Relais petite enfance", thematiques=["famille--garde-denfants"], telephone="04 75 79 20 64"
            ),
        ]
    )
    assert text == (
        "- Crèche Les Petits Pas, garde d'enfants : 04 75 41 22 10\n"
        "- Relais petite enfance, garde d'enfants : 04 75 79 20 64"
    )
    _assert_gsm7(text)
    assert count_segments(text).segments == 1


def test_three_offers_with_the_longest_names_fit_in_two_sms() -> None:
    offers = [
        _offer(LONG_NAMES[0], thematiques=["famille--garde-denfants"], commune="Saint-Paul-Trois-Châteaux"),
        _offer(
            LONG_NAMES[1],
            thematiques=["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
            telephone="+33475795520",
        ),
        _offer(
            LONG_NAMES[2],
            thematiques=["sante--constituer-un-dossier-mdph-invalidite"],
            mobilisable_par=("professionnels",),
        ),
    ]
    text = format_offers_sms(offers)
    _assert_gsm7(text)
    assert count_segments(text).segments == 2
    lines = text.split("\n")
    assert len(lines) == 3 and all(len(line) <= LINE_MAX for line in lines)
    assert lines[0].startswith("- Crèche à vocation d'insertion") and "..." in lines[0]
    assert lines[0].endswith(": à Saint-Paul-Trois-Chateaux")
    assert lines[1].endswith("conseil mobilité : 04 75 79 55 20")
    assert lines[2].endswith(": via votre conseiller")


def test_characters_outside_gsm7_are_replaced() -> None:
    text = format_offers_sms(
        [
            _offer(
                "L’Œuvre « Garde » — 1€ 🚗",
                thematiques=["numerique--acquerir-un-equipement"],
                telephone="3949",
            )
        ]
    )
    _assert_gsm7(text)
    assert text == '- L\'OEuvre " Garde " - 1EUR, ordinateur à petit prix : 3949'


def test_the_asked_theme_names_the_offer() -> None:
    offer = _offer(
        "Plateforme mobilité",
        thematiques=["mobilite--etre-accompagne-dans-son-parcours-mobilite", "mobilite--preparer-un-permis"],
    )
    assert "conseil mobilité" in format_offers_sms([offer])
    assert "aide au permis" in format_offers_sms([offer], themes=["mobilite--preparer-un-permis"])
    mixed = _offer(
        "Centre",
        thematiques=["famille--garde-denfants", "sante--addictions"],
        structure_telephone="+33475000002",
    )
    assert format_offers_sms([mixed], themes=["sante--addictions"]) == "- Centre, addictions : 04 75 00 00 02"
    other = _offer("Écoute", thematiques=["famille--soutien-aidants"], commune="Die")
    assert format_offers_sms([other]) == "- Écoute, soutien aux aidants : à Die"
    nowhere = _offer("Aide", thematiques=["famille--soutien-aidants"])
    assert format_offers_sms([nowhere]) == "- Aide, soutien aux aidants : via votre conseiller"
    assert format_offers_sms([]) == ""


def test_demo_offers_sms(session: Session) -> None:
    importer.load_demo_offers(session)
    for group, code_insee in (
        ("mobilite", "26113"),
        ("permis", "26281"),
        ("numerique", "26281"),
        ("garde_enfants", "26362"),
        ("logement", "26198"),
        ("sante", "26362"),
    ):
        themes = theme_group_themes(group)
        offers = match_offers(session, themes=themes, code_insee=code_insee, departement_code="26")
        assert offers, group
        text = format_offers_sms(offers, themes=themes)
        _assert_gsm7(text)
        assert count_segments(text).segments <= (1 if len(offers) <= 2 else 2), text


def test_the_few_words_of_every_theme_group_are_short_gsm7() -> None:
    for group in theme_groups():
        for theme in theme_group_themes(group):
            text = format_offers_sms([_offer("Nom", thematiques=[theme], telephone="0475000000")])
            _assert_gsm7(text)
            assert "..." not in text, text
