"""WSGI entry point (gunicorn issuer.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issuer.settings.local")

application = get_wsgi_application()
