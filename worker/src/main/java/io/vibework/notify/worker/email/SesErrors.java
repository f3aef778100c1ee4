package io.vibework.notify.worker.email;

import java.util.Set;

/** Sorts SES v2 errors into "this message" and "the whole account" by error code and status. */
final class SesErrors {
  /** What a failed send says about the next one. */
  enum Kind {
    /** About this message or recipient: it will never succeed. */
    MESSAGE,
    /** About the account or credentials: no message will succeed until it clears. */
    ACCOUNT,
    /** SES itself is unwell (5xx, network): retry this message later. */
    SERVICE
  }

  private static final Set<String> ACCOUNT_CODES =
      Set.of(
          "SendingPausedException",
          "AccountSuspendedException",
          "MailFromDomainNotVerifiedException",
          "LimitExceededException",
          "TooManyRequestsException",
          "Throttling",
          "ThrottlingException",
          "InvalidClientTokenId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "ExpiredTokenException",
          "UnrecognizedClientException",
          "AccessDeniedException",
          "AccessDenied",
          "IncompleteSignature",
          "MissingAuthenticationToken");

  private SesErrors() {}

  static Kind classify(int status, String code) {
    if (code != null && ACCOUNT_CODES.contains(code)) {
      return Kind.ACCOUNT;
    }
    if (status == 401 || status == 403 || status == 429) {
      return Kind.ACCOUNT;
    }
    if (status >= 500 || status == 408) {
      return Kind.SERVICE;
    }
    return Kind.MESSAGE;
  }
}
