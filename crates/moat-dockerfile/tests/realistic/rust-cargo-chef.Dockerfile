FROM lukemathwalker/cargo-chef:0.1.67-rust-1.79-slim-bookworm AS chef
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --bin api

# expect: MOAT-628
FROM debian:12.6-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /app/target/release/api /usr/local/bin/api
RUN useradd --uid 10001 api
USER api
LABEL org.opencontainers.image.source="https://github.com/example/api"
ENTRYPOINT ["/usr/local/bin/api"]
