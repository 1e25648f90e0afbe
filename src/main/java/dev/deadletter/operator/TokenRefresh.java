package dev.deadletter.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.Interceptor;

/**
 * Whether the client needs Fabric8's token refresh, and what takes its place when it does not.
 *
 * <p>Fabric8's {@code TokenRefreshInterceptor} reloads the kubeconfig (or the service account
 * files) at most once a minute, but only a reload that finds a token starts the next minute. A
 * client that authenticates with a certificate and has no token therefore re-reads and parses its
 * kubeconfig before every request: 7.6 % of the operator's CPU in a benchmark run from such a
 * kubeconfig. A reload could not change a certificate anyway: the HTTP client reads it once, when
 * it is built. So a client that starts with no token of any kind goes without the refresh; a token
 * added to its kubeconfig later is read at the next start.
 */
final class TokenRefresh {

  /** Does nothing, under the name of Fabric8's token refresh interceptor, which it replaces. */
  static final Interceptor NONE = new Interceptor() {};

  private TokenRefresh() {}

  /**
   * True when the client authenticates with a token that may need refreshing: one given, read from
   * a file or a service account, returned by an exec plugin, or from an auth provider (OIDC).
   */
  static boolean needed(Config config) {
    return config.getOauthToken() != null
        || config.getAutoOAuthToken() != null
        || config.getOauthTokenProvider() != null
        || config.getAuthProvider() != null;
  }
}
