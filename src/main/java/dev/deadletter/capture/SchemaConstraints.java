package dev.deadletter.capture;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Checks a part of a task that never went through the API server (a setting) against the schema
 * annotations the CRD is generated from (Fabric8's Required, Min, Max, Size and Pattern, on fields
 * and on list elements), so that it is held to the CRD's rules without a second copy of them. The
 * CEL rules (ValidationRule) are not evaluated here.
 */
final class SchemaConstraints {

  private static final String MODEL_PACKAGE = DeadLetterTask.class.getPackageName();

  private SchemaConstraints() {}

  /** Every violation, as {@code path: problem}; empty when there is none. */
  static List<String> violations(Object value, String path) {
    List<String> problems = new ArrayList<>();
    checkObject(value, path, problems);
    return problems;
  }

  private static void checkObject(Object value, String path, List<String> problems) {
    for (Class<?> c = value.getClass();
        c != null && c.getPackageName().equals(MODEL_PACKAGE);
        c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        field.setAccessible(true);
        Object v;
        try {
          v = field.get(value);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
        String at = path + "." + field.getName();
        if (v == null) {
          if (field.isAnnotationPresent(Required.class)) {
            problems.add(at + ": required");
          }
          continue;
        }
        constraints(field, v, at, problems);
        if (v instanceof List<?> list) {
          AnnotatedElement elements =
              field.getAnnotatedType() instanceof AnnotatedParameterizedType type
                  ? type.getAnnotatedActualTypeArguments()[0]
                  : null;
          for (int i = 0; i < list.size(); i++) {
            Object element = list.get(i);
            if (element == null) {
              continue;
            }
            if (elements != null) {
              constraints(elements, element, at + "[" + i + "]", problems);
            }
            if (isModel(element)) {
              checkObject(element, at + "[" + i + "]", problems);
            }
          }
        } else if (isModel(v)) {
          checkObject(v, at, problems);
        }
      }
    }
  }

  private static void constraints(AnnotatedElement on, Object v, String at, List<String> problems) {
    Min min = on.getAnnotation(Min.class);
    if (min != null && v instanceof Number n) {
      double d = n.doubleValue();
      if (min.inclusive() ? d < min.value() : d <= min.value()) {
        problems.add(
            at + ": must be " + (min.inclusive() ? "at least " : "above ") + number(min.value()));
      }
    }
    Max max = on.getAnnotation(Max.class);
    if (max != null && v instanceof Number n) {
      double d = n.doubleValue();
      if (max.inclusive() ? d > max.value() : d >= max.value()) {
        problems.add(
            at + ": must be " + (max.inclusive() ? "at most " : "below ") + number(max.value()));
      }
    }
    Size size = on.getAnnotation(Size.class);
    if (size != null) {
      long n =
          v instanceof String s
              ? s.codePointCount(0, s.length())
              : v instanceof Collection<?> c ? c.size() : v instanceof Map<?, ?> m ? m.size() : -1;
      String unit = v instanceof String ? " characters" : " items";
      if (n >= 0 && n < size.min()) {
        problems.add(at + ": must have at least " + size.min() + unit);
      } else if (n > size.max()) {
        problems.add(at + ": must have at most " + size.max() + unit + ", got " + n);
      }
    }
    Pattern pattern = on.getAnnotation(Pattern.class);
    if (pattern != null
        && v instanceof String s
        && !java.util.regex.Pattern.compile(pattern.value()).matcher(s).find()) {
      problems.add(at + ": '" + s + "' does not match " + pattern.value());
    }
  }

  private static boolean isModel(Object v) {
    return !v.getClass().isEnum() && v.getClass().getPackageName().equals(MODEL_PACKAGE);
  }

  private static String number(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
