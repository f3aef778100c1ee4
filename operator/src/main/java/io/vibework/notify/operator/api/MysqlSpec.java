package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public record MysqlSpec(
    @Required @Pattern(Patterns.HOSTNAME) @JsonPropertyDescription("MySQL host name.") String host,
    @Default("" + DEFAULT_PORT) @Min(1) @Max(65535) @JsonPropertyDescription("MySQL port.")
        Integer port,
    @Required
        @Pattern(Patterns.MYSQL_DATABASE)
        @JsonPropertyDescription("Database holding the users table.")
        String database,
    @Required @JsonPropertyDescription("Secret with keys 'username' and 'password'.")
        SecretRef credentialsSecretRef,
    @Default("" + DEFAULT_MAX_POOL_SIZE)
        @Min(1)
        @Max(100)
        @JsonPropertyDescription("Connection pool size per worker.")
        Integer maxPoolSize) {

  public static final String USERNAME_KEY = "username";
  public static final String PASSWORD_KEY = "password";
  public static final int DEFAULT_PORT = 3306;
  public static final int DEFAULT_MAX_POOL_SIZE = 10;

  public int portOrDefault() {
    return port == null ? DEFAULT_PORT : port;
  }

  public int maxPoolSizeOrDefault() {
    return maxPoolSize == null ? DEFAULT_MAX_POOL_SIZE : maxPoolSize;
  }
}
