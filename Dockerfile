# syntax=docker/dockerfile:1
#
# Production image of PCGD-XMC: Django + Channels served by daphne (ASGI: HTTP and
# websockets). The Celery worker and the one-off commands (migrate, createsuperuser)
# run from the same image. docker-compose.yml puts it together with PostgreSQL,
# Redis and nginx; docs/deploy.md explains the settings.
#
#   docker build -t pcgd .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=... \
#              -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... pcgd

# ---- build: a virtualenv holding the dependencies of pyproject.toml ----------
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /build
# pyproject.toml alone, so this layer is rebuilt only when the dependencies change.
# It declares `[tool.setuptools] packages = []`: `pip install .` installs every
# dependency plus an empty "pcgd" distribution (metadata only). The code is not
# installed as a package; it is copied into /app below and run from there.
# (psycopg[binary], pillow and the rest ship wheels: no compiler is needed.)
COPY pyproject.toml ./
RUN pip install . \
 && pip check

# ---- runtime -------------------------------------------------------------------
FROM python:3.12-slim

LABEL org.opencontainers.image.title="pcgd" \
      org.opencontainers.image.description="PCGD-XMC household survey system (Django, Channels, Celery)"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=server.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# The processes run as an unprivileged user; the code and the virtualenv stay
# owned by root (read-only for it). Only media/ and staticfiles/ are its own, so
# that volumes mounted there start with the right owner.
RUN groupadd --system --gid 10001 pcgd \
 && useradd --system --uid 10001 --gid pcgd --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin pcgd

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY . .

# Translations (.po -> .mo, pure Python, no gettext needed) and bytecode, as root.
RUN python scripts/compile_messages.py \
 && python -m compileall -q /app \
 && mkdir -p "$STATIC_ROOT" "$MEDIA_ROOT" \
 && chown pcgd:pcgd "$STATIC_ROOT" "$MEDIA_ROOT"

# Numeric, so that runtimes can verify it is not root (runAsNonRoot).
USER 10001:10001

# Static files, hashed and compressed (WhiteNoise's manifest storage), baked into
# the image: WhiteNoise serves them when the image runs alone, and nginx serves
# the copy that `collectstatic` writes into the shared volume (docker-compose.yml).
# The settings refuse to load without SECRET_KEY when DEBUG is off: a throwaway
# value for this one command, not kept in the image (real keys come at run time).
RUN DEBUG=0 SECRET_KEY=build-time-only-collectstatic-not-a-real-secret-key-0000 \
    python manage.py collectstatic --noinput -v 0

EXPOSE 8000

# One daphne process per container; run more containers (replicas) to scale out.
# Behind a reverse proxy add --proxy-headers (docker-compose.yml does).
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "server.asgi:application"]
