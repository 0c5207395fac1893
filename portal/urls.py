from csp.decorators import csp_update
from django.urls import path
from django.views.generic import TemplateView

from portal import site, views

urlpatterns = [
    path("referrals/", views.manage, name="agent_home"),
    path("referrals/rows/", views.table_rows, name="referral_rows"),
    path("referrals/offers/<int:offer_id>/", views.offer_page, name="offer_page"),
    path("referrals/offers/<int:offer_id>/accept/", views.decide, {"action": "accept"}, name="offer_accept"),
    path("referrals/offers/<int:offer_id>/reject/", views.decide, {"action": "reject"}, name="offer_reject"),
    path("referrals/<uuid:public_id>/status/", views.set_status, name="referral_status"),
    path("referrals/<uuid:public_id>/attempts/", views.log_attempt, name="contact_attempt"),
    path("availability/", views.availability_settings, name="availability_settings"),
    path("availability/today/", views.switch_today, name="availability_today"),
    path("availability/resume/", views.resume, name="availability_resume"),
    path("availability/out-of-office/", views.out_of_office, name="out_of_office"),
    path("availability/out-of-office/<int:period_id>/end/", views.end_out_of_office, name="out_of_office_end"),
    path("metrics/", views.view_metrics, name="view_metrics"),
    path("metrics/export/", views.export_metrics, name="export_metrics"),
    path("profile/", views.profile, name="profile"),
    path("push/subscriptions/", views.push_subscription, name="push_subscription"),
    path("help/", TemplateView.as_view(template_name="site/help.html"), name="help"),
    path("terms/", TemplateView.as_view(template_name="site/terms.html"), name="terms"),
    path("privacy/", TemplateView.as_view(template_name="site/privacy.html"), name="privacy"),
    # What the installed app shows when the phone has no connection. Only the page itself is
    # kept for then, so its few styles are inline, the one page the policy lets style itself:
    # it holds nothing but its own fixed words.
    path(
        "offline/",
        csp_update({"style-src": ["'unsafe-inline'"]})(TemplateView.as_view(template_name="site/offline.html")),
        name="offline",
    ),
    path("manifest.webmanifest", site.manifest, name="manifest"),
    path("sw.js", site.service_worker, name="service_worker"),
    path("favicon.ico", site.favicon),
]
