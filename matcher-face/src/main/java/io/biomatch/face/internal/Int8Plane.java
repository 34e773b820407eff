package io.biomatch.face.internal;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.CachePrefetch;
import io.biomatch.core.spi.GrowableMemory;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * The int8 copies of a shard's faces, apart from the float32 slots: one off-heap plane of {@code int8[dim]} per
 * ordinal (stride exactly {@code dim}, base 64-byte aligned) and one of float32 scales ({@link FaceSlotLayout#quantise}).
 * <pre>
 *  vectors: | q[0][0..dim) | q[1][0..dim) | q[2][0..dim) | ...      (ordinal o at o*dim)
 *  scales:  | s[0] | s[1] | s[2] | ...                               (float32, ordinal o at 4*o)
 * </pre>
 * Why a plane of its own: the int8 pass of {@code mode=exact} then reads {@code dim} contiguous bytes per face
 * (512 at 512-d), a quarter of the float32 slot, with no bytes of other data in between for the prefetcher to
 * drag in; and the float32 slots in turn hold nothing the float32 scan skips.
 *
 * <p>Grows like the core's segments: capacity doubled, in place within a reservation of {@value #RESERVE_FACES}
 * faces of address space ({@link GrowableMemory}: nothing copied, pages committed when first written), by copying
 * past it. One writer and reader: the shard's worker thread.
 */
public final class Int8Plane implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int INITIAL_CAPACITY = 1024;
    /** Faces of address space reserved per shard (2 GiB at 512-d; memory is committed only as faces come). */
    public static final int RESERVE_FACES = 1 << 22;
    /** Prefetch stubs ({@link #prefetch}): 512 bytes of a row, and one line. */
    private static final MethodHandle PREFETCH_512 = CachePrefetch.lines(0, 64, 128, 192, 256, 320, 384, 448);
    private static final MethodHandle PREFETCH_64 = CachePrefetch.lines(0);
    /** How many faces ahead {@link #scoreEach} prefetches: four {@code i8x4} calls' worth, 8 KiB at 512-d. */
    private static final int PREFETCH_AHEAD = 16;

    private final int dim;
    private final byte[] scratchQ;
    private final GrowableMemory vectorMemory;
    private final GrowableMemory scaleMemory;
    private MemorySegment vectors;
    private MemorySegment scales;
    private int capacity;
    private int size;

    public Int8Plane(int dim) {
        this.dim = dim;
        this.scratchQ = new byte[dim];
        this.vectorMemory = GrowableMemory.reserve((long) INITIAL_CAPACITY * dim, (long) RESERVE_FACES * dim, 64);
        this.scaleMemory = GrowableMemory.reserve(4L * INITIAL_CAPACITY, 4L * RESERVE_FACES, 64);
        this.vectors = vectorMemory.segment();
        this.scales = scaleMemory.segment();
        this.capacity = INITIAL_CAPACITY;
    }

    private void grow(int newCapacity) {
        vectors = vectorMemory.ensure((long) newCapacity * dim, (long) size * dim);
        scales = scaleMemory.ensure(4L * newCapacity, 4L * size);
        capacity = newCapacity;
    }

    public int dim() {
        return dim;
    }

    /** Faces held (ordinals {@code 0..size-1}). */
    public int size() {
        return size;
    }

    /** Drops every face (keeps the memory). */
    public void clear() {
        size = 0;
    }

    /** Quantises a unit vector into the next ordinal; returns that ordinal. */
    public int append(float[] unit) {
        if (size == capacity) {
            grow((int) Math.min(Integer.MAX_VALUE - 8, 2L * capacity));
        }
        float scale = FaceSlotLayout.quantise(unit, scratchQ);
        MemorySegment.copy(scratchQ, 0, vectors, ValueLayout.JAVA_BYTE, (long) size * dim, dim);
        scales.set(F32, 4L * size, scale);
        return size++;
    }

    /** The int8 plane (valid until the next {@link #append}); ordinal {@code o} starts at {@link #offset}. */
    public MemorySegment vectors() {
        return vectors;
    }

    public long offset(int ordinal) {
        return (long) ordinal * dim;
    }

    public float scale(int ordinal) {
        return scales.get(F32, 4L * ordinal);
    }

    /**
     * Asks for face {@code ordinal}'s int8 vector and scale to be brought into cache without waiting
     * ({@link CachePrefetch}). For callers about to score faces scattered over the plane (a
     * graph node's neighbours): all their lines are then in flight at once, instead of the four reads an
     * {@link PanamaDot#i8x4} call has in flight. Changes nothing; a no-op where prefetch is unavailable.
     */
    public void prefetch(int ordinal) {
        if (ordinal < 0 || ordinal >= size) {
            return;
        }
        long at = vectors.address() + offset(ordinal);
        try {
            int d = 0;
            for (; d + 512 <= dim; d += 512) {
                PREFETCH_512.invokeExact(at + d);
            }
            for (; d < dim; d += 64) {
                PREFETCH_64.invokeExact(at + d);
            }
            PREFETCH_64.invokeExact(scales.address() + 4L * ordinal);
        } catch (Throwable t) {
            throw new AssertionError("prefetch stub threw", t); // a prefetch cannot fail
        }
    }

    /** Off-heap bytes reserved (both planes at capacity). */
    public long byteSize() {
        return vectors.byteSize() + scales.byteSize();
    }

    /** Approximate cosine of a quantised probe with one face: {@code dot(q, q[o]) * qScale * scale[o]}. */
    public float score(byte[] q, float qScale, int ordinal, boolean simd) {
        long off = offset(ordinal);
        int d = simd ? PanamaDot.i8(q, vectors, off, dim) : ScalarDot.i8(q, vectors, off, dim);
        return d * qScale * scale(ordinal);
    }

    /**
     * Offers {@code ords[0..n)} to {@code top} with their int8 scores ({@link #score}, bit for bit), four faces per
     * {@link PanamaDot#i8x4} call on the vector path: four independent reads in flight instead of one when the
     * faces are scattered over the plane (the short list of {@code mode=binary}), and the faces
     * {@link #PREFETCH_AHEAD} places further on prefetched. {@code scratchDot}: 4 ints.
     */
    public void scoreEach(byte[] q, float qScale, int[] ords, int n, TopK top, boolean simd, int[] scratchDot,
                          boolean prefetch) {
        int i = 0;
        for (int a = 0; prefetch && a < Math.min(n, PREFETCH_AHEAD); a++) {
            prefetch(ords[a]);
        }
        if (simd) {
            for (; i + 4 <= n; i += 4) {
                for (int a = i + PREFETCH_AHEAD; prefetch && a < Math.min(n, i + PREFETCH_AHEAD + 4); a++) {
                    prefetch(ords[a]);
                }
                int o0 = ords[i], o1 = ords[i + 1], o2 = ords[i + 2], o3 = ords[i + 3];
                PanamaDot.i8x4(q, vectors, offset(o0), offset(o1), offset(o2), offset(o3), dim, scratchDot);
                top.offer(scratchDot[0] * qScale * scale(o0), o0);
                top.offer(scratchDot[1] * qScale * scale(o1), o1);
                top.offer(scratchDot[2] * qScale * scale(o2), o2);
                top.offer(scratchDot[3] * qScale * scale(o3), o3);
            }
        }
        for (; i < n; i++) {
            if (prefetch && i + PREFETCH_AHEAD < n) {
                prefetch(ords[i + PREFETCH_AHEAD]);
            }
            top.offer(score(q, qScale, ords[i], simd), ords[i]);
        }
    }

    /**
     * Offers every ordinal in {@code [from, to)} set in {@code allowed} to {@code top} with its int8 score
     * ({@link #score}, bit for bit). Vector path: whole words of 64 allowed faces go four at a time without bit
     * tests ({@link PanamaDot#i8x4}: one probe widening per four faces); other words collect their set bits in
     * fours. {@code scratch} is 4 ints and 4 floats the caller keeps; nothing is allocated.
     */
    public void scan(byte[] q, float qScale, long[] allowed, int from, int to, TopK top, boolean simd,
                     int[] scratchOrd, int[] scratchDot) {
        to = Math.min(to, size);
        if (from >= to) {
            return;
        }
        if (!simd) {
            for (int o = Bits.nextSetBit(allowed, from, to); o >= 0; o = Bits.nextSetBit(allowed, o + 1, to)) {
                top.offer(score(q, qScale, o, false), o);
            }
            return;
        }
        MemorySegment v = vectors;
        int n = 0;
        int o = from;
        while (o < to) {
            if ((o & 63) == 0 && n == 0 && o + 64 <= to && allowed[o >>> 6] == -1L) {
                for (int end = o + 64; o < end; o += 4) {
                    score4(q, qScale, v, o, o + 1, o + 2, o + 3, scratchDot, top);
                }
                continue;
            }
            if ((o & 63) == 0 && allowed[o >>> 6] == 0L) {
                o += 64; // a whole word filtered out or deleted
                continue;
            }
            if (Bits.get(allowed, o)) {
                scratchOrd[n++] = o;
                if (n == 4) {
                    n = 0;
                    score4(q, qScale, v, scratchOrd[0], scratchOrd[1], scratchOrd[2], scratchOrd[3], scratchDot, top);
                }
            }
            o++;
        }
        for (int j = 0; j < n; j++) {
            top.offer(score(q, qScale, scratchOrd[j], true), scratchOrd[j]);
        }
    }

    private void score4(byte[] q, float qScale, MemorySegment v, int r0, int r1, int r2, int r3, int[] d, TopK top) {
        PanamaDot.i8x4(q, v, offset(r0), offset(r1), offset(r2), offset(r3), dim, d);
        float s0 = d[0] * qScale * scale(r0);
        float s1 = d[1] * qScale * scale(r1);
        float s2 = d[2] * qScale * scale(r2);
        float s3 = d[3] * qScale * scale(r3);
        // offer only what can enter (equal scores may win on the tie-break): most faces are refused, and the
        // offer calls' heap traffic is measurable in this loop; NaN compares false, as offer would refuse it
        float floor = top.threshold();
        if (s0 >= floor | s1 >= floor | s2 >= floor | s3 >= floor) {
            top.offer(s0, r0);
            top.offer(s1, r1);
            top.offer(s2, r2);
            top.offer(s3, r3);
        }
    }

    @Override
    public void close() {
        vectorMemory.close(); // idempotent, as this is
        scaleMemory.close();
        vectors = null;
        scales = null;
        size = 0;
    }
}
