package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.RetryGate;
import java.time.Duration;
import java.util.Optional;

/** A retry gate with its maxWait parsed; {@link #key()} names it in observations and messages. */
public record EffectiveGate(RetryGate gate, Optional<Duration> maxWait) {

  public String key() {
    return gate.describe();
  }

  /** For messages: what must hold, e.g. "Deployment/db Available=True". */
  public String describe() {
    return key() + " " + gate.getCondition().getType() + "=" + gate.getCondition().wanted();
  }
}
