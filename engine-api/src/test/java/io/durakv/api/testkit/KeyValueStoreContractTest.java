package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link KeyValueStore} promises in {@code api.md}, one test per promise. An engine module runs it
 * by extending this class:
 *
 * <pre>{@code
 * class LsmContractTest extends KeyValueStoreContractTest {
 *     protected StoreFactory factory() { return new LsmEngine()::open; }
 *     protected int maxKeyBytes() { return LsmEngine.MAX_KEY_BYTES; }
 *     protected int maxValueBytes() { return LsmEngine.MAX_VALUE_BYTES; }
 * }
 * }</pre>
 *
 * <p>Each test gets a fresh directory from JUnit's {@link TempDir} on the local disk; {@link #options()} may change the
 * sync mode or set properties but must keep {@link io.durakv.api.io.LocalDisk}, because some tests compare the
 * directory's files (with {@code java.nio.file.Files}) before and after a call that must write nothing.
 *
 * <p>Crash durability (what {@code sync()} and each {@link io.durakv.api.SyncMode} promise after a power loss) is the
 * crash suite's job; these tests check behaviour across clean close and reopen. Random choices print their seed; set
 * the system property {@code durakv.seed} to replay one.
 */
public abstract class KeyValueStoreContractTest {

    /** Keys in increasing unsigned order, including the empty key, prefixes and bytes >= 0x80. */
    private static final byte[][] ORDERED_KEYS = {
            {}, {0}, {0, 0}, {1}, {1, 0}, {1, (byte) 0xFF}, {2}, {0x7F}, {0x7F, (byte) 0xFF},
            {(byte) 0x80}, {(byte) 0x80, 0}, {(byte) 0xFE}, {(byte) 0xFF}, {(byte) 0xFF, 0}, {(byte) 0xFF, (byte) 0xFF}};

    @TempDir
    protected Path dir;

    private final List<KeyValueStore> opened = Collections.synchronizedList(new ArrayList<>());

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return the engine's documented maximum key size in bytes */
    protected abstract int maxKeyBytes();

    /** @return the engine's documented maximum value size in bytes */
    protected abstract int maxValueBytes();

    /** @return the options every test opens with; override to set the sync mode or properties (keep the local disk) */
    protected StoreOptions.Builder options() {
        return StoreOptions.builder().syncMode(testSyncMode());
    }

    /**
     * @return the sync mode the tests open stores in: SYNC, or {@code -Ddurakv.test.syncMode=NONE|BATCH} (the
     *         {@code mapped-writes} build profile runs the tests again in NONE, on a JVM whose logs write through
     *         mappings)
     */
    public static io.durakv.api.SyncMode testSyncMode() {
        return io.durakv.api.SyncMode.valueOf(System.getProperty("durakv.test.syncMode", "SYNC"));
    }

    /** @return how many keys {@link #largeDataSetRoundtripsAndScansInOrderAfterReopen()} writes */
    protected int bulkKeys() {
        return 5000;
    }

    /**
     * @return properties with a bad value for this engine, each of which must fail {@code open} with an
     *         {@link IllegalArgumentException} naming the property; none by default (the test is then skipped)
     */
    protected Map<String, String> invalidPropertyValues() {
        return Map.of();
    }

    /** Opens the store in the test's directory; it is closed after the test. */
    protected KeyValueStore open() {
        return open(options().build());
    }

    private KeyValueStore open(StoreOptions options) {
        KeyValueStore store = factory().open(dir, options);
        opened.add(store);
        return store;
    }

    /** Closes and reopens the store, as a restart would. */
    protected KeyValueStore reopen(KeyValueStore store) {
        store.close();
        opened.remove(store); // so that only closeIsIdempotent depends on a second close
        return open();
    }

    @AfterEach
    void closeStores() {
        for (KeyValueStore store : opened) {
            store.close();
        }
    }

    // ---- get, put, delete ----

    @Test
    void getOfAbsentKeyReturnsNull() {
        KeyValueStore store = open();
        assertThat(store.get(bytes("absent"))).isNull();
        store.put(bytes("present"), bytes("v"));
        assertThat(store.get(bytes("absent"))).isNull();
        assertThat(store.get(bytes("presen"))).isNull();
        assertThat(store.get(bytes("present!"))).isNull();
    }

    @Test
    void putThenGetReturnsTheValue() {
        KeyValueStore store = open();
        store.put(bytes("k1"), bytes("v1"));
        store.put(bytes("k2"), bytes("v2"));
        assertThat(store.get(bytes("k1"))).isEqualTo(bytes("v1"));
        assertThat(store.get(bytes("k2"))).isEqualTo(bytes("v2"));
    }

    @Test
    void putOverwritesTheEarlierValue() {
        KeyValueStore store = open();
        store.put(bytes("k"), bytes("first"));
        store.put(bytes("k"), bytes("second, longer"));
        assertThat(store.get(bytes("k"))).isEqualTo(bytes("second, longer"));
        store.put(bytes("k"), bytes("3"));
        assertThat(store.get(bytes("k"))).isEqualTo(bytes("3"));
        assertThat(scanAll(store)).containsExactly(kv("k", "3"));
    }

    @Test
    void deleteRemovesTheKey() {
        KeyValueStore store = open();
        store.put(bytes("a"), bytes("1"));
        store.put(bytes("b"), bytes("2"));
        store.delete(bytes("a"));
        assertThat(store.get(bytes("a"))).isNull();
        assertThat(store.get(bytes("b"))).isEqualTo(bytes("2"));
        assertThat(scanAll(store)).containsExactly(kv("b", "2"));
        store.put(bytes("a"), bytes("again"));
        assertThat(store.get(bytes("a"))).isEqualTo(bytes("again"));
    }

    @Test
    void deletingAnAbsentKeyIsNoError() {
        KeyValueStore store = open();
        assertThatCode(() -> store.delete(bytes("never written"))).doesNotThrowAnyException();
        store.put(bytes("k"), bytes("v"));
        store.delete(bytes("k"));
        assertThatCode(() -> store.delete(bytes("k"))).doesNotThrowAnyException();
        assertThat(store.get(bytes("k"))).isNull();
        assertThat(scanAll(store)).isEmpty();
    }

    /** A zero-length key is a valid key, distinct from every other, and sorts first; a zero-length value is a value. */
    @Test
    void emptyKeyAndEmptyValueAreAllowed() {
        KeyValueStore store = open();
        store.put(new byte[0], bytes("value of the empty key"));
        store.put(bytes("k"), new byte[0]);
        store.put(new byte[]{0}, bytes("zero"));
        assertThat(store.get(new byte[0])).isEqualTo(bytes("value of the empty key"));
        assertThat(store.get(bytes("k"))).isNotNull().isEmpty();
        assertThat(scanAll(store)).containsExactly(
                new KeyValue(new byte[0], bytes("value of the empty key")),
                new KeyValue(new byte[]{0}, bytes("zero")),
                new KeyValue(bytes("k"), new byte[0]));
        store = reopen(store);
        assertThat(store.get(new byte[0])).isEqualTo(bytes("value of the empty key"));
        assertThat(store.get(bytes("k"))).isNotNull().isEmpty();
        store.delete(new byte[0]);
        assertThat(store.get(new byte[0])).isNull();
        assertThat(store.get(new byte[]{0})).isEqualTo(bytes("zero"));
    }

    @Test
    void keysAndValuesOfExactlyTheMaximumSizeAreAccepted() {
        KeyValueStore store = open();
        byte[] key = filled(maxKeyBytes(), (byte) 0xA5);
        byte[] value = filled(maxValueBytes(), (byte) 0x5A);
        store.put(key, value);
        store.write(new WriteBatch().put(filled(maxKeyBytes(), (byte) 0x01), value));
        assertThat(store.get(key)).isEqualTo(value);
        store = reopen(store);
        assertThat(store.get(key)).isEqualTo(value);
        assertThat(scanAll(store)).containsExactly(new KeyValue(filled(maxKeyBytes(), (byte) 0x01), value),
                new KeyValue(key, value));
    }

    // ---- order and scan bounds ----

    @Test
    void scanReturnsKeysInUnsignedByteOrder() {
        KeyValueStore store = open();
        List<byte[]> shuffled = new ArrayList<>(Arrays.asList(ORDERED_KEYS));
        Collections.shuffle(shuffled, new Random(seed("scanReturnsKeysInUnsignedByteOrder")));
        for (byte[] key : shuffled) {
            store.put(key, key);
        }
        List<KeyValue> expected = new ArrayList<>();
        for (byte[] key : ORDERED_KEYS) {
            expected.add(new KeyValue(key, key));
        }
        assertThat(scanAll(store)).containsExactlyElementsOf(expected);
        assertThat(scanAll(reopen(store))).containsExactlyElementsOf(expected);
    }

    @Test
    void scanWithBothBoundsNullReturnsEverything() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(null, null))).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void scanFromBoundIsInclusive() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(bytes("c"), null))).containsExactly("c", "d", "e");
        assertThat(keysOf(store.scan(bytes("a"), null))).containsExactly("a", "b", "c", "d", "e");
        assertThat(keysOf(store.scan(bytes("e"), null))).containsExactly("e");
    }

    @Test
    void scanToBoundIsExclusive() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(null, bytes("c")))).containsExactly("a", "b");
        assertThat(keysOf(store.scan(null, bytes("a")))).isEmpty();
        assertThat(keysOf(store.scan(null, bytes("e")))).containsExactly("a", "b", "c", "d");
    }

    @Test
    void scanWithBothBoundsReturnsTheHalfOpenRange() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(bytes("b"), bytes("d")))).containsExactly("b", "c");
        assertThat(keysOf(store.scan(bytes("a"), bytes("b")))).containsExactly("a");
        assertThat(keysOf(store.scan(bytes("a"), bytes("f")))).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void scanOfAnEmptyRangeIsEmpty() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(bytes("c"), bytes("c")))).isEmpty();
        assertThat(keysOf(store.scan(bytes("cc"), bytes("d")))).isEmpty();
        assertThat(keysOf(store.scan(bytes("f"), null))).isEmpty();
    }

    /** The kit's choice for an inverted range (from > to): an empty iterator, not an exception. */
    @Test
    void scanOfAnInvertedRangeIsEmpty() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(bytes("d"), bytes("b")))).isEmpty();
        assertThat(keysOf(store.scan(bytes("b"), new byte[0]))).isEmpty();
    }

    @Test
    void scanBoundsNeedNotBePresentKeys() {
        KeyValueStore store = openWithLetters();
        assertThat(keysOf(store.scan(bytes("bb"), bytes("dd")))).containsExactly("c", "d");
        assertThat(keysOf(store.scan(bytes("a\0"), bytes("c\0")))).containsExactly("b", "c");
        assertThat(keysOf(store.scan(new byte[0], new byte[]{(byte) 0xFF}))).containsExactly("a", "b", "c", "d", "e");
        assertThat(keysOf(store.scan(new byte[]{(byte) 0x80}, null))).isEmpty();
    }

    @Test
    void scanBoundsAreOrderedByUnsignedBytes() {
        KeyValueStore store = open();
        for (byte[] key : ORDERED_KEYS) {
            store.put(key, key);
        }
        // [{1}, {0x80}) holds {1} {1,0} {1,FF} {2} {7F} {7F,FF}: a signed comparison would hold nothing.
        List<byte[]> keys = new ArrayList<>();
        try (KeyValueIterator it = store.scan(new byte[]{1}, new byte[]{(byte) 0x80})) {
            it.forEachRemaining(e -> keys.add(e.key()));
        }
        assertThat(keys).containsExactly(new byte[]{1}, new byte[]{1, 0}, new byte[]{1, (byte) 0xFF}, new byte[]{2},
                new byte[]{0x7F}, new byte[]{0x7F, (byte) 0xFF});
    }

    // ---- batches ----

    @Test
    void batchAppliesEveryOperation() {
        KeyValueStore store = open();
        store.put(bytes("gone"), bytes("x"));
        store.write(new WriteBatch().put(bytes("a"), bytes("1")).put(bytes("b"), bytes("2")).delete(bytes("gone")));
        assertThat(scanAll(store)).containsExactly(kv("a", "1"), kv("b", "2"));
        assertThat(scanAll(reopen(store))).containsExactly(kv("a", "1"), kv("b", "2"));
    }

    @Test
    void batchAppliesOperationsInOrderSoTheLaterOneOnAKeyWins() {
        KeyValueStore store = open();
        store.put(bytes("d"), bytes("old"));
        store.write(new WriteBatch()
                .put(bytes("a"), bytes("1")).delete(bytes("a")).put(bytes("a"), bytes("2"))  // -> 2
                .put(bytes("b"), bytes("1")).delete(bytes("b"))                               // -> absent
                .delete(bytes("c")).put(bytes("c"), bytes("3"))                               // -> 3
                .delete(bytes("d")).put(bytes("d"), bytes("x")).put(bytes("d"), bytes("4"))); // -> 4
        List<KeyValue> expected = List.of(kv("a", "2"), kv("c", "3"), kv("d", "4"));
        assertThat(scanAll(store)).containsExactlyElementsOf(expected);
        assertThat(store.get(bytes("b"))).isNull();
        assertThat(scanAll(reopen(store))).containsExactlyElementsOf(expected);
    }

    @Test
    void emptyBatchIsFine() {
        KeyValueStore store = open();
        store.put(bytes("k"), bytes("v"));
        store.write(new WriteBatch());
        assertThat(scanAll(store)).containsExactly(kv("k", "v"));
        assertThat(scanAll(reopen(store))).containsExactly(kv("k", "v"));
    }

    @Test
    void batchIsReusableAfterWrite() {
        KeyValueStore store = open();
        WriteBatch batch = new WriteBatch().put(bytes("a"), bytes("1")).put(bytes("b"), bytes("1"));
        store.write(batch);
        batch.clear();
        batch.put(bytes("c"), bytes("2")).delete(bytes("a"));
        assertThat(scanAll(store)).as("clearing a written batch changes nothing")
                .containsExactly(kv("a", "1"), kv("b", "1"));
        store.write(batch);
        assertThat(scanAll(store)).containsExactly(kv("b", "1"), kv("c", "2"));
        store.write(batch); // writing the same batch again is allowed and idempotent here
        assertThat(scanAll(reopen(store))).containsExactly(kv("b", "1"), kv("c", "2"));
    }

    @Test
    void batchCopiesItsInputs() {
        KeyValueStore store = open();
        byte[] key = bytes("key");
        byte[] value = bytes("value");
        WriteBatch batch = new WriteBatch().put(key, value);
        key[0] = 'X';
        value[0] = 'X';
        store.write(batch);
        assertThat(store.get(bytes("key"))).isEqualTo(bytes("value"));
        assertThat(store.get(bytes("Xey"))).isNull();
    }

    /** All-or-nothing as seen by readers: a scan never shows part of a batch. Crash atomicity is the crash suite's. */
    @Test
    void scanNeverSeesPartOfABatch() throws Exception {
        KeyValueStore store = open();
        byte[][] keys = {bytes("x1"), bytes("x2"), bytes("x3"), bytes("x4")};
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> reader = pool.submit(() -> {
                int views = 0;
                while (!done.get() || views == 0) {
                    List<KeyValue> seen = scanAll(store);
                    if (!seen.isEmpty()) {
                        assertThat(seen).hasSize(keys.length);
                        assertThat(seen).extracting(e -> new String(e.value(), StandardCharsets.UTF_8))
                                .as("one batch's values").containsOnly(new String(seen.get(0).value(),
                                        StandardCharsets.UTF_8));
                    }
                    views++;
                }
                return views;
            });
            Future<?> writer = pool.submit(() -> {
                for (int round = 0; round < 40; round++) {
                    WriteBatch batch = new WriteBatch();
                    for (byte[] key : keys) {
                        batch.put(key, bytes("round " + round));
                    }
                    store.write(batch);
                }
                done.set(true);
                return null;
            });
            writer.get(60, TimeUnit.SECONDS);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
    }

    // ---- iterators ----

    @Test
    void iteratorDoesNotSeeWritesMadeAfterScanReturned() {
        KeyValueStore store = openWithLetters();
        List<KeyValue> before = scanAll(store);
        try (KeyValueIterator it = store.scan(null, null)) {
            store.put(bytes("aa"), bytes("new key"));
            store.put(bytes("c"), bytes("overwritten"));
            store.delete(bytes("d"));
            store.write(new WriteBatch().delete(bytes("e")).put(bytes("f"), bytes("new")));
            List<KeyValue> seen = new ArrayList<>();
            seen.add(it.next());
            store.delete(bytes("b")); // and a write made while iterating
            store.put(bytes("bb"), bytes("new key"));
            it.forEachRemaining(seen::add);
            assertThat(seen).containsExactlyElementsOf(before);
        }
        assertThat(keysOf(store.scan(null, null))).containsExactly("a", "aa", "bb", "c", "f");
    }

    @Test
    void iteratorOfARangeDoesNotSeeLaterWritesInsideTheRange() {
        KeyValueStore store = openWithLetters();
        try (KeyValueIterator it = store.scan(bytes("b"), bytes("e"))) {
            store.put(bytes("bb"), bytes("new"));
            store.delete(bytes("c"));
            assertThat(keysOf(it)).containsExactly("b", "c", "d");
        }
    }

    @Test
    void iteratorUsesCopiesOfItsBounds() {
        KeyValueStore store = openWithLetters();
        byte[] from = bytes("b");
        byte[] to = bytes("d");
        try (KeyValueIterator it = store.scan(from, to)) {
            from[0] = 'a';
            to[0] = 'z';
            assertThat(keysOf(it)).containsExactly("b", "c");
        }
    }

    @Test
    void iteratorNextPastTheEndThrowsNoSuchElement() {
        KeyValueStore store = openWithLetters();
        try (KeyValueIterator it = store.scan(bytes("e"), null)) {
            assertThat(it.next()).isEqualTo(kv("e", "E"));
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
        try (KeyValueIterator it = store.scan(bytes("x"), null)) {
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void iteratorNextWorksWithoutHasNext() {
        KeyValueStore store = openWithLetters();
        try (KeyValueIterator it = store.scan(null, null)) {
            assertThat(it.next()).isEqualTo(kv("a", "A"));
            assertThat(it.next()).isEqualTo(kv("b", "B"));
        }
    }

    @Test
    void closedIteratorThrowsIllegalState() {
        KeyValueStore store = openWithLetters();
        KeyValueIterator it = store.scan(null, null);
        assertThat(it.next()).isEqualTo(kv("a", "A"));
        it.close();
        assertThatThrownBy(it::hasNext).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class);
        assertThatCode(it::close).as("close is idempotent").doesNotThrowAnyException();
        assertThat(store.get(bytes("a"))).as("closing an iterator leaves the store usable").isEqualTo(bytes("A"));
    }

    @Test
    void iteratorOfAClosedStoreThrowsIllegalState() {
        KeyValueStore store = openWithLetters();
        KeyValueIterator it = store.scan(null, null);
        KeyValueIterator unused = store.scan(bytes("c"), null);
        assertThat(it.next()).isEqualTo(kv("a", "A"));
        store.close();
        assertThatThrownBy(it::hasNext).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(unused::next).isInstanceOf(IllegalStateException.class);
        assertThatCode(it::close).doesNotThrowAnyException();
    }

    // ---- argument checks ----

    @Test
    void nullArgumentsAreRejectedAndNothingIsWritten() throws IOException {
        KeyValueStore store = openWithLetters();
        store.sync();
        Map<String, byte[]> files = filesIn(dir);
        assertRejected(() -> store.get(null));
        assertRejected(() -> store.put(null, bytes("v")));
        assertRejected(() -> store.put(bytes("k"), null));
        assertRejected(() -> store.delete(null));
        assertRejected(() -> store.write(null));
        assertThatThrownBy(() -> new WriteBatch().put(null, bytes("v"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriteBatch().put(bytes("k"), null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriteBatch().delete(null)).isInstanceOf(IllegalArgumentException.class);
        assertUnchanged(store, files);
    }

    @Test
    void oversizeKeysAndValuesAreRejectedAndNothingIsWritten() throws IOException {
        KeyValueStore store = openWithLetters();
        store.sync();
        Map<String, byte[]> files = filesIn(dir);
        byte[] longKey = filled(maxKeyBytes() + 1, (byte) 'a');
        byte[] longValue = filled(maxValueBytes() + 1, (byte) 'v');
        assertRejected(() -> store.put(longKey, bytes("v")));
        assertRejected(() -> store.put(bytes("a"), longValue));
        assertRejected(() -> store.put(bytes("new"), longValue));
        assertRejected(() -> store.delete(longKey));
        assertRejected(() -> store.get(longKey));
        assertUnchanged(store, files);
    }

    @Test
    void batchWithOneOversizeOperationIsRejectedAsAWhole() throws IOException {
        KeyValueStore store = openWithLetters();
        store.sync();
        Map<String, byte[]> files = filesIn(dir);
        assertRejected(() -> store.write(new WriteBatch().put(bytes("new"), bytes("1")).delete(bytes("a"))
                .put(bytes("b"), filled(maxValueBytes() + 1, (byte) 0)).put(bytes("c"), bytes("changed"))));
        assertRejected(() -> store.write(new WriteBatch().put(bytes("new"), bytes("1")).delete(bytes("a"))
                .delete(filled(maxKeyBytes() + 1, (byte) 'k'))));
        assertRejected(() -> store.write(new WriteBatch().put(bytes("new"), bytes("1"))
                .put(filled(maxKeyBytes() + 1, (byte) 'k'), bytes("v"))));
        assertUnchanged(store, files);
    }

    // ---- arrays belong to the caller ----

    @Test
    void arraysPassedInAreCopied() {
        KeyValueStore store = open();
        byte[] key = bytes("key");
        byte[] value = bytes("value");
        store.put(key, value);
        key[0] = 'X';
        value[0] = 'X';
        assertThat(store.get(bytes("key"))).isEqualTo(bytes("value"));
        assertThat(store.get(bytes("Xey"))).isNull();
        assertThat(scanAll(store)).containsExactly(kv("key", "value"));
        byte[] lookup = bytes("key");
        byte[] found = store.get(lookup);
        lookup[0] = 'Y';
        assertThat(store.get(bytes("key"))).isEqualTo(found);
        assertThat(scanAll(reopen(store))).containsExactly(kv("key", "value"));
    }

    @Test
    void arraysReturnedAreTheCallers() {
        KeyValueStore store = open();
        store.put(bytes("key"), bytes("value"));
        byte[] got = store.get(bytes("key"));
        Arrays.fill(got, (byte) 0);
        assertThat(store.get(bytes("key"))).isEqualTo(bytes("value"));
        try (KeyValueIterator it = store.scan(null, null)) {
            KeyValue e = it.next();
            Arrays.fill(e.key(), (byte) 0);
            Arrays.fill(e.value(), (byte) 0);
        }
        assertThat(store.get(bytes("key"))).isEqualTo(bytes("value"));
        assertThat(scanAll(store)).containsExactly(kv("key", "value"));
    }

    // ---- close and locking ----

    @Test
    void everyCallAfterCloseThrowsStoreClosed() {
        KeyValueStore store = openWithLetters();
        store.close();
        assertThatThrownBy(() -> store.get(bytes("a"))).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.put(bytes("a"), bytes("1"))).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.delete(bytes("a"))).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.write(new WriteBatch().put(bytes("a"), bytes("1"))))
                .isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.write(new WriteBatch())).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.scan(null, null)).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(store::sync).isInstanceOf(StoreClosedException.class);
        assertThat(scanAll(open())).as("nothing was written after close").hasSize(5);
    }

    @Test
    void closeIsIdempotent() {
        KeyValueStore store = openWithLetters();
        store.close();
        assertThatCode(store::close).doesNotThrowAnyException();
        assertThatCode(store::close).doesNotThrowAnyException();
        assertThat(scanAll(open())).hasSize(5);
    }

    @Test
    void secondOpenOfAnOpenDirectoryThrowsStoreLockedAndChangesNothing() throws IOException {
        KeyValueStore store = openWithLetters();
        store.sync();
        Map<String, byte[]> files = filesIn(dir);
        assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class);
        assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class);
        assertSameFiles(files);
        store.put(bytes("f"), bytes("F"));
        assertThat(store.get(bytes("f"))).as("the first store still works").isEqualTo(bytes("F"));
        assertThat(keysOf(store.scan(null, null))).containsExactly("a", "b", "c", "d", "e", "f");
    }

    @Test
    void closeReleasesTheDirectoryLock() {
        KeyValueStore store = openWithLetters();
        store.close();
        KeyValueStore again = open();
        assertThat(keysOf(again.scan(null, null))).containsExactly("a", "b", "c", "d", "e");
        again.put(bytes("f"), bytes("F"));
        assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class);
        again.close();
        assertThat(open().get(bytes("f"))).isEqualTo(bytes("F"));
    }

    /** Option validation: an unknown property name fails open with IllegalArgumentException naming it. */
    @Test
    void unknownPropertyFailsOpenNamingIt() {
        String name = "durakv.contractTest.noSuchProperty";
        assertThatThrownBy(() -> open(options().property(name, "1").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
        assertThat(open().get(bytes("k"))).as("the failed open left the directory usable").isNull();
    }

    @Test
    void badPropertyValueFailsOpenNamingIt() {
        Map<String, String> bad = invalidPropertyValues();
        Assumptions.assumeFalse(bad.isEmpty(), "the engine under test lists no invalid property values");
        bad.forEach((name, value) -> assertThatThrownBy(() -> open(options().property(name, value).build()))
                .as("%s=%s", name, value).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name));
        assertThat(open().get(bytes("k"))).isNull();
    }

    // ---- persistence ----

    @Test
    void putsDeletesAndBatchesSurviveReopen() {
        KeyValueStore store = open();
        store.put(bytes("a"), bytes("1"));
        store.put(bytes("b"), bytes("2"));
        store.put(bytes("c"), bytes("3"));
        store.put(bytes("b"), bytes("22"));
        store.delete(bytes("c"));
        store.write(new WriteBatch().put(bytes("d"), bytes("4")).delete(bytes("a")).put(bytes("e"), bytes("5")));
        List<KeyValue> expected = List.of(kv("b", "22"), kv("d", "4"), kv("e", "5"));
        store = reopen(store);
        assertThat(scanAll(store)).containsExactlyElementsOf(expected);
        assertThat(store.get(bytes("a"))).isNull();
        assertThat(store.get(bytes("c"))).isNull();
        store.put(bytes("a"), bytes("back"));
        store = reopen(reopen(store));
        assertThat(scanAll(store)).containsExactly(kv("a", "back"), kv("b", "22"), kv("d", "4"), kv("e", "5"));
    }

    @Test
    void syncSucceedsAndWritesStayReadable() {
        KeyValueStore store = open();
        store.sync();
        store.put(bytes("a"), bytes("1"));
        store.sync();
        store.sync();
        store.write(new WriteBatch().put(bytes("b"), bytes("2")).delete(bytes("a")));
        store.sync();
        assertThat(scanAll(store)).containsExactly(kv("b", "2"));
        assertThat(scanAll(reopen(store))).containsExactly(kv("b", "2"));
    }

    @Test
    void largeDataSetRoundtripsAndScansInOrderAfterReopen() {
        long seed = seed("largeDataSetRoundtripsAndScansInOrderAfterReopen");
        Random random = new Random(seed);
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        List<byte[]> keys = new ArrayList<>();
        // Distinct keys: single puts and batched puts interleave, so a repeated key would make the order ambiguous.
        java.util.Set<byte[]> seen = new java.util.TreeSet<>(Arrays::compareUnsigned);
        while (keys.size() < bulkKeys()) {
            byte[] key = new byte[1 + random.nextInt(24)];
            random.nextBytes(key);
            if (seen.add(key)) {
                keys.add(key);
            }
        }
        KeyValueStore store = open();
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = new byte[random.nextInt(200)];
            random.nextBytes(value);
            model.put(keys.get(i), value);
            if (i % 10 == 0) {
                store.put(keys.get(i), value); // some single puts, the rest in batches of up to 100
            } else {
                batch.put(keys.get(i), value);
            }
            if (batch.size() == 100) {
                store.write(batch);
                batch.clear();
            }
        }
        for (int i = 0; i < keys.size(); i += 7) {
            batch.delete(keys.get(i));
            model.remove(keys.get(i));
        }
        store.write(batch);
        store = reopen(store);
        for (byte[] key : keys) {
            assertThat(store.get(key)).as("seed %d, key %s", seed, Arrays.toString(key)).isEqualTo(model.get(key));
        }
        assertThat(scanAll(store)).as("seed %d", seed).containsExactlyElementsOf(entries(model));
        byte[] from = keys.get(1);
        byte[] to = keys.get(2);
        if (Arrays.compareUnsigned(from, to) > 0) {
            from = keys.get(2);
            to = keys.get(1);
        }
        List<KeyValue> range = new ArrayList<>();
        try (KeyValueIterator it = store.scan(from, to)) {
            it.forEachRemaining(range::add);
        }
        assertThat(range).as("seed %d", seed).containsExactlyElementsOf(entries(model.subMap(from, true, to, false)));
    }

    // ---- threads ----

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        int threads = 6;
        int rounds = 30;
        KeyValueStore store = open();
        // lastWrites.get(t).get(key) = thread t's last value written under key (own and shared keys).
        List<Map<String, String>> lastWrites = new ArrayList<>();
        runThreads(threads, t -> {
            Map<String, String> mine = new HashMap<>();
            lastWrites.add(mine);
            return () -> {
                for (int round = 0; round < rounds; round++) {
                    String own = "own-" + t + "-" + (round % 5);
                    String shared = "shared-" + (round % 4);
                    String value = "t" + t + "-r" + round;
                    if (round % 3 == 2) {
                        store.write(new WriteBatch().put(bytes(own), bytes(value)).put(bytes(shared), bytes(value)));
                    } else {
                        store.put(bytes(own), bytes(value));
                        store.put(bytes(shared), bytes(value));
                    }
                    mine.put(own, value);
                    mine.put(shared, value);
                }
            };
        });
        checkLastWrites(store, lastWrites, threads);
        checkLastWrites(reopen(store), lastWrites, threads);
    }

    private static void checkLastWrites(KeyValueStore store, List<Map<String, String>> lastWrites, int threads) {
        Map<String, String> expectedOwn = new TreeMap<>();
        Map<String, List<String>> allowedShared = new TreeMap<>();
        for (Map<String, String> mine : lastWrites) {
            mine.forEach((key, value) -> {
                if (key.startsWith("own-")) {
                    expectedOwn.put(key, value);
                } else {
                    allowedShared.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                }
            });
        }
        assertThat(expectedOwn).hasSize(threads * 5);
        expectedOwn.forEach((key, value) -> assertThat(string(store.get(bytes(key)))).as(key).isEqualTo(value));
        assertThat(allowedShared).hasSize(4);
        allowedShared.forEach((key, values) -> assertThat(string(store.get(bytes(key))))
                .as("%s holds some thread's last write", key).isIn(values));
        assertThat(scanAll(store)).hasSize(threads * 5 + 4);
    }

    @Test
    void concurrentReadersAndScannersSeeOnlyWrittenValuesInOrder() throws Exception {
        int writers = 3;
        int readers = 3;
        int rounds = 40;
        KeyValueStore store = open();
        AtomicBoolean writing = new AtomicBoolean(true);
        CountDownLatch writersDone = new CountDownLatch(writers);
        AtomicInteger reads = new AtomicInteger();
        runThreads(writers + readers, t -> t < writers ? () -> {
            try {
                for (int round = 0; round < rounds; round++) {
                    String key = "k" + ((round * 7 + t) % 16);
                    if (round % 5 == 4) {
                        store.delete(bytes(key));
                    } else {
                        store.put(bytes(key), bytes(key + "=w" + t + "r" + round));
                    }
                }
            } finally {
                writersDone.countDown();
                if (writersDone.getCount() == 0) {
                    writing.set(false);
                }
            }
        } : () -> {
            for (int i = 0; writing.get() || i == 0; i++) {
                String key = "k" + (i % 16);
                String value = string(store.get(bytes(key)));
                assertThat(value == null || value.startsWith(key + "=w")).as("get(%s) = %s", key, value).isTrue();
                byte[] previous = null;
                for (KeyValue e : scanAll(store)) {
                    assertThat(string(e.value())).startsWith(string(e.key()) + "=w");
                    if (previous != null) {
                        assertThat(Arrays.compareUnsigned(previous, e.key())).as("scan order").isNegative();
                    }
                    previous = e.key();
                }
                reads.incrementAndGet();
            }
        });
        assertThat(reads.get()).isPositive();
    }

    // ---- helpers ----

    /** Runs {@code count} tasks at once, made by {@code task} (called on this thread), and rethrows their failures. */
    private static void runThreads(int count, java.util.function.IntFunction<ThrowingRunnable> task) throws Exception {
        List<ThrowingRunnable> tasks = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            tasks.add(task.apply(t));
        }
        ExecutorService pool = Executors.newFixedThreadPool(count);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (ThrowingRunnable r : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    r.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A task that may throw. */
    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private KeyValueStore openWithLetters() {
        KeyValueStore store = open();
        for (String letter : List.of("a", "b", "c", "d", "e")) {
            store.put(bytes(letter), bytes(letter.toUpperCase()));
        }
        return store;
    }

    private void assertRejected(Executable call) {
        assertThatThrownBy(call::execute).isInstanceOf(IllegalArgumentException.class);
    }

    /** The store, its directory, and the store after reopen all hold exactly the letters a..e. */
    private void assertUnchanged(KeyValueStore store, Map<String, byte[]> files) throws IOException {
        List<KeyValue> letters = List.of(kv("a", "A"), kv("b", "B"), kv("c", "C"), kv("d", "D"), kv("e", "E"));
        assertThat(scanAll(store)).containsExactlyElementsOf(letters);
        assertThat(store.get(bytes("new"))).isNull();
        assertSameFiles(files);
        assertThat(scanAll(reopen(store))).containsExactlyElementsOf(letters);
    }

    private void assertSameFiles(Map<String, byte[]> before) throws IOException {
        Map<String, byte[]> now = filesIn(dir);
        assertThat(now.keySet()).as("files in %s", dir).containsExactlyInAnyOrderElementsOf(before.keySet());
        before.forEach((name, bytes) -> assertThat(now.get(name)).as("content of %s", name).isEqualTo(bytes));
    }

    /** @return every regular file under {@code root} by relative path, with its bytes */
    protected static Map<String, byte[]> filesIn(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                try {
                    files.put(root.relativize(p).toString(), Files.readAllBytes(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return files;
    }

    /** @return every entry of the store, read with a full scan that is closed afterwards */
    protected static List<KeyValue> scanAll(KeyValueStore store) {
        List<KeyValue> all = new ArrayList<>();
        try (KeyValueIterator it = store.scan(null, null)) {
            it.forEachRemaining(all::add);
        }
        return all;
    }

    private static List<String> keysOf(KeyValueIterator it) {
        List<String> keys = new ArrayList<>();
        try (it) {
            it.forEachRemaining(e -> keys.add(string(e.key())));
        }
        return keys;
    }

    private static List<KeyValue> entries(Map<byte[], byte[]> map) {
        List<KeyValue> list = new ArrayList<>();
        map.forEach((k, v) -> list.add(new KeyValue(k, v)));
        return list;
    }

    /** @return the seed for a test's random choices, printed so that a failure can be replayed */
    protected static long seed(String test) {
        long seed = Long.getLong("durakv.seed", new Random().nextLong());
        System.out.println(test + ": seed " + seed + " (replay with -Ddurakv.seed=" + seed + ")");
        return seed;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] filled(int length, byte b) {
        byte[] a = new byte[length];
        Arrays.fill(a, b);
        return a;
    }

    private static KeyValue kv(String key, String value) {
        return new KeyValue(bytes(key), bytes(value));
    }
}
