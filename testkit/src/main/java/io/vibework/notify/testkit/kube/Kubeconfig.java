package io.vibework.notify.testkit.kube;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig for one bearer token against the local API (its self-made certificate skipped). */
public final class Kubeconfig {

  private Kubeconfig() {}

  public static Path write(Path file, String server, String token) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        users:
        - name: user
          user:
            token: %s
        contexts:
        - name: local
          context:
            cluster: local
            user: user
            namespace: default
        current-context: local
        """
            .formatted(server, token));
    return file;
  }
}
