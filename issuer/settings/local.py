"""Local development and the zero-setup demo: SQLite, in-process tasks."""

from issuer.settings.base import *  # noqa: F403
from issuer.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-do-not-deploy")
SANDBOX = env.bool("SANDBOX", default=True)
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]  # noqa: F405

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
