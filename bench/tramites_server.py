"""The WSGI app that bench/tramites.py runs under gunicorn: the whole site, wrapped as in
config/wsgi.py, plus, as the baseline, a bare Django view returning a constant JSON
(`/bench/bare`)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

import config.urls  # noqa: E402


def bare(request):
    return JsonResponse({"ok": True, "servicio": "Paso a Paso"})


urlpatterns = [path("bench/bare", bare), *config.urls.urlpatterns]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()  # as config/wsgi.py
