package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EngineException;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.Payload;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through the core engine: enrol FVC impressions, identify others, expected mate first. */
class FingerprintEngineTest {
    @TempDir
    Path dir;

    static Payload sourceAfis(String rel) {
        byte[] sa = StoredTemplateFormat.decode(FingerprintModalityTest.stored(rel)).get(0).sourceAfis();
        return new Payload("sourceafis", sa);
    }

    @Test
    void enrolIdentifyFastAndExhaustive() {
        FingerprintModality m = new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(2)
                .withShortlist(4));
        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(1000, 8192), List.of(m))) {
            // records 103..105 hold two fingers (two 2 KiB slots): their second finger is from another set
            for (int f = 101; f <= 110; f++) {
                List<Payload> fingers = f >= 103 && f <= 105
                        ? List.of(sourceAfis("fvc2002-db1b/" + f + "_1.tif"), sourceAfis("fvc2000-db1b/" + f + "_1.tif"))
                        : List.of(sourceAfis("fvc2002-db1b/" + f + "_1.tif"));
                engine.enrol(new EnrolRequest("db1b-" + f, "fingerprint", "test", Map.of(), fingers, false)).join();
            }
            // one record enrolled straight from the image (SourceAFIS's sample is another impression of
            // FVC2002 DB1 finger 102: it scores > 200 against 102_1, so probes of 102 are avoided below)
            engine.enrol(new EnrolRequest("sample", "fingerprint", "test", Map.of(),
                    List.of(FingerprintModalityTest.image("sourceafis-testdata/matching.png")), false)).join();
            for (String mode : List.of("fast", "exhaustive")) {
                for (int f : new int[] {103, 106, 109}) {
                    IdentifyResult r = engine.identify(new IdentifyRequest("fingerprint",
                            List.of(sourceAfis("fvc2002-db1b/" + f + "_2.tif")), Map.of("mode", mode), 3,
                            Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                    assertEquals("db1b-" + f, r.candidates().get(0).id(), mode + " " + f);
                    assertTrue(r.candidates().get(0).score() >= 40, mode + " " + r.candidates().get(0));
                    assertEquals("SourceAFIS similarity", r.scoreMeaning().scale());
                    assertEquals(11, r.slotsScanned());
                    assertEquals(mode.equals("fast") ? 4 : 0, r.rescored());
                }
                // the mate is the second finger (continuation slot) of a two-finger record
                IdentifyResult r = engine.identify(new IdentifyRequest("fingerprint",
                        List.of(sourceAfis("fvc2000-db1b/104_3.tif")), Map.of("mode", mode), 3,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals("db1b-104", r.candidates().get(0).id(), mode);
                assertTrue(r.candidates().get(0).score() >= 40, mode + " " + r.candidates().get(0));
            }
            // adaptive depth: stop once a score >= 40 is seen (chunks of 1), else the whole short list of 4
            int rescoredWithStop = 0;
            for (int f : new int[] {103, 106, 109}) {
                IdentifyResult r = engine.identify(new IdentifyRequest("fingerprint",
                        List.of(sourceAfis("fvc2002-db1b/" + f + "_2.tif")),
                        Map.of("stop_score", "40", "stop_chunk", "1"), 3, Float.NEGATIVE_INFINITY, SearchFilter.NONE,
                        Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals("db1b-" + f, r.candidates().get(0).id(), "stop " + f);
                assertTrue(r.rescored() >= 1 && r.rescored() <= 4, "stop " + f + " re-scored " + r.rescored());
                assertEquals(Math.min(3, r.rescored()), r.candidates().size(), "only re-scored candidates are returned");
                rescoredWithStop += r.rescored();
                IdentifyResult never = engine.identify(new IdentifyRequest("fingerprint",
                        List.of(sourceAfis("fvc2002-db1b/" + f + "_2.tif")), Map.of("stop_score", "1000"), 3,
                        Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
                assertEquals(4, never.rescored());
                assertEquals(r.candidates().get(0), never.candidates().get(0));
            }
            assertTrue(rescoredWithStop < 3 * 4, "the stop saved nothing: " + rescoredWithStop);
            for (Map<String, String> bad : List.of(Map.of("stop_score", "0"), Map.of("stop_score", "x"),
                    Map.of("stop_score", "NaN"), Map.of("stop_score", "40", "stop_chunk", "0"))) {
                CompletionException ce = assertThrows(CompletionException.class, () -> engine.identify(
                        new IdentifyRequest("fingerprint", List.of(sourceAfis("fvc2002-db1b/103_2.tif")), bad, 3,
                                Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join());
                assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) Engine.cause(ce)).reason(),
                        bad.toString());
            }
            IdentifyResult r = engine.identify(new IdentifyRequest("fingerprint",
                    List.of(FingerprintModalityTest.image("sourceafis-testdata/probe.png")), Map.of(), 3, 40f,
                    SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
            // min score 40 keeps exactly the two records of that finger
            assertEquals(java.util.Set.of("sample", "db1b-102"),
                    r.candidates().stream().map(c -> c.id()).collect(java.util.stream.Collectors.toSet()));
            var v = engine.verify("sample", "fingerprint",
                    List.of(FingerprintModalityTest.image("sourceafis-testdata/probe.png")), Map.of(), SearchControl.NONE)
                    .join();
            assertTrue(v.match(), "verify " + v.score());

            // bad input is refused and nothing is stored
            CompletionException e = assertThrows(CompletionException.class, () -> engine.enrol(new EnrolRequest("bad",
                    "fingerprint", "test", Map.of(), List.of(new Payload("image", new byte[] {1, 2, 3})), false)).join());
            assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) Engine.cause(e)).reason());
            EngineException nf = assertThrows(EngineException.class, () -> engine.get("bad"));
            assertEquals(EngineException.Reason.NOT_FOUND, nf.reason());
        }
    }
}
