# One image for web, worker and beat (docker-compose.yml).
# Base pinned to an exact patch release (a digest could not be fetched where this was written:
# pin `python:3.12.11-slim-bookworm@sha256:…` once you can resolve it).
# .dockerignore keeps .git, .venv, .env, var/ (the SQLite file) and caches out of the context.
FROM python:3.12.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=backend.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 toh

COPY pyproject.toml requirements/constraints.txt /app/requirements/
RUN cp /app/requirements/pyproject.toml /app/pyproject.toml \
    && pip install --no-cache-dir -c /app/requirements/constraints.txt /app \
    && rm /app/pyproject.toml

COPY . /app
# collectstatic needs settings that load; the real secret comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --no-input \
    && mkdir -p /app/var && chown -R toh /app/var

USER toh
EXPOSE 8000
# Inside the container gunicorn listens on all its interfaces; docker-compose publishes the
# port on the host's loopback only, for the TLS proxy. gunicorn.conf.py: access log format.
CMD ["gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
