FROM python:3.12.4-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential=12.9 \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

FROM python:3.12.4-slim-bookworm
LABEL org.opencontainers.image.source="https://github.com/example/worker"
RUN useradd --uid 10001 --no-create-home worker
COPY --from=build /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY --chown=10001:10001 worker/ /app/worker/
WORKDIR /app
USER 10001
HEALTHCHECK NONE
ENTRYPOINT ["python", "-m", "worker"]
