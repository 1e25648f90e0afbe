# syntax=docker/dockerfile:1
# deadletter-operator image: a Maven build stage, then a JRE runtime that runs as a non-root user.
#   docker build -t REGISTRY/deadletter-operator:0.1.0 .
# The chart runs it with a read-only root filesystem and an emptyDir at /tmp.

# The jar is the same on every platform: a multi-arch build (release.yml) compiles it once, natively, on the
# builder's platform, and only the runtime stage is per platform (it runs nothing, so needs no emulation).
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so that a source change does not download them again.
COPY pom.xml .
RUN mvn -B -q -ntp dependency:go-offline
COPY src ./src
RUN mvn -B -q -ntp package -Dmaven.test.skip=true

FROM eclipse-temurin:17-jre
# The jar's manifest puts lib/*.jar on its class path (maven-jar-plugin addClasspath, classpathPrefix lib/).
COPY --from=build --chown=65532:65532 /src/target/lib/ /app/lib/
COPY --from=build --chown=65532:65532 /src/target/deadletter-operator.jar /app/deadletter-operator.jar
WORKDIR /app
# A numeric UID, so that the kubelet can verify runAsNonRoot without a passwd entry.
USER 65532:65532
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/deadletter-operator.jar"]
