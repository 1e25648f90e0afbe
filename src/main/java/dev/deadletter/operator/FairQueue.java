package dev.deadletter.operator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A queue with one FIFO lane per key (a namespace), served round-robin: each {@link #poll()} takes
 * the oldest item of the next non-empty lane. An item added to a lane with k other non-empty lanes
 * waits behind at most k items of other lanes per item ahead of it in its own lane, however long
 * the others are. Lanes are count-fair (one item a turn), not cost-fair: reconciles cost about the
 * same. Not thread-safe: {@link FairExecutor} guards it.
 */
final class FairQueue<K, T> {

  private final Map<K, ArrayDeque<T>> lanes = new HashMap<>();

  /** The keys of the non-empty lanes, in the order they are served. */
  private final ArrayDeque<K> turns = new ArrayDeque<>();

  private int size;

  void add(K key, T item) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(item, "item");
    ArrayDeque<T> lane = lanes.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (lane.isEmpty()) {
      turns.addLast(key); // a lane that was idle joins at the end of the current round
    }
    lane.addLast(item);
    size++;
  }

  /** The oldest item of the lane whose turn it is; null when empty. */
  T poll() {
    K key = turns.pollFirst();
    if (key == null) {
      return null;
    }
    ArrayDeque<T> lane = lanes.get(key);
    T item = lane.pollFirst();
    size--;
    if (lane.isEmpty()) {
      lanes.remove(key); // idle namespaces hold no memory
    } else {
      turns.addLast(key);
    }
    return item;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Non-empty lanes. */
  int lanes() {
    return turns.size();
  }

  /** Removes and returns every item, lane by lane. */
  List<T> drain() {
    List<T> all = new ArrayList<>(size);
    for (T item = poll(); item != null; item = poll()) {
      all.add(item);
    }
    return all;
  }
}
