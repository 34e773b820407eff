package io.biomatch.dna;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader of the NIST 1036 genotype table ({@code sample,population,<LOCUS>_1,<LOCUS>_2,...}; an empty cell is an
 * allele not typed). Each row becomes an offender-category single-source profile.
 */
public final class NistGenotypes {
    /** Path under the shared data root. */
    public static final String SHARED_FILE = "dna/frequencies/nist1036_genotypes_29loci.csv";

    /** One person of the table. */
    public record Person(String sample, String population, StrProfile profile) {
    }

    private NistGenotypes() {
    }

    /** Reads every row; {@code lociMask} keeps only those loci (e.g. the CODIS 20). */
    public static List<Person> read(Path file, int lociMask) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] header = lines.get(0).split(",", -1);
        List<Person> out = new ArrayList<>(lines.size());
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] r = lines.get(i).split(",", -1);
            Map<String, List<String>> loci = new LinkedHashMap<>();
            for (int c = 2; c + 1 < header.length; c += 2) {
                String name = header[c].substring(0, header[c].length() - 2);
                int l = Loci.indexOf(name);
                if (l < 0 || (lociMask >>> l & 1) == 0) {
                    continue;
                }
                String a = r[c].strip();
                String b = r[c + 1].strip();
                if (a.isEmpty() && b.isEmpty()) {
                    continue;
                }
                loci.put(name, List.of(a.isEmpty() ? "-" : a, b.isEmpty() ? "-" : b));
            }
            out.add(new Person(r[0], r[1], StrProfile.of(loci, SpecimenCategory.OFFENDER, 1)));
        }
        return out;
    }

    /** Mask of the CODIS 20 core loci. */
    public static int codisMask() {
        return (1 << Loci.CODIS_CORE) - 1;
    }
}
