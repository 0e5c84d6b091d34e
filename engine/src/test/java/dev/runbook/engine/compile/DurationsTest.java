package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsEveryUnitAndCombinations() {
    assertEquals(Optional.of(Duration.ofMillis(250)), Durations.parse("250ms"));
    assertEquals(Optional.of(Duration.ofSeconds(90)), Durations.parse("90s"));
    assertEquals(Optional.of(Duration.ofMinutes(15)), Durations.parse("15m"));
    assertEquals(Optional.of(Duration.ofMinutes(90)), Durations.parse("1h30m"));
    assertEquals(Optional.of(Duration.ofDays(2)), Durations.parse("2d"));
  }

  @Test
  void refusesOtherSpellingsAndAbsurdLengths() {
    assertEquals(Optional.empty(), Durations.parse("10 minutes"));
    assertEquals(Optional.empty(), Durations.parse("1.5h"));
    assertEquals(Optional.empty(), Durations.parse(""));
    assertEquals(Optional.empty(), Durations.parse(null));
    assertEquals(Optional.empty(), Durations.parse("366d"));
    assertEquals(Optional.empty(), Durations.parse("99999999999999999999d"));
  }
}
