package io.vibework.notify.operator.api;

/** Regular expressions shared by the schema (via annotations) and the operator's own validation. */
public final class Patterns {
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";
  // registry/path[:tag][@sha256:digest], deliberately loose: the registry is the final judge.
  public static final String IMAGE =
      "^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\\w][\\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$";
  public static final String GCP_PROJECT = "^[a-z][-a-z0-9]{4,28}[a-z0-9]$";
  public static final String PUBSUB_NAME = "^[A-Za-z][-A-Za-z0-9._~+%]{2,254}$";
  public static final String HOST_PORT = "^[A-Za-z0-9.-]+:[0-9]{1,5}$";
  public static final String AWS_REGION = "^[a-z]{2}(-[a-z]+)+-[0-9]$";
  public static final String EMAIL = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";
  public static final String HTTP_URL = "^https?://[^\\s]+$";
  public static final String ROLE_ARN = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$";
  public static final String HOSTNAME = "^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$";
  public static final String MYSQL_DATABASE = "^[A-Za-z0-9_$]{1,64}$";
  // No user-info part: the password belongs in passwordSecretRef, never in the URL.
  public static final String REDIS_URL = "^rediss?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[0-9]{1,2})?$";
  public static final String KEY_PREFIX = "^[A-Za-z0-9:_.{}-]{0,64}$";
  // A whole number of seconds as Pub/Sub's JSON API writes durations ("10s").
  public static final String SECONDS = "^[0-9]{1,7}s$";
  public static final String K8S_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  private Patterns() {}
}
