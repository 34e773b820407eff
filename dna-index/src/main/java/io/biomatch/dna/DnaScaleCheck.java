package io.biomatch.dna;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scale measurement of the packed scan (one thread, one segment, no engine):
 * {@code java --add-modules jdk.incubator.vector -cp ... io.biomatch.dna.DnaScaleCheck SHARED_DATA SIZE PROBES}.
 * Generates SIZE profiles ({@link DnaProfileGenerator}, seed 1, NIST 1036 first), then times moderate-stringency
 * searches of partial stains and mixture-LR searches of two-person mixtures, and prints p50/p90.
 */
public final class DnaScaleCheck {
    private DnaScaleCheck() {
    }

    public static void main(String[] args) {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int probes = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        AlleleFrequencies f = AlleleFrequencies.read(data.resolve(AlleleFrequencies.DEFAULT_SHARED_FILE), "Cauc");
        List<StrProfile> nist = NistGenotypes.read(data.resolve(NistGenotypes.SHARED_FILE), NistGenotypes.codisMask())
                .stream().map(NistGenotypes.Person::profile).toList();
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 1, 0.1, 0.2)
                .withSeedPeople(nist);
        DnaModality m = new DnaModality(f);
        long t0 = System.nanoTime();
        try (PackedGallery g = new PackedGallery(size)) {
            for (int i = 0; i < size; i++) {
                g.add(gen.profile(i));
            }
            System.out.printf("generated %,d profiles in %.1f s%n", size, (System.nanoTime() - t0) / 1e9);
            float[] s = new float[20];
            int[] o = new int[20];
            for (String mode : new String[]{"moderate", "mixture-lr"}) {
                double[] ms = new double[probes];
                for (int rep = -3; rep < probes; rep++) { // 3 warm-up searches
                    int t = Math.max(rep, 0);
                    StrProfile a = nist.get((t * 37) % nist.size());
                    DnaProbe probe = mode.equals("moderate")
                            ? m.prepare(DnaDemo.crimeScene(a), Map.of("stringency", "moderate"))
                            : m.prepare(DnaDemo.mixture(a, nist.get((t * 37 + 11) % nist.size()), 0),
                            Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin", "0.05", "theta", "0.01"));
                    long s0 = System.nanoTime();
                    g.search(probe, 20, 0, size, s, o);
                    if (rep >= 0) {
                        ms[rep] = (System.nanoTime() - s0) / 1e6;
                    }
                }
                Arrays.sort(ms);
                System.out.printf("%s: p50 %.1f ms, p90 %.1f ms over %,d profiles (one thread)%n", mode,
                        ms[probes / 2], ms[probes * 9 / 10], size);
            }
        }
    }
}
