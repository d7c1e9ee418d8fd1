FROM eclipse-temurin:21.0.3_9-jdk-alpine AS jre
RUN $JAVA_HOME/bin/jlink --add-modules java.base,java.logging,java.sql \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output /jre

FROM gradle:8.8.0-jdk21-alpine AS build
WORKDIR /home/gradle/src
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon

# expect: MOAT-628
FROM alpine:3.20.1
LABEL org.opencontainers.image.source="https://github.com/example/billing"
ENV JAVA_HOME=/opt/jre PATH="/opt/jre/bin:$PATH"
COPY --from=jre /jre /opt/jre
COPY --from=build /home/gradle/src/build/libs/app.jar /app.jar
RUN addgroup -S app && adduser -S -G app -u 10001 app
USER app
ENTRYPOINT ["java", "-jar", "/app.jar"]
