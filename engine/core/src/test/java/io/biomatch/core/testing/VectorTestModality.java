package io.biomatch.core.testing;

import io.biomatch.core.Payload;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.Rescorer;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ScoreMeaning;
import io.biomatch.core.spi.ShardIndex;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Test-only modality: a template is 1..4 vectors of {@link #DIM} int8 values ("vec8" format; a probe is
 * exactly one vector); the score is the negated squared L2 distance to the nearest of the record's
 * vectors, so an exact copy scores 0 and is always first. A record takes one 9-byte slot per vector
 * ({@code [vectors in record u8 | vector]}, the count only in the first slot), which exercises multi-slot
 * records.
 * With {@code rescore=true} a re-scorer adds 1000 to every score, which tests can see.
 *
 * <p>Format "slow" accepts the same bytes and makes the kernel sleep per slot, for deadline tests.
 */
public final class VectorTestModality implements Modality<VectorTestModality.Probe> {
    public static final String NAME = "vec";
    public static final int DIM = 8;

    /**
     * @param stopAt option {@code stop_at}: the re-scorer's early stop once a re-scored score reaches it
     * @param hashRescore option {@code rescore=hash}: re-score by 1000 plus a hash of the template, an order
     *                    unrelated to the first stage's, so a stop rule meets its score anywhere in the short list
     * @param refineDepth option {@code refine_depth}: each shard refines its scan's best N candidates with
     *                    {@link #refineScore}, an order unrelated to the scan's
     */
    public record Probe(byte[] v, boolean slow, boolean useIndex, float stopAt, int failRescoreAfter,
                        boolean hashRescore, int refineDepth) {
    }

    /** Slots scored by "slow" probes so far (deadline tests read it). */
    public static final java.util.concurrent.atomic.AtomicLong SLOW_SCORED = new java.util.concurrent.atomic.AtomicLong();

    private final boolean rescore;
    /** Per shard index created: the records it held at its first {@link ShardIndex#maintain} call. */
    public final java.util.concurrent.ConcurrentLinkedQueue<Integer> firstMaintainSaw =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** {@link ShardIndex#maintain} calls of this modality's indexes. */
    public final java.util.concurrent.atomic.AtomicLong maintainCalls = new java.util.concurrent.atomic.AtomicLong();
    /** The budgets {@link ShardIndex#maintain} was called with (the engine's index slice). */
    public final java.util.Set<Long> maintainBudgets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** When set, {@link ShardIndex#maintain} throws. */
    public volatile boolean failMaintenance;
    /** When set, every index always has deferred work: each slice spins until its budget is spent or a request waits. */
    public volatile boolean endlessMaintenance;
    /** Slices of {@link #endlessMaintenance} that ended because a request was waiting. */
    public final java.util.concurrent.atomic.AtomicLong slicesCutByRequest = new java.util.concurrent.atomic.AtomicLong();
    /** Slices of {@link #endlessMaintenance} that ran their whole budget. */
    public final java.util.concurrent.atomic.AtomicLong wholeSlices = new java.util.concurrent.atomic.AtomicLong();

    public VectorTestModality() {
        this(false);
    }

    public VectorTestModality(boolean rescore) {
        this.rescore = rescore;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of("vec8", "slow");
    }

    @Override
    public int slotBytes() {
        return DIM + 1;
    }

    @Override
    public byte[] extractTemplate(List<Payload> payloads) {
        return checkTemplate(payloads.get(0).data()).clone();
    }

    private static byte[] check(byte[] b) {
        if (b.length != DIM) {
            throw Modality.invalid("vec8 payload must be " + DIM + " bytes, was " + b.length);
        }
        return b;
    }

    private static byte[] checkTemplate(byte[] b) {
        if (b.length == 0 || b.length % DIM != 0 || b.length > 4 * DIM) {
            throw Modality.invalid("vec8 template must be 1..4 vectors of " + DIM + " bytes, was " + b.length + " bytes");
        }
        return b;
    }

    @Override
    public int slotsFor(byte[] template) {
        return checkTemplate(template).length / DIM;
    }

    @Override
    public void writeSlot(byte[] template, MemorySegment slot) {
        int n = slotsFor(template);
        for (int i = 0; i < n; i++) {
            slot.set(ValueLayout.JAVA_BYTE, (long) i * (DIM + 1), (byte) (i == 0 ? n : 0));
            MemorySegment.copy(template, i * DIM, slot, ValueLayout.JAVA_BYTE, (long) i * (DIM + 1) + 1, DIM);
        }
    }

    @Override
    public Probe prepareProbe(List<Payload> payloads, Map<String, String> options) {
        String stop = options.get("stop_at");
        String fail = options.get("fail_rescore_after");
        return new Probe(check(payloads.get(0).data()).clone(), payloads.get(0).format().equals("slow"),
                "index".equals(options.get("mode")), stop == null ? Float.POSITIVE_INFINITY : Float.parseFloat(stop),
                fail == null ? Integer.MAX_VALUE : Integer.parseInt(fail), "hash".equals(options.get("rescore")),
                Integer.parseInt(options.getOrDefault("refine_depth", "0")));
    }

    @Override
    public ScanKernel<Probe> kernel() {
        return new ScanKernel<>() {
            @Override
            public float score(Probe probe, MemorySegment slots, long off) {
                if (probe.slow()) {
                    SLOW_SCORED.incrementAndGet();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return scoreRecord(probe.v(), slots, off);
            }

            @Override
            public int refineDepth(Probe probe, int shortlist, long shardRecords) {
                return probe.refineDepth();
            }

            @Override
            public float refine(Probe probe, MemorySegment slots, long off) {
                byte[] first = new byte[DIM];
                MemorySegment.copy(slots, ValueLayout.JAVA_BYTE, off + 1, first, 0, DIM);
                return refineScore(first);
            }
        };
    }

    /** The refined score of a record whose first vector is {@code v}: a hash, unrelated to the scan's order. */
    public static float refineScore(byte[] v) {
        return java.util.Arrays.hashCode(v) & 0xFFFF;
    }

    /** Score against the record whose first slot starts at {@code off}. */
    static float scoreRecord(byte[] p, MemorySegment slots, long off) {
        int n = slots.get(ValueLayout.JAVA_BYTE, off);
        float best = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            best = Math.max(best, score(p, slots, off + (long) i * (DIM + 1) + 1));
        }
        return best;
    }

    static float score(byte[] p, MemorySegment slots, long off) {
        int d = 0;
        for (int i = 0; i < DIM; i++) {
            int x = p[i] - slots.get(ValueLayout.JAVA_BYTE, off + i);
            d += x * x;
        }
        return -d;
    }

    /** Reference score on plain arrays: probe vector against a template of 1..4 vectors. */
    public static float score(byte[] probe, byte[] template) {
        float best = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < template.length; i += DIM) {
            best = Math.max(best, score(probe, MemorySegment.ofArray(template), i));
        }
        return best;
    }

    @Override
    public Optional<Rescorer<Probe>> rescorer() {
        if (!rescore) {
            return Optional.empty();
        }
        return Optional.of(new Rescorer<>() {
            /** Option {@code fail_rescore_after=N}: re-scorings after the first N of the JVM fail (error paths). */
            @Override
            public float rescore(Probe p, byte[] t) {
                if (RESCORED.incrementAndGet() > p.failRescoreAfter()) {
                    throw io.biomatch.core.EngineException.invalid("test: stored template cannot be re-scored");
                }
                return p.hashRescore() ? 1000 + (java.util.Arrays.hashCode(t) & 0xFFFF) : 1000 + score(p.v(), t);
            }

            @Override
            public boolean enough(Probe p, int rescored, float bestScore) {
                return bestScore >= p.stopAt();
            }

            @Override
            public boolean mayStopEarly(Probe p) {
                return p.stopAt() != Float.POSITIVE_INFINITY;
            }
        });
    }

    @Override
    public int shortlistSize(int topK) {
        return topK * 2;
    }

    /** Re-scorings so far (all instances), for {@code fail_rescore_after}. */
    public static final java.util.concurrent.atomic.AtomicLong RESCORED = new java.util.concurrent.atomic.AtomicLong();

    /** The gallery size the engine passed with the last search that re-scores (-1 before any). */
    public volatile long lastGalleryRecords = -1;

    @Override
    public int shortlistSize(Probe probe, int topK, long galleryRecords) {
        lastGalleryRecords = galleryRecords;
        return shortlistSize(probe, topK);
    }

    /**
     * With {@code mode=index} searches go to this test index: a heap copy of the live slots kept through
     * the {@link ShardIndex} hooks, searched by brute force. Wrong hook calls show up as wrong results.
     */
    @Override
    public ShardIndex<Probe> newShardIndex(int shard, java.nio.file.Path dataDir) {
        return new ShardIndex<>() {
            /** Live ordinals as the hooks reported them; scores are read from the shard's slots at search time. */
            final java.util.Set<Integer> ordinals = new java.util.HashSet<>();
            boolean maintained;

            @Override
            public boolean maintain(long budgetNanos, java.util.function.BooleanSupplier requestWaiting) {
                if (!endlessMaintenance) {
                    return maintain(budgetNanos);
                }
                maintainCalls.incrementAndGet();
                long t0 = System.nanoTime();
                while (System.nanoTime() - t0 < budgetNanos) {
                    if (requestWaiting.getAsBoolean()) {
                        slicesCutByRequest.incrementAndGet();
                        return true;
                    }
                    Thread.onSpinWait();
                }
                wholeSlices.incrementAndGet();
                return true;
            }

            @Override
            public boolean maintain(long budgetNanos) {
                maintainCalls.incrementAndGet();
                maintainBudgets.add(budgetNanos);
                if (!maintained) {
                    maintained = true;
                    firstMaintainSaw.add(ordinals.size());
                }
                if (failMaintenance) {
                    throw new IllegalStateException("test: deferred work fails");
                }
                return false;
            }

            @Override
            public void add(int ordinal, MemorySegment slot) {
                ordinals.add(ordinal);
            }

            @Override
            public void delete(int ordinal) {
                ordinals.remove(ordinal);
            }

            @Override
            public void rebuild(MemorySegment slots, int slotBytes, long[] live, int count) {
                ordinals.clear();
                for (int o = io.biomatch.core.spi.Bits.nextSetBit(live, 0, count); o >= 0;
                     o = io.biomatch.core.spi.Bits.nextSetBit(live, o + 1, count)) {
                    ordinals.add(o);
                }
            }

            @Override
            public boolean search(Probe probe, MemorySegment slots, int slotBytes, long[] allowed,
                                  io.biomatch.core.spi.TopK top, io.biomatch.core.SearchControl control) {
                if (!probe.useIndex()) {
                    return false;
                }
                for (int o : ordinals) {
                    if (io.biomatch.core.spi.Bits.get(allowed, o)) {
                        top.offer(scoreRecord(probe.v(), slots, (long) o * slotBytes), o);
                    }
                }
                return true;
            }

            @Override
            public long offHeapBytes() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public int scanBlockSlots() {
        return 16; // "slow" probes take 1 ms per slot
    }

    @Override
    public ScoreMeaning scoreMeaning() {
        return new ScoreMeaning("negated squared L2 distance (test)", -10f, "test threshold");
    }

    public static Payload payload(byte[] v) {
        return new Payload("vec8", v);
    }

    public static byte[] vector(java.util.Random rnd) {
        byte[] v = new byte[DIM];
        rnd.nextBytes(v);
        return v;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
