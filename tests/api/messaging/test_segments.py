"""GSM-7 / UCS-2 segment counting (GSM 03.38)."""

import pytest

from api.messaging.segments import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    SegmentCount,
    count_segments,
    is_gsm7,
    non_gsm7_chars,
    to_gsm7,
)


def test_alphabet_sizes():
    assert len(GSM7_BASIC) == 127  # 128 codes minus the escape
    assert GSM7_EXTENDED == frozenset("\f^{}\\[~]|€")
    assert not GSM7_BASIC & GSM7_EXTENDED


@pytest.mark.parametrize("ch", list("àéèùìòÉÇÄÖÜäöüÑñÅåØøÆæß@£$¥§¡¿¤_\n\r"))
def test_gsm7_french_and_special_chars(ch):
    assert is_gsm7(ch), ch


@pytest.mark.parametrize(
    "ch",
    [
        "â",
        "ê",
        "î",
        "ô",
        "û",
        "ç",
        "ë",
        "ï",
        "œ",
        "À",
        "Â",
        "È",
        "Ê",
        "Î",
        "Ô",
        "Ù",
        "Û",
        "\u2019",
        "«",
        "»",
        "…",
        "–",
        "—",
        "\u00a0",
        "\u202f",
        "😀",
        "`",
    ],
)
def test_not_gsm7(ch):
    assert not is_gsm7(ch)
    assert non_gsm7_chars(f"a{ch}b{ch}") == [ch]


def test_empty_is_one_segment():
    assert count_segments("") == SegmentCount("GSM-7", 0, 1)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length, segments):
    assert count_segments("a" * length) == SegmentCount("GSM-7", length, segments)


@pytest.mark.parametrize("ch", sorted(GSM7_EXTENDED))
def test_extended_counts_two_septets(ch):
    assert count_segments(ch) == SegmentCount("GSM-7", 2, 1)
    assert count_segments(ch * 80) == SegmentCount("GSM-7", 160, 1)
    assert count_segments(ch * 81) == SegmentCount("GSM-7", 162, 2)


def test_extended_char_not_split_across_parts():
    # 152 septets then € (2 septets) would straddle septets 153-154:
    # part 1 holds the 152 'a', part 2 starts with the €
    text = "a" * 152 + "€" + "a" * 10
    assert count_segments(text) == SegmentCount("GSM-7", 164, 2)
    # 306 septets exactly with the € straddling the first boundary -> 3 parts
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3
    # same length without a straddling extension char -> 2 parts
    assert count_segments("a" * 151 + "€" + "a" * 153).segments == 2


def test_extended_char_at_single_limit():
    assert count_segments("a" * 158 + "€").segments == 1  # 160 septets
    assert count_segments("a" * 159 + "€") == SegmentCount("GSM-7", 161, 2)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_boundaries(length, segments):
    text = "ç" + "a" * (length - 1)
    assert count_segments(text) == SegmentCount("UCS-2", length, segments)


def test_one_non_gsm7_char_switches_whole_message():
    assert count_segments("a" * 100).segments == 1
    assert count_segments("a" * 99 + "\u2019") == SegmentCount("UCS-2", 100, 2)


def test_emoji_counts_two_units():
    assert count_segments("😀") == SegmentCount("UCS-2", 2, 1)
    assert count_segments("a" * 68 + "😀") == SegmentCount("UCS-2", 70, 1)
    assert count_segments("a" * 69 + "😀") == SegmentCount("UCS-2", 71, 2)


def test_emoji_not_split_across_parts():
    # 66 units then an emoji straddling units 67-68: moves to part two
    text = "a" * 66 + "😀" + "a" * 66
    assert count_segments(text) == SegmentCount("UCS-2", 134, 3)
    assert count_segments("a" * 65 + "😀" + "a" * 67) == SegmentCount("UCS-2", 134, 2)


def test_euro_in_ucs2_counts_one_unit():
    assert count_segments("€ç") == SegmentCount("UCS-2", 2, 1)


def test_french_reminder_gsm7():
    text = (
        "Bonjour Marie-Hélène, rappel : rendez-vous d'orientation RSA le jeudi 3 décembre "
        "à 14h00, Maison de l'emploi, 12 rue de la République, Saint-Étienne-du-Rouvray."
    )
    # é, à and É are all in the GSM 03.38 basic table
    assert non_gsm7_chars(text) == []
    assert count_segments(text) == SegmentCount("GSM-7", 160, 1)
    assert count_segments(text + " ") == SegmentCount("GSM-7", 161, 2)
    # one typographic apostrophe: UCS-2, 3 parts of 67
    assert count_segments(text.replace("'", "’")) == SegmentCount("UCS-2", 160, 3)


def test_french_reminder_with_typography_is_ucs2_then_fixed():
    text = "Votre RDV à l’Espace emploi de Fort-de-France : 1ʳᵉ étape… « orientation »"
    assert count_segments(text).encoding == "UCS-2"
    fixed = to_gsm7(text)
    assert non_gsm7_chars(fixed) == ["ʳ", "ᵉ"]


def test_longest_realistic_invitation_fits_two_gsm7_segments():
    text = (
        "Bonjour Jean-Christophe DE LA ROCHEFOUCAULD-D'ESTAING, le Département de "
        "Seine-Saint-Denis vous invite à un rendez-vous d'orientation RSA le mercredi "
        "30 décembre à 16h30, Centre départemental d'insertion, 124 avenue "
        "Jean-Baptiste Clément, Aubervilliers. Répondez 1 pour confirmer, STOP au 38123."
    )
    assert non_gsm7_chars(text) == []
    assert count_segments(text) == SegmentCount("GSM-7", 295, 2)
    # the same text typed in a word processor costs 5 SMS instead of 2
    typed = text.replace("'", "’").replace(", le", ", le")
    assert count_segments(typed) == SegmentCount("UCS-2", 295, 5)
    assert count_segments(to_gsm7(typed)) == SegmentCount("GSM-7", 295, 2)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("l\u2019accueil", "l'accueil"),
        ("« RDV »", '" RDV "'),
        ("Attendez…", "Attendez..."),
        ("9h–12h — accueil", "9h-12h - accueil"),
        ("RDV\u00a0: 14h", "RDV : 14h"),
        ("RDV\u202f!", "RDV !"),
        ("Câline", "Caline"),
        ("fenêtre", "fenetre"),
        ("île", "ile"),
        ("hôpital", "hopital"),
        ("août", "aout"),
        ("français", "francais"),
        ("Noël", "Noel"),
        ("maïs", "mais"),
        ("cœur", "coeur"),
        ("Œuvre", "OEuvre"),
        ("À Âge", "A Age"),
        ("È Ê", "E E"),
        ("Île Ôde Ùn Ûn", "Ile Ode Un Un"),
        ("n°2", "no2"),
        # already GSM-7: untouched
        ("éèàùìò ÉÇ ÄÖÜäöü", "éèàùìò ÉÇ ÄÖÜäöü"),
        ("Ça va", "Ça va"),
        ("{[€]}", "{[€]}"),
    ],
)
def test_to_gsm7(src, expected):
    assert to_gsm7(src) == expected
    assert is_gsm7(to_gsm7(src)), non_gsm7_chars(to_gsm7(src))


def test_to_gsm7_keeps_emoji():
    assert to_gsm7("Merci 🙂") == "Merci 🙂"
    assert non_gsm7_chars(to_gsm7("Merci 🙂")) == ["🙂"]
