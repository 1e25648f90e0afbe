package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.testing.PropertyRuns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FairQueueTest {

  @Test
  void aQuietLaneIsServedNextToAFloodNotBehindIt() {
    FairQueue<String, String> q = new FairQueue<>();
    for (int i = 0; i < 2000; i++) {
      q.add("flood", "x" + i);
    }
    q.add("quiet", "q0");
    q.add("quiet", "q1");

    assertThat(List.of(q.poll(), q.poll(), q.poll(), q.poll()))
        .containsExactly("x0", "q0", "x1", "q1");
    assertThat(q.size()).isEqualTo(1998);
    assertThat(q.lanes()).isEqualTo(1);
  }

  @Test
  void oneLaneIsFifo() {
    FairQueue<String, Integer> q = new FairQueue<>();
    for (int i = 0; i < 5; i++) {
      q.add("a", i);
    }
    assertThat(q.drain()).containsExactly(0, 1, 2, 3, 4);
    assertThat(q.poll()).isNull();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void lanesTakeTurnsInTheOrderTheyBecameBusy() {
    FairQueue<String, String> q = new FairQueue<>();
    q.add("b", "b0");
    q.add("a", "a0");
    q.add("b", "b1");
    q.add("c", "c0");
    q.add("a", "a1");

    assertThat(q.drain()).containsExactly("b0", "a0", "c0", "b1", "a1");
  }

  /** An operation of the property: add to a lane (skewed towards lane 0, the flood) or poll. */
  record Op(boolean add, int lane) {}

  record Case(int lanes, List<Op> ops) {}

  /**
   * Whatever the interleaving: nothing lost or duplicated, each lane FIFO, and an item with {@code
   * a} items ahead in its own lane is served within {@code (a + 1) * lanes} polls of its add.
   */
  @Test
  void everyItemIsServedInOrderAndWithinItsShareOfTurns() {
    PropertyRuns.forAll(
        300,
        r -> {
          int lanes = 1 + r.nextInt(6);
          List<Op> ops = new ArrayList<>();
          for (int i = 0, n = r.nextInt(400); i < n; i++) {
            ops.add(new Op(r.nextInt(3) > 0, skewedLane(r, lanes)));
          }
          return new Case(lanes, ops);
        },
        Case::ops,
        (c, ops) -> new Case(c.lanes(), ops),
        c -> {
          FairQueue<Integer, long[]> q = new FairQueue<>(); // {lane, seq, polls at add, ahead}
          Map<Integer, Integer> pending = new HashMap<>();
          Map<Integer, Long> nextSeq = new HashMap<>();
          Map<Integer, Long> lastServed = new HashMap<>();
          long polls = 0;
          int added = 0;
          int served = 0;
          List<Op> all = new ArrayList<>(c.ops());
          for (int i = 0; i < 2000; i++) {
            all.add(new Op(false, 0)); // then drain
          }
          for (Op op : all) {
            if (op.add()) {
              long seq = nextSeq.merge(op.lane(), 1L, Long::sum);
              int ahead = pending.getOrDefault(op.lane(), 0);
              q.add(op.lane(), new long[] {op.lane(), seq, polls, ahead});
              pending.merge(op.lane(), 1, Integer::sum);
              added++;
            } else {
              long[] item = q.poll();
              if (item == null) {
                assertThat(q.size()).isZero();
                continue;
              }
              polls++;
              served++;
              int lane = (int) item[0];
              pending.merge(lane, -1, Integer::sum);
              assertThat(item[1])
                  .as("FIFO in lane %d", lane)
                  .isEqualTo(lastServed.getOrDefault(lane, 0L) + 1);
              lastServed.put(lane, item[1]);
              assertThat(polls - item[2])
                  .as("polls before an item with %d ahead in its lane is served", item[3])
                  .isLessThanOrEqualTo((item[3] + 1) * c.lanes());
            }
          }
          assertThat(served).isEqualTo(added);
          assertThat(q.isEmpty()).isTrue();
          assertThat(q.lanes()).isZero();
        });
  }

  private static int skewedLane(Random r, int lanes) {
    return r.nextInt(4) > 0 ? 0 : r.nextInt(lanes);
  }
}
