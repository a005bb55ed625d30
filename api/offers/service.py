from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.offers.models import Service, Structure

Key = tuple[str, str]  # (source, the schema's id)
_CHUNK = 500
Offer = TypeVar("Offer", Structure, Service)


def get_service(session: Session, *, service_id: int) -> Service:
    """One service of the catalogue, or 404."""
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound("offer")
    return service


def list_services(session: Session, *, source: str | None = None) -> list[Service]:
    """Services of the catalogue, optionally of one source, by name."""
    query = select(Service).order_by(Service.nom, Service.id)
    if source is not None:
        query = query.where(Service.source == source)
    return list(session.scalars(query))


def structures_by_key(session: Session, *, keys: Iterable[Key]) -> dict[Key, Structure]:
    """The stored structures among these (source, id) keys."""
    return _by_key(session, model=Structure, keys=keys)


def services_by_key(session: Session, *, keys: Iterable[Key]) -> dict[Key, Service]:
    """The stored services among these (source, id) keys."""
    return _by_key(session, model=Service, keys=keys)


def _by_key(session: Session, *, model: type[Offer], keys: Iterable[Key]) -> dict[Key, Offer]:
    """Rows of model whose (source, source_id) is among keys, a few queries per source."""
    ids_by_source: dict[str, set[str]] = {}
    for source, source_id in keys:
        ids_by_source.setdefault(source, set()).add(source_id)
    found: dict[Key, Offer] = {}
    for source, ids in ids_by_source.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            query = select(model).where(model.source == source, model.source_id.in_(chunk))
            for row in session.scalars(query):
                found[(row.source, row.source_id)] = row
    return found
