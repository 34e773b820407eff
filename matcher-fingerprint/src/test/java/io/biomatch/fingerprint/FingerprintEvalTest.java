package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;

class FingerprintEvalTest {
    static final FingerprintEval.Options SMALL = new FingerprintEval.Options(2, 500, 3, List.of(3, 5));

    @Test
    void fastPathKeepsExhaustiveRank1OnAnFvcSet() {
        var r = FingerprintEval.run(List.of(SharedData.require("fingerprint/fvc2002-db1b")), SMALL);
        var set = r.sets().get(0);
        System.out.println(r.toText());
        assertEquals(70, set.probes());
        assertTrue(set.rank1Exhaustive() >= 0.9, "exhaustive rank-1 " + set.rank1Exhaustive());
        var s5 = set.fast().get(1);
        assertEquals(5, s5.shortlist());
        assertTrue(s5.rank1() >= set.rank1Exhaustive() - 0.05,
                "fast rank-1 " + s5.rank1() + " vs exhaustive " + set.rank1Exhaustive());
        assertTrue(set.sourceafis().eer() < 0.1);
        assertEquals(2048, r.offHeapBytesPerTemplate());
        assertTrue(r.speed().firstStageComparisonsPerSecond() > 0 && r.speed().sourceafisComparisonsPerSecond() > 0);
    }

    @Test
    void isoTemplatesOfOneSetIdentifyEachOther() {
        var r = FingerprintEval.run(List.of(
                SharedData.require("fingerprint/fvc-iso19794-2-secugen/fvc2002-db1b"),
                SharedData.require("fingerprint/fvc-iso19794-2-secugen/fvc2002-db2b")), SMALL);
        System.out.println(r.toText());
        for (var set : r.sets()) {
            assertEquals(80, set.images());
            assertTrue(set.rank1Exhaustive() >= 0.9, set.set() + " exhaustive rank-1 " + set.rank1Exhaustive());
            assertTrue(set.fast().get(1).rank1() >= 0.85, set.set() + " fast rank-1 " + set.fast().get(1).rank1());
        }
    }
}
