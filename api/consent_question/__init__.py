"""Asking the person by SMS whether the structures that follow them may share their words."""
