package dev.deadletter.operator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The operator client's JSON mapping: every object it reads, from a GET, a LIST or a watch, is
 * built without {@code metadata.managedFields}. The operator writes status by server-side apply and
 * never reads who owns which field, yet managedFields are about 40 % of an attempt pod's or Job's
 * JSON and, parsed into nested maps, more of its heap. The informers' first LIST of thousands of
 * pods and Jobs is parsed whole before any cache can trim it, so skipping them while parsing is
 * what lowers the operator's peak heap at start (issue 7). Writes are unaffected: an object sent
 * without managedFields leaves them as they are on the server.
 */
public final class LeanSerialization {

  private LeanSerialization() {}

  public static KubernetesSerialization create() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    return new KubernetesSerialization(mapper, true);
  }

  @JsonIgnoreProperties(value = "managedFields", allowGetters = true)
  private interface WithoutManagedFields {}
}
