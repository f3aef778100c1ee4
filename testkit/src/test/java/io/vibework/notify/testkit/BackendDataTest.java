package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BackendDataTest {
  @RegisterExtension static final MariaDbServer mysql = new MariaDbServer();
  @RegisterExtension static final MongoServer mongo = new MongoServer();

  @Test
  void theSampleSetIsWhatTheSampleEventsName() throws Exception {
    try (BackendData data = new BackendData(mysql, mongo.connectionString(), "notifications")) {
      data.seedSample();

      try (Connection c = mysql.connect();
          Statement s = c.createStatement();
          ResultSet rows =
              s.executeQuery("SELECT id, email, password_hash FROM users ORDER BY id")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString("id")).isEqualTo("u-ada");
        assertThat(rows.getString("password_hash"))
            .as("a sensitive column the worker must not read")
            .isNotBlank();
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString("id")).isEqualTo("u-grace");
      }
      Document invoice = data.notifications().find(new Document("_id", "n-invoice")).first();
      assertThat(invoice.getString("userId")).isEqualTo("u-grace");
      assertThat(invoice.getString("status")).isEqualTo("pending");
      assertThat(BackendData.SAMPLE_EVENTS.get(1))
          .isEqualTo(BackendData.createdEvent("n-invoice", "u-grace", "email"));
    }
  }
}
