# expect: MOAT-600, MOAT-603, MOAT-628, MOAT-639
FROM golang:latest
# expect: MOAT-638
MAINTAINER ops@example.com
# expect: MOAT-613
RUN apk update
# expect: MOAT-614, MOAT-618
RUN apk add git make
# expect: MOAT-606
ADD . /go/src/app
WORKDIR /go/src/app
RUN go get -d -v ./... && go install -v ./...
# expect: MOAT-625
EXPOSE 8080 22
# expect: MOAT-630
CMD app
