package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Exact likelihood of the genotypes of one locus on one pedigree, by variable elimination over allele variables.
 *
 * <p>Each person has two variables, the paternal and the maternal allele (classes of a {@link LocusModel}). Factors:
 * founder alleles are independent draws from the frequencies (Hardy–Weinberg); a child's paternal allele is one of
 * the father's two alleles with probability 1/2 each, passed through the male mutation matrix (maternal: mother,
 * female matrix); a typed person's two alleles must form the observed unordered genotype ({@code a/-}: one of them
 * is {@code a}). Persons with no typed (or target) descendant-or-self are dropped first (they sum to one). The
 * remaining variables are summed out in a greedy min-size order: this is Elston–Stewart peeling generalised to any
 * pedigree graph, so marriage and inbreeding loops are exact too (at a cost that grows with the loops).
 * Typed persons' variables are restricted to their own alleles, which keeps the factors small.
 *
 * <p>θ (Balding–Nichols): the founder alleles of one pedigree are not independent but a Pólya-urn sample,
 * P(next = a | n_a of n drawn) = (n_a θ + (1 − θ) p_a) / (1 + (n − 1) θ). Equivalently (Chinese restaurant), each
 * founder allele either copies one earlier founder allele (θ / (1 + (n − 1) θ) each) or is a fresh draw from the
 * frequencies ((1 − θ) / (1 + (n − 1) θ)). The likelihood is the exact sum over the set partitions of the (needed)
 * founder alleles of the partition's weight times the likelihood with each block's alleles tied to one fresh draw.
 * That is Bell(2F) eliminations for F founders, so θ &gt; 0 is limited to {@link #MAX_THETA_FOUNDER_ALLELES} founder
 * alleles per pedigree and locus.
 */
final class PedigreeLikelihood {
    /** Largest number of founder alleles for the exact θ sum (Bell(10) = 115,975 partitions). */
    static final int MAX_THETA_FOUNDER_ALLELES = 10;

    private PedigreeLikelihood() {
    }

    /**
     * Likelihood of the evidence. {@code geno[i]} is null (untyped) or {a, b} with class indices, -1 for an unknown
     * allele.
     */
    static double likelihood(Pedigree ped, LocusModel m, int[][] geno, double theta) {
        BitSet needed = needed(ped, geno, -1);
        if (needed.isEmpty()) {
            return 1;
        }
        if (theta <= 0) {
            Factor f = eliminate(ped, m, geno, needed, null, -1);
            return f == null ? 0 : f.t[0];
        }
        List<Integer> founderVars = new ArrayList<>();
        for (int i = needed.nextSetBit(0); i >= 0; i = needed.nextSetBit(i + 1)) {
            if (ped.founder(i)) {
                founderVars.add(2 * i);
                founderVars.add(2 * i + 1);
            }
        }
        int k = founderVars.size();
        if (k > MAX_THETA_FOUNDER_ALLELES) {
            throw Modality.invalid("theta > 0 is computed exactly for at most " + (MAX_THETA_FOUNDER_ALLELES / 2)
                    + " founders per pedigree that have typed descendants; this pedigree has " + (k / 2));
        }
        int[] rg = new int[k];
        int[] rep = new int[2 * ped.size()];
        double[] sum = {0};
        partitions(0, 0, rg, 1.0, theta, new int[k + 1], (block, weight) -> {
            for (int v = 0; v < rep.length; v++) {
                rep[v] = v;
            }
            int[] first = new int[k];
            Arrays.fill(first, -1);
            for (int j = 0; j < k; j++) {
                int b = block[j];
                if (first[b] < 0) {
                    first[b] = founderVars.get(j);
                }
                rep[founderVars.get(j)] = first[b];
            }
            Factor f = eliminate(ped, m, geno, needed, rep, -1);
            if (f != null) {
                sum[0] += weight * f.t[0];
            }
        });
        return sum[0];
    }

    private interface PartitionSink {
        void accept(int[] block, double weight);
    }

    /** Restricted-growth strings with their Chinese-restaurant (Balding–Nichols) weights. */
    private static void partitions(int j, int blocks, int[] rg, double w, double theta, int[] sizes,
                                   PartitionSink sink) {
        if (j == rg.length) {
            sink.accept(rg, w);
            return;
        }
        double denom = 1 + (j - 1) * theta; // j alleles drawn so far
        for (int b = 0; b <= blocks; b++) {
            double p = b == blocks ? (1 - theta) / denom : sizes[b] * theta / denom;
            if (p == 0) {
                continue;
            }
            rg[j] = b;
            sizes[b]++;
            partitions(j + 1, b == blocks ? blocks + 1 : blocks, rg, w * p, theta, sizes, sink);
            sizes[b]--;
        }
    }

    /**
     * Joint distribution of the target's (paternal, maternal) allele classes with the evidence: entry
     * {@code x * n + y} is P(evidence, P_target = x, M_target = y). θ = 0.
     */
    static double[] targetJoint(Pedigree ped, LocusModel m, int[][] geno, int target) {
        BitSet needed = needed(ped, geno, target);
        Factor f = eliminate(ped, m, geno, needed, null, target);
        double[] out = new double[m.n * m.n];
        if (f == null) {
            return out;
        }
        // f is over (2t, 2t+1) with full domains (the target is untyped)
        if (f.vars.length == 2) {
            System.arraycopy(f.t, 0, out, 0, out.length);
        } else {
            throw new IllegalStateException("target factor has " + f.vars.length + " variables");
        }
        return out;
    }

    /** Persons that are typed or target, and all their ancestors. */
    static BitSet needed(Pedigree ped, int[][] geno, int target) {
        BitSet s = new BitSet();
        for (int i = 0; i < ped.size(); i++) {
            if ((geno[i] != null && (geno[i][0] >= 0 || geno[i][1] >= 0)) || i == target) {
                if (!s.get(i)) {
                    s.or(ped.ancestors(i));
                }
            }
        }
        return s;
    }

    /** Variable elimination; returns the factor over the kept variables (none: a scalar), or null when zero. */
    private static Factor eliminate(Pedigree ped, LocusModel m, int[][] geno, BitSet needed, int[] rep, int target) {
        int nv = 2 * ped.size();
        int n = m.n;
        int[][] dom = new int[nv][];
        int[] full = new int[n];
        for (int i = 0; i < n; i++) {
            full[i] = i;
        }
        for (int i = needed.nextSetBit(0); i >= 0; i = needed.nextSetBit(i + 1)) {
            int[] g = geno[i];
            int[] d = full;
            if (g != null && g[0] >= 0 && g[1] >= 0) {
                d = g[0] == g[1] ? new int[] {g[0]} : new int[] {Math.min(g[0], g[1]), Math.max(g[0], g[1])};
            }
            dom[2 * i] = d;
            dom[2 * i + 1] = d;
        }
        if (rep != null) {
            for (int v = 0; v < nv; v++) {
                if (dom[v] != null && rep[v] != v) {
                    int r = rep[v];
                    dom[r] = intersect(dom[r], dom[v]);
                    if (dom[r].length == 0) {
                        return null;
                    }
                }
            }
        }
        List<Factor> factors = new ArrayList<>();
        for (int i = needed.nextSetBit(0); i >= 0; i = needed.nextSetBit(i + 1)) {
            int pv = r(rep, 2 * i);
            int mv = r(rep, 2 * i + 1);
            if (ped.founder(i)) {
                if (pv == 2 * i) {
                    factors.add(Factor.of(new int[] {pv}, dom, a -> m.prior[a[0]]));
                }
                if (mv == 2 * i + 1) {
                    factors.add(Factor.of(new int[] {mv}, dom, a -> m.prior[a[0]]));
                }
            } else {
                int f = ped.father(i);
                int mo = ped.mother(i);
                double[][] mm = m.male;
                double[][] ff = m.female;
                factors.add(Factor.of(new int[] {pv, r(rep, 2 * f), r(rep, 2 * f + 1)}, dom,
                        a -> 0.5 * (mm[a[1]][a[0]] + mm[a[2]][a[0]])));
                factors.add(Factor.of(new int[] {mv, r(rep, 2 * mo), r(rep, 2 * mo + 1)}, dom,
                        a -> 0.5 * (ff[a[1]][a[0]] + ff[a[2]][a[0]])));
            }
            int[] g = geno[i];
            if (g != null && (g[0] >= 0 || g[1] >= 0)) {
                if (g[0] >= 0 && g[1] >= 0) {
                    if (g[0] != g[1]) {
                        factors.add(Factor.of(new int[] {pv, mv}, dom, a -> a[0] != a[1] ? 1 : 0));
                    } else if (pv == mv) {
                        // tied and homozygous: nothing to add (domain already {a})
                        continue;
                    }
                } else {
                    int x = Math.max(g[0], g[1]);
                    factors.add(Factor.of(new int[] {pv, mv}, dom, a -> a[0] == x || a[1] == x ? 1 : 0));
                }
            }
        }
        BitSet keep = new BitSet();
        if (target >= 0) {
            keep.set(2 * target);
            keep.set(2 * target + 1);
        }
        return Factor.eliminateAll(factors, dom, keep);
    }

    private static int r(int[] rep, int v) {
        return rep == null ? v : rep[v];
    }

    private static int[] intersect(int[] a, int[] b) {
        return Arrays.stream(a).filter(x -> Arrays.stream(b).anyMatch(y -> y == x)).toArray();
    }
}
