import os

from django.core.wsgi import get_wsgi_application

from config.wsgi_input import whole_body_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = whole_body_reads(get_wsgi_application())
