package io.biomatch.core.internal;

import io.biomatch.core.SearchFilter;
import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.GrowableMemory;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ShardIndex;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One modality's records in one shard: fixed-stride slots off-heap, a live bit set (deletes clear a bit;
 * compaction drops dead slots), the ordinal <-> id table, per-ordinal agency codes and postings for
 * filters. Touched only by the owning shard's worker thread, so it needs no locks.
 *
 * <pre>
 * slots:  | slot 0 (slotBytes) | slot 1 | ... | slot count-1 | free ... capacity |
 *           offset(ord) = ord * slotBytes  (long)
 * </pre>
 * A record takes {@link Modality#slotsFor} consecutive slots (usually one). Its ordinal is its first
 * slot; only first slots have live bits, so scans skip continuation slots and the kernel reads them.
 *
 * <p>The slots' capacity doubles as records come, in place within a reservation of twice the shard's share of
 * {@code EngineConfig.maxRecords} ({@link GrowableMemory}: address space, committed page by page as written), so
 * an enrolment never waits for a copy of the slots; past the reservation growth copies, as it always did.
 */
final class ModalitySegment implements AutoCloseable {
    final Modality<?> modality;
    final int slotBytes;
    /** The slots' memory: grows in place within {@link #reserveSlots} slots (no copy, {@link GrowableMemory}). */
    private GrowableMemory memory;
    private MemorySegment slots;
    /** Slots of address space reserved per segment: twice this shard's share of the planned records. */
    private final long reserveSlots;
    private int capacity;
    private int count;      // slot high-water mark
    private int liveCount;  // live records
    private int liveSlots;  // slots of live records
    private int stagedSpan;
    private byte[] spans = new byte[1024]; // slots per record, at its first slot
    private long[] live = new long[16];
    private int[] agencyCode = new int[1024];
    private final IdTable ids = new IdTable();
    /** Filter postings: key -> ordinals (ascending, may include dead ones). */
    private final Map<String, IntList> postings = new HashMap<>();
    private final TopK top;
    private final AgencyCodes agencies;

    @SuppressWarnings("rawtypes")
    private final ShardIndex index; // optional

    /** {@code restoring}: created for the start-up restore ({@link ShardIndex#restoring}). */
    ModalitySegment(Modality<?> modality, AgencyCodes agencies, int shard, java.nio.file.Path dataDir,
                    boolean restoring, long plannedRecords) {
        this.modality = modality;
        this.slotBytes = modality.slotBytes();
        if (slotBytes <= 0) {
            throw new IllegalArgumentException(modality.name() + ": slotBytes must be > 0");
        }
        this.agencies = agencies;
        this.capacity = 1024;
        this.reserveSlots = Math.max(capacity, Math.min(2 * plannedRecords, Integer.MAX_VALUE - 8));
        this.memory = GrowableMemory.reserve((long) capacity * slotBytes, reserveSlots * slotBytes, 64);
        this.slots = memory.segment();
        this.top = new TopK(ids::compareIds);
        this.index = modality.newShardIndex(shard, dataDir);
        if (index != null && restoring) {
            index.restoring();
        }
    }

    int liveCount() {
        return liveCount;
    }

    /** Slots of deleted records not yet dropped by compaction. */
    int deadCount() {
        return count - liveSlots;
    }

    private int span(int ordinal) {
        return spans[ordinal] & 0xFF;
    }

    /** Ordinal of a live id, or -1. */
    int find(byte[] id) {
        return ids.find(id);
    }

    /**
     * Writes the template into the next slot without publishing it; returns that ordinal. Throws (from the
     * modality) on a template it rejects, leaving everything unchanged.
     */
    int stage(byte[] template) {
        int n = modality.slotsFor(template);
        if (n < 1 || n > 255) {
            throw io.biomatch.core.EngineException.invalid("template needs " + n + " slots; 1..255 are allowed");
        }
        ensureCapacity(count + n);
        MemorySegment slot = slots.asSlice((long) count * slotBytes, (long) n * slotBytes);
        slot.fill((byte) 0);
        modality.writeSlot(template, slot);
        stagedSpan = n;
        return count;
    }

    /** Publishes the staged slot under the id. */
    void commit(int ordinal, byte[] id, String agency, Map<String, String> metadata) {
        assert ordinal == count;
        ids.put(ordinal, id);
        if (ordinal >= agencyCode.length) {
            agencyCode = Arrays.copyOf(agencyCode, Math.max(ordinal + 1, agencyCode.length * 2));
        }
        if (ordinal >= spans.length) {
            spans = Arrays.copyOf(spans, Math.max(ordinal + 1, spans.length * 2));
        }
        int n = stagedSpan;
        spans[ordinal] = (byte) n;
        agencyCode[ordinal] = agencies.code(agency);
        if (!agency.isEmpty()) {
            postings.computeIfAbsent(agencyKey(agency), k -> new IntList()).add(ordinal);
        }
        for (var e : metadata.entrySet()) {
            postings.computeIfAbsent(metaKey(e.getKey(), e.getValue()), k -> new IntList()).add(ordinal);
        }
        if (Bits.words(ordinal + 1) > live.length) {
            live = Arrays.copyOf(live, Math.max(Bits.words(ordinal + 1), live.length * 2));
        }
        Bits.set(live, ordinal);
        count += n;
        liveCount++;
        liveSlots += n;
        if (index != null) {
            index.add(ordinal, slots.asSlice((long) ordinal * slotBytes, (long) n * slotBytes));
        }
    }

    /** Marks the ordinal dead. */
    void delete(int ordinal) {
        if (Bits.get(live, ordinal)) {
            Bits.clear(live, ordinal);
            ids.remove(ordinal);
            liveCount--;
            liveSlots -= span(ordinal);
            if (index != null) {
                index.delete(ordinal);
            }
        }
    }

    /** Compaction is worth it when at least a quarter of the slots (and 1024) are dead. */
    boolean shouldCompact() {
        int dead = deadCount();
        return dead >= 1024 && dead * 4 >= count;
    }

    /** Bytes a {@link #compact} takes before it frees the old segment: the copy of the live slots. */
    long compactionBytes() {
        return (long) liveSlots * slotBytes;
    }

    /** Drops dead slots, renumbering live records in order. */
    void compact() {
        int[] oldToNew = new int[count];
        Arrays.fill(oldToNew, -1);
        int n = 0;
        for (int o = Bits.nextSetBit(live, 0, count); o >= 0; o = Bits.nextSetBit(live, o + 1, count)) {
            oldToNew[o] = n;
            n += span(o);
        }
        int newCapacity = Math.max(1024, n + n / 2);
        GrowableMemory nm = GrowableMemory.reserve((long) newCapacity * slotBytes,
                Math.max(newCapacity, reserveSlots) * slotBytes, 64);
        MemorySegment ns = nm.segment();
        int[] nAgency = new int[newCapacity];
        byte[] nSpans = new byte[newCapacity];
        long[] nLive = new long[Bits.words(newCapacity)];
        for (int o = 0; o < count; o++) {
            int t = oldToNew[o];
            if (t >= 0) {
                MemorySegment.copy(slots, (long) o * slotBytes, ns, (long) t * slotBytes, (long) span(o) * slotBytes);
                nAgency[t] = agencyCode[o];
                nSpans[t] = spans[o];
                Bits.set(nLive, t);
            }
        }
        ids.compact(oldToNew, count, n);
        var it = postings.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue().remap(oldToNew) == 0) {
                it.remove();
            }
        }
        memory.close();
        memory = nm;
        slots = ns;
        capacity = newCapacity;
        agencyCode = nAgency;
        spans = nSpans;
        live = nLive;
        count = n;
        liveSlots = n;
        if (index != null) {
            index.rebuild(slots, slotBytes, live, count);
        }
    }

    /**
     * Scans live (and filter-allowed) slots. Checks {@code control} between blocks of {@link #SCAN_BLOCK}.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    ShardHits search(Object probe, int k, float minScore, SearchFilter filter, SearchControl control) {
        long[] allowed = filter.isEmpty() ? live : allowed(filter);
        ScanKernel kernel = modality.kernel();
        top.reset(k, minScore);
        boolean indexed = index != null && index.search(probe, slots, slotBytes, allowed, top, control);
        // a refining kernel (a cascade) scans for its refinement depth; an index's answer is final
        int depth = indexed ? 0 : Math.min(MAX_REFINE_DEPTH, kernel.refineDepth(probe, k, liveCount));
        boolean refining = depth >= k;
        if (refining) {
            top.reset(depth, Float.NEGATIVE_INFINITY);
        }
        int block = Math.max(1, modality.scanBlockSlots());
        for (int from = 0; !indexed && from < count; from += block) {
            control.check();
            kernel.scan(probe, slots, slotBytes, allowed, from, Math.min(count, from + block), top);
        }
        control.check();
        if (refining) {
            refine(kernel, probe, k, minScore, control);
        }
        int n = top.size();
        float[] scores = new float[n];
        int[] ords = new int[n];
        top.drainBestFirst(scores, ords);
        String[] hitIds = new String[n];
        String[] hitAgencies = new String[n];
        for (int i = 0; i < n; i++) {
            hitIds[i] = ids.id(ords[i]);
            hitAgencies[i] = agencies.name(agencyCode[ords[i]]);
        }
        long scanned = indexed ? index.lastSearchScored() : filter.isEmpty() ? liveCount : Bits.cardinality(allowed);
        return new ShardHits(hitIds, scores, hitAgencies, scanned);
    }

    /** Refinement depths above this are cut to it (a guard on the scratch arrays, 8 MB at most). */
    static final int MAX_REFINE_DEPTH = 1 << 20;
    private float[] refineScores = new float[0];
    private int[] refineOrdinals = new int[0];

    /** Re-scores the scan's candidates in {@link #top} with {@link ScanKernel#refine} and keeps the k best. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void refine(ScanKernel kernel, Object probe, int k, float minScore, SearchControl control) {
        int n = top.size();
        if (refineScores.length < n) {
            refineScores = new float[n];
            refineOrdinals = new int[n];
        }
        top.drainBestFirst(refineScores, refineOrdinals);
        for (int i = 0; i < n; i++) {
            if ((i & 255) == 0) {
                control.check();
            }
            refineScores[i] = kernel.refine(probe, slots, (long) refineOrdinals[i] * slotBytes);
        }
        top.reset(k, minScore);
        for (int i = 0; i < n; i++) {
            top.offer(refineScores[i], refineOrdinals[i]);
        }
    }

    private long[] allowed(SearchFilter filter) {
        long[] result = Arrays.copyOf(live, live.length);
        if (!filter.agencies().isEmpty()) {
            long[] any = new long[live.length];
            for (String a : filter.agencies()) {
                IntList p = postings.get(agencyKey(a));
                if (p != null) {
                    p.setBits(any);
                }
            }
            and(result, any);
        }
        for (var e : filter.metadata().entrySet()) {
            long[] m = new long[live.length];
            IntList p = postings.get(metaKey(e.getKey(), e.getValue()));
            if (p != null) {
                p.setBits(m);
            }
            and(result, m);
        }
        return result;
    }

    private static void and(long[] into, long[] other) {
        for (int i = 0; i < into.length; i++) {
            into[i] &= other[i];
        }
    }

    private static String agencyKey(String agency) {
        return "a\u0000" + agency;
    }

    private static String metaKey(String key, String value) {
        return "m\u0000" + key + "\u0000" + value;
    }

    private void ensureCapacity(int slotsNeeded) {
        if (slotsNeeded <= capacity) {
            return;
        }
        int n = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(slotsNeeded, (long) capacity * 2));
        slots = memory.ensure((long) n * slotBytes, (long) count * slotBytes); // in place within the reservation
        capacity = n;
    }

    /** Records the index does not hold yet ({@link ShardIndex#unindexedRecords}); 0 without an index. */
    long unindexedRecords() {
        return index == null ? 0 : index.unindexedRecords();
    }

    /** A slice of the index's deferred work ({@link ShardIndex#maintain}); true while work remains. */
    boolean maintain(long budgetNanos, java.util.function.BooleanSupplier requestWaiting) {
        return index != null && index.maintain(budgetNanos, requestWaiting);
    }

    long offHeapBytes() {
        return memory.byteSize() + ids.offHeapBytes() + (index == null ? 0 : index.offHeapBytes());
    }

    long heapBytes() {
        long p = 0;
        for (IntList l : postings.values()) {
            p += l.heapBytes();
        }
        return live.length * 8L + agencyCode.length * 4L + ids.heapBytes() + p;
    }

    @Override
    public void close() {
        if (index != null) {
            index.close();
        }
        memory.close();
        ids.close();
    }

    /** Growable sorted int list (ordinals). */
    static final class IntList {
        private int[] a = new int[4];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        void setBits(long[] words) {
            for (int i = 0; i < n; i++) {
                if ((a[i] >>> 6) < words.length) {
                    Bits.set(words, a[i]);
                }
            }
        }

        int remap(int[] oldToNew) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                int t = a[i] < oldToNew.length ? oldToNew[a[i]] : -1;
                if (t >= 0) {
                    a[m++] = t;
                }
            }
            n = m;
            return m;
        }

        long heapBytes() {
            return 16L + a.length * 4L;
        }
    }
}
