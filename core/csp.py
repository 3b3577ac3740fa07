"""The one Content-Security-Policy middleware: django-csp's, with a policy per kind of response.

- A file (see core.downloads): the strict file policy, whatever the view set.
- The Wagtail admin (CONTENT_SECURITY_POLICY_ADMIN["PATH_PREFIX"]): the admin's own policy.
  Wagtail renders inline scripts and style attributes of its own (date choosers, inline panels),
  so it allows inline code but still nothing from another origin, no plugins, no foreign frames.
- Every other page: CONTENT_SECURITY_POLICY, with no inline script or style at all."""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from core.downloads import is_file_response, secure_file_response


class SitePolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if is_file_response(response):
            secure_file_response(response)  # django-csp leaves a header that is already set
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        admin = settings.CONTENT_SECURITY_POLICY_ADMIN
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(admin["PATH_PREFIX"])
        ):
            parts.config = default_config(admin["DIRECTIVES"])
        return parts
