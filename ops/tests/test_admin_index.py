"""The operators' home, the admin index, names every section and table in the operator's
language."""

from __future__ import annotations

import pytest
from django.test import Client

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
