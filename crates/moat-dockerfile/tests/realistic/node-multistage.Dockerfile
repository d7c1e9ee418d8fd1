FROM node:20.15.1-alpine3.20 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:20.15.1-alpine3.20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12:nonroot
LABEL org.opencontainers.image.title="web"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
HEALTHCHECK --interval=30s CMD ["/nodejs/bin/node", "dist/healthcheck.js"]
CMD ["dist/main.js"]
