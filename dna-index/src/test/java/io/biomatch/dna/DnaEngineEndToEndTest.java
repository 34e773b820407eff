package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EngineException;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.DemoSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enrol the demo's NIST 1036 database through the engine, then search the partial stain and the mixture. */
class DnaEngineEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void demoThroughEngine() {
        DnaModality modality = new DnaModality(TestData.cauc());
        List<DemoSet> sets = modality.demo(SharedData.rootOrNull());
        assertEquals(1, sets.size());
        DemoSet demo = sets.get(0);
        assertEquals(1036, demo.gallery().size());
        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2), List.of(modality))) {
            for (DemoSet.Entry e : demo.gallery()) {
                engine.enrol(new EnrolRequest(e.id(), DnaModality.NAME, e.agency(), e.metadata(), e.payloads(), false))
                        .join();
            }
            for (DemoSet.Probe p : demo.probes()) {
                IdentifyResult r = engine.identify(new IdentifyRequest(DnaModality.NAME, p.payloads(), p.options(), 10,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertTrue(!r.candidates().isEmpty(), p.label());
                assertEquals(p.expectedId(), r.candidates().get(0).id(), p.label());
                assertTrue(r.candidates().get(0).score() > DnaModality.DEFAULT_THRESHOLD_LOG10_LR,
                        p.label() + " score " + r.candidates().get(0).score());
                boolean mixture = p.options().containsKey("mode");
                assertEquals(mixture ? "log10 likelihood ratio (mixture)" : "log10 likelihood ratio (match)",
                        r.scoreMeaning().scale());
                assertEquals(mixture ? DnaModality.MIXTURE_THRESHOLD_LOG10_LR : DnaModality.DEFAULT_THRESHOLD_LOG10_LR,
                        r.scoreMeaning().defaultThreshold());
                // the stain's moderate search: every returned candidate is a real match; usually only the donor
                if (!mixture) {
                    assertTrue(r.candidates().size() <= 3, "few adventitious matches: " + r.candidates().size());
                }
            }
            // bad input: INVALID_INPUT and nothing stored
            CompletionException ex = assertThrows(CompletionException.class, () -> engine.enrol(new EnrolRequest("bad",
                    DnaModality.NAME, "lab", Map.of(), List.of(TestData.csv("vWA,14,15,16,17,18")), false)).join());
            assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) Engine.cause(ex)).reason());
            assertThrows(RuntimeException.class, () -> engine.get("bad"));
            CompletionException ex2 = assertThrows(CompletionException.class, () -> engine.identify(new IdentifyRequest(
                    DnaModality.NAME, List.of(TestData.csv("D99S1,1,2")), Map.of(), 10, Float.NEGATIVE_INFINITY,
                    SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join());
            assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) Engine.cause(ex2)).reason());
        }
    }

    /** Mixture-LR kernel equals the reference, and both contributors outrank everyone else. */
    @Test
    void mixtureLrKernelAndRanking() {
        AlleleFrequencies f = TestData.cauc();
        DnaModality m = new DnaModality(f);
        List<NistGenotypes.Person> people = TestData.nist();
        StrProfile mix = DnaDemo.mixture(people.get(10).profile(), people.get(20).profile(), 0);
        DnaProbe probe = m.prepare(mix, Map.of("mode", "mixture-lr", "dropout", "0.05", "dropin", "0.05",
                "theta", "0.01"));
        try (PackedGallery g = new PackedGallery(people.size())) {
            for (NistGenotypes.Person p : people) {
                g.add(p.profile());
            }
            for (int i = 0; i < people.size(); i++) {
                assertEquals(DnaReference.score(probe, people.get(i).profile()), g.score(probe, i), 0f);
            }
            float[] s = new float[5];
            int[] o = new int[5];
            g.search(probe, 5, 0, people.size(), s, o);
            assertEquals(java.util.Set.of(10, 20), java.util.Set.of(o[0], o[1]));
            assertTrue(s[1] > 3 && s[2] < s[1], "contributors above LR 1000 and the rest");
        }
    }
}
