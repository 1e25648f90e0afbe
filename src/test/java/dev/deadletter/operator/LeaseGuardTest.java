package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard learns of renewals from the Lease writes the operator's own client sends, as Fabric8's
 * elector sends them (its {@link LeaseLock}), to Fabric8's mock API server; the time is a fixed
 * clock moved by hand.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseGuardTest {

  static final String NS = "ops";
  static final String LEASE = "deadletter-operator";
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00.250Z");

  KubernetesClient mockClient;

  final HandClock clock = new HandClock(T0);
  final LeaseGuard guard = new LeaseGuard("op-a", NS, LEASE, RENEW_DEADLINE, clock);
  KubernetesClient client;
  final LeaseLock lock = new LeaseLock(NS, LEASE, "op-a");

  @BeforeEach
  void clientWithTheGuard() {
    client =
        new KubernetesClientBuilder()
            .withConfig(mockClient.getConfiguration())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(LeaseGuard.NAME, guard))
            .build();
  }

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void aLeaderThatRenewedRecentlyMayCreate() {
    assertThat(guard.holdsLease()).as("before it ever acquired the Lease").isFalse();

    acquire("op-a", T0);

    assertThat(guard.holdsLease()).isTrue();
    clock.set(T0.plus(RENEW_DEADLINE).minusMillis(1));
    assertThat(guard.holdsLease()).as("just before the renew deadline").isTrue();
    assertThat(guard.expired()).isFalse();
  }

  @Test
  void onceTheRenewDeadlinePassedWithoutARenewalItMayNotCreate() {
    acquire("op-a", T0);
    clock.set(T0.plusSeconds(4));
    renew("op-a", T0.plusSeconds(4));

    clock.set(T0.plusSeconds(4).plus(RENEW_DEADLINE));

    assertThat(guard.holdsLease())
        .as(
            "renew deadline passed on this clock: the other replica may take over %s later",
            LEASE_DURATION.minus(RENEW_DEADLINE))
        .isFalse();
    assertThat(guard.expired()).as("the process must stop").isTrue();
    assertThat(guard.deadline()).contains(T0.plusSeconds(4).plus(RENEW_DEADLINE));
  }

  @Test
  void anotherHolderMeansItMayNotCreateAgainEvenWithARecentRenewal() {
    acquire("op-a", T0);
    clock.set(T0.plusSeconds(1));

    guard.leaderIs("op-b");

    assertThat(guard.holdsLease()).isFalse();
    assertThat(guard.expired()).as("lost, not expired: the elector's callback stops it").isFalse();
    renew("op-a", T0.plusSeconds(1));
    assertThat(guard.holdsLease()).as("a lost Lease stays lost in this process").isFalse();
  }

  @Test
  void aStandbyThatSawAnotherLeaderMayLeadOnceItAcquiresTheLease() {
    guard.leaderIs("op-b");
    assertThat(guard.holdsLease()).isFalse();

    acquire("op-a", T0);

    assertThat(guard.holdsLease()).isTrue();
  }

  @Test
  void writesThatProveNothingAreIgnored() {
    // Another Lease of the same namespace, e.g. another operator's.
    new LeaseLock(NS, "other-operator", "op-a")
        .create(client, new LeaderElectionRecord("op-a", LEASE_DURATION, at(T0), at(T0), 0));
    assertThat(guard.holdsLease()).isFalse();

    acquire("op-a", T0);
    clock.set(T0.plusSeconds(8));
    // A write the API server refuses (409: the Lease exists) proves nothing either.
    try {
      acquire("op-a", T0.plusSeconds(8));
    } catch (KubernetesClientException refused) {
      assertThat(refused.getCode()).isEqualTo(409);
    }
    clock.set(T0.plus(RENEW_DEADLINE));

    assertThat(guard.holdsLease()).as("only the write the API server accepted counts").isFalse();
  }

  private void acquire(String holder, Instant at) {
    new LeaseLock(NS, LEASE, holder)
        .create(client, new LeaderElectionRecord(holder, LEASE_DURATION, at(at), at(at), 0));
  }

  /** As the elector renews: read the Lease, write it back with a new renew time. */
  private void renew(String holder, Instant at) {
    LeaderElectionRecord old = lock.get(client);
    lock.update(
        client,
        new LeaderElectionRecord(
            holder, LEASE_DURATION, old.getAcquireTime(), at(at), old.getLeaderTransitions()));
  }

  private static ZonedDateTime at(Instant instant) {
    return instant.atZone(ZoneOffset.UTC);
  }

  /** A clock that moves only when told. */
  static final class HandClock extends Clock {
    private volatile Instant now;

    HandClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
