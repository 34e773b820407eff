package io.biomatch.dna.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kinship LRs against closed-form answers. */
class KinshipCaseTest {
    // alleles 8..13 at locus L
    static final double[] P = {0.1, 0.2, 0.3, 0.15, 0.15, 0.1};

    static FrequencyTable freqs() {
        FrequencyTable t = new FrequencyTable();
        for (int i = 0; i < P.length; i++) {
            t.put("L", Integer.toString(8 + i), P[i]);
        }
        return t;
    }

    static double p(int allele) {
        return P[allele - 8];
    }

    static String person(String id, String fid, String mid, int sex) {
        return "{\"id\":\"" + id + "\",\"fid\":\"" + fid + "\",\"mid\":\"" + mid + "\",\"sex\":" + sex + "}";
    }

    static String ped(String... persons) {
        return "[" + String.join(",", persons) + "]";
    }

    static String caseJson(double theta, String mutation, List<String> h1, List<String> h2, Map<String, String> geno) {
        StringBuilder g = new StringBuilder("{");
        geno.forEach((k, v) -> g.append(g.length() > 1 ? "," : "").append("\"").append(k).append("\":{\"L\":\"")
                .append(v).append("\"}"));
        g.append("}");
        return "{\"id\":\"t\",\"theta\":" + theta + ",\"mutation\":" + mutation + ",\"H1_pedigrees\":["
                + String.join(",", h1) + "],\"H2_pedigrees\":[" + String.join(",", h2) + "],\"genotypes\":" + g + "}";
    }

    static double lr(double theta, String mutation, List<String> h1, List<String> h2, Map<String, String> geno) {
        return KinshipCase.run(caseJson(theta, mutation, h1, h2, geno), freqs()).totalLr();
    }

    static final String NONE = "{\"model\":\"none\"}";
    static final List<String> DUO_H1 = List.of(ped(person("AF", "0", "0", 1), person("MO", "0", "0", 2),
            person("CH", "AF", "MO", 1)));
    static final List<String> DUO_H2 = List.of(ped(person("CH", "0", "0", 1)), ped(person("AF", "0", "0", 1)));

    @Test
    void paternityDuo() {
        double lr = lr(0, NONE, DUO_H1, DUO_H2, Map.of("AF", "8/10", "CH", "8/9"));
        assertEquals(1 / (4 * p(8)), lr, 1e-9);
        double hom = lr(0, NONE, DUO_H1, DUO_H2, Map.of("AF", "8/8", "CH", "8/9"));
        assertEquals(1 / (2 * p(8)), hom, 1e-9);
        assertEquals(0, lr(0, NONE, DUO_H1, DUO_H2, Map.of("AF", "10/11", "CH", "8/9")), 0);
    }

    @Test
    void paternityTrio() {
        List<String> h1 = List.of(ped(person("AF", "0", "0", 1), person("MO", "0", "0", 2),
                person("CH", "AF", "MO", 1)));
        List<String> h2 = List.of(ped(person("FA", "0", "0", 1), person("MO", "0", "0", 2),
                person("CH", "FA", "MO", 1)), ped(person("AF", "0", "0", 1)));
        assertEquals(1 / (2 * p(8)), lr(0, NONE, h1, h2, Map.of("AF", "8/10", "MO", "9/11", "CH", "8/9")), 1e-9);
        assertEquals(1 / p(8), lr(0, NONE, h1, h2, Map.of("AF", "8/8", "MO", "9/11", "CH", "8/9")), 1e-9);
        // child a/b, mother a/b: paternal allele a or b
        double pa = p(8);
        double pb = p(9);
        double expected = (0.5 * 0.5 + 0.5 * 0.0) / ((pa + pb) / 2); // AF 8/10: gives 8 w.p. 1/2, mother gives 9 w.p. 1/2
        assertEquals(expected, lr(0, NONE, h1, h2, Map.of("AF", "8/10", "MO", "8/9", "CH", "8/9")), 1e-9);
    }

    static double ibdLr(double k0, double k1, double k2, int a, int b) {
        double pa = p(a);
        double pb = p(b);
        if (a == b) {
            return k0 + k1 / pa + k2 / (pa * pa);
        }
        return k0 + k1 * (pa + pb) / (4 * pa * pb) + k2 / (2 * pa * pb);
    }

    @Test
    void fullAndHalfSiblings() {
        List<String> fs = List.of(ped(person("F", "0", "0", 1), person("M", "0", "0", 2),
                person("S1", "F", "M", 1), person("S2", "F", "M", 2)));
        List<String> hs = List.of(ped(person("F", "0", "0", 1), person("M1", "0", "0", 2),
                person("M2", "0", "0", 2), person("S1", "F", "M1", 1), person("S2", "F", "M2", 2)));
        List<String> un = List.of(ped(person("S1", "0", "0", 1)), ped(person("S2", "0", "0", 2)));
        assertEquals(ibdLr(0.25, 0.5, 0.25, 8, 9), lr(0, NONE, fs, un, Map.of("S1", "8/9", "S2", "8/9")), 1e-9);
        assertEquals(ibdLr(0.25, 0.5, 0.25, 10, 10), lr(0, NONE, fs, un, Map.of("S1", "10/10", "S2", "10/10")), 1e-9);
        assertEquals(ibdLr(0.5, 0.5, 0, 8, 9), lr(0, NONE, hs, un, Map.of("S1", "8/9", "S2", "8/9")), 1e-9);
        // one shared allele: S1 8/9, S2 8/10: k1 * 1/(4 p8) + k0
        assertEquals(0.25 + 0.5 / (4 * p(8)), lr(0, NONE, fs, un, Map.of("S1", "8/9", "S2", "8/10")), 1e-9);
        assertEquals(0.5 + 0.5 / (4 * p(8)), lr(0, NONE, hs, un, Map.of("S1", "8/9", "S2", "8/10")), 1e-9);
    }

    @Test
    void thetaBaldingNichols() {
        for (double theta : new double[] {0.01, 0.03, 0.1}) {
            // H2 in a separate pedigree: theta links only founders of one pedigree
            assertEquals(1 / (4 * p(8) * (1 + theta)),
                    lr(theta, NONE, DUO_H1, DUO_H2, Map.of("AF", "8/10", "CH", "8/9")), 1e-9);
            // H2 with AF and CH as unrelated founders of one pedigree: the classical (1+2θ)/(4(θ+(1-θ)p_a))
            List<String> h2same = List.of(ped(person("CH", "0", "0", 1), person("AF", "0", "0", 1)));
            double expected = (1 + 2 * theta) / (4 * (theta + (1 - theta) * p(8)));
            assertEquals(expected, lr(theta, NONE, DUO_H1, h2same, Map.of("AF", "8/10", "CH", "8/9")), 1e-9);
            // a single founder homozygote against the same person's HW: p(θ + (1-θ)p) / p^2
            FrequencyTable t = freqs();
            double l = KinshipCase.run(caseJson(theta, NONE, List.of(ped(person("X", "0", "0", 1))),
                    List.of(ped(person("X", "0", "0", 1))), Map.of("X", "9/9")), t).loci().get(0).likelihoodH1();
            assertEquals(p(9) * (theta + (1 - theta) * p(9)), l, 1e-12);
        }
    }

    @Test
    void oneStepMismatchWithAndWithoutMutation() {
        Map<String, String> g = Map.of("AF", "10/10", "CH", "11/12");
        assertEquals(0, lr(0, NONE, DUO_H1, DUO_H2, g), 0);
        double r = 0.002;
        // equal: M[a][b] = r/(n-1)
        double eq = lr(0, "{\"model\":\"equal\",\"rate\":" + r + "}", DUO_H1, DUO_H2, g);
        double mab = r / (P.length - 1);
        // equal does not keep the frequencies stationary: the untyped mother passes q_b = p_b (1 - r) + (1 - p_b) mab
        double q11e = p(11) * (1 - r) + (1 - p(11)) * mab;
        double q12e = p(12) * (1 - r) + (1 - p(12)) * mab;
        assertEquals(mab * (q12e + q11e) / (2 * p(11) * p(12)), eq, 1e-12);
        // stepwise (one fractional group): M[a][b] = r * range^|a-b| / sum_{j != a} range^|a-j|
        double range = 0.1;
        double w = 0;
        for (int j = 8; j <= 13; j++) {
            if (j != 10) {
                w += Math.pow(range, Math.abs(j - 10));
            }
        }
        double m11 = r * Math.pow(range, 1) / w;
        double m12 = r * Math.pow(range, 2) / w;
        double sw = lr(0, "{\"model\":\"stepwise\",\"rate\":" + r + ",\"rate2\":0.000001,\"range\":" + range + "}",
                DUO_H1, DUO_H2, g);
        // stepwise does not keep the frequencies stationary: the untyped mother passes q = p M
        double[][] mm = new MutationModel(MutationModel.Kind.STEPWISE, r, 0.000001, range).matrix(P,
                new double[] {8, 9, 10, 11, 12, 13});
        assertEquals(m11, mm[2][3], 1e-15);
        double q11 = 0;
        double q12 = 0;
        for (int x = 0; x < P.length; x++) {
            q11 += P[x] * mm[x][3];
            q12 += P[x] * mm[x][4];
        }
        assertEquals((m11 * q12 + m12 * q11) / (2 * p(11) * p(12)), sw, 1e-12);
        // proportional: a = r / sum p(1-p); M[a][b] = a p_b
        double s = 0;
        for (double x : P) {
            s += x * (1 - x);
        }
        double a = r / s;
        double pr = lr(0, "{\"model\":\"proportional\",\"rate\":" + r + "}", DUO_H1, DUO_H2, g);
        assertEquals((a * p(11) * p(12) + a * p(12) * p(11)) / (2 * p(11) * p(12)), pr, 1e-12);
    }

    @Test
    void maleAndFemaleModelsApart() {
        // a mismatch through the mother only counts the female rate
        List<String> h1 = List.of(ped(person("FA", "0", "0", 1), person("MO", "0", "0", 2),
                person("CH", "FA", "MO", 1)));
        List<String> h2 = List.of(ped(person("CH", "0", "0", 1)), ped(person("MO", "0", "0", 2)));
        String mu = "{\"male\":{\"model\":\"none\"},\"female\":{\"model\":\"equal\",\"rate\":0.01}}";
        double lr = lr(0, mu, h1, h2, Map.of("MO", "10/10", "CH", "11/12"));
        double m = 0.01 / 5;
        assertEquals(m * (p(12) + p(11)) / (2 * p(11) * p(12)), lr, 1e-12);
    }

    @Test
    void partialGenotypeAndInbreedingLoop() {
        FrequencyTable t = freqs();
        double l = KinshipCase.run(caseJson(0, NONE, List.of(ped(person("X", "0", "0", 1))),
                List.of(ped(person("X", "0", "0", 1))), Map.of("X", "9/-")), t).loci().get(0).likelihoodH1();
        assertEquals(1 - (1 - p(9)) * (1 - p(9)), l, 1e-12);
        // child of first cousins (a marriage loop): P(aa) = F p + (1 - F) p^2 with F = 1/16
        String loop = ped(person("GF", "0", "0", 1), person("GM", "0", "0", 2), person("S1", "GF", "GM", 1),
                person("S2", "GF", "GM", 2), person("W1", "0", "0", 2), person("H2", "0", "0", 1),
                person("C1", "S1", "W1", 1), person("C2", "H2", "S2", 2), person("X", "C1", "C2", 1));
        double li = KinshipCase.run(caseJson(0, NONE, List.of(loop), List.of(ped(person("X", "0", "0", 1))),
                Map.of("X", "9/9")), t).totalLr();
        double f = 1.0 / 16;
        assertEquals((f * p(9) + (1 - f) * p(9) * p(9)) / (p(9) * p(9)), li, 1e-12);
    }

    @Test
    void exampleCaseRuns() {
        var r = KinshipCase.run(SharedData.require("dna/kinship_case_example.json"),
                SharedData.require("dna/frequencies/nist1036_cauc_core20_renormalised.csv"));
        assertEquals(20, r.loci().size());
        assertTrue(r.totalLr() > 1e6, r.toText());
        for (var l : r.loci()) {
            assertTrue(l.lr() > 0 && Double.isFinite(l.lr()), l.locus());
        }
        // FGA: AF untyped, so the LR is 1
        assertEquals(1.0, r.loci().stream().filter(x -> x.locus().equals("FGA")).findFirst().orElseThrow().lr(), 1e-9);
    }

    @Test
    void badInput() {
        Map<String, String> g = Map.of("AF", "8/10", "CH", "8/9");
        assertInvalid(() -> lr(0, NONE, List.of(ped(person("A", "B", "C", 1), person("B", "A", "C", 1),
                person("C", "0", "0", 2), person("AF", "0", "0", 1), person("CH", "0", "0", 1))), DUO_H2, g), "cycle");
        assertInvalid(() -> lr(0, NONE, List.of(ped(person("AF", "0", "0", 1), person("CH", "AF", "ZZ", 1))),
                DUO_H2, g), "unknown parent");
        assertInvalid(() -> lr(0, NONE, List.of(ped(person("AF", "0", "0", 2), person("MO", "0", "0", 2),
                person("CH", "AF", "MO", 1))), DUO_H2, g), "female");
        assertInvalid(() -> lr(0, NONE, List.of(ped(person("AF", "0", "0", 1), person("MO", "0", "0", 1),
                person("CH", "AF", "MO", 1))), DUO_H2, g), "male");
        String json = caseJson(0, NONE, DUO_H1, DUO_H2, g).replace("\"L\"", "\"D99S9\"");
        assertInvalid(() -> KinshipCase.run(json, freqs()), "no allele frequencies");
        // an allele missing from the table: minimum frequency and a warning
        var r = KinshipCase.run(caseJson(0, NONE, DUO_H1, DUO_H2, Map.of("AF", "8/30", "CH", "30/9")), freqs());
        assertEquals(1 / (4 * 0.1 / 1.1), r.totalLr(), 1e-9); // the locus is renormalised after the addition
        assertTrue(r.warnings().get(0).contains("minimum frequency"), r.warnings().toString());
    }

    static void assertInvalid(org.junit.jupiter.api.function.Executable e, String fragment) {
        EngineException x = assertThrows(EngineException.class, e);
        assertTrue(x.getMessage().contains(fragment), x.getMessage());
    }

    /**
     * A child allele far from every other allele (400 at an STR locus): the stepwise weights range^|d| all underflow
     * to 0 for its row, which gave 0/0 = NaN. The LR must be finite and equal the direct computation: the father's
     * transmission to 400 is negligible (range^390), so LR = P(father transmits 8) (1 - r) / (2 p8).
     */
    @Test
    void stepwiseFarAlleleGivesTheDirectLr() {
        FrequencyTable t = new FrequencyTable();
        double[] q = {0.1, 0.2, 0.3, 0.15, 0.15, 0.05};
        for (int i = 0; i < q.length; i++) {
            t.put("L", Integer.toString(8 + i), q[i]);
        }
        t.put("L", "400", 0.05);
        double r = 0.01;
        double g = 0.1;
        String step = "{\"model\":\"stepwise\",\"rate\":" + r + ",\"rate2\":0,\"range\":" + g + "}";
        double lr = KinshipCase.run(caseJson(0, step, DUO_H1, DUO_H2, Map.of("AF", "8/10", "CH", "8/400")), t)
                .totalLr();
        // from 10: neighbours 8..13 at distances 2, 1, 1, 2, 3 (400 negligible)
        double m10to8 = r * g * g / (2 * g + 2 * g * g + g * g * g);
        double fatherGives8 = 0.5 * ((1 - r) + m10to8);
        double expected = fatherGives8 * (1 - r) / (2 * 0.1);
        assertTrue(Double.isFinite(lr), "LR " + lr);
        assertEquals(expected, lr, 1e-9 * expected);
    }

    /**
     * The proportional model's diagonal 1 - a (1 - p_i), a = rate / sum p (1 - p), goes negative above
     * rate = sum p (1 - p) / (1 - min p) (here 0.805 / 0.9): the likelihoods went negative. Refused as pedmut does.
     */
    @Test
    void proportionalRateTooHighForTheFrequenciesIsRefused() {
        String high = "{\"model\":\"proportional\",\"rate\":0.9}";
        EngineException e = assertThrows(EngineException.class,
                () -> lr(0, high, DUO_H1, DUO_H2, Map.of("AF", "8/10", "CH", "8/9")));
        assertTrue(e.getMessage().contains("too high") && e.getMessage().contains("locus L")
                && e.getMessage().contains("at most 0.894444"), e.getMessage());
        double ok = lr(0, "{\"model\":\"proportional\",\"rate\":0.89}", DUO_H1, DUO_H2,
                Map.of("AF", "8/10", "CH", "8/9"));
        assertTrue(ok > 0 && Double.isFinite(ok), "LR " + ok);
    }

    static String caseError(String json) {
        return assertThrows(EngineException.class, () -> KinshipCase.run(json, freqs())).getMessage();
    }

    /**
     * Malformed case files give a clear INVALID_INPUT: 100,000 '[' overflowed the stack, a trailing backslash threw
     * StringIndexOutOfBoundsException, a bad \\u escape a NumberFormatException, {"male": "equal"} a
     * ClassCastException, and "mutation": "equal" was silently read as no mutation.
     */
    @Test
    void malformedCaseJsonIsRefusedClearly() {
        assertTrue(caseError("[".repeat(100_000)).contains("nested deeper than 64 levels"));
        assertTrue(caseError("[".repeat(64) + "]".repeat(64)).contains("a kinship case is a JSON object"));
        assertEquals("malformed JSON at character 11: unterminated string", caseError("{\"id\": \"ab\\"));
        for (String bad : new String[] {"{\"id\": \"\\uZZZZ\"}", "{\"id\": \"\\u12\"}"}) {
            assertTrue(caseError(bad).contains("\\u must be followed by 4 hexadecimal digits"), caseError(bad));
        }
        Map<String, String> geno = Map.of("AF", "8/10", "CH", "8/9");
        assertEquals("\u00e9", KinshipCase.run(caseJson(0, NONE, DUO_H1, DUO_H2, geno)
                .replace("\"id\":\"t\"", "\"id\":\"\\u00e9\""), freqs()).caseId());
        assertTrue(caseError(caseJson(0, "{\"male\":\"equal\"}", DUO_H1, DUO_H2, geno))
                .contains("mutation.male must be an object"));
        assertTrue(caseError(caseJson(0, "\"equal\"", DUO_H1, DUO_H2, geno)).startsWith("mutation must be an object"));
    }

    /**
     * "1e999999999" threw ArithmeticException in BigDecimal.setScale and "1e-999999999" took 20 s and 5 GB: allele
     * names starting with a digit must be plain decimals, checked before any BigDecimal work.
     */
    @Test
    void hugeExponentAlleleNamesAreRefused(@TempDir Path tmp) throws Exception {
        for (String a : new String[] {"1e999999999", "1e-999999999", "1234567890123", "9.3.1"}) {
            long t0 = System.nanoTime();
            String m = caseError(caseJson(0, NONE, DUO_H1, DUO_H2, Map.of("AF", "8/10", "CH", "8/" + a)));
            assertTrue(m.startsWith("genotype of 'CH' at L: allele '" + a + "' is not a plain decimal"), m);
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused at once");
            Path f = tmp.resolve("f.csv");
            Files.writeString(f, "locus,allele,frequency\nL,9,0.5\nL," + a + ",0.5\n");
            m = assertThrows(EngineException.class, () -> FrequencyTable.readCsv(f)).getMessage();
            assertTrue(m.startsWith("f.csv line 3: allele '" + a + "' is not a plain decimal"), m);
        }
        assertEquals("9.3", FrequencyTable.normaliseAllele("09.30"));
        assertEquals("OL", FrequencyTable.normaliseAllele("OL"));
    }

    /** 20,000 alleles at one locus in a frequency file ran out of memory in the n x n mutation matrix: refused. */
    @Test
    void tooManyAllelesAtALocusAreRefused(@TempDir Path tmp) throws Exception {
        StringBuilder b = new StringBuilder("locus,allele,frequency\n");
        for (int a = 1; a <= 20_000; a++) {
            b.append("L,").append(a).append(",0.00005\n");
        }
        Path f = tmp.resolve("many.csv");
        Files.writeString(f, b.toString());
        String m = assertThrows(EngineException.class, () -> FrequencyTable.readCsv(f)).getMessage();
        assertEquals("many.csv line 202: locus L has more than 200 alleles (real STR loci have well under 100)", m);
        // the limit also holds for alleles added from the genotypes (unseen in the table)
        FrequencyTable t = new FrequencyTable();
        for (int a = 1; a <= 200; a++) {
            t.put("L", Integer.toString(a), 0.005);
        }
        assertThrows(EngineException.class, () -> t.alleleIndex("L", "201"));
    }
}
