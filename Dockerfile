# The grading service: `grader serve` with its embedded job runner, or, with
# GRADER_BROKER_URL set, `grader serve` queueing and `grader worker` grading
# (docker-compose.yml).
# Student code runs in bubblewrap, which needs user namespaces inside the
# container: see security_opt in docker-compose.yml.
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv python3-pip python3-seccomp bubblewrap make ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md Makefile ./
COPY grader ./grader
COPY assignments ./assignments
RUN python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir -e . \
 && make .sandbox-env/.installed PY=/app/.venv/bin/python \
 && useradd --create-home --uid 1000 grader \
 && mkdir -p /data && chown grader /data

USER grader
ENV GRADER_INSTANCE_PATH=/data PATH=/app/.venv/bin:$PATH
VOLUME /data
EXPOSE 5000
# an init as pid 1 reaps every orphan (the grader also reaps its own sandbox's, if it is pid 1)
ENTRYPOINT ["/usr/bin/tini", "--"]
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS http://127.0.0.1:5000/healthz || exit 1
CMD ["grader", "serve", "--host", "0.0.0.0", "--port", "5000"]
