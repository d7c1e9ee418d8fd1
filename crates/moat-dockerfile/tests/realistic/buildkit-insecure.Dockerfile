# syntax=docker/dockerfile:1-labs
FROM docker:27.0.3-dind AS test
# expect: MOAT-644
RUN --security=insecure dockerd-entrypoint.sh & sleep 5 && docker build -t t .
# expect: MOAT-644
RUN --network=host curl -fsS http://127.0.0.1:2375/version

# expect: MOAT-628, MOAT-639
FROM alpine:3.20
COPY --from=test /etc/os-release /os-release
USER 65534
