"""Importing a CSV file of beneficiaries in the background, in batches, and resuming it after a crash.

An import goes draft (console: uploaded, columns not yet confirmed) -> pending -> running ->
done, or failed on an unexpected error; a draft nobody confirms is cancelled. Each batch of rows
is one transaction that also moves `processed_rows` forward with a compare-and-set (UPDATE ...
WHERE processed_rows = where the batch started): a crash loses only the batch in progress, the
next run starts where `processed_rows` says, and two workers on one import never apply a batch
twice (the later one's UPDATE matches nothing: it rolls back and stops).

A number already followed by the same organisation updates that person (names, commune, channel:
only the cells that are filled); a number followed elsewhere is a row error that does not say
where. Importing the same file again therefore creates nothing. The file's text holds personal
data: `content` is emptied as soon as the import ends, whatever the outcome.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.beneficiaries import csv_file
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.db import session_scope, utcnow
from api.followers import service as followers_service
from api.organisations import service as organisation_service

log = logging.getLogger("api.beneficiaries.csv_import")

BATCH_SIZE = 200
MAX_REPORTED_ERRORS = 1000  # the counts stay exact; the list stops growing (it is rewritten each batch)
DRAFT_LIFETIME = timedelta(hours=24)
ACTIVE = ("pending", "running")
_ATTEMPTS = 3


class MappingRefused(csv_file.FileRefused):
    """The columns chosen cannot be used: `problems` maps our field to the reason, in French."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


# --------------------------------------------------------------------------- starting


def create_import(
    session: Session,
    *,
    organisation_id: int,
    filename: str,
    raw: bytes,
    user_id: int | None = None,
    mapping: dict[str, str] | None = None,
    draft: bool = False,
) -> BeneficiaryImport:
    """Check and store an uploaded file; a draft waits for its columns, otherwise it is pending."""
    organisation_service.get_organisation(session, organisation_id=organisation_id)
    text, table = csv_file.read_file(raw)
    chosen = csv_file.guess_mapping(table) if mapping is None else mapping
    if not draft:
        _check_mapping(chosen, table.headers)
    job = BeneficiaryImport(
        organisation_id=organisation_id,
        created_by_user_id=user_id,
        filename=(filename or "import.csv")[-200:],
        content=text,
        mapping=chosen,
        status="draft" if draft else "pending",
        total_rows=len(table.rows),
        errors=[],
    )
    session.add(job)
    session.flush()
    return job


def start_import(session: Session, *, job: BeneficiaryImport, mapping: dict[str, str]) -> None:
    """Confirm a draft's columns: it becomes pending (the caller then runs it in the background)."""
    if job.status != "draft" or job.content is None:
        raise csv_file.FileRefused("Cet import est déjà lancé ou terminé.", status_code=409)
    _check_mapping(mapping, table(job).headers)
    job.mapping = {key: value for key, value in mapping.items() if value}
    job.status = "pending"
    session.flush()


def cancel_import(session: Session, *, job: BeneficiaryImport, now: datetime) -> None:
    """Give up a draft: its file is deleted."""
    if job.status == "draft":
        job.status, job.content, job.finished_at = "cancelled", None, now
        session.flush()


def table(job: BeneficiaryImport) -> csv_file.Table:
    """The stored file, read again (a draft or an import in progress still has it)."""
    if job.content is None:
        raise csv_file.FileRefused("Le fichier de cet import a été supprimé.", status_code=409)
    return csv_file.read_table(job.content)


def _check_mapping(mapping: dict[str, str], headers: list[str]) -> None:
    problems = csv_file.mapping_problems(mapping, headers)
    if problems:
        raise MappingRefused(problems)


# --------------------------------------------------------------------------- processing


@dataclass(frozen=True)
class _Progress:
    processed: int = 0
    created: int = 0
    updated: int = 0
    error_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, job: BeneficiaryImport) -> "_Progress":
        return cls(
            job.processed_rows, job.created_count, job.updated_count, job.error_count, list(job.errors or [])
        )

    def values(self) -> dict[str, Any]:
        return {
            "processed_rows": self.processed,
            "created_count": self.created,
            "updated_count": self.updated,
            "error_count": self.error_rows,
            "errors": self.errors,
        }


def process_import(
    session: Session, *, import_id: int, batch_size: int = BATCH_SIZE, max_batches: int | None = None
) -> BeneficiaryImport | None:
    """Run an import from where it stands to its end, one committed transaction per batch.

    `max_batches` stops early, as a process stopped mid-file would (tests, and nothing else).
    """
    job = session.get(BeneficiaryImport, import_id, populate_existing=True)
    if job is None or job.status not in ACTIVE or job.content is None:
        return job
    try:
        organisation = organisation_service.get_organisation(session, organisation_id=job.organisation_id)
        stored = table(job)
        _check_mapping(job.mapping, stored.headers)
        rows = csv_file.check_rows(stored, job.mapping, csv_file.region_for(organisation.departement_code))
        progress = _Progress.of(job)
        batches = 0
        while progress.processed < len(rows):
            if max_batches is not None and batches >= max_batches:
                break
            moved = _run_batch(session, job, rows, progress, batch_size)
            if moved is None:  # another worker has this import now
                break
            progress, batches = moved, batches + 1
        else:
            _finish(session, job.id, progress)
    except Exception:
        log.exception("import %s failed", import_id)
        session.rollback()
        _fail(session, import_id)
    session.refresh(job)
    return job


def _run_batch(
    session: Session, job: BeneficiaryImport, rows: list[csv_file.Checked], progress: _Progress, size: int
) -> _Progress | None:
    """Apply the next rows and move the import forward in one transaction; None if someone else did."""
    start = progress.processed
    chunk = rows[start : start + size]
    for attempt in range(_ATTEMPTS):
        try:
            moved = _apply(session, job.organisation_id, chunk, progress)
            if not _advance(session, job.id, start, moved.values()):
                session.rollback()
                return None
            session.commit()
            return moved
        except IntegrityError:
            # A number created meanwhile by someone else (the API, another worker): read again.
            session.rollback()
            current = session.scalar(
                select(BeneficiaryImport.processed_rows).where(BeneficiaryImport.id == job.id)
            )
            if current != start:
                return None
            if attempt == _ATTEMPTS - 1:
                raise
    return None


def _apply(
    session: Session,
    organisation_id: int,
    chunk: list[csv_file.Checked],
    progress: _Progress,
) -> _Progress:
    """Write one batch's people (not committed); the progress it will make."""
    phones = [person.phone for person, _errors in chunk if person is not None]
    # Only this organisation's records: a number known elsewhere is simply created here too.
    ours = select(Beneficiary).where(
        Beneficiary.organisation_id == organisation_id, Beneficiary.phone.in_(phones)
    )
    known = {b.phone: b for b in session.scalars(ours)}
    # STOP belongs to the number: a new record of a number that said STOP elsewhere stays silent.
    silenced = beneficiary_service.opted_out_numbers(session, phones=phones)
    created = updated = error_rows = 0
    errors: list[dict[str, Any]] = []
    new: list[Beneficiary] = []
    for person, row_errors in chunk:
        if person is None:
            error_rows += 1
            errors += row_errors
            continue
        existing = known.get(person.phone)
        if existing is None:
            new.append(_new_beneficiary(organisation_id, person, opted_out_at=silenced.get(person.phone)))
            session.add(new[-1])
            created += 1
        elif _update(existing, person):
            updated += 1
    session.flush()
    followers_service.holders_follow(session, beneficiaries=new, now=utcnow())
    return replace(
        progress,
        processed=progress.processed + len(chunk),
        created=progress.created + created,
        updated=progress.updated + updated,
        error_rows=progress.error_rows + error_rows,
        errors=(progress.errors + errors)[:MAX_REPORTED_ERRORS],
    )


def _new_beneficiary(
    organisation_id: int, person: csv_file.Person, *, opted_out_at: datetime | None
) -> Beneficiary:
    # The checks of create_beneficiary (mobile, unique, STOP) are done for the whole batch at once.
    return Beneficiary(
        opted_out=opted_out_at is not None,
        opted_out_at=opted_out_at,
        organisation_id=organisation_id,
        phone=person.phone,
        first_name=person.first_name,
        last_name=person.last_name,
        code_insee=person.code_insee,
        preferred_channel=person.preferred_channel or "sms",
    )


def _update(existing: Beneficiary, person: csv_file.Person) -> bool:
    """Fill in what the file says (an empty cell erases nothing); True if anything changed."""
    changed = False
    for name in ("first_name", "last_name", "code_insee", "preferred_channel"):
        value = getattr(person, name)
        if value is not None and getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    return changed


def _advance(session: Session, import_id: int, start: int, values: dict[str, Any]) -> bool:
    """Compare-and-set: the import moves forward only from where this batch started."""
    result = session.execute(
        update(BeneficiaryImport)
        .where(
            BeneficiaryImport.id == import_id,
            BeneficiaryImport.processed_rows == start,
            BeneficiaryImport.status.in_(ACTIVE),
        )
        .values(status="running", **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _finish(session: Session, import_id: int, progress: _Progress) -> None:
    session.execute(
        update(BeneficiaryImport)
        .where(
            BeneficiaryImport.id == import_id,
            BeneficiaryImport.processed_rows == progress.processed,
            BeneficiaryImport.status.in_(ACTIVE),
        )
        .values(status="done", content=None, finished_at=utcnow(), **progress.values())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _fail(session: Session, import_id: int) -> None:
    """An unexpected error: the batch in progress is rolled back already; the file is deleted."""
    session.execute(
        update(BeneficiaryImport)
        .where(BeneficiaryImport.id == import_id, BeneficiaryImport.status.in_(ACTIVE))
        .values(status="failed", content=None, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def run_import(import_id: int) -> None:
    """The background task the API starts after answering: its own session and transactions."""
    with session_scope() as session:
        process_import(session, import_id=import_id)


# --------------------------------------------------------------------------- resuming


class ImportWatch:
    """Which imports stopped moving: pending or running, `processed_rows` unchanged for `grace`.

    A batch takes about a second, so two minutes without progress means that the process
    running it stopped. Kept in the memory of the process that watches (the scheduler).
    """

    def __init__(self, grace: timedelta = timedelta(minutes=2)) -> None:
        self.grace = grace
        self._seen: dict[int, tuple[int, datetime]] = {}

    def stalled(self, rows: Iterable[tuple[int, int]], now: datetime) -> list[int]:
        seen: dict[int, tuple[int, datetime]] = {}
        stalled = []
        for import_id, processed in rows:
            before = self._seen.get(import_id)
            since = before[1] if before is not None and before[0] == processed else now
            seen[import_id] = (processed, since)
            if now - since >= self.grace:
                stalled.append(import_id)
        self._seen = seen
        return stalled


def resume_imports(session: Session, *, now: datetime, watch: ImportWatch) -> list[int]:
    """Finish the imports a stopped process left half-way; cancel the drafts nobody confirmed."""
    abandoned = session.scalars(
        select(BeneficiaryImport).where(
            BeneficiaryImport.status == "draft", BeneficiaryImport.created_at < now - DRAFT_LIFETIME
        )
    ).all()
    for draft in abandoned:
        cancel_import(session, job=draft, now=now)
    session.commit()
    active = session.execute(
        select(BeneficiaryImport.id, BeneficiaryImport.processed_rows)
        .where(BeneficiaryImport.status.in_(ACTIVE))
        .order_by(BeneficiaryImport.id)
    )
    resumed = watch.stalled(active.tuples(), now)
    for import_id in resumed:
        log.info("resuming import %s", import_id)
        process_import(session, import_id=import_id)
    return resumed


def list_imports(
    session: Session, *, organisation_ids: list[int], limit: int = 50
) -> list[BeneficiaryImport]:
    """The latest imports of these organisations, newest first."""
    query = (
        select(BeneficiaryImport)
        .where(BeneficiaryImport.organisation_id.in_(organisation_ids))
        .order_by(BeneficiaryImport.created_at.desc(), BeneficiaryImport.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
