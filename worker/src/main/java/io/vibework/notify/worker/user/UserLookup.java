package io.vibework.notify.worker.user;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.worker.cache.CacheUnavailableException;
import io.vibework.notify.worker.cache.RedisCache;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache-aside user lookup: Redis first ({@code {prefix}user:{id}}), MySQL on a miss, then the cache
 * is filled. Redis trouble never fails a lookup; it only costs a database read.
 */
public final class UserLookup {
  private static final Logger log = LoggerFactory.getLogger(UserLookup.class);

  private final RedisCache cache;
  private final UserRepository users;
  private final ObjectMapper json;

  public UserLookup(RedisCache cache, UserRepository users, ObjectMapper json) {
    this.cache = cache;
    this.users = users;
    this.json = json;
  }

  public static String key(String userId) {
    return "user:" + userId;
  }

  public Optional<User> find(String userId) {
    Optional<User> cached = fromCache(userId);
    if (cached.isPresent()) {
      return cached;
    }
    Optional<User> user = users.findById(userId);
    user.ifPresent(this::remember);
    return user;
  }

  private Optional<User> fromCache(String userId) {
    try {
      return cache.get(key(userId)).flatMap(this::decode);
    } catch (CacheUnavailableException e) {
      return Optional.empty();
    }
  }

  private Optional<User> decode(String value) {
    try {
      return Optional.of(json.readValue(value, User.class));
    } catch (JsonProcessingException e) {
      log.warn("ignoring unreadable cached user");
      return Optional.empty();
    }
  }

  private void remember(User user) {
    try {
      cache.set(key(user.id()), json.writeValueAsString(user));
    } catch (CacheUnavailableException | JsonProcessingException e) {
      log.atDebug().addKeyValue("userId", user.id()).log("could not cache user");
    }
  }
}
