package io.biomatch.core.spi;

/**
 * Primitive top-K of (score, ordinal) pairs for one shard: a binary min-heap in a {@code long[]} whose root is
 * the worst kept candidate. Order: higher score first; equal scores by the {@link TieBreak} (record id
 * ascending in the core), so the kept set is the same whatever the scan order. No allocation per offer.
 *
 * <p>Each entry packs {@code (sortableScore << 32) | ordinal}; NaN scores are never kept.
 */
public final class TopK {
    /** Orders two ordinals with equal scores: negative when {@code a} ranks before {@code b}. */
    @FunctionalInterface
    public interface TieBreak {
        int compare(int ordinalA, int ordinalB);
    }

    private final TieBreak tieBreak;
    private long[] heap = new long[16];
    private int size;
    private int k;
    private float minScore;

    public TopK(TieBreak tieBreak) {
        this.tieBreak = tieBreak;
    }

    /** Clears and sets the capacity and the score floor; reuses the array when it is big enough. */
    public void reset(int k, float minScore) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1: " + k);
        }
        if (heap.length < k) {
            heap = new long[k];
        }
        this.k = k;
        this.minScore = minScore;
        this.size = 0;
    }

    public int size() {
        return size;
    }

    /** The k of the last {@link #reset}: how many candidates are wanted. */
    public int capacity() {
        return k;
    }

    /** The score a new candidate must beat to enter, or the floor while not full. */
    public float threshold() {
        return size < k ? minScore : scoreOf(heap[0]);
    }

    public void offer(float score, int ordinal) {
        if (!(score >= minScore)) { // also drops NaN
            return;
        }
        long entry = pack(score, ordinal);
        if (size < k) {
            heap[size] = entry;
            siftUp(size++);
        } else if (worse(heap[0], entry)) {
            heap[0] = entry;
            siftDown(0);
        }
    }

    /**
     * Drains into the arrays, best first; returns the count. The heap is empty afterwards.
     */
    public int drainBestFirst(float[] scores, int[] ordinals) {
        int n = size;
        for (int i = n - 1; i >= 0; i--) {
            long root = heap[0];
            scores[i] = scoreOf(root);
            ordinals[i] = (int) root;
            heap[0] = heap[--size];
            if (size > 0) {
                siftDown(0);
            }
        }
        return n;
    }

    /** True when {@code a} ranks below {@code b}. */
    private boolean worse(long a, long b) {
        int sa = (int) (a >>> 32);
        int sb = (int) (b >>> 32);
        if (sa != sb) {
            return sa < sb;
        }
        return tieBreak.compare((int) a, (int) b) > 0;
    }

    private void siftUp(int i) {
        long e = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(e, heap[parent])) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    private void siftDown(int i) {
        long e = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && worse(heap[right], heap[child])) {
                child = right;
            }
            if (!worse(heap[child], e)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = e;
    }

    static long pack(float score, int ordinal) {
        return ((long) sortable(score) << 32) | (ordinal & 0xFFFFFFFFL);
    }

    /** Maps float order onto signed int order. */
    static int sortable(float f) {
        int bits = Float.floatToIntBits(f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    static float scoreOf(long entry) {
        int s = (int) (entry >>> 32);
        return Float.intBitsToFloat(s ^ ((s >> 31) & 0x7FFFFFFF));
    }
}
