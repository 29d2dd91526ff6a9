# Telesales CRM: one image for every role (web, Celery worker, Celery beat, migrations).
# docker-compose.yml chooses the role with `command:`; the default is the web server.
#
#   docker build -t telesales-crm .
#   docker run --rm -e SECRET_KEY=... -e ALLOWED_HOSTS=crm.example.com \
#       -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -p 8000:8000 telesales-crm

# --- build: dependencies and the project, from pyproject.toml, into /opt/venv -----------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# gettext: msgfmt, to compile the translations (.po -> .mo) below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv

# The pinned runtime dependencies first, from pyproject.toml alone, so this layer is
# rebuilt only when they change, not on every source edit.
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the project itself (`pip install .`; its dependencies are already there).
COPY . .
RUN pip install . \
    && rm -rf build ./*.egg-info

# Compiled translations (the UI is Chinese first; English is the fallback language).
RUN if find . -name '*.po' -not -path './.venv/*' | grep -q .; then \
        DJANGO_SETTINGS_MODULE=crm.settings.local python manage.py compilemessages -v1 --ignore=.venv; \
    fi

# --- runtime ------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

# The installed wheel holds the Python packages only; templates/, static/ and locale/ live
# next to manage.py, and settings find them from their own path (BASE_DIR). So the code
# runs from /app (first on PYTHONPATH), the same tree `make run` uses.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=crm.settings.production \
    MEDIA_ROOT=/var/lib/crm/media

RUN groupadd --system --gid 10001 crm \
    && useradd --system --uid 10001 --gid crm --home-dir /var/lib/crm --no-create-home \
        --shell /usr/sbin/nologin crm \
    && mkdir -p /var/lib/crm/media \
    && chown -R crm:crm /var/lib/crm

COPY --from=build /opt/venv /opt/venv
# Code and static files stay owned by root: the app user can read them, not change them.
COPY --from=build /src /app
WORKDIR /app

# Static files are collected into the image (STATIC_ROOT, served by WhiteNoise). Production
# settings demand a secret and hosts: throwaway values, set for this command only, never
# stored in the image.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v1

# Writable state (Celery beat's schedule, uploaded media) lives in /var/lib/crm, owned by
# the app user; docker-compose.yml mounts named volumes there.
USER crm:crm
EXPOSE 8000

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (see production.py).
# Workers, timeouts, graceful shutdown and access log: crm/gunicorn.conf.py (environment).
CMD ["gunicorn", "crm.wsgi:application", "-c", "crm/gunicorn.conf.py"]
