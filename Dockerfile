# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=issuer.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        default-libmysqlclient-dev build-essential pkg-config curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Every package and its hash pinned (pip-tools; `make lock` regenerates it).
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
# .dockerignore keeps .venv, .env, db.sqlite3 and var/ out of the image.
COPY . .
# Build settings: static files only, no secret needed (keys come at run time).
RUN DJANGO_SETTINGS_MODULE=issuer.settings.build python manage.py collectstatic --noinput

# MEDIA_ROOT (a shared volume in docker-compose.yml) owned by the app user.
RUN mkdir -p /app/var/media && useradd --create-home issuer && chown -R issuer /app
USER issuer
EXPOSE 8000
CMD ["gunicorn", "issuer.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
