# expect: MOAT-600, MOAT-628, MOAT-639
FROM node:20.15.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /usr/src/app
COPY package*.json ./
# expect: MOAT-616
RUN npm install
COPY . .
EXPOSE 3000
CMD ["node", "server.js"]
