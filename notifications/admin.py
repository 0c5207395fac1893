from __future__ import annotations

from django.contrib import admin

from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to", "template", "state", "attempts", "last_error")
    list_filter = ("channel", "state", "template")
