# expect: MOAT-628, MOAT-639
FROM debian:12
# expect: MOAT-610, MOAT-617
RUN apt-get update && apt-get install -y curl ca-certificates && rm -rf /var/lib/apt/lists/*
# expect: MOAT-607, MOAT-610, MOAT-611, MOAT-617, MOAT-641
RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs
# expect: MOAT-608
RUN curl -sSLk https://install.example.com/agent.sh -o /tmp/agent.sh && sh /tmp/agent.sh
# expect: MOAT-607, MOAT-641
RUN wget -qO- https://get.example.io | sh -s -- -b /usr/local/bin
USER 1000
