# syntax=docker/dockerfile:1
FROM node:20.15.1-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

FROM node:20.15.1-bookworm-slim
LABEL org.opencontainers.image.source="https://github.com/example/api"
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node src ./src
USER node
HEALTHCHECK CMD ["node", "src/health.js"]
ENTRYPOINT ["node", "src/index.js"]
