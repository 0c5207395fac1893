"""Load the states that use HealthCare.gov for plan years 2025–2027 (REFERENCE.md §4)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "served_states.csv"


def load(apps, schema_editor):
    ServedState = apps.get_model("eligibility", "ServedState")
    with open(DATA, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ServedState.objects.update_or_create(
                plan_year=int(row["plan_year"]), state=row["state"], defaults={"model": row["model"]}
            )


def unload(apps, schema_editor):
    apps.get_model("eligibility", "ServedState").objects.filter(plan_year__in=[2025, 2026, 2027]).delete()


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
