"""The issuer project: settings, URLs, the Celery app and the shared kernel."""

from issuer.celery import app as celery_app

__all__ = ("celery_app",)
