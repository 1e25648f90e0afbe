package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.Test;

class TokenRefreshTest {

  @Test
  void aClientCertificateWithNoTokenNeedsNoRefresh() {
    assertThat(TokenRefresh.needed(Config.fromKubeconfig(kubeconfig(CERTIFICATE)))).isFalse();
  }

  @Test
  void aUsernameAndPasswordNeedNoRefresh() {
    assertThat(TokenRefresh.needed(Config.fromKubeconfig(kubeconfig(BASIC)))).isFalse();
  }

  @Test
  void aTokenIsKeptFresh() {
    assertThat(TokenRefresh.needed(Config.fromKubeconfig(kubeconfig(TOKEN)))).isTrue();
  }

  @Test
  void anAuthProviderIsKeptFresh() {
    assertThat(TokenRefresh.needed(Config.fromKubeconfig(kubeconfig(OIDC)))).isTrue();
  }

  private static final String CERTIFICATE =
      "client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n";
  private static final String BASIC = "username: admin\n    password: secret\n";
  private static final String TOKEN = "token: abc.def.ghi\n";
  private static final String OIDC =
      """
      auth-provider:
            name: oidc
            config:
              client-id: deadletter
              id-token: abc.def.ghi
              idp-issuer-url: https://issuer.example
      """;

  private static String kubeconfig(String user) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: https://127.0.0.1:6443
        users:
        - name: me
          user:
            %s
        contexts:
        - name: local
          context:
            cluster: local
            user: me
        current-context: local
        """
        .formatted(user.strip());
  }
}
