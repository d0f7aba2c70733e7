# One image for every storyline process: the portal (serve), the live follower (follow), and
# one-off commands (migrate, ingest, prerender). compose.yaml runs it on PostgreSQL; alone,
#   docker build -t storyline . && docker run -p 8000:8000 -v storyline:/data storyline
# serves a SQLite store kept in the volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the package is built from: no .venv, stores or benchmark output of the checkout.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
 && useradd --system --uid 10001 --create-home --home-dir /data storyline

USER storyline
# Listen on every interface inside the container; compose decides what the host publishes.
ENV HOME=/data \
    STORYLINE_DB=/data/storyline.db \
    STORYLINE_HOST=0.0.0.0 \
    STORYLINE_PORT=8000
VOLUME ["/data"]
EXPOSE 8000

# Healthy when the portal answers from its store (the hot list's JSON reads it). Containers of
# this image that serve nothing (follow, migrate) switch it off in compose.yaml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/stories?limit=1' % os.environ.get('STORYLINE_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["storyline"]
CMD ["serve"]
