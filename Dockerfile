# The worker (and the whole `runbook` CLI) as an image: `docker-compose up` builds it.
# Build stage: the same Maven wrapper and pinned versions as a developer's machine.
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl cli -am package

# Runtime: a JRE, the shaded jar, the runbook catalog; runs as an unprivileged user.
FROM eclipse-temurin:21-jre
RUN useradd --system --uid 10001 --home-dir /opt/runbook runbook
WORKDIR /opt/runbook
COPY --from=build /src/cli/target/runbook.jar /opt/runbook/runbook.jar
COPY runbooks /opt/runbook/runbooks
COPY schemas /opt/runbook/schemas
USER runbook
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-jar", "/opt/runbook/runbook.jar"]
CMD ["worker", "--env", "local"]
