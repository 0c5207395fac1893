"""Email through Django's mail machinery (EMAIL_BACKEND: SMTP in production)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.channels.base import BaseChannel, DeliveryError, Rendered


class EmailChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        mail = EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to])
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"recipient refused: {error.recipients}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
