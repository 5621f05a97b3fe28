# The image of every pipeline service in compose.yaml: `pipeline schedule` workers and
# `pipeline serve`. The command is the container's arguments: `docker run IMAGE schedule ...`.
FROM python:3.12-slim

WORKDIR /srv/care-manager-alerts
COPY pyproject.toml setup.py README.md ./
COPY pipeline ./pipeline
COPY models ./models
RUN pip install --no-cache-dir . \
 && useradd --system --home-dir /srv/care-manager-alerts alerts \
 && mkdir -p /var/cache/pipeline \
 && chown alerts /var/cache/pipeline

# jobs.yaml, resumes and profiles are mounted at /config (see compose.yaml).
USER alerts
ENTRYPOINT ["pipeline"]
CMD ["schedule", "--config", "/config/jobs.yaml"]
