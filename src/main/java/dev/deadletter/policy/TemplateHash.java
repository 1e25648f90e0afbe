package dev.deadletter.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.HexFormat;

/**
 * A hash of a task's Job template, the same for the same template whatever order its maps were
 * written in: how redrivePolicy.onTemplateChange tells a new template version from the old.
 */
final class TemplateHash {

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .build();

  private TemplateHash() {}

  static String of(JobTemplateSpec template) {
    try {
      return HexFormat.of().formatHex(Sha256.digest(CANONICAL.writeValueAsBytes(template)), 0, 8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a Job template always serializes", e);
    }
  }
}
