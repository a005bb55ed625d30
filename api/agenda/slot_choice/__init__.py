"""Resolve a person's free-text SMS answer against the slots offered to them.

The person received a numbered list ("1. jeudi 3 décembre 14h00 ..."), and
answers in SMS French: "le 2", "jeudi c mieux", "mardi aprem", "pas jeudi",
"le 3 a 15h". We read the answer as a set of constraints (option number, day,
date, time, part of day, exclusions) and keep the offered slots that satisfy
them. Nothing is ever matched outside the offered list.

How the text is read (the engineering guide, section 3, has the measured dateparser facts):

- accents, case, emojis and punctuation are normalised away; words are matched
  against small tables (weekdays, months, parts of day, ordinals), with a
  one-typo tolerance for words of five letters or more, two from nine letters
  ("mecredi", "jeudii", "vendedi"), except for listed lookalikes ("merci", "latin");
  "je"/"j'" never count as jeudi, "a"/"à" before a time is only a preposition;
- "14h", "14h30", "14:30", "10 h", "10 h 15", "10H15", "16 heures", "midi" are times,
  handwritten;
- "3 decembre", "1er dec", "3/12", "03/12/2026" are dates, parsed by dateparser
  1.5 with RELATIVE_BASE = now in the organisation's time zone, future
  preference, French, day-month order;
- a number alone ("2", "le 2", "ok 3", "2 svp") is the offered option; it is a
  day of the month only when followed by a month, after a weekday ("mardi 8"),
  or when no such option exists (or the option does not fit the other
  constraints) and an offered slot falls on that day ("le 14");
- "pas", "sauf", "plutot que", "je peux pas", "impossible", "je travaille"... make their
  clause an exclusion; in a clause naming several days ("plutot vendredi le lundi je
  travaille") the negation excludes only the day it is attached to;
- "ou" separates alternatives ("mardi ou jeudi aprem": both in the afternoon);
- with a single offered slot, a bare "oui"/"ok" selects it.
"""

from api.agenda.slot_choice.offered import OfferedSlot, SlotChoice
from api.agenda.slot_choice.render import format_slot_label
from api.agenda.slot_choice.resolve import opens_with_option_number, resolve_slot_choice

__all__ = [
    "OfferedSlot",
    "SlotChoice",
    "format_slot_label",
    "opens_with_option_number",
    "resolve_slot_choice",
]
