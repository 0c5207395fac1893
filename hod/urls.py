from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from hod import views as hod_views
from hod.api import api
from intake import views as intake_views
from ops import views as ops_views

# The operators' console is the admin: it says whose it is.
admin.site.site_header = _("Help On Demand operators")
admin.site.site_title = _("Help On Demand operators")
admin.site.index_title = _("Operator console")

urlpatterns = [
    path("", intake_views.get_contacted, name="get_contacted"),
    path("received/<uuid:public_id>/", intake_views.received, name="received"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", ops_views.healthz, name="healthz"),
    path("healthz/dispatch", ops_views.healthz_dispatch, name="healthz_dispatch"),
    path("admin/operations/", ops_views.operations, name="operations"),
    path("admin/operations/coverage/", ops_views.agent_coverage, name="agent_coverage"),
    path("admin/", admin.site.urls),
    path("", include("agents.urls")),
    path("", include("portal.urls")),
    # An agent's email address is the one on their Marketplace registration, kept by the
    # eligibility imports; allauth's page for adding others is not offered.
    path("accounts/email/", hod_views.not_offered),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
]

handler404 = "hod.views.page_not_found"
handler500 = "hod.views.server_error"
