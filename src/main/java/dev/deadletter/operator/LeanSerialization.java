package dev.deadletter.operator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.deadletter.jobs.Sidecars;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator client's JSON mapping, which builds less of what it reads (GET, LIST or watch):
 *
 * <ul>
 *   <li>no {@code metadata.managedFields} on any object. The operator writes status by server-side
 *       apply and never reads who owns which field, yet managedFields are about 40 % of an attempt
 *       pod's or Job's JSON and, parsed into nested maps, more of its heap;
 *   <li>of a Pod's spec only {@code nodeName} and, of its init containers, the name of each native
 *       sidecar (restartPolicy Always: its exit code is not the attempt's). The operator creates no
 *       pods; of an attempt's pod it reads labels, status, the node and which containers are
 *       sidecars. A Job's pod template is a different type and is read whole (captured Jobs need
 *       it).
 * </ul>
 *
 * <p>The informers' first LIST of thousands of pods and Jobs is parsed whole before any cache can
 * trim it, so skipping these while parsing is what lowers the operator's peak heap at start (issue
 * 7). Writes are unaffected: an object sent without managedFields leaves them as they are on the
 * server.
 */
public final class LeanSerialization {

  private LeanSerialization() {}

  public static KubernetesSerialization create() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    mapper.addMixIn(Pod.class, PodWithNodeAndSidecarsOnly.class);
    return new KubernetesSerialization(mapper, true);
  }

  @JsonIgnoreProperties(value = "managedFields", allowGetters = true)
  private interface WithoutManagedFields {}

  private abstract static class PodWithNodeAndSidecarsOnly {
    @JsonDeserialize(using = NodeAndSidecarsOnly.class)
    abstract void setSpec(PodSpec spec);
  }

  /**
   * Reads a pod spec as a PodSpec with nothing but its nodeName and its native sidecars' names; the
   * rest is skipped unparsed.
   */
  static final class NodeAndSidecarsOnly extends StdDeserializer<PodSpec> {

    NodeAndSidecarsOnly() {
      super(PodSpec.class);
    }

    @Override
    public PodSpec deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      PodSpec spec = new PodSpec();
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        parser.skipChildren();
        return spec;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if ("nodeName".equals(field)) {
          spec.setNodeName(parser.getValueAsString());
        } else if ("initContainers".equals(field)
            && parser.currentToken() == JsonToken.START_ARRAY) {
          spec.setInitContainers(sidecars(parser));
        } else {
          parser.skipChildren();
        }
      }
      return spec;
    }

    /** Of an array of containers, the sidecars, each as its name and restart policy. */
    private static List<Container> sidecars(JsonParser parser) throws IOException {
      List<Container> sidecars = new ArrayList<>();
      for (JsonToken t = parser.nextToken();
          t != null && t != JsonToken.END_ARRAY;
          t = parser.nextToken()) {
        if (t != JsonToken.START_OBJECT) {
          parser.skipChildren();
          continue;
        }
        String name = null;
        String restartPolicy = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String field = parser.currentName();
          parser.nextToken();
          if ("name".equals(field)) {
            name = parser.getValueAsString();
          } else if ("restartPolicy".equals(field)) {
            restartPolicy = parser.getValueAsString();
          } else {
            parser.skipChildren();
          }
        }
        Container container = Sidecars.named(name, restartPolicy);
        if (Sidecars.isSidecar(container)) {
          sidecars.add(container);
        }
      }
      return sidecars;
    }
  }
}
