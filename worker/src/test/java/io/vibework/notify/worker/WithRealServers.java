package io.vibework.notify.worker;

import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every real server a worker talks to, started once per test class, and the {@link PipelineFixture}
 * over them. Each test leaves the servers running and stops the workers it started.
 */
public abstract class WithRealServers {
  @RegisterExtension protected static final RedisServer redis = new RedisServer();
  @RegisterExtension protected static final MariaDbServer mysql = new MariaDbServer();
  @RegisterExtension protected static final PubSubEmulator pubsub = new PubSubEmulator();
  @RegisterExtension protected static final SesEmulator ses = new SesEmulator();
  @RegisterExtension protected static final MongoServer mongo = new MongoServer();

  protected static PipelineFixture fixture;

  @BeforeAll
  static void startFixture() {
    fixture = new PipelineFixture(redis, mysql, pubsub, ses, mongo);
  }

  @AfterEach
  void stopWorkersAndRestoreServers() {
    fixture.stopWorkers();
    if (!redis.isRunning()) {
      redis.start();
    }
  }

  @AfterAll
  static void closeFixture() {
    fixture.close();
  }
}
