package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SmartRank's database-search regression cases (shared data {@code dna/mixtures/smartrank_validation}), all seven
 * reproduced.
 *
 * <p>FOEC…, SMARTRANK-27, -42 and -49 (H<sub>p</sub> = candidate + 1 unknown, H<sub>d</sub> = 2 unknowns, drop-out
 * 0.03, drop-in 0.05, θ 0.01) run through {@link DnaModality#prepare} and the packed kernel over the case's database:
 * with {@code model=smartrank} the candidates above LR 1000 are the expected ones, in order, each LR within relative
 * {@value #SMARTRANK_TOLERANCE} (the expected files give 5 significant digits; the kernel sums float log10 tables;
 * observed ≤ 3e-5). The default {@code model=lrmix} (LRmix Studio, reproduced to 1e-6 in {@link LrmixValidationTest})
 * ranks the same candidates but its LRs are lower (e.g. 3.33e15 vs 1.28e17): SmartRank lets unknowns carry only trace
 * alleles under H<sub>p</sub>, computes H<sub>d</sub> once without conditioning θ on the candidate, and gives the
 * lumped non-trace allele the sum of the remaining listed frequencies (see
 * {@link MixtureLikelihood#smartRankLikelihood}); checked only to {@value #LOG10_TOLERANCE} orders of magnitude.
 * Invalid database rows (a malformed allele in -42, an empty profile in -49) are skipped, as SmartRank skips them.
 *
 * <p>SMARTRANK-210 (known donor at drop-out 0, unknowns without drop-out), -234 (unknowns without drop-out) and -261
 * (trace, known and hypotheses in the search-criteria XML) go through {@link SmartRankSearch}; 234 also through the
 * kernel with {@code dropout_unknowns=0}.
 */
class SmartRankValidationTest {
    static final String DIR = "dna/mixtures/smartrank_validation";
    /** model=lrmix against SmartRank's values: the ranked ids must be equal, LRs within this many orders. */
    static final double LOG10_TOLERANCE = 2.0;
    /** model=smartrank: relative tolerance on each expected LR (given to 5 significant digits). */
    static final double SMARTRANK_TOLERANCE = 1e-4;

    record Expected(String id, double lr) {
    }

    static List<Expected> expected(Path file) throws IOException {
        List<Expected> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            String[] f = s.split("\\s+");
            out.add(new Expected(f[0], Double.parseDouble(f[1])));
        }
        return out;
    }

    private static void searchCase(String name, String database, String sample, double rare) throws IOException {
        searchCase(name, database, sample, rare, "smartrank", SMARTRANK_TOLERANCE);
        searchCase(name, database, sample, rare, "lrmix", Double.NaN);
    }

    private static void searchCase(String name, String database, String sample, double rare, String model,
                                   double relTol) throws IOException {
        Path root = SharedData.require(DIR);
        AlleleFrequencies freqs = AlleleFrequencies.readStrBaseXml(root.resolve("str_base_validation_file.xml"), rare);
        List<String> skipped = new ArrayList<>();
        Map<String, StrProfile> db = SmartRankFiles.readDatabase(root.resolve(database), skipped);
        var reps = SmartRankFiles.readReplicates(root.resolve(sample));
        assertEquals(1, reps.size());
        StrProfile trace = SmartRankFiles.mixture(reps.values().iterator().next(), 2);
        DnaModality m = new DnaModality(freqs);
        DnaProbe probe = m.prepare(trace, Map.of("mode", "mixture-lr", "dropout", "0.03", "dropin", "0.05",
                "theta", "0.01", "model", model));
        List<String> ids = new ArrayList<>(db.keySet());
        List<Expected> got = new ArrayList<>();
        try (PackedGallery g = new PackedGallery(ids.size())) {
            for (String id : ids) {
                g.add(db.get(id));
            }
            float[] s = new float[ids.size()];
            int[] o = new int[ids.size()];
            int n = g.search(probe, ids.size(), 0, ids.size(), s, o);
            for (int i = 0; i < n; i++) {
                if (s[i] > 3) { // SmartRank's threshold LR 1000
                    got.add(new Expected(ids.get(o[i]), Math.pow(10, s[i])));
                }
            }
        }
        List<Expected> want = expected(root.resolve(name + "-expectedresults.txt"));
        System.out.println("SmartRank " + name + " model=" + model + ": expected " + want + ", got " + got);
        assertEquals(want.stream().map(Expected::id).toList(), got.stream().map(Expected::id).toList(), name);
        for (int i = 0; i < want.size(); i++) {
            double g = got.get(i).lr();
            double w = want.get(i).lr();
            if (Double.isNaN(relTol)) {
                assertTrue(Math.abs(Math.log10(g / w)) < LOG10_TOLERANCE, name + " " + want.get(i).id() + ": LR "
                        + g + " vs " + w);
            } else {
                assertEquals(w, g, relTol * w, name + " " + want.get(i).id() + " model=" + model);
            }
        }
    }

    @Test
    void foec() throws IOException {
        searchCase("FOEC0000BE#08-GBCX0000LU#09", "database_codis_generated_100.csv",
                "FOEC0000BE#08-GBCX0000LU#09.csv", 0.0003);
    }

    @Test
    void smartrank27() throws IOException {
        searchCase("SMARTRANK-27", "SMARTRANK-27-database.csv", "SMARTRANK-27-sample.csv", 0.0001);
    }

    @Test
    void smartrank42() throws IOException {
        searchCase("SMARTRANK-42", "SMARTRANK-42-database.csv", "SMARTRANK-42-sample.csv", 0.0001);
    }

    @Test
    void smartrank49() throws IOException {
        searchCase("SMARTRANK-49", "SMARTRANK-49-database.csv", "SMARTRANK-49-sample.csv", 0.0001);
    }

    private static SmartRankSearch.Criteria criteria(Path root, String name, boolean withKnown, double hpUnknownDropout,
                                                    double hdUnknownDropout) {
        Map<String, List<String>> trace = SmartRankFiles.readReplicates(root.resolve(name + "-sample.csv"))
                .values().iterator().next();
        List<SmartRankSearch.Known> knowns = new ArrayList<>();
        Map<String, Double> contributors = new LinkedHashMap<>();
        if (withKnown) {
            var k = SmartRankFiles.readReplicates(root.resolve(name + "-known.csv")).entrySet().iterator().next();
            knowns.add(new SmartRankSearch.Known(k.getKey(), k.getValue()));
            contributors.put(k.getKey(), 0.0);
        }
        return new SmartRankSearch.Criteria(List.of(trace), knowns, contributors, contributors, 1, hpUnknownDropout, 2,
                hdUnknownDropout, 0.03, 0.05, 0.01, 0.0001, 1000);
    }

    /** Without known donors {@link SmartRankSearch} is the kernel's model=smartrank: same LRs. */
    @Test
    void searchEqualsKernelWithoutKnowns() throws IOException {
        Path root = SharedData.require(DIR);
        AlleleFrequencies freqs = AlleleFrequencies.readStrBaseXml(root.resolve("str_base_validation_file.xml"),
                0.0001);
        SmartRankSearch s = new SmartRankSearch(criteria(root, "SMARTRANK-27", false, 0.03, 0.03), freqs);
        Map<String, Double> got = s.search(SmartRankFiles.readDatabase(root.resolve("SMARTRANK-27-database.csv")),
                1000);
        List<Expected> want = expected(root.resolve("SMARTRANK-27-expectedresults.txt"));
        assertEquals(want.stream().map(Expected::id).toList(), List.copyOf(got.keySet()));
        for (Expected e : want) {
            assertEquals(e.lr(), got.get(e.id()), SMARTRANK_TOLERANCE * e.lr(), e.id());
        }
    }

    /**
     * SMARTRANK-234: unknowns without drop-out, candidate drop-out 0.03; no candidate above 1000, through the kernel
     * ({@code dropout_unknowns=0}) and through {@link SmartRankSearch}.
     */
    @Test
    void smartrank234NoResults() throws IOException {
        Path root = SharedData.require(DIR);
        AlleleFrequencies freqs = AlleleFrequencies.readStrBaseXml(root.resolve("str_base_validation_file.xml"),
                0.0001);
        assertTrue(expected(root.resolve("SMARTRANK-234-expectedresults.txt")).isEmpty());
        Map<String, StrProfile> db = SmartRankFiles.readDatabase(root.resolve("SMARTRANK-234-database.csv"));
        SmartRankSearch s = new SmartRankSearch(criteria(root, "SMARTRANK-234", false, 0, 0), freqs);
        assertEquals(Map.of(), s.search(db, 1000));
        StrProfile trace = SmartRankFiles.mixture(SmartRankFiles.readReplicates(root.resolve(
                "SMARTRANK-234-sample.csv")).values().iterator().next(), 2);
        DnaProbe probe = new DnaModality(freqs).prepare(trace, Map.of("mode", "mixture-lr", "dropout", "0.03",
                "dropout_unknowns", "0", "dropin", "0.05", "theta", "0.01", "model", "smartrank"));
        List<String> ids = new ArrayList<>(db.keySet());
        try (PackedGallery g = new PackedGallery(ids.size())) {
            for (String id : ids) {
                g.add(db.get(id));
            }
            float[] sc = new float[ids.size()];
            int[] o = new int[ids.size()];
            int n = g.search(probe, ids.size(), 0, ids.size(), sc, o);
            for (int i = 0; i < n; i++) {
                assertTrue(!(sc[i] > 3), "SMARTRANK-234 " + ids.get(o[i]) + " log10 LR " + sc[i]);
            }
        }
    }

    /**
     * SMARTRANK-210: known donor with drop-out 0 under both hypotheses, unknowns without drop-out. The known's TH01
     * allele 9.2 is not in the trace, so Pr(E|Hp) = Pr(E|Hd) = 0 there and every candidate typed at TH01 gets LR NaN
     * (SmartRank: 0/0), hence "no results".
     */
    @Test
    void smartrank210NoResults() throws IOException {
        Path root = SharedData.require(DIR);
        AlleleFrequencies freqs = AlleleFrequencies.readStrBaseXml(root.resolve("str_base_validation_file.xml"),
                0.0001);
        assertTrue(expected(root.resolve("SMARTRANK-210-expectedresults.txt")).isEmpty());
        Map<String, StrProfile> db = SmartRankFiles.readDatabase(root.resolve("SMARTRANK-210-database.csv"));
        SmartRankSearch s = new SmartRankSearch(criteria(root, "SMARTRANK-210", true, 0, 0), freqs);
        assertTrue(s.loci().contains("TH01"));
        assertEquals(Map.of(), s.search(db, 1000));
        for (StrProfile p : db.values()) {
            if (p.alleleCount(Loci.require("TH01")) > 0) {
                assertTrue(Double.isNaN(s.log10Lr(p)));
            }
        }
    }

    /**
     * SMARTRANK-261: trace, known donor and hypotheses from the search-criteria XML; the known lacks VWA and has an
     * empty TH01, so those loci are disabled (the expected file lists the loci used), and its SE33 has one allele.
     */
    @Test
    void smartrank261FromSearchCriteria() throws IOException {
        Path root = SharedData.require(DIR);
        SmartRankSearch.Criteria c = SmartRankFiles.readCriteria(root.resolve("SMARTRANK-261-SearchCriteria.xml"));
        assertEquals(1, c.knowns().size());
        AlleleFrequencies freqs = AlleleFrequencies.readStrBaseXml(root.resolve("str_base_validation_file.xml"),
                c.rareAlleleFrequency());
        SmartRankSearch s = new SmartRankSearch(c, freqs);
        Map<String, Double> got = s.search(SmartRankFiles.readDatabase(root.resolve("SMARTRANK-261-database.csv")),
                c.lrThreshold());
        List<String> lines = Files.readAllLines(root.resolve("SMARTRANK-261-expectedresults.txt")).stream()
                .filter(x -> !x.isBlank() && !x.startsWith("#")).toList();
        System.out.println("SmartRank SMARTRANK-261: expected " + lines + ", got " + got + " on " + s.loci());
        assertEquals(lines.stream().map(x -> x.split("\\s+")[0]).toList(), List.copyOf(got.keySet()));
        for (String line : lines) {
            String[] f = line.split("\\s+");
            double want = Double.parseDouble(f[1]);
            assertEquals(want, got.get(f[0]), SMARTRANK_TOLERANCE * want, f[0]);
            assertEquals(new java.util.TreeSet<>(List.of(f[2].split(","))), new java.util.TreeSet<>(s.loci()));
        }
    }

    @Test
    void badModelOptions() {
        assertThrows(io.biomatch.core.EngineException.class, () -> DnaSearchOptions.parse(Map.of("mode", "mixture-lr",
                "model", "euroformix"), 10, true));
        assertThrows(io.biomatch.core.EngineException.class, () -> DnaSearchOptions.parse(Map.of("model", "smartrank"),
                10, true));
        assertThrows(io.biomatch.core.EngineException.class, () -> DnaSearchOptions.parse(Map.of("mode", "mixture-lr",
                "dropout_unknowns", "1.5"), 10, true));
        assertEquals(DnaSearchOptions.MixtureModel.LRMIX, DnaSearchOptions.parse(Map.of("mode", "mixture-lr"), 10,
                true).model());
    }

    /**
     * Criteria numbers out of range are refused by the reader: Unknowns count -3 recursed into a StackOverflowError,
     * candidateDropout NaN passed the "d < 0 || d > 0.99" test, Theta -5 / NaN and Dropin 7 were not checked, and
     * a negative RareAlleleFrequency was accepted.
     */
    @Test
    void criteriaOutOfRangeAreRefused(@TempDir Path tmp) throws IOException {
        String xml = Files.readString(SharedData.require(DIR).resolve("SMARTRANK-210-SearchCriteria.xml"));
        // {text in the file, replacement, message}
        List<String[]> all = List.of(
                new String[] {"<Unknowns count=\"2\"", "<Unknowns count=\"-3\"", "HD Unknowns count must be 0..3"},
                new String[] {"<Unknowns count=\"1\"", "<Unknowns count=\"4\"", "HP Unknowns count must be 0..3"},
                new String[] {"candidateDropout=\"0.03\"", "candidateDropout=\"NaN\"", "drop-out must be 0..0.99"},
                new String[] {"<Theta>0.01<", "<Theta>-5<", "Theta must be in [0, 1)"},
                new String[] {"<Theta>0.01<", "<Theta>NaN<", "Theta must be in [0, 1)"},
                new String[] {"<Dropin>0.05<", "<Dropin>7<", "Dropin must be in [0, 1)"},
                new String[] {"<RareAlleleFrequency>0.0001<", "<RareAlleleFrequency>-0.0001<",
                    "RareAlleleFrequency must be in (0, 1]"});
        for (String[] c : all) {
            assertTrue(xml.contains(c[0]), c[0]);
            Path f = tmp.resolve("c.xml");
            Files.writeString(f, xml.replace(c[0], c[1]));
            String m = assertThrows(io.biomatch.core.EngineException.class, () -> SmartRankFiles.readCriteria(f),
                    c[1]).getMessage();
            assertEquals("c.xml: " + c[2], m);
        }
        Path ok = tmp.resolve("ok.xml");
        Files.writeString(ok, xml);
        assertEquals(0.01, SmartRankFiles.readCriteria(ok).theta(), 0);
    }
}
