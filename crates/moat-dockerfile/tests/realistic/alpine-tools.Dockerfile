# expect: MOAT-628, MOAT-639
FROM alpine:3.20
# expect: MOAT-614, MOAT-618
RUN apk add --update curl bash jq
RUN adduser -D -u 10001 ops
COPY scripts/ /usr/local/bin/
# expect: MOAT-627
RUN chmod +x /usr/local/bin/*.sh && chmod u+s /usr/local/bin/backup.sh
USER ops
ENTRYPOINT ["/usr/local/bin/run.sh"]
