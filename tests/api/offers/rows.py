"""Rows of the data·inclusion schema v1 for the offers tests."""

from typing import Any

SOURCE = "test-offers"


def structure_row(key: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": SOURCE,
        "id": f"{SOURCE}--{key}",
        "nom": f"Structure {key}",
        "date_maj": "2026-04-01",
        "code_insee": "26362",
        "commune": "Valence",
        "telephone": "04 75 00 00 01",
    }
    row.update(fields)
    return row


def service_row(key: str, structure: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": SOURCE,
        "id": f"{SOURCE}--{key}",
        "structure_id": f"{SOURCE}--{structure}",
        "nom": f"Service {key}",
        "description": "Un service pour les tests du catalogue.",
        "date_maj": "2026-04-02",
        "thematiques": ["famille--garde-denfants"],
        "mobilisable_par": ["usagers"],
        "zone_eligibilite": ["26"],
    }
    row.update(fields)
    return row
