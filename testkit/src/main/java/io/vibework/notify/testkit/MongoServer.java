package io.vibework.notify.testkit;

import de.bwaldvogel.mongo.MongoBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * An in-memory MongoDB ({@code de.bwaldvogel:mongo-java-server}, wire protocol in this JVM) on a
 * free loopback port, answering filters on one {@code _id} through the index like MongoDB does
 * ({@link IdIndexedBackend}). Data lives as long as the server: {@link #stop()} then {@link
 * #start()} serves on the same port with an empty backend.
 */
public final class MongoServer extends ClassScopedServer {

  private de.bwaldvogel.mongo.MongoServer server;
  private int port;
  private MongoBackend backend;
  private IdIndexedBackend indexed;

  /** Starts the server (same port as before after a {@link #stop()}); no-op when running. */
  @Override
  public synchronized MongoServer start() {
    if (server != null) {
      return this;
    }
    indexed = new IdIndexedBackend();
    backend = surviving(indexed);
    de.bwaldvogel.mongo.MongoServer created = new de.bwaldvogel.mongo.MongoServer(backend);
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
    backend = null;
  }

  /**
   * Stops listening and drops every connection but keeps the data, like a database that went away
   * for a moment; {@link #resume()} brings it back on the same port with the same data.
   */
  public synchronized void pause() {
    if (server != null) {
      server.shutdownNow();
      server = null;
    }
  }

  /** Listens again after {@link #pause()}, on the same port, with the data it had. */
  public synchronized MongoServer resume() {
    if (server != null) {
      return this;
    }
    if (backend == null || port == 0) {
      throw new IllegalStateException("mongo server was never started");
    }
    de.bwaldvogel.mongo.MongoServer created = new de.bwaldvogel.mongo.MongoServer(backend);
    created.bind(Ports.LOOPBACK, port);
    server = created;
    return this;
  }

  /**
   * The backend with {@code close()} ignored: the server closes its backend on shutdown, which
   * would drop the data {@link #pause()} must keep.
   */
  private static MongoBackend surviving(MongoBackend real) {
    return (MongoBackend)
        Proxy.newProxyInstance(
            MongoBackend.class.getClassLoader(),
            new Class<?>[] {MongoBackend.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null;
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Queries answered through the {@code _id} index that mongo-java-server alone would scan. */
  synchronized long idIndexedQueries() {
    return indexed == null ? 0 : indexed.narrowedQueries();
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
