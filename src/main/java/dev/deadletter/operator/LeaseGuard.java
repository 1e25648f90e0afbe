package dev.deadletter.operator;

import dev.deadletter.jobs.Leadership;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether this process still holds the leader Lease, as far as it can tell on its own clock, even
 * when it cannot reach the API server.
 *
 * <p>Fabric8's leader elector only notices a lost Lease after a renewal fails, and a renewal cut
 * off from the API server waits for its request timeout (and the client's retries) first: the old
 * leader can go on reconciling while another replica already leads. So the guard does not wait for
 * the elector: as an HTTP {@link Interceptor} on the operator's client it sees each write of the
 * Lease that the API server accepted, and takes the holder and renew time written there (the
 * elector stamps them on this machine's clock before it sends the write). Another replica may take
 * the Lease over once renew time + lease duration has passed; the guard says yes only until renew
 * time + renew deadline, so a create it lets through has the rest (lease duration - renew deadline)
 * to land before a takeover can happen.
 *
 * <p>Once this replica saw another holder, or was told it lost the Lease ({@link #revoke}), the
 * answer stays no: JOSDK cannot restart its controllers, so the process exits.
 */
final class LeaseGuard implements Leadership, Interceptor {

  static final String NAME = "deadletter-lease-guard";

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH");

  /** A write of the Lease that the API server accepted. */
  record Renewal(String holder, Instant renewTime) {}

  private final String identity;
  private final String leasesPath;
  private final String leaseName;
  private final Duration renewDeadline;
  private final Clock clock;
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private volatile Renewal last;
  private volatile boolean revoked;

  LeaseGuard(
      String identity,
      String leaseNamespace,
      String leaseName,
      Duration renewDeadline,
      Clock clock) {
    this.identity = identity;
    this.leasesPath = "/apis/coordination.k8s.io/v1/namespaces/" + leaseNamespace + "/leases";
    this.leaseName = leaseName;
    this.renewDeadline = renewDeadline;
    this.clock = clock;
  }

  String identity() {
    return identity;
  }

  @Override
  public boolean holdsLease() {
    return deadline().filter(d -> clock.instant().isBefore(d)).isPresent();
  }

  /**
   * Until when this replica may act as the leader: its last accepted renewal plus the renew
   * deadline; empty if it never held the Lease, saw another holder or was revoked.
   */
  Optional<Instant> deadline() {
    Renewal r = last;
    if (revoked || r == null || !identity.equals(r.holder())) {
      return Optional.empty();
    }
    return Optional.of(r.renewTime().plus(renewDeadline));
  }

  /** Whether this replica held the Lease and its renew deadline has passed without a renewal. */
  boolean expired() {
    return deadline().filter(d -> !clock.instant().isBefore(d)).isPresent();
  }

  /** The API server accepted a write of the Lease with this holder and renew time. */
  void renewed(String holder, Instant renewTime) {
    Renewal r = last;
    if (r == null || renewTime.isAfter(r.renewTime())) {
      last = new Renewal(holder, renewTime);
    }
  }

  /**
   * The elector saw this holder in the Lease (JOSDK's onNewLeader). Another holder after this
   * replica's own renewals means it lost the Lease; a standby that never held it just waits.
   */
  void leaderIs(String holder) {
    Renewal r = last;
    if (r != null && identity.equals(r.holder()) && !identity.equals(holder)) {
      revoked = true;
    }
  }

  /** From now on, never: the Lease is lost, or may be. */
  void revoke() {
    revoked = true;
  }

  @Override
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    if (!WRITES.contains(request.method())
        || !request.uri().getRawPath().startsWith(leasesPath)
        || response.code() < 200
        || response.code() >= 300) {
      return;
    }
    String body = request.bodyString();
    if (body == null) {
      return;
    }
    Lease lease;
    try {
      lease = serialization.unmarshal(body, Lease.class);
    } catch (RuntimeException e) {
      return; // not a Lease this guard understands: it proves nothing
    }
    if (lease == null
        || lease.getMetadata() == null
        || !leaseName.equals(lease.getMetadata().getName())
        || lease.getSpec() == null
        || lease.getSpec().getHolderIdentity() == null
        || lease.getSpec().getRenewTime() == null) {
      return;
    }
    renewed(lease.getSpec().getHolderIdentity(), lease.getSpec().getRenewTime().toInstant());
  }
}
