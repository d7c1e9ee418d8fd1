FROM rust:1.79-alpine3.20 AS build
RUN apk add --no-cache musl-dev=1.2.5-r0
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked

# expect: MOAT-628, MOAT-639
FROM gcr.io/distroless/static-debian12:nonroot
# expect: MOAT-637
COPY --from=biuld /src/target/release/tool /tool
ENTRYPOINT ["/tool"]
