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
import java.util.regex.Pattern;

/**
 * mongo-java-server's in-memory backend, with one thing a real MongoDB does and it does not: a
 * filter that pins {@code _id} to one value and adds other conditions ({@code {_id: X, state: Y}})
 * is answered through the {@code _id} index instead of by scanning the collection. Without this a
 * conditional update by id costs time proportional to the collection, which no MongoDB user sees
 * and which would make every benchmark of such updates measure the emulator.
 */
final class IdIndexedBackend extends MemoryBackend {

  @Override
  public IdIndexedDatabase openOrCreateDatabase(String databaseName) {
    return new IdIndexedDatabase(databaseName, getCursorRegistry());
  }

  static final class IdIndexedDatabase extends MemoryDatabase {
    IdIndexedDatabase(String name, CursorRegistry cursorRegistry) {
      super(name, cursorRegistry);
    }

    @Override
    protected MemoryCollection openOrCreateCollection(
        String collectionName, CollectionOptions options) {
      return new IdIndexedCollection(this, collectionName, options, cursorRegistry);
    }
  }

  static final class IdIndexedCollection extends MemoryCollection {
    IdIndexedCollection(
        MongoDatabase database,
        String collectionName,
        CollectionOptions options,
        CursorRegistry cursorRegistry) {
      super(database, collectionName, options, cursorRegistry);
    }

    @Override
    protected QueryResult queryDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      Object id = query.get("_id");
      if (query.size() > 1 && isPlainValue(id)) {
        for (Index<Integer> index : getIndexes()) {
          if (index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals("_id")) {
            // The index narrows to at most one document; the full filter still decides.
            Iterable<Integer> positions = index.getPositions(new Document("_id", id));
            return matchDocuments(
                query, positions, orderBy, numberToSkip, limit, batchSize, fieldSelector);
          }
        }
      }
      return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    private static boolean isPlainValue(Object id) {
      return id != null
          && !(id instanceof Document)
          && !(id instanceof Collection)
          && !(id instanceof Pattern);
    }
  }
}
