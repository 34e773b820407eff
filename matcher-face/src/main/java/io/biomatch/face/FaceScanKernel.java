package io.biomatch.face;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.internal.FaceSlotLayout;
import io.biomatch.face.internal.PanamaDot;
import io.biomatch.face.internal.ScalarDot;
import java.lang.foreign.MemorySegment;

/**
 * The float32 scan over a shard's packed slots ({@link FaceSlotLayout}: one float32 unit vector per slot):
 * {@code mode=fp32}, and {@code mode=hnsw} where it falls back to the scan. Scores are float32 cosines, for every
 * mode ({@code mode=exact} is answered by {@link FaceHnswIndex}'s int8 plane and re-rank, which reports the same
 * float32 cosine). No allocation per slot.
 */
final class FaceScanKernel implements ScanKernel<FaceProbe> {
    private final boolean simd;
    private final int dim;
    /**
     * Full blocks of 64 live slots go 16 at a time ({@link PanamaDot#f32x16Dim512}) for 512-d slots on AVX-512,
     * else four at a time.
     */
    private final boolean wide;

    FaceScanKernel(FaceSlotLayout layout, boolean simd) {
        this.simd = simd;
        this.dim = layout.dim();
        this.wide = simd && PanamaDot.wideGroupFits() && dim == PanamaDot.WIDE_DIM
                && layout.slotBytes() == PanamaDot.WIDE_STRIDE;
    }

    boolean simd() {
        return simd;
    }

    @Override
    public float score(FaceProbe probe, MemorySegment slots, long slotOffset) {
        return simd ? PanamaDot.f32(probe.unit, slots, slotOffset, dim) : ScalarDot.f32(probe.unit, slots, slotOffset, dim);
    }

    /**
     * Scores the live slots: blocks of 64 live slots in a row (the usual case) 16 at a time
     * ({@link PanamaDot#f32x16Dim512}, 512-d on AVX-512) or four at a time, the other live slots four at a time
     * ({@link PanamaDot#f32x4}: one probe load per four slot loads), the last 0-3 one by one. Each slot gets the
     * same score as {@link #score} (the same operations in the same order). Scratch: two small arrays per call
     * (per scan block), nothing per slot.
     */
    @Override
    public void scan(FaceProbe probe, MemorySegment slots, int slotBytes, long[] live, int fromOrdinal,
                     int toOrdinal, TopK top) {
        if (!simd) {
            ScanKernel.super.scan(probe, slots, slotBytes, live, fromOrdinal, toOrdinal, top);
            return;
        }
        int[] ord = new int[4];
        float[] f = new float[Math.max(4, PanamaDot.wideScratch())];
        int n = 0;
        int o = fromOrdinal;
        while (o < toOrdinal) {
            // fast path: 64 live slots in a row (the usual case) go without bit tests
            if ((o & 63) == 0 && n == 0 && o + 64 <= toOrdinal && live[o >>> 6] == -1L) {
                if (wide) {
                    for (int end = o + 64; o < end; o += PanamaDot.WIDE_GROUP) {
                        PanamaDot.f32x16Dim512(probe.unit, slots, (long) o * slotBytes, f);
                        offer16(top, f, o);
                    }
                } else {
                    for (int end = o + 64; o < end; o += 4) {
                        score4(probe, slots, slotBytes, o, o + 1, o + 2, o + 3, f, top);
                    }
                }
                continue;
            }
            if (Bits.get(live, o)) {
                ord[n++] = o;
                if (n == 4) {
                    n = 0;
                    score4(probe, slots, slotBytes, ord[0], ord[1], ord[2], ord[3], f, top);
                }
            }
            o++;
        }
        for (int j = 0; j < n; j++) {
            top.offer(score(probe, slots, (long) ord[j] * slotBytes), ord[j]);
        }
    }

    private void score4(FaceProbe probe, MemorySegment slots, int slotBytes, int r0, int r1, int r2, int r3,
                        float[] f, TopK top) {
        PanamaDot.f32x4(probe.unit, slots, (long) r0 * slotBytes, (long) r1 * slotBytes, (long) r2 * slotBytes,
                (long) r3 * slotBytes, dim, f);
        offer4(top, f, r0, r1, r2, r3);
    }

    /**
     * Offers four scores, calling {@link TopK#offer} only for those at or above its threshold (the rest would be
     * refused anyway; equal scores may still win on the tie-break, so {@code >=}). Why: almost every slot is
     * refused, and four offer calls per four slots cost ~15 % of the memory-bound scan (their heap loads and
     * stores sit in the loop); one compare per slot does not. NaN compares false, as offer would refuse it.
     */
    static void offer4(TopK top, float[] f, int r0, int r1, int r2, int r3) {
        float floor = top.threshold();
        if (f[0] >= floor | f[1] >= floor | f[2] >= floor | f[3] >= floor) {
            top.offer(f[0], r0);
            top.offer(f[1], r1);
            top.offer(f[2], r2);
            top.offer(f[3], r3);
        }
    }

    /** {@link #offer4} for the 16 consecutive slots {@code first..first+15}. */
    static void offer16(TopK top, float[] f, int first) {
        float floor = top.threshold();
        for (int k = 0; k < PanamaDot.WIDE_GROUP; k++) {
            if (f[k] >= floor) {
                top.offer(f[k], first + k);
                floor = top.threshold();
            }
        }
    }

    /** True when the Vector API module is in the boot layer (run with {@code --add-modules jdk.incubator.vector}). */
    static boolean vectorApiAvailable() {
        if (Boolean.getBoolean("biomatch.face.scalar")) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return PanamaDot.floatLanes() >= 4;
        } catch (Throwable e) { // LinkageError when the module cannot be linked
            return false;
        }
    }
}
