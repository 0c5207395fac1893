"""The foreign keys below lose their own index: another index leads with the same column
(see the models), and each index is one more write on every re-route.

By name, not by AlterField: on PostgreSQL, AlterField(db_index=False) drops every index
on the column alone, partial unique ones included, and one_accepted_offer_per_referral is
the database's own guarantee of one winner per referral."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0007_field_labels"),
        ("eligibility", "0006_field_labels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="coverage",
                    name="agent",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="coverage",
                        to="agents.agent",
                        verbose_name="agent",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "eligibility_coverage_agent_id_7e8605c3"',
                    reverse_sql='CREATE INDEX "eligibility_coverage_agent_id_7e8605c3" ON "eligibility_coverage" ("agent_id")',
                ),
            ],
        ),
    ]
