"""Console login throttling: atomic counters in the database, shared by every API process.

Every attempt is counted as a failure *before* the password is checked (one atomic upsert per
key, committed at once), and given back when the password proves right. So N attempts sent at
the same moment count N, and no more than the limit ever reach the password check.

Three keys, each a fixed window of WINDOW:
- `pair:<address> <ip>`: one address from one IP (the person mistyping, or a guesser): PAIR_LIMIT;
- `ip:<ip>`: one IP trying many addresses (a shared office IP needs room): IP_LIMIT;
- `address:<address>`: one address from anywhere (a guesser spreading over many IPs):
  ADDRESS_LIMIT. When it is passed, it refuses only IPs that have already failed on this
  address in the window: each attacking IP gets one guess per window, and the real person,
  from an IP with no failure on this address, still gets in with the right password.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from api.accounts.models import LoginThrottle
from api.db import insert_for

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
IP_LIMIT = 20  # several agents of one office share an IP
ADDRESS_LIMIT = 10


@dataclass(frozen=True)
class Keys:
    pair: str
    ip: str
    address: str

    @property
    def all(self) -> list[str]:
        # Always the same order: two attempts never wait on each other's rows crosswise.
        return sorted((self.pair, self.ip, self.address))


def keys_for(*, email: str, ip: str) -> Keys:
    """The three throttle keys of an attempt (the address as typed, trimmed and lower-cased)."""
    address = email.strip().lower()[:254]
    ip = ip[:45]
    return Keys(pair=f"pair:{address} {ip}", ip=f"ip:{ip}", address=f"address:{address}")


@dataclass(frozen=True)
class Counter:
    failures: int
    window_started_at: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.window_started_at + WINDOW - now).total_seconds()))


def _bump(session: Session, *, key: str, now: datetime) -> None:
    """One atomic statement: +1 in the current window, or 1 in a new window."""
    table = LoginThrottle.__table__
    expired = table.c.window_started_at <= now - WINDOW
    statement = (
        insert_for(session, table)
        .values(key=key, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_started_at": case((expired, now), else_=table.c.window_started_at),
            },
        )
    )
    session.execute(statement)


def _counters(session: Session, keys: list[str]) -> dict[str, Counter]:
    rows = session.execute(
        select(LoginThrottle.key, LoginThrottle.failures, LoginThrottle.window_started_at).where(
            LoginThrottle.key.in_(keys)
        )
    )
    return {key: Counter(failures, started) for key, failures, started in rows}


def reserve(session: Session, *, keys: Keys, now: datetime) -> int | None:
    """Count this attempt on every key and commit; seconds to wait if it must be refused, else None."""
    for key in keys.all:
        _bump(session, key=key, now=now)
    # The rows are ours (locked) until the commit: these are the counts this attempt made.
    counters = _counters(session, keys.all)
    session.commit()
    pair, ip, address = counters[keys.pair], counters[keys.ip], counters[keys.address]
    waits = []
    if pair.failures > PAIR_LIMIT:
        waits.append(pair.seconds_left(now))
    if ip.failures > IP_LIMIT:
        waits.append(ip.seconds_left(now))
    # Hot address: refused only from an IP that has already failed on it in this window
    # (pair.failures counts this attempt too); the wait ends with either window.
    if address.failures > ADDRESS_LIMIT and pair.failures > 1:
        waits.append(min(address.seconds_left(now), pair.seconds_left(now)))
    return max(waits) if waits else None


def succeeded(session: Session, *, keys: Keys) -> None:
    """The password was right: this address and IP start afresh, the other keys get the attempt back."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.pair))
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_((keys.ip, keys.address)), LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def purge(session: Session, *, now: datetime) -> None:
    """Forget counters whose window has ended (they hold addresses and IPs)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at <= now - WINDOW))
