package io.vibework.notify.worker.email;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SES stored templates a send found missing, for {@code /readyz} (the operator lists them in
 * the pipeline's status). A later send of the same template that SES accepts clears it; so does the
 * recheck every minute with GetEmailTemplate, so a template created in SES leaves the list even
 * while no notification of its type comes. Without {@code ses:GetEmailTemplate} the list says it
 * could not check.
 */
public final class MissingTemplates implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MissingTemplates.class);

  /** The dead-letter and {@code notification-sent} reason of a send SES had no template for. */
  public static final String REASON = "unknown_template";

  static final Duration RECHECK = Duration.ofMinutes(1);
  // The names are notification data: a backend bug must not grow this without bound.
  static final int MAX_NAMES = 50;

  /** Asks SES whether it has a template; throws when SES did not say. */
  @FunctionalInterface
  public interface Lookup {
    boolean exists(String templateName);
  }

  /** GetEmailTemplate was refused (an IAM policy without it, say): the list cannot be checked. */
  public static final class LookupRefused extends RuntimeException {
    public LookupRefused(String code) {
      super(code, null, false, false);
    }
  }

  private final Set<String> names = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("ses-templates").factory());
  private volatile String refusedBy;

  public void missing(String templateName) {
    if (names.size() < MAX_NAMES) {
      names.add(templateName);
    }
  }

  public void found(String templateName) {
    names.remove(templateName);
  }

  public void start(Lookup lookup) {
    timer.scheduleWithFixedDelay(
        () -> recheck(lookup), RECHECK.toSeconds(), RECHECK.toSeconds(), TimeUnit.SECONDS);
  }

  void recheck(Lookup lookup) {
    for (String name : List.copyOf(names)) {
      try {
        if (lookup.exists(name)) {
          names.remove(name);
        }
        refusedBy = null;
      } catch (LookupRefused e) {
        refusedBy = e.getMessage();
        return;
      } catch (RuntimeException e) {
        // SES unreachable: the list stays as it was until the next round.
        log.atDebug()
            .addKeyValue("error", e.getClass().getSimpleName())
            .log("could not recheck missing SES templates");
        return;
      }
    }
  }

  /**
   * The {@code sesTemplates} detail of {@code /readyz}: {@code missing} (sorted), and {@code
   * checkRefused} with SES's error code when GetEmailTemplate was refused.
   */
  public Map<String, Object> detail() {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("missing", names.stream().sorted().toList());
    String refused = refusedBy;
    if (refused != null) {
      detail.put("checkRefused", refused);
    }
    return detail;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
