package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import org.junit.jupiter.api.Test;

/** Generated cases: lookup LRs equal direct pedigree likelihoods; the scan equals the matrix. */
class DviGeneratorTest {
    static FrequencyTable freqs() {
        return FrequencyTable.readCsv(SharedData.require("dna/frequencies/nist1036_cauc_core20_renormalised.csv"));
    }

    /** LR(v = M) computed directly: L(refs + v at M) / (L(refs) HW(v)), full allele space, no lumping. */
    static double directLr(DviSolver s, int v, int t) {
        DviModel m = s.model;
        TargetTable tt = s.targets.get(t);
        DviData.Family fam = s.data.families.get(tt.family);
        Pedigree ped = fam.pedigree();
        double lr = 1;
        for (int l = 0; l < m.loci; l++) {
            LocusModel full = m.full(l);
            int[][] g = new int[ped.size()][];
            for (int i = 0; i < ped.size(); i++) {
                g[i] = fam.refs()[i] == null ? null : fam.refs()[i][l];
            }
            double lRefs = PedigreeLikelihood.likelihood(ped, full, g, 0);
            int[] vg = s.data.victims.get(v).geno()[l];
            g[tt.person] = vg;
            double lWith = PedigreeLikelihood.likelihood(ped, full, g, 0);
            double[] p = m.prior[l];
            double hw = vg[0] == vg[1] ? p[vg[0]] * p[vg[0]] : 2 * p[vg[0]] * p[vg[1]];
            lr *= lWith / (lRefs * hw);
        }
        return lr;
    }

    @Test
    void lookupEqualsDirectLikelihood() {
        DviData d = DviGenerator.generate(freqs(), 20, 12, 8, 4, 0.001, 7);
        DviSolver s = new DviSolver(d);
        s.buildTargets();
        s.pairwise();
        for (int v = 0; v < 8; v++) {
            for (int t = 0; t < 12; t += 3) {
                double direct = directLr(s, v, t);
                assertEquals(1, s.lr[v][t] / direct, 1e-5, "v" + v + " t" + t);
            }
        }
    }

    @Test
    void lookupEqualsDirectLikelihoodUnderEqualModel() {
        // equal mutation: the "other" class does not expand exactly, so victims' alleles get their own classes
        DviData g = DviGenerator.generate(freqs(), 6, 6, 5, 3, 0.001, 11);
        MutationModel eq = new MutationModel(MutationModel.Kind.EQUAL, 0.005, 0, 0.1);
        MutationModel[] mm = new MutationModel[g.loci.size()];
        java.util.Arrays.fill(mm, eq);
        DviData d = new DviData(g.loci, g.freqs, mm, mm.clone(), g.families, g.victims, g.truth);
        DviSolver s = new DviSolver(d);
        s.buildTargets();
        s.pairwise();
        for (int v = 0; v < 5; v++) {
            for (int t = 0; t < 6; t++) {
                assertEquals(1, s.lr[v][t] / directLr(s, v, t), 1e-5, "v" + v + " t" + t);
            }
        }
    }

    @Test
    void scanEqualsMatrixAndFindsTrueFamilies() {
        DviData d = DviGenerator.generate(freqs(), 20, 60, 80, 40, 0.001, 3);
        DviSolver s = new DviSolver(d);
        s.buildTargets();
        s.pairwise();
        DviSolver.Scan scan = s.scan(1e4);
        long above = 0;
        for (int v = 0; v < 80; v++) {
            int best = -1;
            double bl = 0;
            for (int t = 0; t < 60; t++) {
                double x = s.sexOk[v][t] ? s.lr[v][t] : 0;
                if (x >= 1e4) {
                    above++;
                }
                if (x > bl) {
                    bl = x;
                    best = t;
                }
            }
            assertEquals(best, scan.bestTarget()[v]);
            assertEquals(bl, scan.bestLr()[v], bl * 1e-12);
        }
        assertEquals(above, scan.pairsAtLeast());
        int right = 0;
        for (int v = 0; v < 40; v++) {
            int bt = scan.bestTarget()[v];
            if (bt >= 0 && d.families.get(s.targets.get(bt).family).pedigree().id(s.targets.get(bt).person)
                    .equals(d.truth.get("V" + v))) {
                right++;
            }
        }
        assertTrue(right >= 36, right + "/40");
        // the joint solution of a small generated case contains the truth
        DviCase.Result r = DviCase.run(DviGenerator.generate(freqs(), 20, 8, 10, 6, 0.001, 5), "generated");
        assertTrue(r.bestContainsTruth(), r.toText());
    }
}
