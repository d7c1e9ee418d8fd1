# expect: MOAT-628
FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y shadow-utils-4.9 && microdnf clean all
RUN useradd -u 10001 app
USER 10001
LABEL org.opencontainers.image.source="https://github.com/example/ubi"
CMD ["/bin/sleep", "infinity"]
