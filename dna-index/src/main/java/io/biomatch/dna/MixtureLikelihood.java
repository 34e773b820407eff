package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.Arrays;
import java.util.List;

/**
 * The semi-continuous (drop-out / drop-in) likelihood of a mixture at one locus, the model of LRmix Studio
 * (Haned et al. 2012; Gill et al. 2007) that SmartRank (Benschop et al. 2017) uses for database searches.
 *
 * <p>For contributor genotypes G and one replicate R (the set of alleles seen):
 * <pre>
 *   P(R | G) = Π_{a carried, a ∈ R} (1 − D_a) · Π_{a carried, a ∉ R} D_a · DI(R \ carried)
 *   D_a      = Π over the copies of a in G of the carrying contributor's drop-out d (a homozygote drops with d²)
 *   DI(∅)    = 1 − c;   DI(S) = Π_{b ∈ S} c · p_b          (c = drop-in probability)
 * </pre>
 * Replicates multiply. Unknown contributors are summed over their genotypes, their alleles drawn with the
 * Balding-Nichols sampling formula P(a | n_a of n seen) = (n_a θ + (1 − θ) p_a) / (1 + (n − 1) θ), conditioned on
 * the alleles of every typed person (the candidate and the known contributors) under both hypotheses. Alleles that
 * are not in the evidence are lumped into one allele Q with p_Q = 1 − Σ p_evidence (exact for this model: they
 * all must drop out and drop in identically).
 *
 * <p>Search: H<sub>p</sub> = candidate + (n − 1) unknowns, H<sub>d</sub> = n unknowns, n the probe's declared
 * contributors; all with the same drop-out d. Per locus the LR depends only on the candidate's genotype there, so
 * {@link #fillTables} computes log10 LR for every genotype over (evidence alleles + Q) once per search and the kernel
 * adds table entries.
 */
public final class MixtureLikelihood {
    /** Most unknown contributors enumerated in one hypothesis. */
    public static final int MAX_UNKNOWNS = 3;

    private MixtureLikelihood() {
    }

    /** A typed contributor under a hypothesis: genotype (allele codes; a == b for a homozygote) and drop-out. */
    public record Contributor(int a, int b, double dropout) {
    }

    /**
     * P(replicates | hypothesis) at locus {@code l}.
     *
     * @param replicates   allele codes seen per replicate
     * @param contributors typed contributors under this hypothesis
     * @param conditioned  allele codes of every typed person (for θ), each allele once per copy (2 per person)
     * @param unknowns     number of unknown contributors
     * @param dropoutUnknown drop-out of the unknowns
     */
    public static double likelihood(int l, List<int[]> replicates, List<Contributor> contributors, int[] conditioned,
                                    int unknowns, double dropoutUnknown, double dropin, double theta,
                                    AlleleFrequencies freqs) {
        int[] evidence = replicates.stream().flatMapToInt(Arrays::stream).distinct().sorted().toArray();
        int m = evidence.length;
        double[] p = new double[m + 1];
        double sum = 0;
        for (int i = 0; i < m; i++) {
            p[i] = freqs.frequency(l, evidence[i]);
            sum += p[i];
        }
        p[m] = Math.max(0, 1 - sum);
        boolean[][] inRep = new boolean[replicates.size()][m + 1];
        for (int r = 0; r < replicates.size(); r++) {
            for (int code : replicates.get(r)) {
                inRep[r][Arrays.binarySearch(evidence, code)] = true;
            }
        }
        double[] drop = new double[m + 1];
        int[] carried = new int[m + 1];
        Arrays.fill(drop, 1.0);
        for (Contributor c : contributors) {
            int i = indexOf(evidence, c.a());
            int j = indexOf(evidence, c.b());
            drop[i] *= c.dropout();
            drop[j] *= c.dropout();
            carried[i]++;
            carried[j]++;
        }
        int[] counts = new int[m + 1];
        for (int code : conditioned) {
            counts[indexOf(evidence, code)]++;
        }
        return new Enumerator(p, inRep, dropoutUnknown, dropin, theta).sum(unknowns, drop, carried, counts,
                conditioned.length);
    }

    private static int indexOf(int[] evidence, int code) {
        int i = Arrays.binarySearch(evidence, code);
        return i >= 0 ? i : evidence.length;
    }

    /** Sums P(R | G) over the unknowns' genotypes; works on allele indexes 0..m (m = Q). */
    private record Enumerator(double[] p, boolean[][] inRep, double dU, double dropin, double theta) {
        double sum(int unknowns, double[] drop, int[] carried, int[] counts, int n) {
            if (unknowns == 0) {
                return leaf(drop, carried);
            }
            int k = p.length;
            double total = 0;
            for (int a = 0; a < k; a++) {
                double pa = (counts[a] * theta + (1 - theta) * p[a]) / (1 + (n - 1) * theta);
                if (pa == 0) {
                    continue;
                }
                counts[a]++;
                for (int b = a; b < k; b++) {
                    double pb = (counts[b] * theta + (1 - theta) * p[b]) / (1 + n * theta);
                    if (pb == 0) {
                        continue;
                    }
                    double w = a == b ? pa * pb : 2 * pa * pb;
                    counts[b]++;
                    double da = drop[a];
                    double db = drop[b];
                    drop[a] *= dU;
                    drop[b] *= dU;
                    carried[a]++;
                    carried[b]++;
                    total += w * sum(unknowns - 1, drop, carried, counts, n + 2);
                    carried[a]--;
                    carried[b]--;
                    drop[a] = da;
                    drop[b] = db;
                    counts[b]--;
                }
                counts[a]--;
            }
            return total;
        }

        double leaf(double[] drop, int[] carried) {
            int m = p.length - 1;
            double prob = 1;
            for (boolean[] r : inRep) {
                double pr = 1;
                boolean dropIn = false;
                for (int a = 0; a <= m; a++) {
                    if (carried[a] > 0) {
                        pr *= r[a] ? 1 - drop[a] : drop[a];
                    } else if (r[a]) {
                        pr *= dropin * p[a];
                        dropIn = true;
                    }
                }
                prob *= dropIn ? pr : pr * (1 - dropin);
            }
            return prob;
        }
    }

    /** Fills the probe's mixture tables (see {@link DnaProbe}). */
    static void fillTables(DnaProbe probe, AlleleFrequencies freqs) {
        StrProfile e = probe.profile;
        int n = e.contributors();
        if (n > MAX_UNKNOWNS) {
            throw Modality.invalid("mode mixture-lr supports up to " + MAX_UNKNOWNS + " contributors");
        }
        double d = probe.options.dropout();
        double c = probe.options.dropin();
        double theta = probe.options.theta();
        int mask = probe.lociMask;
        while (mask != 0) {
            int l = Integer.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            int[] evidence = e.alleles(l);
            int m = evidence.length;
            if (m > DnaProbe.MIX_STRIDE - 1) {
                throw Modality.invalid("locus " + Loci.name(l) + ": mixture-lr handles at most "
                        + (DnaProbe.MIX_STRIDE - 1) + " alleles per locus");
            }
            Arrays.fill(probe.mixIndex, l * 256, l * 256 + 256, (byte) m);
            for (int i = 0; i < m; i++) {
                probe.mixIndex[l * 256 + evidence[i]] = (byte) i;
            }
            // A code outside the evidence stands for Q; pick one that is not an evidence allele.
            int qCode = 1;
            while (Arrays.binarySearch(evidence, qCode) >= 0) {
                qCode++;
            }
            List<int[]> reps = List.of(evidence);
            for (int i = 0; i <= m; i++) {
                for (int j = i; j <= m; j++) {
                    int a = i < m ? evidence[i] : qCode;
                    int b = j < m ? evidence[j] : qCode;
                    int[] cond = {a, b};
                    double num = likelihood(l, reps, List.of(new Contributor(a, b, d)), cond, n - 1, d, c, theta,
                            freqs);
                    double den = likelihood(l, reps, List.of(), cond, n, d, c, theta, freqs);
                    float v = (float) Math.log10(num / den);
                    if (Float.isNaN(v)) {
                        v = Float.NEGATIVE_INFINITY; // 0/0 cannot happen with p > 0; keep the kernel NaN-free
                    }
                    probe.mixLog10Lr[l * 81 + i * 9 + j] = v;
                    probe.mixLog10Lr[l * 81 + j * 9 + i] = v;
                }
            }
        }
    }

    /** The table entry for candidate genotype (a, b) at locus {@code l} (reference path). */
    static float tableValue(DnaProbe probe, int l, int a, int b) {
        int i = probe.mixIndex[l * 256 + a];
        int j = probe.mixIndex[l * 256 + b];
        return probe.mixLog10Lr[l * 81 + i * 9 + j];
    }
}
