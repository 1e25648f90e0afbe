package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JvmSettingsTest {

  @Test
  void onTwoCpusOrFewerTheCommonPoolGetsTwoThreadsUnlessTheUserChose() {
    assertThat(JvmSettings.commonPoolParallelism(1, null)).isEqualTo("2");
    assertThat(JvmSettings.commonPoolParallelism(2, null)).isEqualTo("2");
    assertThat(JvmSettings.commonPoolParallelism(3, null)).as("the JVM's own choice").isNull();
    assertThat(JvmSettings.commonPoolParallelism(2, "4")).as("set with -D").isNull();
  }

  @Test
  void onTwoCpusTheOperatorsAsyncStepsRunInThePoolInsteadOfANewThreadEach() throws Exception {
    assertThat(asyncThreadOnTwoCpus(false)).as("the JVM's default").startsWith("Thread-");
    assertThat(asyncThreadOnTwoCpus(true)).startsWith("ForkJoinPool.commonPool-worker-");
  }

  /** The thread an async step runs on, in a JVM limited to 2 CPUs, with Main loaded or not. */
  private static String asyncThreadOnTwoCpus(boolean loadMain) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ActiveProcessorCount=2",
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName(),
                String.valueOf(loadMain))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  /** Runs in the child JVM. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      if (Boolean.parseBoolean(args[0])) {
        Class.forName(Main.class.getName()); // its static initializer, as `java -jar` runs it
      }
      System.out.println(
          CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).get());
    }
  }
}
