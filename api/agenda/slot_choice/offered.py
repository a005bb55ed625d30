"""The slots offered to a person (a numbered list) and the choice read in their answer."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OfferedSlot:
    number: int  # 1-based position in the list the person received
    slot_id: int
    start: datetime  # timezone-aware


@dataclass(frozen=True)
class SlotChoice:
    slot_ids: tuple[int, ...]  # matching offered slots, in the offered order; empty = no match
    # every offered slot is ruled out ("ni le 1 ni le 2", "ni mercredi ni vendredi"): none fits
    excludes_all: bool = False
