"""The held-out conversation set (eval/conversation_set.yml) stays apart from the training data."""

import re
from collections import Counter
from pathlib import Path

import yaml

from eval.conversation_set import CLASSES, CONTEXTS, DEV_SET_PATH, load_set

ROOT = Path(__file__).resolve().parents[2]


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def training_texts() -> set[str]:
    """Every example of data/ (the Rasa training data) and of tests/nlu/test_set.yml."""
    texts: set[str] = set()
    files = [*sorted((ROOT / "data").rglob("*.yml")), ROOT / "tests" / "nlu" / "test_set.yml"]
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    # Entity annotations [text](entity) count as their text.
                    texts.add(normalise(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:].strip())))
        for rule in document.get("rules", []) + document.get("stories", []):
            for step in rule.get("steps", []):
                if "user" in step:
                    texts.add(normalise(step["user"]))
    return texts


def test_no_held_out_text_is_in_the_training_data_or_the_nlu_test_set() -> None:
    known = training_texts()
    assert len(known) > 100  # the parser found the examples
    leaked = [item["text"] for item in load_set() if normalise(item["text"]) in known]
    assert not leaked, f"held-out texts found in data/ or tests/nlu/test_set.yml: {leaked}"


def test_the_development_set_shares_no_text_with_the_held_out_set_or_the_training_data() -> None:
    held_out = {normalise(item["text"]) for item in load_set()}
    known = training_texts()
    dev = [normalise(item["text"]) for item in load_set(DEV_SET_PATH)]
    assert len(dev) >= 200
    assert not [text for text in dev if text in held_out or text in known]
    assert len(dev) == len(set(dev))


def test_no_text_appears_twice_in_the_set() -> None:
    counts = Counter(normalise(item["text"]) for item in load_set())
    assert not [text for text, n in counts.items() if n > 1]


def test_size_and_coverage() -> None:
    items = load_set()
    assert len(items) >= 400
    assert {item["context"] for item in items} == set(CONTEXTS)
    per_class = Counter(item["expected"] for item in items)
    assert set(per_class) == set(CLASSES)
    assert min(per_class.values()) >= 15, per_class
    for item in items:
        assert item["also"] in (None, *CLASSES), item
    slots = [
        item for item in items if item["expected"].startswith("slot_") or item["expected"] == "none_fits"
    ]
    assert {item["context"] for item in slots} == {"offer"}
