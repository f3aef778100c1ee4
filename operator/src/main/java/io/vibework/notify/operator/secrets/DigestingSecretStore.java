package io.vibework.notify.operator.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * The Secret informer's store: every Secret is {@linkplain SecretDigests#digest digested} as it
 * arrives. The informer still lists and watches whole Secrets (RBAC cannot grant metadata only, and
 * an arbitrary user Secret carries no label to select on), but what it keeps is a few hundred bytes
 * per Secret, and no value.
 */
public final class DigestingSecretStore implements ItemStore<Secret> {

  private final BasicItemStore<Secret> delegate = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(Secret secret) {
    return delegate.getKey(secret);
  }

  @Override
  public Secret put(String key, Secret secret) {
    return delegate.put(key, SecretDigests.digest(secret));
  }

  @Override
  public Secret remove(String key) {
    return delegate.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return delegate.keySet();
  }

  @Override
  public Stream<Secret> values() {
    return delegate.values();
  }

  @Override
  public int size() {
    return delegate.size();
  }

  @Override
  public Secret get(String key) {
    return delegate.get(key);
  }
}
