package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Familias .fam import: every shared file parses; the paternity file's LR matches the duo closed form. */
class FamiliasFileTest {
    private static Path dir() {
        return SharedData.require("dna/familias_fam");
    }

    @Test
    void parsesEverySharedFile() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir())) {
            files = s.filter(p -> p.toString().endsWith(".fam")).sorted().toList();
        }
        assertEquals(8, files.size());
        for (Path f : files) {
            FamiliasFile fam = FamiliasFile.read(f);
            assertTrue(!fam.loci().isEmpty(), f.toString());
            boolean dviFile = Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1).contains("[DVI]");
            assertEquals(dviFile, fam.dvi() != null, f.toString());
            if (fam.dvi() != null) {
                assertTrue(!fam.dvi().families().isEmpty(), f + " has reference families");
                for (FamiliasFile.Family fa : fam.dvi().families()) {
                    assertTrue(!fa.pedigrees().isEmpty(), f + " " + fa.name());
                }
            }
            System.out.println(f.getFileName() + ": " + fam);
        }
        FamiliasFile ex = FamiliasFile.read(dir().resolve("dvir_dvi-example.fam"));
        assertEquals(3, ex.dvi().victimSex().size());
        assertEquals(1, ex.dvi().families().size());
        FamiliasFile.Family fam = ex.dvi().families().get(0);
        assertEquals("Reference family 1", fam.name());
        Pedigree template = fam.pedigrees().get(1).pedigree();
        int m2 = template.indexOf("Missing male 2");
        assertEquals("R", template.id(template.mother(m2)));
        assertEquals("Missing person", template.id(template.father(m2)));
        assertEquals(Pedigree.MALE, template.sex(template.father(m2)));
    }

    /**
     * pedFamilias' paternity.fam: AF (alleged father) and CH typed, MO untyped; H1 = AF and MO are CH's parents,
     * H2 = unrelated. Per locus the LR is the duo paternity index 1/(4p) (shared allele, heterozygous child), 1/(2p)
     * (homozygous child) or 1/(4p_c) + 1/(4p_d) — up to the file's stepwise mutation (male rate 0.002), which makes
     * an inconsistent locus small but non-zero.
     */
    @Test
    void paternityDuoMatchesClosedForm() {
        FamiliasFile f = FamiliasFile.read(dir().resolve("pedFamilias_paternity.fam"));
        assertEquals(List.of("AF", "MO", "CH"), f.persons());
        assertEquals(2, f.pedigrees().size());
        assertEquals("H1", f.pedigrees().get(0).name());
        assertEquals(0.002, f.loci().get(0).male().rate(), 1e-12);
        assertEquals(MutationModel.Kind.STEPWISE, f.loci().get(0).male().kind());
        KinshipCase.Result r = f.evaluate(0, 1);
        Map<String, String[]> af = f.genotypes().get("AF");
        Map<String, String[]> ch = f.genotypes().get("CH");
        int inconsistent = 0;
        for (KinshipCase.LocusLr l : r.loci()) {
            FrequencyTable.Locus fl = f.frequencies().locus(l.locus());
            double sum = 0;
            for (double p : fl.frequencies()) {
                sum += p;
            }
            String[] a = af.get(l.locus());
            String[] c = ch.get(l.locus());
            double pi;
            if (c[0].equals(c[1])) {
                pi = count(a, c[0]) / (2 * fl.frequency(fl.indexOf(c[0])) / sum);
            } else {
                pi = count(a, c[0]) / (4 * fl.frequency(fl.indexOf(c[0])) / sum)
                        + count(a, c[1]) / (4 * fl.frequency(fl.indexOf(c[1])) / sum);
            }
            if (pi == 0) {
                inconsistent++;
                assertTrue(l.lr() > 0 && l.lr() < 0.05, l.locus() + " " + l.lr());
            } else {
                assertEquals(pi, l.lr(), 0.01 * pi, l.locus());
            }
        }
        assertEquals(10, r.loci().size());
        System.out.println(r.toText() + "inconsistent loci: " + inconsistent);
    }

    private static int count(String[] g, String a) {
        return (g[0].equals(a) ? 1 : 0) + (g[1].equals(a) ? 1 : 0);
    }

    @Test
    void everyPedigreeFileEvaluates() {
        for (String name : new String[] {"dvir_Ch4-example-4-8-4.fam", "dvir_Ch4-table-4-4.fam"}) {
            FamiliasFile f = FamiliasFile.read(dir().resolve(name));
            assertNotNull(f.pedigrees());
            if (f.pedigrees().size() >= 2 && !f.genotypes().isEmpty()) {
                KinshipCase.Result r = f.evaluate(0, 1);
                assertTrue(r.totalLr() >= 0 && !Double.isNaN(r.totalLr()), name);
                System.out.println(name + ": " + r.caseId() + " LR " + r.totalLr());
            }
        }
    }

    /** The paternity file with line {@code lineNo} (1-based) replaced, written to {@code dir}. */
    static Path withLine(Path dir, String name, int lineNo, String text) throws Exception {
        return withLines(dir, name, Map.of(lineNo, text));
    }

    /** The paternity file with lines (1-based number -> new text) replaced, written to {@code dir}. */
    static Path withLines(Path dir, String name, Map<Integer, String> replace) throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(dir().resolve("pedFamilias_paternity.fam"),
                java.nio.charset.StandardCharsets.ISO_8859_1));
        replace.forEach((k, v) -> lines.set(k - 1, v));
        Path out = dir.resolve(name);
        Files.write(out, lines, java.nio.charset.StandardCharsets.ISO_8859_1);
        return out;
    }

    static String error(Path file) {
        return assertThrows(EngineException.class, () -> FamiliasFile.read(file).evaluate(0, 1)).getMessage();
    }

    /** Theta is range-checked to [0, 1) as in the JSON reader (1.5 and -0.5 were accepted). */
    @Test
    void thetaOutOfRangeIsRefused(@TempDir Path tmp) throws Exception {
        for (String t : new String[] {"1.5", "-0.5", "1"}) {
            String m = error(withLine(tmp, "t.fam", 103, "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: " + t + " )"));
            assertEquals("t.fam line 103: theta " + t + " must be in [0, 1)", m);
        }
    }

    /** Familias model code 1 (proportional) with rate 0.9 is too high for the file's frequencies: refused. */
    @Test
    void proportionalRateTooHighIsRefused(@TempDir Path tmp) throws Exception {
        // D3S1358: female rate, male rate, female model, male model
        String m = error(withLines(tmp, "p.fam", Map.of(108, "0.9", 109, "0.9", 110, "1", 111, "1")));
        assertTrue(m.contains("proportional mutation rate 0.9 is too high") && m.contains("at most"), m);
    }

    /** Shared file {@code src} with line {@code lineNo} (1-based) replaced by {@code with} (none: deleted). */
    static Path edited(Path dir, String src, int lineNo, String... with) throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(dir().resolve(src),
                java.nio.charset.StandardCharsets.ISO_8859_1));
        lines.remove(lineNo - 1);
        lines.addAll(lineNo - 1, List.of(with));
        Path out = dir.resolve("e.fam");
        Files.write(out, lines, java.nio.charset.StandardCharsets.ISO_8859_1);
        return out;
    }

    static String readError(Path file) {
        return assertThrows(EngineException.class, () -> FamiliasFile.read(file)).getMessage();
    }

    /**
     * Counts are checked before anything is allocated: a negative one gave NegativeArraySizeException, 999999999
     * extra persons an OutOfMemoryError, 999999999 typed loci a 4 GB array.
     */
    @Test
    void corruptCountsGiveALineError(@TempDir Path tmp) throws Exception {
        String pat = "pedFamilias_paternity.fam";
        assertEquals("e.fam line 4: negative person count -1", readError(edited(tmp, pat, 4, "-1")));
        assertTrue(readError(edited(tmp, pat, 85, "999999999")).startsWith(
                "e.fam line 85: extra female count 999999999 is more than the rest of the file"));
        assertTrue(readError(edited(tmp, pat, 11, "999999999")).startsWith(
                "e.fam line 11: typed locus count 999999999 is more than the rest of the file"));
        assertEquals("e.fam line 11: negative typed locus count -2", readError(edited(tmp, pat, 11, "-2")));
    }

    /** A frequency above 1 was clamped to 1, a negative or NaN one skipped as "frequency 0": all refused. */
    @Test
    void frequencyOutsideZeroOneIsRefused(@TempDir Path tmp) throws Exception {
        for (String f : new String[] {"5", "-0.3", "NaN"}) {
            assertEquals("e.fam line 123: frequency " + Double.parseDouble(f)
                    + " of allele 11 at D3S1358 is not in [0, 1]",
                    readError(edited(tmp, "pedFamilias_paternity.fam", 123, f)));
        }
    }

    /** Malformed DVI sections gave NullPointerException / NoSuchElementException or paired the wrong alleles. */
    @Test
    void malformedDviSectionGivesALineError(@TempDir Path tmp) throws Exception {
        String ex = "dvir_dvi-example.fam";
        assertEquals("e.fam line 43: 'Allele1=' without a preceding 'SystemName='", readError(edited(tmp, ex, 43)));
        assertEquals("e.fam line 44: 'Allele2=' without a preceding 'Allele1=' for its locus",
                readError(edited(tmp, ex, 44)));
        // V2's Allele1 deleted: its Allele2 must not be paired with V1's Allele1
        assertEquals("e.fam line 52: 'Allele2=' without a preceding 'Allele1=' for its locus",
                readError(edited(tmp, ex, 52)));
        assertEquals("e.fam line 67: 'Name=' before any family header [[[Family ...]]]",
                readError(edited(tmp, ex, 67)));
        assertEquals("e.fam line 102: 'Parent=' without a following 'Child='",
                readError(edited(tmp, ex, 102, "Parent= R", "Parent= R")));
        assertEquals("e.fam line 103: 'Child=' without a preceding 'Parent='", readError(edited(tmp, ex, 102, "")));
        // the last relation of a pedigree
        assertEquals("e.fam line 106: 'Parent=' without a following 'Child='", readError(edited(tmp, ex, 107)));
    }
}
