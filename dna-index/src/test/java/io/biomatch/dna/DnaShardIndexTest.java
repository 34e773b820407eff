package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The genotype-postings index returns exactly what the packed scan returns (scores, ordinals, order). */
class DnaShardIndexTest {
    private static final int K = 25;

    static MemorySegment slotOf(StrProfile p, Arena arena) {
        MemorySegment s = arena.allocate(DnaSlotLayout.SLOT_BYTES, 64);
        DnaSlotLayout.write(p, s);
        return s;
    }

    private static int run(boolean index, DnaShardIndex ix, DnaProbe p, long[] allowed, float[] s, int[] o) {
        TopK top = new TopK(Integer::compare);
        top.reset(K, Float.NEGATIVE_INFINITY);
        if (index) {
            assertTrue(ix.search(p, allowed, top, SearchControl.NONE), "the forced index must answer");
        } else {
            ix.scan(p, allowed, top);
        }
        return top.drainBestFirst(s, o);
    }

    @Test
    void indexEqualsScan() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality modality = new DnaModality(f);
        List<StrProfile> nist = TestData.nist().stream().map(NistGenotypes.Person::profile).toList();
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 5, 0.2, 0.3)
                .withSeedPeople(nist);
        int n = 6000;
        SplittableRandom rnd = new SplittableRandom(11);
        List<StrProfile> gallery = new ArrayList<>(n);
        DnaShardIndex ix = new DnaShardIndex();
        ix.alwaysIndex = true;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < n; i++) {
                StrProfile p = gen.profile(i);
                if (i % 40 == 0) {
                    p = DnaDemo.mixture(p, gen.profile(rnd.nextInt(n)), 2);
                }
                if (i % 7 == 0) {
                    p = p.withCategory(SpecimenCategory.FORENSIC_UNKNOWN);
                }
                gallery.add(p);
                ix.add(i, slotOf(p, arena));
            }
            long[] allowed = new long[Bits.words(n)];
            for (int i = 0; i < n; i++) {
                if (i % 13 != 5) { // some deleted / filtered out
                    Bits.set(allowed, i);
                }
            }
            String[] levels = {"high", "moderate", "low"};
            float[] s1 = new float[K];
            float[] s2 = new float[K];
            int[] o1 = new int[K];
            int[] o2 = new int[K];
            int nonEmpty = 0;
            for (int t = 0; t < 90; t++) {
                StrProfile src = gallery.get(rnd.nextInt(n / 40) * 40 + 1 + rnd.nextInt(39));
                StrProfile probe = switch (t % 4) {
                    case 0 -> DnaDemo.crimeScene(src);
                    case 1 -> DnaDemo.mixture(src, gallery.get(rnd.nextInt(n / 40) * 40 + 1), 3);
                    default -> src;
                };
                Map<String, String> o = t % 9 == 8
                        ? Map.of("stringency", levels[t % 3], "categories", "offender,arrestee", "score", "loci")
                        : Map.of("stringency", levels[t % 3], "mismatches", Integer.toString(t % 3),
                        "min_loci", Integer.toString(4 + t % 5));
                DnaProbe p = modality.prepare(probe, o);
                int a = run(false, ix, p, allowed, s1, o1);
                int b = run(true, ix, p, allowed, s2, o2);
                assertEquals(a, b, "probe " + t);
                assertArrayEquals(java.util.Arrays.copyOf(o1, a), java.util.Arrays.copyOf(o2, b), "probe " + t);
                assertArrayEquals(java.util.Arrays.copyOf(s1, a), java.util.Arrays.copyOf(s2, b), 0f, "probe " + t);
                for (int j = 0; j < a; j++) {
                    assertEquals(DnaReference.score(p, gallery.get(o1[j])), s1[j], 0f);
                }
                if (a > 0) {
                    nonEmpty++;
                }
            }
            assertTrue(nonEmpty > 40, "the sample must contain matches: " + nonEmpty);

            // mixture-lr is never answered by the index
            StrProfile mix = DnaDemo.mixture(gallery.get(3), gallery.get(5), 0);
            DnaProbe lr = modality.prepare(mix, Map.of("mode", "mixture-lr"));
            TopK top = new TopK(Integer::compare);
            top.reset(5, Float.NEGATIVE_INFINITY);
            assertFalse(ix.search(lr, allowed, top, SearchControl.NONE));

            // rebuild after a compaction-like renumbering keeps the answers
            MemorySegment packed = arena.allocate((long) n * DnaSlotLayout.SLOT_BYTES, 64);
            for (int i = 0; i < n; i++) {
                DnaSlotLayout.write(gallery.get(n - 1 - i), packed.asSlice((long) i * DnaSlotLayout.SLOT_BYTES,
                        DnaSlotLayout.SLOT_BYTES));
            }
            long[] all = new long[Bits.words(n)];
            for (int i = 0; i < n; i++) {
                Bits.set(all, i);
            }
            ix.rebuild(packed, DnaSlotLayout.SLOT_BYTES, all, n);
            DnaProbe p = modality.prepare(DnaDemo.crimeScene(gallery.get(100)), Map.of());
            int a = run(false, ix, p, all, s1, o1);
            int b = run(true, ix, p, all, s2, o2);
            assertTrue(a >= 1);
            assertEquals(a, b);
            assertArrayEquals(java.util.Arrays.copyOf(o1, a), java.util.Arrays.copyOf(o2, b));
            assertTrue(java.util.Arrays.stream(o1, 0, a).anyMatch(x -> x == n - 1 - 100), "the source is found");
        } finally {
            ix.close();
        }
    }

    @Test
    void costModelPrefersIndexForModerateAndScanForMixtures() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality modality = new DnaModality(f);
        DnaProfileGenerator gen = new DnaProfileGenerator(f, NistGenotypes.codisMask(), 9, 0.1, 0.2);
        DnaShardIndex ix = new DnaShardIndex();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 20000; i++) {
                ix.add(i, slotOf(gen.profile(i), arena));
            }
            DnaProbe moderate = modality.prepare(DnaDemo.crimeScene(gen.profile(77)), Map.of());
            DnaShardIndex.Plan plan = ix.plan(moderate);
            assertTrue(plan != null && plan.estimatedNs() < plan.scanNs() / 5, "moderate stain: index");
            DnaProbe lr = modality.prepare(DnaDemo.mixture(gen.profile(1), gen.profile(2), 0),
                    Map.of("mode", "mixture-lr"));
            TopK top = new TopK(Integer::compare);
            top.reset(5, Float.NEGATIVE_INFINITY);
            assertFalse(ix.search(lr, new long[Bits.words(20000)], top, SearchControl.NONE));
        } finally {
            ix.close();
        }
    }

    @Test
    void scoreMeaningFollowsTheOptions() {
        DnaModality m = new DnaModality(TestData.cauc());
        StrProfile p = TestData.profile("vWA,14,16\nTH01,6,9.3\nD3S1358,15,15\nFGA,20,22\nD8S1179,12,13\n");
        var loci = m.scoreMeaning(m.prepare(p, Map.of("score", "loci", "min_loci", "4", "mismatches", "1")));
        assertEquals("matching loci", loci.scale());
        assertEquals(3f, loci.defaultThreshold());
        var lr = m.scoreMeaning(m.prepare(p, Map.of("theta", "0.03")));
        assertEquals("log10 likelihood ratio (match)", lr.scale());
        assertTrue(lr.thresholdMeaning().contains("theta 0.03"), lr.thresholdMeaning());
        var mix = m.scoreMeaning(m.prepare(DnaDemo.mixture(TestData.nist().get(1).profile(),
                TestData.nist().get(2).profile(), 0), Map.of("mode", "mixture-lr", "dropout", "0.1")));
        assertEquals(DnaModality.MIXTURE_THRESHOLD_LOG10_LR, mix.defaultThreshold());
        assertTrue(mix.thresholdMeaning().contains("drop-out 0.1"), mix.thresholdMeaning());
    }
}
