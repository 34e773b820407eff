package io.biomatch.face.internal;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.GrowableMemory;
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
    private final GrowableMemory codeMemory;
    private final GrowableMemory distanceMemory;
    private MemorySegment codes;
    /** Scratch of {@link #hammingPass}: the last pass's distance per ordinal (u16; {@link #EXCLUDED} = not allowed). */
    private MemorySegment distances;
    private int capacity;
    private int size;

    /** @param dim a multiple of 64 */
    public SignBitPlane(int dim) {
        if (dim <= 0 || dim % 64 != 0) {
            throw new IllegalArgumentException("sign-bit codes need a dimension that is a multiple of 64, got " + dim);
        }
        this.dim = dim;
        this.words = dim / 64;
        // grows in place within Int8Plane.RESERVE_FACES faces of address space, as the int8 plane does
        this.codeMemory = GrowableMemory.reserve((long) INITIAL_CAPACITY * words * 8,
                (long) Int8Plane.RESERVE_FACES * words * 8, 64);
        this.distanceMemory = GrowableMemory.reserve(2L * INITIAL_CAPACITY, 2L * Int8Plane.RESERVE_FACES, 64);
        this.codes = codeMemory.segment();
        this.distances = distanceMemory.segment();
        this.capacity = INITIAL_CAPACITY;
    }

    /** Whether a model of this dimension can have sign-bit codes. */
    public static boolean supports(int dim) {
        return dim > 0 && dim % 64 == 0;
    }

    private void grow(int newCapacity) {
        codes = codeMemory.ensure((long) newCapacity * words * 8, (long) size * words * 8);
        distances = distanceMemory.ensure(2L * newCapacity, 0); // scratch of the next pass
        capacity = newCapacity;
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }

    /** Appends the sign code of a vector as the next ordinal; returns it. */
    public int append(float[] v) {
        if (size == capacity) {
            grow((int) Math.min(Integer.MAX_VALUE - 8, 2L * capacity));
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

    /** Distance stored for ordinals a pass was not allowed to score: above any real distance (at most dim). */
    public static final short EXCLUDED = Short.MAX_VALUE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;

    /**
     * First half of a selection by histogram: for ordinals {@code [from, to)} stores each allowed one's Hamming
     * distance to {@code probe} in the plane's scratch (others {@link #EXCLUDED}) and counts it in
     * {@code histogram[distance]} ({@code dim + 1} entries). Sequential writes and an L1-resident histogram: no
     * heap of candidates per face. Nothing is allocated.
     */
    public void hammingPass(long[] probe, long[] allowed, int from, int to, int[] histogram) {
        hammingPass(probe, allowed, from, to, histogram, false);
    }

    /**
     * {@link #hammingPass(long[], long[], int, int, int[])}; with {@code simd} (the Vector API is in the boot
     * layer) and 512-d codes on AVX-512, whole blocks of 64 allowed faces go through
     * {@link PanamaDot#hammingBlock512}: the same distances.
     */
    public void hammingPass(long[] probe, long[] allowed, int from, int to, int[] histogram, boolean simd) {
        to = Math.min(to, size);
        MemorySegment c = codes;
        MemorySegment dist = distances;
        if (simd && words == 8 && PanamaDot.hammingFits()) {
            int o = from;
            while (o < to) {
                if ((o & 63) == 0 && o + 64 <= to && allowed[o >>> 6] == -1L) {
                    PanamaDot.hammingBlock512(c, dist, probe, o, histogram);
                    o += 64;
                    continue;
                }
                int next = Math.min(to, (o & ~63) + 64);
                scalarPass(probe, allowed, o, next, histogram);
                o = next;
            }
            return;
        }
        scalarPass(probe, allowed, from, to, histogram);
    }

    private void scalarPass(long[] probe, long[] allowed, int from, int to, int[] histogram) {
        MemorySegment c = codes;
        MemorySegment dist = distances;
        if (words == 8) {
            long p0 = probe[0], p1 = probe[1], p2 = probe[2], p3 = probe[3];
            long p4 = probe[4], p5 = probe[5], p6 = probe[6], p7 = probe[7];
            for (int o = from; o < to; o++) {
                if ((allowed[o >>> 6] & (1L << (o & 63))) == 0) {
                    dist.set(U16, 2L * o, EXCLUDED);
                    continue;
                }
                long b = (long) o << 6;
                int d = Long.bitCount(c.get(LONG, b) ^ p0) + Long.bitCount(c.get(LONG, b + 8) ^ p1)
                        + Long.bitCount(c.get(LONG, b + 16) ^ p2) + Long.bitCount(c.get(LONG, b + 24) ^ p3)
                        + Long.bitCount(c.get(LONG, b + 32) ^ p4) + Long.bitCount(c.get(LONG, b + 40) ^ p5)
                        + Long.bitCount(c.get(LONG, b + 48) ^ p6) + Long.bitCount(c.get(LONG, b + 56) ^ p7);
                dist.set(U16, 2L * o, (short) d);
                histogram[d]++;
            }
            return;
        }
        for (int o = from; o < to; o++) {
            if ((allowed[o >>> 6] & (1L << (o & 63))) == 0) {
                dist.set(U16, 2L * o, EXCLUDED);
                continue;
            }
            int d = distance(probe, o);
            dist.set(U16, 2L * o, (short) d);
            histogram[d]++;
        }
    }

    /**
     * Second half: the {@code r} nearest of the last pass over {@code [0, to)} by (distance, ordinal), i.e. exactly
     * what a top-r list with ties to the lower ordinal keeps, written to {@code out} in ascending ordinal order;
     * returns how many (fewer when fewer were allowed).
     */
    public int selectNearest(int[] histogram, int r, int to, int[] out) {
        int cum = 0;
        int threshold = histogram.length; // every allowed distance is below it
        int atThreshold = 0;
        for (int d = 0; d < histogram.length; d++) {
            if (cum + histogram[d] >= r) {
                threshold = d;
                atThreshold = r - cum;
                break;
            }
            cum += histogram[d];
        }
        MemorySegment dist = distances;
        int n = 0;
        to = Math.min(to, size);
        for (int o = 0; o < to; o++) {
            int d = dist.get(U16, 2L * o);
            if (d < threshold) {
                out[n++] = o;
            } else if (d == threshold && atThreshold > 0) {
                out[n++] = o;
                atThreshold--;
            }
        }
        return n;
    }

    /** Off-heap bytes reserved (codes and the distance scratch). */
    public long byteSize() {
        return codes.byteSize() + distances.byteSize();
    }

    @Override
    public void close() {
        codeMemory.close(); // idempotent
        distanceMemory.close();
    }
}
