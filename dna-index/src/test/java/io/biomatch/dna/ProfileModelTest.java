package io.biomatch.dna;

import static io.biomatch.dna.TestData.assertInvalid;
import static io.biomatch.dna.TestData.csv;
import static io.biomatch.dna.TestData.profile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfileModelTest {
    @Test
    void locusNamesNormalise() {
        assertEquals("vWA", Loci.normalise("VWA"));
        assertEquals("vWA", Loci.normalise("vwa"));
        assertEquals("Penta D", Loci.normalise("PENTA_D"));
        assertEquals("Penta D", Loci.normalise("PentaD"));
        assertEquals("Penta D", Loci.normalise(" penta d "));
        assertEquals("D2S1338", Loci.normalise("d2s1338"));
        assertEquals("AMEL", Loci.normalise("Amelogenin"));
        assertEquals("TH01", Loci.normalise("THO1"));
        assertEquals("FESFPS", Loci.normalise("FES/FPS"));
        assertEquals(-1, Loci.indexOf("D99S999"));
        assertEquals(0, Loci.indexOf("CSF1PO"));
        assertEquals(19, Loci.indexOf("D22S1045"));
        assertTrue(Loci.COUNT <= Loci.MAX);
    }

    @Test
    void allelesParseWithMicrovariantsAndOffLadder() {
        int th01 = Loci.indexOf("TH01");
        assertEquals(Allele.codeOf(9, 3), Allele.parse("9.3", th01));
        assertEquals("9.3", Allele.format(Allele.parse("9.3", th01)));
        assertEquals("2.2", Allele.format(Allele.parse("2.2", th01)));
        assertEquals("50.4", Allele.format(Allele.parse("50.4", th01)));
        assertEquals("13.4", Allele.format(Allele.parse("13.40", th01)));
        assertEquals(Allele.BELOW_LADDER, Allele.parse("<8", th01));
        assertEquals(Allele.ABOVE_LADDER, Allele.parse(">24", th01));
        assertEquals(Allele.OFF_LADDER, Allele.parse("OL", th01));
        assertEquals(Allele.NONE, Allele.parse("-", th01));
        assertEquals(Allele.X, Allele.parse("x", Loci.AMEL));
        assertEquals(Allele.Y, Allele.parse("Y", Loci.AMEL));
        // Codes are ordered by repeat number.
        assertTrue(Allele.parse("9", th01) < Allele.parse("9.3", th01));
        assertTrue(Allele.parse("9.3", th01) < Allele.parse("10", th01));
        for (String bad : List.of("9.35", "abc", "9.", ".3", "9.5", "0", "51", "X", "<", "1e3", "")) {
            assertInvalid(() -> Allele.parse(bad, th01), "TH01");
        }
        assertInvalid(() -> Allele.parse("12", Loci.AMEL), "AMEL");
    }

    @Test
    void homozygotePartialAndMixture() {
        StrProfile p = profile("""
                # a reference
                locus,allele1,allele2
                vWA,14,16
                D3S1358,15,15
                TH01,9.3
                Penta_D,12,-
                AMEL,X,Y
                """);
        int vwa = Loci.indexOf("vWA");
        int d3 = Loci.indexOf("D3S1358");
        int th01 = Loci.indexOf("TH01");
        int pd = Loci.indexOf("Penta D");
        assertEquals(1, p.contributors());
        assertArrayEquals(new int[]{Allele.codeOf(14, 0), Allele.codeOf(16, 0)}, p.alleles(vwa));
        assertEquals(1, p.alleleCount(d3));
        assertFalse(p.isPartial(d3));
        assertTrue(p.isPartial(th01));
        assertTrue(p.isPartial(pd));
        assertEquals(4, p.comparableLoci()); // AMEL does not count
        assertEquals(SpecimenCategory.UNSPECIFIED, p.category());
        // round trip through the format and the template
        StrProfile q = StrCsvFormat.parse(StrCsvFormat.payload(p));
        assertEquals(p, q);
        assertEquals(p, StrProfile.fromTemplate(p.toTemplate()));

        StrProfile mix = StrCsvFormat.parse(csv("S1,vWA,14,15,16,17\nS1,TH01,6,7,9.3\n",
                Map.of("contributors", "2", "category", "forensic unknown")));
        assertTrue(mix.isMixture());
        assertEquals(SpecimenCategory.FORENSIC_UNKNOWN, mix.category());
        assertEquals(4, mix.alleleCount(vwa));
        assertEquals(mix, StrProfile.fromTemplate(mix.toTemplate()));
        // contributors inferred from the largest allele count
        assertEquals(2, profile("vWA,14,15,16\nTH01,6,7").contributors());
        assertEquals(3, profile("vWA;14;15;16;17;18").contributors());
        // "14/16" in one field, quoted fields, LRmix header
        assertEquals(p.alleleCount(vwa), profile("\"vWA\",\"14/16\"").alleleCount(vwa));
        assertEquals(2, profile("SampleName,Marker,Allele1,Allele2\nDNA007,vWA,14,16\n").alleleCount(vwa));
    }

    @Test
    void aByteOrderMarkBeforeTheFirstLocusIsReadPast() {
        // a spreadsheet's UTF-8 export starts with U+FEFF; it made the first row "unknown locus 'CSF1PO'"
        assertEquals(profile("CSF1PO,10,12\nvWA,14,15\n"), profile("\uFEFFCSF1PO,10,12\nvWA,14,15\n"));
    }

    @Test
    void badInputIsInvalid() {
        assertInvalid(() -> profile("D99S1,1,2"), "unknown locus");
        assertInvalid(() -> profile("vWA,14,abc"), "malformed allele");
        assertInvalid(() -> profile("vWA,14,16\nVWA,14,16"), "twice");
        assertInvalid(() -> StrCsvFormat.parse(csv("vWA,14,15,16", Map.of("contributors", "1"))),
                "more than 1 contributor");
        assertInvalid(() -> StrCsvFormat.parse(csv("vWA,14,15", Map.of("contributors", "9"))), "contributors");
        assertInvalid(() -> StrCsvFormat.parse(csv("vWA,14,15", Map.of("category", "cat"))), "category");
        assertInvalid(() -> profile("AMEL,X,Y"), "no typed STR locus");
        assertInvalid(() -> profile("# only a comment\n"), "no locus rows");
        assertInvalid(() -> profile("S1,vWA,14,15\nS2,TH01,6,7"), "one profile");
        assertInvalid(() -> StrCsvFormat.parse(new io.biomatch.core.Payload("str-json", new byte[]{1})), "format");
        assertInvalid(() -> StrCsvFormat.parse(csv("")), "empty");
        assertInvalid(() -> StrProfile.fromTemplate(new byte[]{9, 0, 1, 0}), "corrupt");
        byte[] t = profile("vWA,14,16").toTemplate();
        t[t.length - 1] = t[t.length - 2]; // alleles no longer ascending
        assertInvalid(() -> StrProfile.fromTemplate(t), "corrupt");
        assertInvalid(() -> StrProfile.fromTemplate(java.util.Arrays.copyOf(t, t.length - 1)), "corrupt");
        // a 3-person mixture is a valid probe but cannot be enrolled (4 alleles per locus in the slot)
        DnaModality m = new DnaModality(null);
        assertInvalid(() -> m.extractTemplate(List.of(csv("vWA,14,15,16,17,18", Map.of("contributors", "3")))),
                "at most 4 alleles");
        assertInvalid(() -> m.extractTemplate(List.of()), "exactly one payload");
    }

    @Test
    void categoriesParse() {
        assertEquals(SpecimenCategory.RELATIVE_OF_MISSING_PERSON, SpecimenCategory.parse("Relative_of_missing_person"));
        assertEquals(SpecimenCategory.UNIDENTIFIED_REMAINS, SpecimenCategory.parse("unidentified human remains"));
        assertEquals(SpecimenCategory.MISSING_PERSON, SpecimenCategory.parse("MISSING-PERSON"));
        assertEquals(SpecimenCategory.ARRESTEE, SpecimenCategory.parse("arrestee"));
    }
}
