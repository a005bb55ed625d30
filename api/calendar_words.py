"""French calendar words, written once: weekdays and months."""

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# For SMS: é and è are in the GSM-7 alphabet, û is not ("aout").
SMS_MONTHS = tuple(month.replace("û", "u") for month in MONTHS)
