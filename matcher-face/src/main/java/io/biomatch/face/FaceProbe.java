package io.biomatch.face;

/**
 * A prepared face probe: its unit embedding, the int8 copy used by the first pass, and the search mode.
 * Immutable (the arrays are private copies and never handed out).
 */
public final class FaceProbe {
    /** How the shard scan scores. */
    public enum Mode {
        /**
         * int8 pass over the shard's int8 plane, then float32 re-rank of the short list from the slots (default;
         * float32 scores, the same ranking as fp32 in practice).
         */
        EXACT,
        /** float32 scan of every slot (reference; reads 4x the bytes). */
        FP32,
        /**
         * Approximate: the shard's HNSW graph ({@link FaceHnswIndex}), float32 scores; where a shard has no graph
         * or a filter leaves few records, the float32 scan.
         */
        HNSW,
        /**
         * Approximate: a Hamming scan of the shard's sign-bit codes (1 bit per dimension) keeps the
         * {@code binary_shortlist} nearest codes, their int8 cosines keep max(4k, 64), float32 re-ranks those
         * from the slots. Float32 scores. Models whose dimension is not a multiple of 64 get {@link #EXACT}.
         */
        BINARY
    }

    /** Default {@code binary_shortlist}: codes kept by the Hamming pass per shard (see the face README). */
    public static final int DEFAULT_BINARY_SHORTLIST = 4096;
    public static final int MAX_BINARY_SHORTLIST = 1_000_000;

    final float[] unit;
    final byte[] q;
    final float qScale;
    final Mode mode;
    /** {@code hnsw_ef}, or 0 for the modality's default. */
    private final int ef;
    /** Sign-bit code of the unit vector for {@link Mode#BINARY} (null in other modes, or when the dimension is not a
     * multiple of 64). */
    final long[] bits;
    /** Codes the Hamming pass keeps ({@link Mode#BINARY}). */
    final int binaryShortlist;

    FaceProbe(float[] unit, Mode mode) {
        this(unit, mode, 0);
    }

    FaceProbe(float[] unit, Mode mode, int ef) {
        this(unit, mode, ef, DEFAULT_BINARY_SHORTLIST);
    }

    FaceProbe(float[] unit, Mode mode, int ef, int binaryShortlist) {
        this.unit = unit.clone();
        this.q = new byte[unit.length];
        this.qScale = io.biomatch.face.internal.FaceSlotLayout.quantise(this.unit, q);
        this.mode = mode;
        this.ef = ef;
        this.bits = mode == Mode.BINARY && io.biomatch.face.internal.SignBitPlane.supports(unit.length)
                ? io.biomatch.face.internal.SignBitPlane.encode(this.unit) : null;
        this.binaryShortlist = binaryShortlist;
    }

    /** Candidates the HNSW search keeps: {@code hnsw_ef} or the given default. */
    int ef(int defaultEf) {
        return ef > 0 ? ef : defaultEf;
    }

    public int dim() {
        return unit.length;
    }

    public Mode mode() {
        return mode;
    }

    /** A copy of the unit embedding. */
    public float[] vector() {
        return unit.clone();
    }

    @Override
    public String toString() {
        return "FaceProbe[dim=" + unit.length + ", mode=" + mode + (ef > 0 ? ", ef=" + ef : "")
                + (mode == Mode.BINARY ? ", binary_shortlist=" + binaryShortlist : "") + "]";
    }
}
