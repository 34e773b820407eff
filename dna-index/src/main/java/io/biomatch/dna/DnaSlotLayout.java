package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fixed-stride slot of one stored profile in a shard segment ({@value #SLOT_BYTES} bytes).
 *
 * <pre>
 *  byte 0        4          8       9        10                16        20                 140       144
 *  +-------------+----------+-------+--------+-----------------+---------+---- ... ----+---------+---------+
 *  | typed mask  | partial  | categ | contri | reserved (0)    | locus 0 | locus 1 ... | locus30 | spare   |
 *  | u32 LE      | mask u32 | u8    | u8     | 6 bytes         | 4 x u8  |             | 4 x u8  | 4 bytes |
 *  +-------------+----------+-------+--------+-----------------+---------+---- ... ----+---------+---------+
 *
 *  locus l (bit l of the masks, order of {@link Loci}): up to 4 allele codes ({@link Allele}), ascending from the
 *  low byte, zero bytes above the last allele; read as one little-endian u32, so
 *  allele count = (39 - numberOfLeadingZeros(word)) >>> 3.
 * </pre>
 *
 * Stored profiles hold at most {@value #MAX_ALLELES_PER_LOCUS} alleles per locus (single source or two-person
 * mixtures); larger mixtures can be searched as probes but not enrolled.
 */
public final class DnaSlotLayout {
    public static final int TYPED_MASK_OFFSET = 0;
    public static final int PARTIAL_MASK_OFFSET = 4;
    public static final int CATEGORY_OFFSET = 8;
    public static final int CONTRIBUTORS_OFFSET = 9;
    public static final int LOCI_OFFSET = 16;
    public static final int LOCUS_BYTES = 4;
    public static final int MAX_ALLELES_PER_LOCUS = 4;
    public static final int SLOT_BYTES = LOCI_OFFSET + Loci.MAX * LOCUS_BYTES; // 144

    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private DnaSlotLayout() {
    }

    /** Offset of locus {@code l}'s allele word within a slot. */
    public static long locusOffset(int l) {
        return LOCI_OFFSET + (long) l * LOCUS_BYTES;
    }

    /** The allele word of a profile at locus {@code l} (0 when untyped). */
    static int alleleWord(StrProfile p, int l) {
        int n = p.alleleCount(l);
        int w = 0;
        for (int i = 0; i < n; i++) {
            w |= p.allele(l, i) << (8 * i);
        }
        return w;
    }

    /** Checks that a profile fits a slot; INVALID_INPUT otherwise. */
    static void checkStorable(StrProfile p) {
        for (int l = 0; l < Loci.COUNT; l++) {
            if (p.alleleCount(l) > MAX_ALLELES_PER_LOCUS) {
                throw Modality.invalid("locus " + Loci.name(l) + ": stored profiles hold at most "
                        + MAX_ALLELES_PER_LOCUS + " alleles per locus (two-person mixtures); search larger mixtures"
                        + " as probes");
            }
        }
    }

    /** Writes a profile into a zero-filled slot. */
    static void write(StrProfile p, MemorySegment slot) {
        checkStorable(p);
        slot.set(INT_LE, TYPED_MASK_OFFSET, p.typedMask());
        slot.set(INT_LE, PARTIAL_MASK_OFFSET, p.partialMask());
        slot.set(ValueLayout.JAVA_BYTE, CATEGORY_OFFSET, (byte) p.category().ordinal());
        slot.set(ValueLayout.JAVA_BYTE, CONTRIBUTORS_OFFSET, (byte) p.contributors());
        for (int l = 0; l < Loci.COUNT; l++) {
            slot.set(INT_LE, locusOffset(l), alleleWord(p, l));
        }
    }
}
