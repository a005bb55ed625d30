"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from api.accounts.models import ApiToken, AuditLog, ConsoleSession, LoginAttempt, Membership, User
from api.agenda.models import Motif, Place, Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.db import Base
from api.handoffs.models import HandoffRequest
from api.invitations.models import Invitation
from api.messaging.models import DeliveryStatusEvent, InboundMessage, OutboxMessage
from api.offers.models import Service as OfferService
from api.offers.models import Structure as OfferStructure
from api.organisations.models import Organisation
from api.scheduling.models import ScheduledMessage

__all__ = [
    "ApiToken",
    "Appointment",
    "AuditLog",
    "Base",
    "Beneficiary",
    "CarnetEntry",
    "ConsoleSession",
    "DeliveryStatusEvent",
    "HandoffRequest",
    "InboundMessage",
    "Invitation",
    "LoginAttempt",
    "Membership",
    "Motif",
    "OfferService",
    "OfferStructure",
    "Organisation",
    "OutboxMessage",
    "Place",
    "ScheduledMessage",
    "Slot",
    "User",
]
