# syntax=docker/dockerfile:1
# Gateway image.
#   Where registries are reachable:  docker build -t gateway:dev .   (podman build / buildah bud alike)
#   Without a registry or a daemon:  k8s/image/build.sh               (local Debian bases, buildah)
# BUILD_BASE: a JDK 17 with Maven 3.8+ (`mvn` on the PATH). BASE: a Java 17 runtime (`java` on the
# PATH) with groupadd/useradd, e.g. a Debian or Ubuntu JRE image.
ARG BUILD_BASE=maven:3.9-eclipse-temurin-17
ARG BASE=eclipse-temurin:17-jre

# Build stage: Maven needs every module pom of the reactor (load-tests is only a pom here); the
# tests are not compiled (their dependencies are still resolved, and cached between builds).
FROM ${BUILD_BASE} AS build
WORKDIR /src
COPY pom.xml ./
COPY gateway/pom.xml gateway/
COPY load-tests/pom.xml load-tests/
COPY gateway/src/main gateway/src/main
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -Dmaven.test.skip=true package -pl gateway -am

FROM ${BASE}
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
