package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * dvir's refinement of undisputed identifications in families with several missing persons: identified victims
     * are placed in their family and the rule is applied again to the recomputed matrix. At LR 10,000 no case
     * gains a further round (grave, KETPchap484, icmp, planecrash: the round-0 sets, planecrash as published); at
     * lower thresholds grave and KETPchap484 identify further victims only once their relatives are placed, and every
     * refined identification is in the best joint solution.
     */
    @Test
    void undisputedRefinementInMultiMissingFamilies() {
        DviCase.Result icmp = run("icmp");
        assertEquals(List.of("V4=M8"), names(icmp.undisputed()));
        for (DviCase.Identification i : icmp.undisputed()) {
            assertEquals(icmp.truth().get(i.victim()), i.missing());
        }
        DviCase.Result grave = run("grave");
        assertEquals(List.of("V1=MP1", "V2=MP2", "V3=MP3", "V6=MP6", "V7=MP7"), names(grave.undisputed()));
        assertEquals(List.of("V1=M1"), names(run("KETPchap484").undisputed()));

        DviSolver gs = solver("grave");
        List<DviSolver.Undisputed> g = gs.undisputedRefined(1000);
        List<String> gl = labels(gs, g);
        assertEquals(List.of("V1=MP1/0", "V2=MP2/0", "V3=MP3/0", "V6=MP6/0", "V7=MP7/0", "V5=MP5/1", "V4=MP4/2"), gl);
        assertTrue(g.get(5).lr() > 1e18, "V5=MP5 after its relatives are placed: " + g.get(5).lr());
        DviSolver ks = solver("KETPchap484");
        List<String> kl = labels(ks, ks.undisputedRefined(100));
        assertEquals(List.of("V1=M1/0", "V2=M2/0", "V4=M4/0", "V3=M3/1"), kl);
        Map<String, List<String>> refinedOf = Map.of("grave", gl, "KETPchap484", kl);
        for (String c : refinedOf.keySet()) {
            Map<String, String> best = run(c).solutions().get(0).assignment();
            for (String l : refinedOf.get(c)) {
                String[] vm = l.split("[=/]");
                assertEquals(vm[1], best.get(vm[0]), c + " " + l);
            }
        }
    }

    private static List<String> names(List<DviCase.Identification> ids) {
        return ids.stream().map(i -> i.victim() + "=" + i.missing()).toList();
    }

    private static DviSolver solver(String c) {
        DviSolver s = new DviSolver(DviData.read(SharedData.require("dna/dvi/" + c)));
        s.buildTargets();
        s.pairwise();
        return s;
    }

    private static List<String> labels(DviSolver s, List<DviSolver.Undisputed> u) {
        return u.stream().map(x -> s.data.victims.get(x.victim()).id() + "="
                + s.data.families.get(s.targets.get(x.target()).family).pedigree().id(s.targets.get(x.target()).person)
                + "/" + x.round()).toList();
    }

    /**
     * A case where nothing prunes the joint search (look-alike one-missing families, one marker): it stops at its
     * budget with a clear error instead of running for hours (12 families took 89 s without a budget, 40 ran for
     * hours). A lower budget than the default keeps the test short.
     */
    @Test
    void aJointSearchThatCannotPruneStopsWithAClearError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        int n = 14;
        StringBuilder ped = new StringBuilder("family,id,fid,mid,sex,role\n");
        StringBuilder am = new StringBuilder("family,id,sex,locus,allele1,allele2\n");
        StringBuilder pm = new StringBuilder("id,sex,locus,allele1,allele2\n");
        for (int f = 0; f < n; f++) {
            ped.append("F").append(f).append(",A").append(f).append(",0,0,1,untyped\n");
            ped.append("F").append(f).append(",B").append(f).append(",0,0,2,reference\n");
            ped.append("F").append(f).append(",M").append(f).append(",A").append(f).append(",B").append(f)
                    .append(",1,missing\n");
            am.append("F").append(f).append(",B").append(f).append(",2,L1,1,2\n");
            pm.append("W").append(f).append(",1,L1,1,").append(1 + f % 3).append("\n");
        }
        java.nio.file.Files.writeString(dir.resolve("am_pedigrees.csv"), ped);
        java.nio.file.Files.writeString(dir.resolve("am_genotypes.csv"), am);
        java.nio.file.Files.writeString(dir.resolve("pm_genotypes.csv"), pm);
        java.nio.file.Files.writeString(dir.resolve("frequencies.csv"),
                "locus,allele,frequency\nL1,1,0.05\nL1,2,0.05\nL1,3,0.9\n");
        java.nio.file.Files.writeString(dir.resolve("mutation_models.csv"),
                "locus,sex,model,rate,rate2,range\nL1,both,none,NA,NA,NA\n");
        long budget = DviSolver.maxJointNodes;
        DviSolver.maxJointNodes = 20_000_000L; // ~1.5 s here instead of the default's ~30 s
        try {
            io.biomatch.core.EngineException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.biomatch.core.EngineException.class, () -> DviCase.run(dir));
            assertTrue(e.getMessage().startsWith("the joint search visited 20000000 partial assignments without"
                    + " finishing"), e.getMessage());
        } finally {
            DviSolver.maxJointNodes = budget;
        }
    }

    /**
     * dvir's example1 with a stepwise model and a victim of allele 400, far from the table's 1..3: its stepwise row
     * was NaN, and NaN passed every "<" test of the undisputed rule, so all victims were "identified" with two missing
     * persons at LR NaN. Now every LR is finite and no victim or missing person is identified twice.
     */
    @Test
    void stepwiseFarVictimAlleleGivesFiniteLrsAndNoContradictoryIdentifications(@TempDir Path dir) throws Exception {
        writeExample1(dir, "L1,both,stepwise,0.01,0,0.1", "V4,1,L1,400,400");
        DviCase.Result r = DviCase.run(dir);
        for (DviCase.Pair p : r.pairwise()) {
            assertTrue(Double.isFinite(p.lr()), p + "\n" + r.toText());
        }
        Set<String> victims = new java.util.HashSet<>();
        Set<String> missing = new java.util.HashSet<>();
        for (DviCase.Identification i : r.undisputed()) {
            assertTrue(Double.isFinite(i.lr()), r.toText());
            assertTrue(victims.add(i.victim()) && missing.add(i.missing()), "contradictory: " + r.toText());
        }
        assertFalse(r.toText().contains("NaN"), r.toText());
    }

    /** mutation_models.csv: a proportional rate above what example1's frequencies allow (0.185 / 0.95) is refused. */
    @Test
    void proportionalRateTooHighIsRefused(@TempDir Path dir) throws Exception {
        writeExample1(dir, "L1,both,proportional,0.5,0,0.1", "V4,1,L1,3,3");
        EngineException e = assertThrows(EngineException.class, () -> DviCase.run(dir));
        assertTrue(e.getMessage().contains("too high") && e.getMessage().contains("locus L1")
                && e.getMessage().contains("at most 0.194737"), e.getMessage());
    }

    /** dvir's example1 (one locus L1, alleles 1..3) with a mutation model line and one more victim line. */
    private static void writeExample1(Path dir, String mutation, String victim) throws Exception {
        Files.writeString(dir.resolve("am_pedigrees.csv"), """
                family,id,fid,mid,sex,role
                F1,M1,0,0,1,missing
                F1,R1,0,0,2,reference
                F1,M2,M1,R1,1,missing
                F1,NN,0,0,2,untyped
                F1,M3,M2,NN,1,missing
                """);
        Files.writeString(dir.resolve("am_genotypes.csv"), "family,id,sex,locus,allele1,allele2\nF1,R1,2,L1,1,1\n");
        Files.writeString(dir.resolve("frequencies.csv"), "locus,allele,frequency\nL1,1,0.05\nL1,2,0.05\nL1,3,0.9\n");
        Files.writeString(dir.resolve("mutation_models.csv"), "locus,sex,model,rate,rate2,range\n" + mutation + "\n");
        Files.writeString(dir.resolve("pm_genotypes.csv"), """
                id,sex,locus,allele1,allele2
                V1,1,L1,1,1
                V2,1,L1,2,2
                V3,1,L1,1,2
                """ + victim + "\n");
    }

    /**
     * Case files that used to be read silently wrong: a misspelt role (no missing person), a genotype row of a family
     * that does not exist (a reference lost), an unreadable sex, two different genotypes for one person and locus
     * (the last won), no victims. Each is refused naming file and line; a byte-order mark is read past.
     */
    @Test
    void caseFilesThatWereReadSilentlyWrongAreRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path example = SharedData.require("dna/dvi/example1");
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("role", new String[] {"am_pedigrees.csv", "F1,M2,M1,R1,1,missing", "F1,M2,M1,R1,1,mising",
                "am_pedigrees.csv line 4: role 'mising' is not missing, reference or untyped"});
        cases.put("family", new String[] {"am_genotypes.csv", "F1,R1,2,L1,1,1", "F2,R1,2,L1,1,1",
                "am_genotypes.csv line 2: family 'F2' is not in am_pedigrees.csv"});
        cases.put("sex", new String[] {"pm_genotypes.csv", "V2,1,L1,2,2", "V2,x,L1,2,2",
                "pm_genotypes.csv line 3: sex 'x' is not 1 (male), 2 (female) or 0 (unknown)"});
        cases.put("duplicate", new String[] {"pm_genotypes.csv", "V2,1,L1,2,2", "V2,1,L1,2,2\nV2,1,L1,1,2",
                "pm_genotypes.csv line 4: a second, different genotype of 'V2' at L1"});
        cases.put("victims", new String[] {"pm_genotypes.csv", null, "id,sex,locus,allele1,allele2\n",
                "pm_genotypes.csv holds no victim"});
        for (var c : cases.entrySet()) {
            java.nio.file.Path dir = tmp.resolve(c.getKey());
            java.nio.file.Files.createDirectories(dir);
            try (var files = java.nio.file.Files.list(example)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            String[] edit = c.getValue();
            java.nio.file.Path f = dir.resolve(edit[0]);
            String text = java.nio.file.Files.readString(f);
            java.nio.file.Files.writeString(f, edit[1] == null ? edit[2] : text.replace(edit[1], edit[2]));
            io.biomatch.core.EngineException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.biomatch.core.EngineException.class, () -> DviCase.run(dir), c.getKey());
            assertEquals(edit[3], e.getMessage(), c.getKey());
        }
        // the unedited case with a byte-order mark in front of a header solves as before
        java.nio.file.Path bom = tmp.resolve("bom");
        java.nio.file.Files.createDirectories(bom);
        try (var files = java.nio.file.Files.list(example)) {
            for (java.nio.file.Path f : files.toList()) {
                java.nio.file.Files.copy(f, bom.resolve(f.getFileName()));
            }
        }
        java.nio.file.Path ped = bom.resolve("am_pedigrees.csv");
        java.nio.file.Files.writeString(ped, "\uFEFF" + java.nio.file.Files.readString(ped));
        assertEquals(DviCase.run(example).solutions().get(0).assignment(), DviCase.run(bom).solutions().get(0)
                .assignment());
    }
}
