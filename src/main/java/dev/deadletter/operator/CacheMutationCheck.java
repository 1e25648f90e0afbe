package dev.deadletter.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.Cloner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What JOSDK does with a cached resource before a reconciler gets it.
 *
 * <p>By default JOSDK deep-copies every resource by serialising it to JSON and back, about a tenth
 * of the operator's CPU per attempt. The reconcilers never change what they are given (they build
 * fresh status objects and Jobs), so {@link #NO_COPY} hands out the cached object itself.
 *
 * <p>The tests hold the reconcilers to that promise, as client-go's cache mutation detector does:
 * {@link #checking} also hands out the cached object, keeps its JSON, and compares it again for a
 * while; a change means a reconciler wrote into the cache, and is reported at once.
 */
public final class CacheMutationCheck implements Cloner {

  /** The test-only switch; the operator's E2E harness sets it. */
  public static final String ENV = "DEADLETTER_TEST_CHECK_CACHE_MUTATIONS";

  /** Hands out the cached object: nothing in this operator mutates it. */
  public static final Cloner NO_COPY =
      new Cloner() {
        @Override
        public <R extends HasMetadata> R clone(R object) {
          return object;
        }
      };

  private static final Logger log = LoggerFactory.getLogger(CacheMutationCheck.class);

  private record HandedOut(HasMetadata object, String json, Instant at) {}

  private final KubernetesSerialization serialization;
  private final Supplier<Clock> clock;
  private final Duration watchFor;
  private final Consumer<String> onMutation;
  private final Deque<HandedOut> handedOut = new ArrayDeque<>();

  CacheMutationCheck(
      KubernetesSerialization serialization,
      Supplier<Clock> clock,
      Duration watchFor,
      Consumer<String> onMutation) {
    this.serialization = serialization;
    this.clock = clock;
    this.watchFor = watchFor;
    this.onMutation = onMutation;
  }

  /**
   * A check that watches each object for 10 s, every second, and stops the process at the first
   * change: a test then fails loudly instead of passing on a corrupted cache.
   */
  static CacheMutationCheck checking(KubernetesSerialization serialization) {
    var check =
        new CacheMutationCheck(
            serialization,
            Clock::systemUTC,
            Duration.ofSeconds(10),
            what -> {
              log.error("{}: stopping (exit 70), a cached object must never be changed", what);
              Runtime.getRuntime().halt(70);
            });
    Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cache-mutation-check");
              t.setDaemon(true);
              return t;
            })
        .scheduleWithFixedDelay(check::verify, 1, 1, TimeUnit.SECONDS);
    log.warn("checking that no reconciler changes a cached object (a test setting: {})", ENV);
    return check;
  }

  @Override
  public <R extends HasMetadata> R clone(R object) {
    String json = serialization.asJson(object);
    synchronized (handedOut) {
      handedOut.addLast(new HandedOut(object, json, clock.get().instant()));
    }
    return object;
  }

  /**
   * Compares what was handed out with its JSON of then, and forgets what was watched long enough.
   */
  void verify() {
    Instant now = clock.get().instant();
    synchronized (handedOut) {
      handedOut.removeIf(
          h -> {
            if (serialization.asJson(h.object()).equals(h.json())) {
              return false;
            }
            onMutation.accept(
                "a reconciler changed the cached %s %s/%s"
                    .formatted(
                        h.object().getKind(),
                        h.object().getMetadata().getNamespace(),
                        h.object().getMetadata().getName()));
            return true;
          });
      while (!handedOut.isEmpty() && handedOut.peekFirst().at().plus(watchFor).isBefore(now)) {
        handedOut.removeFirst();
      }
    }
  }
}
