package io.biomatch.core;

import io.biomatch.core.internal.AgencyCodes;
import io.biomatch.core.internal.MemoryFloor;
import io.biomatch.core.internal.MemoryHeadroom;
import io.biomatch.core.internal.RecordCodec;
import io.biomatch.core.internal.RecordStore;
import io.biomatch.core.internal.Shard;
import io.biomatch.core.internal.ShardHits;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.Rescorer;
import io.biomatch.core.spi.ScoreMeaning;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: a durable record store (source of truth) plus S shards of off-heap segments, each shard
 * owned by one worker thread. All operations are asynchronous and fail with {@link EngineException}.
 *
 * <p>Enrol: validate -> modality extracts the template (work pool) -> the owning shard's worker writes the
 * slot, stores the record durably, publishes the slot -> ack. Identify: validate -> modality prepares the
 * probe once (work pool) -> every shard scans its segment into a primitive top-K (and, when the kernel asks,
 * refines its best from their slots, {@code ScanKernel.refineDepth}) -> merge (score descending, then id in UTF-8
 * byte order) -> optional re-scoring of the merged short list (work pool).
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    public static final int MAX_AGENCY_CHARS = 64;
    public static final int MAX_METADATA_ENTRIES = 64;
    public static final int MAX_METADATA_KEY_CHARS = 64;
    public static final int MAX_METADATA_VALUE_CHARS = 1024;

    private final EngineConfig config;
    private final Map<String, Modality<?>> modalities;
    private final RecordStore store;
    private final Shard[] shards;
    private final ThreadPoolExecutor workPool;
    private final Executor work;
    private final long skippedAtStart;
    private final MemoryFloor memoryFloor;

    private Engine(EngineConfig config, Map<String, Modality<?>> modalities, RecordStore store, Shard[] shards,
                   ThreadPoolExecutor workPool, long skippedAtStart, MemoryFloor memoryFloor) {
        this.config = config;
        this.memoryFloor = memoryFloor;
        this.modalities = modalities;
        this.store = store;
        this.shards = shards;
        this.workPool = workPool;
        this.work = task -> {
            try {
                workPool.execute(task);
            } catch (RejectedExecutionException e) {
                throw new EngineException(EngineException.Reason.OVERLOADED, "engine work queue is full; retry later");
            }
        };
        this.skippedAtStart = skippedAtStart;
    }

    /** The modalities on the class path ({@link ServiceLoader}). */
    public static List<Modality<?>> discoverModalities() {
        List<Modality<?>> found = new ArrayList<>();
        for (Modality<?> m : ServiceLoader.load(Modality.class)) {
            found.add(m);
        }
        return found;
    }

    /**
     * Opens the store in {@code config.dataDir()} and rebuilds the shard segments from it. Stored records
     * that cannot be loaded are kept in the store, skipped and counted ({@link EngineStats#skippedAtStart()}).
     */
    public static Engine open(EngineConfig config, Collection<? extends Modality<?>> modalityList) {
        Map<String, Modality<?>> modalities = new TreeMap<>();
        for (Modality<?> m : modalityList) {
            if (modalities.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two modalities named " + m.name());
            }
        }
        RecordStore store = RecordStore.open(config.dataDir(), config.maxRecords(), config.averageRecordBytes());
        AgencyCodes agencies = new AgencyCodes();
        Shard[] shards = new Shard[config.shards()];
        MemoryFloor memoryFloor = new MemoryFloor(new MemoryHeadroom(), config.minFreeMemoryBytes());
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard(i, config.shardQueueCapacity(), agencies, config.dataDir(),
                    config.indexSliceMicros() * 1_000L, (config.maxRecords() + config.shards() - 1) / config.shards(),
                    memoryFloor);
        }
        long skipped = rebuild(store, shards, modalities);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(config.workThreads(), config.workThreads(), 30,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.workQueueCapacity()),
                r -> Thread.ofPlatform().name("biomatch-work-" + n.incrementAndGet()).daemon(true).unstarted(r));
        return new Engine(config, java.util.Collections.unmodifiableMap(modalities), store, shards, pool, skipped,
                memoryFloor);
    }

    private static long rebuild(RecordStore store, Shard[] shards, Map<String, Modality<?>> modalities) {
        long start = System.nanoTime();
        AtomicLong loaded = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        Map<String, Boolean> warnedModality = new HashMap<>();
        store.forEachRaw((id, raw) -> {
            Record r;
            try {
                r = RecordCodec.decode(raw);
            } catch (RecordCodec.CorruptRecordException e) {
                skipped.incrementAndGet();
                LOG.warn("stored record '{}' is corrupt ({}); skipped", id, e.getMessage());
                return;
            }
            Modality<?> m = modalities.get(r.modality());
            if (m == null) {
                skipped.incrementAndGet();
                if (warnedModality.put(r.modality(), true) == null) {
                    LOG.warn("stored records of modality '{}' are skipped: no such modality in this build", r.modality());
                }
                return;
            }
            shards[Shard.shardOf(r.id(), shards.length)].restore(m, r).whenComplete((ok, err) -> {
                if (err != null) {
                    skipped.incrementAndGet();
                    LOG.warn("stored record '{}' rejected by modality {}: {}", r.id(), r.modality(), err.getMessage());
                } else {
                    loaded.incrementAndGet();
                }
            });
        });
        for (Shard s : shards) {
            s.barrier().join();
        }
        for (Shard s : shards) {
            s.startMaintenance(); // every record is back: indexes may now match saved graphs and build in slices
        }
        LOG.info("loaded {} stored records into {} shards in {} ms ({} skipped)", loaded.get(), shards.length,
                (System.nanoTime() - start) / 1_000_000, skipped.get());
        return skipped.get();
    }

    public EngineConfig config() {
        return config;
    }

    public Set<String> modalityNames() {
        return modalities.keySet();
    }

    /** The named modality, or INVALID_INPUT naming the known ones. */
    public Modality<?> modality(String name) {
        if (name == null || name.isEmpty()) {
            throw EngineException.invalid("modality is required; known: " + modalities.keySet());
        }
        Modality<?> m = modalities.get(name);
        if (m == null) {
            throw EngineException.invalid("unknown modality '" + printable(name) + "'; known: " + modalities.keySet());
        }
        return m;
    }

    // ---------------------------------------------------------------- enrol, get, delete

    public CompletableFuture<Record> enrol(EnrolRequest req) {
        return enrol(req, SearchControl.NONE);
    }

    /**
     * Enrols unless {@code control} is cancelled or past its deadline before the record is stored (checked before
     * the template is extracted and again on the shard just before the store write): then CANCELLED or
     * DEADLINE_EXCEEDED and nothing stored. A gRPC client that cancels a bulk stream stops the records it sent that
     * were not stored yet.
     */
    public CompletableFuture<Record> enrol(EnrolRequest req, SearchControl control) {
        return start(() -> {
            validateId(req.id());
            Modality<?> m = modality(req.modality());
            validatePayloads(m, req.payloads());
            validateOwner(req.agency(), req.metadata());
            checkMemory();
            return CompletableFuture.supplyAsync(() -> {
                        control.check();
                        return m.extractTemplate(req.payloads());
                    }, work)
                    .thenCompose(template -> {
                        Record r = new Record(req.id(), m.name(), req.agency(), new TreeMap<>(req.metadata()),
                                template, System.currentTimeMillis());
                        return shardOf(req.id()).enrol(m, r, req.replace(), store, control);
                    });
        });
    }

    /**
     * Refuses an enrolment while this process can take less memory than {@link EngineConfig#minFreeMemoryBytes}
     * ({@link MemoryHeadroom}): MEMORY_EXHAUSTED, nothing stored.
     */
    private void checkMemory() {
        memoryFloor.require(0, "enrolment");
    }

    /** The stored record; NOT_FOUND when absent. */
    public Record get(String id) {
        validateId(id);
        Record r = store.get(id);
        if (r == null) {
            throw new EngineException(EngineException.Reason.NOT_FOUND, "id '" + printable(id) + "' is not enrolled");
        }
        return r;
    }

    public CompletableFuture<Boolean> delete(String id) {
        return start(() -> {
            validateId(id);
            return shardOf(id).delete(id, store);
        });
    }

    /**
     * Compacts every shard's segments; returns the number of dead slots dropped. A segment whose copy of its live
     * slots would take the memory under {@link EngineConfig#minFreeMemoryBytes} is left as it is and the future
     * fails with MEMORY_EXHAUSTED (segments compacted before it stay compacted).
     */
    public CompletableFuture<Integer> compact() {
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (Shard s : shards) {
            all.add(s.compact(true));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(v -> all.stream().mapToInt(CompletableFuture::join).sum());
    }

    // ---------------------------------------------------------------- identify, verify

    public CompletableFuture<IdentifyResult> identify(IdentifyRequest req, SearchControl control) {
        return start(() -> {
            Modality<?> m = modality(req.modality());
            validatePayloads(m, req.payloads());
            if (req.topK() < 1 || req.topK() > IdentifyRequest.MAX_TOP_K) {
                throw EngineException.invalid("top_k must be 1.." + IdentifyRequest.MAX_TOP_K + ", was " + req.topK());
            }
            if (Float.isNaN(req.minScore())) {
                throw EngineException.invalid("min_score is NaN");
            }
            return identifyWith(m, req, control);
        });
    }

    private <P> CompletableFuture<IdentifyResult> identifyWith(Modality<P> m, IdentifyRequest req,
                                                               SearchControl control) {
        return CompletableFuture.supplyAsync(() -> {
            control.check();
            return m.prepareProbe(req.payloads(), req.options());
        }, work).thenCompose(probe -> searchPrepared(m, probe, req.topK(), req.minScore(), req.filter(), control));
    }

    /** Live records of a modality over all shards, as each shard last published them (no waiting on shards). */
    long liveRecords(String modality) {
        long n = 0;
        for (Shard s : shards) {
            long[] c = s.counts().get(modality);
            n += c == null ? 0 : c[0];
        }
        return n;
    }

    /** Fans a prepared probe out to every shard, merges, and re-scores when the modality has a re-scorer. */
    public <P> CompletableFuture<IdentifyResult> searchPrepared(Modality<P> m, P probe, int topK, float minScore,
                                                                SearchFilter filter, SearchControl control) {
        int wanted = m.rescorer().isPresent() ? m.shortlistSize(probe, topK, liveRecords(m.name())) : 0;
        Optional<Rescorer<P>> rescorer = wanted > 0 ? m.rescorer() : Optional.empty();
        int shortlist = rescorer.isPresent() ? Math.min(IdentifyRequest.MAX_TOP_K * 8, Math.max(topK, wanted)) : topK;
        // The first stage of a re-scoring modality is on another scale: the floor applies after re-scoring.
        float firstFloor = rescorer.isPresent() ? Float.NEGATIVE_INFINITY : minScore;
        @SuppressWarnings("unchecked")
        CompletableFuture<ShardHits>[] parts = new CompletableFuture[shards.length];
        for (int i = 0; i < shards.length; i++) {
            parts[i] = shards[i].search(m, probe, shortlist, firstFloor, filter, control);
        }
        return CompletableFuture.allOf(parts).thenApplyAsync(v -> {
            control.check();
            Merged merged = merge(parts, shortlist);
            if (rescorer.isEmpty()) {
                return new IdentifyResult(merged.candidates(topK), m.scoreMeaning(probe), merged.scanned(), 0);
            }
            List<Candidate> rescored = new ArrayList<>(merged.list().size());
            int done;
            if (merged.list().size() <= RESCORE_CHUNK || config.workThreads() == 1) {
                done = rescoreInOrder(m, rescorer.get(), probe, merged.list(), minScore, control, rescored);
            } else {
                done = rescoreInParallel(m, rescorer.get(), probe, merged.list(), minScore, control, rescored);
            }
            rescored.sort(Engine::rank);
            List<Candidate> top = rescored.size() > topK ? List.copyOf(rescored.subList(0, topK)) : List.copyOf(rescored);
            return new IdentifyResult(top, m.scoreMeaning(probe), merged.scanned(), done);
        }, work);
    }

    /** Candidates per task of {@link #rescoreInParallel}. */
    static final int RESCORE_CHUNK = 64;

    /** The candidate with its re-scored score from the stored record, or null when it was deleted since the scan. */
    private <P> Candidate rescoreOne(Modality<P> m, Rescorer<P> rescorer, P probe, Candidate c) {
        Record r = store.get(c.id());
        if (r == null || !r.modality().equals(m.name())) {
            return null;
        }
        return new Candidate(r.id(), rescorer.rescore(probe, r.template()), r.agency());
    }

    /**
     * Re-scores the short list in first-stage order on this thread, asking the modality after each candidate
     * whether it has seen enough; candidates at or above {@code minScore} go to {@code out}. Returns how many
     * were re-scored.
     */
    private <P> int rescoreInOrder(Modality<P> m, Rescorer<P> rescorer, P probe, List<Candidate> list, float minScore,
                                   SearchControl control, List<Candidate> out) {
        int n = list.size();
        StopReplay<P> rule = new StopReplay<>(rescorer, probe, n);
        for (int i = 0; i < n && rule.stopAt == n; i++) {
            control.check();
            Candidate s = rescoreOne(m, rescorer, probe, list.get(i));
            if (s != null) {
                if (s.score() >= minScore) {
                    out.add(s);
                }
                rule.next(i, s.score());
            }
        }
        return rule.rescored;
    }

    /**
     * The modality's stop rule ({@link Rescorer#enough}) replayed over re-scored candidates in first-stage order:
     * {@code stopAt} is the index after which the in-order re-scoring would have stopped ({@code n} while it
     * would not have).
     */
    private static final class StopReplay<P> {
        final Rescorer<P> rescorer;
        final P probe;
        final boolean active;
        int rescored;
        float best = Float.NEGATIVE_INFINITY;
        volatile int stopAt;
        /** Chunks of the parallel re-scoring replayed so far (under this object's lock). */
        int replayedChunks;

        StopReplay(Rescorer<P> rescorer, P probe, int n) {
            this.rescorer = rescorer;
            this.probe = probe;
            this.active = rescorer.mayStopEarly(probe);
            this.stopAt = n;
        }

        /** Candidate {@code index} (the next one in order that still had a record) scored {@code score}. */
        void next(int index, float score) {
            rescored++;
            best = Math.max(best, score);
            if (active && rescorer.enough(probe, rescored, best)) {
                stopAt = index + 1;
            }
        }

        /**
         * Chunk {@code chunk} of the parallel re-scoring is finished: replays the rule over every finished chunk
         * that now extends the replayed prefix (entries {@code scored/score} indexed like the short list).
         */
        synchronized void finished(int chunk, boolean[] chunkDone, boolean[] scored, float[] score) {
            int n = scored.length;
            chunkDone[chunk] = true;
            for (; replayedChunks < chunkDone.length && chunkDone[replayedChunks] && stopAt == n; replayedChunks++) {
                for (int i = replayedChunks * RESCORE_CHUNK, e = Math.min(n, i + RESCORE_CHUNK); i < e && stopAt == n;
                     i++) {
                    if (scored[i]) {
                        next(i, score[i]);
                    }
                }
            }
        }
    }

    /**
     * Re-scores the short list in chunks of {@link #RESCORE_CHUNK}, taken in order from a shared cursor by this
     * thread and by up to {@code workThreads - 1} helper tasks on the work pool, with the same candidates, scores
     * and re-scored count as {@link #rescoreInOrder}:
     * <ul>
     *   <li>Without a stop rule for this probe ({@link Rescorer#mayStopEarly}) every chunk is re-scored, in about
     *   1/threads of the time when the pool is idle.</li>
     *   <li>With one, this thread first re-scores chunk 0 in order alone (a strong mate usually stops the search
     *   there, with nothing re-scored in vain); then the chunks are shared, and whoever finishes a chunk replays
     *   the stop rule over the finished prefix in first-stage order. Once it says enough, no chunk past that point
     *   is claimed, work under way past it is abandoned, and its results are dropped: at most about one chunk per
     *   helper is re-scored in vain.</li>
     * </ul>
     * This thread never waits for a helper that has not started (a busy pool just leaves it all the chunks), only
     * for chunks a helper has claimed; a helper's failure (bad template, deadline) is rethrown here.
     */
    private <P> int rescoreInParallel(Modality<P> m, Rescorer<P> rescorer, P probe, List<Candidate> list,
                                      float minScore, SearchControl control, List<Candidate> out) {
        int n = list.size();
        int chunks = (n + RESCORE_CHUNK - 1) / RESCORE_CHUNK;
        Candidate[] kept = new Candidate[n];
        boolean[] scored = new boolean[n];
        float[] score = new float[n];
        boolean[] chunkDone = new boolean[chunks];
        StopReplay<P> rule = new StopReplay<>(rescorer, probe, n);
        AtomicInteger cursor = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable participant = () -> {
            while (failure.get() == null) {
                inFlight.incrementAndGet(); // before claiming, so a finished cursor means every claimer is counted
                try {
                    int chunk = cursor.getAndIncrement();
                    int from = chunk * RESCORE_CHUNK;
                    if (chunk >= chunks || from >= rule.stopAt) {
                        return;
                    }
                    int end = Math.min(n, from + RESCORE_CHUNK);
                    for (int i = from; i < end && i < rule.stopAt; i++) {
                        control.check();
                        Candidate s = rescoreOne(m, rescorer, probe, list.get(i));
                        scored[i] = s != null;
                        if (s != null) {
                            score[i] = s.score();
                            if (s.score() >= minScore) {
                                kept[i] = s;
                            }
                        }
                    }
                    if (rule.active) {
                        rule.finished(chunk, chunkDone, scored, score);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    return;
                } finally {
                    inFlight.decrementAndGet(); // publishes this chunk's entries to the waiting caller
                }
            }
        };
        if (rule.active) {
            // chunk 0 in order on this thread alone, the rule asked after each candidate: nothing is re-scored in
            // vain when the search stops there (a failure here propagates as in rescoreInOrder)
            cursor.set(1);
            for (int i = 0, end = Math.min(n, RESCORE_CHUNK); i < end && rule.stopAt == n; i++) {
                control.check();
                Candidate s = rescoreOne(m, rescorer, probe, list.get(i));
                scored[i] = s != null;
                if (s != null) {
                    kept[i] = s.score() >= minScore ? s : null;
                    rule.next(i, s.score());
                }
            }
            chunkDone[0] = true;
            rule.replayedChunks = 1;
        }
        if (failure.get() == null && rule.stopAt == n) {
            int helpers = Math.min(config.workThreads() - 1, chunks - cursor.get() - 1);
            for (int h = 0; h < helpers; h++) {
                try {
                    workPool.execute(participant);
                } catch (RejectedExecutionException e) {
                    break; // a full queue: this thread does the rest
                }
            }
            participant.run();
        }
        while (inFlight.get() > 0) {
            LockSupport.parkNanos(20_000); // claimed chunks take ~64 re-scorings, so this is short
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException("re-scoring failed", t);
        }
        int done = 0;
        for (int i = 0, end = Math.min(n, rule.stopAt); i < end; i++) {
            done += scored[i] ? 1 : 0;
            if (kept[i] != null) {
                out.add(kept[i]);
            }
        }
        return done;
    }

    public CompletableFuture<VerifyResult> verify(String id, String modalityName, List<io.biomatch.core.Payload> payloads,
                                                  Map<String, String> options, SearchControl control) {
        return start(() -> {
            Record r = get(id);
            Modality<?> m = modality(modalityName == null || modalityName.isEmpty() ? r.modality() : modalityName);
            if (!m.name().equals(r.modality())) {
                throw EngineException.invalid("record '" + printable(id) + "' is of modality " + r.modality()
                        + ", not " + m.name());
            }
            validatePayloads(m, payloads);
            return CompletableFuture.supplyAsync(() -> verifyWith(m, r, payloads, options, control), work);
        });
    }

    private <P> VerifyResult verifyWith(Modality<P> m, Record r, List<Payload> payloads, Map<String, String> options,
                                        SearchControl control) {
        control.check();
        P probe = m.prepareProbe(payloads, options == null ? Map.of() : options);
        control.check();
        float score = m.compare(probe, r.template());
        ScoreMeaning meaning = m.scoreMeaning(probe);
        return new VerifyResult(r.id(), score, score >= meaning.defaultThreshold(), meaning);
    }

    // ---------------------------------------------------------------- stats, close

    public EngineStats stats() {
        Map<String, Long> live = new TreeMap<>();
        List<EngineStats.ShardStats> per = new ArrayList<>();
        long offHeap = 0;
        long segHeap = 0;
        for (Shard s : shards) {
            Map<String, Long> l = new TreeMap<>();
            Map<String, Long> d = new TreeMap<>();
            Map<String, Long> u = new TreeMap<>();
            long off = 0;
            for (var e : s.counts().entrySet()) {
                long[] c = e.getValue();
                l.put(e.getKey(), c[0]);
                d.put(e.getKey(), c[1]);
                if (c[4] > 0) {
                    u.put(e.getKey(), c[4]);
                }
                off += c[2];
                segHeap += c[3];
                live.merge(e.getKey(), c[0], Long::sum);
            }
            offHeap += off;
            per.add(new EngineStats.ShardStats(s.index(), l, d, off, s.queued(), u));
        }
        for (String m : modalities.keySet()) {
            live.putIfAbsent(m, 0L);
        }
        Runtime rt = Runtime.getRuntime();
        return new EngineStats(store.size(), live, per, offHeap, store.offHeapBytes(), rt.totalMemory() - rt.freeMemory(),
                segHeap, skippedAtStart);
    }

    @Override
    public void close() {
        workPool.shutdown();
        try {
            workPool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Shard s : shards) {
            s.close();
        }
        store.close();
    }

    // ---------------------------------------------------------------- helpers

    private Shard shardOf(String id) {
        return shards[Shard.shardOf(id, shards.length)];
    }

    /** Runs synchronous validation, turning its exception into a failed future. */
    private static <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Unwraps {@link CompletionException} and friends to the engine's own exception where there is one. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static void validateId(String id) {
        if (id == null || id.isEmpty()) {
            throw EngineException.invalid("id is required");
        }
        if (id.getBytes(StandardCharsets.UTF_8).length > Record.MAX_ID_BYTES) {
            throw EngineException.invalid("id is longer than " + Record.MAX_ID_BYTES + " bytes of UTF-8");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw EngineException.invalid("id contains a control character at position " + i);
            }
        }
        if (id.isBlank()) {
            throw EngineException.invalid("id is blank");
        }
    }

    private void validatePayloads(Modality<?> m, List<Payload> payloads) {
        if (payloads.isEmpty()) {
            throw EngineException.invalid("no payload given; modality " + m.name() + " accepts formats " + m.formats());
        }
        long total = 0;
        for (int i = 0; i < payloads.size(); i++) {
            Payload p = payloads.get(i);
            if (p.format().isEmpty()) {
                throw EngineException.invalid("payload " + (i + 1) + " has no format; modality " + m.name()
                        + " accepts " + m.formats());
            }
            if (!m.formats().contains(p.format())) {
                throw EngineException.invalid("payload " + (i + 1) + " has format '" + printable(p.format())
                        + "', which modality " + m.name() + " does not accept; accepted: " + m.formats());
            }
            if (p.data().length == 0) {
                throw EngineException.invalid("payload " + (i + 1) + " is empty");
            }
            total += p.data().length;
        }
        if (total > config.maxPayloadBytes()) {
            throw EngineException.invalid("payload is " + total + " bytes; the limit is " + config.maxPayloadBytes());
        }
    }

    /**
     * Agency and metadata as ids are: bounded, and free of control characters (in values, tabs and line breaks are
     * kept). Why: they are printed back by {@code biomatch get}, logs and reports, where an escape sequence would act
     * on the reader's terminal and a NUL would cut the text.
     */
    private static void validateOwner(String agency, Map<String, String> metadata) {
        if (agency.length() > MAX_AGENCY_CHARS) {
            throw EngineException.invalid("agency is longer than " + MAX_AGENCY_CHARS + " characters");
        }
        if (hasControl(agency, false)) {
            throw EngineException.invalid("agency '" + printable(agency) + "' contains control characters");
        }
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            throw EngineException.invalid("more than " + MAX_METADATA_ENTRIES + " metadata entries");
        }
        for (var e : metadata.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_METADATA_KEY_CHARS) {
                throw EngineException.invalid("metadata keys must be 1.." + MAX_METADATA_KEY_CHARS + " characters");
            }
            if (e.getValue().length() > MAX_METADATA_VALUE_CHARS) {
                throw EngineException.invalid("metadata value of '" + printable(e.getKey()) + "' is longer than "
                        + MAX_METADATA_VALUE_CHARS + " characters");
            }
            if (hasControl(e.getKey(), false)) {
                throw EngineException.invalid("metadata key '" + printable(e.getKey()) + "' contains control characters");
            }
            if (hasControl(e.getValue(), true)) {
                throw EngineException.invalid("metadata value of '" + printable(e.getKey()) + "' contains control"
                        + " characters (tabs and line breaks are allowed)");
            }
        }
    }

    private static boolean hasControl(String s, boolean allowLayout) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && !(allowLayout && (c == '\t' || c == '\n' || c == '\r'))) {
                return true;
            }
        }
        return false;
    }

    /** Caller text echoed in messages: truncated, control characters replaced. */
    static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    static int rank(Candidate a, Candidate b) {
        int c = Float.compare(b.score(), a.score());
        return c != 0 ? c : compareIds(a.id(), b.id());
    }

    /** Unsigned UTF-8 byte order, the engine's id order. */
    public static int compareIds(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** All shards' hits in rank order, at most {@code limit}. */
    private static Merged merge(CompletableFuture<ShardHits>[] parts, int limit) {
        List<Candidate> all = new ArrayList<>();
        long scanned = 0;
        for (CompletableFuture<ShardHits> p : parts) {
            ShardHits h = p.join();
            scanned += h.scanned();
            for (int i = 0; i < h.ids().length; i++) {
                all.add(new Candidate(h.ids()[i], h.scores()[i], h.agencies()[i]));
            }
        }
        all.sort(Engine::rank);
        return new Merged(all.size() > limit ? all.subList(0, limit) : all, scanned);
    }

    private record Merged(List<Candidate> list, long scanned) {
        List<Candidate> candidates(int k) {
            return List.copyOf(list.size() > k ? list.subList(0, k) : list);
        }
    }
}
