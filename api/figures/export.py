"""The figures as a CSV file for French spreadsheets.

Excel with a French locale opens a CSV by double-click only if it is separated by ";" (the comma
is the decimal separator there) and, to read accents right, if it starts with a UTF-8 byte
order mark. So: ";" between fields, decimal commas, a BOM, CRLF line ends. One table of three
columns (Rubrique, Indicateur, Valeur), easy to filter or pivot; an empty value is a rate or a
median with nothing to compute it from.
"""

import csv
import io
import re
import unicodedata

from api.figures import labels
from api.figures.service import Figures

SEPARATOR = ";"
BOM = "\ufeff"
HEADER = ("Rubrique", "Indicateur", "Valeur")


def _percent(value: float | None) -> str:
    return "" if value is None else labels.decimal(value * 100)


def _decimal(value: float | None) -> str:
    return "" if value is None else labels.decimal(value)


def rows(figures: Figures, organisation_name: str) -> list[tuple[str, str, str]]:
    """The lines of the file, header excluded."""
    f = figures
    per = labels.granularity_label(f.granularity)
    lines = [
        ("Période", "Organisation", organisation_name),
        ("Période", "Du", f.start.isoformat()),
        ("Période", "Au", f.end.isoformat()),
        ("Période", "Fuseau horaire", f.time_zone),
        ("Invitations", "Invitations envoyées", str(f.invitations_sent)),
        ("Invitations", "Invitations suivies d'un rendez-vous", str(f.invitations_booked)),
        ("Invitations", "Taux de prise de rendez-vous (%)", _percent(f.booking_rate)),
        ("Invitations", "Délai médian invitation - rendez-vous (heures)", _decimal(f.median_delay_hours)),
        ("Invitations", "Délai médian invitation - rendez-vous (jours)", _decimal(f.median_delay_days)),
        ("Rendez-vous", "Rendez-vous de la période", str(f.appointments)),
        ("Rendez-vous", "Rendez-vous confirmés", str(f.confirmed)),
        ("Rendez-vous", "Taux de confirmation (%)", _percent(f.confirmation_rate)),
        ("Rendez-vous", "Honorés", str(f.seen)),
        ("Rendez-vous", "Absents", str(f.noshow)),
        ("Rendez-vous", "Annulés par la personne", str(f.excused)),
        ("Rendez-vous", "Annulés par le service", str(f.revoked)),
        ("Rendez-vous", "Présence non renseignée", str(f.not_marked)),
        ("Rendez-vous", "À venir", str(f.upcoming)),
        ("Rendez-vous", "Taux d'absence (%)", _percent(f.noshow_rate)),
        ("Rendez-vous", "Part non renseignée (%)", _percent(f.not_marked_rate)),
        ("Messages", "SMS envoyés", str(f.sms_messages)),
        ("Messages", "Segments SMS facturés", str(f.sms_segments)),
        ("Messages", "Messages WhatsApp envoyés", str(f.whatsapp_messages)),
        ("Messages", "Messages reçus", str(f.inbound_messages)),
    ]
    lines += [("Freins : signalements", labels.barrier_label(b.group), str(b.entries)) for b in f.barriers]
    lines += [("Freins : personnes", labels.barrier_label(b.group), str(b.people)) for b in f.barriers]
    for box, title in (("sent", "Orientations envoyées"), ("received", "Orientations reçues")):
        counts = getattr(f.orientations, box)
        lines += [
            (title, "Demandes", str(counts.total)),
            (title, "Acceptées", str(counts.accepted)),
            (title, "Refusées", str(counts.refused)),
            (title, "Expirées", str(counts.expired)),
            (title, "En attente", str(counts.open)),
            (title, "Taux d'acceptation (%)", _percent(counts.acceptance_rate)),
        ]
    lines += [(f"Invitations envoyées {per}", p.start.isoformat(), str(p.invitations)) for p in f.series]
    lines += [(f"Rendez-vous pris {per}", p.start.isoformat(), str(p.bookings)) for p in f.series]
    return lines


def to_csv(figures: Figures, organisation_name: str) -> str:
    """The whole file, byte order mark included."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(figures, organisation_name))
    return BOM + out.getvalue()


def filename(organisation_name: str, figures: Figures) -> str:
    """'chiffres_departement-de-la-drome_2026-11-01_2026-11-30.csv' (ASCII only)."""
    ascii_name = unicodedata.normalize("NFKD", organisation_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "organisation"
    return f"chiffres_{slug}_{figures.start.isoformat()}_{figures.end.isoformat()}.csv"


def content_disposition(organisation_name: str, figures: Figures) -> str:
    return f'attachment; filename="{filename(organisation_name, figures)}"'
