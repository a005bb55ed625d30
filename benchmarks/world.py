"""What the benchmarks share: their own database, its schema rebuilt by the Alembic migrations,
and a world inserted in bulk (an organisation with a place and a motif, rows with their ids).

A benchmark puts the repository root on sys.path, then imports this module (importing api
reads no settings: a benchmark that uses api's own engine sets SPIE_DATABASE_URL before it
first calls get_engine()). The test suite's database is never touched: every PostgreSQL
database reset here must have "bench" in its name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection, insert, text
from sqlalchemy.engine import Engine

import api.models  # noqa: F401  (registers every table)
from alembic import command
from alembic.config import Config
from api.agenda.models import Motif, Place
from api.organisations.models import Organisation

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def postgres_url(name: str) -> str:
    """The SQLAlchemy URL of the benchmark database `name` on BENCH_PG_SERVER."""
    return PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def _refuse_unless_bench(name: str | None) -> None:
    if "bench" not in (name or ""):
        raise SystemExit(f"refusing database {name!r}: a benchmark database has *bench* in its name")


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it is missing."""
    server, _, name = url.rpartition("/")
    _refuse_unless_bench(name)
    server = server.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        hint = "try scripts/ensure-services.sh"
        raise SystemExit(f"PostgreSQL unreachable at {server} ({exc}); {hint}") from exc


def reset_schema(engine: Engine) -> None:
    """An empty schema built by the migrations (on PostgreSQL, the public schema dropped first)."""
    if engine.dialect.name == "postgresql":
        _refuse_unless_bench(engine.url.database)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    # A connection, not a transaction: alembic/env.py commits on it itself (on SQLite it turns
    # foreign keys off outside a transaction first), as with the engine it makes.
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def insert_returning_ids(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of `model` in bulk; their ids, in the order of `rows`."""
    if not rows:
        return []
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def organisation_place_motif(connection: Connection, name: str = "Bench") -> tuple[int, int, int]:
    """An organisation in the Drôme with one place and one 30-minute motif: their ids."""
    (org,) = insert_returning_ids(
        connection, Organisation, [{"name": name, "departement_code": "26", "time_zone": "Europe/Paris"}]
    )
    (place,) = insert_returning_ids(
        connection, Place, [{"organisation_id": org, "name": "Lieu", "address": "1 rue X"}]
    )
    (motif,) = insert_returning_ids(
        connection, Motif, [{"organisation_id": org, "name": "RSA", "duration_minutes": 30}]
    )
    return org, place, motif
