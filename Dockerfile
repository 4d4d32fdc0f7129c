# One image for web, worker and beat (docker-compose.yml).
FROM python:3.12-slim

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
CMD ["gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
