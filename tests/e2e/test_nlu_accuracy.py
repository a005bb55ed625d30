"""The NLU test set (never used for training) through the running Rasa server."""

from collections import Counter
from pathlib import Path

import yaml

from tests.e2e.system import System

TEST_SET = Path(__file__).resolve().parents[1] / "nlu" / "test_set.yml"
MIN_ACCURACY = 0.85
# Each intent must hold on its own too: a good average can hide a theme the bot never hears.
MIN_INTENT_ACCURACY = 0.75


def load_examples() -> list[tuple[str, str]]:
    data = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append((block["intent"], line[2:].strip()))
    return examples


def test_intent_accuracy_on_the_held_out_set(system: System) -> None:
    examples = load_examples()
    assert len(examples) >= 100
    errors: list[str] = []
    per_intent: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for expected, text in examples:
        parsed = system.http.post(
            f"{system.rasa_url}/model/parse", params={"token": system.rasa_auth_token}, json={"text": text}
        ).json()
        predicted = parsed["intent"]["name"]
        per_intent[expected] += 1
        if predicted == expected:
            correct[expected] += 1
        else:
            errors.append(f"{text!r}: expected {expected}, got {predicted}")
    accuracy = sum(correct.values()) / len(examples)
    report = "\n".join(f"{i}: {correct[i]}/{n}" for i, n in sorted(per_intent.items()))
    print(f"\nNLU accuracy {accuracy:.3f} on {len(examples)} examples\n{report}\n" + "\n".join(errors))
    assert accuracy >= MIN_ACCURACY, f"accuracy {accuracy:.3f}\n" + "\n".join(errors)
    weak = {i: correct[i] / n for i, n in per_intent.items() if correct[i] / n < MIN_INTENT_ACCURACY}
    assert not weak, f"intents below {MIN_INTENT_ACCURACY}: {weak}"
