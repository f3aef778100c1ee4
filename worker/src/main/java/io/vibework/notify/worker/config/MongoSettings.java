package io.vibework.notify.worker.config;

import com.mongodb.ConnectionString;

/** MongoDB holding the {@code notifications} collection; the database is the URL's path. */
public record MongoSettings(ConnectionString url, String database, int poolSize) {

  static MongoSettings from(Env env) {
    String raw = env.required("MONGODB_URL");
    ConnectionString url;
    try {
      url = new ConnectionString(raw);
    } catch (IllegalArgumentException e) {
      // The driver's message may quote the URL, which can hold a password.
      throw new ConfigException(
          "MONGODB_URL", "is not a valid mongodb:// or mongodb+srv:// connection string");
    }
    if (url.getDatabase() == null || url.getDatabase().isBlank()) {
      throw new ConfigException(
          "MONGODB_URL",
          "must name the database in its path, e.g. mongodb://host:27017/notifications");
    }
    return new MongoSettings(
        url, url.getDatabase(), env.integer("MONGODB_CONNECTION_POOL_SIZE", 10, 1, 500));
  }

  @Override
  public String toString() {
    return "MongoSettings[hosts="
        + url.getHosts()
        + ", database="
        + database
        + ", poolSize="
        + poolSize
        + "]";
  }
}
