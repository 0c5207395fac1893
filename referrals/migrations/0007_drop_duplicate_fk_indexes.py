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
        ("referrals", "0006_field_labels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="referral",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="referrals.referral",
                        verbose_name="referral",
                    ),
                ),
                migrations.AlterField(
                    model_name="offer",
                    name="agent",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="agents.agent",
                        verbose_name="agent",
                    ),
                ),
                migrations.AlterField(
                    model_name="offer",
                    name="referral",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="referrals.referral",
                        verbose_name="referral",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_event_referral_id_e52968c6"',
                    reverse_sql='CREATE INDEX "referrals_event_referral_id_e52968c6" ON "referrals_event" ("referral_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_offer_agent_id_65e8357d"',
                    reverse_sql='CREATE INDEX "referrals_offer_agent_id_65e8357d" ON "referrals_offer" ("agent_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_offer_referral_id_5787746e"',
                    reverse_sql='CREATE INDEX "referrals_offer_referral_id_5787746e" ON "referrals_offer" ("referral_id")',
                ),
            ],
        ),
    ]
