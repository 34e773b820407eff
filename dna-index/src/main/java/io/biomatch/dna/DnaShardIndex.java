package io.biomatch.dna;

import static io.biomatch.dna.DnaSlotLayout.INT_LE;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.ShardIndex;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Per-shard genotype postings for stringency searches: the candidate filter in front of the packed kernel.
 *
 * <p><b>Structure.</b> For every comparable locus l: a posting list of ordinals per distinct stored genotype key
 * (the slot's allele word at l plus the candidate's partial bit there), and a bit set of the ordinals typed at l.
 * Candidates are verified on the shard's own slots, which the core passes to each search. Standalone use
 * (benchmarks, scale checks, tests: {@link #DnaShardIndex()}) keeps a copy of every slot
 * ({@value DnaSlotLayout#SLOT_BYTES} bytes each) instead, since there is no shard.
 *
 * <p><b>Search</b> ({@code mode=stringency}, any level, any {@code mismatches} m). The stringency rule at a locus
 * depends only on (probe, genotype key), so per probe locus the accepted keys are found by evaluating the probe's
 * accept table once per distinct key, and the candidates that <em>fail</em> locus l are exactly
 * {@code typed_l \ ∪ postings(accepted keys)}. A candidate that fails more than m of any chosen loci fails more
 * than m of all probe loci, so the kernel would return NaN for it: the index keeps bit-sliced failure counters
 * (fails ≥ 1, ≥ 2, …, ≥ m+1) over the chosen loci, most selective first, and runs the packed kernel
 * ({@link DnaScanKernel#score}) on the survivors only. Scores and the kept set are therefore those of the full
 * scan, by construction. The number of loci to use comes from a small cost model (bit sets per locus versus kernel
 * calls on survivors); when no choice beats the scan (few probe loci, low stringency on common alleles,
 * mixture-lr), {@link #search} returns false and the core scans.
 *
 * <p><b>Memory</b> per profile with 20 typed loci: 144 bytes off-heap (slot copy) + about 20 × 4 bytes of postings
 * (plus growth slack, on the heap) + 20 bits of typed sets. Deletes are filtered by the core's {@code allowed}
 * bits (dead ordinals stay in the postings until compaction calls {@link #rebuild}).
 *
 * <p>Called only by the shard's worker thread (not thread-safe).
 */
final class DnaShardIndex implements ShardIndex<DnaProbe> {
    private static final int SLOT = DnaSlotLayout.SLOT_BYTES;
    // cost model, in nanoseconds on the reference machine (2-core EPYC); ratios matter, not absolutes
    static final double NS_PER_POSTING = 2.0;
    static final double NS_PER_WORD = 0.4;
    static final double NS_PER_VERIFY = 100.0;
    /** Stored profiles sampled per search to estimate the survivors of each choice of loci. */
    static final int SAMPLE = 2048;
    static final double NS_PER_SCAN = 50.0;

    private static final boolean DEBUG = Boolean.getBoolean("biomatch.dna.index.debug");
    private final DnaScanKernel kernel = new DnaScanKernel();
    /** Standalone mode keeps its own copy of the slots; inside a shard it reads the shard's (no copy). */
    private final boolean keepsCopy;
    private Arena arena;
    private MemorySegment slots; // the copy, or the shard's segment during one search
    private int capacity;
    private int count;
    private final Postings[] postings = new Postings[Loci.COUNT];
    private final long[][] typed = new long[Loci.COUNT][];
    private long[] scratch = new long[0];
    private long[][] fails = new long[0][];
    /** Test hook: use the postings even when the cost model prefers the scan. */
    boolean alwaysIndex;
    private long searches;
    private long indexedSearches;

    /** Standalone: keeps a copy of every added slot and searches it. */
    DnaShardIndex() {
        this(true);
    }

    DnaShardIndex(boolean keepsCopy) {
        this.keepsCopy = keepsCopy;
        reset();
    }

    private void reset() {
        if (arena != null) {
            arena.close();
        }
        arena = Arena.ofShared();
        capacity = 1024;
        slots = keepsCopy ? arena.allocate((long) capacity * SLOT, 64) : null;
        count = 0;
        for (int l = 0; l < Loci.COUNT; l++) {
            postings[l] = new Postings();
            typed[l] = new long[16];
        }
    }

    @Override
    public void add(int ordinal, MemorySegment slot) {
        if (keepsCopy) {
            if (ordinal >= capacity) {
                grow(ordinal + 1);
            }
            MemorySegment.copy(slot, 0, slots, (long) ordinal * SLOT, SLOT);
        }
        count = Math.max(count, ordinal + 1);
        int mask = slot.get(INT_LE, DnaSlotLayout.TYPED_MASK_OFFSET) & Loci.COMPARABLE_MASK;
        int partial = slot.get(INT_LE, DnaSlotLayout.PARTIAL_MASK_OFFSET);
        while (mask != 0) {
            int l = Integer.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            int word = slot.get(INT_LE, DnaSlotLayout.locusOffset(l));
            postings[l].add(key(word, partial >>> l & 1), ordinal);
            long[] t = typed[l];
            if ((ordinal >>> 6) >= t.length) {
                t = typed[l] = Arrays.copyOf(t, Math.max((ordinal >>> 6) + 1, t.length + (t.length >> 1)));
            }
            t[ordinal >>> 6] |= 1L << ordinal;
        }
    }

    private static long key(int word, int partialBit) {
        return (word & 0xFFFFFFFFL) | (long) partialBit << 32;
    }

    private void grow(int needed) {
        int n = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, (long) capacity + (capacity >> 1)));
        Arena na = Arena.ofShared();
        MemorySegment ns = na.allocate((long) n * SLOT, 64);
        MemorySegment.copy(slots, 0, ns, 0, (long) count * SLOT);
        arena.close();
        arena = na;
        slots = ns;
        capacity = n;
    }

    @Override
    public void delete(int ordinal) {
        // the core's allowed bits exclude dead ordinals; postings are cleaned at the next rebuild
    }

    @Override
    public void rebuild(MemorySegment shardSlots, int slotBytes, long[] live, int n) {
        reset();
        for (int i = io.biomatch.core.spi.Bits.nextSetBit(live, 0, n); i >= 0;
             i = io.biomatch.core.spi.Bits.nextSetBit(live, i + 1, n)) {
            add(i, shardSlots.asSlice((long) i * slotBytes, slotBytes));
        }
    }

    /** Inside a shard: candidates are read from the shard's slots. */
    @Override
    public boolean search(DnaProbe p, MemorySegment shardSlots, int slotBytes, long[] allowed, TopK top,
                          SearchControl control) {
        if (keepsCopy) {
            return search(p, allowed, top, control);
        }
        if (slotBytes != SLOT) {
            throw new IllegalStateException("DNA slots are " + SLOT + " bytes, the shard says " + slotBytes);
        }
        slots = shardSlots;
        try {
            return search(p, allowed, top, control);
        } finally {
            slots = null;
        }
    }

    /** Searches; false when the probe is not a stringency search or the scan would be cheaper. */
    boolean search(DnaProbe p, long[] allowed, TopK top, SearchControl control) {
        searches++;
        if (p.mixLog10Lr != null || p.kinHet != null || count == 0) {
            return false;
        }
        Plan plan = plan(p);
        if (plan == null) {
            return false;
        }
        indexedSearches++;
        long d0 = DEBUG ? System.nanoTime() : 0;
        int m = p.options.mismatches();
        int u = plan.nonSuccessLimit; // -1: not tracked
        int words = (count + 63) >>> 6;
        int slices = m + 1 + (u + 1);
        if (scratch.length < words) {
            scratch = new long[words + (words >> 2)];
        }
        if (fails.length < slices || fails[0].length < words) {
            int len = Math.max(words + (words >> 2), fails.length == 0 ? 0 : fails[0].length);
            fails = new long[Math.max(slices, fails.length)][len];
        }
        for (int k = 0; k < slices; k++) {
            Arrays.fill(fails[k], 0, words, 0L);
        }
        long[] t = scratch;
        // fails[0..m]: failed at >= 1..m+1 chosen loci; fails[m+1..m+1+u]: no success at >= 1..u+1 chosen loci
        for (int c = 0; c < plan.loci.length; c++) {
            control.check();
            int l = plan.loci[c];
            Arrays.fill(t, 0, words, 0L);
            Postings ps = postings[l];
            for (int id : plan.accepted[c]) {
                int[] list = ps.lists[id];
                int size = ps.sizes[id];
                for (int i = 0; i < size; i++) {
                    int o = list[i];
                    t[o >>> 6] |= 1L << o;
                }
            }
            long[] ty = typed[l];
            if (m == 0 && u < 0) {
                failOnly(t, ty, fails[0], words);
            } else {
                fold(t, ty, fails, m, u, words);
            }
        }
        long d1 = DEBUG ? System.nanoTime() : 0;
        long[] out = fails[m];
        long[] out2 = u >= 0 ? fails[m + 1 + u] : null;
        int aw = Math.min(words, allowed.length);
        int verified = 0;
        for (int w = 0; w < aw; w++) {
            long bits = allowed[w] & ~out[w];
            if (out2 != null) {
                bits &= ~out2[w];
            }
            while (bits != 0) {
                int o = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (o >= count) {
                    break;
                }
                top.offer(kernel.score(p, slots, (long) o * SLOT), o);
                if ((++verified & 8191) == 0) {
                    control.check();
                }
            }
        }
        if (DEBUG) {
            System.err.printf("plan %d loci (u %d), est %.2f ms (scan %.2f); filter %.2f ms, verify %d in %.2f ms%n",
                    plan.loci.length, u, plan.estimatedNs / 1e6, plan.scanNs / 1e6, (d1 - d0) / 1e6, verified,
                    (System.nanoTime() - d1) / 1e6);
        }
        return true;
    }

    /** fails |= typed & ~accepted, word by word (the common case: no mismatch allowed, no success count). */
    private static void failOnly(long[] acc, long[] ty, long[] fails, int words) {
        int tw = Math.min(words, ty.length);
        for (int w = 0; w < tw; w++) {
            fails[w] |= ty[w] & ~acc[w];
        }
    }

    /** Bit-sliced counters: fails[0..m] count failures, fails[m+1..m+1+u] count loci without success. */
    private static void fold(long[] acc, long[] ty, long[][] fails, int m, int u, int words) {
        int tw = Math.min(words, ty.length);
        for (int w = 0; w < words; w++) {
            long a = acc[w];
            long f = (w < tw ? ty[w] : 0L) & ~a;
            for (int k = m; k >= 1; k--) {
                fails[k][w] |= fails[k - 1][w] & f;
            }
            fails[0][w] |= f;
            if (u >= 0) {
                long ns = ~a;
                int b = m + 1;
                for (int k = u; k >= 1; k--) {
                    fails[b + k][w] |= fails[b + k - 1][w] & ns;
                }
                fails[b][w] |= ns;
            }
        }
    }

    /**
     * The loci to filter on (most selective first), their accepted genotype ids, and the most chosen loci without a
     * success a candidate may have (-1: not used).
     */
    record Plan(int[] loci, int[][] accepted, int nonSuccessLimit, double estimatedNs, double scanNs) {
    }

    Plan plan(DnaProbe p) {
        int m = p.options.mismatches();
        int n = Integer.bitCount(p.lociMask);
        if (n <= m) {
            return null;
        }
        // a match has <= m failing and >= minLoci compared probe loci, so >= minLoci - m successes:
        // at most n - minLoci + m probe loci (of any subset) without success
        int u = n - p.options.minLoci() + m;
        int[] ls = new int[n];
        int[][] acc = new int[n][];
        long[] accPostings = new long[n];
        double[] ps = new double[n];
        double[] pf = new double[n];
        int i = 0;
        int mask = p.lociMask;
        while (mask != 0) {
            int l = Integer.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            Postings post = postings[l];
            int[] ids = new int[post.n];
            int na = 0;
            long sum = 0;
            int base = l << 8;
            for (int id = 0; id < post.n; id++) {
                long key = post.keys[id];
                int w = (int) key;
                int cp = (int) (key >>> 32);
                int k = p.member[base + (w & 0xFF)] + p.member[base + (w >>> 8 & 0xFF)]
                        + p.member[base + (w >>> 16 & 0xFF)] + p.member[base + (w >>> 24)];
                int nc = (39 - Integer.numberOfLeadingZeros(w)) >>> 3;
                if (p.accept[l << 7 | cp << 6 | k << 3 | nc] != 0) {
                    ids[na++] = id;
                    sum += post.sizes[id];
                }
            }
            ls[i] = l;
            acc[i] = Arrays.copyOf(ids, na);
            accPostings[i] = sum;
            ps[i] = Math.min(1.0, sum / (double) count);
            pf[i] = Math.min(1.0 - ps[i], Math.max(0, post.total - sum) / (double) count);
            i++;
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        // most selective first: least likely to be passed (success or untyped)
        Arrays.sort(order, (a, b) -> Double.compare(1 - pf[a], 1 - pf[b]));
        // survivors of each prefix, measured on a sample of stored profiles: untyped loci are strongly correlated
        // (a partial profile misses many loci at once), so a product of per-locus rates would underestimate them
        int samples = Math.min(count, SAMPLE);
        long step = Math.max(1, count / samples);
        int[] failsOf = new int[samples];
        int[] missesOf = new int[samples];
        int[] passFails = new int[n + 1];
        int[] passBoth = new int[n + 1];
        for (int sIdx = 1; sIdx <= n; sIdx++) {
            int l = ls[order[sIdx - 1]];
            int base = l << 8;
            for (int j = 0; j < samples; j++) {
                long off = j * step * SLOT;
                int state; // 0 success, 1 fail, 2 untyped
                if ((slots.get(INT_LE, off + DnaSlotLayout.TYPED_MASK_OFFSET) >>> l & 1) == 0) {
                    state = 2;
                } else {
                    int w = slots.get(INT_LE, off + DnaSlotLayout.locusOffset(l));
                    int cp = slots.get(INT_LE, off + DnaSlotLayout.PARTIAL_MASK_OFFSET) >>> l & 1;
                    int k = p.member[base + (w & 0xFF)] + p.member[base + (w >>> 8 & 0xFF)]
                            + p.member[base + (w >>> 16 & 0xFF)] + p.member[base + (w >>> 24)];
                    int nc = (39 - Integer.numberOfLeadingZeros(w)) >>> 3;
                    state = p.accept[l << 7 | cp << 6 | k << 3 | nc] != 0 ? 0 : 1;
                }
                if (state == 1) {
                    failsOf[j]++;
                }
                if (state != 0) {
                    missesOf[j]++;
                }
                if (failsOf[j] <= m) {
                    passFails[sIdx]++;
                    if (missesOf[j] <= u) {
                        passBoth[sIdx]++;
                    }
                }
            }
        }
        double words = (count + 63) / 64.0;
        double scanNs = count * NS_PER_SCAN;
        double best = Double.MAX_VALUE;
        int bestS = -1;
        boolean bestU = false;
        double cost = 0;
        for (int s = 1; s <= n; s++) {
            cost += accPostings[order[s - 1]] * NS_PER_POSTING;
            boolean useU = u < s;
            double wordCost = words * NS_PER_WORD * s * (m + 4 + (useU ? u + 3 : 0));
            double survivors = count * (Math.max(0.5, useU ? passBoth[s] : passFails[s]) / samples);
            double total = cost + wordCost + survivors * NS_PER_VERIFY;
            if (s > m && total < best) {
                best = total;
                bestS = s;
                bestU = useU;
            }
        }
        if (bestS < 0 || best > 0.8 * scanNs && !alwaysIndex) {
            return null;
        }
        int[] loci = new int[bestS];
        int[][] accepted = new int[bestS][];
        for (int s = 0; s < bestS; s++) {
            loci[s] = ls[order[s]];
            accepted[s] = acc[order[s]];
        }
        return new Plan(loci, accepted, bestU ? u : -1, best, scanNs);
    }

    /** Searches answered by the index / all searches, for reports. */
    long[] usage() {
        return new long[]{indexedSearches, searches};
    }

    /** The exhaustive packed scan over this index's slot copy (the baseline the index must equal). */
    void scan(DnaProbe p, long[] allowed, TopK top) {
        if (!keepsCopy) {
            throw new IllegalStateException("scan() needs the standalone index (it keeps the slots)");
        }
        kernel.scan(p, slots, SLOT, allowed, 0, count, top);
    }

    int count() {
        return count;
    }

    @Override
    public long offHeapBytes() {
        return keepsCopy ? slots.byteSize() : 0;
    }

    /** Heap bytes of postings and bit sets (approximate). */
    long heapBytes() {
        long b = 0;
        for (int l = 0; l < Loci.COUNT; l++) {
            b += typed[l].length * 8L + postings[l].heapBytes();
        }
        return b;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /** Genotype key -> ordinal list, for one locus: open addressing over non-zero long keys. */
    static final class Postings {
        long[] table = new long[64];
        int[] tableIds = new int[64];
        long[] keys = new long[16];
        int[][] lists = new int[16][];
        int[] sizes = new int[16];
        int n;
        long total;

        void add(long key, int ordinal) {
            int id = idOf(key);
            int[] list = lists[id];
            int s = sizes[id];
            if (s == list.length) {
                list = lists[id] = Arrays.copyOf(list, s + (s >> 1) + 8);
            }
            list[s] = ordinal;
            sizes[id] = s + 1;
            total++;
        }

        private int idOf(long key) {
            int mask = table.length - 1;
            int h = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
            while (table[h] != 0) {
                if (table[h] == key) {
                    return tableIds[h];
                }
                h = (h + 1) & mask;
            }
            if (n == keys.length) {
                keys = Arrays.copyOf(keys, n * 2);
                lists = Arrays.copyOf(lists, n * 2);
                sizes = Arrays.copyOf(sizes, n * 2);
            }
            int id = n++;
            keys[id] = key;
            lists[id] = new int[4];
            table[h] = key;
            tableIds[h] = id;
            if (n * 2 > table.length) {
                rehash();
            }
            return id;
        }

        private void rehash() {
            long[] nt = new long[table.length * 2];
            int[] ni = new int[nt.length];
            int mask = nt.length - 1;
            for (int id = 0; id < n; id++) {
                int h = (int) ((keys[id] * 0x9E3779B97F4A7C15L) >>> 40) & mask;
                while (nt[h] != 0) {
                    h = (h + 1) & mask;
                }
                nt[h] = keys[id];
                ni[h] = id;
            }
            table = nt;
            tableIds = ni;
        }

        long heapBytes() {
            long b = table.length * 12L + keys.length * 16L;
            for (int id = 0; id < n; id++) {
                b += lists[id].length * 4L + 16;
            }
            return b;
        }
    }
}
