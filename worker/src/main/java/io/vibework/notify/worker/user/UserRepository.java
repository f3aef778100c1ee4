package io.vibework.notify.worker.user;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vibework.notify.worker.config.MySqlSettings;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/** Reads users from MySQL through a HikariCP pool; the backend owns the schema. */
public final class UserRepository implements AutoCloseable {
  private static final String FIND_BY_ID = "SELECT id, email, name FROM users WHERE id = ?";

  private final HikariDataSource pool;
  private final Timer queryLatency;

  public UserRepository(MySqlSettings settings, MeterRegistry registry) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("users");
    config.setJdbcUrl(settings.jdbcUrl());
    config.setUsername(settings.user());
    config.setPassword(settings.password());
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setMinimumIdle(Math.min(2, settings.maxPoolSize()));
    config.setConnectionTimeout(3_000);
    config.setValidationTimeout(1_000);
    config.setReadOnly(true);
    // Start even while MySQL is away: readiness reports it and messages are nacked until it
    // returns.
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("connectTimeout", "3000");
    config.addDataSourceProperty("socketTimeout", "10000");
    config.addDataSourceProperty("cachePrepStmts", "true");
    config.addDataSourceProperty("useServerPrepStmts", "true");
    config.setMetricRegistry(registry);
    this.pool = new HikariDataSource(config);
    this.queryLatency =
        Timer.builder("notify.worker.db.query.duration")
            .description("Latency of MySQL user lookups")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
  }

  /** The user, or empty when no row has that id. Database trouble is a {@link TransientFailure}. */
  public Optional<User> findById(String id) {
    Timer.Sample sample = Timer.start();
    try (Connection connection = pool.getConnection();
        PreparedStatement statement = connection.prepareStatement(FIND_BY_ID)) {
      statement.setString(1, id);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next()
            ? Optional.of(
                new User(rows.getString("id"), rows.getString("email"), rows.getString("name")))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw new TransientFailure("mysql lookup failed: " + e.getClass().getSimpleName(), e);
    } finally {
      sample.stop(queryLatency);
    }
  }

  /** A cheap round trip for the readiness check. */
  public void ping() throws SQLException {
    try (Connection connection = pool.getConnection()) {
      if (!connection.isValid(1)) {
        throw new SQLException("connection not valid");
      }
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
