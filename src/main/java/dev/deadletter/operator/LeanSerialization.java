package dev.deadletter.operator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;

/**
 * The operator client's JSON mapping, which builds less of what it reads (GET, LIST or watch):
 *
 * <ul>
 *   <li>no {@code metadata.managedFields} on any object. The operator writes status by server-side
 *       apply and never reads who owns which field, yet managedFields are about 40 % of an attempt
 *       pod's or Job's JSON and, parsed into nested maps, more of its heap;
 *   <li>of a Pod's spec only {@code nodeName}. The operator creates no pods; of an attempt's pod it
 *       reads labels, status and the node. A Job's pod template is a different type and is read
 *       whole (captured Jobs need it).
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
    mapper.addMixIn(Pod.class, PodWithNodeNameOnly.class);
    return new KubernetesSerialization(mapper, true);
  }

  @JsonIgnoreProperties(value = "managedFields", allowGetters = true)
  private interface WithoutManagedFields {}

  private abstract static class PodWithNodeNameOnly {
    @JsonDeserialize(using = NodeNameOnly.class)
    abstract void setSpec(PodSpec spec);
  }

  /** Reads a pod spec as a PodSpec with nothing but its nodeName; the rest is skipped unparsed. */
  static final class NodeNameOnly extends StdDeserializer<PodSpec> {

    NodeNameOnly() {
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
        } else {
          parser.skipChildren();
        }
      }
      return spec;
    }
  }
}
