package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.util.List;
import java.util.Map;

/**
 * Likelihoods of typed genotypes under one hypothesis (a list of pedigrees whose persons are unrelated across
 * pedigrees), per locus, loci unlinked. Alleles are lumped per locus to those observed plus one "other" class when
 * the mutation matrices allow it (exact), else the full allele table is used.
 */
public final class KinshipLikelihood {
    private KinshipLikelihood() {
    }

    /** Parses "a/b", "a/-", "-/a", "-/-" (or blank) into {a, b} with null for an unknown allele; null if untyped. */
    public static String[] parseGenotype(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String[] p = text.split("/");
        if (p.length != 2) {
            throw Modality.invalid("malformed genotype: expected a/b, a/- or -/-");
        }
        String a = unknown(p[0]) ? null : p[0].trim();
        String b = unknown(p[1]) ? null : p[1].trim();
        if (a == null && b == null) {
            return null;
        }
        return new String[] {a, b};
    }

    private static boolean unknown(String s) {
        String t = s.trim();
        return t.isEmpty() || t.equals("-") || t.equals("?") || t.equalsIgnoreCase("NA");
    }

    /**
     * The likelihood of one locus under one hypothesis.
     *
     * @param genotypes person id -> {allele, allele} (null = unknown allele) at this locus; persons absent are untyped
     * @param observed  table alleles to keep as their own class (every allele typed in the case at this locus)
     */
    static double locusLikelihood(List<Pedigree> peds, Map<String, String[]> genotypes, String locus,
                                  FrequencyTable freqs, MutationModel male, MutationModel female,
                                  double[][] fullMale, double[][] fullFemale, boolean[] observed, double theta) {
        FrequencyTable.Locus fl = freqs.locus(locus);
        LocusModel m = LocusModel.lumped(fl, observed, male, female, fullMale, fullFemale);
        double lik = 1;
        for (Pedigree ped : peds) {
            int[][] geno = new int[ped.size()][];
            boolean any = false;
            for (int i = 0; i < ped.size(); i++) {
                String[] g = genotypes.get(ped.id(i));
                if (g != null) {
                    geno[i] = new int[] {g[0] == null ? -1 : m.classOf[freqs.alleleIndex(locus, g[0])],
                            g[1] == null ? -1 : m.classOf[freqs.alleleIndex(locus, g[1])]};
                    any = true;
                }
            }
            if (any) {
                lik *= PedigreeLikelihood.likelihood(ped, m, geno, theta);
            }
        }
        return lik;
    }
}
