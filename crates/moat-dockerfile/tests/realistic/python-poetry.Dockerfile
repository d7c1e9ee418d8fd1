# expect: MOAT-628
FROM python:3.11.9-slim AS base
ENV PIP_NO_CACHE_DIR=1 \
    POETRY_VERSION=1.8.3
RUN pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false && poetry install --only main --no-root
COPY app ./app
RUN useradd -r -u 10001 app
USER app
LABEL org.opencontainers.image.version="1.0.0"
CMD ["python", "-m", "app"]
