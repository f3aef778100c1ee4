package io.vibework.notify.testkit;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * An in-memory MongoDB ({@code de.bwaldvogel:mongo-java-server}, wire protocol in this JVM) on a
 * free loopback port. Data lives as long as the server: {@link #stop()} then {@link #start()}
 * serves on the same port with an empty backend.
 */
public final class MongoServer extends ClassScopedServer {

  private de.bwaldvogel.mongo.MongoServer server;
  private int port;

  /** Starts the server (same port as before after a {@link #stop()}); no-op when running. */
  @Override
  public synchronized MongoServer start() {
    if (server != null) {
      return this;
    }
    de.bwaldvogel.mongo.MongoServer created =
        new de.bwaldvogel.mongo.MongoServer(new MemoryBackend());
    if (port == 0) {
      created.bind(Ports.LOOPBACK, 0);
      port = created.getLocalAddress().getPort();
    } else {
      created.bind(Ports.LOOPBACK, port);
    }
    server = created;
    return this;
  }

  /** Stops listening and drops all data; the port is kept for a later {@link #start()}. */
  public synchronized void stop() {
    if (server != null) {
      server.shutdownNow();
      server = null;
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  @Override
  public synchronized void close() {
    stop();
    port = 0;
  }

  public String host() {
    return Ports.LOOPBACK;
  }

  public synchronized int port() {
    if (port == 0) {
      throw new IllegalStateException("mongo has not been started");
    }
    return port;
  }

  /** {@code mongodb://127.0.0.1:N} */
  public String connectionString() {
    return "mongodb://" + host() + ":" + port();
  }

  /** {@code mongodb://127.0.0.1:N/<database>}: the shape of {@code MONGODB_URL}. */
  public String url(String database) {
    return connectionString() + "/" + database;
  }

  @Override
  public String toString() {
    return "mongo[" + Ports.LOOPBACK + ":" + port + "]";
  }
}
