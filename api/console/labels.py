"""The console's French words for the codes the rest of the application stores."""

# RDV-Insertion's follow-up statuses (api/appointments/followup.py), and a DSFR badge colour.
FOLLOWUP_STATUSES: dict[str, tuple[str, str]] = {
    "not_invited": ("Non invité", ""),
    "invitation_pending": ("Invitation en attente", "fr-badge--info"),
    "invitation_expired": ("Invitation expirée", "fr-badge--warning"),
    "rdv_pending": ("RDV à venir", "fr-badge--info"),
    "rdv_needs_status_update": ("RDV à statuer", "fr-badge--warning"),
    "rdv_noshow": ("Absent", "fr-badge--error"),
    "rdv_revoked": ("RDV annulé par le service", "fr-badge--new"),
    "rdv_excused": ("RDV annulé par la personne", "fr-badge--new"),
    "rdv_seen": ("RDV honoré", "fr-badge--success"),
}

# Barrier groups heard in the conversation (api/barriers/service.py BARRIER_GROUPS).
BARRIER_GROUPS: dict[str, str] = {
    "garde_enfants": "Garde d'enfants",
    "mobilite": "Mobilité",
    "permis": "Permis de conduire",
    "logement": "Logement",
    "sante": "Santé",
    "numerique": "Numérique",
}

# Why someone is in the queue (api/handoffs/models.py HANDOFF_REASONS).
HANDOFF_REASONS: dict[str, str] = {
    "asked_human": "A demandé à parler à quelqu'un",
    "unknown_number": "Numéro inconnu",
    "not_understood": "Message non compris par l'assistant",
    "out_of_scope": "Question hors du champ de l'assistant",
    "bot_unavailable": "Assistant indisponible",
    "api_unavailable": "Service indisponible",
    "message_too_long": "Message trop long",
    "late_cancellation": "Annulation tardive",
    "no_slot_left": "Plus de créneau disponible",
    "unreachable_number": "Numéro injoignable par SMS",
    "delivery_failed": "Message non remis",
    "no_offer": "Aucune offre à proximité",
    "immersion": "Question sur l'immersion",
    "scheduled_message_failed": "Message programmé non envoyé (erreur)",
    "message_too_late": "Message non envoyé à temps",
    "delivery_uncertain": "Envoi incertain : à vérifier",
    "processing_failed": "Message que l'assistant n'a pas pu traiter (erreur)",
}

HANDOFF_STATES: dict[str, tuple[str, str]] = {
    "open": ("À traiter", "fr-badge--warning"),
    "taken": ("Pris en charge", "fr-badge--info"),
    "closed": ("Clos", "fr-badge--success"),
}

CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp"}

AUTHORS = {
    "beneficiary": "La personne",
    "assistant": "Assistant",
    "system": "Système",
    "professional": "Professionnel",
}

# What an outbound message is (outbox `kind`), when it says more than "message".
MESSAGE_KINDS = {
    "invitation": "Invitation",
    "relance": "Relance",
    "reminder": "Rappel",
    "revocation": "Annulation par le service",
    "move": "Proposition de déplacement",
    "questionnaire": "Questionnaire",
    "opt_out_confirmation": "Confirmation de désinscription",
    "professional": "Message d'un professionnel",
    "consent_question": "Question sur le partage",
    "orientation_accepted": "Orientation acceptée",
}


def delivery(state: str, delivery_status: str | None, error_code: str | None) -> tuple[str, str]:
    """The delivery of one outbox message, in French, with a DSFR badge colour."""
    if delivery_status in ("delivered",):
        return "Remis", "fr-badge--success"
    if delivery_status == "read":
        return "Lu", "fr-badge--success"
    if delivery_status in ("undelivered", "failed"):
        suffix = f" (erreur {error_code})" if error_code else ""
        return f"Non remis{suffix}", "fr-badge--error"
    if state == "failed":
        return "Échec de l'envoi", "fr-badge--error"
    if state == "cancelled":
        return "Annulé", "fr-badge--new"
    if state == "pending":
        return "En attente d'envoi", "fr-badge--info"
    if state == "sending":
        return "Envoi en cours", "fr-badge--info"
    if state == "uncertain":
        return "Envoi en vérification", "fr-badge--info"
    return "Envoyé", "fr-badge--info"


APPOINTMENT_EVENTS = {
    "appointment_booked": "Rendez-vous pris",
    "appointment_moved": "Rendez-vous déplacé",
    "appointment_confirmed": "Rendez-vous confirmé par la personne",
    "appointment_seen": "Rendez-vous honoré",
    "appointment_noshow": "Absent au rendez-vous",
    "appointment_excused": "Rendez-vous annulé par la personne",
    "appointment_revoked": "Rendez-vous annulé par le service",
}

# Titles of the other carnet events.
EVENTS = {
    "invitation_created": "Invitation créée",
    "invitation_expired": "Invitation expirée",
    "move_offered": "Nouveaux créneaux proposés",
    "questionnaire_started": "Questionnaire commencé",
    "questionnaire_answer": "Réponse au questionnaire",
    "questionnaire_note": "Message pour le professionnel (questionnaire)",
    "scheduled_message_skipped": "Message programmé non envoyé",
    "message_not_sent": "Message non envoyé (plus d'actualité)",
    "opted_out_by_carrier": "Désinscription signalée par l'opérateur",
    "handoff_requested": "Transmis à un professionnel",
    "handoff_taken": "Demande prise en charge",
    "handoff_closed": "Demande close",
    "note": "Note",
    "consent_asked": "Accord de partage demandé par SMS",
    "consent_given": "Accord de partage donné par SMS",
    "consent_refused": "Partage refusé par SMS",
    "orientation_sent": "Demande d'orientation envoyée",
    "orientation_accepted": "Orientation acceptée",
    "orientation_refused": "Orientation refusée",
    "orientation_reminded": "Orientation : structure relancée (10 jours sans réponse)",
    "orientation_expired": "Orientation expirée (30 jours sans réponse)",
    "orientation_mail_failed": "Orientation : le courriel à la structure n'a pas pu partir",
    "orientation_not_told": "Orientation acceptée : pas de SMS (la personne a répondu STOP)",
    **APPOINTMENT_EVENTS,
}

# Appointment statuses (api/appointments/models.py) on the agenda pages, with a DSFR badge colour.
APPOINTMENT_STATUSES: dict[str, tuple[str, str]] = {
    "unknown": ("À venir", "fr-badge--info"),
    "seen": ("Vu", "fr-badge--success"),
    "noshow": ("Absent non excusé", "fr-badge--error"),
    "excused": ("Excusé", "fr-badge--new"),
    "revoked": ("Annulé par nous", "fr-badge--new"),
}
# A past appointment whose attendance nobody recorded yet.
APPOINTMENT_TO_RECORD = ("Présence à renseigner", "fr-badge--warning")
# The attendance buttons (appointments.service.ATTENDANCE_STATUSES).
ATTENDANCE_BUTTONS = {
    "seen": "Vu",
    "noshow": "Absent non excusé",
    "excused": "Excusé",
    "revoked": "Annulé par nous",
}
