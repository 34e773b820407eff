package io.biomatch.core.spi;

/**
 * Second stage: re-scores one short-list candidate from its stored template (the record store's bytes).
 * The returned score replaces the first-stage score and is the one reported to the caller.
 */
@FunctionalInterface
public interface Rescorer<P> {
    float rescore(P probe, byte[] storedTemplate);

    /**
     * Early end of the second stage. The result is that of re-scoring the short list in first-stage order and
     * asking after each candidate; {@code true} leaves the rest of the short list out (neither returned nor
     * counted as re-scored). A modality uses it to stop once it has seen a score its background practically
     * never reaches. The core may re-score later candidates on other threads meanwhile and drop them: it asks in
     * order, over the candidates re-scored so far, and must be a pure function of its arguments. Default: never
     * (the whole short list is re-scored).
     *
     * @param rescored  candidates re-scored so far for this search
     * @param bestScore best re-scored score so far
     */
    default boolean enough(P probe, int rescored, float bestScore) {
        return false;
    }

    /**
     * Whether {@link #enough} may return {@code true} for this probe. When it cannot, the core re-scores the whole
     * short list on several work threads at once without asking. When it can, the core re-scores the first chunk
     * in order on one thread (most early stops end there, with nothing re-scored in vain), then shares the rest
     * among work threads and replays {@link #enough} in order over the finished candidates (same result, less
     * latency, at most about one chunk per helper thread re-scored in vain). Default {@code true}: a modality must
     * say when its stop rule is off for a probe.
     */
    default boolean mayStopEarly(P probe) {
        return true;
    }
}
