from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OffersImport(BaseModel):
    """A file of the data·inclusion schema v1: rows are validated one by one by the importer."""

    model_config = ConfigDict(extra="forbid")
    structures: list[dict[str, Any]]
    services: list[dict[str, Any]]


class RowError(BaseModel):
    kind: Literal["structure", "service"]
    row: int = Field(description="1-based position of the row in its list (CSV: first data line is 1)")
    id: str | None = Field(description="the row's `id`, when it has a usable one")
    field: str | None = Field(description="the schema field at fault, None for the whole row")
    message: str


class ImportReport(BaseModel):
    structures_created: int = 0
    structures_updated: int = 0
    structures_unchanged: int = 0
    services_created: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    rejected: list[RowError] = Field(default_factory=list)


class StructureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    source_id: str
    nom: str
    commune: str | None
    code_insee: str | None
    telephone: str | None
    date_maj: date


class ServiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    source_id: str
    structure: StructureRead
    nom: str
    description: str
    type: str | None
    thematiques: list[str] | None
    frais: str | None
    publics: list[str] | None
    mobilisable_par: list[str] | None
    modes_mobilisation: list[str] | None
    lien_mobilisation: str | None
    modes_accueil: list[str] | None
    zone_eligibilite: list[str] | None
    code_insee: str | None
    commune: str | None
    code_postal: str | None
    adresse: str | None
    telephone: str | None
    courriel: str | None
    horaires_accueil: str | None
    date_maj: date
