# Stand-in for the official redis image, from Debian's package on the locally built base.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
USER redis
WORKDIR /data
CMD ["redis-server"]
