package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MariaDbServerTest {

  @RegisterExtension static final MariaDbServer mysql = new MariaDbServer();

  @Test
  void appUserRunsQueriesWithItsPassword() throws SQLException {
    assertThat(mysql.jdbcUrl())
        .isEqualTo("jdbc:mysql://127.0.0.1:" + mysql.port() + "/notifications");
    try (Connection c =
            DriverManager.getConnection(mysql.jdbcUrl(), mysql.user(), mysql.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1, CURRENT_USER(), DATABASE()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(1);
      assertThat(rs.getString(2)).isEqualTo("app@127.0.0.1");
      assertThat(rs.getString(3)).isEqualTo("notifications");
    }
    assertThatThrownBy(() -> DriverManager.getConnection(mysql.jdbcUrl(), "app", "wrong"))
        .isInstanceOf(SQLException.class);
  }

  @Test
  void dataSurvivesStopAndStartOnTheSamePort() throws SQLException {
    mysql.execute(
        "CREATE TABLE users (id VARCHAR(64) PRIMARY KEY, email VARCHAR(320) NOT NULL, name VARCHAR(255))",
        "INSERT INTO users VALUES ('u1', 'ada@example.com', 'Ada Łovelace')");
    int port = mysql.port();
    mysql.stop();
    assertThat(Ports.isListening(port)).isFalse();
    mysql.start();
    assertThat(mysql.port()).isEqualTo(port);
    try (Connection c = mysql.connect();
        ResultSet rs = c.createStatement().executeQuery("SELECT name FROM users WHERE id = 'u1'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("Ada Łovelace");
    }
  }
}
