package io.biomatch.face.internal;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One bit per dimension of each face of a shard: bit d of ordinal o is set when component d of its unit vector is
 * positive. {@code dim / 8} bytes per face (64 at 512-d, 16 at 128-d), ordinal o at {@code o * dim / 8}, base
 * 64-byte aligned, native order.
 *
 * <p>Why: the Hamming distance between two sign codes estimates the angle between the vectors (each bit differs
 * with probability angle/pi for directions spread evenly), so a scan of 1/32 of the float32 bytes ranks the
 * gallery roughly; the int8 and float32 copies then re-score a short list ({@code mode=binary}). The estimate is
 * coarse (+-0.02 in angle/pi at 512-d from the bit count alone), hence a generous short list.
 *
 * <p>Grows like the core's segments. One writer and reader: the shard's worker thread.
 */
public final class SignBitPlane implements AutoCloseable {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final int INITIAL_CAPACITY = 1024;

    private final int dim;
    private final int words;
    private Arena arena;
    private MemorySegment codes;
    private int capacity;
    private int size;

    /** @param dim a multiple of 64 */
    public SignBitPlane(int dim) {
        if (dim <= 0 || dim % 64 != 0) {
            throw new IllegalArgumentException("sign-bit codes need a dimension that is a multiple of 64, got " + dim);
        }
        this.dim = dim;
        this.words = dim / 64;
        allocate(INITIAL_CAPACITY);
    }

    /** Whether a model of this dimension can have sign-bit codes. */
    public static boolean supports(int dim) {
        return dim > 0 && dim % 64 == 0;
    }

    private void allocate(int newCapacity) {
        Arena na = Arena.ofShared();
        MemorySegment nc = na.allocate((long) newCapacity * words * 8, 64);
        if (arena != null) {
            MemorySegment.copy(codes, 0, nc, 0, (long) size * words * 8);
            arena.close();
        }
        arena = na;
        codes = nc;
        capacity = newCapacity;
    }

    public int size() {
        return size;
    }

    public int words() {
        return words;
    }

    public void clear() {
        size = 0;
    }

    /** Appends the sign code of a vector as the next ordinal; returns it. */
    public int append(float[] v) {
        if (size == capacity) {
            allocate((int) Math.min(Integer.MAX_VALUE - 8, 2L * capacity));
        }
        long base = (long) size * words * 8;
        for (int w = 0; w < words; w++) {
            codes.set(LONG, base + 8L * w, word(v, w));
        }
        return size++;
    }

    /** The sign code of a vector ({@code v.length / 64} longs; the length must be a multiple of 64). */
    public static long[] encode(float[] v) {
        long[] c = new long[v.length / 64];
        for (int w = 0; w < c.length; w++) {
            c[w] = word(v, w);
        }
        return c;
    }

    private static long word(float[] v, int w) {
        long x = 0;
        for (int b = 0; b < 64; b++) {
            if (v[w * 64 + b] > 0) {
                x |= 1L << b;
            }
        }
        return x;
    }

    /** Hamming distance between a probe code and ordinal {@code o}. */
    public int distance(long[] probe, int o) {
        long base = (long) o * words * 8;
        int d = 0;
        for (int w = 0; w < words; w++) {
            d += Long.bitCount(codes.get(LONG, base + 8L * w) ^ probe[w]);
        }
        return d;
    }

    /**
     * Offers every ordinal in {@code [from, to)} set in {@code allowed} to {@code nearest} with score
     * {@code -hamming} (so its capacity keeps the closest codes; ties go to the lower ordinal). Only distances that
     * can still enter are offered: calls must come in ascending ordinal order (as the index makes them), so an
     * equal distance at a higher ordinal never enters a full list. 512-d codes take an unrolled eight-word path.
     * Nothing is allocated.
     */
    public void scan(long[] probe, long[] allowed, int from, int to, TopK nearest) {
        to = Math.min(to, size);
        if (words != 8) {
            for (int o = Bits.nextSetBit(allowed, from, to); o >= 0; o = Bits.nextSetBit(allowed, o + 1, to)) {
                int d = distance(probe, o);
                if (-d > nearest.threshold() || nearest.size() < nearest.capacity()) {
                    nearest.offer(-d, o);
                }
            }
            return;
        }
        MemorySegment c = codes;
        long p0 = probe[0], p1 = probe[1], p2 = probe[2], p3 = probe[3];
        long p4 = probe[4], p5 = probe[5], p6 = probe[6], p7 = probe[7];
        int limit = limit(nearest); // offer only d < limit
        int o = from;
        while (o < to) {
            long live = allowed[o >>> 6];
            if ((o & 63) == 0 && live == 0L) {
                o += 64;
                continue;
            }
            if ((live & (1L << (o & 63))) != 0) {
                long b = (long) o << 6;
                int d = Long.bitCount(c.get(LONG, b) ^ p0) + Long.bitCount(c.get(LONG, b + 8) ^ p1)
                        + Long.bitCount(c.get(LONG, b + 16) ^ p2) + Long.bitCount(c.get(LONG, b + 24) ^ p3)
                        + Long.bitCount(c.get(LONG, b + 32) ^ p4) + Long.bitCount(c.get(LONG, b + 40) ^ p5)
                        + Long.bitCount(c.get(LONG, b + 48) ^ p6) + Long.bitCount(c.get(LONG, b + 56) ^ p7);
                if (d < limit) {
                    nearest.offer(-d, o);
                    limit = limit(nearest);
                }
            }
            o++;
        }
    }

    /** Distances below this can still enter {@code nearest} (everything while it is not full). */
    private static int limit(TopK nearest) {
        return nearest.size() < nearest.capacity() ? Integer.MAX_VALUE : (int) -nearest.threshold();
    }

    /** Off-heap bytes reserved. */
    public long byteSize() {
        return codes.byteSize();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
