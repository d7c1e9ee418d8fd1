# expect: MOAT-628, MOAT-639
FROM node:20.15.1-slim
# expect: MOAT-646
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
# expect: MOAT-646
RUN npm config set strict-ssl false && npm install -g @company/cli@2.1.0
# expect: MOAT-646
RUN git config --global http.sslVerify false
# expect: MOAT-622
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
USER node
CMD ["company-cli"]
