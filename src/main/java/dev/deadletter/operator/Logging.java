package dev.deadletter.operator;

/**
 * Chooses the logback configuration before logback starts: logback.xml (text) or logback-json.xml.
 */
final class Logging {

  private Logging() {}

  static void configure(OperatorConfig config) {
    System.setProperty("LOG_LEVEL", config.logLevel());
    if (config.logFormat() == OperatorConfig.LogFormat.JSON
        && System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
  }
}
