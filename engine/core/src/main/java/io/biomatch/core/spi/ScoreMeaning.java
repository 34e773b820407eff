package io.biomatch.core.spi;

/**
 * What a modality's scores mean, reported with every search so that a lab can defend a candidate.
 *
 * @param scale             the score scale, e.g. "SourceAFIS similarity", "cosine similarity", "log10 likelihood ratio"
 * @param defaultThreshold  scores at or above this are reported as matches by default
 * @param thresholdMeaning  the error rate or strength of evidence at the threshold, e.g. "FMR 0.01 %"
 */
public record ScoreMeaning(String scale, float defaultThreshold, String thresholdMeaning) {
}
