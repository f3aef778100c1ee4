package io.vibework.notify.operator.reconciler;

import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;

/** What notify_operator_resources counts as ready: the Ready condition is True. */
final class ReadyPipelines {

  private ReadyPipelines() {}

  static boolean ready(NotificationPipeline p) {
    return p.getStatus() != null && Conditions.isTrue(p.getStatus().conditions(), Conditions.READY);
  }
}
