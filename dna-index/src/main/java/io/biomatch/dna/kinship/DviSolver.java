package io.biomatch.dna.kinship;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * Pairwise LR matrix, undisputed identifications and the joint solution of a DVI case.
 *
 * <p><b>Pairwise.</b> One {@link TargetTable} per missing person (its family's references peeled once per locus);
 * then each victim costs one lookup per locus.
 *
 * <p><b>Joint.</b> An assignment maps victims to missing persons (at most one each; victims may stay unidentified).
 * Its LR against "nobody is identified" is the product over families of P(references and placed victims) /
 * (P(references) prod P(victim)), which for one victim in a family is the pairwise LR. Per family the feasible
 * placements are enumerated depth-first over its missing persons: placing victim v at M multiplies by
 * P(M = g_v | references, victims already placed) / P(g_v), read from a target table built with the placed victims
 * as evidence (exact joint likelihood of several victims in one family). Pairs that are sex-inconsistent, have LR 0
 * or more than {@code maxIncompatible} exclusions are not considered (as dvir does). The families' placements are then
 * combined by depth-first branch and bound (victims used once; the bound is the product of the remaining families'
 * best placements), keeping the best {@code keep} assignments. When the whole space is small enough it is
 * enumerated, which also gives exact posteriors under a flat prior; otherwise posteriors are normalised over the
 * kept assignments.
 */
final class DviSolver {
    static final double UNDISPUTED_LR = 10_000;
    static final int MAX_INCOMPATIBLE = 2;
    static final double EXHAUSTIVE_LIMIT = 2e6;
    /**
     * Partial assignments the joint search may visit: 300,000,000 by default, about 30 s here at ~65-100 ns each
     * ({@code -Dbiomatch.dvi.maxJointNodes}). Why: where many families and victims fit one another alike (few loci,
     * look-alike references), nothing prunes and the search is factorial: 12 identical one-missing families with 12
     * victims took 89 s, 40 ran for hours. dvir stops such a case with an error too ({@code maxAssign}).
     */
    static volatile long maxJointNodes = Long.getLong("biomatch.dvi.maxJointNodes", 300_000_000L);
    static final int MAX_FAMILY_CONFIGS = 500_000;

    final DviData data;
    final DviModel model;
    final List<TargetTable> targets = new ArrayList<>();
    /** Victim genotypes: [victim][2 * locus + j], -1 unknown. */
    final int[][] victimAlleles;
    double[][] lr;
    int[][] incompatible;
    boolean[][] sexOk;

    DviSolver(DviData data) {
        this.data = data;
        this.model = new DviModel(data);
        int nl = model.loci;
        victimAlleles = new int[data.victims.size()][2 * nl];
        for (int v = 0; v < data.victims.size(); v++) {
            int[][] g = data.victims.get(v).geno();
            for (int l = 0; l < nl; l++) {
                victimAlleles[v][2 * l] = g[l] == null ? -1 : g[l][0];
                victimAlleles[v][2 * l + 1] = g[l] == null ? -1 : g[l][1];
            }
        }
    }

    /** Builds every missing person's target table (in parallel over missing persons). */
    void buildTargets() {
        List<int[]> jobs = new ArrayList<>();
        for (int f = 0; f < data.families.size(); f++) {
            for (int m : data.families.get(f).missing()) {
                jobs.add(new int[] {f, m});
            }
        }
        TargetTable[] out = new TargetTable[jobs.size()];
        IntStream.range(0, jobs.size()).parallel().forEach(j -> {
            DviData.Family fam = data.families.get(jobs.get(j)[0]);
            TargetTable t = TargetTable.build(model, jobs.get(j)[0], fam.pedigree(), jobs.get(j)[1], fam.refs(), true);
            if (t == null) {
                throw io.biomatch.core.spi.Modality.invalid("the references of family " + fam.name()
                        + " are inconsistent with their pedigree even with the mutation model");
            }
            out[j] = t;
        });
        targets.clear();
        targets.addAll(Arrays.asList(out));
    }

    /** Fills the pairwise LR matrix and exclusion counts (parallel over victims). */
    void pairwise() {
        int nv = data.victims.size();
        int nt = targets.size();
        lr = new double[nv][nt];
        incompatible = new int[nv][nt];
        sexOk = new boolean[nv][nt];
        IntStream.range(0, nv).parallel().forEach(v -> {
            boolean[] ex = new boolean[1];
            for (int t = 0; t < nt; t++) {
                TargetTable tt = targets.get(t);
                int ms = data.families.get(tt.family).matchSex(tt.person);
                int vs = data.victims.get(v).sex();
                sexOk[v][t] = ms == 0 || vs == 0 || ms == vs;
                double x = 1;
                int inc = 0;
                for (int l = 0; l < model.loci; l++) {
                    ex[0] = false;
                    x *= tt.locusLr(model, l, victimAlleles[v][2 * l], victimAlleles[v][2 * l + 1], ex);
                    if (ex[0]) {
                        inc++;
                    }
                }
                lr[v][t] = x;
                incompatible[v][t] = inc;
            }
        });
    }

    boolean candidate(int v, int t) {
        return sexOk[v][t] && lr[v][t] > 0 && incompatible[v][t] <= MAX_INCOMPATIBLE;
    }

    /** An undisputed identification, found in refinement round {@code round} (0: from the pairwise matrix). */
    record Undisputed(int victim, int target, double lr, int round) {
    }

    /**
     * Undisputed identifications with dvir's refinement ({@code findUndisputed}): after each round the identified
     * victims are placed in their families as typed persons and leave the problem with their missing persons; the
     * LRs of the families that received a victim are recomputed (their remaining missing persons' tables conditioned
     * on the placed victims, exact), and the rule is applied again to the reduced matrix, until a round finds none.
     * Rule per round: LR >= threshold and >= threshold times every other LR of its (remaining) row and column.
     */
    List<Undisputed> undisputedRefined(double threshold) {
        int nv = lr.length;
        int nt = targets.size();
        double[][] cur = new double[nv][];
        for (int v = 0; v < nv; v++) {
            cur[v] = lr[v].clone();
        }
        boolean[] vDone = new boolean[nv];
        boolean[] tDone = new boolean[nt];
        int[][][][] geno = new int[data.families.size()][][][];
        List<Undisputed> out = new ArrayList<>();
        for (int round = 0; ; round++) {
            List<int[]> found = undisputedIn(cur, vDone, tDone, threshold);
            if (found.isEmpty()) {
                break;
            }
            boolean[] touched = new boolean[data.families.size()];
            for (int[] p : found) {
                int v = p[0];
                int t = p[1];
                out.add(new Undisputed(v, t, cur[v][t], round));
                vDone[v] = true;
                tDone[t] = true;
                int f = targets.get(t).family;
                if (geno[f] == null) {
                    geno[f] = data.families.get(f).refs().clone();
                }
                geno[f][targets.get(t).person] = data.victims.get(v).geno();
                touched[f] = true;
            }
            boolean anyLeft = false;
            for (int t = 0; t < nt; t++) {
                if (tDone[t]) {
                    continue;
                }
                anyLeft = true;
                TargetTable tt = targets.get(t);
                if (!touched[tt.family]) {
                    continue;
                }
                DviData.Family fam = data.families.get(tt.family);
                TargetTable cond = TargetTable.build(model, tt.family, fam.pedigree(), tt.person, geno[tt.family],
                        false);
                boolean[] ex = new boolean[1];
                for (int v = 0; v < nv; v++) {
                    if (vDone[v]) {
                        continue;
                    }
                    double x = cond == null ? 0 : 1;
                    for (int l = 0; l < model.loci && x > 0; l++) {
                        x *= cond.locusLr(model, l, victimAlleles[v][2 * l], victimAlleles[v][2 * l + 1], ex);
                    }
                    cur[v][t] = x;
                }
            }
            boolean victimsLeft = false;
            for (boolean d : vDone) {
                victimsLeft |= !d;
            }
            if (!anyLeft || !victimsLeft) {
                break;
            }
        }
        return out;
    }

    private List<int[]> undisputedIn(double[][] m, boolean[] vDone, boolean[] tDone, double threshold) {
        List<int[]> out = new ArrayList<>();
        int nv = m.length;
        int nt = targets.size();
        for (int v = 0; v < nv; v++) {
            for (int t = 0; t < nt; t++) {
                // written as !(x >= y) so that a NaN LR never counts as undisputed (x < y is false for NaN)
                if (vDone[v] || tDone[t] || !sexOk[v][t] || !(m[v][t] >= threshold)) {
                    continue;
                }
                boolean ok = true;
                for (int u = 0; u < nt && ok; u++) {
                    if (u != t && !tDone[u] && sexOk[v][u] && !(m[v][t] >= threshold * m[v][u])) {
                        ok = false;
                    }
                }
                for (int w = 0; w < nv && ok; w++) {
                    if (w != v && !vDone[w] && sexOk[w][t] && !(m[v][t] >= threshold * m[w][t])) {
                        ok = false;
                    }
                }
                if (ok) {
                    out.add(new int[] {v, t});
                }
            }
        }
        return out;
    }

    /** One family placement: victim per missing slot of the family (-1: none), and its log LR. */
    record Config(int[] victims, double logLr) {
    }

    /** One joint assignment: victim per target (-1 none). */
    record Assignment(int[] victimOfTarget, double logLr) {
    }

    /** The joint search result. */
    record Joint(List<Assignment> best, double logSum, boolean exhaustive, long configurations,
                 double[][] pairPosterior) {
    }

    /** Feasible placements of one family, sorted by decreasing LR. */
    List<Config> familyConfigs(int f, int[] slots) {
        List<Config> out = new ArrayList<>();
        DviData.Family fam = data.families.get(f);
        int[][][] geno = new int[fam.pedigree().size()][][];
        for (int i = 0; i < geno.length; i++) {
            geno[i] = fam.refs()[i];
        }
        familyDfs(fam, slots, 0, new int[slots.length], new boolean[data.victims.size()], 0, 0, geno, out);
        out.sort(Comparator.comparingDouble(Config::logLr).reversed());
        return out;
    }

    private void familyDfs(DviData.Family fam, int[] slots, int j, int[] assign, boolean[] used, int placed,
                           double logLr, int[][][] geno, List<Config> out) {
        if (out.size() > MAX_FAMILY_CONFIGS) {
            throw io.biomatch.core.spi.Modality.invalid("family " + fam.name() + " has more than "
                    + MAX_FAMILY_CONFIGS + " feasible placements of victims; restrict the candidates");
        }
        if (j == slots.length) {
            out.add(new Config(assign.clone(), logLr));
            return;
        }
        int t = slots[j];
        assign[j] = -1;
        familyDfs(fam, slots, j + 1, assign, used, placed, logLr, geno, out);
        int nv = data.victims.size();
        TargetTable cond = null;
        for (int v = 0; v < nv; v++) {
            if (used[v] || !candidate(v, t)) {
                continue;
            }
            double c;
            if (placed == 0) {
                c = lr[v][t];
            } else {
                if (cond == null) {
                    cond = TargetTable.build(model, targets.get(t).family, fam.pedigree(), targets.get(t).person,
                            geno, false);
                    if (cond == null) {
                        return;
                    }
                }
                c = 1;
                boolean[] ex = new boolean[1];
                for (int l = 0; l < model.loci; l++) {
                    c *= cond.locusLr(model, l, victimAlleles[v][2 * l], victimAlleles[v][2 * l + 1], ex);
                }
            }
            if (!(c > 0)) {
                continue;
            }
            int person = targets.get(t).person;
            geno[person] = data.victims.get(v).geno();
            used[v] = true;
            assign[j] = v;
            familyDfs(fam, slots, j + 1, assign, used, placed + 1, logLr + Math.log(c), geno, out);
            assign[j] = -1;
            used[v] = false;
            geno[person] = null;
        }
    }

    /** Joint search keeping the {@code keep} best assignments. */
    Joint joint(int keep) {
        int nf = data.families.size();
        int nt = targets.size();
        int nv = data.victims.size();
        List<int[]> famSlots = new ArrayList<>();
        List<List<Config>> famConfigs = new ArrayList<>();
        long configs = 0;
        for (int f = 0; f < nf; f++) {
            final int ff = f;
            int[] slots = IntStream.range(0, nt).filter(t -> targets.get(t).family == ff).toArray();
            List<Config> c = familyConfigs(f, slots);
            famSlots.add(slots);
            famConfigs.add(c);
            configs += c.size();
        }
        Integer[] order = IntStream.range(0, nf).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer f) -> -famConfigs.get(f).get(0).logLr())
                .thenComparingInt(f -> famConfigs.get(f).size()));
        double[] suffix = new double[nf + 1];
        double space = 1;
        for (int i = nf - 1; i >= 0; i--) {
            suffix[i] = suffix[i + 1] + Math.max(0, famConfigs.get(order[i]).get(0).logLr());
            space *= famConfigs.get(order[i]).size();
        }
        boolean exhaustive = space <= EXHAUSTIVE_LIMIT;
        Search s = new Search(keep, exhaustive, nv, nt);
        int[] assign = new int[nt];
        Arrays.fill(assign, -1);
        s.run(0, order, famSlots, famConfigs, suffix, assign, new boolean[nv], 0.0);
        List<Assignment> best = new ArrayList<>(s.heap);
        best.sort(Comparator.comparingDouble(Assignment::logLr).reversed());
        double logSum;
        double[][] post = null;
        if (exhaustive) {
            logSum = s.logScale + Math.log(s.sum);
            post = new double[nv][nt];
            for (int v = 0; v < nv; v++) {
                for (int t = 0; t < nt; t++) {
                    post[v][t] = s.pairSum[v][t] / s.sum;
                }
            }
        } else {
            double mx = best.isEmpty() ? 0 : best.get(0).logLr();
            double sum = 0;
            for (Assignment a : best) {
                sum += Math.exp(a.logLr() - mx);
            }
            logSum = mx + Math.log(sum);
        }
        return new Joint(best, logSum, exhaustive, configs, post);
    }

    private static final class Search {
        final int keep;
        final boolean exhaustive;
        final PriorityQueue<Assignment> heap = new PriorityQueue<>(Comparator.comparingDouble(Assignment::logLr));
        double sum;
        double logScale = Double.NaN;
        final double[][] pairSum;
        long nodes;

        Search(int keep, boolean exhaustive, int nv, int nt) {
            this.keep = keep;
            this.exhaustive = exhaustive;
            this.pairSum = exhaustive ? new double[nv][nt] : null;
        }

        void run(int i, Integer[] order, List<int[]> slots, List<List<Config>> configs, double[] suffix,
                 int[] assign, boolean[] used, double logLr) {
            if (++nodes > maxJointNodes) {
                throw io.biomatch.core.spi.Modality.invalid("the joint search visited " + maxJointNodes
                        + " partial assignments without finishing: the victims fit too many families alike for an"
                        + " exact joint solution. Add loci or reference persons, or split the case into groups of"
                        + " families");
            }
            if (!exhaustive && heap.size() >= keep && logLr + suffix[i] < heap.peek().logLr() - 1e-9) {
                return;
            }
            if (i == order.length) {
                leaf(assign, logLr);
                return;
            }
            int f = order[i];
            int[] sl = slots.get(f);
            for (Config c : configs.get(f)) {
                boolean ok = true;
                for (int v : c.victims()) {
                    if (v >= 0 && used[v]) {
                        ok = false;
                        break;
                    }
                }
                if (!ok) {
                    continue;
                }
                for (int j = 0; j < sl.length; j++) {
                    assign[sl[j]] = c.victims()[j];
                    if (c.victims()[j] >= 0) {
                        used[c.victims()[j]] = true;
                    }
                }
                run(i + 1, order, slots, configs, suffix, assign, used, logLr + c.logLr());
                for (int j = 0; j < sl.length; j++) {
                    if (c.victims()[j] >= 0) {
                        used[c.victims()[j]] = false;
                    }
                    assign[sl[j]] = -1;
                }
                if (!exhaustive && heap.size() >= keep && logLr + c.logLr() + suffix[i + 1]
                        < heap.peek().logLr() - 1e-9) {
                    // configs are sorted: no later config of this family can do better
                    break;
                }
            }
        }

        void leaf(int[] assign, double logLr) {
            if (exhaustive) {
                if (Double.isNaN(logScale)) {
                    logScale = logLr;
                }
                if (logLr > logScale + 50) {
                    double r = Math.exp(logScale - logLr);
                    sum *= r;
                    for (double[] row : pairSum) {
                        for (int t = 0; t < row.length; t++) {
                            row[t] *= r;
                        }
                    }
                    logScale = logLr;
                }
                double w = Math.exp(logLr - logScale);
                sum += w;
                for (int t = 0; t < assign.length; t++) {
                    if (assign[t] >= 0) {
                        pairSum[assign[t]][t] += w;
                    }
                }
            }
            if (heap.size() < keep) {
                heap.add(new Assignment(assign.clone(), logLr));
            } else if (logLr > heap.peek().logLr()) {
                heap.poll();
                heap.add(new Assignment(assign.clone(), logLr));
            }
        }
    }

    /** Summary of a pairwise scan: per victim the best missing person (-1 none with LR > 0) and its LR. */
    record Scan(int[] bestTarget, double[] bestLr, int[] bestInconsistent, long pairsAtLeast, long pairs) {
    }

    /**
     * The pairwise LR matrix without storing it (for large cases): each victim against every missing person, keeping
     * the best per victim and counting pairs with LR >= {@code threshold}. Victims are processed in blocks so that a
     * target's tables stay in cache while the block is scanned.
     */
    Scan scan(double threshold) {
        int nv = data.victims.size();
        int nt = targets.size();
        int nl = model.loci;
        int[][] ga = new int[nv][2 * nl];
        boolean[] partial = new boolean[nv];
        for (int v = 0; v < nv; v++) {
            for (int l = 0; l < nl; l++) {
                int a = victimAlleles[v][2 * l];
                int b = victimAlleles[v][2 * l + 1];
                partial[v] |= (a < 0) != (b < 0);
                ga[v][2 * l] = a < 0 ? -1 : model.alleleOffset[l] + a;
                ga[v][2 * l + 1] = b < 0 ? -1 : model.alleleOffset[l] + b;
            }
        }
        int[] tSex = new int[nt];
        for (int t = 0; t < nt; t++) {
            tSex[t] = data.families.get(targets.get(t).family).matchSex(targets.get(t).person);
        }
        int[] best = new int[nv];
        double[] bestLr = new double[nv];
        int[] bestInc = new int[nv];
        java.util.Arrays.fill(best, -1);
        int block = 128;
        long[] above = new long[(nv + block - 1) / block];
        IntStream.range(0, above.length).parallel().forEach(bi -> {
            int v0 = bi * block;
            int v1 = Math.min(nv, v0 + block);
            boolean[] ex = new boolean[1];
            long count = 0;
            for (int t = 0; t < nt; t++) {
                TargetTable tt = targets.get(t);
                short[] cls = tt.cls;
                short[] cls0 = tt.cls0;
                float[] st = tt.s;
                byte[] z = tt.zero0;
                int[] sOff = tt.sOff;
                int[] k = tt.k;
                int[] zOff = tt.zOff;
                int[] k0 = tt.k0;
                int ts = tSex[t];
                for (int v = v0; v < v1; v++) {
                    int vs = data.victims.get(v).sex();
                    if (ts != 0 && vs != 0 && ts != vs) {
                        continue;
                    }
                    int[] g = ga[v];
                    double x = 1;
                    int inc = 0;
                    if (!partial[v]) {
                        for (int l = 0; l < nl; l++) {
                            int a = g[2 * l];
                            if (a < 0) {
                                continue;
                            }
                            int b = g[2 * l + 1];
                            x *= st[sOff[l] + cls[a] * k[l] + cls[b]];
                            inc += z[zOff[l] + cls0[a] * k0[l] + cls0[b]];
                        }
                    } else {
                        for (int l = 0; l < nl; l++) {
                            ex[0] = false;
                            x *= tt.locusLr(model, l, victimAlleles[v][2 * l], victimAlleles[v][2 * l + 1], ex);
                            inc += ex[0] ? 1 : 0;
                        }
                    }
                    if (x >= threshold) {
                        count++;
                    }
                    if (x > bestLr[v]) {
                        bestLr[v] = x;
                        best[v] = t;
                        bestInc[v] = inc;
                    }
                }
            }
            above[bi] = count;
        });
        long sum = 0;
        for (long c : above) {
            sum += c;
        }
        return new Scan(best, bestLr, bestInc, sum, (long) nv * nt);
    }
}
