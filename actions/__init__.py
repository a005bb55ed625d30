"""Rasa custom actions: they call the internal bot API (docs/bot-api.md) over HTTP."""
