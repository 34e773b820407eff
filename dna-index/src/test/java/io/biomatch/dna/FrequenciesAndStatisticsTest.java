package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrequenciesAndStatisticsTest {
    private static final double EPS = 1e-12;

    @Test
    void longCsvWithPopulationAndMinimumFrequency() {
        AlleleFrequencies f = TestData.cauc();
        int csf = Loci.indexOf("CSF1PO");
        int pd = Loci.indexOf("PENTA_D");
        assertEquals(0.2202216066, f.listed(csf, Allele.parse("10", csf)), EPS);
        assertEquals(0.004155124654, f.listed(pd, Allele.parse("2.2", pd)), EPS);
        assertEquals(722, f.sampledAlleles(csf));
        assertEquals(5.0 / 722, f.minFrequency(csf), EPS);
        // a listed rare allele is raised to 5/2N, an unlisted one gets 5/2N
        assertEquals(5.0 / 722, f.frequency(pd, Allele.parse("2.2", pd)), EPS);
        assertEquals(5.0 / 722, f.frequency(csf, Allele.parse("40", csf)), EPS);
        assertEquals(5.0 / 722, f.frequency(csf, Allele.OFF_LADDER), EPS);
        assertTrue(f.hasLocus(Loci.indexOf("SE33")));
        assertTrue(AlleleFrequencies.populations(SharedData.require(AlleleFrequencies.DEFAULT_SHARED_FILE))
                .contains("AfAm"));
        TestData.assertInvalid(() -> AlleleFrequencies.read(
                SharedData.require(AlleleFrequencies.DEFAULT_SHARED_FILE), "Martian"), "no population");
    }

    /**
     * A damaged table (a frequency that is not a number, a short row, a frequency above 1) gives an error naming the
     * file, not a raw exception at the first search, and frequencies outside (0, 1] are refused.
     */
    @Test
    void damagedTablesAreRefusedNamingTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String header = "population,locus,allele,frequency\n";
        String[][] cases = {
                {"Cauc,vWA,14,abc\n", "frequency table t.csv cannot be read: a number cannot be read"},
                {"Cauc,vWA\n", "frequency table t.csv cannot be read: a row has too few fields"},
                {"Cauc,vWA,14,5\n", "vWA allele 14 has frequency 5.0 (must be in (0, 1])"},
                {"Cauc,vWA,14,-0.1\n", "has frequency -0.1 (must be in (0, 1])"}};
        for (String[] c : cases) {
            java.nio.file.Path t = dir.resolve("t.csv");
            java.nio.file.Files.writeString(t, header + "Cauc,vWA,15,0.2\n" + c[0]);
            TestData.assertInvalid(() -> AlleleFrequencies.read(t, "Cauc"), c[1]);
        }
    }

    @Test
    void familiasAndEuroForMixFormats() {
        AlleleFrequencies fam = AlleleFrequencies.read(SharedData.require("dna/frequencies/dvir_codis13.txt"), null);
        int csf = Loci.indexOf("CSF1PO");
        int th01 = Loci.indexOf("TH01");
        assertEquals(0.0008875742, fam.listed(csf, Allele.parse("7", csf)), EPS);
        assertEquals(0.2337050491, fam.listed(th01, Allele.parse("6", th01)), EPS);
        AlleleFrequencies nor = AlleleFrequencies.read(
                SharedData.require("dna/frequencies/norstr_v2023/EuropaDB_v2023.txt"), null);
        int d21 = Loci.indexOf("D21S11");
        assertEquals(0.155467, nor.listed(d21, Allele.parse("28", d21)), EPS);
        AlleleFrequencies ngm = AlleleFrequencies.read(
                SharedData.require("dna/frequencies/euroformix/NGM_Holland.csv"), null);
        assertEquals(0.209832134, ngm.listed(th01, Allele.parse("6", th01)), EPS);
        assertTrue(ngm.hasLocus(Loci.indexOf("vWA")));
        AlleleFrequencies fusion = AlleleFrequencies.read(
                SharedData.require("dna/frequencies/euroformix/Fusion6C_Norway.csv"), null);
        int pe = Loci.indexOf("Penta E");
        assertEquals(0.0736265814902774, fusion.listed(pe, Allele.parse("5", pe)), EPS);
    }

    @Test
    void matchProbabilitiesKnownAnswers() {
        var f410 = MatchStatistics.Formula.NRC2_4_10;
        var f41 = MatchStatistics.Formula.NRC2_4_1;
        // θ = 0: product rule for both formulas
        assertEquals(0.04, MatchStatistics.heterozygote(0.1, 0.2, 0, f410), EPS);
        assertEquals(0.01, MatchStatistics.homozygote(0.1, 0, f410), EPS);
        // NRC II 4.10, θ = 0.01 (hand computed):
        // het 2(0.01 + 0.99*0.1)(0.01 + 0.99*0.2) / (1.01*1.02) = 2*0.109*0.208/1.0302
        assertEquals(0.045344 / 1.0302, MatchStatistics.heterozygote(0.1, 0.2, 0.01, f410), EPS);
        // hom (0.02 + 0.099)(0.03 + 0.099) / 1.0302 = 0.119*0.129/1.0302
        assertEquals(0.015351 / 1.0302, MatchStatistics.homozygote(0.1, 0.01, f410), EPS);
        // NRC II 4.1: p² + p(1−p)θ = 0.01 + 0.0009; het 2pq
        assertEquals(0.0109, MatchStatistics.homozygote(0.1, 0.01, f41), EPS);
        assertEquals(0.04, MatchStatistics.heterozygote(0.1, 0.2, 0.01, f41), EPS);
        assertEquals(0.2, MatchStatistics.partial(0.1), EPS);
        assertEquals(0.49, MatchStatistics.inclusion(0.7), EPS);
    }

    @Test
    void profileRmpFromTable() {
        // A table with round numbers: vWA 14 = 0.1, 16 = 0.2; TH01 9.3 = 0.3; D3S1358 15 = 0.25
        double[][] t = new double[Loci.COUNT][256];
        for (double[] row : t) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        int vwa = Loci.indexOf("vWA");
        int th01 = Loci.indexOf("TH01");
        int d3 = Loci.indexOf("D3S1358");
        t[vwa][Allele.codeOf(14, 0)] = 0.1;
        t[vwa][Allele.codeOf(16, 0)] = 0.2;
        t[th01][Allele.codeOf(9, 3)] = 0.3;
        t[d3][Allele.codeOf(15, 0)] = 0.25;
        AlleleFrequencies f = AlleleFrequencies.of("test", t, null, 0.01);
        StrProfile p = TestData.profile("vWA,14,16\nTH01,9.3\nD3S1358,15,15\n");
        double rmp = MatchStatistics.randomMatchProbability(p, -1, f, 0, MatchStatistics.Formula.NRC2_4_10);
        assertEquals(0.04 * 0.6 * 0.0625, rmp, 1e-15); // 2pq * 2p * p²
        // the probe's weights are -log10 of those, so a full match scores log10(1/RMP)
        DnaModality m = new DnaModality(f);
        DnaProbe probe = m.prepare(p, Map.of("theta", "0"));
        double sum = 0;
        for (float w : probe.weights()) {
            sum += w;
        }
        assertEquals(-Math.log10(rmp), sum, 1e-5);
        assertEquals((float) -Math.log10(rmp), m.compare(probe, p.toTemplate()), 1e-5);
        // real-valued options: range and number checked, a blank value means the default
        TestData.assertInvalid(() -> m.prepare(p, Map.of("theta", "0.3")), "option theta must be a number 0.0..0.25");
        TestData.assertInvalid(() -> m.prepare(p, Map.of("theta", "a lot")), "option theta must be a number");
        assertEquals(m.compare(m.prepare(p, Map.of()), p.toTemplate()),
                m.compare(m.prepare(p, Map.of("theta", " ")), p.toTemplate()));
        // missing frequencies for a probe locus: clear error
        StrProfile other = TestData.profile("vWA,14,16\nFGA,20,21\n");
        TestData.assertInvalid(() -> m.prepare(other, Map.of()), "no allele frequencies for locus FGA");
    }
}
