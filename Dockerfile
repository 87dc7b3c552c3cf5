# syntax=docker/dockerfile:1
# Cadence: `cadence-bot run` (gunicorn, WEB_CONCURRENCY workers) as a non-root user.
# Build:  docker build -t cadence .      Run with PostgreSQL:  docker compose up

# One pinned base for both stages (a version tag; pin a digest too where you mirror images).
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# ---- build: the locked dependencies and Cadence itself, into /app/.venv ----------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --extra postgres --no-install-project
COPY bot ./bot
COPY cadence ./cadence
COPY handlers ./handlers
COPY storage ./storage
COPY slackfake ./slackfake
COPY playground ./playground
RUN uv sync --locked --no-dev --extra postgres --no-editable

# ---- runtime: the virtual environment only, no build tools, no uv ---------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 cadence \
    && useradd --system --uid 10001 --gid cadence --home-dir /data --no-create-home cadence \
    && mkdir -p /data \
    && chown cadence:cadence /data
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    LOG_FORMAT=json \
    DATABASE_URL=sqlite:////data/cadence.db \
    PROMETHEUS_MULTIPROC_DIR=/tmp/cadence-metrics
WORKDIR /data
USER cadence
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
CMD ["cadence-bot", "run"]
