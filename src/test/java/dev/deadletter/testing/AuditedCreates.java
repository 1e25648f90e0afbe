package dev.deadletter.testing;

import java.util.List;

/**
 * How many objects the creates of one Job name made, as far as the API server's audit log can tell.
 * Names are deterministic, so a create of a live Job gets 409 and a duplicate shows as a second
 * 201. A create answered 5xx is the hard case: the connection was cut (network fault, or the
 * operator halted mid-request) while the server was at work, so the Job may or may not exist. What
 * the log says next settles it: a 409 or a successful delete means it existed, a 201 or a 404
 * delete means it did not. A delete that is itself answered 5xx, or no later answer at all, leaves
 * it unsettled. The count errs towards a duplicate, never towards fewer Jobs than were made.
 *
 * @param certain objects certainly created
 * @param unsettled creates answered 5xx that nothing later settles
 */
public record AuditedCreates(int certain, int unsettled) {

  /** An answer of the API server to one create or delete of the Job name, in log order. */
  public record Answer(String verb, int code) {

    static Answer create(int code) {
      return new Answer("create", code);
    }

    static Answer delete(int code) {
      return new Answer("delete", code);
    }

    boolean isCreate() {
      return verb.equals("create");
    }

    boolean lost() {
      return code >= 500;
    }
  }

  /** The most objects the creates may have made: more than 1 is a duplicate attempt. */
  public int atMost() {
    return certain + unsettled;
  }

  public static AuditedCreates of(List<Answer> answers) {
    int certain = 0;
    int unsettled = 0;
    for (int i = 0; i < answers.size(); i++) {
      Answer a = answers.get(i);
      if (!a.isCreate()) {
        continue;
      }
      if (a.code() == 201) {
        certain++;
      } else if (a.lost() && !followsALiveCreate(answers, i)) {
        switch (settle(answers.subList(i + 1, answers.size()))) {
          case EXISTED -> certain++;
          case UNKNOWN -> unsettled++;
          case NEVER -> {}
        }
      }
    }
    return new AuditedCreates(certain, unsettled);
  }

  /**
   * Whether the answer before {@code i} is a create that made or found a Job, or may have: with no
   * delete since, the create at {@code i} got (or would have got) 409, or belongs to the same run
   * of lost creates, of which at most one can have made the Job.
   */
  private static boolean followsALiveCreate(List<Answer> answers, int i) {
    if (i == 0) {
      return false;
    }
    Answer before = answers.get(i - 1);
    return before.isCreate() && (before.code() == 201 || before.code() == 409 || before.lost());
  }

  private enum Fate {
    EXISTED,
    NEVER,
    UNKNOWN
  }

  /** The fate of a create answered 5xx, from the answers that follow it. */
  private static Fate settle(List<Answer> later) {
    for (Answer a : later) {
      if (a.isCreate()) {
        if (a.code() == 409) {
          return Fate.EXISTED;
        }
        if (a.code() == 201) {
          return Fate.NEVER;
        }
      } else {
        if (a.code() >= 200 && a.code() < 300) {
          return Fate.EXISTED;
        }
        if (a.code() == 404) {
          return Fate.NEVER;
        }
        if (a.lost()) {
          return Fate.UNKNOWN;
        }
      }
    }
    return Fate.UNKNOWN;
  }
}
