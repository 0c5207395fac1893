"""Inputs that say what they hold (WCAG 1.3.5, Identify Input Purpose): browsers then offer
autofill, and phones the right keyboard. Consumers mostly come from their phones."""

from __future__ import annotations

from django import forms


class TelInput(forms.TextInput):
    input_type = "tel"


def phone_input() -> forms.TextInput:
    return TelInput(attrs={"autocomplete": "tel"})


def zip_input() -> forms.TextInput:
    # Digits on a phone's keyboard, as the U.S. Web Design System does for ZIP codes.
    return forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"})


def named(purpose: str) -> forms.TextInput:
    """A text input for a personal detail: `given-name`, `family-name`, `username`…"""
    return forms.TextInput(attrs={"autocomplete": purpose})
