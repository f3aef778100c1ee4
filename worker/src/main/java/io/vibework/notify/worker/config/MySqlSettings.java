package io.vibework.notify.worker.config;

/** MySQL (or MariaDB) holding the backend's {@code users} table. */
public record MySqlSettings(
    String host, int port, String user, String password, String database, int maxPoolSize) {

  static MySqlSettings from(Env env) {
    return new MySqlSettings(
        env.required("MYSQL_HOST"),
        env.integer("MYSQL_PORT", 3306, 1, 65535),
        env.required("MYSQL_USER"),
        env.required("MYSQL_PASSWORD"),
        env.required("MYSQL_DATABASE"),
        env.integer("MYSQL_POOL_MAX_CONNECTIONS", 10, 1, 500));
  }

  public String jdbcUrl() {
    return "jdbc:mysql://" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "MySqlSettings[url="
        + jdbcUrl()
        + ", user="
        + user
        + ", maxPoolSize="
        + maxPoolSize
        + ", password=***]";
  }
}
