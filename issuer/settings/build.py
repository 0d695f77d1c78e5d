"""Image build only (the Dockerfile's collectstatic): the static files
settings every environment shares, and no secret. Nothing served or signed
at build time, so the key below protects nothing; the running container uses
issuer.settings.production with its own keys."""

from issuer.settings.base import *  # noqa: F403

SECRET_KEY = "image-build-collectstatic-only"  # noqa: S105
DEBUG = False
