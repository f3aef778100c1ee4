package io.vibework.notify.worker.delivery;

/** What to tell Pub/Sub about a message once the pipeline is done with it. */
public enum Outcome {
  /** Done for good: delivered, skipped, or dead-lettered. */
  ACK,
  /** Failed for now, or the worker is stopping: redeliver. */
  NACK
}
