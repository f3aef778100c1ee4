package io.vibework.notify.operator.informer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * An informer store that keeps what {@link #onArrival} makes of each object, keyed by namespace and
 * name: the place to shrink what a cache holds.
 */
public abstract class TransformingStore<T extends HasMetadata> implements ItemStore<T> {

  private final BasicItemStore<T> delegate = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  /** What to keep of an object the informer received; may change and return it. */
  protected abstract T onArrival(T object);

  @Override
  public final String getKey(T object) {
    return delegate.getKey(object);
  }

  @Override
  public final T put(String key, T object) {
    return delegate.put(key, onArrival(object));
  }

  @Override
  public final T remove(String key) {
    return delegate.remove(key);
  }

  @Override
  public final Stream<String> keySet() {
    return delegate.keySet();
  }

  @Override
  public final Stream<T> values() {
    return delegate.values();
  }

  @Override
  public final int size() {
    return delegate.size();
  }

  @Override
  public final T get(String key) {
    return delegate.get(key);
  }
}
