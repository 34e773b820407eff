package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SmartRank input layouts.
 *
 * <ul>
 *   <li>CODIS-export database CSV: {@code specimenId,<LOCUS>_1,<LOCUS>_2,<LOCUS>_3,<LOCUS>_4,...}; {@code NULL} or
 *       empty = no allele; a locus with no allele is untyped; alleles in any order, repeats ("17,17" =
 *       homozygote). A lone allele is read as a homozygote, as SmartRank reads it. Profiles are reference
 *       profiles; more than two alleles at a locus make a two-person mixture (stored with 2 contributors).</li>
 *   <li>Sample / known CSV (LRmix Studio layout): {@code SampleName,Marker,Allele1..AlleleN}, one row per
 *       (replicate, locus); the alleles of each replicate name are grouped.</li>
 * </ul>
 * Errors name the file's row and locus, never alleles.
 */
public final class SmartRankFiles {
    private SmartRankFiles() {
    }

    /** Reads a CODIS-export database: specimen id -> profile, in file order; INVALID_INPUT on a bad row. */
    public static Map<String, StrProfile> readDatabase(Path file) {
        return readDatabase(file, null);
    }

    /**
     * Reads a CODIS-export database. With {@code skipped} non-null, rows that are not valid profiles (malformed
     * allele, no typed locus) are skipped and their ids added there, as SmartRank skips them on import.
     */
    public static Map<String, StrProfile> readDatabase(Path file, List<String> skipped) {
        List<String> lines = lines(file);
        if (lines.isEmpty()) {
            throw Modality.invalid("empty database file " + file.getFileName());
        }
        String[] head = lines.get(0).split(",", -1);
        int[] locusOf = new int[head.length];
        for (int c = 1; c < head.length; c++) {
            String h = head[c].strip();
            int us = h.lastIndexOf('_');
            locusOf[c] = us < 0 ? -1 : Loci.indexOf(h.substring(0, us)); // unknown loci (Y-STRs) are ignored
        }
        Map<String, StrProfile> out = new LinkedHashMap<>();
        for (int r = 1; r < lines.size(); r++) {
            if (lines.get(r).isBlank()) {
                continue;
            }
            String[] f = lines.get(r).split(",", -1);
            Map<String, List<String>> loci = new LinkedHashMap<>();
            for (int c = 1; c < Math.min(f.length, head.length); c++) {
                String v = f[c].strip();
                if (locusOf[c] < 0 || v.isEmpty() || v.equalsIgnoreCase("NULL")) {
                    continue;
                }
                loci.computeIfAbsent(Loci.name(locusOf[c]), k -> new ArrayList<>()).add(v);
            }
            int maxDistinct = 1;
            for (Map.Entry<String, List<String>> e : loci.entrySet()) {
                if (e.getValue().size() == 1) {
                    e.getValue().add(e.getValue().get(0)); // lone allele: homozygote
                }
                maxDistinct = Math.max(maxDistinct, (int) e.getValue().stream().distinct().count());
            }
            try {
                out.put(f[0].strip(), StrProfile.of(loci, SpecimenCategory.OFFENDER, maxDistinct > 2 ? 2 : 1));
            } catch (RuntimeException e) {
                if (skipped != null) {
                    skipped.add(f[0].strip());
                    continue;
                }
                throw Modality.invalid(file.getFileName() + " row " + (r + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Reads a sample or known-profile CSV: replicate name -> locus name -> alleles. */
    public static Map<String, Map<String, List<String>>> readReplicates(Path file) {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        List<String> lines = lines(file);
        for (int r = 1; r < lines.size(); r++) {
            String[] f = lines.get(r).split(",", -1);
            if (f.length < 3 || f[0].isBlank()) {
                continue;
            }
            List<String> alleles = new ArrayList<>();
            for (int c = 2; c < f.length; c++) {
                if (!f[c].isBlank()) {
                    alleles.add(f[c].strip());
                }
            }
            out.computeIfAbsent(f[0].strip(), k -> new LinkedHashMap<>()).put(f[1].strip(), alleles);
        }
        return out;
    }

    /** A forensic mixture profile from one replicate's loci (all alleles seen), with the declared contributors. */
    public static StrProfile mixture(Map<String, List<String>> replicate, int contributors) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        replicate.forEach((k, v) -> {
            if (!v.isEmpty()) {
                m.put(k, v.stream().distinct().toList());
            }
        });
        return StrProfile.of(m, SpecimenCategory.FORENSIC_UNKNOWN, contributors);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw Modality.invalid("cannot read " + file.getFileName());
        }
    }
}
