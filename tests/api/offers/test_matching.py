import pytest
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.offers import importer, matching
from api.offers.matching import match_offers, theme_group_themes
from api.offers.models import Service
from tests.api.offers.rows import service_row, structure_row

VALENCE, ROMANS, DIE = "26362", "26281", "26113"
GARDE = ["famille--garde-denfants"]


@pytest.fixture
def catalogue(session: Session) -> None:
    structures = [
        structure_row("valence", code_insee=VALENCE, commune="Valence"),
        structure_row("romans", code_insee=ROMANS, commune="Romans-sur-Isère"),
        structure_row("lyon", code_insee="69123", commune="Lyon"),
    ]
    services = [
        # Cover Valence, usable directly, in Valence: first, by name.
        service_row("zebre", "valence", nom="Zèbre crèche", zone_eligibilite=[VALENCE]),
        service_row("creche", "valence", nom="Crèche du centre", zone_eligibilite=["26"]),
        # Cover Valence, usable directly, elsewhere: then, by name.
        service_row(
            "national", "lyon", nom="Garde à domicile", zone_eligibilite=["france"], code_insee="69123"
        ),
        service_row("pays", "romans", nom="Baby-sitting solidaire", zone_eligibilite=["99100"]),
        service_row("romans-dept", "romans", nom="Accueil Romans", zone_eligibilite=["26"]),
        # Cover Valence but need a professional: last, even in Valence.
        service_row(
            "pro",
            "valence",
            nom="Aaa garde prescrite",
            zone_eligibilite=["26"],
            mobilisable_par=["professionnels"],
        ),
        # Do not cover Valence: excluded.
        service_row("romans-only", "romans", nom="Relais de Romans", zone_eligibilite=[ROMANS]),
        service_row("ardeche", "romans", nom="Crèche ardéchoise", zone_eligibilite=["07"]),
        service_row("epci", "valence", nom="Crèche intercommunale", zone_eligibilite=["200068781"]),
        service_row("no-zone", "valence", nom="Crèche sans zone", zone_eligibilite=None),
        # Another theme: excluded.
        service_row(
            "garage", "valence", nom="Garage", thematiques=["mobilite--entretenir-reparer-son-vehicule"]
        ),
    ]
    report = importer.import_offers(session, structures=structures, services=services)
    assert report.rejected == []


def _names(services: list[Service]) -> list[str]:
    return [service.nom for service in services]


@pytest.mark.usefixtures("catalogue")
def test_matching_by_theme_and_commune_usagers_first(session: Session) -> None:
    found = match_offers(session, themes=GARDE, code_insee=VALENCE, departement_code="26", limit=20)
    assert _names(found) == [
        "Crèche du centre",
        "Zèbre crèche",
        "Accueil Romans",
        "Baby-sitting solidaire",
        "Garde à domicile",
        "Aaa garde prescrite",
    ]


@pytest.mark.usefixtures("catalogue")
def test_services_that_do_not_cover_the_commune_are_excluded(session: Session) -> None:
    in_romans = _names(
        match_offers(session, themes=GARDE, code_insee=ROMANS, departement_code="26", limit=20)
    )
    assert "Relais de Romans" in in_romans and "Zèbre crèche" not in in_romans
    assert in_romans[:3] == [
        "Accueil Romans",
        "Baby-sitting solidaire",
        "Relais de Romans",
    ]  # in Romans first
    in_ardeche = _names(
        match_offers(session, themes=GARDE, code_insee="07186", departement_code="07", limit=20)
    )
    assert in_ardeche == ["Baby-sitting solidaire", "Crèche ardéchoise", "Garde à domicile"]


@pytest.mark.usefixtures("catalogue")
def test_without_a_commune_only_the_departement_counts(session: Session) -> None:
    found = _names(match_offers(session, themes=GARDE, code_insee=None, departement_code="26", limit=20))
    assert found == [
        "Accueil Romans",
        "Baby-sitting solidaire",
        "Crèche du centre",
        "Garde à domicile",
        "Aaa garde prescrite",
    ]


@pytest.mark.usefixtures("catalogue")
def test_limit_and_themes(session: Session) -> None:
    assert len(match_offers(session, themes=GARDE, code_insee=VALENCE, departement_code="26")) == 3
    assert match_offers(session, themes=[], code_insee=VALENCE, departement_code="26") == []
    mobility = match_offers(
        session, themes=theme_group_themes("mobilite"), code_insee=DIE, departement_code="26"
    )
    assert _names(mobility) == ["Garage"]


def test_demo_offers_for_marie_in_valence(session: Session) -> None:
    importer.load_demo_offers(session)
    garde = match_offers(
        session, themes=theme_group_themes("garde_enfants"), code_insee=VALENCE, departement_code="26"
    )
    assert {s.nom for s in garde} == {"Crèche AVIP Les Petits Pas", "Relais petite enfance de Valence"}
    permis = match_offers(session, themes=theme_group_themes("permis"), code_insee=DIE, departement_code="26")
    assert permis[0].nom == "Plateforme mobilité de la Drôme"
    assert all(matching.is_direct(s) for s in permis[:1]) and not matching.is_direct(permis[-1])


def test_theme_groups() -> None:
    labels = matching.theme_labels()
    assert len(labels) == 69
    assert theme_group_themes("garde_enfants") == ["famille--garde-denfants"]
    assert theme_group_themes("permis") == ["mobilite--preparer-un-permis", "mobilite--financer-ma-mobilite"]
    mobilite = theme_group_themes("mobilite")
    assert len(mobilite) == 6 and all(t.startswith("mobilite--") for t in mobilite)
    for group in ("logement", "sante", "numerique"):
        themes = theme_group_themes(group)
        assert themes and all(t in labels for t in themes)
    assert theme_group_themes("logement")[0].startswith("logement-hebergement--")
    with pytest.raises(Invalid):
        theme_group_themes("vacances")


def test_departement_of() -> None:
    assert matching.departement_of("26362") == "26"
    assert matching.departement_of("2a004") == "2A"
    assert matching.departement_of("97411") == "974"
