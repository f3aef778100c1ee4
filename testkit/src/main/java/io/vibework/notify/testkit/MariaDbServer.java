package io.vibework.notify.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A throwaway MariaDB ({@code mariadbd}, own datadir, {@code --no-defaults}) on a free loopback
 * port, standing in for MySQL. On start it has a database {@value #DATABASE} and a user {@value
 * #USER} / {@value #PASSWORD} with all privileges on it (from 127.0.0.1 and localhost), so tests
 * connect with a real password through {@code mysql-connector-j}.
 *
 * <p>{@link #stop()} / {@link #start()} keep the datadir: data survives an outage.
 */
public final class MariaDbServer extends ServerProcess<MariaDbServer> {

  public static final String DATABASE = "notifications";
  public static final String USER = "app";
  public static final String PASSWORD = "app-secret";

  static final String INSTALL_HINT = "run 'make deps' (apt-get install -y mariadb-server)";

  /** Server options shared by mariadb-install-db and mariadbd: small and quiet. */
  private static final List<String> SERVER_OPTIONS =
      List.of(
          "--skip-name-resolve",
          "--innodb-buffer-pool-size=32M",
          "--innodb-log-file-size=16M",
          "--skip-log-bin",
          "--performance-schema=OFF",
          "--character-set-server=utf8mb4",
          "--collation-server=utf8mb4_unicode_ci");

  private Path mariadbd;
  private Path installDb;

  public MariaDbServer() {
    super("mariadb");
  }

  public String database() {
    return DATABASE;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return PASSWORD;
  }

  /** {@code jdbc:mysql://127.0.0.1:N/notifications} */
  public String jdbcUrl() {
    return "jdbc:mysql://" + host() + ":" + port() + "/" + DATABASE;
  }

  /** A new JDBC connection as the app user; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("password", PASSWORD);
    props.setProperty("connectTimeout", "2000");
    return DriverManager.getConnection(jdbcUrl(), props);
  }

  /**
   * Runs statements in order as the app user on one connection (auto-commit).
   *
   * @throws IllegalStateException naming the statement that failed
   */
  public void execute(String... sql) {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      for (String each : sql) {
        try {
          statement.execute(each);
        } catch (SQLException e) {
          throw new IllegalStateException("SQL failed: " + each + ": " + e.getMessage(), e);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to " + jdbcUrl() + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected void verifyInstalled() {
    mariadbd = findExecutable("mariadbd", INSTALL_HINT);
    installDb = findExecutable("mariadb-install-db", INSTALL_HINT);
  }

  @Override
  protected void prepare() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                installDb.toString(),
                "--no-defaults",
                "--datadir=" + dataDir(),
                "--auth-root-authentication-method=socket",
                "--skip-test-db"));
    if (runningAsRoot()) {
      cmd.add("--user=root");
    }
    cmd.addAll(SERVER_OPTIONS);
    runToCompletion(cmd, "install-db.log", Duration.ofSeconds(120));
    // Runs at every start (IF NOT EXISTS): no root login over TCP is needed.
    String init =
        String.join(
            "\n",
            "CREATE DATABASE IF NOT EXISTS `"
                + DATABASE
                + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
            "CREATE USER IF NOT EXISTS '"
                + USER
                + "'@'127.0.0.1' IDENTIFIED BY '"
                + PASSWORD
                + "';",
            "CREATE USER IF NOT EXISTS '"
                + USER
                + "'@'localhost' IDENTIFIED BY '"
                + PASSWORD
                + "';",
            "GRANT ALL PRIVILEGES ON `" + DATABASE + "`.* TO '" + USER + "'@'127.0.0.1';",
            "GRANT ALL PRIVILEGES ON `" + DATABASE + "`.* TO '" + USER + "'@'localhost';",
            "");
    try {
      Files.writeString(initFile(), init);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected List<String> command(int port) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                mariadbd.toString(),
                "--no-defaults",
                "--datadir=" + dataDir(),
                "--socket=" + directory().resolve("mysqld.sock"),
                "--pid-file=" + directory().resolve("mysqld.pid"),
                "--tmpdir=" + directory(),
                "--port=" + port,
                "--bind-address=" + Ports.LOOPBACK,
                "--init-file=" + initFile()));
    if (runningAsRoot()) {
      cmd.add("--user=root");
    }
    cmd.addAll(SERVER_OPTIONS);
    return cmd;
  }

  @Override
  protected boolean isReady() throws SQLException {
    if (!Ports.isListening(port())) {
      return false;
    }
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      return statement.execute("SELECT 1");
    }
  }

  private Path dataDir() {
    return directory().resolve("data").toAbsolutePath();
  }

  private Path initFile() {
    return directory().resolve("init.sql");
  }
}
