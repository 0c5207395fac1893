from django.contrib import admin
from django.urls import include, path

from hod.api import api
from intake import views as intake_views

urlpatterns = [
    path("", intake_views.get_contacted, name="get_contacted"),
    path("received/<uuid:public_id>/", intake_views.received, name="received"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("agents.urls")),
    path("", include("portal.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
]
