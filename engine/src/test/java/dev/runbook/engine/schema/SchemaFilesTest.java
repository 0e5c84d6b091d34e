package dev.runbook.engine.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schema files in {@code schemas/} (copied into the engine jar under {@code schemas/}) are
 * well-formed 2020-12 schemas, describe every property, accept the shipped environment files and
 * example runbooks, and reject broken documents with the expected keyword at the expected place.
 */
class SchemaFilesTest {

  private static final String BASE_URI = "https://runbook.dev/schemas/";
  private static final String RUNBOOK = "runbook.schema.json";
  private static final String ENVIRONMENT = "environment.schema.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Path ROOT = repositoryRoot();

  private static SchemaRegistry registry;
  private static Schema runbookSchema;
  private static Schema environmentSchema;

  @BeforeAll
  static void loadSchemas() {
    registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder
                    // $id https://runbook.dev/schemas/x.json -> classpath resource schemas/x.json
                    .schemaIdResolvers(ids -> ids.mapPrefix(BASE_URI, "classpath:schemas/"))
                    .schemaRegistryConfig(
                        SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));
    runbookSchema = registry.getSchema(SchemaLocation.of(BASE_URI + RUNBOOK));
    environmentSchema = registry.getSchema(SchemaLocation.of(BASE_URI + ENVIRONMENT));
  }

  // ---------------------------------------------------------------- the schema files themselves

  @ParameterizedTest
  @ValueSource(strings = {RUNBOOK, ENVIRONMENT})
  void schemaIsValidAgainstTheDraft202012MetaSchema(String file) {
    JsonNode schema = classpathJson(file);
    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.path("$schema").asText());
    assertEquals(BASE_URI + file, schema.path("$id").asText());
    Schema meta =
        registry.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    assertNoErrors(file + " against the 2020-12 meta-schema", meta.validate(schema));
  }

  @ParameterizedTest
  @ValueSource(strings = {RUNBOOK, ENVIRONMENT})
  void everyPropertyAndDefinitionHasADescription(String file) {
    JsonNode schema = classpathJson(file);
    assertFalse(schema.path("description").asText().isBlank(), file + ": root description");
    List<String> missing = new ArrayList<>();
    collectMissingDescriptions(schema, "", false, missing);
    assertTrue(
        missing.isEmpty(),
        file + ": no non-blank description at\n  " + String.join("\n  ", missing));
  }

  @ParameterizedTest
  @ValueSource(strings = {RUNBOOK, ENVIRONMENT})
  void classpathCopyIsTheEditorCopy(String file) throws IOException {
    assertEquals(
        JSON.readTree(ROOT.resolve("schemas").resolve(file).toFile()),
        classpathJson(file),
        "the engine must validate with the very file editors use; rebuild the engine");
  }

  @Test
  void stepTypesAreExactlyThoseOfTheLanguageReference() throws IOException {
    Set<String> documented = documentedStepTypes();
    assertEquals(26, documented.size(), "step types in docs/runbook-language.md: " + documented);

    JsonNode schema = classpathJson(RUNBOOK);
    Set<String> uses = new LinkedHashSet<>();
    schema.at("/$defs/stepFields/properties/uses/enum").forEach(n -> uses.add(n.asText()));
    assertEquals(documented, uses, "stepFields.uses enum");

    Set<String> compensateUses = new LinkedHashSet<>();
    schema
        .at("/$defs/compensate/properties/uses/enum")
        .forEach(n -> compensateUses.add(n.asText()));
    assertEquals(documented, compensateUses, "compensate.uses enum");

    Set<String> withDefs = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> def : schema.get("$defs").properties()) {
      String name = def.getKey();
      if (name.startsWith("with.")) {
        withDefs.add(name.substring("with.".length()));
      }
    }
    assertEquals(documented, withDefs, "$defs with.<type>");

    Set<String> dispatched = new LinkedHashSet<>();
    for (JsonNode branch : schema.at("/$defs/withByType/allOf")) {
      String type = branch.at("/if/properties/uses/const").asText();
      assertEquals(
          "#/$defs/with." + type,
          branch.at("/then/properties/with/$ref").asText(),
          "withByType branch for " + type);
      dispatched.add(type);
    }
    assertEquals(documented, dispatched, "withByType if/then branches");
  }

  // ---------------------------------------------------------------- shipped documents are valid

  static Stream<Path> environmentFiles() throws IOException {
    return yamlFiles(ROOT.resolve("runbooks/environments"));
  }

  static Stream<Path> exampleRunbooks() throws IOException {
    return yamlFiles(ROOT.resolve("runbooks"));
  }

  @Test
  void expectedDocumentsExist() throws IOException {
    Set<String> environments =
        environmentFiles().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    assertTrue(
        environments.containsAll(Set.of("local.yaml", "stage.yaml", "prod.yaml")),
        environments.toString());
    Set<String> runbooks =
        exampleRunbooks().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    assertTrue(
        runbooks.containsAll(
            Set.of(
                "db-access.yaml",
                "emergency-data-fix.yaml",
                "snapshot.yaml",
                "pitr-rollback.yaml",
                "schema-migration.yaml",
                "migration-repair.yaml",
                "table-export.yaml")),
        runbooks.toString());
    String catalog = Files.readString(ROOT.resolve("runbooks/README.md"));
    for (String runbook : runbooks) {
      assertTrue(catalog.contains("`" + runbook + "`"), "runbooks/README.md lists " + runbook);
    }
  }

  @ParameterizedTest
  @MethodSource("environmentFiles")
  void environmentFileIsValid(Path file) throws IOException {
    assertModeline(file, "# yaml-language-server: $schema=../../schemas/environment.schema.json");
    JsonNode document = yaml(file);
    assertNoErrors(file.toString(), environmentSchema.validate(document));
    String name = file.getFileName().toString().replaceFirst("\\.yaml$", "");
    assertEquals(name, document.at("/metadata/name").asText(), "metadata.name = file name");
  }

  @ParameterizedTest
  @MethodSource("exampleRunbooks")
  void exampleRunbookIsValid(Path file) throws IOException {
    assertModeline(file, "# yaml-language-server: $schema=../schemas/runbook.schema.json");
    assertNoErrors(file.toString(), runbookSchema.validate(yaml(file)));
  }

  @Test
  void environmentExampleOfTheLanguageReferenceIsValid() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/runbook-language.md"));
    Matcher block = Pattern.compile("(?s)```yaml\n(.*?)```").matcher(doc);
    String example = null;
    while (block.find()) {
      if (block.group(1).contains("\nkind: Environment\n")) {
        example = block.group(1);
      }
    }
    assertNotNull(example, "docs/runbook-language.md has a yaml block with kind: Environment");
    assertNoErrors(
        "the Environment example of docs/runbook-language.md",
        environmentSchema.validate(YAML.readTree(example)));
  }

  // ---------------------------------------------------------------- broken documents fail

  /** One broken runbook: mutation of emergency-data-fix.yaml and the error it must produce. */
  record Broken(
      String name,
      Consumer<ObjectNode> mutation,
      String keyword,
      String instanceLocation,
      Object argument) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> brokenRunbooks() {
    return Stream.of(
            new Broken(
                "unknown top-level key",
                doc -> doc.put("owner", "db-team"),
                "additionalProperties",
                "",
                "owner"),
            new Broken(
                "unknown key in metadata",
                doc -> obj(doc, "/metadata").put("colour", "red"),
                "additionalProperties",
                "/metadata",
                "colour"),
            new Broken(
                "unknown input of sql.change",
                doc -> obj(doc, "/steps/1/with").put("statement", "DELETE FROM t WHERE id = 1"),
                "additionalProperties",
                "/steps/1/with",
                "statement"),
            new Broken(
                "wrong type",
                doc -> obj(doc, "/metadata").put("version", "one"),
                "type",
                "/metadata/version",
                "integer"),
            new Broken(
                "version below minimum",
                doc -> obj(doc, "/metadata").put("version", 0),
                "minimum",
                "/metadata/version",
                1),
            new Broken(
                "unknown step type",
                doc -> obj(doc, "/steps/1").put("uses", "sql.chnage"),
                "enum",
                "/steps/1/uses",
                null),
            new Broken(
                "sql.change without statements",
                doc -> obj(doc, "/steps/1/with").remove("statements"),
                "required",
                "/steps/1/with",
                "statements"),
            new Broken(
                "sql.change with no statement",
                doc -> obj(doc, "/steps/1/with").putArray("statements"),
                "minItems",
                "/steps/1/with/statements",
                1),
            new Broken(
                "sql.change without with",
                doc -> obj(doc, "/steps/1").remove("with"),
                "required",
                "/steps/1",
                "with"),
            new Broken(
                "restore-pitr with both time and latest",
                doc ->
                    arr(doc, "/steps")
                        .add(
                            restorePitr()
                                .<ObjectNode>set("latest", JSON.getNodeFactory().booleanNode(true))
                                .put("time", "2026-11-21T08:00:00Z")),
                "oneOf",
                "/steps/2/with",
                null),
            new Broken(
                "restore-pitr with neither time nor latest",
                doc -> arr(doc, "/steps").add(restorePitr()),
                "oneOf",
                "/steps/2/with",
                null),
            new Broken(
                "step id with a hyphen",
                doc -> obj(doc, "/steps/1").put("id", "fix-rows"),
                "pattern",
                "/steps/1/id",
                null),
            new Broken(
                "step without id",
                doc -> obj(doc, "/steps/1").remove("id"),
                "required",
                "/steps/1",
                "id"),
            new Broken(
                "duration that is neither a duration nor an expression",
                doc -> obj(doc, "/steps/1").put("timeout", "10 minutes"),
                "pattern",
                "/steps/1/timeout",
                null),
            new Broken(
                "approval with both group and users",
                doc -> obj(doc, "/steps/1/approval/approvers").putArray("users").add("alice"),
                "oneOf",
                "/steps/1/approval/approvers",
                null),
            new Broken(
                "bad onTimeout",
                doc -> obj(doc, "/gates/promote").put("onTimeout", "ignore"),
                "enum",
                "/gates/promote/onTimeout",
                null),
            new Broken(
                "wrong apiVersion",
                doc -> doc.put("apiVersion", "runbook/v2"),
                "const",
                "/apiVersion",
                "runbook/v1"),
            new Broken(
                "param name with a hyphen",
                doc -> obj(doc, "/params").putObject("dry-run").put("type", "boolean"),
                "propertyNames",
                "/params",
                "dry-run"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenRunbooks")
  void brokenRunbookFails(Broken broken) throws IOException {
    ObjectNode document = (ObjectNode) yaml(ROOT.resolve("runbooks/emergency-data-fix.yaml"));
    broken.mutation().accept(document);
    assertFails(runbookSchema, document, broken);
  }

  static Stream<Arguments> brokenEnvironments() {
    return Stream.of(
            new Broken(
                "unknown key",
                doc -> doc.put("region", "eu-west-1"),
                "additionalProperties",
                "",
                "region"),
            new Broken(
                "both hostKey and knownHostsFile",
                doc -> obj(doc, "/jumpBox").put("knownHostsFile", "~/.ssh/known_hosts"),
                "oneOf",
                "/jumpBox",
                null),
            new Broken(
                "bad instance id",
                doc -> obj(doc, "/jumpBox").put("instanceId", "i-XYZ"),
                "pattern",
                "/jumpBox/instanceId",
                null),
            new Broken(
                "host key that is not an OpenSSH public key",
                doc -> obj(doc, "/jumpBox").put("hostKey", "AAAAC3NzaC1lZDI1NTE5"),
                "pattern",
                "/jumpBox/hostKey",
                null),
            new Broken(
                "jump-box database without localPort",
                doc -> obj(doc, "/databases/platform").remove("localPort"),
                "required",
                "/databases/platform",
                "localPort"),
            new Broken(
                "unknown engine",
                doc -> obj(doc, "/databases/invoicing").put("engine", "oracle"),
                "enum",
                "/databases/invoicing/engine",
                null),
            new Broken(
                "port out of range",
                doc -> obj(doc, "/databases/invoicing").put("port", 70000),
                "maximum",
                "/databases/invoicing/port",
                65535),
            new Broken(
                "database without secretId",
                doc -> obj(doc, "/databases/invoicing").remove("secretId"),
                "required",
                "/databases/invoicing",
                "secretId"),
            new Broken("aws provider without aws", doc -> doc.remove("aws"), "required", "", "aws"),
            new Broken(
                "wrong kind", doc -> doc.put("kind", "Runbook"), "const", "/kind", "Environment"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenEnvironments")
  void brokenEnvironmentFails(Broken broken) throws IOException {
    ObjectNode document = (ObjectNode) yaml(ROOT.resolve("runbooks/environments/stage.yaml"));
    broken.mutation().accept(document);
    assertFails(environmentSchema, document, broken);
  }

  // ---------------------------------------------------------------- helpers

  private static void assertFails(Schema schema, JsonNode document, Broken broken) {
    List<Error> errors = schema.validate(document);
    String shown = show(errors);
    assertFalse(errors.isEmpty(), broken.name() + ": expected errors, got none");
    boolean found =
        errors.stream()
            .anyMatch(
                e ->
                    broken.keyword().equals(e.getKeyword())
                        && broken.instanceLocation().equals(e.getInstanceLocation().toString())
                        && (broken.argument() == null || hasArgument(e, broken.argument())));
    assertTrue(
        found,
        broken.name()
            + ": expected ["
            + broken.keyword()
            + "] at '"
            + broken.instanceLocation()
            + "'"
            + (broken.argument() == null ? "" : " with argument " + broken.argument())
            + ", got:\n"
            + shown);
  }

  /** Arguments are null for some keywords (e.g. uniqueItems); numbers may come as strings. */
  private static boolean hasArgument(Error error, Object expected) {
    Object[] arguments = error.getArguments();
    return arguments != null
        && Arrays.stream(arguments)
            .anyMatch(a -> String.valueOf(expected).equals(String.valueOf(a)));
  }

  private static void assertNoErrors(String what, List<Error> errors) {
    assertTrue(errors.isEmpty(), what + " has " + errors.size() + " error(s):\n" + show(errors));
  }

  private static String show(List<Error> errors) {
    return errors.stream()
        .map(
            e ->
                "  at '"
                    + e.getInstanceLocation()
                    + "' ["
                    + e.getKeyword()
                    + "] "
                    + e.getMessage()
                    + " | arguments="
                    + Arrays.toString(e.getArguments())
                    + " details="
                    + e.getDetails()
                    + " | schema="
                    + e.getSchemaLocation()
                    + " | evaluationPath="
                    + e.getEvaluationPath())
        .collect(Collectors.joining("\n"));
  }

  /**
   * Every entry of every {@code properties} and {@code $defs} map needs a non-blank description.
   * Conditions ({@code if} subschemas) only test values; they declare nothing and are skipped, and
   * so is data ({@code const}, {@code enum}, {@code default}, {@code examples}).
   */
  private static void collectMissingDescriptions(
      JsonNode node, String pointer, boolean inCondition, List<String> missing) {
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectMissingDescriptions(node.get(i), pointer + "/" + i, inCondition, missing);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      String path = pointer + "/" + escape(key);
      switch (key) {
        case "const", "enum", "default", "examples" -> {}
        case "if" -> collectMissingDescriptions(value, path, true, missing);
        case "properties", "$defs" -> {
          for (Map.Entry<String, JsonNode> entry : value.properties()) {
            String entryPath = path + "/" + escape(entry.getKey());
            if (!inCondition && entry.getValue().path("description").asText("").isBlank()) {
              missing.add(entryPath);
            }
            collectMissingDescriptions(entry.getValue(), entryPath, inCondition, missing);
          }
        }
        default -> collectMissingDescriptions(value, path, inCondition, missing);
      }
    }
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  /** Step types of the table under "### Step types" in docs/runbook-language.md. */
  private static Set<String> documentedStepTypes() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/runbook-language.md"));
    int start = doc.indexOf("### Step types");
    assertTrue(start >= 0, "docs/runbook-language.md has a '### Step types' section");
    int end = doc.indexOf("\n## ", start);
    String section = doc.substring(start, end < 0 ? doc.length() : end);
    Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|").matcher(section);
    Set<String> types = new LinkedHashSet<>();
    while (row.find()) {
      types.add(row.group(1));
    }
    return types;
  }

  private static ObjectNode restorePitr() {
    ObjectNode step = JSON.createObjectNode();
    step.put("id", "restore").put("uses", "aws.rds.restore-pitr");
    step.putObject("with").put("source", "platform").put("target", "platform-pitr");
    return step;
  }

  private static ObjectNode obj(JsonNode document, String pointer) {
    JsonNode node = document.at(pointer);
    assertTrue(node.isObject(), pointer + " is an object in the base document");
    return (ObjectNode) node;
  }

  private static ArrayNode arr(JsonNode document, String pointer) {
    JsonNode node = document.at(pointer);
    assertTrue(node.isArray(), pointer + " is an array in the base document");
    return (ArrayNode) node;
  }

  private static void assertModeline(Path file, String modeline) throws IOException {
    assertEquals(modeline, Files.readAllLines(file).getFirst(), file + ": first line");
  }

  private static JsonNode yaml(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  private static JsonNode classpathJson(String file) {
    try (InputStream in =
        SchemaFilesTest.class.getClassLoader().getResourceAsStream("schemas/" + file)) {
      assertNotNull(in, "classpath resource schemas/" + file + " (copied by the engine build)");
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<Path> yamlFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("schemas").resolve(RUNBOOK))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no schemas/" + RUNBOOK + " above " + Path.of("").toAbsolutePath());
    return dir;
  }
}
