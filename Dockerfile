# syntax=docker/dockerfile:1
# Gateway image: docker build -t gateway:dev .
# Build stage: Maven needs every module pom of the reactor (load-tests is only a pom here).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY gateway/pom.xml gateway/
COPY load-tests/pom.xml load-tests/
COPY gateway/src gateway/src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -DskipTests package -pl gateway -am

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin gateway
WORKDIR /app
COPY --from=build --chown=10001:10001 /src/gateway/target/gateway.jar /app/gateway.jar
# Serial GC with a small young generation keeps resident memory near the live heap: about 18 kB
# per idle connection instead of 25-32 kB (load-tests/BENCHMARK.md); right for 1-2 core pods.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+UseSerialGC -Xmn16m -XX:+ExitOnOutOfMemoryError"
# 8080: HTTP/WebSocket/SockJS, /metrics, /health/*; 5701: Hazelcast; the event-bus port is
# set with GATEWAY_CLUSTER_EVENTBUS_PORT (5702 in k8s/).
EXPOSE 8080 5701
USER 10001:10001
ENTRYPOINT ["java", "-jar", "/app/gateway.jar"]
