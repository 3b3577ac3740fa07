from django.contrib.auth import views as auth_views

from core.accounts import SiteLoginForm


class LoginView(auth_views.LoginView):
    form_class = SiteLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
