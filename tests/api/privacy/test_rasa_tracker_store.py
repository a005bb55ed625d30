"""Erasure empties Rasa's SQL tracker store (the table Rasa's SQLTrackerStore writes), and the
retention job removes what an erasure could not (tests/cluster runs it against the real Rasa)."""

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.config import Settings
from api.privacy.rasa_tracker import forget_conversations, forget_orphan_conversations
from tests.api import factories as f

# rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent (Rasa 3.6), as Rasa creates it.
EVENTS = """CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def tracker_store(tmp_path: Path, senders: list[str]) -> str:
    url = f"sqlite:///{tmp_path / 'rasa-tracker.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(EVENTS))
        for sender in senders:
            for event in ("action", "user", "bot"):
                connection.execute(
                    text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, :t, '{}')"),
                    {"s": sender, "t": event},
                )
    engine.dispose()
    return url


def senders_in(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return dict(rows)


def test_erasure_deletes_only_the_persons_events(tmp_path: Path) -> None:
    url = tracker_store(tmp_path, ["b-7", "b-70", "b-8"])
    settings = Settings(_env_file=None, rasa_tracker_database_url=url)
    assert forget_conversations([7, 8], settings=settings) == 2
    assert senders_in(url) == {"b-70": 3}


def test_retention_deletes_the_conversations_of_people_who_no_longer_exist(
    session: Session, tmp_path: Path
) -> None:
    person = f.beneficiary(session, f.organisation(session))
    session.flush()
    gone = person.id + 1000
    url = tracker_store(tmp_path, [f"b-{person.id}", f"b-{gone}", "rasa-shell-user"])
    settings = Settings(_env_file=None, rasa_tracker_database_url=url)
    assert forget_orphan_conversations(session, settings=settings) == 1
    assert senders_in(url) == {f"b-{person.id}": 3, "rasa-shell-user": 3}


def test_an_unreachable_tracker_store_does_not_stop_the_erasure(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, rasa_tracker_database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert forget_conversations([7], settings=settings) == 0
