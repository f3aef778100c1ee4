package io.vibework.notify.worker.email;

import io.vibework.notify.worker.delivery.PermanentFailure;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;

/** Turns a notification for its recipient into what SES is asked to send. */
public interface EmailComposer {
  /**
   * @throws PermanentFailure when no email can ever be made of it
   */
  OutgoingEmail compose(Notification notification, User user);
}
