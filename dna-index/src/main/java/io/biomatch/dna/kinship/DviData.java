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
    /**
     * One reference family. {@code refs[person][locus]}: typed genotypes. {@code missingSex[k]}: the sex that victims
     * must have to be missing person {@code missing[k]} (0 = unknown, any victim), which can be less than the
     * pedigree's: a Familias pedigree must place a parent of unknown sex as father or mother.
     */
    public record Family(String name, Pedigree pedigree, int[] missing, int[][][] refs, int[] missingSex) {
        public Family(String name, Pedigree pedigree, int[] missing, int[][][] refs) {
            this(name, pedigree, missing, refs, java.util.Arrays.stream(missing).map(pedigree::sex).toArray());
        }

        /** The sex a victim must have to be pedigree person {@code person} (0 = either). */
        public int matchSex(int person) {
            for (int k = 0; k < missing.length; k++) {
                if (missing[k] == person) {
                    return missingSex[k];
                }
            }
            return pedigree.sex(person);
        }
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
        Path pedFile = dir.resolve("am_pedigrees.csv");
        for (Map<String, String> r : Csv.read(pedFile, "family", "id", "fid", "mid", "sex", "role")) {
            String fam = r.get("family");
            persons.computeIfAbsent(fam, k -> new ArrayList<>()).add(new Pedigree.Person(r.get("id"), r.get("fid"),
                    r.get("mid"), sex(r.get("sex"), pedFile, r)));
            // a misspelt role must not quietly make a missing person a mere relative
            switch (r.get("role").trim().toLowerCase(Locale.ROOT)) {
                case "missing" -> missing.computeIfAbsent(fam, k -> new ArrayList<>()).add(r.get("id"));
                case "reference", "untyped" -> {
                }
                default -> throw Modality.invalid(Csv.where(pedFile, r) + "role '" + MutationModel.clip(r.get("role"))
                        + "' is not missing, reference or untyped");
            }
        }
        if (persons.isEmpty()) {
            throw Modality.invalid("am_pedigrees.csv holds no family");
        }
        if (missing.isEmpty()) {
            throw Modality.invalid("am_pedigrees.csv names no missing person (role missing)");
        }
        // genotypes: first collect rows, then resolve alleles (additions to the table happen before matrices)
        Map<String, Map<String, Map<String, String[]>>> am = new LinkedHashMap<>(); // fam -> id -> locus -> g
        Set<String> loci = new LinkedHashSet<>();
        Path amFile = dir.resolve("am_genotypes.csv");
        for (Map<String, String> r : Csv.read(amFile, "family", "id", "locus", "allele1", "allele2")) {
            if (!persons.containsKey(r.get("family"))) { // a typo in a family id would lose a reference silently
                throw Modality.invalid(Csv.where(amFile, r) + "family '" + MutationModel.clip(r.get("family"))
                        + "' is not in am_pedigrees.csv");
            }
            String locus = FrequencyTable.locusKey(r.get("locus"));
            String[] g = genotype(r.get("allele1"), r.get("allele2"));
            if (g != null) {
                loci.add(locus);
                put(am.computeIfAbsent(r.get("family"), k -> new HashMap<>())
                        .computeIfAbsent(r.get("id"), k -> new HashMap<>()), locus, g, amFile, r);
            }
        }
        Map<String, Map<String, String[]>> pm = new LinkedHashMap<>();
        Map<String, Integer> pmSex = new LinkedHashMap<>();
        Path pmFile = dir.resolve("pm_genotypes.csv");
        for (Map<String, String> r : Csv.read(pmFile, "id", "locus", "allele1", "allele2")) {
            String locus = FrequencyTable.locusKey(r.get("locus"));
            int sex = r.containsKey("sex") ? sex(r.get("sex"), pmFile, r) : 0;
            Integer before = pmSex.putIfAbsent(r.get("id"), sex);
            if (before != null && before != sex) {
                throw Modality.invalid(Csv.where(pmFile, r) + "victim '" + MutationModel.clip(r.get("id"))
                        + "' has sex " + sex + " here and " + before + " on an earlier line");
            }
            String[] g = genotype(r.get("allele1"), r.get("allele2"));
            Map<String, String[]> v = pm.computeIfAbsent(r.get("id"), k -> new HashMap<>());
            if (g != null) {
                loci.add(locus);
                put(v, locus, g, pmFile, r);
            }
        }
        if (pm.isEmpty()) {
            throw Modality.invalid("pm_genotypes.csv holds no victim");
        }
        List<String> lociList = withFrequencies(loci, freqs, "");
        Map<String, Integer> li = index(lociList);
        for (var f : am.values()) {
            resolveAll(f.values(), freqs);
        }
        resolveAll(pm.values(), freqs);
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
            int[][][] refs = refs(ped, am.getOrDefault(e.getKey(), Map.of()), freqs, li, e.getKey());
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
            victims.add(new Victim(e.getKey(), pmSex.get(e.getKey()), row(e.getValue(), freqs, li)));
        }
        Map<String, String> truth = new LinkedHashMap<>();
        if (Files.exists(dir.resolve("truth.csv"))) {
            for (Map<String, String> r : Csv.read(dir.resolve("truth.csv"), "victim", "missing")) {
                truth.put(r.get("victim"), r.get("missing"));
            }
        }
        return new DviData(lociList, freqs, male, female, families, victims, truth);
    }

    /**
     * A DVI case from the {@code [DVI]} section of a Familias 3 {@code .fam} file, with the file's own frequency
     * database and per-locus male/female mutation models. Victims are the section's unidentified persons. Per
     * reference family the <em>last</em> of its pedigrees is used (Familias writes the references' own pedigree
     * first and the pedigree with the missing persons after it; a family with only one pedigree uses that one).
     * The missing persons are the untyped members of that pedigree whose name starts with "Missing" (dvir's rule
     * for Familias files) and that take part in at least one parent-child relation there: Familias DVI projects
     * usually name the missing person "Missing person" only inside the pedigree and also declare an unconnected
     * template person such as "Missing female 1", which carries no information and is skipped. When no connected
     * member is named so, the family's declared untyped "Missing..." persons are used. A missing person's sex is
     * the declared one, else inferred from its relations (a father is male), else unknown (compatible with
     * victims of either sex).
     */
    public static DviData fromFamilias(FamiliasFile file) {
        FamiliasFile.Dvi dvi = file.dvi();
        if (dvi == null) {
            throw Modality.invalid("the Familias file has no [DVI] section (unidentified persons and reference families)");
        }
        if (dvi.victimSex().isEmpty()) {
            throw Modality.invalid("the Familias file's DVI section has no unidentified persons");
        }
        if (dvi.families().isEmpty()) {
            throw Modality.invalid("the Familias file's DVI section has no reference families");
        }
        FrequencyTable freqs = file.frequencies();
        Map<String, FamiliasFile.LocusInfo> info = new HashMap<>();
        for (FamiliasFile.LocusInfo li : file.loci()) {
            info.put(FrequencyTable.locusKey(li.name()), li);
        }
        Set<String> loci = new LinkedHashSet<>();
        for (Map<String, String[]> g : dvi.victimGenotypes().values()) {
            loci.addAll(g.keySet());
        }
        for (FamiliasFile.Family f : dvi.families()) {
            for (Map<String, String[]> g : f.genotypes().values()) {
                loci.addAll(g.keySet());
            }
        }
        List<String> lociList = withFrequencies(loci, freqs, " in the file's database");
        Map<String, Integer> li = index(lociList);
        MutationModel[] male = new MutationModel[lociList.size()];
        MutationModel[] female = new MutationModel[lociList.size()];
        for (int i = 0; i < lociList.size(); i++) {
            FamiliasFile.LocusInfo l = info.get(lociList.get(i));
            male[i] = l == null || l.male() == null ? MutationModel.NONE : l.male();
            female[i] = l == null || l.female() == null ? MutationModel.NONE : l.female();
        }
        resolveAll(dvi.victimGenotypes().values(), freqs);
        for (FamiliasFile.Family f : dvi.families()) {
            resolveAll(f.genotypes().values(), freqs);
        }
        List<Family> families = new ArrayList<>();
        for (FamiliasFile.Family f : dvi.families()) {
            if (f.pedigrees().isEmpty()) {
                throw Modality.invalid("reference family " + MutationModel.clip(f.name()) + " has no pedigree");
            }
            Pedigree ped = f.pedigrees().getLast().pedigree();
            boolean[] related = new boolean[ped.size()];
            for (int i = 0; i < ped.size(); i++) {
                if (ped.father(i) >= 0) {
                    related[i] = true;
                    related[ped.father(i)] = true;
                }
                if (ped.mother(i) >= 0) {
                    related[i] = true;
                    related[ped.mother(i)] = true;
                }
            }
            List<Integer> connected = new ArrayList<>();
            for (int i = 0; i < ped.size(); i++) {
                if (related[i] && isMissingName(ped.id(i)) && f.genotypes().getOrDefault(ped.id(i), Map.of()).isEmpty()) {
                    connected.add(i);
                }
            }
            if (connected.isEmpty()) {
                for (String p : f.sex().keySet()) {
                    if (isMissingName(p) && f.genotypes().getOrDefault(p, Map.of()).isEmpty() && ped.indexOf(p) >= 0) {
                        connected.add(ped.indexOf(p));
                    }
                }
            }
            if (connected.isEmpty()) {
                throw Modality.invalid("reference family " + MutationModel.clip(f.name())
                        + " has no untyped person named 'Missing...' to identify");
            }
            int[] mIdx = connected.stream().mapToInt(Integer::intValue).toArray();
            String[] missingIds = new String[mIdx.length];
            for (int k = 0; k < mIdx.length; k++) {
                missingIds[k] = ped.id(mIdx[k]);
            }
            // renaming keeps every person's index (the pedigree keeps its input order)
            ped = withMissingNamesOfFamily(ped, mIdx, f.name(), dvi.families());
            int[][][] refs = refs(ped, f.genotypes(), freqs, li, f.name());
            int[] mSex = new int[mIdx.length];
            for (int k = 0; k < mIdx.length; k++) {
                mSex[k] = familiasSex(missingIds[k], f, ped.sex(mIdx[k]));
            }
            families.add(new Family(f.name(), ped, mIdx, refs, mSex));
        }
        List<Victim> victims = new ArrayList<>();
        for (var e : dvi.victimSex().entrySet()) {
            victims.add(new Victim(e.getKey(), e.getValue(),
                    row(dvi.victimGenotypes().getOrDefault(e.getKey(), Map.of()), freqs, li)));
        }
        return new DviData(lociList, freqs, male, female, families, victims, Map.of());
    }

    /**
     * Familias names the missing person of every family "Missing person": where a missing person's name is used
     * by another reference family too, it becomes "name (family)" so that results name it unambiguously.
     */
    private static Pedigree withMissingNamesOfFamily(Pedigree ped, int[] missing, String family,
                                                     List<FamiliasFile.Family> all) {
        Set<Integer> rename = new java.util.HashSet<>();
        for (int m : missing) {
            String id = ped.id(m);
            long users = all.stream().filter(o -> o.pedigrees().stream().anyMatch(np -> np.pedigree().indexOf(id) >= 0)).count();
            if (users > 1) {
                rename.add(m);
            }
        }
        if (rename.isEmpty()) {
            return ped;
        }
        java.util.function.IntFunction<String> name = i -> i < 0 ? "0"
                : rename.contains(i) ? ped.id(i) + " (" + family + ")" : ped.id(i);
        List<Pedigree.Person> persons = new ArrayList<>();
        for (int i = 0; i < ped.size(); i++) {
            persons.add(new Pedigree.Person(name.apply(i), name.apply(ped.father(i)), name.apply(ped.mother(i)), ped.sex(i)));
        }
        return new Pedigree(persons);
    }

    /**
     * A missing person's sex as the Familias file fixes it: declared in the family's person list, else the opposite of
     * a declared other parent of one of its children (then {@code pedigreeSex}), else unknown (0).
     */
    private static int familiasSex(String id, FamiliasFile.Family f, int pedigreeSex) {
        Integer declared = f.sex().get(id);
        if (declared != null && declared != 0) {
            return declared;
        }
        Pedigree ped = f.pedigrees().getLast().pedigree();
        int me = ped.indexOf(id);
        for (int c = 0; c < ped.size(); c++) {
            int other = ped.father(c) == me ? ped.mother(c) : ped.mother(c) == me ? ped.father(c) : -2;
            if (other >= 0 && f.sex().getOrDefault(ped.id(other), 0) != 0) {
                return pedigreeSex;
            }
        }
        return 0;
    }

    private static boolean isMissingName(String id) {
        return id.strip().toLowerCase(Locale.ROOT).startsWith("missing");
    }

    /** The loci in order; INVALID_INPUT naming those without frequencies. */
    private static List<String> withFrequencies(Set<String> loci, FrequencyTable freqs, String where) {
        List<String> noFreq = loci.stream().filter(l -> !freqs.hasLocus(l)).toList();
        if (!noFreq.isEmpty()) {
            throw Modality.invalid("no allele frequencies" + where + " for locus/loci " + String.join(", ", noFreq));
        }
        return List.copyOf(loci);
    }

    private static Map<String, Integer> index(List<String> loci) {
        Map<String, Integer> li = new HashMap<>();
        for (int i = 0; i < loci.size(); i++) {
            li.put(loci.get(i), i);
        }
        return li;
    }

    /** Adds every allele seen to the table (unlisted ones at the minimum frequency) before indices are taken. */
    private static void resolveAll(java.util.Collection<Map<String, String[]>> genotypes, FrequencyTable freqs) {
        for (Map<String, String[]> g : genotypes) {
            g.forEach((l, a) -> resolve(freqs, l, a));
        }
    }

    /** One person's genotypes as allele indices per locus (null where untyped). */
    private static int[][] row(Map<String, String[]> byLocus, FrequencyTable freqs, Map<String, Integer> li) {
        int[][] g = new int[li.size()][];
        for (var ge : byLocus.entrySet()) {
            if (ge.getValue()[0] != null || ge.getValue()[1] != null) {
                g[li.get(ge.getKey())] = indices(freqs, ge.getKey(), ge.getValue());
            }
        }
        return g;
    }

    /** {@code refs[person]}: the typed persons' rows; INVALID_INPUT for a typed person not in the pedigree. */
    private static int[][][] refs(Pedigree ped, Map<String, Map<String, String[]>> genotypes, FrequencyTable freqs,
                                  Map<String, Integer> li, String family) {
        int[][][] refs = new int[ped.size()][][];
        for (var pe : genotypes.entrySet()) {
            if (pe.getValue().isEmpty()) {
                continue;
            }
            int i = ped.indexOf(pe.getKey());
            if (i < 0) {
                throw Modality.invalid("genotyped person '" + MutationModel.clip(pe.getKey())
                        + "' is not in the pedigree of family " + MutationModel.clip(family));
            }
            refs[i] = row(pe.getValue(), freqs, li);
        }
        return refs;
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

    /** A person's sex: 1 (male), 2 (female) or 0 (unknown: 0, empty, NA, unknown); anything else is refused. */
    private static int sex(String s, Path file, Map<String, String> row) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "1", "m", "male" -> 1;
            case "2", "f", "female" -> 2;
            case "0", "", "na", "unknown", "u" -> 0;
            default -> throw Modality.invalid(Csv.where(file, row) + "sex '" + MutationModel.clip(s)
                    + "' is not 1 (male), 2 (female) or 0 (unknown)");
        };
    }

    /** One genotype per person and locus: a repeated row must agree (the last one used to win silently). */
    private static void put(Map<String, String[]> byLocus, String locus, String[] g, Path file,
                            Map<String, String> row) {
        String[] before = byLocus.put(locus, g);
        if (before != null && !java.util.Arrays.equals(before, g)
                && !java.util.Arrays.equals(before, new String[] {g[1], g[0]})) {
            throw Modality.invalid(Csv.where(file, row) + "a second, different genotype of '"
                    + MutationModel.clip(row.get("id")) + "' at " + MutationModel.clip(row.get("locus")));
        }
    }
}
