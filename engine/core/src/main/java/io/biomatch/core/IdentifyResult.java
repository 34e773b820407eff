package io.biomatch.core;

import io.biomatch.core.spi.ScoreMeaning;
import java.util.List;

/**
 * Ranked candidates (score descending, then id ascending) and what the scores mean.
 *
 * @param candidates     the ranked candidates
 * @param scoreMeaning   the modality's score scale, default threshold and its error rate
 * @param slotsScanned   number of live gallery slots the first stage looked at (all shards)
 * @param rescored       number of short-list candidates the modality's re-scorer scored
 */
public record IdentifyResult(List<Candidate> candidates, ScoreMeaning scoreMeaning, long slotsScanned, int rescored) {
}
