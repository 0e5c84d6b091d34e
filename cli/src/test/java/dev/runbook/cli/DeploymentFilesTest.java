package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.workflow.RunSearchAttributes;
import io.temporal.common.SearchAttributeKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The production deployment files: docker-compose.yml (checked by docker-compose itself, which
 * .ci/run installs; no Docker engine is needed), the Dockerfile, the scripts the admin tools run
 * and the worker's environment file.
 */
class DeploymentFilesTest {
  private static final Path ROOT = Cli.root();

  record Outcome(int exitCode, String out, String err) {}

  private static Outcome run(List<String> command) throws Exception {
    Path out = Files.createTempFile("compose", ".out");
    Path err = Files.createTempFile("compose", ".err");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(ROOT.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish in 2 minutes");
      }
      return new Outcome(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** docker-compose's own view of the file: every default filled in, every path absolute. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> resolvedCompose() throws Exception {
    Outcome outcome = run(List.of("docker-compose", "-f", "docker-compose.yml", "config"));
    assertEquals(0, outcome.exitCode(), outcome.err());
    return (Map<String, Object>)
        new Load(LoadSettings.builder().build()).loadFromString(outcome.out());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(Map<String, Object> compose, String name) {
    return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
  }

  /**
   * {@code host_ip:published} of a port: docker-compose 1.x prints the short syntax ({@code
   * 127.0.0.1:7233:7233/tcp}), Compose v2 the long one (a map).
   */
  @SuppressWarnings("unchecked")
  private static String hostAddress(Object port) {
    if (port instanceof Map<?, ?> mapping) {
      return mapping.get("host_ip") + ":" + mapping.get("published");
    }
    String[] parts = ((String) port).split(":");
    return parts[0] + ":" + parts[1];
  }

  /** {@code [source, target]} of a volume, in either syntax (see {@link #hostAddress}). */
  private static String[] mount(Object volume) {
    if (volume instanceof Map<?, ?> mapping) {
      return new String[] {(String) mapping.get("source"), (String) mapping.get("target")};
    }
    String[] parts = ((String) volume).split(":");
    return new String[] {parts[0], parts[1]};
  }

  @Test
  void dockerComposeAcceptsTheFile() throws Exception {
    Outcome outcome = run(List.of("docker-compose", "-f", "docker-compose.yml", "config", "-q"));

    assertEquals(0, outcome.exitCode(), outcome.err());
    assertEquals("", outcome.err());
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsTemporalOnPostgresTheUiTheSetupTheWorkerAndADemoDatabase() throws Exception {
    Map<String, Object> compose = resolvedCompose();
    Map<String, Object> services = (Map<String, Object>) compose.get("services");

    assertEquals(
        new TreeSet<>(
            List.of(
                "postgresql",
                "temporal-schema",
                "temporal",
                "temporal-setup",
                "temporal-ui",
                "demo-db",
                "worker")),
        new TreeSet<>(services.keySet()));
    Map<String, Object> temporal = service(compose, "temporal");
    assertTrue(((String) temporal.get("image")).startsWith("temporalio/server:"));
    Map<String, String> environment = (Map<String, String>) temporal.get("environment");
    assertEquals("postgres12", environment.get("DB"));
    assertEquals("postgresql", environment.get("POSTGRES_SEEDS"));
    assertTrue(
        ((String) service(compose, "temporal-ui").get("image")).startsWith("temporalio/ui:"));
    Map<String, Object> worker = service(compose, "worker");
    assertEquals(
        List.of(
            "worker",
            "--env",
            "local",
            "--environments",
            "/etc/runbook/environments",
            "--address",
            "temporal:7233",
            "--namespace",
            "default"),
        worker.get("command"));
    Map<String, Object> build = (Map<String, Object>) worker.get("build");
    assertEquals(ROOT.toAbsolutePath().toString(), build.get("context"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyPublishedPortIsBoundToLoopbackOnly() throws Exception {
    Map<String, Object> services = (Map<String, Object>) resolvedCompose().get("services");
    List<String> published = new ArrayList<>();
    services.forEach(
        (name, definition) -> {
          Object ports = ((Map<String, Object>) definition).get("ports");
          if (ports == null) {
            return;
          }
          for (Object port : (List<Object>) ports) {
            published.add(name + " " + hostAddress(port));
          }
        });

    assertEquals(
        List.of("temporal 127.0.0.1:7233", "temporal-ui 127.0.0.1:8080", "demo-db 127.0.0.1:15432"),
        published.stream()
            .sorted(
                (a, b) ->
                    Integer.compare(
                        List.of("temporal", "temporal-ui", "demo-db").indexOf(a.split(" ")[0]),
                        List.of("temporal", "temporal-ui", "demo-db").indexOf(b.split(" ")[0])))
            .toList());
  }

  @Test
  @SuppressWarnings("unchecked")
  void theWorkerMountsTheEnvironmentFilesAndTheSecretsFileItsEnvironmentNames() throws Exception {
    Map<String, Object> worker = service(resolvedCompose(), "worker");
    Map<String, String> mounts = new LinkedHashMap<>();
    for (Object volume : (List<Object>) worker.get("volumes")) {
      String[] mount = mount(volume);
      mounts.put(mount[1], mount[0]);
    }

    assertEquals(
        ROOT.resolve("deploy/environments").toString(), mounts.get("/etc/runbook/environments"));
    String secrets = mounts.get("/run/runbook/local-secrets.yaml");
    assertEquals(ROOT.resolve("deploy/demo-secrets.yaml").toString(), secrets);
    String environment =
        Files.readString(ROOT.resolve("deploy/environments/local.yaml"), StandardCharsets.UTF_8);
    assertTrue(environment.contains("file: /run/runbook/local-secrets.yaml"), environment);
  }

  @Test
  void theWorkersEnvironmentFileIsValidAndHasTheCatalogsDatabases() throws Exception {
    Cli.Result result =
        Cli.run("validate", ROOT.resolve("deploy/environments/local.yaml").toString());

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("checked 1 file(s): no problems\n", result.out());
    assertEquals(
        databaseNames(ROOT.resolve("runbooks/environments/local.yaml")),
        databaseNames(ROOT.resolve("deploy/environments/local.yaml")));
  }

  @SuppressWarnings("unchecked")
  private static TreeSet<String> databaseNames(Path environment) throws Exception {
    Map<String, Object> document =
        (Map<String, Object>)
            new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(environment, StandardCharsets.UTF_8));
    return new TreeSet<>(((Map<String, Object>) document.get("databases")).keySet());
  }

  @Test
  void theSetupRegistersExactlyTheSearchAttributesTheEngineSets() throws Exception {
    String script =
        Files.readString(
            ROOT.resolve("deploy/scripts/register-search-attributes.sh"), StandardCharsets.UTF_8);
    Map<String, String> registered = new TreeMap<>();
    Matcher line = Pattern.compile("(?m)^register (\\w+) (\\w+)$").matcher(script);
    while (line.find()) {
      registered.put(line.group(1), line.group(2));
    }

    Map<String, String> expected = new TreeMap<>();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      expected.put(key.getName(), cliTypeName(key));
    }
    assertEquals(expected, registered);
  }

  /** The `--type` value of `temporal operator search-attribute create` for a key. */
  private static String cliTypeName(SearchAttributeKey<?> key) {
    return switch (key.getValueType()) {
      case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
      case INDEXED_VALUE_TYPE_INT -> "Int";
      case INDEXED_VALUE_TYPE_KEYWORD_LIST -> "KeywordList";
      case INDEXED_VALUE_TYPE_TEXT -> "Text";
      case INDEXED_VALUE_TYPE_BOOL -> "Bool";
      case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
      case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
      default -> throw new AssertionError("no CLI type for " + key.getValueType());
    };
  }

  @Test
  void theShellScriptsParse() throws Exception {
    for (String script :
        List.of(
            "deploy/scripts/setup-temporal-db.sh",
            "deploy/scripts/register-search-attributes.sh",
            "deploy/demo-db/init-demo-db.sh")) {
      Outcome outcome = run(List.of("sh", "-n", script));
      assertEquals(0, outcome.exitCode(), script + ": " + outcome.err());
    }
  }

  @Test
  void theDockerfileCopiesPathsThatExistAndRunsTheShadedJar() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"), StandardCharsets.UTF_8);
    Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(dockerfile);
    int copies = 0;
    while (copy.find()) {
      copies++;
      assertTrue(Files.exists(ROOT.resolve(copy.group(1))), copy.group(1) + " does not exist");
    }
    assertEquals(3, copies, dockerfile);
    String cliPom = Files.readString(ROOT.resolve("cli/pom.xml"), StandardCharsets.UTF_8);
    assertTrue(cliPom.contains("<finalName>runbook</finalName>"), "the shaded jar's name changed");
    assertTrue(dockerfile.contains("/src/cli/target/runbook.jar"), dockerfile);
    assertTrue(dockerfile.contains("USER runbook"), "the worker must not run as root");
  }

  @Test
  void theDemoDatabaseAndTheWorkerShareOnePasswordFromTheSecretsFile() throws Exception {
    String init =
        Files.readString(ROOT.resolve("deploy/demo-db/init-demo-db.sh"), StandardCharsets.UTF_8);
    assertTrue(init.contains("SECRETS=/run/runbook/local-secrets.yaml"), init);
    Outcome outcome =
        run(
            List.of(
                "sh",
                "-c",
                "sed -n 's/^ *password: *//p' deploy/demo-secrets.yaml | sort -u | wc -l"));
    assertEquals("1", outcome.out().trim(), "one password for every demo secret");
  }
}
