package io.biomatch.dna.kinship;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded synthetic DVI cases: families of 2-4 typed references around one missing person, victims that are a
 * fraction of the missing persons plus unrelated persons, genotypes simulated down the pedigrees with a
 * proportional mutation model (rate 0.001 per transmission, both sexes) on the loci of a frequency table.
 *
 * <p>Family shapes (M = missing, R = typed reference, u = untyped): father R + mother R; one parent R + sibling R;
 * 2-3 siblings R with untyped parents; both parents R + a sibling R; spouse R + 1-2 children R (M's children);
 * parents R + 2 siblings R.
 */
public final class DviGenerator {
    private DviGenerator() {
    }

    /** Generates a case with {@code families} families and {@code victims} victims, {@code matched} of them true. */
    public static DviData generate(FrequencyTable freqs, int loci, int families, int victims, int matched,
                                   double mutationRate, long seed) {
        if (matched > Math.min(families, victims)) {
            throw new IllegalArgumentException("matched > min(families, victims)");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> names = freqs.lociNames().subList(0, Math.min(loci, freqs.lociNames().size()));
        int nl = names.size();
        double[][] p = new double[nl][];
        double[][] cum = new double[nl][];
        double[][][] mut = new double[nl][][];
        MutationModel model = mutationRate > 0 ? new MutationModel(MutationModel.Kind.PROPORTIONAL, mutationRate, 0,
                0.1) : MutationModel.NONE;
        for (int l = 0; l < nl; l++) {
            FrequencyTable.Locus fl = freqs.locus(names.get(l));
            p[l] = LocusModel.normalised(fl.freqs);
            cum[l] = cumulative(p[l]);
            double[][] m = model.matrix(fl.name(), p[l], fl.values);
            mut[l] = new double[m.length][];
            for (int i = 0; i < m.length; i++) {
                mut[l][i] = cumulative(m[i]);
            }
        }
        List<DviData.Family> fams = new ArrayList<>();
        List<int[][]> missingGeno = new ArrayList<>();
        for (int f = 0; f < families; f++) {
            List<Pedigree.Person> ps = new ArrayList<>();
            List<String> typed = new ArrayList<>();
            int mSex = 1 + rnd.nextInt(2);
            String fa = "F" + f + "_fa";
            String mo = "F" + f + "_mo";
            String m = "M" + f;
            int shape = rnd.nextInt(6);
            ps.add(new Pedigree.Person(fa, "0", "0", 1));
            ps.add(new Pedigree.Person(mo, "0", "0", 2));
            ps.add(new Pedigree.Person(m, fa, mo, mSex));
            switch (shape) {
                case 0 -> {
                    typed.add(fa);
                    typed.add(mo);
                }
                case 1 -> {
                    typed.add(rnd.nextBoolean() ? fa : mo);
                    sibling(ps, typed, f, 1, fa, mo, rnd);
                }
                case 2 -> {
                    int k = 2 + rnd.nextInt(2);
                    for (int s = 1; s <= k; s++) {
                        sibling(ps, typed, f, s, fa, mo, rnd);
                    }
                }
                case 3 -> {
                    typed.add(fa);
                    typed.add(mo);
                    sibling(ps, typed, f, 1, fa, mo, rnd);
                }
                case 4 -> {
                    String sp = "F" + f + "_sp";
                    ps.add(new Pedigree.Person(sp, "0", "0", 3 - mSex));
                    typed.add(sp);
                    int k = 1 + rnd.nextInt(2);
                    for (int c = 1; c <= k; c++) {
                        String ch = "F" + f + "_ch" + c;
                        ps.add(new Pedigree.Person(ch, mSex == 1 ? m : sp, mSex == 1 ? sp : m, 1 + rnd.nextInt(2)));
                        typed.add(ch);
                    }
                }
                default -> {
                    typed.add(fa);
                    typed.add(mo);
                    sibling(ps, typed, f, 1, fa, mo, rnd);
                    sibling(ps, typed, f, 2, fa, mo, rnd);
                }
            }
            Pedigree ped = new Pedigree(ps);
            int[][][] sim = simulate(ped, nl, cum, mut, rnd);
            int[][][] refs = new int[ped.size()][][];
            for (String id : typed) {
                int i = ped.indexOf(id);
                refs[i] = sim[i];
            }
            fams.add(new DviData.Family("F" + f, ped, new int[] {ped.indexOf(m)}, refs));
            missingGeno.add(sim[ped.indexOf(m)]);
        }
        List<DviData.Victim> vs = new ArrayList<>();
        Map<String, String> truth = new LinkedHashMap<>();
        int[] famOrder = shuffled(families, rnd);
        for (int v = 0; v < victims; v++) {
            String id = "V" + v;
            if (v < matched) {
                int f = famOrder[v];
                DviData.Family fam = fams.get(f);
                vs.add(new DviData.Victim(id, fam.pedigree().sex(fam.missing()[0]), missingGeno.get(f)));
                truth.put(id, fam.pedigree().id(fam.missing()[0]));
            } else {
                int[][] g = new int[nl][];
                for (int l = 0; l < nl; l++) {
                    g[l] = new int[] {draw(cum[l], rnd), draw(cum[l], rnd)};
                }
                vs.add(new DviData.Victim(id, 1 + rnd.nextInt(2), g));
            }
        }
        MutationModel[] mm = new MutationModel[nl];
        Arrays.fill(mm, model);
        return new DviData(List.copyOf(names), freqs, mm, mm.clone(), fams, vs, truth);
    }

    private static void sibling(List<Pedigree.Person> ps, List<String> typed, int f, int s, String fa, String mo,
                                SplittableRandom rnd) {
        String id = "F" + f + "_sib" + s;
        ps.add(new Pedigree.Person(id, fa, mo, 1 + rnd.nextInt(2)));
        typed.add(id);
    }

    private static int[][][] simulate(Pedigree ped, int nl, double[][] cum, double[][][] mut, SplittableRandom rnd) {
        int n = ped.size();
        int[][][] g = new int[n][nl][];
        for (int i : ped.topologicalOrder(false)) {
            for (int l = 0; l < nl; l++) {
                if (ped.founder(i)) {
                    g[i][l] = new int[] {draw(cum[l], rnd), draw(cum[l], rnd)};
                } else {
                    int[] fg = g[ped.father(i)][l];
                    int[] mg = g[ped.mother(i)][l];
                    g[i][l] = new int[] {draw(mut[l][fg[rnd.nextInt(2)]], rnd), draw(mut[l][mg[rnd.nextInt(2)]], rnd)};
                }
            }
        }
        return g;
    }

    private static int[] shuffled(int n, SplittableRandom rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static double[] cumulative(double[] p) {
        double[] c = new double[p.length];
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i];
            c[i] = s;
        }
        return c;
    }

    private static int draw(double[] cum, SplittableRandom rnd) {
        double u = rnd.nextDouble() * cum[cum.length - 1];
        int i = Arrays.binarySearch(cum, u);
        i = i < 0 ? -i - 1 : i + 1;
        return Math.min(i, cum.length - 1);
    }
}
