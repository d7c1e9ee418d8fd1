# expect: MOAT-628, MOAT-639
FROM node:18
# expect: MOAT-621
ARG NPM_TOKEN
WORKDIR /app
# expect: MOAT-623
COPY .npmrc package.json package-lock.json ./
# expect: MOAT-624
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" >> .npmrc && \
    npm ci && \
    rm -f .npmrc
# expect: MOAT-620
RUN npm install -g pm2
COPY . .
USER node
CMD ["pm2-runtime", "server.js"]
