package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Candidate;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EngineException;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.Payload;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.DemoSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through the core engine: enrol shared photos, identify other photos of the same people. */
class FaceEngineTest {
    @TempDir
    Path dir;

    static IdentifyResult identify(Engine engine, List<Payload> payloads, Map<String, String> options, int k) {
        return engine.identify(new IdentifyRequest("face", payloads, options, k, Float.NEGATIVE_INFINITY, null,
                Long.MAX_VALUE), SearchControl.NONE).join();
    }

    @Test
    void demoProbesFindTheirMateAtRank1InExactAndFp32Modes() {
        FaceModality face = new FaceModality(FaceConfig.defaults());
        List<DemoSet> demo = face.demo(SharedData.require("."));
        assertEquals(1, demo.size());
        DemoSet set = demo.getFirst();
        assertEquals("Face", set.title());
        assertTrue(set.gallery().size() >= 10 && set.probes().size() >= 30);
        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(10_000, 2_400), List.of(face))) {
            for (DemoSet.Entry e : set.gallery()) {
                engine.enrol(new EnrolRequest(e.id(), "face", e.agency(), e.metadata(), e.payloads(), false)).join();
            }
            // impostor background: random embeddings, so the scan has more than the mates to rank
            Random rnd = new Random(12);
            for (int i = 0; i < 500; i++) {
                engine.enrol(new EnrolRequest("bg-" + i, "face", "bg", Map.of(),
                        List.of(FaceModalityTest.emb(FaceModalityTest.random(rnd, face.dim()))), false)).join();
            }
            for (DemoSet.Probe p : set.probes()) {
                IdentifyResult exact = identify(engine, p.payloads(), Map.of(), 3);
                IdentifyResult fp32 = identify(engine, p.payloads(), Map.of("mode", "fp32"), 3);
                Candidate top = exact.candidates().getFirst();
                assertEquals(p.expectedId(), top.id(), p.label());
                assertTrue(top.score() >= exact.scoreMeaning().defaultThreshold(), p.label() + " " + top.score());
                assertTrue(exact.candidates().get(1).score() < exact.scoreMeaning().defaultThreshold(), p.label());
                assertEquals(top.id(), fp32.candidates().getFirst().id());
                assertEquals(fp32.candidates().getFirst().score(), top.score(), 0f, "exact re-ranks with float32");
                assertEquals(0, exact.rescored(), "re-ranked in the shards, not from the record store");
                assertEquals(fp32.slotsScanned(), exact.slotsScanned(), "the int8 pass scores every record");
                assertTrue(exact.slotsScanned() >= 500, "gallery scanned: " + exact.slotsScanned());
                // the 1-bit pass with a tiny short list still finds the real photo's mate, with its float32 cosine
                IdentifyResult binary = identify(engine, p.payloads(), Map.of("mode", "binary", "binary_shortlist", "16"), 3);
                assertEquals(top.id(), binary.candidates().getFirst().id(), p.label());
                assertEquals(top.score(), binary.candidates().getFirst().score(), 0f, p.label());
                assertEquals(fp32.slotsScanned(), binary.slotsScanned(), "the Hamming pass scores every record");
            }
        }
    }

    /** One enrolled face of the reference: unit vector, agency, metadata value. */
    private record Ref(float[] unit, String agency, String site) {
    }

    /** Brute-force float32 top k of the reference, filtered by agency and site (null: any). */
    private static List<String> bruteForce(Map<String, Ref> refs, float[] probe, int k, String agency, String site) {
        float[] q = Embeddings.normalise(probe, "probe");
        return refs.entrySet().stream()
                .filter(e -> agency == null || e.getValue().agency().equals(agency))
                .filter(e -> site == null || e.getValue().site().equals(site))
                .sorted((a, b) -> Float.compare(Embeddings.dot(q, b.getValue().unit()), Embeddings.dot(q, a.getValue().unit())))
                .limit(k).map(Map.Entry::getKey).toList();
    }

    private static void assertExactIsBruteForce(Engine engine, Map<String, Ref> refs, Random rnd, int dim, String when) {
        for (int rep = 0; rep < 12; rep++) {
            float[] probe = FaceModalityTest.random(rnd, dim);
            if (rep % 3 == 0) { // near a record: a mate with a clear rank 1
                float[] mate = refs.values().stream().skip(rnd.nextInt(refs.size())).findFirst().orElseThrow().unit();
                for (int i = 0; i < dim; i++) {
                    probe[i] = mate[i] * 10 + 0.5f * probe[i];
                }
            }
            String agency = rep % 4 == 1 ? "north" : null;
            String site = rep % 4 == 2 ? "s1" : rep % 4 == 3 ? "s2" : null;
            SearchFilter filter = new SearchFilter(agency == null ? java.util.Set.of() : java.util.Set.of(agency),
                    site == null ? Map.of() : Map.of("site", site));
            int k = 1 + rnd.nextInt(20);
            List<Payload> payloads = List.of(FaceModalityTest.emb(probe));
            IdentifyResult exact = engine.identify(new IdentifyRequest("face", payloads, Map.of(), k,
                    Float.NEGATIVE_INFINITY, filter, Long.MAX_VALUE), SearchControl.NONE).join();
            IdentifyResult fp32 = engine.identify(new IdentifyRequest("face", payloads, Map.of("mode", "fp32"), k,
                    Float.NEGATIVE_INFINITY, filter, Long.MAX_VALUE), SearchControl.NONE).join();
            List<String> want = bruteForce(refs, probe, k, agency, site);
            assertEquals(want, exact.candidates().stream().map(Candidate::id).toList(), when + " rep " + rep);
            assertEquals(want, fp32.candidates().stream().map(Candidate::id).toList(), when + " rep " + rep);
            float[] q = Embeddings.normalise(probe, "probe");
            for (int i = 0; i < want.size(); i++) {
                Candidate c = exact.candidates().get(i);
                assertEquals(Embeddings.dot(q, refs.get(c.id()).unit()), c.score(), 1e-5f, when);
                assertEquals(fp32.candidates().get(i).score(), c.score(), 0f, when + ": the same float32 cosine");
            }
            assertEquals(0, exact.rescored(), when);
        }
    }

    /**
     * mode=exact (int8 plane pass + float32 re-rank inside the shards) returns the brute-force float32 top k:
     * after deletes, after compaction, after a restart, and under agency and metadata filters. HNSW off: the
     * plane is there without a graph.
     */
    @Test
    void exactModeIsTheBruteForceTopKThroughDeletesCompactionRestartAndFilters() {
        FaceModality face = new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off());
        Random rnd = new Random(21);
        Map<String, Ref> refs = new java.util.HashMap<>();
        EngineConfig config = EngineConfig.defaults(dir).withShards(2).withCapacity(10_000, 2_400);
        try (Engine engine = Engine.open(config, List.of(face))) {
            for (int i = 0; i < 3000; i++) {
                float[] v = FaceModalityTest.random(rnd, face.dim());
                String agency = i % 3 == 0 ? "north" : "south";
                String site = "s" + (i % 5);
                engine.enrol(new EnrolRequest("r" + i, "face", agency, Map.of("site", site),
                        List.of(FaceModalityTest.emb(v)), false)).join();
                refs.put("r" + i, new Ref(Embeddings.normalise(v, "x"), agency, site));
            }
            assertExactIsBruteForce(engine, refs, rnd, face.dim(), "fresh");
            for (int i = 0; i < 3000; i += 2) {
                engine.delete("r" + i).join();
                refs.remove("r" + i);
            }
            assertExactIsBruteForce(engine, refs, rnd, face.dim(), "after deletes");
            assertTrue(engine.compact().join() > 0, "compaction ran");
            assertExactIsBruteForce(engine, refs, rnd, face.dim(), "after compaction");
            for (int i = 0; i < 50; i++) {
                float[] v = FaceModalityTest.random(rnd, face.dim());
                engine.enrol(new EnrolRequest("n" + i, "face", "north", Map.of("site", "s1"),
                        List.of(FaceModalityTest.emb(v)), false)).join();
                refs.put("n" + i, new Ref(Embeddings.normalise(v, "x"), "north", "s1"));
            }
            assertExactIsBruteForce(engine, refs, rnd, face.dim(), "after new enrolments");
        }
        try (Engine engine = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off())))) {
            assertEquals(refs.size(), engine.stats().storedRecords());
            assertExactIsBruteForce(engine, refs, rnd, face.dim(), "after restart");
        }
    }

    @Test
    void badInputIsRejectedAndNothingIsStored() {
        FaceModality face = new FaceModality(FaceConfig.defaults());
        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(10_000, 2_400), List.of(face))) {
            byte[] random = new byte[3000];
            new Random(2).nextBytes(random);
            for (Payload bad : List.of(new Payload("image", random), new Payload("embedding-f32", new byte[12]),
                    FaceModalityTest.emb(new float[face.dim()]))) {
                CompletionException e = assertThrows(CompletionException.class, () -> engine.enrol(
                        new EnrolRequest("x", "face", "a", Map.of(), List.of(bad), false)).join());
                EngineException cause = (EngineException) Engine.cause(e);
                assertEquals(EngineException.Reason.INVALID_INPUT, cause.reason(), cause.getMessage());
            }
            assertEquals(0, engine.stats().storedRecords());
        }
    }
}
