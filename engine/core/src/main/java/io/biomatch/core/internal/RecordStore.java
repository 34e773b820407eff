package io.biomatch.core.internal;

import io.biomatch.core.EngineException;
import io.biomatch.core.Record;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable source of truth: a Chronicle Map (id -> {@link RecordCodec} bytes) persisted in the data
 * directory. Writes go to a memory-mapped file, so an acknowledged write survives {@code kill -9} of the
 * process (the page cache outlives it); it does not by itself survive power loss.
 *
 * <p>One process owns a data directory ({@code biomatch.lock}). A marker file written on clean close tells
 * the next open whether Chronicle's recovery pass (which repairs segment locks left by a killed process)
 * is needed.
 */
public final class RecordStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecordStore.class);
    static final String MAP_FILE = "records.cm3";
    static final String CLEAN_MARKER = "records.clean";
    static final String LOCK_FILE = "biomatch.lock";

    static {
        // Chronicle must never reach the network.
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("chronicle.announcer.disable", "true");
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ChronicleMap<String, byte[]> map;
    private final boolean recovered;

    private RecordStore(Path dir, FileChannel lockChannel, FileLock lock, ChronicleMap<String, byte[]> map,
                        boolean recovered) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.map = map;
        this.recovered = recovered;
    }

    /**
     * Opens or creates the store.
     *
     * @param maxRecords        planned number of records (Chronicle sizes its segments for it; it can grow
     *                          a few times past it)
     * @param averageValueBytes planned average encoded record size
     */
    public static RecordStore open(Path dir, long maxRecords, int averageValueBytes) {
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new EngineException(EngineException.Reason.UNAVAILABLE,
                        "data directory " + dir + " is in use by another biomatch process");
            }
            Path file = dir.resolve(MAP_FILE);
            Path marker = dir.resolve(CLEAN_MARKER);
            boolean exists = Files.exists(file);
            boolean recover = exists && !Files.exists(marker);
            var builder = ChronicleMap.of(String.class, byte[].class)
                    .name("biomatch-records")
                    .entries(Math.max(1024, maxRecords))
                    .averageKeySize(24)
                    .averageValueSize(Math.max(64, averageValueBytes))
                    .maxBloatFactor(8.0);
            ChronicleMap<String, byte[]> map = recover
                    ? builder.recoverPersistedTo(file.toFile(), true,
                            c -> LOG.warn("record store recovery: {}", c.message()))
                    : builder.createPersistedTo(file.toFile());
            Files.deleteIfExists(marker);
            if (recover) {
                LOG.warn("record store {} was not closed cleanly; recovered {} records", file, map.size());
            }
            return new RecordStore(dir, ch, lock, map, recover);
        } catch (IOException e) {
            throw new EngineException(EngineException.Reason.UNAVAILABLE,
                    "cannot open record store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Stores the record unless the id exists; returns false when it exists. */
    public boolean putIfAbsent(Record r) {
        byte[] v = RecordCodec.encode(r);
        try {
            return map.putIfAbsent(r.id(), v) == null;
        } catch (IllegalArgumentException e) {
            throw tooLarge(v.length, e);
        }
    }

    /** Stores the record, replacing any with the same id. */
    public void put(Record r) {
        byte[] v = RecordCodec.encode(r);
        try {
            map.put(r.id(), v);
        } catch (IllegalArgumentException e) {
            throw tooLarge(v.length, e);
        }
    }

    /** Chronicle refuses entries past a multiple of the planned average size ("Entry is too large"). */
    private static EngineException tooLarge(int bytes, IllegalArgumentException e) {
        LOG.warn("record store refused an entry of {} bytes: {}", bytes, e.getMessage());
        return new EngineException(EngineException.Reason.INVALID_INPUT, "the stored record would be " + bytes
                + " bytes, more than this record store takes per entry (it is sized by --avg-record-bytes)");
    }

    /** The record, or null. */
    public Record get(String id) {
        byte[] v = map.get(id);
        return v == null ? null : RecordCodec.decode(v);
    }

    public boolean contains(String id) {
        return map.containsKey(id);
    }

    /** Removes the record; returns false when it was absent. */
    public boolean remove(String id) {
        return map.remove(id) != null;
    }

    public long size() {
        return map.longSize();
    }

    /** Calls {@code each} with every (id, raw value) pair; order unspecified. */
    public void forEachRaw(BiConsumer<String, byte[]> each) {
        map.forEach(each);
    }

    public long fileBytes() {
        try {
            return Files.size(dir.resolve(MAP_FILE));
        } catch (IOException e) {
            return -1;
        }
    }

    public long offHeapBytes() {
        return map.offHeapMemoryUsed();
    }

    public boolean wasRecovered() {
        return recovered;
    }

    @Override
    public void close() {
        try {
            map.close();
            Files.writeString(dir.resolve(CLEAN_MARKER), "closed cleanly\n");
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("closing record store: {}", e.toString());
        }
    }
}
