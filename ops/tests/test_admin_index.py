"""The operators' home, the admin index, names every section and table in the operator's
language."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from hod.testing import WEEKDAY_MORNING, request_referral

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_its_sections_in_english(operator: Client) -> None:
    page = operator.get("/admin/").content.decode()
    for name in ["Eligibility", "FFM registrations", "FFM terminations", "Served states", "Licenses", "Referrals"]:
        assert f">{name}<" in page, name
    assert "Ffm registrations" not in page


def test_the_admin_index_names_its_sections_in_spanish(operator: Client) -> None:
    operator.cookies["django_language"] = "es"
    page = operator.get("/admin/").content.decode()
    spanish = [
        "Elegibilidad", "Registros del FFM", "Terminaciones del FFM", "Estados atendidos", "Licencias",
        "Agentes", "Referencias", "Eventos", "Notificaciones", "Mensajes",
    ]  # fmt: skip
    for name in spanish:
        assert f">{name}<" in page, name
    for english in [">Eligibility<", ">Licenses<", ">Events<", ">Messages<", ">Notifications<"]:
        assert english not in page, english


def test_every_field_an_operator_reads_is_labelled_in_both_languages() -> None:
    """Each column of our tables carries a translated label, and the Spanish catalogue has it:
    a new field without one fails here, not in front of an operator."""
    ours = {"eligibility", "agents", "availability", "referrals", "notifications"}
    same_in_both = {"NPN", "actor", "error"}
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        for field in model._meta.get_fields():
            if not getattr(field, "concrete", False) or field.auto_created:
                continue
            with translation.override("en"):
                english = str(field.verbose_name)
            with translation.override("es"):
                spanish = str(field.verbose_name)
            if not isinstance(field.verbose_name, Promise) or (spanish == english and english not in same_in_both):
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


def test_a_referral_opened_in_spanish_reads_in_spanish(operator: Client) -> None:
    referral = request_referral(WEEKDAY_MORNING)
    operator.cookies["django_language"] = "es"
    page = operator.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    for label in ["Código postal", "Idioma de los avisos", "Año del plan", "Consentimiento dado el", "Estatus"]:
        assert f">{label}:<" in page, label
    for english in [">Zip code:<", ">Notice language:<", ">Plan year:<", ">Consent at:<"]:
        assert english not in page, english
