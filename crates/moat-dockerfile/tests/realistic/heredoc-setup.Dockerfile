# syntax=docker/dockerfile:1.7
FROM debian:12.6-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u6 jq=1.6-2.1
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-EOT /etc/app/config.yaml
	listen: 0.0.0.0:8080
	log: info
	EOT
RUN useradd --uid 10001 app
USER 10001
LABEL org.opencontainers.image.source="https://github.com/example/tool"
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/tool"]
