package io.biomatch.core;

import io.biomatch.core.spi.ScoreMeaning;

/**
 * A 1:1 comparison against a stored record.
 *
 * @param id           the stored record's id
 * @param score        the modality's score
 * @param match        whether the score reaches the modality's default threshold
 * @param scoreMeaning what the score means
 */
public record VerifyResult(String id, float score, boolean match, ScoreMeaning scoreMeaning) {
}
