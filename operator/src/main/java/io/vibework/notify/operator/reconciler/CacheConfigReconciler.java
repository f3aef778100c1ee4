package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.CacheConfigStatus;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.health.RedisPinger;
import io.vibework.notify.operator.informer.WithoutManagedFieldsStore;
import io.vibework.notify.operator.metrics.OperatorMetrics;
import io.vibework.notify.operator.validation.InvalidSpecException;
import io.vibework.notify.operator.validation.SpecValidator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PINGs the CacheConfig's Redis every probe interval. The password Secret is read with a GET per
 * check rather than watched: CacheConfigs are few, and a Secret informer would cache every Secret
 * of the watched namespaces a second time.
 */
@ControllerConfiguration(
    name = CacheConfigReconciler.NAME,
    informer = @Informer(itemStore = WithoutManagedFieldsStore.class))
@GradualRetry(
    maxAttempts = -1,
    initialInterval = 2000,
    intervalMultiplier = 2,
    maxInterval = 300_000)
public class CacheConfigReconciler implements Reconciler<CacheConfig> {

  public static final String NAME = "cacheconfig";
  static final String KIND = "CacheConfig";
  private static final Logger log = LoggerFactory.getLogger(CacheConfigReconciler.class);

  private final RedisPinger pinger;
  private final Duration probeInterval;
  private final Clock clock;
  private final OperatorMetrics metrics;

  public CacheConfigReconciler(
      RedisPinger pinger, Duration probeInterval, Clock clock, OperatorMetrics metrics) {
    this.pinger = pinger;
    this.probeInterval = probeInterval;
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public UpdateControl<CacheConfig> reconcile(CacheConfig cc, Context<CacheConfig> context) {
    metrics
        .resources()
        .track(
            KIND,
            cc.getMetadata().getNamespace(),
            context.getPrimaryCache(),
            c ->
                c.getStatus() != null
                    && Conditions.isTrue(c.getStatus().conditions(), Conditions.READY));
    CacheConfigSpec spec = cc.getSpec();
    SpecValidator.validateCache(spec);
    char[] password = spec.passwordSecretRef() == null ? null : password(cc, context);
    long started = System.nanoTime();
    RedisPinger.Result result;
    try {
      result = pinger.ping(spec.url(), spec.tlsEnabled(), password);
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
    }
    metrics.redisPing(result.reachable(), Duration.ofNanos(System.nanoTime() - started));
    CacheConfigStatus status = status(cc, result);
    UpdateControl<CacheConfig> control;
    if (Objects.equals(status, cc.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      boolean wasReachable =
          cc.getStatus() != null && Boolean.TRUE.equals(cc.getStatus().reachable());
      if (!result.reachable()
          && (cc.getStatus() == null || wasReachable || cc.getStatus().reachable() == null)) {
        new EventRecorder(context.getClient(), clock)
            .warning(cc, "RedisUnreachable", unreachableMessage(spec, result));
      }
      if (cc.getStatus() == null
          || !Objects.equals(cc.getStatus().reachable(), status.reachable())) {
        log.atInfo()
            .addKeyValue("namespace", cc.getMetadata().getNamespace())
            .addKeyValue("cacheConfig", cc.getMetadata().getName())
            .addKeyValue("reachable", result.reachable())
            .addKeyValue("latency_ms", result.latencyMillis())
            .log(result.reachable() ? "redis answered PING" : "redis did not answer PING");
      }
      cc.setStatus(status);
      metrics.statusWritten(KIND);
      control = UpdateControl.patchStatus(cc);
    }
    return control.rescheduleAfter(probeInterval);
  }

  CacheConfigStatus status(CacheConfig cc, RedisPinger.Result result) {
    Long generation = cc.getMetadata().getGeneration();
    CacheConfigStatus old = cc.getStatus();
    List<Condition> previous = old == null ? null : old.conditions();
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    // Latency and checkedAt are those of the last change of outcome (reachability or generation):
    // a status that moved with every PING's jitter would be a write per probe, and every pipeline
    // naming this CacheConfig would be woken by it. The live figure is in the metrics.
    boolean sameOutcome =
        old != null
            && Objects.equals(old.reachable(), result.reachable())
            && Objects.equals(old.observedGeneration(), generation);
    Long latency =
        sameOutcome ? old.latencyMillis() : (result.reachable() ? result.latencyMillis() : null);
    String checkedAt = sameOutcome ? old.checkedAt() : now;
    String message =
        result.reachable() ? "Redis answered PING" : unreachableMessage(cc.getSpec(), result);
    List<Condition> conditions =
        Conditions.withKstatus(
            Conditions.of(
                Conditions.READY,
                result.reachable(),
                result.reachable() ? "Reachable" : "Unreachable",
                message,
                generation,
                previous,
                clock),
            Conditions.of(
                Conditions.PROGRESSING,
                false,
                "Checked",
                "checked every " + probeInterval.toSeconds() + "s",
                generation,
                previous,
                clock),
            Conditions.of(
                Conditions.DEGRADED,
                !result.reachable(),
                result.reachable() ? "AsExpected" : "Unreachable",
                result.reachable() ? "" : message,
                generation,
                previous,
                clock),
            Set.of(),
            generation,
            previous,
            clock);
    if (Pause.isPaused(cc)) {
      // Nothing is owned here, but the pipelines using this CacheConfig hold still: say so.
      conditions = new ArrayList<>(conditions);
      conditions.add(
          Conditions.of(
              Pause.CONDITION,
              true,
              "PausedByAnnotation",
              "annotation "
                  + Pause.ANNOTATION
                  + "=true: pipelines using this CacheConfig keep their workers as they are;"
                  + " remove it to resume",
              generation,
              previous,
              clock));
    }
    return new CacheConfigStatus(generation, conditions, result.reachable(), latency, checkedAt);
  }

  private static String unreachableMessage(CacheConfigSpec spec, RedisPinger.Result result) {
    return "Redis at "
        + spec.url()
        + " did not answer PING: "
        + result.error()
        + "; check the url, the network path and the password Secret";
  }

  private char[] password(CacheConfig cc, Context<CacheConfig> context) {
    String namespace = cc.getMetadata().getNamespace();
    String name = cc.getSpec().passwordSecretRef().name();
    String key = cc.getSpec().passwordSecretRef().keyOr(CacheConfigSpec.DEFAULT_PASSWORD_KEY);
    Secret secret = context.getClient().secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new InvalidSpecException(
          InvalidSpecException.SECRET_NOT_FOUND,
          "Secret '"
              + name
              + "' named in spec.passwordSecretRef does not exist in namespace '"
              + namespace
              + "': create it or fix the name");
    }
    if (secret.getData() != null && secret.getData().get(key) != null) {
      byte[] bytes = Base64.getDecoder().decode(secret.getData().get(key));
      char[] chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes)).array();
      Arrays.fill(bytes, (byte) 0);
      return trimNul(chars);
    }
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return secret.getStringData().get(key).toCharArray();
    }
    throw new InvalidSpecException(
        InvalidSpecException.SECRET_KEY_NOT_FOUND,
        "Secret '"
            + name
            + "' named in spec.passwordSecretRef has no key '"
            + key
            + "': add the key to the Secret");
  }

  // CharBuffer.array() may be longer than the decoded text.
  private static char[] trimNul(char[] chars) {
    int end = chars.length;
    while (end > 0 && chars[end - 1] == '\0') {
      end--;
    }
    return end == chars.length ? chars : Arrays.copyOf(chars, end);
  }

  @Override
  public ErrorStatusUpdateControl<CacheConfig> updateErrorStatus(
      CacheConfig cc, Context<CacheConfig> context, Exception e) {
    var invalid = InvalidSpecException.in(e);
    String reason = invalid.map(InvalidSpecException::reason).orElse("CheckFailed");
    String message =
        invalid.isPresent()
            ? invalid.get().getMessage()
            : "the operator could not check this CacheConfig ("
                + e.getClass().getSimpleName()
                + "); it retries with backoff";
    if (invalid.isPresent()) {
      metrics.invalidSpec(KIND, reason);
    }
    Long generation = cc.getMetadata().getGeneration();
    CacheConfigStatus old = cc.getStatus();
    List<Condition> previous = old == null ? null : old.conditions();
    CacheConfigStatus status =
        new CacheConfigStatus(
            generation,
            Conditions.withKstatus(
                Conditions.of(
                    Conditions.READY, false, reason, message, generation, previous, clock),
                Conditions.of(
                    Conditions.PROGRESSING,
                    false,
                    reason,
                    "waiting for the spec to be fixed",
                    generation,
                    previous,
                    clock),
                Conditions.of(
                    Conditions.DEGRADED, true, reason, message, generation, previous, clock),
                Set.of(),
                generation,
                previous,
                clock),
            old == null ? null : old.reachable(),
            old == null ? null : old.latencyMillis(),
            old == null ? null : old.checkedAt());
    if (Objects.equals(status, old)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    new EventRecorder(context.getClient(), clock).warning(cc, reason, message);
    cc.setStatus(status);
    metrics.statusWritten(KIND);
    return ErrorStatusUpdateControl.patchStatus(cc);
  }
}
