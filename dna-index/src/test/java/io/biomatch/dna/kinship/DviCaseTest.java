package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The dvir cases of the shared data. */
class DviCaseTest {
    static DviCase.Result run(String name) {
        return DviCase.run(SharedData.require("dna/dvi/" + name));
    }

    static double pairLr(DviCase.Result r, String v, String m) {
        return r.pairwise().stream().filter(p -> p.victim().equals(v) && p.missing().equals(m)).findFirst()
                .orElseThrow().lr();
    }

    @Test
    void fireJointSolutionBeatsPairwise() {
        DviCase.Result r = run("fire");
        // pairwise, V1 looks more like M2 than its true match M1 ...
        assertTrue(pairLr(r, "V1", "M2") > pairLr(r, "V1", "M1"), r.toText());
        // ... but the joint solution gets it right; M2 and M3 (sisters) are symmetric
        assertTrue(r.bestContainsTruth(), r.toText());
        assertEquals("M1", r.solutions().get(0).assignment().get("V1"));
        assertTrue(r.solutions().get(1).tiedWithBest(), "M2/M3 swap ties: " + r.toText());
        assertEquals(0.5, r.solutions().get(0).posterior(), 1e-4);
    }

    @Test
    void icmpJointSolutionContainsTruth() {
        DviCase.Result r = run("icmp");
        assertTrue(r.bestContainsTruth(), r.toText());
        // M10 and M11 are brothers without descendants: V2 cannot be told between them
        long tied = r.solutions().stream().filter(DviCase.Solution::tiedWithBest).count();
        assertEquals(2, tied, r.toText());
    }

    @Test
    void example1NeedsTheJointSearch() {
        DviCase.Result r = run("example1");
        assertEquals(Map.of("V1", "M3", "V2", "M1", "V3", "M2"), r.solutions().get(0).assignment());
    }

    @Test
    void planecrashUndisputedAsDvir() {
        DviCase.Result r = run("planecrash");
        Set<String> und = r.undisputed().stream().map(i -> i.missing() + "=" + i.victim()).collect(Collectors.toSet());
        assertEquals(Set.of("M2=V6", "M3=V2", "M5=V4"), und, r.toText());
        Map<String, String> best = r.solutions().get(0).assignment();
        assertEquals("M1", best.get("V1"));
        assertEquals("M4", best.get("V3"));
        assertFalse(best.containsKey("V7") || best.containsKey("V8"), r.toText());
        assertTrue(r.posteriorsOverAllAssignments());
    }

    @Test
    void graveWithAnInbreedingLoopAndOtherCases() {
        DviCase.Result g = run("grave");
        Map<String, String> best = g.solutions().get(0).assignment();
        assertEquals("MP6", best.get("V6")); // MP6 is inbred: parents R5 and MP5 share ancestors
        for (String c : new String[] {"example2", "KETPchap484", "exclusionExample"}) {
            DviCase.Result r = run(c);
            assertFalse(r.solutions().isEmpty(), c);
        }
        DviCase.Result ex = run("exclusionExample");
        assertEquals(Map.of("V5", "M13", "V15", "M6"), ex.solutions().get(0).assignment());
    }

    @Test
    void demoText() {
        String t = DviCase.demo(null);
        assertTrue(t.contains("undisputed") && t.contains("V6=M2"), t);
    }
}
