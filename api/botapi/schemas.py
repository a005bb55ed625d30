from typing import Literal

from pydantic import BaseModel, Field

BarrierGroup = Literal["garde_enfants", "mobilite", "permis", "logement", "sante", "numerique"]


class AppointmentView(BaseModel):
    date_label: str
    time_label: str
    place_name: str
    address: str


class SlotChoiceRequest(BaseModel):
    beneficiary_id: int
    text: str


class SlotChoiceResult(BaseModel):
    outcome: Literal[
        "booked",
        "moved",
        "ambiguous",
        "no_match",
        # every offered slot ruled out: the dialogue offers others (POST /more-slots)
        "none_fit",
        "slot_taken",
        "no_invitation",
        "already_booked",
    ]
    appointment: AppointmentView | None = None
    options_text: str = ""
    # after a first booking: the questionnaire's first question, sent after the confirmation
    follow_up_text: str = ""


class MoreSlotsRequest(BaseModel):
    beneficiary_id: int


class MoreSlotsResult(BaseModel):
    outcome: Literal["offered", "none_left", "no_invitation", "already_booked"]
    options_text: str = ""
    appointment: AppointmentView | None = None


class BotState(BaseModel):
    first_name: str | None
    invitation_pending: bool
    options_text: str
    appointment: AppointmentView | None
    # where the offered slots are, when they are all at one place ("" otherwise)
    offer_place_name: str = ""
    offer_address: str = ""
    # who we are ("qui m'ecrit ?"): the person's organisation and how to reach a person
    organisation_name: str = ""
    contact_phone: str = ""
    contact_hours: str = ""


class HandoffCreate(BaseModel):
    beneficiary_id: int
    reason: Literal["asked_human", "not_understood", "out_of_scope", "immersion"]
    text: str = ""


class HandoffResult(BaseModel):
    ok: bool
    expected_label: str


class BarrierRequest(BaseModel):
    beneficiary_id: int
    group: BarrierGroup
    text: str = ""


class BarrierReply(BaseModel):
    outcome: Literal["offers", "no_offer"]
    offers_text: str
    pending_options_text: str
    expected_label: str
    # the questionnaire question still waiting for its answer, asked again after the offers
    resume_text: str = ""
    # "le 1, et j'ai pas de voiture": the slot booked by the same message, if any
    booking: SlotChoiceResult | None = None


class AppointmentReplyRequest(BaseModel):
    beneficiary_id: int
    intent: Literal[
        "affirm",
        "deny",
        "cannot_come",
        "cancel_appointment",
        "reschedule_appointment",
        "other_slots",
        # thanks or a bare acknowledgement ("ok merci"): confirms only after a reminder
        "acknowledge",
    ]
    text: str = ""


class AppointmentReplyResult(BaseModel):
    outcome: Literal[
        "confirmed",
        "asked_cancel_or_move",
        "cancelled",
        "cancelled_late",
        "move_offered",
        "no_more_slots",
        "kept",
        "not_applicable",
        # a yes or a no to the consent question (api/consent_question)
        "consent_given",
        "consent_refused",
    ]
    appointment: AppointmentView | None = None
    options_text: str = ""


class QuestionnaireRequest(BaseModel):
    beneficiary_id: int
    # the intent Rasa gave the message: the questionnaire reads only what is an answer
    intent: str = Field(max_length=60)
    # the barrier group the action heard (its intent is a barrier's), else None
    barrier_group: BarrierGroup | None = None
    text: str = ""


class QuestionnaireReply(BaseModel):
    # answered: the texts to send (offers, next question or thanks); set_aside: the
    # dialogue answers the message as the request it is; not_pending: no question waits
    outcome: Literal["answered", "set_aside", "not_pending"]
    texts: list[str] = []
