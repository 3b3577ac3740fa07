from django.contrib.auth import views as auth_views
from django.urls import reverse
from wagtail.admin.views import account

from core.accounts import SiteLoginForm


class LoginView(auth_views.LoginView):
    form_class = SiteLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class AdminLoginView(account.LoginView):
    """Wagtail's admin login. A signed-in user is sent on with redirect(), which reads a ?next=
    without "/" or "." as a view name and raised NoReverseMatch (a 500) for any other word:
    only a path of this site is followed, else the dashboard."""

    def get_success_url(self):
        url = super().get_success_url()
        return url if url.startswith("/") else reverse("wagtailadmin_home")
