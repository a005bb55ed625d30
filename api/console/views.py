"""What the console pages show, read through the models of each domain and scoped to the caller."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from api.accounts.models import User
from api.agenda.models import Slot
from api.agenda.slot_choice import format_slot_label
from api.appointments.followup import followup_statuses
from api.auth import Principal
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.console import labels
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from api.handoffs.service import ACTIVE_STATES
from api.messaging.models import OutboxMessage
from api.organisations.models import Organisation

PAGE_SIZE = 50
DEFAULT_TZ = ZoneInfo("Europe/Paris")


def local(moment: datetime | None, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """'28/11/2026 à 14h05' in the organisation's time zone."""
    if moment is None:
        return ""
    at = moment.astimezone(tz)
    return f"{at:%d/%m/%Y} à {at.hour}h{at.minute:02d}"


def full_name(beneficiary: Beneficiary) -> str:
    name = " ".join(part for part in (beneficiary.first_name, beneficiary.last_name) if part)
    return name or "(sans nom)"


def display_phone(phone: str | None) -> str:
    """+33612345678 -> 06 12 34 56 78; other numbers as stored."""
    if phone and re.fullmatch(r"\+33\d{9}", phone):
        digits = "0" + phone[3:]
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return phone or ""


# --------------------------------------------------------------------------- beneficiaries


@dataclass
class BeneficiaryRow:
    beneficiary: Beneficiary
    name: str
    phone: str
    organisation: str
    status: str
    status_label: str
    status_badge: str
    needs_human: bool


@dataclass
class BeneficiaryPage:
    rows: list[BeneficiaryRow]
    total: int
    page: int
    pages: int


def _search_clause(search: str):
    digits = re.sub(r"\D", "", search)
    words = [word for word in re.split(r"\s+", search.strip()) if word and not re.search(r"\d", word)]
    clauses = []
    if len(digits) >= 3:
        if digits.startswith("0"):
            digits = "33" + digits[1:]
        clauses.append(Beneficiary.phone.contains(digits, autoescape=True))
    if words:
        clauses.append(
            and_(
                *(
                    or_(
                        Beneficiary.first_name.icontains(word, autoescape=True),
                        Beneficiary.last_name.icontains(word, autoescape=True),
                    )
                    for word in words
                )
            )
        )
    return or_(*clauses) if clauses else false()


def needs_human_clause():
    return exists().where(
        HandoffRequest.beneficiary_id == Beneficiary.id, HandoffRequest.state.in_(ACTIVE_STATES)
    )


def barrier_clause(group: str):
    return exists().where(
        CarnetEntry.beneficiary_id == Beneficiary.id,
        CarnetEntry.kind == "barrier",
        CarnetEntry.data["group"].as_string() == group,
    )


def list_beneficiaries(
    session: Session,
    *,
    organisation_ids: list[int],
    search: str = "",
    status: str = "",
    barrier_group: str = "",
    needs_human: bool = False,
    page: int = 1,
    now: datetime,
) -> BeneficiaryPage:
    """The people of these organisations, by name, filtered; their follow-up status computed."""
    query = (
        select(Beneficiary.id)
        .where(Beneficiary.organisation_id.in_(organisation_ids))
        .order_by(
            func.lower(func.coalesce(Beneficiary.last_name, "")),
            func.lower(func.coalesce(Beneficiary.first_name, "")),
            Beneficiary.id,
        )
    )
    if search.strip():
        query = query.where(_search_clause(search))
    if barrier_group:
        query = query.where(barrier_clause(barrier_group))
    if needs_human:
        query = query.where(needs_human_clause())
    found = list(session.scalars(query))
    # The follow-up status is derived (api/appointments/followup.py), then filtered; only the
    # page shown is loaded whole.
    statuses = followup_statuses(session, beneficiary_ids=found, now=now)
    matching = [
        beneficiary_id for beneficiary_id in found if not status or statuses[beneficiary_id] == status
    ]
    total = len(matching)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    ids = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    loaded = {
        beneficiary.id: (beneficiary, organisation_name)
        for beneficiary, organisation_name in session.execute(
            select(Beneficiary, Organisation.name)
            .join(Organisation, Beneficiary.organisation_id == Organisation.id)
            .where(Beneficiary.id.in_(ids))
        )
    }
    shown = [(loaded[beneficiary_id], statuses[beneficiary_id]) for beneficiary_id in ids]
    waiting = set(
        session.scalars(
            select(HandoffRequest.beneficiary_id).where(
                HandoffRequest.beneficiary_id.in_(ids), HandoffRequest.state.in_(ACTIVE_STATES)
            )
        )
    )
    rows = []
    for (beneficiary, organisation_name), code in shown:
        label, badge = labels.FOLLOWUP_STATUSES[code]
        rows.append(
            BeneficiaryRow(
                beneficiary=beneficiary,
                name=full_name(beneficiary),
                phone=display_phone(beneficiary.phone),
                organisation=organisation_name,
                status=code,
                status_label=label,
                status_badge=badge,
                needs_human=beneficiary.id in waiting,
            )
        )
    return BeneficiaryPage(rows=rows, total=total, page=page, pages=pages)


# --------------------------------------------------------------------------- carnet


@dataclass
class TimelineItem:
    entry_id: int
    side: str  # "in" (from the person), "out" (to the person), "note", "event"
    title: str
    when: str
    author: str
    body: str = ""
    channel: str = ""
    delivery: tuple[str, str] | None = None
    details: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    badge: tuple[str, str] | None = None


def _users(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).tuples().all())


def _slot_label(slot: Slot | None, tz: ZoneInfo) -> str:
    if slot is None:
        return ""
    day, hour = format_slot_label(slot.start, tz)
    return f"{day} à {hour}, {slot.place.name}"


def timeline(
    session: Session, *, beneficiary: Beneficiary, tz: ZoneInfo, entries: list[CarnetEntry] | None = None
) -> list[TimelineItem]:
    """The person's carnet as one timeline, oldest first: messages both ways with their
    delivery, appointment events, barriers with the offers shown, hand-offs and notes
    (`entries`: only these, e.g. what another structure may see)."""
    if entries is None:
        entries = carnet_service.list_entries(session, beneficiary_id=beneficiary.id)
    outbox_ids = {e.outbox_message_id for e in entries if e.outbox_message_id}
    outbox = (
        {m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids)))}
        if outbox_ids
        else {}
    )
    slot_ids = {
        e.data.get(key)
        for e in entries
        for key in ("slot_id", "to_slot_id")
        if isinstance(e.data.get(key), int)
    }
    slots = {s.id: s for s in session.scalars(select(Slot).where(Slot.id.in_(slot_ids)))} if slot_ids else {}
    users = _users(session, {e.data["user_id"] for e in entries if isinstance(e.data.get("user_id"), int)})
    return [_item(entry, outbox, slots, users, tz) for entry in entries]


def _item(
    entry: CarnetEntry,
    outbox: dict[int, OutboxMessage],
    slots: dict[int, Slot],
    users: dict[int, str],
    tz: ZoneInfo,
) -> TimelineItem:
    data = entry.data or {}
    author = labels.AUTHORS.get(entry.author, entry.author)
    if isinstance(data.get("user_id"), int) and data["user_id"] in users:
        author = users[data["user_id"]]
    item = TimelineItem(
        entry_id=entry.id,
        side="event",
        title=labels.EVENTS.get(entry.kind, entry.kind),
        when=local(entry.created_at, tz),
        author=author,
        body=entry.body or "",
        channel=labels.CHANNELS.get(entry.channel or "", entry.channel or ""),
    )
    if entry.kind == "inbound_message":
        item.side, item.title = "in", "Message reçu"
        if data.get("num_media"):
            item.details.append(f"{data['num_media']} pièce(s) jointe(s) non lue(s) par l'assistant")
    elif entry.kind == "outbound_message":
        item.side = "out"
        kind = data.get("message_kind", "")
        if kind == "professional":
            item.title = "Message d'un professionnel"
        elif kind in labels.MESSAGE_KINDS:
            item.title = f"Message envoyé ({labels.MESSAGE_KINDS[kind]})"
        else:
            item.title = "Message envoyé"
        message = outbox.get(entry.outbox_message_id or 0)
        if message is not None:
            item.delivery = labels.delivery(message.state, message.delivery_status, message.error_code)
            if message.segments > 1 and message.channel == "sms":
                item.details.append(f"{message.segments} SMS")
    elif entry.kind == "barrier":
        group = data.get("group", "")
        item.title = f"Frein exprimé : {labels.BARRIER_GROUPS.get(group, group)}"
        item.offers = list(data.get("offer_names") or [])
        if not item.offers:
            item.details.append("Aucune offre proposée (pas d'offre à proximité).")
        if data.get("source") == "questionnaire":
            item.details.append("Entendu dans le questionnaire.")
    elif entry.kind in labels.APPOINTMENT_EVENTS:
        slot = slots.get(data.get("to_slot_id") or data.get("slot_id") or 0)
        if slot is not None:
            label = _slot_label(slot, tz)
            item.details.append(label[:1].upper() + label[1:])
        if entry.kind == "appointment_moved" and data.get("from_slot_id") in slots:
            item.details.append("Au lieu de " + _slot_label(slots[data["from_slot_id"]], tz))
    elif entry.kind == "handoff_requested":
        reason = data.get("reason", "")
        item.badge = (labels.HANDOFF_REASONS.get(reason, reason), "fr-badge--warning")
    elif entry.kind == "note":
        item.side = "note"
    elif entry.kind.startswith("orientation_") and data.get("service"):
        item.details.append(f"{data['service']} ({data.get('structure', '')})")
    item.details = [detail for detail in item.details if detail]
    return item


# --------------------------------------------------------------------------- queue

QUEUE_VIEWS = {
    "a-traiter": "À traiter",
    "moi": "Pris en charge par moi",
    "en-cours": "Pris en charge",
    "clos": "Clos",
}


@dataclass
class QueueRow:
    request: HandoffRequest
    reason: str
    lines: list[tuple[str, str]]  # (reason label or "", text)
    who: str
    phone: str
    beneficiary_id: int | None
    organisation: str
    when: str
    state_label: str
    state_badge: str
    taken_by: str
    taken_at: str
    closed_at: str
    mine: bool


def _view_clause(view: str, user_id: int):
    if view == "moi":
        return and_(HandoffRequest.state == "taken", HandoffRequest.taken_by_user_id == user_id)
    if view == "en-cours":
        return HandoffRequest.state == "taken"
    if view == "clos":
        return HandoffRequest.state == "closed"
    return HandoffRequest.state == "open"


def queue_counts(session: Session, *, user: Principal) -> dict[str, int]:
    return {
        view: session.scalar(
            select(func.count())
            .select_from(HandoffRequest)
            .where(handoff_service.visible_to(user), _view_clause(view, user.user_id))
        )
        or 0
        for view in QUEUE_VIEWS
    }


_REASON_LINE = re.compile(r"^\[(\w+)\] ?(.*)$")


def _lines(request: HandoffRequest) -> list[tuple[str, str]]:
    """The entry's text; reasons added later ("[no_offer] ...", see open_request) in French."""
    lines: list[tuple[str, str]] = []
    for line in (request.text or "").splitlines():
        match = _REASON_LINE.match(line)
        if match and match.group(1) in labels.HANDOFF_REASONS:
            lines.append((labels.HANDOFF_REASONS[match.group(1)], match.group(2)))
        elif line.strip():
            lines.append(("", line))
    return lines


def list_queue(session: Session, *, user: Principal, view: str, limit: int = 200) -> list[QueueRow]:
    """One view of the queue: open ones oldest first (the longest waiting on top), closed newest first."""
    order = (
        (HandoffRequest.closed_at.desc(), HandoffRequest.id.desc())
        if view == "clos"
        else (HandoffRequest.created_at, HandoffRequest.id)
    )
    query = (
        select(HandoffRequest, Beneficiary, Organisation)
        .outerjoin(Beneficiary, HandoffRequest.beneficiary_id == Beneficiary.id)
        .outerjoin(Organisation, HandoffRequest.organisation_id == Organisation.id)
        .where(handoff_service.visible_to(user), _view_clause(view, user.user_id))
        .order_by(*order)
        .limit(limit)
    )
    found = list(session.execute(query).tuples())
    users = _users(
        session,
        {r.taken_by_user_id for r, _b, _o in found if r.taken_by_user_id}
        | {r.closed_by_user_id for r, _b, _o in found if r.closed_by_user_id},
    )
    rows = []
    for request, beneficiary, organisation in found:
        tz = organisation.zone if organisation is not None else DEFAULT_TZ
        state_label, state_badge = labels.HANDOFF_STATES.get(request.state, (request.state, ""))
        rows.append(
            QueueRow(
                request=request,
                reason=labels.HANDOFF_REASONS.get(request.reason, request.reason),
                lines=_lines(request),
                who=full_name(beneficiary) if beneficiary is not None else "Numéro inconnu",
                phone=display_phone(beneficiary.phone if beneficiary is not None else request.phone),
                beneficiary_id=beneficiary.id if beneficiary is not None else None,
                organisation=organisation.name if organisation is not None else "",
                when=local(request.created_at, tz),
                state_label=state_label,
                state_badge=state_badge,
                taken_by=users.get(request.taken_by_user_id or 0, ""),
                taken_at=local(request.taken_at, tz),
                closed_at=local(request.closed_at, tz),
                mine=request.taken_by_user_id == user.user_id,
            )
        )
    return rows
