package io.biomatch.core.spi;

/**
 * Second stage: re-scores one short-list candidate from its stored template (the record store's bytes).
 * The returned score replaces the first-stage score and is the one reported to the caller.
 */
@FunctionalInterface
public interface Rescorer<P> {
    float rescore(P probe, byte[] storedTemplate);

    /**
     * Early end of the second stage. The core re-scores the short list in first-stage order and asks after
     * each candidate; {@code true} leaves the rest of the short list out (neither re-scored nor returned).
     * A modality uses it to stop once it has seen a score its background practically never reaches.
     * Default: never (the whole short list is re-scored).
     *
     * @param rescored  candidates re-scored so far for this search
     * @param bestScore best re-scored score so far
     */
    default boolean enough(P probe, int rescored, float bestScore) {
        return false;
    }

    /**
     * Whether {@link #enough} may return {@code true} for this probe. When it cannot, the core re-scores the short
     * list on several work threads at once (same candidates and scores, less latency); otherwise in first-stage
     * order on one thread, as {@link #enough} expects. Default {@code true}: a modality must say when its stop
     * rule is off for a probe.
     */
    default boolean mayStopEarly(P probe) {
        return true;
    }
}
