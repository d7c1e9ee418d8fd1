ARG ALPINE_VERSION=3.20
ARG KUBECTL_VERSION=1.30.2
# expect: MOAT-628, MOAT-639
FROM alpine:${ALPINE_VERSION}
# expect: MOAT-634
RUN wget -qO /usr/local/bin/kubectl https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl \
 && chmod 755 /usr/local/bin/kubectl
RUN adduser -D -u 10001 k
USER k
ENTRYPOINT ["kubectl"]
