package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The fat jar ({@code target/runbook.jar}, built by the shade plugin in {@code package}) finds
 * Flyway's database plugins: the {@code META-INF/services} files of flyway-core,
 * flyway-database-postgresql and flyway-mysql are merged (ServicesResourceTransformer), not the
 * last one winning, which would make Flyway say "No database found to handle jdbc:..." (flyway
 * #3774). Run by failsafe after the jar exists.
 */
class ShadedJarIT {
  private static final String PLUGINS = "META-INF/services/org.flywaydb.core.extensibility.Plugin";
  private static final Path JAR = Path.of("target", "runbook.jar");

  @Test
  void theServicesFileListsTheCorePostgresqlAndMysqlPlugins() throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " was not built");
    String services;
    try (ZipFile zip = new ZipFile(JAR.toFile())) {
      services =
          new String(
              zip.getInputStream(zip.getEntry(PLUGINS)).readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String plugin :
        List.of(
            "org.flywaydb.core.internal.scanner.filesystem.FilesystemLocationHandler",
            "org.flywaydb.database.postgresql.PostgreSQLDatabaseType",
            "org.flywaydb.database.mysql.MySQLDatabaseType",
            "org.flywaydb.database.mysql.mariadb.MariaDBDatabaseType")) {
      assertTrue(services.lines().anyMatch(plugin::equals), plugin + " missing in\n" + services);
    }
  }

  @Test
  void flywaysPluginDiscoveryInsideTheJarAloneFindsTheDatabaseTypes() throws Exception {
    List<String> found = new ArrayList<>();
    try (URLClassLoader jarOnly =
        new URLClassLoader(new URL[] {JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      Class<?> plugin = jarOnly.loadClass("org.flywaydb.core.extensibility.Plugin");
      for (ServiceLoader.Provider<?> provider :
          ServiceLoader.load(plugin, jarOnly).stream().toList()) {
        found.add(provider.type().getName());
      }
    }
    for (String type :
        List.of(
            "org.flywaydb.database.postgresql.PostgreSQLDatabaseType",
            "org.flywaydb.database.mysql.MySQLDatabaseType",
            "org.flywaydb.database.mysql.mariadb.MariaDBDatabaseType")) {
      assertTrue(found.contains(type), type + " not found by ServiceLoader in " + found);
    }
  }
}
