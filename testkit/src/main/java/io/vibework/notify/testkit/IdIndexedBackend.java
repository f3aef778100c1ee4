package io.vibework.notify.testkit;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * mongo-java-server's in-memory backend, with one thing a real MongoDB does and it does not: a
 * filter that pins {@code _id} to one value and adds other conditions ({@code {_id: X, state: Y}},
 * or the driver's {@code {$and: [{_id: X}, ...]}}) is answered through the {@code _id} index
 * instead of by scanning the collection. Without this a conditional update by id costs time
 * proportional to the collection, which no MongoDB user sees and which would make every benchmark
 * of such updates measure the emulator.
 */
final class IdIndexedBackend extends MemoryBackend {
  /** How many queries the {@code _id} index answered that plain mongo-java-server would scan. */
  private final AtomicLong narrowed = new AtomicLong();

  long narrowedQueries() {
    return narrowed.get();
  }

  @Override
  public IdIndexedDatabase openOrCreateDatabase(String databaseName) {
    return new IdIndexedDatabase(databaseName, getCursorRegistry(), narrowed);
  }

  static final class IdIndexedDatabase extends MemoryDatabase {
    private final AtomicLong narrowed;

    IdIndexedDatabase(String name, CursorRegistry cursorRegistry, AtomicLong narrowed) {
      super(name, cursorRegistry);
      this.narrowed = narrowed;
    }

    @Override
    protected MemoryCollection openOrCreateCollection(
        String collectionName, CollectionOptions options) {
      return new IdIndexedCollection(this, collectionName, options, cursorRegistry, narrowed);
    }
  }

  static final class IdIndexedCollection extends MemoryCollection {
    private final AtomicLong narrowed;

    IdIndexedCollection(
        MongoDatabase database,
        String collectionName,
        CollectionOptions options,
        CursorRegistry cursorRegistry,
        AtomicLong narrowed) {
      super(database, collectionName, options, cursorRegistry);
      this.narrowed = narrowed;
    }

    @Override
    protected QueryResult queryDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      Object id = pinnedId(query);
      // A bare {_id: X} is already answered through the index by mongo-java-server itself.
      if (id != null && !(query.size() == 1 && query.containsKey("_id"))) {
        for (Index<Integer> index : getIndexes()) {
          if (index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals("_id")) {
            narrowed.incrementAndGet();
            // The index narrows to at most one document; the full filter still decides.
            Iterable<Integer> positions = index.getPositions(new Document("_id", id));
            return matchDocuments(
                query, positions, orderBy, numberToSkip, limit, batchSize, fieldSelector);
          }
        }
      }
      return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    /**
     * The one {@code _id} a filter pins, at its top level or in a top-level {@code $and} (the
     * MongoDB Java driver sends {@code Filters.and(...)} as {@code {$and: [...]}}); else null.
     */
    private static Object pinnedId(Document query) {
      if (isPlainValue(query.get("_id"))) {
        return query.get("_id");
      }
      if (query.get("$and") instanceof Collection<?> clauses) {
        for (Object clause : clauses) {
          if (clause instanceof Document d && d.size() == 1 && isPlainValue(d.get("_id"))) {
            return d.get("_id");
          }
        }
      }
      return null;
    }

    private static boolean isPlainValue(Object id) {
      return id != null
          && !(id instanceof Document)
          && !(id instanceof Collection)
          && !(id instanceof Pattern);
    }
  }
}
