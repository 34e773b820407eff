package io.biomatch.fingerprint;

import io.biomatch.fingerprint.internal.ProbeFinger;
import java.util.List;

/**
 * A prepared fingerprint probe (immutable, shared by all shard workers of one search): one
 * {@link ProbeFinger} per probe finger, and whether the kernel scores exhaustively with SourceAFIS.
 */
public final class FingerprintProbe {
    private final ProbeFinger[] fingers;
    private final boolean exhaustive;
    private final int shortlist;
    private final float stopScore;
    private final int stopChunk;

    FingerprintProbe(List<ProbeFinger> fingers, boolean exhaustive, int shortlist, float stopScore, int stopChunk) {
        this.fingers = fingers.toArray(ProbeFinger[]::new);
        this.exhaustive = exhaustive;
        this.shortlist = shortlist;
        this.stopScore = stopScore;
        this.stopChunk = stopChunk;
    }

    /** Adaptive depth (search option {@code stop_score}): the stop score, or +infinity when off. */
    public float stopScore() {
        return stopScore;
    }

    /** Adaptive depth (search option {@code stop_chunk}): candidates re-scored between two stop checks. */
    public int stopChunk() {
        return stopChunk;
    }

    /** Short list asked for by the search option {@code shortlist}, or 0 for the configured default. */
    public int shortlist() {
        return shortlist;
    }

    public int fingerCount() {
        return fingers.length;
    }

    public boolean exhaustive() {
        return exhaustive;
    }

    /** The fingers (shared array: callers must not modify it). */
    public ProbeFinger[] fingers() {
        return fingers;
    }
}
