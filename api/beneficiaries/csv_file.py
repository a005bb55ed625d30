"""Reading a CSV file of beneficiaries, without the database: its encoding and delimiter, its
headers, a guess of which column is which, and each row checked on its own.

Excel in French saves Windows-1252 with ";", LibreOffice and most exports UTF-8 with ","
(sometimes with a BOM), Excel's "Texte Unicode" UTF-16 with tabs: all are read. Row numbers
are the spreadsheet's, the header being row 1, so a professional finds the row the report names.
The report never quotes a cell: it names the row, the column and the reason.
"""

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from api.beneficiaries.phones import normalise_mobile
from api.config import get_settings
from api.errors import AppError, Invalid

MAX_ROWS = 50_000
NAME_MAX = 80

# Our fields, in the order the mapping form shows them, with their French label.
FIELDS: dict[str, str] = {
    "phone": "Téléphone portable",
    "first_name": "Prénom",
    "last_name": "Nom",
    "code_insee": "Code INSEE de la commune",
    "preferred_channel": "Canal (SMS ou WhatsApp)",
}
REQUIRED = ("phone",)
CHANNELS = {"sms": "sms", "whatsapp": "whatsapp", "whats app": "whatsapp", "wa": "whatsapp"}

# Overseas départements: their mobiles (0692..., 0690...) only parse with their own region.
_REGIONS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT"}
_INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
_DELIMITERS = (";", ",", "\t")
_SAMPLE = 20

MISSING_PHONE = "téléphone manquant"
INVALID_PHONE = "numéro invalide"
LANDLINE = "numéro fixe : il ne peut pas recevoir de SMS"
NOT_TEXTABLE = "numéro spécial : il ne peut pas recevoir de SMS"
INVALID_INSEE = "code INSEE invalide : 5 caractères, par exemple 26362"
UNKNOWN_CHANNEL = "canal inconnu : indiquez sms ou whatsapp"
TOO_LONG = f"trop long : {NAME_MAX} caractères au plus"


class FileRefused(AppError):
    """The file cannot be imported at all (too big, not a CSV, no phone column): a French reason."""

    def __init__(self, message: str, *, status_code: int = 422) -> None:
        super().__init__(status_code, message)


def max_bytes() -> int:
    """The largest file accepted, in bytes: the setting max_upload_bytes (5 MiB by default)."""
    return get_settings().max_upload_bytes


def max_megabytes() -> str:
    """The same in Mo, as the console writes it: "5", "2,5"."""
    return f"{max_bytes() / (1024 * 1024):g}".replace(".", ",")


def too_large() -> FileRefused:
    return FileRefused(
        f"Ce fichier dépasse {max_megabytes()} Mo : découpez-le en plusieurs fichiers.", status_code=413
    )


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the spreadsheet, cells), blank rows left out
    delimiter: str


@dataclass(frozen=True)
class Person:
    """One row's values, checked: what the import writes."""

    row: int
    phone: str  # E.164
    first_name: str | None
    last_name: str | None
    code_insee: str | None
    preferred_channel: str | None


RowError = dict[str, object]  # {"row": 3, "column": "Téléphone", "message": "numéro fixe ..."}
Checked = tuple[Person | None, list[RowError]]


# --------------------------------------------------------------------------- the file


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "Ce fichier est un classeur Excel : enregistrez-le au format CSV (Fichier > Enregistrer sous "
            "> CSV), puis importez le fichier CSV."
        )
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRefused("Ce fichier n'est pas un fichier texte CSV lisible.") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel in French; the 5 bytes Windows-1252 leaves undefined are read as Latin-1.
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else raw.decode("latin-1")
    if "\x00" in text:
        raise FileRefused("Ce fichier n'est pas un fichier texte CSV lisible.")
    return text


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most, outside quotes: ";", "," or a tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])  # ";" wins a tie (Excel in French)
    return best if counts[best] else ","


def read_table(text: str) -> Table:
    """Headers and rows; the header is the first non-blank row. Limits are read_file's job."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if headers is None:
                headers = _unique_headers(cells)
            else:
                rows.append((number, cells))
    except csv.Error as exc:
        raise FileRefused(f"Ce fichier CSV est mal formé : {exc}.") from exc
    if headers is None:
        raise FileRefused("Ce fichier est vide.")
    return Table(headers=headers, rows=rows, delimiter=delimiter)


def read_file(raw: bytes) -> tuple[str, Table]:
    """The text and table of an uploaded file, or FileRefused (too big, empty, no row...)."""
    if len(raw) > max_bytes():
        raise too_large()
    text = decode(raw)
    table = read_table(text)
    if not table.rows:
        raise FileRefused("Ce fichier ne contient aucune ligne après celle des titres de colonnes.")
    if len(table.rows) > MAX_ROWS:
        raise FileRefused(
            f"Ce fichier contient {_thousands(len(table.rows))} lignes, plus que les "
            f"{_thousands(MAX_ROWS)} permises : découpez-le en plusieurs fichiers."
        )
    return text, table


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _unique_headers(cells: Sequence[str]) -> list[str]:
    """Column titles, stripped; an empty one is "Colonne 3", a repeated one gets " (2)"."""
    headers: list[str] = []
    for index, cell in enumerate(cells, start=1):
        title = " ".join(cell.split())[:100] or f"Colonne {index}"
        candidate, copy = title, 2
        while candidate in headers:
            candidate, copy = f"{title} ({copy})", copy + 1
        headers.append(candidate)
    return headers


# --------------------------------------------------------------------------- the mapping


def _words(header: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def _column(table: Table, header: str) -> list[str]:
    """The first non-empty values of a column (a sample: files have up to 50,000 rows)."""
    index = table.headers.index(header)
    values = (clean(cells[index]) if index < len(cells) else "" for _number, cells in table.rows)
    return list(itertools.islice((value for value in values if value), _SAMPLE))


def _mostly(values: list[str], test) -> bool:
    return bool(values) and sum(1 for value in values if test(value)) * 5 >= len(values) * 4


def _looks_mobile(value: str) -> bool:
    return classify_phone(value)[0] is not None


def _looks_insee(value: str) -> bool:
    return normalise_insee(value) is not None


def _score(field: str, words: list[str], table: Table, header: str) -> int:
    """How much a header looks like one of our fields (0: not at all)."""
    have = set(words)
    joined = "".join(words)
    if field == "phone":
        if have & {"fixe", "fax", "domicile"}:
            return 0
        if have & {"portable", "mobile", "gsm", "cellulaire", "sms"}:
            return 4
        if have & {"telephone", "tel", "phone", "telephones"} or joined in ("numtel", "notel"):
            return 3
        return 1 if _mostly(_column(table, header), _looks_mobile) else 0
    if field == "first_name":
        return 4 if have & {"prenom", "prenoms", "firstname"} or {"first", "name"} <= have else 0
    if field == "last_name":
        if have & {"prenom", "prenoms", "commune", "ville", "structure", "organisme", "referent"}:
            return 0
        if have & {"lastname", "surname"} or {"last", "name"} <= have or words == ["name"]:
            return 4
        if "nom" in have:
            return 2 if "naissance" in have else 3
        return 0
    if field == "code_insee":
        if have & {"postal", "cp"}:
            return 0
        if "insee" in have:
            return 4
        if have & {"commune", "ville"}:
            return (3 if "code" in have else 1) if _mostly(_column(table, header), _looks_insee) else 0
        return 0
    if field == "preferred_channel":
        return 4 if have & {"canal", "channel"} else 0
    return 0


def guess_mapping(table: Table) -> dict[str, str]:
    """Our field -> the file's header, from usual French titles ("Téléphone portable", "Prénom",
    "Nom", "Code INSEE"...) and, where the title says little, from what the column holds."""
    mapping: dict[str, str] = {}
    for field in FIELDS:
        scored = [
            (_score(field, _words(header), table, header), -index, header)
            for index, header in enumerate(table.headers)
            if header not in mapping.values()
        ]
        best = max(scored, default=(0, 0, ""))
        if best[0] > 0:
            mapping[field] = best[2]
    return mapping


def mapping_problems(mapping: dict[str, str], headers: Sequence[str]) -> dict[str, str]:
    """Our field (or "") -> what is wrong with the mapping, in French; {} when it can be used."""
    problems: dict[str, str] = {}
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        problems[""] = f"Champs inconnus : {', '.join(unknown)}."
    used: dict[str, str] = {}
    for field in FIELDS:
        header = mapping.get(field) or ""
        if not header:
            if field in REQUIRED:
                problems[field] = "Choisissez la colonne qui contient le numéro de téléphone portable."
        elif header not in headers:
            problems[field] = f"Le fichier n'a pas de colonne « {header} »."
        elif header in used:
            problems[field] = f"Cette colonne est déjà choisie pour « {FIELDS[used[header]]} »."
        else:
            used[header] = field
    return problems


# --------------------------------------------------------------------------- the rows


def clean(cell: str) -> str:
    """A cell without its spaces, nor the tricks that keep Excel from eating a leading zero."""
    value = " ".join(cell.replace("\xa0", " ").split())
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1].strip()
    return value.lstrip("'").strip()


def region_for(departement_code: str) -> str:
    """The phonenumbers region to read national numbers with ("RE" for La Réunion...)."""
    return _REGIONS.get(departement_code, "FR")


def classify_phone(raw: str, region: str = "FR") -> tuple[str | None, str]:
    """(E.164, "") for a number that can receive SMS, else (None, the reason in French)."""
    try:
        return normalise_mobile(raw, region), ""
    except Invalid:
        pass
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None, INVALID_PHONE
    if not phonenumbers.is_valid_number(number):
        return None, INVALID_PHONE
    if phonenumbers.number_type(number) in (PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP):
        return None, LANDLINE
    return None, NOT_TEXTABLE


def normalise_insee(value: str) -> str | None:
    """A commune's INSEE code, or None; "1053" (Excel ate the zero of 01053) is read as 01053."""
    code = value.strip().upper()
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code
    return code if _INSEE.fullmatch(code) else None


def check_row(
    row: int, cells: Sequence[str], mapping: dict[str, str], headers: Sequence[str], region: str
) -> Checked:
    """One row's values, or the list of what is wrong with it."""

    def cell(field: str) -> str:
        header = mapping.get(field)
        if not header:
            return ""
        index = headers.index(header)
        return clean(cells[index]) if index < len(cells) else ""

    errors: list[RowError] = []

    def error(field: str, message: str) -> None:
        errors.append({"row": row, "column": mapping[field], "message": message})

    phone = None
    raw_phone = cell("phone")
    if not raw_phone:
        error("phone", MISSING_PHONE)
    else:
        phone, problem = classify_phone(raw_phone, region)
        if problem:
            error("phone", problem)
    names: dict[str, str | None] = {}
    for field in ("first_name", "last_name"):
        value = cell(field)
        if len(value) > NAME_MAX:
            error(field, TOO_LONG)
        names[field] = value or None
    code_insee = None
    if raw_insee := cell("code_insee"):
        code_insee = normalise_insee(raw_insee)
        if code_insee is None:
            error("code_insee", INVALID_INSEE)
    channel = None
    if raw_channel := cell("preferred_channel"):
        channel = CHANNELS.get(" ".join(_words(raw_channel)))
        if channel is None:
            error("preferred_channel", UNKNOWN_CHANNEL)
    if errors or phone is None:
        return None, errors
    person = Person(row, phone, names["first_name"], names["last_name"], code_insee, channel)
    return person, []


def check_rows(table: Table, mapping: dict[str, str], region: str) -> list[Checked]:
    """Every row checked, in order; a number already on an earlier valid row is a duplicate."""
    checked: list[Checked] = []
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        person, errors = check_row(row, cells, mapping, table.headers, region)
        if person is not None:
            if person.phone in first_row:
                message = f"numéro en double : il est déjà ligne {first_row[person.phone]} du fichier"
                person, errors = None, [{"row": row, "column": mapping["phone"], "message": message}]
            else:
                first_row[person.phone] = row
        checked.append((person, errors))
    return checked


def mask_cell(value: str) -> str:
    """A cell that holds a phone number, its middle digits hidden: "06 ** ** ** 78"."""
    digits = [index for index, char in enumerate(value) if char.isdigit()]
    if len(digits) < 8:
        return value
    hidden = set(digits[2:-2])
    return "".join("*" if index in hidden else char for index, char in enumerate(value))
