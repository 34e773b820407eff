package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;

class FingerprintScaleEvalTest {
    @Test
    void adaptiveDepthStopsAtTheEndOfTheChunkThatReachesTheStopScore() {
        double[] afis = {10, 12, 55, 8, 9, 70, 3, 4, 5, 6};
        assertEquals(4, FingerprintScaleEval.adaptiveDepth(afis, 10, 50f, 4), "55 at rank 3 -> end of chunk 1..4");
        assertEquals(3, FingerprintScaleEval.adaptiveDepth(afis, 10, 50f, 1), "chunk 1 stops right there");
        assertEquals(10, FingerprintScaleEval.adaptiveDepth(afis, 10, 71f, 4), "never reached -> whole list");
        assertEquals(8, FingerprintScaleEval.adaptiveDepth(afis, 8, 60f, 4), "70 at rank 6 -> end of chunk 5..8");
        assertEquals(5, FingerprintScaleEval.adaptiveDepth(afis, 5, 60f, 4), "capped at the short list");
        int[] ords = {7, 3, 9, 1};
        double[] scores = {20, 50, 50, 10};
        assertTrue(FingerprintScaleEval.fastCorrect(ords, scores, 4, 3), "ties go to the lower ordinal");
        assertTrue(!FingerprintScaleEval.fastCorrect(ords, scores, 1, 3), "the mate is not among the first 1");
    }

    @Test
    void smallRunChecksItsReScoringPathsAndReportsAdaptiveDepth() throws Exception {
        var iso = SharedData.require("fingerprint/fvc-iso19794-2-secugen");
        FingerprintScaleEval.Result r = FingerprintScaleEval.run(List.of(iso.resolve("fvc2002-db1b")), iso,
                new FingerprintScaleEval.Options(500, 42, 1, 1, List.of(5, 60), true, List.of(40f, 1000f), 20, 0, 0));
        System.out.println(r.toText());
        // run() throws if the engine path or plain SourceAFIS differs from the short list's score on any timed pair
        assertEquals(70 * 60, r.rescoreCost().samePairs());
        assertTrue(r.rescoreCost().sameNewMicros() > 0 && r.rescoreCost().sameMatchMicros() > 0);
        assertEquals(2, r.adaptive().size(), "S = 5 is not above the chunk: only S = 60 x two stop scores");
        FingerprintScaleEval.AdaptivePoint stop40 = r.adaptive().get(0), never = r.adaptive().get(1);
        FingerprintScaleEval.Point s60 = r.points().get(1);
        assertEquals(60, stop40.shortlist());
        assertTrue(stop40.stoppedEarly() > 0.5, "most FVC DB1 probes meet their mate >= 40 early: " + stop40);
        assertTrue(stop40.meanRescored() < 60 && stop40.speedup() > stop40.speedupNoMate(), stop40.toString());
        assertEquals(0, never.stoppedEarly(), 0.0, "no score reaches 1000");
        assertEquals(60, never.meanRescored(), 0.0);
        assertEquals(s60.rank1(), never.rank1(), 0.0, "never stopping is the fixed short list");
        assertEquals(s60.speedup(), never.speedupNoMate(), 1e-9);
    }

    @Test
    void theStandInDoesNotDependOnThePairingDepth() throws Exception {
        var iso = SharedData.require("fingerprint/fvc-iso19794-2-secugen");
        var sets = List.of(iso.resolve("fvc2002-db1b"));
        // pairing on the first stage's best 60, or only its best 10; the stand-in over its exact best 60 both times
        FingerprintScaleEval.Result deep = FingerprintScaleEval.run(sets, iso,
                new FingerprintScaleEval.Options(500, 42, 1, 0, List.of(5, 60), true, List.of(), 20, 60, 60));
        FingerprintScaleEval.Result shallow = FingerprintScaleEval.run(sets, iso,
                new FingerprintScaleEval.Options(500, 42, 1, 0, List.of(5, 60), true, List.of(), 20, 10, 60));
        assertEquals(60, deep.pairingDepth());
        assertEquals(10, shallow.pairingDepth());
        assertEquals(60, shallow.referenceDepth());
        assertEquals(deep.standInRank1(), shallow.standInRank1(), 0.0);
        assertTrue(deep.standInRank1() > 0.9, "FVC DB1 against 500 background: " + deep.standInRank1());
        // the deep run's S = 60 re-scores exactly the stand-in's 60 candidates, so it is the stand-in
        assertEquals(deep.standInRank1(), deep.points().get(1).rank1(), 1e-9);
        // the shallow run's lists are cut at its depth (S = 60 re-scores 10); its loss is counted against the same
        // stand-in
        FingerprintScaleEval.Point s60 = shallow.points().get(1);
        assertEquals(shallow.standInRank1(), s60.rank1() + s60.rank1LostVsStandIn(), 1e-9);
    }
}
