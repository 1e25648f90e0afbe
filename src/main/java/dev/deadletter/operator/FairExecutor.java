package dev.deadletter.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * JOSDK's reconcile executor with per-namespace fair queuing: a fixed number of threads take
 * reconciles from a {@link FairQueue} keyed by the namespace of the resource, so one namespace with
 * thousands of due tasks cannot hold another namespace's reconciles behind all of them (JOSDK's
 * default is a fixed pool with one FIFO queue).
 *
 * <p>JOSDK 5.2.3 hands the executor an opaque Runnable; the namespace is read from the MDC of the
 * submitting thread, where JOSDK's EventProcessor puts {@code resource.namespace} (MDCUtils) just
 * before every submission. Without it (MDC off with {@code JAVA_OPERATOR_SDK_USE_MDC=false}, or
 * another caller) a reconcile goes to one shared lane, which is FIFO as before.
 */
final class FairExecutor extends AbstractExecutorService {

  static final String MDC_NAMESPACE = "resource.namespace";
  static final String NO_NAMESPACE = "";

  private static final Logger log = LoggerFactory.getLogger(FairExecutor.class);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition ended = lock.newCondition();
  private final FairQueue<String, Runnable> queue = new FairQueue<>();
  private final Supplier<String> keyOfSubmitter;
  private final int threads;
  private final List<Thread> workers = new ArrayList<>();
  private int running;
  private int idle;
  private boolean shutdown;
  private boolean stopping;
  private boolean warnedNoKey;

  /** Fair by the namespace JOSDK puts in the MDC. */
  static FairExecutor byNamespace(int threads) {
    return new FairExecutor(threads, () -> MDC.get(MDC_NAMESPACE));
  }

  FairExecutor(int threads, Supplier<String> keyOfSubmitter) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads < 1");
    }
    this.threads = threads;
    this.keyOfSubmitter = keyOfSubmitter;
  }

  /** Starts the threads with the first reconcile, as a thread pool does (under the lock). */
  private void startWorkers() {
    for (int i = 1; i <= threads; i++) {
      Thread t = new Thread(this::work, "reconciler-" + i);
      workers.add(t);
      running++;
      t.start();
    }
  }

  @Override
  public void execute(Runnable command) {
    String key = keyOfSubmitter.get();
    lock.lock();
    try {
      if (shutdown) {
        throw new RejectedExecutionException("shut down");
      }
      if (workers.isEmpty()) {
        startWorkers();
      }
      if (key == null && !warnedNoKey) {
        // A JOSDK upgrade that stops putting the namespace in the MDC would make this a FIFO again.
        warnedNoKey = true;
        log.warn("a reconcile was queued without {} in the MDC: it shares one lane", MDC_NAMESPACE);
      }
      queue.add(key == null ? NO_NAMESPACE : key, command);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Threads waiting for work. */
  int idle() {
    lock.lock();
    try {
      return idle;
    } finally {
      lock.unlock();
    }
  }

  /** Reconciles waiting for a thread. */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  private void work() {
    try {
      for (Runnable r = take(); r != null; r = take()) {
        try {
          r.run();
        } catch (RuntimeException | Error e) {
          // Like a pool thread: log and go on (JOSDK's own runnables catch what a reconcile
          // throws).
          log.error("reconcile task failed", e);
        }
      }
    } finally {
      lock.lock();
      try {
        running--;
        ended.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * The next reconcile, or null once shut down and drained. An interrupt left over from a reconcile
   * (the rate limiter's sleep keeps it) is cleared, as a thread pool does, so it neither ends the
   * thread nor reaches the next reconcile; after shutdownNow the queue is empty and the thread
   * ends.
   */
  private Runnable take() {
    lock.lock();
    try {
      while (true) {
        if (!queue.isEmpty()) {
          if (!stopping) {
            Thread.interrupted();
          }
          return queue.poll();
        }
        if (shutdown) {
          return null;
        }
        idle++;
        try {
          work.await();
        } catch (InterruptedException e) {
          // loop: shutdownNow has emptied the queue and set shutdown; else a stray interrupt
        } finally {
          idle--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void shutdown() {
    lock.lock();
    try {
      shutdown = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> left;
    lock.lock();
    try {
      shutdown = true;
      stopping = true;
      left = queue.drain();
      work.signalAll();
    } finally {
      lock.unlock();
    }
    lock.lock();
    try {
      workers.forEach(Thread::interrupt);
    } finally {
      lock.unlock();
    }
    return left;
  }

  @Override
  public boolean isShutdown() {
    lock.lock();
    try {
      return shutdown;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isTerminated() {
    lock.lock();
    try {
      return shutdown && running == 0;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lock();
    try {
      while (!(shutdown && running == 0)) {
        if (nanos <= 0) {
          return false;
        }
        nanos = ended.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
