package dev.deadletter.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.policy.EffectivePolicy;
import java.util.List;

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

  /**
   * Holds a policy that does not go through the API server (a setting) to the rules a task's policy
   * meets: the CRD schema's field constraints, then what the operator itself checks when it runs a
   * task ({@link EffectivePolicy#of}: durations and their maximum, the backoff). The CRD's CEL
   * rules on rules[] (one matcher per rule, no exit code 0 with In) are not evaluated here.
   *
   * @return the policy
   * @throws IllegalArgumentException naming the field(s) at fault
   */
  public static RetryPolicy check(RetryPolicy policy) {
    List<String> problems = SchemaConstraints.violations(policy, "retryPolicy");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    DeadLetterTaskSpec spec = new DeadLetterTaskSpec();
    spec.setRetryPolicy(policy);
    EffectivePolicy.of(spec);
    return policy;
  }
}
