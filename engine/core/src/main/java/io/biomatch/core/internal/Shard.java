package io.biomatch.core.internal;

import io.biomatch.core.EngineException;
import io.biomatch.core.Record;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.core.spi.Modality;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard: a worker thread that alone owns this shard's segments (one per modality), fed by a bounded
 * task queue. Every mutation and every search of the shard runs on that thread, so segments need no
 * locks; the durable store write of a record happens inside the same task as its segment update, which
 * orders concurrent enrol and delete of one id.
 */
public final class Shard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Shard.class);

    private final int index;
    private final LinkedBlockingQueue<Runnable> queue;
    private final Thread thread;
    private final AgencyCodes agencies;
    private final Map<String, ModalitySegment> segments = new HashMap<>(); // worker thread only
    /** Modalities whose automatic compaction was deferred for memory and logged so (worker thread only). */
    private final java.util.Set<String> compactionDeferredLogged = new java.util.HashSet<>();
    /** Whether the last maintenance slice left work (worker thread only): the slice that ends it publishes too. */
    private boolean lastSliceHadWork;
    /** Modalities whose deferred index work threw: not retried (worker thread only). */
    private final java.util.Set<String> failedMaintenance = new java.util.HashSet<>();
    /** Live records per modality, published by the worker after each mutation (read by stats). */
    private volatile Map<String, long[]> published = Map.of();
    private volatile boolean closed;
    /** Set once the start-up restore is done: deferred index work may run between requests. */
    private volatile boolean maintaining;
    /**
     * Budget of one slice of deferred index work (a request waits at most about this long behind a whole one; a
     * graph insert at 1,000,000 faces takes ~1.6 ms, so the default 10 ms slice is a handful of them).
     */
    private final long sliceNanos;
    /**
     * A busy shard still runs a whole slice at least this often, five slices' time (at most ~1/6 of its time then).
     * The slices an idle shard runs end at the next step once a request is queued ({@link #requestWaiting}): a
     * client that never pauses would otherwise wait most of a slice behind each of them.
     */
    private final long maxNanosBetweenSlices;
    private final java.util.function.BooleanSupplier requestWaiting = this::requestQueued;
    private static final java.util.function.BooleanSupplier NEVER = () -> false;

    private final java.nio.file.Path dataDir;
    /** This shard's share of the records the engine is sized for (segments reserve room for twice that). */
    private final long plannedRecords;

    /** Compactions copy a segment's live slots before freeing the old ones: they run only above the memory floor. */
    private final MemoryFloor memoryFloor;

    public Shard(int index, int queueCapacity, AgencyCodes agencies, java.nio.file.Path dataDir,
                 long indexSliceNanos, long plannedRecords, MemoryFloor memoryFloor) {
        this.index = index;
        this.memoryFloor = memoryFloor;
        this.plannedRecords = plannedRecords;
        this.sliceNanos = indexSliceNanos;
        this.maxNanosBetweenSlices = 5 * indexSliceNanos;
        this.dataDir = dataDir;
        this.queue = new LinkedBlockingQueue<>(queueCapacity);
        this.agencies = agencies;
        this.thread = Thread.ofPlatform().name("biomatch-shard-" + index).daemon(true).start(this::loop);
    }

    public int index() {
        return index;
    }

    private void loop() {
        boolean due = false; // deferred index work may be waiting: look again without blocking
        long lastWholeSlice = System.nanoTime();
        while (true) {
            Runnable r;
            try {
                r = due ? queue.poll() : queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (r != null) {
                r.run();
                due = maintaining;
                // a shard that is never idle still gets a whole slice now and then, or its backlog would hardly shrink
                if (due && System.nanoTime() - lastWholeSlice > maxNanosBetweenSlices) {
                    due = maintainSegments(NEVER);
                    lastWholeSlice = System.nanoTime();
                }
            } else if (closed) {
                return;
            } else if (maintaining) {
                long start = System.nanoTime();
                due = maintainSegments(requestWaiting);
                long end = System.nanoTime();
                if (!due || end - start >= sliceNanos) {
                    lastWholeSlice = end; // not cut short by a request
                }
            }
        }
    }

    private boolean requestQueued() {
        return !queue.isEmpty();
    }

    /**
     * One slice of every segment's deferred index work; true while any remains. {@code requestWaiting}: when the
     * slice may end early for a queued request. Worker thread only.
     */
    private boolean maintainSegments(java.util.function.BooleanSupplier requestWaiting) {
        boolean more = false;
        for (var e : segments.entrySet()) {
            if (failedMaintenance.contains(e.getKey())) {
                continue;
            }
            try {
                more |= e.getValue().maintain(sliceNanos, requestWaiting);
            } catch (RuntimeException | Error t) {
                // the worker must survive it: searches stay correct without the deferred work, only slower
                failedMaintenance.add(e.getKey());
                LOG.error("shard {}: deferred index work of modality {} failed; not retried until restart", index,
                        e.getKey(), t);
            }
        }
        if (more || lastSliceHadWork) {
            publish(); // stats follow a build in progress, and its end
        }
        lastSliceHadWork = more;
        return more;
    }

    /**
     * Lets the worker run the segments' deferred index work ({@link io.biomatch.core.spi.ShardIndex#maintain})
     * between requests. Called once the start-up restore is done: until then an index must not act on a partial set
     * of records (a saved graph would be matched against half of them).
     */
    public void startMaintenance() {
        maintaining = true; // an idle worker notices within its 100 ms poll
    }

    /** Queues a task; fails at once with OVERLOADED when the queue is full. */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new EngineException(EngineException.Reason.UNAVAILABLE, "engine is closed"));
            return f;
        }
        if (!queue.offer(wrap(task, f))) {
            f.completeExceptionally(new EngineException(EngineException.Reason.OVERLOADED,
                    "shard " + index + " work queue is full; retry later"));
        }
        return f;
    }

    /** Queues a task, waiting for room (used by the start-up rebuild). */
    <T> CompletableFuture<T> submitWaiting(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            queue.put(wrap(task, f));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(new EngineException(EngineException.Reason.UNAVAILABLE, "interrupted"));
        }
        return f;
    }

    private <T> Runnable wrap(Callable<T> task, CompletableFuture<T> f) {
        return () -> {
            if (f.isDone()) {
                return; // cancelled by the caller while queued
            }
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        };
    }

    /** The segment of a modality; worker thread only. */
    ModalitySegment segment(Modality<?> modality) {
        return segments.computeIfAbsent(modality.name(),
                n -> new ModalitySegment(modality, agencies, index, dataDir, !maintaining, plannedRecords));
    }

    /** The segment if it exists; worker thread only. */
    ModalitySegment existingSegment(String modality) {
        return segments.get(modality);
    }

    /** Worker thread: publish counts for stats. */
    void publish() {
        Map<String, long[]> m = new HashMap<>();
        for (var e : segments.entrySet()) {
            ModalitySegment s = e.getValue();
            m.put(e.getKey(), new long[] {s.liveCount(), s.deadCount(), s.offHeapBytes(), s.heapBytes(),
                    s.unindexedRecords()});
        }
        published = Map.copyOf(m);
    }

    /** Per modality: {live, dead, offHeapBytes, heapBytes, unindexed}, as of the last mutation or index slice. */
    public Map<String, long[]> counts() {
        return published;
    }

    public int queued() {
        return queue.size();
    }


    // ---- operations (each runs as one task on the worker) ----

    /**
     * Stores the record durably and publishes it in this shard's segment of its modality. The slot is
     * written (and so the template validated) before the store, so a rejected template stores nothing.
     */
    public CompletableFuture<Record> enrol(Modality<?> modality, Record record, boolean replace, RecordStore store,
                                          io.biomatch.core.SearchControl control) {
        return submit(() -> {
            control.check(); // cancelled or late while queued here: nothing is stored
            ModalitySegment segment = segment(modality);
            byte[] id = IdTable.utf8(record.id());
            int ordinal = segment.stage(record.template());
            if (replace) {
                store.put(record);
                deleteFromSegments(id);
            } else if (!store.putIfAbsent(record)) {
                throw new EngineException(EngineException.Reason.ALREADY_EXISTS,
                        "id '" + record.id() + "' is already enrolled");
            }
            segment.commit(ordinal, id, record.agency(), record.metadata());
            publish();
            return record;
        });
    }

    /** Removes the record from the store and the segments; NOT_FOUND when absent. */
    public CompletableFuture<Boolean> delete(String recordId, RecordStore store) {
        return submit(() -> {
            if (!store.remove(recordId)) {
                throw new EngineException(EngineException.Reason.NOT_FOUND, "id '" + recordId + "' is not enrolled");
            }
            deleteFromSegments(IdTable.utf8(recordId));
            for (var e : segments.entrySet()) {
                ModalitySegment s = e.getValue();
                if (s.shouldCompact()) {
                    if (memoryFloor.allows(s.compactionBytes())) {
                        s.compact();
                        compactionDeferredLogged.remove(e.getKey());
                    } else if (compactionDeferredLogged.add(e.getKey())) {
                        // the delete itself is done; the next delete (or Engine.compact) tries again
                        LOG.warn("shard {}: compaction of {} deferred ({} dead slots): copying its live slots would "
                                + "take {} MiB, under the memory floor", index, e.getKey(), s.deadCount(),
                                MemoryFloor.ceilMiB(s.compactionBytes()));
                    }
                }
            }
            publish();
            return true;
        });
    }

    private void deleteFromSegments(byte[] id) {
        for (ModalitySegment s : segments.values()) {
            int ord = s.find(id);
            if (ord >= 0) {
                s.delete(ord);
            }
        }
    }

    /** Adds a stored record at start-up (no store write); waits for queue room. */
    public CompletableFuture<Boolean> restore(Modality<?> modality, Record record) {
        return submitWaiting(() -> {
            ModalitySegment segment = segment(modality);
            byte[] id = IdTable.utf8(record.id());
            int ordinal = segment.stage(record.template());
            deleteFromSegments(id);
            segment.commit(ordinal, id, record.agency(), record.metadata());
            return true;
        });
    }

    /** Completes after every task queued before it (start-up barrier). */
    public CompletableFuture<Boolean> barrier() {
        return submitWaiting(() -> {
            publish();
            return true;
        });
    }

    /** This shard's best hits for the probe. */
    public CompletableFuture<ShardHits> search(Modality<?> modality, Object probe, int k, float minScore,
                                               SearchFilter filter, SearchControl control) {
        return submit(() -> {
            ModalitySegment segment = segments.get(modality.name());
            if (segment == null) {
                control.check();
                return ShardHits.EMPTY;
            }
            return segment.search(probe, k, minScore, filter, control);
        });
    }

    /** Compacts segments with dead slots ({@code force}) or those past the automatic threshold. */
    public CompletableFuture<Integer> compact(boolean force) {
        return submit(() -> {
            int dropped = 0;
            try {
                for (var e : segments.entrySet()) {
                    ModalitySegment s = e.getValue();
                    if (s.deadCount() > 0 && (force || s.shouldCompact())) {
                        memoryFloor.require(s.compactionBytes(), "compaction of shard " + index + "'s " + e.getKey()
                                + " records (" + s.deadCount() + " dead slots)");
                        dropped += s.deadCount();
                        s.compact();
                        compactionDeferredLogged.remove(e.getKey());
                    }
                }
            } finally {
                publish(); // segments compacted before a refusal stay compacted
            }
            return dropped;
        });
    }

    /** Stable shard of an id: a hash of its UTF-8 bytes. */
    public static int shardOf(String recordId, int shardCount) {
        return Math.floorMod(IdTable.hash(IdTable.utf8(recordId)), shardCount);
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ModalitySegment s : segments.values()) {
            s.close();
        }
        segments.clear();
    }
}
