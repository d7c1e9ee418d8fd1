FROM node:20.15.1-alpine3.20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.27.0-alpine3.19
LABEL org.opencontainers.image.source="https://github.com/example/site"
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist /usr/share/nginx/html
EXPOSE 8080
USER 101
HEALTHCHECK CMD ["wget", "-q", "--spider", "http://localhost:8080/"]
