package dev.runbook.worker.flyway;

import dev.runbook.worker.sql.SqlFailures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.flywaydb.core.api.logging.Log;
import org.flywaydb.core.api.logging.LogCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flyway's own logging (configured by class name in {@code loggers}), sent to SLF4J with every
 * known secret cut out: the passwords the migration steps' pools have used and {@code password=}
 * parameters. Errors are logged with the exception's message, never its stack trace (a driver's
 * message may be long and is cleaned the same way). Flyway instantiates this class itself, so the
 * secrets come from a registry the migration steps add to.
 */
public final class FlywayLog implements LogCreator {
  private static final List<Supplier<List<String>>> SECRETS = new CopyOnWriteArrayList<>();
  private static final List<Consumer<String>> LISTENERS = new CopyOnWriteArrayList<>();

  /** Flyway creates it by class name. */
  public FlywayLog() {}

  /** Secrets to cut out of every line from now on (the migration steps register theirs). */
  static void registerSecrets(Supplier<List<String>> secrets) {
    SECRETS.add(secrets);
  }

  static void unregisterSecrets(Supplier<List<String>> secrets) {
    SECRETS.remove(secrets);
  }

  /** Also hands every cleaned line ({@code LEVEL logger: text}) to {@code listener} (tests). */
  public static void listen(Consumer<String> listener) {
    LISTENERS.add(listener);
  }

  public static void stopListening(Consumer<String> listener) {
    LISTENERS.remove(listener);
  }

  static String clean(String text) {
    List<String> secrets = new ArrayList<>();
    for (Supplier<List<String>> source : SECRETS) {
      secrets.addAll(source.get());
    }
    return SqlFailures.clean(text, secrets);
  }

  @Override
  public Log createLogger(Class<?> clazz) {
    Logger logger = LoggerFactory.getLogger(clazz);
    String name = clazz.getSimpleName();
    return new Log() {
      @Override
      public boolean isDebugEnabled() {
        return logger.isDebugEnabled() || !LISTENERS.isEmpty();
      }

      @Override
      public void debug(String message) {
        emit("DEBUG", message, logger::debug);
      }

      @Override
      public void info(String message) {
        emit("INFO", message, logger::info);
      }

      @Override
      public void notice(String message) {
        emit("INFO", message, logger::info);
      }

      @Override
      public void warn(String message) {
        emit("WARN", message, logger::warn);
      }

      @Override
      public void error(String message) {
        emit("ERROR", message, logger::error);
      }

      @Override
      public void error(String message, Exception e) {
        emit("ERROR", message + (e == null ? "" : ": " + e.getMessage()), logger::error);
      }

      private void emit(String level, String message, Consumer<String> sink) {
        String cleaned = clean(message);
        sink.accept(cleaned);
        for (Consumer<String> listener : LISTENERS) {
          listener.accept(level + " " + name + ": " + cleaned);
        }
      }
    };
  }
}
