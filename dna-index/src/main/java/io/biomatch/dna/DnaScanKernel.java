package io.biomatch.dna;

import static io.biomatch.dna.DnaSlotLayout.INT_LE;

import io.biomatch.core.spi.ScanKernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The packed off-heap scan: probe x slot -&gt; score, or NaN when the candidate does not match (TopK drops NaN).
 *
 * <p>Stringency mode: for each locus typed in both (ascending locus order), k = number of the candidate's allele
 * bytes that the probe shows (four table look-ups), nc = candidate allele count (from the word's leading zeros);
 * {@code accept} says match or mismatch. More than {@code mismatches} mismatching loci stop the candidate early,
 * which is why a random candidate costs about one locus. A match needs at least {@code min_loci} compared loci
 * (matching + mismatching); its score is the sum of the probe's weights over matching loci.
 *
 * <p>Mixture-LR mode: single-source candidates only; score = Σ over loci typed in both of the table entry of the
 * candidate's genotype (evidence-allele indexes), i.e. log10 LR; partial candidate loci are skipped (LR 1).
 *
 * <p>Familial mode: single-source candidates only; the product over loci fully typed in both of
 * {@link Familial#locusLr}, as log10; an excluded candidate (LR 0) is NaN.
 *
 * <p>No allocation, no objects per slot: primitives over the segment and the probe's arrays.
 */
final class DnaScanKernel implements ScanKernel<DnaProbe> {
    @Override
    public float score(DnaProbe p, MemorySegment s, long off) {
        int category = s.get(ValueLayout.JAVA_BYTE, off + DnaSlotLayout.CATEGORY_OFFSET);
        if ((p.options.categoryMask() >>> category & 1) == 0) {
            return Float.NaN;
        }
        int both = s.get(INT_LE, off + DnaSlotLayout.TYPED_MASK_OFFSET) & p.lociMask;
        int partial = s.get(INT_LE, off + DnaSlotLayout.PARTIAL_MASK_OFFSET);
        if (p.mixLog10Lr != null) {
            return mixture(p, s, off, both, partial);
        }
        if (p.kinHet != null) {
            return familial(p, s, off, both & ~partial);
        }
        if (Integer.bitCount(both) < p.options.minLoci()) {
            return Float.NaN;
        }
        final byte[] member = p.member;
        final byte[] accept = p.accept;
        final float[] weight = p.weight;
        int allowed = p.options.mismatches();
        float sum = 0f;
        while (both != 0) {
            int l = Integer.numberOfTrailingZeros(both);
            both &= both - 1;
            int w = s.get(INT_LE, off + DnaSlotLayout.LOCI_OFFSET + ((long) l << 2));
            int base = l << 8;
            int k = member[base + (w & 0xFF)] + member[base + (w >>> 8 & 0xFF)] + member[base + (w >>> 16 & 0xFF)]
                    + member[base + (w >>> 24)];
            int nc = (39 - Integer.numberOfLeadingZeros(w)) >>> 3;
            if (accept[l << 7 | (partial >>> l & 1) << 6 | k << 3 | nc] != 0) {
                sum += weight[l];
            } else if (--allowed < 0) {
                return Float.NaN;
            }
        }
        return sum;
    }

    private static float familial(DnaProbe p, MemorySegment s, long off, int both) {
        if (s.get(ValueLayout.JAVA_BYTE, off + DnaSlotLayout.CONTRIBUTORS_OFFSET) != 1
                || Integer.bitCount(both) < p.options.minLoci()) {
            return Float.NaN;
        }
        double lr = 1;
        while (both != 0) {
            int l = Integer.numberOfTrailingZeros(both);
            both &= both - 1;
            lr *= Familial.locusLr(p, l, s.get(INT_LE, off + DnaSlotLayout.LOCI_OFFSET + ((long) l << 2)));
            if (lr == 0) {
                return Float.NaN; // excluded (parent-child without mutation)
            }
        }
        return (float) Math.log10(lr);
    }

    private static float mixture(DnaProbe p, MemorySegment s, long off, int both, int partial) {
        if (s.get(ValueLayout.JAVA_BYTE, off + DnaSlotLayout.CONTRIBUTORS_OFFSET) != 1) {
            return Float.NaN;
        }
        final byte[] index = p.mixIndex;
        final float[] table = p.mixLog10Lr;
        both &= ~partial;
        float sum = 0f;
        while (both != 0) {
            int l = Integer.numberOfTrailingZeros(both);
            both &= both - 1;
            int w = s.get(INT_LE, off + DnaSlotLayout.LOCI_OFFSET + ((long) l << 2));
            int a = w & 0xFF;
            int b = w >>> 8 & 0xFF;
            if (b == 0) {
                b = a;
            }
            int base = l << 8;
            sum += table[l * (DnaProbe.MIX_STRIDE * DnaProbe.MIX_STRIDE) + index[base + a] * DnaProbe.MIX_STRIDE
                    + index[base + b]];
        }
        return sum;
    }
}
