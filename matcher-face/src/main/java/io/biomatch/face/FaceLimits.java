package io.biomatch.face;

/** Input limits of the face modality, with why. */
public final class FaceLimits {
    private FaceLimits() {
    }

    /** Largest embedding dimension accepted (the slot layout stores it in 16 bits; 4096 covers every common model). */
    public static final int MAX_DIM = 4096;

    /** Largest encoded image accepted: 32 MiB (a 50 MP JPEG is well below; stops memory exhaustion by a caller). */
    public static final int MAX_IMAGE_BYTES = 32 << 20;

    /** Largest decoded image: 64 megapixels (decompression bombs are rejected before detection). */
    public static final long MAX_IMAGE_PIXELS = 64L << 20;

    /**
     * Faces whose shorter box side is below this many pixels (in the original image) are rejected as too
     * small: the 112x112 aligned crop would be mostly interpolation, and similarity scores become unreliable.
     */
    public static final int DEFAULT_MIN_FACE_PIXELS = 24;
}
