"""What orientation requests say: the SMS to the person (French, GSM-7, one SMS) and the mails to
a structure without an account (French, for professionals)."""

from api.messaging.segments import GSM7_BASIC, count_segments, to_gsm7

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


def accepted_sms(*, structure: str, service: str, contact: str) -> str:
    """The SMS of an accepted request, always one GSM-7 SMS: long names are cut, the contact never."""
    structure, service, contact = sms_plain(structure), sms_plain(service), sms_plain(contact)
    reach = REACH.format(contact=contact) if contact else REACH_UNKNOWN
    if count_segments(ACCEPTED.format(structure="", service="", reach=reach)).segments > 1:
        reach = REACH_UNKNOWN  # a contact too long for one SMS: the service calls the person
    while True:
        text = ACCEPTED.format(structure=structure, service=service, reach=reach)
        if count_segments(text).segments == 1:
            return text
        if len(service) > _NAME_FLOOR and len(service) >= len(structure):
            service = _clip(service, len(service) - 4)
        elif len(structure) > _NAME_FLOOR:
            structure = _clip(structure, len(structure) - 4)
        else:
            reach = REACH_UNKNOWN
            if (
                count_segments(ACCEPTED.format(structure=structure, service=service, reach=reach)).segments
                > 1
            ):
                return ACCEPTED.format(structure=structure, service="", reach=reach).replace(" ()", "")
