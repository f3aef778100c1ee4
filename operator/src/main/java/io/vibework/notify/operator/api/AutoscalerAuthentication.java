package io.vibework.notify.operator.api;

/** How KEDA authenticates to Google Cloud to read a subscription's backlog. */
public enum AutoscalerAuthentication {
  /** The pipeline's Pub/Sub key Secret, handed to KEDA through a TriggerAuthentication. */
  CredentialsSecret,
  /** KEDA's own identity (podIdentity provider gcp), e.g. GKE Workload Identity on KEDA. */
  WorkloadIdentity
}
