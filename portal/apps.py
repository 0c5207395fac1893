from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Agent portal")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from portal.middleware import speak_the_agents_language

        user_logged_in.connect(speak_the_agents_language, dispatch_uid="portal.speak_the_agents_language")
