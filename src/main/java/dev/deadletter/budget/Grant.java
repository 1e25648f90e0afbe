package dev.deadletter.budget;

import java.time.Instant;
import java.util.Map;

/**
 * A retry the ledger let start whose attempt the task's status may not show yet: counted until it
 * does, so two passes never spend the same token.
 */
record Grant(String task, String job, Instant at, Map<String, String> labels, String retryOf) {

  AttemptFact asFact() {
    return new AttemptFact(task, job, true, at, null, false, labels, null, retryOf);
  }
}
