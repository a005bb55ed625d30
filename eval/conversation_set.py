"""The conversation sets (held-out eval/conversation_set.yml, development eval/dev_set.yml),
flattened to one dict per message."""

from pathlib import Path
from typing import Any

import yaml

SET_PATH = Path(__file__).resolve().parent / "conversation_set.yml"
# Written apart from the held-out set, to tune against (its texts stay out of data/ too).
DEV_SET_PATH = Path(__file__).resolve().parent / "dev_set.yml"

CLASSES = (
    "slot_1",
    "slot_2",
    "slot_3",
    "slot_4",
    "none_fits",
    "confirm",
    "cancel",
    "move",
    "childcare",
    "mobility",
    "housing",
    "health",
    "digital",
    "human",
    "stop",
    "where_when",
    "who_are_you",
    "out_of_scope",
    "thanks",
)
CONTEXTS = ("offer", "reminder", "questionnaire", "none")


def load_set(path: Path = SET_PATH) -> list[dict[str, Any]]:
    """Every message of the set: context, text (with {placeholders}), expected, also."""
    items = []
    for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
        for entry in group["texts"]:
            entry = entry if isinstance(entry, dict) else {"text": entry}
            items.append(
                {
                    "context": group["context"],
                    "expected": group["expected"],
                    "text": str(entry["text"]),
                    "also": entry.get("also"),
                }
            )
    return items
