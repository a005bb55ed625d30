"""Every action of ours is declared in the domain and answers the questionnaire first."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import yaml

import actions
from actions.dialogue import DialogueAction

ROOT = Path(__file__).resolve().parents[2]


def our_actions() -> dict[str, type[DialogueAction]]:
    found: dict[str, type[DialogueAction]] = {}
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, DialogueAction) and not inspect.isabstract(cls):
                found[cls().name()] = cls
    return found


def test_the_domain_declares_exactly_our_actions() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

    assert sorted(our_actions()) == sorted(domain["actions"])
