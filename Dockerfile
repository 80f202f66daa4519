# 售后助手 as a container: `docker compose up` (compose.yaml) runs two of these behind a proxy, with PostgreSQL.
# Build stage: the wheel (code, templates, static files, migrations, default content) into a virtualenv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY intents ./intents
COPY phrasebook ./phrasebook
COPY policy ./policy
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /src

# Runtime stage: the virtualenv alone, run as an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    CACHE_DIR=/opt/cache \
    ADMIN_KEY_FILE=/srv/data/admin-key.txt \
    WATCH_CONTENT=false
RUN groupadd --system --gid 10001 shouhou \
    && useradd --system --uid 10001 --gid shouhou --home-dir /srv --no-create-home shouhou \
    && mkdir -p /srv/data /opt/cache \
    && chown shouhou:shouhou /srv/data /opt/cache
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /srv
# The tokenizer's dictionary cache and the parsed content, built now (warm) so that a container starts in
# about a second instead of building them on every start. CONTENT_DIR may point at a mounted folder instead;
# its cache is then built at the first start.
RUN python -m app warm
EXPOSE 8000
# Liveness only (/healthz never touches the database); the proxy and orchestrators use /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
CMD ["python", "-m", "app"]
