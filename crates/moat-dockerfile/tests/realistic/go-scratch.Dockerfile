FROM golang:1.22.5-alpine3.20 AS builder
RUN apk add --no-cache ca-certificates=20240705-r0 git=2.45.2-r0
WORKDIR /build
COPY . .
RUN CGO_ENABLED=0 go build -o /app .

# expect: MOAT-628, MOAT-639
FROM scratch
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /app /app
USER 10001
ENTRYPOINT ["/app"]
