# The grading service: `grader serve` with its embedded job runner, or, with
# GRADER_BROKER_URL set, `grader serve` queueing and `grader worker` grading
# (docker-compose.yml).
# Student code runs in bubblewrap, which needs user namespaces and its own /proc
# inside the container: see security_opt in docker-compose.yml.
# BASE: any Debian bookworm image (the compose test builds one from Debian's packages).
ARG BASE=debian:bookworm-slim
FROM ${BASE}

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv python3-pip python3-seccomp bubblewrap make ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# exact versions of every Python package, the student environment's included
COPY constraints.txt ./
ENV PIP_CONSTRAINT=/app/constraints.txt PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# the student environment, then the service's dependencies: layers that change less often
# than the grader's own code
COPY Makefile ./
COPY grader/sandbox/seccomp_policy.py ./grader/sandbox/
RUN python3 -m venv .venv \
 && make .sandbox-env/.installed PY=/app/.venv/bin/python
COPY pyproject.toml ./
RUN .venv/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/requirements.txt \
 && .venv/bin/pip install -q -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt
COPY README.md ./
COPY grader ./grader
COPY assignments ./assignments
# the instance folder: shared by the group `grader` (setgid: what is made there stays
# in the group), in which each container runs as a user of its own (docker/grader)
RUN .venv/bin/pip install -q --no-deps -e . \
 && groupadd --gid 1000 grader \
 && mkdir -p /data && chown root:grader /data && chmod 2770 /data
COPY docker/grader /usr/local/bin/grader
ENV GRADER_INSTANCE_PATH=/data
VOLUME /data
EXPOSE 5000
# an init as pid 1 reaps every orphan (the grader also reaps its own sandbox's, if it is pid 1)
ENTRYPOINT ["/usr/bin/tini", "--"]
# the service answers and a real sandbox runs a tiny job
HEALTHCHECK --interval=30s --timeout=30s --start-period=60s --retries=3 \
  CMD ["grader", "selfcheck", "--url", "http://127.0.0.1:5000/healthz"]
CMD ["grader", "serve", "--host", "0.0.0.0", "--port", "5000"]
