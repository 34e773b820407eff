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
    private final boolean pairing;

    FingerprintProbe(List<ProbeFinger> fingers, boolean exhaustive, int shortlist, float stopScore, int stopChunk,
                     boolean pairing) {
        this.pairing = pairing;
        this.fingers = fingers.toArray(ProbeFinger[]::new);
        this.exhaustive = exhaustive;
        this.shortlist = shortlist;
        this.stopScore = stopScore;
        this.stopChunk = stopChunk;
    }

    /** Search option {@code pairing} (on by default): whether the pairing stage orders the short list. */
    public boolean pairing() {
        return pairing;
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
