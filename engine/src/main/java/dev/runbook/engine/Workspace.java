package dev.runbook.engine;

import dev.runbook.engine.compile.EnvironmentValidator;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The file-reading edge of the engine: reads runbooks and environment files from disk and hands
 * them to the pure validators and compiler. Paths in diagnostics are shown as the caller gave them.
 */
public final class Workspace {
  private static final YamlLoader LOADER = new YamlLoader();

  private Workspace() {}

  /** What a YAML file declares itself to be, from its {@code kind:}. */
  public enum DocumentKind {
    RUNBOOK,
    ENVIRONMENT
  }

  public static Validation<LoadedDocument> read(Path path) {
    String shown = path.toString();
    String text;
    try {
      byte[] bytes = Files.readAllBytes(path);
      if (bytes.length > YamlLoader.MAX_CODE_POINTS * 4L) {
        return problem(shown, "file is too large for a runbook (" + bytes.length + " bytes)");
      }
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      return problem(shown, "file is not UTF-8 text");
    } catch (IOException e) {
      return problem(shown, "cannot read file: " + describe(e));
    }
    YamlLoader.Result result = LOADER.load(shown, text);
    return new Validation<>(result.document(), result.diagnostics().sorted());
  }

  public static DocumentKind kindOf(LoadedDocument document) {
    return "Environment".equals(document.tree().path("kind").asText())
        ? DocumentKind.ENVIRONMENT
        : DocumentKind.RUNBOOK;
  }

  public static Validation<ValidatedRunbook> runbook(Path path) {
    Validation<LoadedDocument> read = read(path);
    if (read.value().isEmpty()) {
      return new Validation<>(Optional.empty(), read.diagnostics());
    }
    return RunbookValidator.validate(read.value().get());
  }

  public static Validation<ValidatedEnvironment> environment(Path path) {
    Validation<LoadedDocument> read = read(path);
    if (read.value().isEmpty()) {
      return new Validation<>(Optional.empty(), read.diagnostics());
    }
    return EnvironmentValidator.validate(read.value().get(), baseName(path));
  }

  /** Every {@code *.yaml} environment of a directory, by name; problems go to {@code out}. */
  public static Map<String, ValidatedEnvironment> environments(Path dir, List<Diagnostic> out) {
    Map<String, ValidatedEnvironment> envs = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      out.add(
          new Diagnostic(
              dir.toString(), 0, 0, Category.PARAM, "--environments", "no such directory"));
      return envs;
    }
    for (Path file : yamlFiles(dir, false)) {
      Validation<ValidatedEnvironment> env = environment(file);
      out.addAll(env.diagnostics());
      env.value().ifPresent(v -> envs.put(baseName(file), v));
    }
    return envs;
  }

  /** Checks one file of either kind. */
  public static List<Diagnostic> validate(Path path) {
    Validation<LoadedDocument> read = read(path);
    if (read.value().isEmpty()) {
      return read.diagnostics();
    }
    LoadedDocument document = read.value().get();
    return kindOf(document) == DocumentKind.ENVIRONMENT
        ? EnvironmentValidator.validate(document, baseName(path)).diagnostics()
        : RunbookValidator.validate(document).diagnostics();
  }

  /** The YAML files under a directory (recursively when asked), sorted. */
  public static List<Path> yamlFiles(Path dir, boolean recursive) {
    try (Stream<Path> files = recursive ? Files.walk(dir) : Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      return new ArrayList<>();
    }
  }

  static String baseName(Path path) {
    String name = path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getClass().getSimpleName().replace("Exception", "").toLowerCase();
  }

  private static <T> Validation<T> problem(String file, String message) {
    return new Validation<>(
        Optional.empty(), List.of(new Diagnostic(file, 0, 0, Category.SYNTAX, "$", message)));
  }
}
