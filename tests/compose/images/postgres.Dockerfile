# Stand-in for the official postgres image, from Debian's packages on the locally built
# base: the same POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB variables and data folder.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data \
 && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/
USER postgres
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
