"""French texts the system sends outside the Rasa conversation (GSM-7, vouvoiement).

The conversation's own wording lives in domain.yml.
"""

INVITATION = (
    "Bonjour {first_name}, {organisation} vous invite au RDV {motif} à {place}. "
    "Répondez par un numéro :\n{options}\nSinon, répondez AUTRE."
)
OPTED_OUT = "Vous ne recevrez plus de SMS de notre part. Pour les recevoir à nouveau, répondez START."
OPTED_IN = "C'est noté, vous recevrez à nouveau nos messages. Pour ne plus les recevoir, répondez STOP."
CONTACT = "Pour nous joindre : {phone}, {hours}."
CONTACT_UNKNOWN = "Pour toute question, contactez le service qui vous a écrit."
UNKNOWN_NUMBER = (
    "Bonjour, nous ne trouvons pas votre numéro. Un conseiller va lire votre message "
    "et vous recontacter si besoin."
)
EMPTY_MESSAGE = "Nous ne pouvons lire que du texte. Merci de répondre par un message écrit."
TOO_LONG = (
    "Votre message est bien arrivé. Il est long : un conseiller va le lire. "
    "Pour un RDV, répondez en quelques mots."
)
TECHNICAL_PROBLEM = (
    "Désolé, nous avons un souci technique. Votre message est bien arrivé, un conseiller va le lire."
)

# Scheduled messages (issue 3). Reminders must fit one SMS with the longest address.
REMINDER = (
    "Rappel : RDV {date_label} à {time_label}, {address}. "
    "Répondez OUI pour confirmer, ou NON si vous ne pouvez pas venir."
)
REMINDER_DAY_BEFORE = (
    "Rappel : RDV demain à {time_label}, {address}. "
    "Répondez OUI pour confirmer, ou NON si vous ne pouvez pas venir."
)
RELANCE = (
    "Bonjour {first_name}, vous n'avez pas encore choisi votre RDV {motif}. "
    "Répondez par un numéro :\n{options}\nSinon, répondez AUTRE."
)
INVITATION_EXPIRED = (
    "Votre invitation au RDV {motif} a expiré. Pour un nouveau RDV, répondez CONSEILLER "
    "et nous vous recontacterons."
)
REVOKED = (
    "Votre RDV du {date_label} à {time_label} est annulé par le service, excusez-nous. "
    "Répondez par un numéro pour un autre créneau :\n{options}"
)
REVOKED_NO_SLOT = (
    "Votre RDV du {date_label} à {time_label} est annulé par le service, excusez-nous. "
    "Un conseiller va vous recontacter."
)

# Optional questionnaire after a first booking (issue 4): at most 3 questions.
QUESTIONNAIRE_TRANSPORT = (
    "Pour préparer votre RDV (facultatif) : comment viendrez-vous ?\n"
    "1) en voiture\n2) en bus ou en train\n3) à pied ou à vélo\n4) je n'ai pas de solution"
)
QUESTIONNAIRE_CHILDCARE = "Avez-vous besoin de faire garder un enfant pour venir au RDV ?\n1) oui\n2) non"
QUESTIONNAIRE_NOTE = (
    "Voulez-vous dire autre chose au conseiller avant le RDV ? Écrivez-le en quelques mots, ou répondez NON."
)
QUESTIONNAIRE_DONE = "Merci, c'est noté pour votre conseiller. A bientot !"
