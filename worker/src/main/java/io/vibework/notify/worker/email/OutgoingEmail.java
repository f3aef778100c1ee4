package io.vibework.notify.worker.email;

/** What SES is asked to send to one recipient: content rendered here, or an SES stored template. */
public sealed interface OutgoingEmail permits Email, StoredTemplateEmail {
  String to();
}
