package io.vibework.notify.operator.informer;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * An informer store that drops {@code metadata.managedFields} as objects arrive. Nothing here reads
 * them (the operator updates with whole objects, not server-side apply), yet they are the bulk of a
 * cached object: a Deployment's field sets are a tree of a few hundred small maps. At 10,000
 * pipelines the informers' managed fields alone held gigabytes.
 */
public final class WithoutManagedFieldsStore<T extends HasMetadata> extends TransformingStore<T> {

  @Override
  protected T onArrival(T object) {
    if (object.getMetadata() != null) {
      object.getMetadata().setManagedFields(null);
    }
    return object;
  }
}
