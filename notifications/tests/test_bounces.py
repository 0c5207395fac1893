"""Hard bounces (R-NOTIFY-3): an email the SMTP server took, then bounced with a delivery
status notification, disables that address like any permanent failure."""

from __future__ import annotations

from email.message import EmailMessage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from agents.models import Agent
from hod.testing import WEEKDAY_MORNING, request_referral, signed_in
from notifications.channels import locmem
from notifications.delivery import deliver_due
from notifications.models import Message, MessageState

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING


def dsn(recipient: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A bounce as Postfix writes one (RFC 3464): a human part, the report, the original headers."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mail.example.gov"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(MIMEText(f"I'm sorry to have to inform you that your message could not be delivered to {recipient}."))
    status_part = MIMEMultipart("delivery-status")  # rebuilt below as message/delivery-status
    status_part.set_type("message/delivery-status")
    per_message, per_recipient = EmailMessage(), EmailMessage()
    per_message["Reporting-MTA"] = "dns; mail.example.gov"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = f"smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown"
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    original = EmailMessage()
    original["Subject"] = "New Help On Demand referral"
    report.attach(MIMEMessage(original, "rfc822-headers"))
    return report.as_bytes()


def bounce_file(tmp_path: Path, raw: bytes, name: str = "bounce.eml") -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    return str(path)


def run(*files: str) -> str:
    from io import StringIO

    out = StringIO()
    with time_machine.travel(NOW, tick=False):  # the command reads the clock: the tests' morning
        call_command("ingest_bounces", *files, stdout=out)
    return out.getvalue()


def test_a_hard_bounce_disables_the_email_and_tells_the_agent_elsewhere(smtp: Any, tmp_path: Path) -> None:
    ana, client = signed_in("Ana", languages=["es"], contact="email_text")
    request_referral(NOW)
    deliver_due(NOW)
    assert ana.email in [m["To"] for m in smtp.messages]  # the server took it…
    output = run(bounce_file(tmp_path, dsn(ana.email)))  # …and bounced it later
    assert f"{ana.email}: 5.1.1 — email disabled for the agent" in output
    ana.refresh_from_db()
    assert ana.failed_channels == "email"
    notice = Message.objects.get(agent=ana, template="offer", channel="email")
    assert notice.state == MessageState.FAILED and "User unknown" in notice.last_error
    # Told by text (the channel that still works) and on every portal page.
    deliver_due(NOW)
    [text] = [m for m in locmem.outbox if m.to == ana.phone and "cannot reach you" in m.subject]
    assert "Emails to" in text.body
    assert f"Emails to {ana.email} cannot be delivered" in client.get("/referrals/").content.decode()


def test_a_delay_changes_nothing(smtp: Any, tmp_path: Path) -> None:
    ana, _client = signed_in("Ana", languages=["es"], contact="email_only")
    request_referral(NOW)
    deliver_due(NOW)
    output = run(bounce_file(tmp_path, dsn(ana.email, action="delayed", status="4.4.1")))
    assert "not a hard bounce: nothing changed" in output
    ana.refresh_from_db()
    assert ana.failed_channels == ""


def test_a_bounce_of_a_consumers_update_marks_it_failed_and_disables_no_agent(smtp: Any, tmp_path: Path) -> None:
    signed_in("Ana", languages=["es"], contact="email_only")
    request_referral(NOW)
    deliver_due(NOW)
    output = run(bounce_file(tmp_path, dsn("carmen@example.com")))
    assert "carmen@example.com: 5.1.1 — message marked failed" in output
    assert Message.objects.get(to="carmen@example.com").state == MessageState.FAILED
    assert not Agent.objects.exclude(failed_channels="").exists()


def test_an_address_we_never_wrote_to_changes_nothing(tmp_path: Path) -> None:
    output = run(bounce_file(tmp_path, dsn("stranger@example.com")))
    assert "stranger@example.com: we sent no email to this address: nothing changed" in output


def test_a_mail_that_is_not_a_bounce_is_refused_and_nothing_is_applied(smtp: Any, tmp_path: Path) -> None:
    ana, _client = signed_in("Ana", languages=["es"], contact="email_only")
    request_referral(NOW)
    deliver_due(NOW)
    good = bounce_file(tmp_path, dsn(ana.email), "good.eml")
    plain = MIMEText("Out of office until Monday")
    plain["Subject"] = "Automatic reply"
    bad = bounce_file(tmp_path, plain.as_bytes(), "reply.eml")
    with pytest.raises(
        CommandError,
        match=r"reply\.eml: not a delivery status notification \(Content-Type is text/plain\); nothing was changed",
    ):
        run(good, bad)
    ana.refresh_from_db()
    assert ana.failed_channels == ""
    with pytest.raises(CommandError, match=r"missing\.eml: cannot read it"):
        run(str(tmp_path / "missing.eml"))
