package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.Locale;

/**
 * CODIS-style match stringency: when two profiles match at one locus.
 *
 * <ul>
 *   <li>{@link #HIGH}: the same alleles. A partial locus ("a/-") on either side matches when the seen allele is
 *       in the other profile and the other side shows at most two alleles (it could be a/x).</li>
 *   <li>{@link #MODERATE}: one profile's alleles are all contained in the other's (for partial and mixed forensic
 *       profiles).</li>
 *   <li>{@link #LOW}: at least one allele in common.</li>
 * </ul>
 *
 * A locus decision depends only on (k = shared alleles, np = probe alleles, nc = candidate alleles, which side is
 * partial), so the kernel precomputes it per probe locus; {@link #locusMatches(int[], boolean, int[], boolean)} is
 * the plain reference on allele sets.
 */
public enum Stringency {
    HIGH, MODERATE, LOW;

    public static Stringency parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "high" -> HIGH;
            case "moderate", "medium" -> MODERATE;
            case "low" -> LOW;
            default -> throw Modality.invalid("option stringency must be high, moderate or low");
        };
    }

    /** The decision from counts: k shared, np probe alleles, nc candidate alleles, partial flags. */
    public boolean matches(int k, int np, int nc, boolean probePartial, boolean candidatePartial) {
        return switch (this) {
            case LOW -> k >= 1;
            case MODERATE -> k == np || k == nc;
            case HIGH -> {
                if (probePartial && candidatePartial) {
                    yield k == 1;
                }
                if (probePartial) {
                    yield k == 1 && nc <= 2;
                }
                if (candidatePartial) {
                    yield k == 1 && np <= 2;
                }
                yield k == np && k == nc;
            }
        };
    }

    /** Reference decision on allele sets (distinct codes). */
    public boolean locusMatches(int[] probe, boolean probePartial, int[] candidate, boolean candidatePartial) {
        int k = 0;
        for (int a : probe) {
            for (int b : candidate) {
                if (a == b) {
                    k++;
                }
            }
        }
        return matches(k, probe.length, candidate.length, probePartial, candidatePartial);
    }
}
