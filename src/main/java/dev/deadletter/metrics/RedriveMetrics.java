package dev.deadletter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Tasks annotated by bulk redrives (DeadLetterRedrive), counted when the annotation is written. */
public class RedriveMetrics {

  private final Counter redriven;

  public RedriveMetrics(MeterRegistry registry) {
    redriven =
        Counter.builder("deadletter.redrive.tasks")
            .description("Dead-lettered tasks redriven by a DeadLetterRedrive")
            .register(registry);
  }

  public void redriven() {
    redriven.increment();
  }
}
