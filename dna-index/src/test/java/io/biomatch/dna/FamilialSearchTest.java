package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.Payload;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.dna.kinship.FrequencyTable;
import io.biomatch.dna.kinship.KinshipCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Familial search: closed-form tables against the exact pedigree likelihood, kernel = reference, engine ranking. */
class FamilialSearchTest {
    @TempDir
    Path dir;

    private static final String[] LOCI = {"D3S1358", "vWA", "FGA"};
    private static final int ALLELES = 8; // repeats 10..17

    /** A random table of 8 alleles per locus summing to 1, as both the search table and the kinship table. */
    private static Object[] tables(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] f = new double[Loci.COUNT][];
        FrequencyTable kt = new FrequencyTable();
        for (String name : LOCI) {
            int l = Loci.require(name);
            f[l] = new double[256];
            Arrays.fill(f[l], Double.NaN);
            double[] w = new double[ALLELES];
            double s = 0;
            for (int i = 0; i < ALLELES; i++) {
                w[i] = 0.02 + r.nextDouble();
                s += w[i];
            }
            for (int i = 0; i < ALLELES; i++) {
                double p = w[i] / s;
                f[l][Allele.codeOf(10 + i, 0)] = p;
                kt.put(name, Integer.toString(10 + i), p);
            }
        }
        return new Object[] {AlleleFrequencies.of("test", f, null, Double.NaN), kt};
    }

    private static String pedigrees(Familial.Relation rel) {
        String h1 = switch (rel) {
            case PARENT_CHILD -> "[[{\"id\":\"P\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":1},"
                    + "{\"id\":\"M\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":2},"
                    + "{\"id\":\"C\",\"fid\":\"P\",\"mid\":\"M\",\"sex\":1}]]";
            case FULL_SIBLING -> "[[{\"id\":\"F\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":1},"
                    + "{\"id\":\"M\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":2},"
                    + "{\"id\":\"P\",\"fid\":\"F\",\"mid\":\"M\",\"sex\":1},"
                    + "{\"id\":\"C\",\"fid\":\"F\",\"mid\":\"M\",\"sex\":1}]]";
            case HALF_SIBLING -> "[[{\"id\":\"F\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":1},"
                    + "{\"id\":\"M1\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":2},"
                    + "{\"id\":\"M2\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":2},"
                    + "{\"id\":\"P\",\"fid\":\"F\",\"mid\":\"M1\",\"sex\":1},"
                    + "{\"id\":\"C\",\"fid\":\"F\",\"mid\":\"M2\",\"sex\":1}]]";
        };
        // unrelated: one pedigree of two founders, so theta couples them as in the search's conditioning
        String h2 = "[[{\"id\":\"P\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":1},"
                + "{\"id\":\"C\",\"fid\":\"0\",\"mid\":\"0\",\"sex\":1}]]";
        return "\"H1_pedigrees\":" + h1 + ",\"H2_pedigrees\":" + h2;
    }

    private static int allele(SplittableRandom r) {
        return 10 + r.nextInt(4 + r.nextInt(ALLELES - 3)); // favour the low alleles so that pairs share often
    }

    /** For random genotype pairs, the search's per-locus table value equals the exact pedigree LR. */
    @Test
    void tablesEqualExactPedigreeLikelihood() {
        SplittableRandom r = new SplittableRandom(7);
        int checked = 0;
        for (int round = 0; round < 4; round++) {
            Object[] t = tables(100 + round);
            AlleleFrequencies af = (AlleleFrequencies) t[0];
            FrequencyTable kt = (FrequencyTable) t[1];
            DnaModality m = new DnaModality(af);
            for (Familial.Relation rel : Familial.Relation.values()) {
                for (double theta : new double[] {0, 0.03}) {
                    for (int pair = 0; pair < 6; pair++) {
                        int l = Loci.require(LOCI[r.nextInt(LOCI.length)]);
                        int a = allele(r);
                        int b = allele(r);
                        int c = allele(r);
                        int d = allele(r);
                        if (rel == Familial.Relation.PARENT_CHILD && pair % 2 == 0) {
                            c = r.nextBoolean() ? a : b; // mostly consistent pairs
                        }
                        StrProfile probe = TestData.profile(Loci.name(l) + "," + a + "," + b);
                        DnaProbe dp = m.prepare(probe, Map.of("mode", "familial", "relation", rel.label, "theta",
                                Double.toString(theta), "min_loci", "1"));
                        StrProfile cand = TestData.profile(Loci.name(l) + "," + c + "," + d);
                        double table = Familial.locusLr(dp, l, DnaSlotLayout.alleleWord(cand, l));
                        double ref = Familial.referenceLocusLr(probe, l, Allele.codeOf(c, 0), Allele.codeOf(d, 0),
                                rel, theta, af);
                        String json = "{\"theta\":" + theta + "," + pedigrees(rel) + ",\"genotypes\":{\"P\":{\""
                                + Loci.name(l) + "\":\"" + a + "/" + b + "\"},\"C\":{\"" + Loci.name(l) + "\":\"" + c
                                + "/" + d + "\"}}}";
                        double exact = KinshipCase.run(json, kt).totalLr();
                        String what = String.format(Locale.ROOT, "%s theta %s %d/%d vs %d/%d", rel, theta, a, b, c, d);
                        assertEquals(exact, ref, 1e-9 * Math.max(1, exact), what);
                        assertEquals(exact, table, 2e-6 * Math.max(1, exact), what);
                        checked++;
                    }
                }
            }
        }
        assertEquals(144, checked);
    }

    /** Parent-child with stepwise mutation: a one-step mismatch is not an exclusion, and equals the exact LR. */
    @Test
    void parentChildMutationEqualsExact() {
        Object[] t = tables(5);
        AlleleFrequencies af = (AlleleFrequencies) t[0];
        FrequencyTable kt = (FrequencyTable) t[1];
        DnaModality m = new DnaModality(af);
        int l = Loci.require("vWA");
        int[][] cases = {{12, 14, 13, 16}, {12, 14, 12, 16}, {12, 12, 12, 12}, {11, 15, 10, 17}, {12, 14, 12, 14}};
        for (double theta : new double[] {0, 0.02}) {
            for (int[] g : cases) {
                StrProfile probe = TestData.profile("vWA," + g[0] + "," + g[1]);
                DnaProbe dp = m.prepare(probe, Map.of("mode", "familial", "relation", "parent-child", "theta",
                        Double.toString(theta), "min_loci", "1", "mutation_rate", "0.005", "mutation_range", "0.1"));
                StrProfile cand = TestData.profile("vWA," + g[2] + "," + g[3]);
                double table = Familial.locusLr(dp, l, DnaSlotLayout.alleleWord(cand, l));
                // the probe (P) is the father; mutation in his transmission only (the search's model)
                String json = "{\"theta\":" + theta + ",\"mutation\":{\"male\":{\"model\":\"stepwise\","
                        + "\"rate\":0.005,\"rate2\":0,\"range\":0.1},\"female\":{\"model\":\"none\"}}," + pedigrees(Familial.Relation.PARENT_CHILD)
                        + ",\"genotypes\":{\"P\":{\"vWA\":\"" + g[0] + "/" + g[1] + "\"},\"C\":{\"vWA\":\"" + g[2]
                        + "/" + g[3] + "\"}}}";
                double exact = KinshipCase.run(json, kt).totalLr();
                assertTrue(exact > 0, "mutation makes every pair possible");
                assertEquals(exact, table, 2e-6 * exact, Arrays.toString(g) + " theta " + theta);
            }
        }
    }

    /** Kernel (float tables, product over loci) = reference (closed form in double) on generated profiles. */
    @Test
    void kernelEqualsReference() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality m = new DnaModality(f);
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 3, 0.3, 0.3);
        try (PackedGallery g = new PackedGallery(2000)) {
            List<StrProfile> db = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                db.add(gen.profile(i));
                g.add(db.get(i));
            }
            int scored = 0;
            for (Familial.Relation rel : Familial.Relation.values()) {
                for (int q = 0; q < 3; q++) {
                    DnaProbe p = m.prepare(gen.relative(q * 17 + 5, rel, q), Map.of("mode", "familial", "relation",
                            rel.label));
                    for (int i = 0; i < db.size(); i++) {
                        float k = g.score(p, i);
                        float ref = DnaReference.score(p, db.get(i));
                        if (Float.isNaN(ref)) {
                            assertTrue(Float.isNaN(k), "NaN at " + i);
                        } else {
                            assertEquals(ref, k, 1e-4f, rel + " candidate " + i);
                            scored++;
                        }
                    }
                }
            }
            assertTrue(scored > 5000, "scored " + scored);
        }
    }

    /**
     * Through the engine: 1,500 unrelated people enrolled (20 CODIS loci); a new child and a new full sibling of a
     * database person find that person first. Half siblings share half as much as a parent and child and 20 STR
     * loci barely separate them from unrelated people (true half sibling log10 LR about 0.5 on average, the best of
     * 1,500 unrelated people about 1.5), so they only need to rank in the top 10 %, most of the time.
     */
    @Test
    void relativesRankTheirFamilyFirstThroughEngine() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality modality = new DnaModality(f);
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 11, 0, 0);
        int n = 1500;
        Map<Familial.Relation, int[]> ranks = new LinkedHashMap<>();
        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2), List.of(modality))) {
            for (int i = 0; i < n; i++) {
                engine.enrol(new EnrolRequest("p" + i, DnaModality.NAME, "lab", Map.of(),
                        List.of(payload(gen.profile(i))), false)).join();
            }
            for (Familial.Relation rel : Familial.Relation.values()) {
                int[] rank = new int[6];
                for (int q = 0; q < rank.length; q++) {
                    int target = 37 * q + 3;
                    StrProfile relative = gen.relative(target, rel, 1000 + q);
                    IdentifyResult r = engine.identify(new IdentifyRequest(DnaModality.NAME, List.of(payload(relative)),
                            Map.of("mode", "familial", "relation", rel.label), n / 10, Float.NEGATIVE_INFINITY,
                            SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                    assertTrue(r.scoreMeaning().scale().startsWith("log10 likelihood ratio (kinship"));
                    assertEquals(Familial.DEFAULT_THRESHOLD_LOG10_LR, r.scoreMeaning().defaultThreshold());
                    rank[q] = n;
                    for (int j = 0; j < r.candidates().size(); j++) {
                        if (r.candidates().get(j).id().equals("p" + target)) {
                            rank[q] = j + 1;
                            break;
                        }
                    }
                }
                ranks.put(rel, rank);
            }
        }
        String shown = ranks.entrySet().stream().map(e -> e.getKey() + "=" + Arrays.toString(e.getValue())).toList()
                .toString();
        for (int x : ranks.get(Familial.Relation.PARENT_CHILD)) {
            assertEquals(1, x, shown);
        }
        for (int x : ranks.get(Familial.Relation.FULL_SIBLING)) {
            assertEquals(1, x, shown);
        }
        assertTrue(Arrays.stream(ranks.get(Familial.Relation.HALF_SIBLING)).filter(x -> x <= n / 10).count() >= 4,
                shown);
        System.out.println("familial ranks of the true relative among " + n + ": " + shown);
    }

    private static Payload payload(StrProfile p) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<String>> e : p.toMap().entrySet()) {
            b.append(e.getKey());
            for (String a : e.getValue()) {
                b.append(',').append(a);
            }
            b.append('\n');
        }
        return TestData.csv(b.toString());
    }

    /** Bad familial input: a mixture probe, an unknown relation, mutation on siblings. */
    @Test
    void badInput() {
        DnaModality m = new DnaModality(TestData.cauc());
        StrProfile single = TestData.profile("vWA,14,16\nFGA,20,22");
        TestData.assertInvalid(() -> m.prepare(single, Map.of("mode", "familial", "relation", "cousin")), "relation");
        TestData.assertInvalid(() -> m.prepare(single, Map.of("mode", "familial", "relation", "full-sibling",
                "mutation_rate", "0.002")), "parent-child");
        TestData.assertInvalid(() -> m.prepare(single, Map.of("relation", "full-sibling")), "familial");
        // only partial loci: familial searched on none of them and answered as if it had
        StrProfile partial = TestData.profile("vWA,14\nFGA,20\nTH01,6");
        TestData.assertInvalid(() -> m.prepare(partial, Map.of("mode", "familial")), "typed with both alleles");
        TestData.assertInvalid(() -> m.prepare(single, Map.of("mode", "familial", "dropout", "0.1")),
                "mixture-lr only");
        StrProfile mix = StrProfile.of(Map.of("vWA", List.of("14", "15", "16")), SpecimenCategory.FORENSIC_UNKNOWN, 2);
        TestData.assertInvalid(() -> m.prepare(mix, Map.of("mode", "familial")), "single-source");
    }

}
