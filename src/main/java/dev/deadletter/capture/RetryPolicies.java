package dev.deadletter.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deadletter.api.v1alpha1.RetryPolicy;

/**
 * Reads a retry policy written by hand in an annotation or a setting: YAML, or JSON (which is
 * YAML).
 */
public final class RetryPolicies {

  // Strict: a misspelled field is an error, not a silently ignored setting.
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private RetryPolicies() {}

  /**
   * @throws IllegalArgumentException with the parser's explanation
   */
  public static RetryPolicy parse(String text) {
    try {
      RetryPolicy policy = YAML.readValue(text, RetryPolicy.class);
      if (policy == null) {
        throw new IllegalArgumentException("empty retry policy");
      }
      return policy;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a retry policy: " + e.getOriginalMessage(), e);
    }
  }
}
