"""French texts the system sends outside the Rasa conversation (GSM-7, vouvoiement).

The conversation's own wording lives in domain.yml.
"""

INVITATION = (
    "Bonjour {first_name}, {organisation} vous invite au RDV {motif} à {place}. "
    "Répondez par un numéro :\n{options}\nSinon, répondez AUTRE."
)
OPTED_OUT = "Vous ne recevrez plus de SMS de notre part. Pour les recevoir à nouveau, répondez START."
OPTED_IN = "C'est noté, vous recevrez à nouveau nos messages. Pour arrêter, répondez STOP."
CONTACT = "Pour nous joindre : {phone}, {hours}."
CONTACT_UNKNOWN = "Pour toute question, contactez le service qui vous a écrit."
UNKNOWN_NUMBER = (
    "Bonjour, nous ne trouvons pas votre numéro. Un conseiller va lire votre message "
    "et vous recontacter si besoin."
)
EMPTY_MESSAGE = "Nous ne pouvons lire que du texte. Merci de répondre par un message écrit."
TOO_LONG = (
    "Votre message est bien reçu. Il est long : un conseiller va le lire. "
    "Pour un RDV, répondez en quelques mots."
)
TECHNICAL_PROBLEM = (
    "Désolé, nous avons un souci technique. Votre message est bien reçu, un conseiller va le lire."
)
