package io.biomatch.core.spi;

/**
 * Second stage: re-scores one short-list candidate from its stored template (the record store's bytes).
 * The returned score replaces the first-stage score and is the one reported to the caller.
 */
@FunctionalInterface
public interface Rescorer<P> {
    float rescore(P probe, byte[] storedTemplate);
}
