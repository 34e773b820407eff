package io.biomatch.dna;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DNA evaluation on the shared data folder: a generated reference database ({@link DnaProfileGenerator}: the NIST
 * 1036 genotypes first, then seeded profiles with relatives and partial profiles), partial crime-scene probes of
 * database members searched at moderate stringency with the packed kernel, each compared with the brute-force
 * reference ({@link DnaReference}) over the whole database; and two-person mixtures ranked by mixture LR.
 */
public final class DnaEval {
    private DnaEval() {
    }

    /** What the evaluation measured. */
    public record Result(String frequencyTable, int databaseSize, int stainProbes, int stainSourceFirst,
                         int stainKernelEqualsReference, double stainMeanCandidates, double stainP50Millis,
                         int mixtureProbes, int mixtureBothContributorsTop2, double mixtureP50Millis,
                         Map<String, String> notes) {
        public String toText() {
            return String.format(java.util.Locale.ROOT, """
                    DNA evaluation (%s), database %,d profiles (NIST 1036 + seeded, 10%% relatives, 20%% partial)
                      partial stains, moderate stringency: %d probes, source ranked first %d, kernel == brute force %d,
                        mean matching candidates %.2f, p50 %.2f ms per search (one thread, one segment)
                      two-person mixtures, mixture-lr: %d probes, both contributors in the top 2: %d, p50 %.2f ms
                    """, frequencyTable, databaseSize, stainProbes, stainSourceFirst, stainKernelEqualsReference,
                    stainMeanCandidates, stainP50Millis, mixtureProbes, mixtureBothContributorsTop2, mixtureP50Millis);
        }
    }

    /** Runs on {@code sharedData} (the folder holding {@code dna/}) with a database of {@code size} profiles. */
    public static Result run(Path sharedData, int size, int probes, long seed) {
        AlleleFrequencies f = AlleleFrequencies.read(sharedData.resolve(AlleleFrequencies.DEFAULT_SHARED_FILE),
                AlleleFrequencies.DEFAULT_POPULATION);
        List<StrProfile> nist = NistGenotypes.read(sharedData.resolve(NistGenotypes.SHARED_FILE),
                NistGenotypes.codisMask()).stream().map(NistGenotypes.Person::profile).toList();
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), seed, 0.1, 0.2)
                .withSeedPeople(nist);
        DnaModality modality = new DnaModality(f);
        List<StrProfile> db = new ArrayList<>(size);
        SplittableRandom rnd = new SplittableRandom(seed);
        try (PackedGallery g = new PackedGallery(size)) {
            for (int i = 0; i < size; i++) {
                StrProfile p = gen.profile(i);
                db.add(p);
                g.add(p);
            }
            int first = 0;
            int equal = 0;
            long candidates = 0;
            double[] ms = new double[probes];
            float[] s = new float[20];
            int[] o = new int[20];
            for (int t = 0; t < probes; t++) {
                int src = rnd.nextInt(nist.size()); // full 20-locus profiles
                DnaProbe probe = modality.prepare(DnaDemo.crimeScene(db.get(src)), Map.of("stringency", "moderate"));
                long t0 = System.nanoTime();
                int k = g.search(probe, 20, 0, size, s, o);
                ms[t] = (System.nanoTime() - t0) / 1e6;
                candidates += k;
                if (k > 0 && o[0] == src) {
                    first++;
                }
                // brute force over the whole database
                List<long[]> ref = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    float x = DnaReference.score(probe, db.get(i));
                    if (!Float.isNaN(x)) {
                        ref.add(new long[]{Float.floatToIntBits(x), i});
                    }
                }
                ref.sort((a, b) -> a[0] != b[0] ? -Float.compare(Float.intBitsToFloat((int) a[0]),
                        Float.intBitsToFloat((int) b[0])) : Long.compare(a[1], b[1]));
                boolean same = ref.size() >= k && (k == 20 || ref.size() == k);
                for (int j = 0; same && j < k; j++) {
                    same = ref.get(j)[1] == o[j] && Float.intBitsToFloat((int) ref.get(j)[0]) == s[j];
                }
                if (same) {
                    equal++;
                }
            }
            int mixProbes = Math.max(1, probes / 4);
            double[] mms = new double[mixProbes];
            int both = 0;
            for (int t = 0; t < mixProbes; t++) {
                int a = rnd.nextInt(nist.size());
                int b = (a + 1 + rnd.nextInt(nist.size() - 1)) % nist.size();
                DnaProbe probe = modality.prepare(DnaDemo.mixture(db.get(a), db.get(b), 0),
                        Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin", "0.05", "theta", "0.01"));
                long t0 = System.nanoTime();
                g.search(probe, 2, 0, size, s, o);
                mms[t] = (System.nanoTime() - t0) / 1e6;
                if ((o[0] == a && o[1] == b) || (o[0] == b && o[1] == a)) {
                    both++;
                }
            }
            Map<String, String> notes = new LinkedHashMap<>();
            notes.put("generator", "seed " + seed + ", CODIS 20, relatives 0.1, partial 0.2");
            notes.put("stain", "10 CODIS loci of a NIST 1036 person, 2 with one allele lost");
            return new Result(f.source(), size, probes, first, equal, (double) candidates / probes, median(ms),
                    mixProbes, both, median(mms), notes);
        }
    }

    private static double median(double[] x) {
        double[] c = x.clone();
        Arrays.sort(c);
        return c.length == 0 ? 0 : c[c.length / 2];
    }

    /**
     * Scale check: {@code java ... io.biomatch.dna.DnaEval SHARED_DATA [SIZE] [PROBES]} prints the evaluation;
     * with SIZE above 100,000 the brute-force comparison makes it slow (minutes).
     */
    public static void main(String[] args) {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int probes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.out.print(run(data, size, probes, 1).toText());
    }
}
