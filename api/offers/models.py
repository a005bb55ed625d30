"""Offers catalogue: structures and services of the data·inclusion schema v1 (see schema/CREDITS.md).

The schema's `id` is stored as `source_id`, unique with `source`; `id` here is our own key.
Lengths follow the schema where it caps them; unbounded strings are Text so that a row the
schema accepts is never refused by the database.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow


class Structure(Base):
    __tablename__ = "offer_structures"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)  # the schema's `id`, e.g. "dora--42"
    nom: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(Text)
    siret: Mapped[str | None] = mapped_column(String(14))
    reseaux_porteurs: Mapped[list[str] | None] = mapped_column(JSON)
    code_insee: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(String(5))
    adresse: Mapped[str | None] = mapped_column(Text)
    complement_adresse: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    telephone: Mapped[str | None] = mapped_column(Text)
    courriel: Mapped[str | None] = mapped_column(Text)
    site_web: Mapped[str | None] = mapped_column(String(2083))
    lien_source: Mapped[str | None] = mapped_column(String(2083))
    horaires_accueil: Mapped[str | None] = mapped_column(Text)  # OpenStreetMap opening_hours
    accessibilite_lieu: Mapped[str | None] = mapped_column(String(2083))
    date_maj: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Service(Base):
    __tablename__ = "offer_services"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)  # the schema's `id`
    # The schema's `structure_id` is the structure's `id` in the same source.
    structure_id: Mapped[int] = mapped_column(ForeignKey("offer_structures.id"), index=True)
    nom: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(20))
    thematiques: Mapped[list[str] | None] = mapped_column(JSON)
    frais: Mapped[str | None] = mapped_column(String(10))
    frais_precisions: Mapped[str | None] = mapped_column(Text)
    publics: Mapped[list[str] | None] = mapped_column(JSON)
    publics_precisions: Mapped[str | None] = mapped_column(Text)
    conditions_acces: Mapped[str | None] = mapped_column(Text)
    # "usagers": a person can go directly; "professionnels": through a professional.
    mobilisable_par: Mapped[list[str] | None] = mapped_column(JSON)
    modes_mobilisation: Mapped[list[str] | None] = mapped_column(JSON)
    mobilisation_precisions: Mapped[str | None] = mapped_column(Text)
    lien_mobilisation: Mapped[str | None] = mapped_column(String(2083))
    modes_accueil: Mapped[list[str] | None] = mapped_column(JSON)
    # INSEE codes: communes, départements, EPCI (SIREN), countries; "france" or "99100" for the country.
    zone_eligibilite: Mapped[list[str] | None] = mapped_column(JSON)
    code_insee: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(String(5))
    adresse: Mapped[str | None] = mapped_column(Text)
    complement_adresse: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    telephone: Mapped[str | None] = mapped_column(Text)
    courriel: Mapped[str | None] = mapped_column(Text)
    horaires_accueil: Mapped[str | None] = mapped_column(Text)  # OpenStreetMap opening_hours
    lien_source: Mapped[str | None] = mapped_column(String(2083))
    nombre_semaines: Mapped[int | None] = mapped_column(Integer)
    volume_horaire_hebdomadaire: Mapped[float | None] = mapped_column(Float)
    date_maj: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    structure: Mapped[Structure] = relationship(lazy="joined")


# Columns filled from a row of the schema, keyed by the schema's field name (all but id and
# structure_id, which the importer maps itself). `contact_nom_prenom` is left out on purpose:
# a professional's name is personal data the assistant does not need.
STRUCTURE_FIELDS: tuple[str, ...] = (
    "nom",
    "description",
    "siret",
    "reseaux_porteurs",
    "code_insee",
    "commune",
    "code_postal",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "telephone",
    "courriel",
    "site_web",
    "lien_source",
    "horaires_accueil",
    "accessibilite_lieu",
    "date_maj",
)
SERVICE_FIELDS: tuple[str, ...] = (
    "nom",
    "description",
    "type",
    "thematiques",
    "frais",
    "frais_precisions",
    "publics",
    "publics_precisions",
    "conditions_acces",
    "mobilisable_par",
    "modes_mobilisation",
    "mobilisation_precisions",
    "lien_mobilisation",
    "modes_accueil",
    "zone_eligibilite",
    "code_insee",
    "commune",
    "code_postal",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "telephone",
    "courriel",
    "horaires_accueil",
    "lien_source",
    "nombre_semaines",
    "volume_horaire_hebdomadaire",
    "date_maj",
)
