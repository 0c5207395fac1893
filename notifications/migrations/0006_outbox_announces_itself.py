"""On PostgreSQL the outbox announces its own new rows: a statement trigger NOTIFYs the
dispatchers' listeners (notifications.wake), so writers spare the round trip of a NOTIFY
of their own. The server delivers it at commit and drops it with a rollback, as before."""

from django.db import migrations

CREATE = """
CREATE FUNCTION hod_outbox_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hod_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER notifications_message_announce AFTER INSERT ON notifications_message
    FOR EACH STATEMENT EXECUTE FUNCTION hod_outbox_announce();
"""
DROP = """
DROP TRIGGER IF EXISTS notifications_message_announce ON notifications_message;
DROP FUNCTION IF EXISTS hod_outbox_announce();
"""


def run(sql: str):  # type: ignore[no-untyped-def]
    def operation(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_message_due_in_claim_order")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
