package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public record MysqlSpec(
    @Required @Pattern(Patterns.HOSTNAME) @JsonPropertyDescription("MySQL host name.") String host,
    @Default("3306") @Min(1) @Max(65535) @JsonPropertyDescription("MySQL port.") Integer port,
    @Required
        @Pattern(Patterns.MYSQL_DATABASE)
        @JsonPropertyDescription("Database holding the users table.")
        String database,
    @Required @JsonPropertyDescription("Secret with keys 'username' and 'password'.")
        SecretRef credentialsSecretRef,
    @Default("10") @Min(1) @Max(100) @JsonPropertyDescription("Connection pool size per worker.")
        Integer maxPoolSize) {

  public static final String USERNAME_KEY = "username";
  public static final String PASSWORD_KEY = "password";

  public int portOrDefault() {
    return port == null ? 3306 : port;
  }

  public int maxPoolSizeOrDefault() {
    return maxPoolSize == null ? 10 : maxPoolSize;
  }
}
