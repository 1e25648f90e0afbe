package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import java.util.EnumMap;
import java.util.Map;

/** What the engine model's histories did, for a one-line summary. */
final class ModelStats {

  int histories;
  int steps;
  int passes;
  int starts;
  int adoptedAtCreate;
  int adoptedUnrecorded;
  int lostWrites;
  int laggedPasses;
  int refusals;
  int redrives;
  int succeeded;
  final Map<DeadLetterReason, Integer> deadLetters = new EnumMap<>(DeadLetterReason.class);

  /**
   * One pass: what it decided, whether its status was written, whether its create found its Job.
   */
  void count(DeadLetterTaskStatus before, Decision d, boolean written, boolean foundItsJob) {
    DeadLetterTaskStatus s = d.status();
    passes++;
    if (d.action() instanceof StartAttempt) {
      starts++;
      adoptedAtCreate += foundItsJob ? 1 : 0;
    }
    if (s.getRefusedStart() != null
        && (before == null || !s.getRefusedStart().equals(before.getRefusedStart()))) {
      refusals++;
    }
    if (!written || before == null) {
      return;
    }
    if (!(d.action() instanceof StartAttempt) && s.getAttempts() > before.getAttempts()) {
      adoptedUnrecorded += s.getAttempts() - before.getAttempts();
    }
    if (s.getDeadLetter() != null && before.getDeadLetter() == null) {
      deadLetters.merge(s.getDeadLetter().getReason(), 1, Integer::sum);
    }
    if (s.getRound().getNumber() > before.getRound().getNumber()) {
      redrives++;
    }
    if (s.getPhase() == TaskPhase.Succeeded && before.getPhase() != TaskPhase.Succeeded) {
      succeeded++;
    }
  }

  @Override
  public String toString() {
    return ("engine model: %d histories, %d steps, %d passes (%d lagged, %d status writes lost),"
            + " %d starts (%d adopted from a lost write, %d found by their create), %d refused"
            + " creates, %d dead letters %s, %d redrives, %d succeeded")
        .formatted(
            histories,
            steps,
            passes,
            laggedPasses,
            lostWrites,
            starts,
            adoptedUnrecorded,
            adoptedAtCreate,
            refusals,
            deadLetters.values().stream().mapToInt(Integer::intValue).sum(),
            deadLetters,
            redrives,
            succeeded);
  }
}
