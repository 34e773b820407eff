package io.biomatch.dna.kinship;

import io.biomatch.core.SharedData;
import java.util.Locale;

/**
 * Benchmark of the pairwise DVI LR matrix on seeded synthetic cases (20 CODIS loci, NIST 1036 Caucasian frequencies,
 * proportional mutation 0.001, families of 2-4 typed references, half of the victims true matches).
 *
 * <pre>
 *   java -cp ... io.biomatch.dna.kinship.DviBench [N ...]     (default: 1000 10000; N victims x N families)
 * </pre>
 * Prints, per size, the time to peel every family once (target tables) and to scan every (victim, missing person)
 * pair, plus how many true victims rank their own family first.
 */
public final class DviBench {
    private DviBench() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {1000, 10000} : java.util.Arrays.stream(args)
                .mapToInt(Integer::parseInt).toArray();
        FrequencyTable freqs = FrequencyTable.readCsv(
                SharedData.require("dna/frequencies/nist1036_cauc_core20_renormalised.csv"));
        // warm-up
        run(freqs, 200, 1, false);
        for (int n : sizes) {
            System.out.println(run(freqs, n, 42, true));
        }
    }

    /** One benchmark run; returns its summary line. */
    public static String run(FrequencyTable freqs, int n, long seed, boolean verbose) {
        long g0 = System.nanoTime();
        DviData d = DviGenerator.generate(freqs, 20, n, n, n / 2, 0.001, seed);
        long g1 = System.nanoTime();
        DviSolver s = new DviSolver(d);
        s.buildTargets();
        long t1 = System.nanoTime();
        DviSolver.Scan scan = s.scan(DviSolver.UNDISPUTED_LR);
        long t2 = System.nanoTime();
        int right = 0;
        for (int v = 0; v < n / 2; v++) {
            String truth = d.truth.get("V" + v);
            int bt = scan.bestTarget()[v];
            if (bt >= 0 && d.families.get(s.targets.get(bt).family).pedigree().id(s.targets.get(bt).person)
                    .equals(truth)) {
                right++;
            }
        }
        double peel = (t1 - g1) / 1e9;
        double pair = (t2 - t1) / 1e9;
        return String.format(Locale.ROOT, "DVI %d victims x %d families (20 loci, %d threads): generate %.2f s, peel "
                        + "families %.2f s, pairwise %.2f s (%.1f M pairs/s), total %.2f s; pairs LR>=1e4 %d; "
                        + "true victims ranking their family first %d/%d",
                n, n, Runtime.getRuntime().availableProcessors(), (g1 - g0) / 1e9, peel, pair,
                scan.pairs() / pair / 1e6, peel + pair, scan.pairsAtLeast(), right, n / 2);
    }
}
