from django.urls import path

from agents import views

urlpatterns = [
    path("join/<str:token>/", views.join, name="agent_join"),
    path("join/<str:token>/renew/", views.join_renew, name="agent_join_renew"),
    path("welcome/almost-done/", views.join_done, name="agent_join_done"),
    path("welcome/terms/", views.terms, name="agent_terms"),
    path("accounts/login/", views.LoginView.as_view(), name="account_login"),
    path("accounts/forgot-username/", views.forgot_username, name="forgot_username"),
]
