package dev.deadletter.operator;

/**
 * JVM settings the operator makes for itself, so that {@code java -jar}, the image and the tests
 * all run the same way.
 */
final class JvmSettings {

  static final String COMMON_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private JvmSettings() {}

  /**
   * On 2 CPUs or fewer (a pod's CPU limit counts) the common ForkJoinPool gets a parallelism of 1,
   * and then every CompletableFuture step run "async" without an executor gets a new thread of its
   * own. The JDK HTTP client completes each response that way: about 5 threads were started and
   * ended per attempt. A parallelism of 2 makes those steps use the pool; a value set with {@code
   * -D} is kept.
   */
  static void applyCommonPoolParallelism() {
    String chosen =
        commonPoolParallelism(
            Runtime.getRuntime().availableProcessors(), System.getProperty(COMMON_PARALLELISM));
    if (chosen != null) {
      System.setProperty(COMMON_PARALLELISM, chosen);
    }
  }

  /** The parallelism to set, or null to leave the JVM's choice (or the user's) alone. */
  static String commonPoolParallelism(int cpus, String configured) {
    if (configured != null || cpus > 2) {
      return null;
    }
    return "2";
  }
}
