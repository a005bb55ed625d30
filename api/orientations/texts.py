"""What orientation requests say: the SMS to the person (French, GSM-7, one SMS) and the mails to
a structure without an account (French, for professionals)."""

from api.messaging.segments import GSM7_BASIC, GSM7_SINGLE_LIMIT, count_segments, to_gsm7

# The person is told in plain words, in one SMS, who takes them on and how to reach them.
ACCEPTED = "Bonne nouvelle : {structure} accepte de vous recevoir ({service}). {reach}"
REACH = "Pour les joindre : {contact}."
REACH_UNKNOWN = "Ils vont vous contacter."
_NAME_FLOOR = 12  # a name is never cut shorter than this

REQUEST_SUBJECT = "Demande d'orientation : {first_name} {initial}, {theme}"
REQUEST_BODY = """Bonjour,

{from_name} vous adresse une demande d'orientation vers votre service « {service} ».

Personne orientée : {first_name} {initial}
Besoin : {theme}
Motif : {reason}

Pour accepter ou refuser cette demande (avec un motif), ouvrez ce lien :
{link}

Sans réponse, nous vous relancerons dans {reminder_days} jours ; la demande expirera au bout de
{expiry_days} jours. Ce lien est personnel : ne le transférez pas.

L'assistant SMS du service public de l'insertion et de l'emploi
"""
REMINDER_SUBJECT = "Relance : demande d'orientation en attente ({service})"
REMINDER_BODY = """Bonjour,

Une demande d'orientation vers votre service « {service} », envoyée par {from_name} le {sent_on},
attend toujours votre réponse. Elle expirera le {expires_on}.

Pour y répondre : {link}

L'assistant SMS du service public de l'insertion et de l'emploi
"""


def sms_plain(text: str) -> str:
    """text on one line with GSM-7 basic characters only (lookalikes, then the others dropped)."""
    text = to_gsm7(" ".join(text.split()))
    return "".join(ch for ch in text if ch in GSM7_BASIC)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rstrip(" ,;:-'") + "..."


def _share(first: str, second: str, room: int) -> tuple[str, str]:
    """Both texts within room characters together, each cut only as much as needed."""
    if len(first) + len(second) <= room:
        return first, second
    first_room = min(len(first), max(room // 2, room - len(second)))
    return _clip(first, first_room), _clip(second, room - first_room)


def accepted_sms(*, structure: str, service: str, contact: str) -> str:
    """The SMS of an accepted request, always one GSM-7 SMS: long names are cut, the contact kept
    unless it leaves the names no room (then the service calls the person)."""
    structure, service, contact = sms_plain(structure), sms_plain(service), sms_plain(contact)
    reaches = ([REACH.format(contact=contact)] if contact else []) + [REACH_UNKNOWN]
    for reach in reaches:
        # Basic GSM-7 characters only (sms_plain): one character is one septet.
        room = GSM7_SINGLE_LIMIT - len(ACCEPTED.format(structure="", service="", reach=reach))
        if room < 2 * _NAME_FLOOR and reach != REACH_UNKNOWN:
            continue
        named, offered = _share(structure, service, max(room, 0))
        text = ACCEPTED.format(structure=named, service=offered, reach=reach)
        if count_segments(text).segments == 1:
            return text
    return ACCEPTED.format(structure=_clip(structure, 60), service="", reach=REACH_UNKNOWN).replace(" ()", "")
