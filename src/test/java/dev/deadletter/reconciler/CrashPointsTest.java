package dev.deadletter.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CrashPointsTest {

  @Test
  void unsetMeansNoCrashPoint() {
    assertThat(CrashPoints.fromEnv(Map.of())).isSameAs(CrashPoints.NONE);
    assertThat(CrashPoints.fromEnv(Map.of(CrashPoints.ENV, " "))).isSameAs(CrashPoints.NONE);
  }

  @Test
  void aPointWithProbabilityZeroNeverHalts() {
    CrashPoints points = CrashPoints.fromEnv(Map.of(CrashPoints.ENV, "after-create:0"));
    for (int i = 0; i < 1000; i++) {
      points.reached(CrashPoints.Point.AFTER_CREATE); // would halt this JVM
    }
    CrashPoints.NONE.reached(CrashPoints.Point.AFTER_STATUS);
  }

  @Test
  void unknownPointsAndProbabilitiesOutsideZeroToOneAreRejectedWithTheValue() {
    assertThatThrownBy(() -> CrashPoints.fromEnv(Map.of(CrashPoints.ENV, "before-lunch:0.5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown point 'before-lunch'");
    assertThatThrownBy(() -> CrashPoints.fromEnv(Map.of(CrashPoints.ENV, "after-create:1.5")))
        .hasMessageContaining("after-create:1.5");
  }
}
