"""Which offers to suggest to a person, and how to say them in one or two SMS.

An offer is suggested when it has one of the themes asked for and its `zone_eligibilite`
covers the person's commune: the commune's INSEE code, its département's code, or the whole
country ("france", or the country code "99100" that the schema allows too). EPCI codes
(9-digit SIREN) are not resolved: without a commune-to-EPCI table such an offer is not
suggested. An offer without `zone_eligibilite` is not suggested either.
"""

import json
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.messaging.segments import GSM7_BASIC, to_gsm7
from api.offers.importer import SCHEMA_DIR
from api.offers.models import Service

NATIONAL_CODES = ("france", "99100")

# Conversation groups (what the person said they need) -> taxonomy values, by value or prefix.
_GROUPS: dict[str, tuple[str, ...]] = {
    "garde_enfants": ("famille--garde-denfants",),
    "mobilite": ("mobilite--*",),
    "permis": ("mobilite--preparer-un-permis", "mobilite--financer-ma-mobilite"),
    "logement": ("logement-hebergement--*",),
    "sante": ("sante--*",),
    "numerique": ("numerique--*",),
}

# What an offer is, in a few GSM-7 words, by theme; other themes use the schema's label.
_SHORT_THEMES: dict[str, str] = {
    "famille--garde-denfants": "garde d'enfants",
    "mobilite--acceder-a-un-vehicule": "location de véhicule",
    "mobilite--entretenir-reparer-son-vehicule": "réparation de véhicule",
    "mobilite--etre-accompagne-dans-son-parcours-mobilite": "conseil mobilité",
    "mobilite--financer-ma-mobilite": "aide financière mobilité",
    "mobilite--preparer-un-permis": "aide au permis",
    "mobilite--mobilite-douce-partagee-collective": "transport partagé",
    "numerique--acceder-a-des-services-en-ligne": "démarches en ligne",
    "numerique--acceder-a-une-connexion-internet": "accès à internet",
    "numerique--acquerir-un-equipement": "ordinateur à petit prix",
    "numerique--maitriser-les-fondamentaux-du-numerique": "initiation au numérique",
    "logement-hebergement--acheter-un-logement": "achat de logement",
    "logement-hebergement--changer-de-logement": "changer de logement",
    "logement-hebergement--louer-un-logement": "location de logement",
    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire": "hébergement temporaire",
    "logement-hebergement--reduire-les-impayes-de-loyer": "impayés de loyer",
    "logement-hebergement--se-maintenir-dans-le-logement": "garder son logement",
    "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement": "info logement",
    "sante--constituer-un-dossier-mdph-invalidite": "dossier MDPH",
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits": "accès aux droits",
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives": (
        "aide aux démarches"
    ),
}

NAME_MAX = 35
WHAT_MAX = 24
CONTACT_MAX = 28  # "à " and the longest commune names of a département
# Bullets, not numbers: numbers would be taken for a slot choice ("1)") that may follow.
BULLET = "- "
LINE_MAX = len(BULLET) + NAME_MAX + len(", ") + WHAT_MAX + len(" : ") + CONTACT_MAX  # 94
# 3 lines (284 characters) leave room for a short lead-in within 2 SMS.
VIA_PROFESSIONAL = "via votre conseiller"
_SMS_SUBSTITUTES = {"€": "EUR", "[": "(", "]": ")", "{": "(", "}": ")"}


@lru_cache
def theme_labels() -> dict[str, str]:
    """Every theme of the taxonomy (thematiques.json) with its French label."""
    rows = json.loads((SCHEMA_DIR / "thematiques.json").read_text(encoding="utf-8"))
    return {row["value"]: row["label"] for row in rows}


def theme_group_themes(group: str) -> list[str]:
    """The taxonomy values of a conversation group ("mobilite", "garde_enfants"...)."""
    if group not in _GROUPS:
        raise Invalid(f"unknown theme group {group!r}; known: {', '.join(sorted(_GROUPS))}")
    themes: list[str] = []
    for pattern in _GROUPS[group]:
        if pattern.endswith("*"):
            themes.extend(value for value in theme_labels() if value.startswith(pattern[:-1]))
        else:
            themes.append(pattern)
    return themes


def theme_groups() -> list[str]:
    """The conversation groups theme_group_themes knows."""
    return sorted(_GROUPS)


def departement_of(code_insee: str) -> str:
    """The département code of a commune code: 2 characters, 3 overseas (97x), 2A/2B in Corsica."""
    code = code_insee.upper()
    return code[:3] if code.startswith("97") else code[:2]


def covers(zone: Sequence[str] | None, *, code_insee: str | None, departement_code: str) -> bool:
    """Whether a zone_eligibilite covers this commune (or, without one, this whole département)."""
    if not zone:
        return False
    wanted = {departement_code.upper(), *NATIONAL_CODES}
    if code_insee:
        wanted.add(code_insee.upper())
    return any(code in wanted for code in zone)


def _json_item_like(value: str) -> str:
    """A LIKE pattern finding value as an item of a JSON array stored as text."""
    quoted = json.dumps(value)
    return "%" + quoted.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def match_offers(
    session: Session,
    *,
    themes: Sequence[str],
    code_insee: str | None,
    departement_code: str,
    limit: int = 3,
) -> list[Service]:
    """Offers on any of themes whose zone covers the person; usagers first, then own commune, then name."""
    if not themes or limit <= 0:
        return []
    zone_codes = [departement_code.upper(), *NATIONAL_CODES]
    if code_insee:
        zone_codes.append(code_insee.upper())
    # A coarse filter in SQL on the JSON text (same on SQLite and PostgreSQL), exact in Python.
    theme_text = cast(Service.thematiques, Text)
    zone_text = cast(Service.zone_eligibilite, Text)
    query = select(Service).where(
        or_(*(theme_text.like(_json_item_like(theme), escape="!") for theme in themes)),
        or_(*(zone_text.like(_json_item_like(code), escape="!") for code in zone_codes)),
    )
    wanted = set(themes)
    found = [
        service
        for service in session.scalars(query)
        if wanted.intersection(service.thematiques or ())
        and covers(service.zone_eligibilite, code_insee=code_insee, departement_code=departement_code)
    ]

    def rank(service: Service) -> tuple[bool, bool, str, int]:
        place = service.code_insee or service.structure.code_insee
        in_commune = code_insee is not None and place is not None and place.upper() == code_insee.upper()
        return (not is_direct(service), not in_commune, _sort_name(service.nom), service.id)

    return sorted(found, key=rank)[:limit]


def is_direct(service: Service) -> bool:
    """Whether a person can use the offer without a professional (mobilisable_par has usagers)."""
    return "usagers" in (service.mobilisable_par or ())


def _sort_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# SMS ----------------------------------------------------------------------------------------


def format_offers_sms(services: Sequence[Service], *, themes: Sequence[str] | None = None) -> str:
    """One short GSM-7 line per offer: name, what it is, how to reach it.

    Each line is at most LINE_MAX (94) characters, so 3 offers and a short lead-in fit in 2 SMS,
    and 2 offers with short names in one. `themes` (those asked for) chooses which of an offer's
    themes names it.
    An empty string when there is no offer.
    """
    lines = []
    for service in services:
        name = _clip(_sms_text(service.nom), NAME_MAX)
        what = _clip(_what(service, themes=themes), WHAT_MAX)
        lines.append(
            f"{BULLET}{name}, {what} : {_contact(service)}"
            if what
            else f"{BULLET}{name} : {_contact(service)}"
        )
    return "\n".join(lines)


def _what(service: Service, *, themes: Sequence[str] | None) -> str:
    """A few words on what the offer is, from its first theme among those asked for."""
    offered = list(service.thematiques or ())
    preferred = [theme for theme in offered if themes and theme in themes] + offered
    for theme in preferred:
        if theme in _SHORT_THEMES:
            return _SHORT_THEMES[theme]
        label = theme_labels().get(theme)
        if label:
            text = _sms_text(label)
            return text[:1].lower() + text[1:]
    return ""


def _contact(service: Service) -> str:
    """A phone number if the person can call, otherwise the commune; or via a professional."""
    if not is_direct(service):
        return VIA_PROFESSIONAL
    phone = service.telephone or service.structure.telephone
    if phone:
        return _clip(_sms_text(_national_phone(phone)), CONTACT_MAX)
    commune = service.commune or service.structure.commune
    if commune:
        return _clip("à " + _sms_text(commune), CONTACT_MAX)
    return VIA_PROFESSIONAL


def _national_phone(phone: str) -> str:
    """+33475123456 or 0475123456 -> 04 75 12 34 56; anything else unchanged."""
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return phone.strip()
    if not phonenumbers.is_valid_number(number):
        return phone.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _sms_text(text: str) -> str:
    """Text with only GSM-7 basic characters (one septet each), on one line."""
    text = to_gsm7(" ".join(text.split()))
    return "".join(_SMS_SUBSTITUTES.get(ch, ch) for ch in text if ch in GSM7_BASIC or ch in _SMS_SUBSTITUTES)


def _clip(text: str, limit: int) -> str:
    """text cut to at most limit characters with "...", at a word boundary unless that loses too much."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = text[: limit - 3]
    at_word = room.rsplit(" ", 1)[0]
    cut = at_word if len(at_word) >= 2 * len(room) // 3 else room
    return cut.rstrip(" ,;:-'") + "..."
