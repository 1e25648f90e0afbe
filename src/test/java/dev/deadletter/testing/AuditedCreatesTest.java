package dev.deadletter.testing;

import static dev.deadletter.testing.AuditedCreates.Answer.create;
import static dev.deadletter.testing.AuditedCreates.Answer.delete;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fault tests' count of attempt Jobs, from sequences of audit-log answers. */
class AuditedCreatesTest {

  private static AuditedCreates of(AuditedCreates.Answer... answers) {
    return AuditedCreates.of(List.of(answers));
  }

  @Test
  void createdOnceAndSentAgainIsOneJob() {
    assertThat(of(create(201), create(409), delete(200))).isEqualTo(new AuditedCreates(1, 0));
  }

  @Test
  void createdDeletedAndCreatedAgainIsADuplicate() {
    assertThat(of(create(201), delete(200), create(201)).atMost()).isEqualTo(2);
  }

  @Test
  void lostAnswerThenDeletedByTheOperatorWasAJob() {
    // The CI failure of 2026-11-28: the operator halted mid-create (504), the Job existed, and the
    // next operator found it in its cache, so no 409 ever came; it was pruned later.
    assertThat(of(create(504), delete(200))).isEqualTo(new AuditedCreates(1, 0));
  }

  @Test
  void lostAnswerThenAlreadyExistsWasAJob() {
    assertThat(of(create(504), create(409))).isEqualTo(new AuditedCreates(1, 0));
  }

  @Test
  void lostAnswerThenCreatedWasNotAJob() {
    assertThat(of(create(504), create(201), create(409))).isEqualTo(new AuditedCreates(1, 0));
  }

  @Test
  void lostAnswerThenNotFoundWasNotAJob() {
    assertThat(of(create(504), delete(404))).isEqualTo(new AuditedCreates(0, 0));
  }

  @Test
  void lostAnswerNothingSettlesStaysUnsettled() {
    assertThat(of(create(504))).isEqualTo(new AuditedCreates(0, 1));
    assertThat(of(create(504), delete(504))).isEqualTo(new AuditedCreates(0, 1));
  }

  @Test
  void aLostDeleteBeforeACreateCountsAsAPossibleDuplicate() {
    // If the first create and the delete both took effect, the 201 made a second Job.
    assertThat(of(create(504), delete(504), create(201))).isEqualTo(new AuditedCreates(1, 1));
  }

  @Test
  void aRunOfLostCreatesIsAtMostOneJob() {
    // A create sent again after a lost answer, its answer lost too: with no delete between them, at
    // most one of them made the Job.
    assertThat(of(create(504), create(504), create(409))).isEqualTo(new AuditedCreates(1, 0));
    assertThat(of(create(504), create(504))).isEqualTo(new AuditedCreates(0, 1));
    assertThat(of(create(201), create(504), delete(200))).isEqualTo(new AuditedCreates(1, 0));
  }
}
