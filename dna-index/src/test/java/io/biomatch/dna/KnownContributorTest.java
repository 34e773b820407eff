package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code mode=mixture-lr} conditioned on a known contributor (the victim of a two-person stain): Hp = candidate +
 * victim, Hd = victim + one unknown.
 */
class KnownContributorTest {
    static final Map<String, String> OPTIONS = Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin", "0.05",
            "theta", "0.01");

    /** Per-locus LRs from {@link MixtureLikelihood#likelihood} directly, summed in log10: what the table must hold. */
    private static double directLog10Lr(StrProfile mix, StrProfile known, StrProfile candidate, int loci,
                                        AlleleFrequencies f) {
        double sum = 0;
        for (int l = 0; l < Loci.MAX; l++) {
            if ((loci >>> l & 1) == 0) {
                continue;
            }
            int[] e = mix.alleles(l);
            int[] k = known.alleles(l);
            int[] c = candidate.alleles(l);
            int ka = k[0], kb = k.length > 1 ? k[1] : k[0];
            int ca = c[0], cb = c.length > 1 ? c[1] : c[0];
            // a candidate allele outside the evidence is Q, any allele not in the evidence (as the tables code it)
            int q = 1;
            while (java.util.Arrays.binarySearch(e, q) >= 0) {
                q++;
            }
            ca = java.util.Arrays.binarySearch(e, ca) >= 0 ? ca : q;
            cb = java.util.Arrays.binarySearch(e, cb) >= 0 ? cb : q;
            int[] cond = {ca, cb, ka, kb};
            var victim = new MixtureLikelihood.Contributor(ka, kb, 0.05);
            double num = MixtureLikelihood.likelihood(l, List.of(e), List.of(new MixtureLikelihood.Contributor(ca, cb, 0.05),
                    victim), cond, 0, 0.05, 0.05, 0.01, f);
            double den = MixtureLikelihood.likelihood(l, List.of(e), List.of(victim), cond, 1, 0.05, 0.05, 0.01, f);
            sum += Math.log10(num / den);
        }
        return sum;
    }

    @Test
    void theVictimExplainsHerAllelesSoTheSuspectsLrRisesAndEqualsTheDirectComputation() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality m = new DnaModality(f);
        List<NistGenotypes.Person> people = TestData.nist();
        StrProfile victim = people.get(10).profile();
        StrProfile suspect = people.get(20).profile();
        StrProfile mix = DnaDemo.mixture(victim, suspect, 0);
        DnaProbe without = m.prepare(mix, OPTIONS);
        DnaProbe with = m.prepare(mix, List.of(victim), OPTIONS);
        assertTrue(with.lociMask != 0 && (with.lociMask & ~without.lociMask) == 0);
        try (PackedGallery g = new PackedGallery(people.size())) {
            for (NistGenotypes.Person p : people) {
                g.add(p.profile());
            }
            for (int i = 0; i < people.size(); i += 37) {
                assertEquals(DnaReference.score(with, people.get(i).profile()), g.score(with, i), 0f, "kernel = reference");
            }
            float suspectWith = g.score(with, 20);
            float suspectWithout = g.score(without, 20);
            assertEquals(directLog10Lr(mix, victim, suspect, with.lociMask, f), suspectWith, 1e-3,
                    "table sum = direct likelihood ratio");
            assertTrue(suspectWith > suspectWithout + 1, "conditioning on the victim: log10 LR " + suspectWithout
                    + " -> " + suspectWith);
            float[] s = new float[3];
            int[] o = new int[3];
            g.search(with, 3, 0, people.size(), s, o);
            assertEquals(20, o[0], "the suspect first");
            assertTrue(s[0] > 6 && s[1] < 3, "suspect log10 LR " + s[0] + ", next " + s[1]);
        }
    }

    @Test
    void knownContributorsAreCheckedThroughTheModality() {
        DnaModality m = new DnaModality(TestData.cauc());
        List<NistGenotypes.Person> people = TestData.nist();
        StrProfile mix = DnaDemo.mixture(people.get(10).profile(), people.get(20).profile(), 0);
        Payload mixture = new Payload(StrCsvFormat.NAME, csv(mix).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("contributors", "2"));
        Payload victim = TestData.csv(csv(people.get(10).profile()));
        DnaProbe p = m.prepareProbe(List.of(mixture, victim), OPTIONS);
        assertEquals(1, p.knowns.size());
        assertTrue(m.scoreMeaning(p).thresholdMeaning().contains("1 known"), m.scoreMeaning(p).thresholdMeaning());
        TestData.assertInvalid(() -> m.prepareProbe(List.of(mixture, victim), Map.of()), "mode=mixture-lr");
        TestData.assertInvalid(() -> m.prepareProbe(List.of(mixture, victim, victim), OPTIONS), "no place for the candidate");
        TestData.assertInvalid(() -> m.prepareProbe(List.of(mixture, mixture), OPTIONS), "single-source");
    }

    /** str-csv rows of a profile (locus,allele,...). */
    private static String csv(StrProfile p) {
        StringBuilder b = new StringBuilder();
        for (int l = 0; l < Loci.COUNT; l++) {
            int[] a = p.alleles(l);
            if (a == null) {
                continue;
            }
            List<String> names = new ArrayList<>();
            for (int x : a) {
                names.add(Allele.format(x));
            }
            b.append(Loci.name(l)).append(',').append(String.join(",", names)).append('\n');
        }
        return b.toString();
    }
}
