package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class FairExecutorTest {

  private final FairExecutor executor = FairExecutor.byNamespace(1);

  @AfterEach
  void stop() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    MDC.clear();
  }

  /** Submits as JOSDK's EventProcessor does: with the resource's namespace in the MDC. */
  private void submit(String namespace, Runnable r) {
    MDC.put(FairExecutor.MDC_NAMESPACE, namespace);
    try {
      executor.execute(r);
    } finally {
      MDC.remove(FairExecutor.MDC_NAMESPACE);
    }
  }

  @Test
  void aQuietNamespaceRunsBesideAFloodNotAfterIt() throws InterruptedException {
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    submit(
        "flood",
        () -> {
          busy.countDown();
          await(hold);
        });
    assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 500; i++) {
      String name = "flood-" + i;
      submit("flood", () -> ran.add(name));
    }
    submit("quiet", () -> ran.add("quiet"));
    assertThat(executor.queued()).isEqualTo(501);

    hold.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(ran).hasSize(501);
    assertThat(ran.indexOf("quiet")).isLessThanOrEqualTo(1);
  }

  @Test
  void withoutANamespaceReconcilesShareOneFifoLane() throws InterruptedException {
    CountDownLatch hold = new CountDownLatch(1);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    executor.execute(() -> await(hold));
    for (int i = 0; i < 5; i++) {
      int n = i;
      executor.execute(() -> ran.add(n));
    }
    hold.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void anInterruptLeftByAReconcileNeitherEndsTheThreadNorReachesTheNext() throws Exception {
    AtomicReference<Boolean> nextSawInterrupt = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    submit("a", () -> Thread.currentThread().interrupt());
    // the thread is idle again, waiting for work, with the interrupt the reconcile left
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> executor.idle() == 1);
    submit(
        "a",
        () -> {
          nextSawInterrupt.set(Thread.currentThread().isInterrupted());
          done.countDown();
        });
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(nextSawInterrupt.get()).isFalse();
  }

  @Test
  void shutdownNowReturnsWhatHadNotStarted() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    submit(
        "a",
        () -> {
          started.countDown();
          await(new CountDownLatch(1)); // until interrupted
        });
    submit("a", () -> {});
    submit("b", () -> {});
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(executor.shutdownNow()).hasSize(2);
    assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(executor.isTerminated()).isTrue();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
