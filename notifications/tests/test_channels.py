from __future__ import annotations

from django.test import override_settings

from notifications.channels.base import Rendered
from notifications.channels.console import ConsoleChannel
from notifications.channels.file import FileChannel

MESSAGE = Rendered(channel="sms", to="+16025550100", subject="New referral", body="Phoenix, Maricopa, AZ\nhttp://x/1/")


def test_the_file_channel_appends_each_message_to_its_channel_log(tmp_path):
    with override_settings(HOD_OUTBOX_DIR=tmp_path):
        FileChannel().send(MESSAGE)
        FileChannel().send(MESSAGE)
    text = (tmp_path / "sms.log").read_text()
    assert text.count("To: +16025550100") == 2
    assert "Phoenix, Maricopa, AZ" in text


def test_the_console_channel_prints_the_message(capsys):
    ConsoleChannel().send(MESSAGE)
    out = capsys.readouterr().out
    assert "[sms] to +16025550100: New referral" in out
