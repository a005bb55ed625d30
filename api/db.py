"""Engine, session factory and declarative base shared by every domain."""

import select
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

from api.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # every model of ours is mapped to a table (SQLAlchemy types it as any FROM clause)
        __table__: ClassVar[Table]


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine.dialect.do_ping = _ping_only_when_in_doubt(engine.dialect.do_ping)  # type: ignore[method-assign,assignment]
    return engine


def _ping_only_when_in_doubt(ping: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """The pool's pre-ping on PostgreSQL, without a round trip for a connection nothing happened to.

    A connection idle in the pool is sent nothing by the server. When its backend ends
    (pg_terminate_backend, a restart), the server sends an error and closes the socket, so the
    socket turns readable. A readable (or closed, or broken) connection gets the real ping,
    which reads what came and tells the pool; a quiet one is as alive as a ping would have
    found it. The real ping, ";", is a transaction of its own: it was about half of all the
    transactions of a message (issue 14). Not caught: a server that vanishes without a word (a
    network cut); there the first statement fails instead, and the caller retries or answers 500."""

    def do_ping(dbapi_connection: Any) -> bool:
        if getattr(dbapi_connection, "closed", True) or getattr(dbapi_connection, "broken", True):
            return ping(dbapi_connection)
        if not hasattr(select, "poll"):
            return ping(dbapi_connection)
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        if poller.poll(0):
            return ping(dbapi_connection)
        return True

    return do_ping


def insert_for(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT clauses, in the dialect of the session's database."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def session_scope() -> Session:
    """A new session for code outside a request (gateway workers, CLI)."""
    return get_sessionmaker()()


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed once at the end.

    Routes take it as `api.deps.SessionDep` (scope="function"): the commit then happens
    before the answer is sent, so a client that got 201 finds its data on its next request
    (FastAPI's default scope would commit after the response has left).
    """
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
