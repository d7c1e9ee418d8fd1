FROM golang:1.22.5 AS build
COPY api/ /src/api/
# expect: MOAT-632
RUN cd /src/api && go build -o /out/api .
# expect: MOAT-636
FROM golang:1.22.5 AS build
COPY worker/ /src/worker/
RUN go build -C /src/worker -o /out/worker .
# expect: MOAT-628, MOAT-639
FROM debian:12.6-slim
COPY --from=build /out/ /usr/local/bin/
USER nobody
CMD ["/usr/local/bin/api"]
