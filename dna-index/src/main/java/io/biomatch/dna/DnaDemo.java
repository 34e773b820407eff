package io.biomatch.dna;

import io.biomatch.core.spi.DemoSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DNA demo: a reference database of the NIST 1036 genotypes (all 29 loci as typed), a partial crime-scene
 * profile of one person (10 CODIS loci, two of them with one allele lost) searched at moderate stringency, and a
 * two-person mixture (person A complete, person B with drop-out at five loci) ranked by mixture LR.
 */
final class DnaDemo {
    static final int STAIN_PERSON = 100;
    static final int MIX_A = 500;
    static final int MIX_B = 800;

    private DnaDemo() {
    }

    static List<DemoSet> sets(Path sharedData, DnaModality modality) {
        Path file = sharedData.resolve(NistGenotypes.SHARED_FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<NistGenotypes.Person> people = NistGenotypes.read(file, -1);
        List<DemoSet.Entry> gallery = new ArrayList<>(people.size());
        for (NistGenotypes.Person p : people) {
            gallery.add(new DemoSet.Entry(p.sample(), "NIST", Map.of("population", p.population()),
                    List.of(StrCsvFormat.payload(p.profile()))));
        }
        List<DemoSet.Probe> probes = new ArrayList<>();
        NistGenotypes.Person stain = people.get(STAIN_PERSON);
        probes.add(new DemoSet.Probe("partial crime-scene stain (10 loci, 2 with one allele), moderate stringency",
                List.of(StrCsvFormat.payload(crimeScene(stain.profile()))),
                Map.of("stringency", "moderate"), stain.sample()));
        NistGenotypes.Person a = people.get(MIX_A);
        NistGenotypes.Person b = people.get(MIX_B);
        probes.add(new DemoSet.Probe("two-person mixture (second donor with drop-out), mixture LR ranking",
                List.of(StrCsvFormat.payload(mixture(a.profile(), b.profile(), 5))),
                Map.of("mode", "mixture-lr", "dropout", "0.1", "dropin", "0.05", "theta", "0.01"), a.sample()));
        return List.of(new DemoSet("NIST 1036 reference database: partial stain and two-person mixture", gallery,
                probes));
    }

    /** Keeps CODIS loci 0,2,4,...,18 of a profile; the first two kept heterozygous loci lose their second allele. */
    static StrProfile crimeScene(StrProfile p) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        int lost = 0;
        for (int l = 0; l < Loci.CODIS_CORE; l += 2) {
            int n = p.alleleCount(l);
            if (n == 0) {
                continue;
            }
            String x = Allele.format(p.allele(l, 0));
            if (n == 2 && lost < 2) {
                m.put(Loci.name(l), List.of(x, "-"));
                lost++;
            } else {
                m.put(Loci.name(l), List.of(x, n == 2 ? Allele.format(p.allele(l, 1)) : p.isPartial(l) ? "-" : x));
            }
        }
        return StrProfile.of(m, SpecimenCategory.FORENSIC_UNKNOWN, 1);
    }

    /** The union of two profiles' alleles at the CODIS loci; B loses its alleles not shared with A at the first
     * {@code dropLoci} loci (drop-out). */
    static StrProfile mixture(StrProfile a, StrProfile b, int dropLoci) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int l = 0; l < Loci.CODIS_CORE; l++) {
            List<String> s = new ArrayList<>();
            java.util.TreeSet<Integer> codes = new java.util.TreeSet<>();
            for (int i = 0; i < a.alleleCount(l); i++) {
                codes.add(a.allele(l, i));
            }
            if (l >= dropLoci) {
                for (int i = 0; i < b.alleleCount(l); i++) {
                    codes.add(b.allele(l, i));
                }
            }
            if (codes.isEmpty()) {
                continue;
            }
            for (int c : codes) {
                s.add(Allele.format(c));
            }
            m.put(Loci.name(l), s);
        }
        return StrProfile.of(m, SpecimenCategory.FORENSIC_UNKNOWN, 2);
    }
}
