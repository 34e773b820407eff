package io.biomatch.core;

/**
 * One ranked candidate of a search.
 *
 * @param id     record id
 * @param score  the modality's score (its {@link io.biomatch.core.spi.ScoreMeaning} says what it means)
 * @param agency owning agency of the record
 */
public record Candidate(String id, float score, String agency) {
}
