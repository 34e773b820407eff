package io.biomatch.dna.kinship;

import java.util.Arrays;

/**
 * What a family's typed references (and already placed victims) say about one missing person, per locus: the LR
 * of every possible genotype of the missing person, as a small lookup table.
 *
 * <p>Per locus the family is peeled once with the missing person as the target ({@link PedigreeLikelihood#targetJoint}),
 * in an allele space lumped to the family's observed alleles plus "other" where that is exact. With D[x][y] =
 * P(evidence, paternal = x, maternal = y) over classes, q the class frequencies and Z = sum D = P(evidence),
 * W = D / (Z q_x q_y) and S = (W + W^T) / 2: the LR of a victim genotype {a, b} against an unrelated person is then
 * S[class(a)][class(b)] (an allele in the "other" class shares its class' value: exact for the none and proportional
 * models when the missing person is not inbred; otherwise the table is built over the full allele list). Victims are
 * then a lookup per locus: this is what makes the pairwise matrix fast.
 *
 * <p>A second, zero/non-zero table under no mutation counts inconsistent loci (Mendelian exclusions).
 */
final class TargetTable {
    final int family;
    final int person;
    final int loci;
    /** Per locus: class of each table allele (global allele index = alleleOffset[l] + allele). */
    final short[] cls;
    final int[] sOff;
    final int[] k;
    final float[] s;
    final short[] cls0;
    final int[] zOff;
    final int[] k0;
    /** 1 where the genotype is impossible without mutation. */
    final byte[] zero0;
    /** Per locus: the references are consistent without mutation (else exclusions are not counted there). */
    final boolean[] judge0;

    TargetTable(int family, int person, int loci, short[] cls, int[] sOff, int[] k, float[] s, short[] cls0,
                int[] zOff, int[] k0, byte[] zero0, boolean[] judge0) {
        this.family = family;
        this.person = person;
        this.loci = loci;
        this.cls = cls;
        this.sOff = sOff;
        this.k = k;
        this.s = s;
        this.cls0 = cls0;
        this.zOff = zOff;
        this.k0 = k0;
        this.zero0 = zero0;
        this.judge0 = judge0;
    }

    /**
     * Builds the table, or returns null when the evidence itself is impossible (placed victims inconsistent with the
     * family under the mutation model).
     *
     * @param geno    genotype per person and locus (references and placed victims), table allele indices
     * @param withZero also build the no-mutation exclusion table
     */
    static TargetTable build(DviModel model, int familyIndex, Pedigree ped, int target, int[][][] geno,
                             boolean withZero) {
        int nl = model.loci;
        short[] cls = new short[model.alleleTotal];
        short[] cls0 = withZero ? new short[model.alleleTotal] : null;
        int[] sOff = new int[nl];
        int[] k = new int[nl];
        int[] zOff = new int[nl];
        int[] k0 = new int[nl];
        boolean[] judge0 = new boolean[nl];
        float[][] sl = new float[nl][];
        byte[][] zl = new byte[nl][];
        boolean inbred = ped.inbred(target);
        int[][] g = new int[ped.size()][];
        int total = 0;
        int total0 = 0;
        for (int l = 0; l < nl; l++) {
            FrequencyTable.Locus fl = model.locus[l];
            boolean[] observed = new boolean[fl.size()];
            for (int i = 0; i < ped.size(); i++) {
                int[] gi = geno[i] == null ? null : geno[i][l];
                if (gi != null) {
                    if (gi[0] >= 0) {
                        observed[gi[0]] = true;
                    }
                    if (gi[1] >= 0) {
                        observed[gi[1]] = true;
                    }
                }
            }
            boolean lumpable = model.male[l].expandsProportionally() && model.female[l].expandsProportionally()
                    && !inbred;
            if (!lumpable) {
                // the "other" class does not expand exactly: give every allele that a victim carries its own class
                // (exact for those genotypes; the lumping itself falls back to the full list if not lumpable)
                for (int a = 0; a < observed.length; a++) {
                    observed[a] |= model.victimAllele[l][a];
                }
            }
            LocusModel m = LocusModel.lumped(fl, observed, model.male[l], model.female[l], model.fullMale[l],
                    model.fullFemale[l]);
            double[] w = joint(ped, m, geno, l, target, g);
            if (w == null) {
                return null;
            }
            int kk = m.n;
            float[] sym = new float[kk * kk];
            for (int x = 0; x < kk; x++) {
                for (int y = 0; y < kk; y++) {
                    sym[x * kk + y] = (float) (0.5 * (w[x * kk + y] + w[y * kk + x]));
                }
            }
            sl[l] = sym;
            k[l] = kk;
            int base = model.alleleOffset[l];
            for (int a = 0; a < fl.size(); a++) {
                cls[base + a] = (short) m.classOf[a];
            }
            sOff[l] = total;
            total += kk * kk;
            if (withZero) {
                LocusModel m0 = LocusModel.lumped(fl, observed, MutationModel.NONE, MutationModel.NONE,
                        model.identity(l), model.identity(l));
                double[] w0 = (model.male[l].isNone() && model.female[l].isNone()) ? w : joint(ped, m0, geno, l,
                        target, g);
                LocusModel mz = (model.male[l].isNone() && model.female[l].isNone()) ? m : m0;
                int kz = mz.n;
                byte[] z = new byte[kz * kz];
                judge0[l] = w0 != null;
                for (int x = 0; x < kz; x++) {
                    for (int y = 0; y < kz; y++) {
                        z[x * kz + y] = (byte) (w0 != null && w0[x * kz + y] + w0[y * kz + x] == 0 ? 1 : 0);
                    }
                }
                zl[l] = z;
                k0[l] = kz;
                for (int a = 0; a < fl.size(); a++) {
                    cls0[base + a] = (short) mz.classOf[a];
                }
                zOff[l] = total0;
                total0 += kz * kz;
            }
        }
        float[] s = new float[total];
        for (int l = 0; l < nl; l++) {
            System.arraycopy(sl[l], 0, s, sOff[l], sl[l].length);
        }
        byte[] zero0 = null;
        if (withZero) {
            zero0 = new byte[total0];
            for (int l = 0; l < nl; l++) {
                System.arraycopy(zl[l], 0, zero0, zOff[l], zl[l].length);
            }
        }
        return new TargetTable(familyIndex, target, nl, cls, sOff, k, s, cls0, zOff, k0, zero0, judge0);
    }

    /** W = D / (Z q q) over classes, or null when Z = 0. */
    private static double[] joint(Pedigree ped, LocusModel m, int[][][] geno, int l, int target, int[][] g) {
        for (int i = 0; i < ped.size(); i++) {
            int[] gi = geno[i] == null ? null : geno[i][l];
            g[i] = gi == null ? null : new int[] {gi[0] < 0 ? -1 : m.classOf[gi[0]], gi[1] < 0 ? -1 : m.classOf[gi[1]]};
        }
        double[] d = PedigreeLikelihood.targetJoint(ped, m, g, target);
        double z = 0;
        for (double v : d) {
            z += v;
        }
        if (z == 0) {
            return null;
        }
        int n = m.n;
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                d[x * n + y] /= z * m.prior[x] * m.prior[y];
            }
        }
        return d;
    }

    /**
     * LR of a victim genotype at locus l ({a, b} table indices; -1 unknown allele; both -1: untyped -> 1), and
     * whether it is an exclusion without mutation (written to {@code excluded[0]}).
     */
    double locusLr(DviModel model, int l, int a, int b, boolean[] excluded) {
        double r = rawLocusLr(model, l, a, b, excluded);
        // last guard: a NaN or infinite LR must never reach the ranking or the output (NaN passes every "<" test)
        if (!Double.isFinite(r)) {
            throw io.biomatch.core.spi.Modality.invalid("the LR at locus " + model.locus[l].name()
                    + " is not a finite number (" + r + "): the mutation model or frequencies there are degenerate");
        }
        return r;
    }

    private double rawLocusLr(DviModel model, int l, int a, int b, boolean[] excluded) {
        int base = model.alleleOffset[l];
        if (a >= 0 && b >= 0) {
            if (zero0 != null && judge0[l]) {
                excluded[0] = zero0[zOff[l] + cls0[base + a] * k0[l] + cls0[base + b]] != 0;
            }
            return s[sOff[l] + cls[base + a] * k[l] + cls[base + b]];
        }
        if (a < 0 && b < 0) {
            return 1;
        }
        // partial genotype {a, -}: P(target carries a) / P(random person carries a)
        int x = Math.max(a, b);
        double[] p = model.prior[l];
        double num = 0;
        boolean any0 = false;
        for (int y = 0; y < p.length; y++) {
            double hw = x == y ? p[x] * p[x] : 2 * p[x] * p[y];
            num += s[sOff[l] + cls[base + x] * k[l] + cls[base + y]] * hw;
            if (zero0 != null && zero0[zOff[l] + cls0[base + x] * k0[l] + cls0[base + y]] == 0) {
                any0 = true;
            }
        }
        if (zero0 != null && judge0[l]) {
            excluded[0] = !any0;
        }
        return num / (p[x] * (2 - p[x]));
    }

    @Override
    public String toString() {
        return "TargetTable[family " + family + ", person " + person + ", loci " + loci + ", entries "
                + s.length + ", " + Arrays.toString(k) + "]";
    }
}
