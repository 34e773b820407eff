package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import io.biomatch.core.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DVI straight from the {@code [DVI]} section of Familias {@code .fam} files. */
class DviFamiliasTest {
    static DviCase.Result runFam(String file) {
        Path p = SharedData.require("dna/familias_fam/" + file);
        return DviCase.run(DviData.fromFamilias(FamiliasFile.read(p)), file);
    }

    /**
     * dvi-example: one locus (alleles 1, 2, 3 at 0.05, 0.05, 0.9), reference R = 1/1 (female) with missing sons:
     * MM1 unrelated to R, MM2 her son (other parent untyped), MM3 her grandson through MM2. Closed forms:
     * child of a 1/1 mother: P(1/1) = p1, P(1/2) = p2, P(2/2) = 0; grandchild: half that plus half the
     * population probability.
     */
    @Test
    void dviExamplePairwiseLrsEqualClosedForms() {
        DviCase.Result r = runFam("dvir_dvi-example.fam");
        assertEquals(3, r.victims(), r.toText());
        // connected "Missing..." members: MM2, MM3 and "Missing person" (MM2's other parent); MM1 is unconnected
        assertEquals(3, r.missingPersons(), r.toText());
        assertTrue(r.pairwise().stream().noneMatch(p -> p.missing().equals("Missing male 1")), r.toText());
        double p1 = 0.05;
        double p2 = 0.05;
        assertLr(r, "V1", "Missing male 2", p1 / (p1 * p1));
        assertLr(r, "V3", "Missing male 2", p2 / (2 * p1 * p2));
        assertLr(r, "V2", "Missing male 2", 0);
        assertLr(r, "V1", "Missing male 3", (0.5 * p1 + 0.5 * p1 * p1) / (p1 * p1));
        assertLr(r, "V2", "Missing male 3", 0.5);
        assertLr(r, "V3", "Missing male 3", (0.5 * p2 + 0.5 * 2 * p1 * p2) / (2 * p1 * p2));
        for (String v : List.of("V1", "V2", "V3")) {
            assertLr(r, v, "Missing person", 1); // unrelated to R, its child untyped
        }
    }

    private static void assertLr(DviCase.Result r, String victim, String missing, double expected) {
        double got = r.pairwise().stream().filter(p -> p.victim().equals(victim) && p.missing().equals(missing))
                .findFirst().orElseThrow(() -> new AssertionError("no pair " + victim + "/" + missing + "\n" + r.toText()))
                .lr();
        assertEquals(expected, got, 1e-9 * Math.max(1, expected), victim + " as " + missing + "\n" + r.toText());
    }

    /**
     * exclusionExample exists twice in the shared data: as dvir's Familias file (real sample names, families
     * 0108 ... 1120) and as the dvir export folder (V1..V16, F1..F15 in the same order). Every pairwise LR must
     * agree, except for the two families whose missing person has no children (F7, F14): Familias gives no sex
     * for it, the export says female (so LR 0 against the male victims), this reader keeps it unknown.
     */
    @Test
    void exclusionExampleFromFamEqualsTheFolderExport() {
        DviData famData = DviData.fromFamilias(FamiliasFile.read(SharedData.require("dna/familias_fam/dvir_exclusionExample.fam")));
        DviCase.Result fam = DviCase.run(famData, "fam");
        DviCase.Result dir = DviCase.run(SharedData.require("dna/dvi/exclusionExample"));
        assertEquals(16, fam.victims());
        assertEquals(dir.victims(), fam.victims());
        assertEquals(dir.missingPersons(), fam.missingPersons());
        int compared = 0;
        java.util.Set<String> unknownSex = new java.util.TreeSet<>();
        for (DviCase.Pair d : dir.pairwise()) {
            int v = Integer.parseInt(d.victim().substring(1)) - 1;
            int f = Integer.parseInt(d.family().substring(1)) - 1;
            DviData.Family family = famData.families().get(f);
            String victim = famData.victims().get(v).id();
            DviCase.Pair ours = fam.pairwise().stream()
                    .filter(p -> p.victim().equals(victim) && p.family().equals(family.name())).findFirst().orElseThrow();
            if (family.matchSex(family.missing()[0]) == 0) {
                unknownSex.add(d.family());
                continue;
            }
            assertEquals(d.log10Lr(), ours.log10Lr(), 1e-6, d + " vs " + ours);
            compared++;
        }
        assertEquals(java.util.Set.of("F7", "F14"), unknownSex);
        assertEquals(16 * 13, compared);
    }

    /**
     * dvir's Solution3_3.fam is the planecrash case (Egeland, Kling, Mostad 2015, exercise 3.3) of the dvir export
     * folder: victims PM1..PM8 = V1..V8, the "Missing person" of Family f = Mf. Every pairwise LR and the
     * published undisputed identifications (M2=V6, M3=V2, M5=V4) must come out the same from both.
     */
    @Test
    void planecrashFromFamEqualsTheFolderExport() {
        DviCase.Result fam = runFam("dvir_Solution3_3.fam");
        DviCase.Result dir = DviCase.run(SharedData.require("dna/dvi/planecrash"));
        assertEquals(dir.pairwise().size(), fam.pairwise().size());
        for (DviCase.Pair d : dir.pairwise()) {
            String victim = "PM" + d.victim().substring(1);
            String missing = "Missing person (Family " + d.missing().substring(1) + ")";
            DviCase.Pair ours = fam.pairwise().stream().filter(p -> p.victim().equals(victim) && p.missing().equals(missing))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + victim + "/" + missing + "\n" + fam.toText()));
            assertEquals(d.log10Lr(), ours.log10Lr(), 1e-9, d + " vs " + ours);
            assertEquals(d.inconsistentLoci(), ours.inconsistentLoci(), d + " vs " + ours);
        }
        java.util.Map<String, String> undisputed = new java.util.TreeMap<>();
        fam.undisputed().forEach(u -> undisputed.put(u.victim(), u.missing()));
        assertEquals(java.util.Map.of("PM6", "Missing person (Family 2)", "PM2", "Missing person (Family 3)",
                "PM4", "Missing person (Family 5)"), undisputed);
    }

    @Test
    void aFileWithoutDviSectionIsRejected() {
        EngineException e = assertThrows(EngineException.class,
                () -> DviData.fromFamilias(FamiliasFile.read(SharedData.require("dna/familias_fam/pedFamilias_paternity.fam"))));
        assertTrue(e.getMessage().contains("[DVI]"), e.getMessage());
    }

    @Test
    void truncatedFileGivesAClearError(@TempDir Path tmp) throws Exception {
        Path src = SharedData.require("dna/familias_fam/dvir_dvi-example.fam");
        byte[] all = Files.readAllBytes(src);
        Path cut = tmp.resolve("cut.fam");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 3));
        EngineException e = assertThrows(EngineException.class, () -> DviData.fromFamilias(FamiliasFile.read(cut)));
        assertEquals(EngineException.Reason.INVALID_INPUT, e.reason(), e.getMessage());
    }
}
