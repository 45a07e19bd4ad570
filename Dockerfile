# Sluice as a container image: built with Maven and JDK 17, run on a JRE 17 as a non-root user.
# Not built in this repository's CI (its machines have no Docker daemon); DockerfileTest checks
# that every path it copies exists.
#
#   docker build --build-arg SLUICE_COMMIT=$(git rev-parse --short=12 HEAD) -t sluice:0.1.0-SNAPSHOT .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY common/pom.xml common/
COPY limiter/pom.xml limiter/
COPY jobs/pom.xml jobs/
COPY benchmarks/pom.xml benchmarks/
COPY redis/pom.xml redis/
COPY k8s/pom.xml k8s/
COPY api/pom.xml api/
COPY loadtest/pom.xml loadtest/
COPY common/src common/src
COPY limiter/src limiter/src
COPY jobs/src jobs/src
COPY redis/src redis/src
COPY k8s/src k8s/src
COPY api/src api/src
# .git is not copied: the commit that /version reports comes in as a build argument.
ARG SLUICE_COMMIT=unknown
# The local repository is a BuildKit cache, kept between builds.
RUN --mount=type=cache,target=/root/.m2 SLUICE_COMMIT=${SLUICE_COMMIT} mvn -B -q -pl api -am package -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 sluice \
    && useradd --system --uid 10001 --gid 10001 --home-dir /opt/sluice --shell /usr/sbin/nologin sluice
COPY --from=build /src/api/target/sluice.jar /opt/sluice/sluice.jar
USER 10001:10001
WORKDIR /opt/sluice
# 8080: /events, /builds, health. 9090: the admin port (metrics, limits, version).
EXPOSE 8080 9090
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["java", "-jar", "/opt/sluice/sluice.jar"]
