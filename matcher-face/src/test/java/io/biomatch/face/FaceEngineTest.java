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
                assertEquals(fp32.candidates().getFirst().score(), top.score(), 1e-5f, "exact re-ranks with float32");
                assertTrue(exact.rescored() >= 3);
            }
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
