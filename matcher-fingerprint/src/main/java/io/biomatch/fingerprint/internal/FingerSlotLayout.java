package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap layout of one fingerprint record in a shard segment: one finger block of {@link #FINGER_BYTES}
 * bytes per finger, in consecutive slots (the engine's slot stride is one block; a record of n fingers takes
 * n slots, and only the first is visited by the scan). Block 0 carries the record's finger count so the
 * kernel knows how many blocks follow. Native byte order (slots are rebuilt from the record store, never
 * persisted as such).
 *
 * <pre>
 * finger block, 2048 bytes
 *  offset  size
 *  +0      u8    fingerCount      number of fingers of the record (block 0 only, 0 elsewhere)
 *  +1      u8    position         ANSI/NIST finger position 0..10 (0 = unknown)
 *  +2      u8    minutiaCount n   0..100
 *  +3      u8    codeCount c      0..34 local-structure codes (central minutiae)
 *  +4      u16   width            template width in px (500 dpi)
 *  +6      u16   height
 *  +8      8     reserved
 *  +16     100 x 8 B minutiae     u16 x | bifurcation&lt;&lt;15, u16 y, f32 direction (radians, SourceAFIS exact);
 *                                 record q &lt; c is code q's minutia, the others follow in their original order
 *  +816    34 x i64 hard0         local-structure codes, struct of arrays (see {@link LocalStructures}),
 *  +1088   34 x i64 hard1         code q at +8q of each array, codes in ascending distance from the
 *  +1360   34 x i64 soft0         minutiae centroid (the most central first); a vector kernel may read
 *  +1632   34 x i64 soft1         up to 40 lanes of an array (the excess lanes are ignored)
 *  +1904   34 x 4 B code meta     u8 popcount(hard), u8 direction/256, u8 original minutia index, u8 reserved
 *  +2040   8     reserved
 * </pre>
 *
 * The first stage reads the codes and their meta (1,224 bytes of the 2,048) and, for the pairs it
 * consolidates, their minutiae's positions: code q's minutia is record q, so the positions of 16 codes are two
 * vector loads (a scalar read per kept pair through its minutia index cost about as much as the whole star
 * consolidation). The exact minutiae let the exhaustive reference mode rebuild the SourceAFIS template without
 * the record store; {@link #readMinutiae} puts them back in their original order from the codes' original
 * indexes.
 */
public final class FingerSlotLayout {
    public static final int FINGER_BYTES = 2048;
    public static final int MAX_CODES = 34;

    public static final int FINGER_COUNT_OFFSET = 0;
    public static final int POSITION_OFFSET = 1;
    public static final int MINUTIA_COUNT_OFFSET = 2;
    public static final int CODE_COUNT_OFFSET = 3;
    public static final int WIDTH_OFFSET = 4;
    public static final int HEIGHT_OFFSET = 6;
    public static final int MINUTIAE_OFFSET = 16;
    public static final int MINUTIA_BYTES = 8;
    public static final int CODES_OFFSET = MINUTIAE_OFFSET + Minutiae.MAX * MINUTIA_BYTES;
    public static final int CODE_BYTES = 32;
    public static final int HARD0_OFFSET = CODES_OFFSET;
    public static final int HARD1_OFFSET = HARD0_OFFSET + MAX_CODES * 8;
    public static final int SOFT0_OFFSET = HARD1_OFFSET + MAX_CODES * 8;
    public static final int SOFT1_OFFSET = SOFT0_OFFSET + MAX_CODES * 8;
    public static final int META_OFFSET = CODES_OFFSET + MAX_CODES * CODE_BYTES;
    /** Lanes a vector kernel may read from each code array (40: 5 vectors of 8 longs). */
    public static final int CODE_LANES_READABLE = 40;
    public static final int META_BYTES = 4;

    static {
        if (META_OFFSET + MAX_CODES * META_BYTES > FINGER_BYTES
                || SOFT1_OFFSET + CODE_LANES_READABLE * 8 > FINGER_BYTES) {
            throw new AssertionError("finger block overflows");
        }
    }

    /**
     * Byte offsets, one per 64-byte line, of what the first stage reads in a finger block: the header and the
     * code minutiae's records (up to record 48: {@code keepVector} reads 16 records per vector), then the codes
     * and their meta. 26 of the block's 32 lines; what a scan kernel prefetches ahead of scoring a block.
     */
    public static final int[] FIRST_STAGE_LINES = firstStageLines();

    private static int[] firstStageLines() {
        int recordsEnd = MINUTIAE_OFFSET + 48 * MINUTIA_BYTES;
        int metaEnd = META_OFFSET + MAX_CODES * META_BYTES;
        java.util.List<Integer> lines = new java.util.ArrayList<>();
        for (int at = 0; at < FINGER_BYTES; at += 64) {
            boolean records = at < recordsEnd;
            boolean codes = at + 64 > CODES_OFFSET && at < metaEnd;
            if (records || codes) {
                lines.add(at);
            }
        }
        return lines.stream().mapToInt(Integer::intValue).toArray();
    }

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private FingerSlotLayout() {
    }

    public static long fingerOffset(long slotOffset, int finger) {
        return slotOffset + (long) finger * FINGER_BYTES;
    }

    public static int fingerCount(MemorySegment s, long slotOffset) {
        return s.get(ValueLayout.JAVA_BYTE, slotOffset + FINGER_COUNT_OFFSET) & 0xFF;
    }

    public static int position(MemorySegment s, long fingerOffset) {
        return s.get(ValueLayout.JAVA_BYTE, fingerOffset + POSITION_OFFSET) & 0xFF;
    }

    public static int codeCount(MemorySegment s, long fingerOffset) {
        return s.get(ValueLayout.JAVA_BYTE, fingerOffset + CODE_COUNT_OFFSET) & 0xFF;
    }

    /** Writes one finger block (the slot is zero-filled by the caller). */
    public static void writeFinger(MemorySegment s, long fingerOffset, int position, Minutiae m, int recordFingers) {
        int n = m.count();
        s.set(ValueLayout.JAVA_BYTE, fingerOffset + FINGER_COUNT_OFFSET, (byte) recordFingers);
        s.set(ValueLayout.JAVA_BYTE, fingerOffset + POSITION_OFFSET, (byte) position);
        s.set(ValueLayout.JAVA_BYTE, fingerOffset + MINUTIA_COUNT_OFFSET, (byte) n);
        s.set(SHORT, fingerOffset + WIDTH_OFFSET, (short) m.width);
        s.set(SHORT, fingerOffset + HEIGHT_OFFSET, (short) m.height);
        int[] which = new int[MAX_CODES];
        int c = LocalStructures.central(m, MAX_CODES, which);
        long[] hard = new long[2 * c];
        long[] soft = new long[2 * c];
        LocalStructures.compute(m, which, c, hard, soft);
        int written = 0;
        boolean[] isCode = new boolean[n];
        for (int q = 0; q < c; q++) {
            int hc = Long.bitCount(hard[2 * q]) + Long.bitCount(hard[2 * q + 1]);
            if (hc < ProbeFinger.MIN_NEIGHBOURS) {
                continue; // too few neighbours to say anything
            }
            long o = fingerOffset + (long) written * 8;
            s.set(LONG, o + HARD0_OFFSET, hard[2 * q]);
            s.set(LONG, o + HARD1_OFFSET, hard[2 * q + 1]);
            s.set(LONG, o + SOFT0_OFFSET, soft[2 * q]);
            s.set(LONG, o + SOFT1_OFFSET, soft[2 * q + 1]);
            long mo = fingerOffset + META_OFFSET + (long) written * META_BYTES;
            s.set(ValueLayout.JAVA_BYTE, mo, (byte) hc);
            s.set(ValueLayout.JAVA_BYTE, mo + 1, (byte) LocalStructures.angle256(m.direction[which[q]]));
            s.set(ValueLayout.JAVA_BYTE, mo + 2, (byte) which[q]);
            writeMinutia(s, fingerOffset, written, m, which[q]);
            isCode[which[q]] = true;
            written++;
        }
        s.set(ValueLayout.JAVA_BYTE, fingerOffset + CODE_COUNT_OFFSET, (byte) written);
        int record = written;
        for (int i = 0; i < n; i++) {
            if (!isCode[i]) {
                writeMinutia(s, fingerOffset, record++, m, i);
            }
        }
    }

    private static void writeMinutia(MemorySegment s, long fingerOffset, int record, Minutiae m, int i) {
        long o = fingerOffset + MINUTIAE_OFFSET + (long) record * MINUTIA_BYTES;
        s.set(SHORT, o, (short) (m.x[i] | (m.bifurcation[i] ? 0x8000 : 0)));
        s.set(SHORT, o + 2, m.y[i]);
        s.set(FLOAT, o + 4, m.direction[i]);
    }

    /**
     * Reads the exact minutiae of a finger block back in their original order (exhaustive mode; allocates):
     * records 0..c) go to the codes' original indexes, the rest fill the other indexes in ascending order.
     */
    public static Minutiae readMinutiae(MemorySegment s, long fingerOffset) {
        int n = s.get(ValueLayout.JAVA_BYTE, fingerOffset + MINUTIA_COUNT_OFFSET) & 0xFF;
        int c = codeCount(s, fingerOffset);
        int[] original = new int[n];
        boolean[] isCode = new boolean[n];
        for (int q = 0; q < c; q++) {
            int i = s.get(ValueLayout.JAVA_BYTE, fingerOffset + META_OFFSET + (long) q * META_BYTES + 2) & 0xFF;
            original[q] = i;
            isCode[i] = true;
        }
        for (int i = 0, record = c; i < n; i++) {
            if (!isCode[i]) {
                original[record++] = i;
            }
        }
        short[] x = new short[n];
        short[] y = new short[n];
        float[] d = new float[n];
        boolean[] b = new boolean[n];
        for (int r = 0; r < n; r++) {
            int i = original[r];
            long o = fingerOffset + MINUTIAE_OFFSET + (long) r * MINUTIA_BYTES;
            int xv = s.get(SHORT, o) & 0xFFFF;
            x[i] = (short) (xv & 0x7FFF);
            b[i] = (xv & 0x8000) != 0;
            y[i] = s.get(SHORT, o + 2);
            d[i] = s.get(FLOAT, o + 4);
        }
        int w = s.get(SHORT, fingerOffset + WIDTH_OFFSET) & 0xFFFF;
        int h = s.get(SHORT, fingerOffset + HEIGHT_OFFSET) & 0xFFFF;
        return new Minutiae(w, h, x, y, d, b);
    }
}
