# Build: ./mvnw package inside a JDK image, then split the jar into layers so dependency layers are cached.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY db db
COPY openapi.yaml ./
RUN ./mvnw -B -q package -DskipTests \
 && java -Djarmode=tools -jar target/budget-ledger-*.jar extract --layers --launcher --destination /layers

# Run: a JRE, a non-root user, one layer per rate of change.
FROM eclipse-temurin:17-jre
RUN useradd --system --no-create-home --uid 10001 ledger
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "org.springframework.boot.loader.launch.JarLauncher"]
