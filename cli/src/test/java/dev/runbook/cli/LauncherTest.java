package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./runbook} launcher and its JDK discovery, run as real processes (no shell glue). */
class LauncherTest {

  @TempDir Path dir;

  record Outcome(int exitCode, String out, String err) {}

  private Outcome run(List<String> command, long timeoutMinutes) throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process process =
        new ProcessBuilder(command)
            .directory(Cli.root().toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + timeoutMinutes + " min");
    }
    return new Outcome(process.exitValue(), read(out), read(err));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }

  private Outcome bash(String script) throws Exception {
    return run(List.of("bash", "-c", script), 1);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void runbookVersionWorksFromTheRepositoryRootBuildingTheJarWhenNeeded() throws Exception {
    Outcome outcome = run(List.of("./runbook", "--version"), 5);

    assertEquals(0, outcome.exitCode(), outcome.err());
    assertTrue(outcome.out().startsWith("runbook "), outcome.out());
  }

  @Test
  void jdkMajorPrintsNothingForADirectoryThatIsNoJdk() throws Exception {
    Outcome outcome = bash(". scripts/find-jdk.sh; JAVA_HOME=/nonexistent; jdk_major /nonexistent");

    assertEquals(new Outcome(0, "", ""), outcome);
  }

  @Test
  void jdkMajorReadsTheReleaseFileAndFindJdkRefusesAJavaHomeOlderThan21(@TempDir Path dir)
      throws Exception {
    Path jdk17 = fakeJdk(dir.resolve("jdk17"), "17.0.9");
    Path jdk21 = fakeJdk(dir.resolve("jdk21"), "21.0.2");

    assertEquals(new Outcome(0, "21\n", ""), bash(". scripts/find-jdk.sh; jdk_major " + jdk21));
    Outcome kept =
        bash(". scripts/find-jdk.sh; JAVA_HOME=" + jdk21 + "; find_jdk; echo $JAVA_HOME");
    assertEquals(new Outcome(0, jdk21 + "\n", ""), kept);
    Outcome replaced =
        bash(". scripts/find-jdk.sh; JAVA_HOME=" + jdk17 + "; find_jdk; echo $JAVA_HOME");
    assertTrue(replaced.out().startsWith("/usr/lib/jvm/"), replaced.out());
  }

  private static Path fakeJdk(Path home, String version) throws Exception {
    Files.createDirectories(home.resolve("bin"));
    for (String tool : List.of("java", "javac")) {
      Path file = Files.writeString(home.resolve("bin").resolve(tool), "#!/bin/sh\n");
      file.toFile().setExecutable(true);
    }
    Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
    return home;
  }

  @Test
  void jdkMajorPrintsTheFeatureVersionOfTheJdkRunningThisTest() throws Exception {
    Path javaHome = Path.of(System.getProperty("java.home"));

    Outcome outcome = bash(". scripts/find-jdk.sh; jdk_major '" + javaHome + "'");

    assertEquals(new Outcome(0, Runtime.version().feature() + "\n", ""), outcome);
  }

  @Test
  void findJdkReplacesAJavaHomeThatIsNoJdkWithAJdk21OrNewer() throws Exception {
    Outcome outcome =
        bash(
            ". scripts/find-jdk.sh; JAVA_HOME=/nonexistent; find_jdk && echo \"$JAVA_HOME\" &&"
                + " jdk_major \"$JAVA_HOME\"");

    assertEquals(0, outcome.exitCode(), outcome.err());
    List<String> lines = outcome.out().lines().toList();
    assertEquals(2, lines.size(), outcome.out());
    assertTrue(lines.get(0).startsWith("/usr/lib/jvm/"), lines.get(0));
    assertTrue(Integer.parseInt(lines.get(1)) >= 21, lines.get(1));
  }
}
