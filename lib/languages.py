"""HealthCare.gov's language set (ISO 639-1), named in the viewer's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LANGUAGES = {
    "en": _("English"),
    "es": _("Spanish"),
    "zh": _("Chinese"),
    "ht": _("Haitian Creole"),
    "fr": _("French"),
    "de": _("German"),
    "gu": _("Gujarati"),
    "hi": _("Hindi"),
    "it": _("Italian"),
    "ja": _("Japanese"),
    "ko": _("Korean"),
    "pl": _("Polish"),
    "pt": _("Portuguese"),
    "ru": _("Russian"),
    "tl": _("Tagalog"),
    "vi": _("Vietnamese"),
}


def language_name(code: str) -> str:
    return str(LANGUAGES.get(code, code))
