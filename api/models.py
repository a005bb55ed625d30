"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from api.accounts.models import ApiToken, AuditLog, ConsoleSession, LoginThrottle, Membership, User
from api.agenda.models import Absence, Motif, OpeningPeriod, Place, Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.carnet.models import CarnetEntry
from api.db import Base
from api.followers.models import Follower, FollowerReferent, SharingConsent
from api.handoffs.models import HandoffRequest
from api.invitations.models import Invitation
from api.messaging.models import DeliveryStatusEvent, InboundEffect, InboundMessage, OutboxMessage
from api.offers.models import Service as OfferService
from api.offers.models import Structure as OfferStructure
from api.organisations.models import Organisation
from api.orientations.models import OrientationMail, OrientationRequest
from api.privacy.models import ErasureRecord
from api.scheduling.models import ScheduledMessage

__all__ = [
    "Absence",
    "ApiToken",
    "Appointment",
    "AuditLog",
    "Base",
    "Beneficiary",
    "BeneficiaryImport",
    "CarnetEntry",
    "ConsoleSession",
    "DeliveryStatusEvent",
    "ErasureRecord",
    "Follower",
    "FollowerReferent",
    "HandoffRequest",
    "InboundEffect",
    "InboundMessage",
    "Invitation",
    "LoginThrottle",
    "Membership",
    "Motif",
    "OfferService",
    "OfferStructure",
    "OpeningPeriod",
    "OrientationMail",
    "OrientationRequest",
    "Organisation",
    "OutboxMessage",
    "Place",
    "ScheduledMessage",
    "SharingConsent",
    "Slot",
    "User",
]
