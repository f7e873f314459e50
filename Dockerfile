# syntax=docker/dockerfile:1
# Production image: gunicorn serving config.wsgi on :8000. The same image runs the Celery
# worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    DJANGO_MEDIA_ROOT=/var/lib/app/media

# WeasyPrint's PyPI wheels load Pango and HarfBuzz at run time; fonts-noto-cjk is the
# Chinese font the PDFs embed; gettext compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        libffi8 \
        gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .
# Again without dependencies, in case the project ever ships packages of its own.
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Settings refuse DEBUG=0 without a secret: the build gets a throwaway one.
RUN set -eu; \
    export DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only-not-a-secret; \
    python manage.py collectstatic --noinput --verbosity 0; \
    if find . -path '*/locale/*.po' -print -quit | grep -q .; then \
        python manage.py compilemessages --verbosity 0; \
    fi; \
    mkdir -p /app/var /var/lib/app/media; \
    chown -R app:app /app/var /var/lib/app; \
    chmod 0755 docker/entrypoint.sh

USER app
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
# /dev/shm for the worker heartbeat: an overlay filesystem can stall it. Workers come
# from WEB_CONCURRENCY (gunicorn reads it).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--timeout", "120", "--access-logfile", "-"]
