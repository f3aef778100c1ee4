package io.vibework.notify.operator.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.vibework.notify.operator.informer.TransformingStore;

/**
 * The Secret informer's store: every Secret is {@linkplain SecretDigests#digest digested} as it
 * arrives. The informer still lists and watches whole Secrets (RBAC cannot grant metadata only, and
 * an arbitrary user Secret carries no label to select on), but what it keeps is a few hundred bytes
 * per Secret, and no value.
 */
public final class DigestingSecretStore extends TransformingStore<Secret> {

  @Override
  protected Secret onArrival(Secret secret) {
    return SecretDigests.digest(secret);
  }
}
