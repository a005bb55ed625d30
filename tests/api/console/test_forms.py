"""Console forms checked by the REST API's schemas (api/console/forms.py), and the plage rules the
console and the REST API share (api/agenda/openings.py: plage_problems)."""

from datetime import date, time

import pytest

from api.agenda import openings
from api.agenda.schemas import MotifCreate, OpeningPeriodCreate
from api.console.agenda_forms import parse_date, parse_int, parse_time
from api.console.forms import INVALID, checked, read

MESSAGES = {
    "name": "Donnez le nom du motif.",
    "duration_minutes": "Indiquez une durée entre 5 et 480 minutes.",
}


def _motif(name: str, duration: str) -> tuple[MotifCreate | None, dict[str, str]]:
    fields = {
        "organisation_id": 1,
        "name": name,
        "duration_minutes": read(duration, parse_int, required=True),
    }
    return checked(MotifCreate, fields, MESSAGES)


def test_a_good_form_gives_the_schema_with_stripped_text() -> None:
    motif, errors = _motif("  Signature CER ", " 45 ")
    assert errors == {} and motif is not None
    assert (motif.name, motif.duration_minutes) == ("Signature CER", 45)


@pytest.mark.parametrize(
    ("name", "duration", "field"),
    [
        ("", "45", "name"),  # blank: required by the schema
        ("x" * 121, "45", "name"),  # the schema's max_length
        ("CER", "4", "duration_minutes"),  # the schema's ge=5
        ("CER", "481", "duration_minutes"),  # le=480
        ("CER", "", "duration_minutes"),  # the form requires it, the REST API has a default
        ("CER", "quarante", "duration_minutes"),
        ("CER", "４５", "duration_minutes"),  # full-width digits: the console's parser refuses them
    ],
)
def test_each_field_in_error_gets_its_french_message(name: str, duration: str, field: str) -> None:
    motif, errors = _motif(name, duration)
    assert motif is None and errors == {field: MESSAGES[field]}


def test_a_field_without_a_message_gets_the_generic_one() -> None:
    _, errors = checked(
        MotifCreate, {"organisation_id": "un", "name": "CER", "duration_minutes": 45}, MESSAGES
    )
    assert errors == {"organisation_id": INVALID}


def test_a_blank_optional_field_is_absent_and_an_unreadable_one_fails() -> None:
    fields = {
        "place_id": 1,
        "motif_id": 2,
        "weekday": read("3", parse_int),
        "start_time": read("09:00", parse_time),
        "end_time": read("12:00", parse_time),
        "capacity": read("2", parse_int, required=True),
        "valid_from": read("2026-12-07", parse_date),
        "valid_until": read("", parse_date),
    }
    plage, errors = checked(OpeningPeriodCreate, fields, {})
    assert errors == {} and plage is not None and plage.valid_until is None
    _, errors = checked(OpeningPeriodCreate, {**fields, "valid_until": read("31/12/2026", parse_date)}, {})
    assert set(errors) == {"valid_until"}
    _, errors = checked(OpeningPeriodCreate, {**fields, "start_time": read("09:00+01:00", parse_time)}, {})
    assert set(errors) == {"start_time"}  # an hour with an offset is no local hour


def test_the_plage_rules_name_the_field_at_fault_in_the_rest_apis_order() -> None:
    def problems(start: time, end: time, until: date | None, minutes: int = 45) -> list[tuple[str, str]]:
        found = openings.plage_problems(
            start_time=start,
            end_time=end,
            valid_from=date(2026, 12, 7),
            valid_until=until,
            duration_minutes=minutes,
        )
        return [(problem.field, problem.code) for problem in found]

    assert problems(time(9), time(12), None) == []
    assert problems(time(11), time(10), date(2026, 12, 1)) == [
        ("end_time", "end_before_start"),
        ("valid_until", "until_before_from"),
    ]
    assert problems(time(9), time(9, 30), None) == [("end_time", "shorter_than_motif")]
    assert problems(time(9), time(9, 45), date(2026, 12, 7)) == []
