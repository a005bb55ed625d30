"""Rasa input channels: how our gateway, and only it, talks to the Rasa engine."""
