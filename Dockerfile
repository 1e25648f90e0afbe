# syntax=docker/dockerfile:1
# deadletter-operator image: a Maven build stage, a jlink runtime with the Debian libraries it needs, and a
# final stage from scratch (no shell, no package manager) that runs as the non-root user 65532.
#   docker build -t REGISTRY/deadletter-operator:0.1.0 .
# The chart runs it with a read-only root filesystem and an emptyDir at /tmp.
#
# hack/image.sh builds the same image without Docker: it runs the same hack/image/base.sh and takes the
# final stage's ARG, LABEL, USER, ENV, WORKDIR, EXPOSE, ENTRYPOINT and COPY lines from this file
# (hack/image/dockerfile.py), so keep that stage to those instructions.

# The jar is the same on every platform: a multi-arch build (release.yml) compiles it once, natively, on the
# builder's platform.
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so that a source change does not download them again.
COPY pom.xml .
RUN mvn -B -q -ntp dependency:go-offline
COPY src ./src
RUN mvn -B -q -ntp package -Dmaven.test.skip=true

# The runtime, per target platform (under QEMU for a foreign one): Debian's JDK for jlink and its jmods,
# and apt-get download for the libraries (hack/image/debian-packages).
FROM debian:bookworm-slim AS base
RUN apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless
COPY hack/image/ /image/
RUN /image/base.sh /rootfs /var/cache/debs

FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
COPY --from=base /rootfs/ /
# The jar's manifest puts lib/*.jar on its class path (maven-jar-plugin addClasspath, classpathPrefix lib/).
# Owned by root and read-only to the operator.
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/deadletter-operator.jar /app/deadletter-operator.jar
LABEL org.opencontainers.image.title="deadletter-operator" \
      org.opencontainers.image.source="https://github.com/deadletter-dev/deadletter-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
WORKDIR /app
# A numeric UID, so that the kubelet can verify runAsNonRoot without a passwd entry.
USER 65532:65532
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
ENTRYPOINT ["/opt/java/openjdk/bin/java", "-jar", "/app/deadletter-operator.jar"]
