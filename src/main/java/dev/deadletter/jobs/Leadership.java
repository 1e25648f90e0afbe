package dev.deadletter.jobs;

/**
 * Whether this process may still act as the leader, asked right before each attempt Job create and
 * each deletion of an old attempt Job. With leader election a reconcile can outlive the lease it
 * started under: its create, sent after another replica took over, could start an attempt the new
 * leader has already run (and pruned). When the answer is no, nothing is sent and the pass ends
 * without writing: the leader that holds the lease does it.
 */
@FunctionalInterface
public interface Leadership {

  /** Without leader election: the only replica always may. */
  Leadership ALWAYS = () -> true;

  /** Whether this process may send a write that only the leader may send, now. */
  boolean holdsLease();
}
