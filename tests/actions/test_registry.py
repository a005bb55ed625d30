"""Every action of ours is declared in the domain; all but the opt-out answer the questionnaire first."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import yaml
from rasa_sdk import Action

import actions
from actions.dialogue import DialogueAction
from actions.opt_out import ActionOptOut

ROOT = Path(__file__).resolve().parents[2]


def our_actions() -> dict[str, type[Action]]:
    found: dict[str, type[Action]] = {}
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if not issubclass(cls, Action) or not cls.__module__.startswith("actions."):
                continue
            if not inspect.isabstract(cls):
                found[cls().name()] = cls
    return found


def test_the_domain_declares_exactly_our_actions() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

    assert sorted(our_actions()) == sorted(domain["actions"])


def test_every_action_but_the_opt_out_answers_the_questionnaire_first() -> None:
    others = [cls for cls in our_actions().values() if not issubclass(cls, DialogueAction)]

    assert others == [ActionOptOut]
