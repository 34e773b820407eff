package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A DVI case in memory: reference families (pedigree, missing persons, typed references), victims (post-mortem
 * profiles), loci with frequencies and per-sex mutation models. Genotypes are allele indices into the
 * {@link FrequencyTable} locus, {@code -1} for an unknown allele, null for untyped.
 *
 * <p>Directory layout (see {@code dna/dvi/<case>/} in the shared data): {@code am_pedigrees.csv}
 * ({@code family,id,fid,mid,sex,role}, role missing/reference/untyped), {@code am_genotypes.csv}
 * ({@code family,id,sex,locus,allele1,allele2}), {@code pm_genotypes.csv} ({@code id,sex,locus,allele1,allele2}),
 * {@code frequencies.csv}, {@code mutation_models.csv} ({@code locus,sex,model,rate,rate2,range}; sex male, female
 * or both; optional, default none) and optional {@code truth.csv} ({@code victim,missing}).
 */
public final class DviData {
    /** One reference family. {@code refs[person][locus]}: typed genotypes. */
    public record Family(String name, Pedigree pedigree, int[] missing, int[][][] refs) {
    }

    /** One victim. {@code geno[locus]}: {a, b} or null. */
    public record Victim(String id, int sex, int[][] geno) {
    }

    final List<String> loci;
    final FrequencyTable freqs;
    final MutationModel[] male;
    final MutationModel[] female;
    final List<Family> families;
    final List<Victim> victims;
    final Map<String, String> truth;

    DviData(List<String> loci, FrequencyTable freqs, MutationModel[] male, MutationModel[] female,
            List<Family> families, List<Victim> victims, Map<String, String> truth) {
        this.loci = loci;
        this.freqs = freqs;
        this.male = male;
        this.female = female;
        this.families = families;
        this.victims = victims;
        this.truth = truth;
    }

    public List<String> loci() {
        return loci;
    }

    public List<Family> families() {
        return families;
    }

    public List<Victim> victims() {
        return victims;
    }

    /** The simulation truth (victim -> missing person), empty when the case has none. */
    public Map<String, String> truth() {
        return truth;
    }

    public FrequencyTable frequencies() {
        return freqs;
    }

    /** Reads a case directory. */
    public static DviData read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw Modality.invalid("DVI case directory not found: " + dir.getFileName());
        }
        FrequencyTable freqs = FrequencyTable.readCsv(dir.resolve("frequencies.csv"));
        // pedigrees
        Map<String, List<Pedigree.Person>> persons = new LinkedHashMap<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        for (Map<String, String> r : Csv.read(dir.resolve("am_pedigrees.csv"), "family", "id", "fid", "mid", "sex",
                "role")) {
            String fam = r.get("family");
            persons.computeIfAbsent(fam, k -> new ArrayList<>()).add(new Pedigree.Person(r.get("id"), r.get("fid"),
                    r.get("mid"), sex(r.get("sex"))));
            if (r.get("role").trim().toLowerCase(Locale.ROOT).equals("missing")) {
                missing.computeIfAbsent(fam, k -> new ArrayList<>()).add(r.get("id"));
            }
        }
        // genotypes: first collect rows, then resolve alleles (additions to the table happen before matrices)
        Map<String, Map<String, Map<String, String[]>>> am = new LinkedHashMap<>(); // fam -> id -> locus -> g
        Set<String> loci = new LinkedHashSet<>();
        for (Map<String, String> r : Csv.read(dir.resolve("am_genotypes.csv"), "family", "id", "locus", "allele1",
                "allele2")) {
            String locus = FrequencyTable.locusKey(r.get("locus"));
            String[] g = genotype(r.get("allele1"), r.get("allele2"));
            if (g != null) {
                loci.add(locus);
                am.computeIfAbsent(r.get("family"), k -> new HashMap<>())
                        .computeIfAbsent(r.get("id"), k -> new HashMap<>()).put(locus, g);
            }
        }
        Map<String, Map<String, String[]>> pm = new LinkedHashMap<>();
        Map<String, Integer> pmSex = new LinkedHashMap<>();
        for (Map<String, String> r : Csv.read(dir.resolve("pm_genotypes.csv"), "id", "locus", "allele1",
                "allele2")) {
            String locus = FrequencyTable.locusKey(r.get("locus"));
            pmSex.putIfAbsent(r.get("id"), r.containsKey("sex") ? sex(r.get("sex")) : 0);
            String[] g = genotype(r.get("allele1"), r.get("allele2"));
            Map<String, String[]> v = pm.computeIfAbsent(r.get("id"), k -> new HashMap<>());
            if (g != null) {
                loci.add(locus);
                v.put(locus, g);
            }
        }
        List<String> noFreq = loci.stream().filter(l -> !freqs.hasLocus(l)).toList();
        if (!noFreq.isEmpty()) {
            throw Modality.invalid("no allele frequencies for locus/loci " + String.join(", ", noFreq));
        }
        List<String> lociList = List.copyOf(loci);
        Map<String, Integer> li = new HashMap<>();
        for (int i = 0; i < lociList.size(); i++) {
            li.put(lociList.get(i), i);
        }
        for (var f : am.values()) {
            for (var p : f.values()) {
                p.forEach((l, g) -> resolve(freqs, l, g));
            }
        }
        for (var p : pm.values()) {
            p.forEach((l, g) -> resolve(freqs, l, g));
        }
        // mutation models
        MutationModel[] male = new MutationModel[lociList.size()];
        MutationModel[] female = new MutationModel[lociList.size()];
        java.util.Arrays.fill(male, MutationModel.NONE);
        java.util.Arrays.fill(female, MutationModel.NONE);
        Path mm = dir.resolve("mutation_models.csv");
        if (Files.exists(mm)) {
            for (Map<String, String> r : Csv.read(mm, "locus", "model")) {
                Integer l = li.get(FrequencyTable.locusKey(r.get("locus")));
                if (l == null) {
                    continue;
                }
                MutationModel m = MutationModel.parse(r.get("model"), r.get("rate"), r.get("rate2"), r.get("range"));
                String s = r.getOrDefault("sex", "both").trim().toLowerCase(Locale.ROOT);
                if (!s.equals("female") && !s.equals("2")) {
                    male[l] = m;
                }
                if (!s.equals("male") && !s.equals("1")) {
                    female[l] = m;
                }
            }
        }
        List<Family> families = new ArrayList<>();
        for (var e : persons.entrySet()) {
            Pedigree ped;
            try {
                ped = new Pedigree(e.getValue());
            } catch (RuntimeException x) {
                throw Modality.invalid("family " + MutationModel.clip(e.getKey()) + ": " + x.getMessage());
            }
            List<String> ms = missing.getOrDefault(e.getKey(), List.of());
            int[] mIdx = ms.stream().mapToInt(ped::indexOf).toArray();
            int[][][] refs = new int[ped.size()][][];
            Map<String, Map<String, String[]>> fg = am.getOrDefault(e.getKey(), Map.of());
            for (var pe : fg.entrySet()) {
                int i = ped.indexOf(pe.getKey());
                if (i < 0) {
                    throw Modality.invalid("genotyped person '" + MutationModel.clip(pe.getKey())
                            + "' is not in the pedigree of family " + MutationModel.clip(e.getKey()));
                }
                refs[i] = new int[lociList.size()][];
                for (var ge : pe.getValue().entrySet()) {
                    refs[i][li.get(ge.getKey())] = indices(freqs, ge.getKey(), ge.getValue());
                }
            }
            for (int m : mIdx) {
                if (refs[m] != null) {
                    throw Modality.invalid("missing person '" + MutationModel.clip(ped.id(m)) + "' of family "
                            + MutationModel.clip(e.getKey()) + " has a genotype");
                }
            }
            families.add(new Family(e.getKey(), ped, mIdx, refs));
        }
        List<Victim> victims = new ArrayList<>();
        for (var e : pm.entrySet()) {
            int[][] g = new int[lociList.size()][];
            for (var ge : e.getValue().entrySet()) {
                g[li.get(ge.getKey())] = indices(freqs, ge.getKey(), ge.getValue());
            }
            victims.add(new Victim(e.getKey(), pmSex.get(e.getKey()), g));
        }
        Map<String, String> truth = new LinkedHashMap<>();
        if (Files.exists(dir.resolve("truth.csv"))) {
            for (Map<String, String> r : Csv.read(dir.resolve("truth.csv"), "victim", "missing")) {
                truth.put(r.get("victim"), r.get("missing"));
            }
        }
        return new DviData(lociList, freqs, male, female, families, victims, truth);
    }

    private static void resolve(FrequencyTable t, String locus, String[] g) {
        for (String a : g) {
            if (a != null) {
                t.alleleIndex(locus, a);
            }
        }
    }

    static int[] indices(FrequencyTable t, String locus, String[] g) {
        FrequencyTable.Locus l = t.locus(locus);
        return new int[] {g[0] == null ? -1 : l.indexOf(g[0]), g[1] == null ? -1 : l.indexOf(g[1])};
    }

    private static String[] genotype(String a1, String a2) {
        String a = blank(a1) ? null : a1.trim();
        String b = blank(a2) ? null : a2.trim();
        if (a == null && b == null) {
            return null;
        }
        return new String[] {a, b};
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank() || s.trim().equals("-") || s.trim().equalsIgnoreCase("NA");
    }

    private static int sex(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "1", "m", "male" -> 1;
            case "2", "f", "female" -> 2;
            default -> 0;
        };
    }
}
