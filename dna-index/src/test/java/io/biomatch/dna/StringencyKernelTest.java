package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StringencyKernelTest {
    private static int[] a(int... x) {
        return x;
    }

    @Test
    void locusRules() {
        // high: same alleles
        assertTrue(Stringency.HIGH.locusMatches(a(1, 2), false, a(1, 2), false));
        assertFalse(Stringency.HIGH.locusMatches(a(1, 2), false, a(1, 2, 3), false));
        assertFalse(Stringency.HIGH.locusMatches(a(1), false, a(1, 2), false)); // homozygote vs heterozygote
        // high with a partial side: the seen allele is there and the other side could be a/x
        assertTrue(Stringency.HIGH.locusMatches(a(1), true, a(1, 2), false));
        assertTrue(Stringency.HIGH.locusMatches(a(1), true, a(1), false));
        assertFalse(Stringency.HIGH.locusMatches(a(1), true, a(1, 2, 3), false));
        assertTrue(Stringency.HIGH.locusMatches(a(1, 2), false, a(2), true));
        assertFalse(Stringency.HIGH.locusMatches(a(1, 2), false, a(3), true));
        // moderate: containment either way (mixtures and partial profiles)
        assertTrue(Stringency.MODERATE.locusMatches(a(1, 2), false, a(1, 2, 3, 4), false));
        assertTrue(Stringency.MODERATE.locusMatches(a(1, 2, 3), false, a(2, 3), false));
        assertTrue(Stringency.MODERATE.locusMatches(a(1), false, a(1, 2), false));
        assertFalse(Stringency.MODERATE.locusMatches(a(1, 2), false, a(2, 3), false));
        // low: one shared allele
        assertTrue(Stringency.LOW.locusMatches(a(1, 2), false, a(2, 3), false));
        assertFalse(Stringency.LOW.locusMatches(a(1, 2), false, a(3, 4), false));
    }

    @Test
    void profileLevelRulesMinLociAndMismatches() {
        DnaModality m = new DnaModality(null); // no table: score = matching loci
        StrProfile ref = TestData.profile("vWA,14,16\nTH01,6,9.3\nD3S1358,15,15\nFGA,20,22\nD8S1179,12,13\n");
        StrProfile stain = TestData.profile("vWA,14\nTH01,6,9.3\nD3S1358,15,15\nFGA,20,23\n");
        StrProfile mixed = StrCsvFormat.parse(TestData.csv("vWA,14,16,17\nTH01,6,8,9.3\nD3S1358,15,16\nFGA,20,21,22\n",
                Map.of("contributors", "2")));
        byte[] refT = ref.toTemplate();
        // FGA mismatches: no match without an allowed mismatch
        assertTrue(Float.isNaN(m.compare(m.prepare(stain, Map.of()), refT)));
        assertEquals(3f, m.compare(m.prepare(stain, Map.of("mismatches", "1")), refT));
        // min_loci counts compared loci (matching + mismatching)
        assertTrue(Float.isNaN(m.compare(m.prepare(stain, Map.of("mismatches", "1", "min_loci", "5")), refT)));
        assertEquals(3f, m.compare(m.prepare(stain, Map.of("mismatches", "1", "min_loci", "4")), refT));
        // options that would search nothing or be ignored
        TestData.assertInvalid(() -> m.prepare(stain, Map.of("categories", ",")), "names no category");
        TestData.assertInvalid(() -> m.prepare(stain, Map.of("dropout", "0.1")), "applies to mode=mixture-lr only");
        // high: the partial vWA still matches at high stringency
        assertEquals(3f, m.compare(m.prepare(stain, Map.of("mismatches", "1", "stringency", "high")), refT));
        // a mixture probe contains the reference at moderate, not at high
        assertEquals(4f, m.compare(m.prepare(mixed, Map.of()), refT));
        assertTrue(Float.isNaN(m.compare(m.prepare(mixed, Map.of("stringency", "high")), refT)));
        // low: one allele per locus
        StrProfile sib = TestData.profile("vWA,14,17\nTH01,6,7\nD3S1358,15,16\nFGA,20,21\n");
        assertEquals(4f, m.compare(m.prepare(sib, Map.of("stringency", "low")), refT));
        assertTrue(Float.isNaN(m.compare(m.prepare(sib, Map.of()), refT)));
        // categories
        assertTrue(Float.isNaN(m.compare(m.prepare(sib, Map.of("stringency", "low", "categories", "arrestee")),
                ref.withCategory(SpecimenCategory.OFFENDER).toTemplate())));
        // options validation
        TestData.assertInvalid(() -> m.prepare(sib, Map.of("stringency", "extreme")), "stringency");
        TestData.assertInvalid(() -> m.prepare(sib, Map.of("min_loci", "x")), "min_loci");
        TestData.assertInvalid(() -> m.prepare(sib, Map.of("bogus", "1")), "unknown DNA search option");
        TestData.assertInvalid(() -> m.prepare(sib, Map.of("score", "lr")), "no frequency table");
        TestData.assertInvalid(() -> m.prepare(sib, Map.of("mode", "mixture-lr")), "no frequency table");
    }

    /** The packed kernel equals the brute-force reference on random partial and mixed probes. */
    @Test
    void kernelEqualsReference() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality modality = new DnaModality(f);
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 42, 0.2, 0.3)
                .withSeedPeople(TestData.nist().stream().map(NistGenotypes.Person::profile).toList());
        int n = 4000;
        List<StrProfile> gallery = new ArrayList<>(n);
        SplittableRandom rnd = new SplittableRandom(7);
        try (PackedGallery g = new PackedGallery(n + 10)) {
            for (int i = 0; i < n; i++) {
                StrProfile p = gen.profile(i);
                if (i % 50 == 0) { // some two-person mixtures stored as forensic unknowns
                    p = DnaDemo.mixture(p, gen.profile(rnd.nextInt(n)), 0);
                }
                gallery.add(p);
                g.add(p);
            }
            String[] levels = {"high", "moderate", "low"};
            int matched = 0;
            for (int t = 0; t < 60; t++) {
                StrProfile src = gallery.get(rnd.nextInt(n / 50) * 50 + 1 + rnd.nextInt(49));
                StrProfile probe = t % 5 == 0 ? DnaDemo.mixture(src, gallery.get(rnd.nextInt(n / 50) * 50 + 1), 3)
                        : t % 2 == 0 ? DnaDemo.crimeScene(src) : src;
                Map<String, String> o = Map.of("stringency", levels[t % 3], "mismatches", Integer.toString(t % 2),
                        "min_loci", Integer.toString(4 + t % 5));
                DnaProbe prepared = modality.prepare(probe, o);
                for (int i = 0; i < n; i++) {
                    float want = DnaReference.score(prepared, gallery.get(i));
                    float got = g.score(prepared, i);
                    if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(got), "probe " + t + " candidate " + i);
                    } else {
                        matched++;
                        assertEquals(want, got, 0f, "probe " + t + " candidate " + i);
                    }
                }
                // the top-k scan agrees with sorting the reference scores
                float[] s = new float[10];
                int[] ord = new int[10];
                int k = g.search(prepared, 10, 0, n, s, ord);
                for (int j = 0; j < k; j++) {
                    assertEquals(DnaReference.score(prepared, gallery.get(ord[j])), s[j], 0f);
                }
                long better = gallery.stream().filter(c -> {
                    float x = DnaReference.score(prepared, c);
                    return !Float.isNaN(x) && x > s[k == 0 ? 0 : k - 1];
                }).count();
                assertTrue(better <= k, "a reference score beats the kernel's k-th");
            }
            assertTrue(matched > 60, "the sample must contain matches: " + matched);
        }
    }
}
