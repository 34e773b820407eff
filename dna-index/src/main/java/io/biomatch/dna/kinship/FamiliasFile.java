package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Familias 3 project file ({@code .fam}, the text file Familias writes, "DO NOT EDIT!"), read into the kinship
 * package's pedigrees, frequencies, mutation models and genotypes, so that its hypotheses can be evaluated
 * ({@link #evaluate}).
 *
 * <p>Layout (one value a line, strings quoted): version; the number of persons, then per person its name, three
 * flags, {@code #TRUE#} for male, the number of typed loci and per locus three integers (allele index 1, allele
 * index 2, locus index; 0-based into the database); {@code "Known relations"}: extra females, extra males, the
 * number of (parent, child) index pairs and the pairs; the number of pedigrees, each: index, name, extra females,
 * extra males, pairs; a line {@code #FALSE# (#Databases: 1 ;Theta/Kinship/Fst: θ )}; the number of loci, a flag and
 * the database name; per locus: name, female and male mutation rate, female and male model code (0 equal,
 * 1 proportional, 2 stepwise, 3 stationary stepwise, 4 extended stepwise), number of alleles (with the silent
 * allele), female and male range, female and male rate2, silent flag and frequency, a line "n\t(DatabaseSize ...)"
 * and n (allele, frequency) pairs. An optional {@code [DVI]} section (INI-like, depth by brackets) holds
 * unidentified persons and reference families ({@link Dvi}).
 *
 * <p>Persons added without a name (extras) get ids {@code added_1, added_2, ...}; a child with one parent gets an
 * added founder as the other parent. Stationary stepwise (code 3) is read as extended stepwise, with a warning
 * (no stabilisation). Silent alleles and precomputed probabilities are rejected.
 */
public final class FamiliasFile {
    /** One locus of the database, with its male and female mutation models. */
    public record LocusInfo(String name, List<String> alleles, MutationModel female, MutationModel male) {
    }

    /** One named pedigree (a hypothesis): all persons of the file plus its extras, with its parent links. */
    public record NamedPedigree(String name, Pedigree pedigree) {
    }

    /** The DVI section: victims (unidentified persons) and reference families, each with its pedigrees. */
    public record Dvi(Map<String, Integer> victimSex, Map<String, Map<String, String[]>> victimGenotypes,
                      List<Family> families) {
    }

    /** A DVI reference family: persons' sex, genotypes and the family's pedigrees. */
    public record Family(String name, Map<String, Integer> sex, Map<String, Map<String, String[]>> genotypes,
                         List<NamedPedigree> pedigrees) {
    }

    private final String version;
    private final List<String> persons = new ArrayList<>();
    private final Map<String, Integer> sex = new LinkedHashMap<>();
    /** person -> locus -> {a, b}. */
    private final Map<String, Map<String, String[]>> genotypes = new LinkedHashMap<>();
    private final List<NamedPedigree> pedigrees = new ArrayList<>();
    private final List<LocusInfo> loci = new ArrayList<>();
    private final FrequencyTable frequencies = new FrequencyTable();
    private final double theta;
    private final List<String> warnings = new ArrayList<>();
    private Dvi dvi;

    private FamiliasFile(List<String> raw, String name) {
        Lines x = new Lines(raw, name);
        x.pos = 2;
        version = x.next();
        if (x.peek().isEmpty()) {
            x.skip(1);
        }
        // every count is checked against what the rest of the file can hold before anything is allocated: a
        // corrupt count (negative, or 999999999) must not reach new int[n] or a loop adding persons
        int nid = count(x, "person", 6);
        int[][][] typed = new int[nid][][];
        List<Integer> sexes = new ArrayList<>();
        for (int i = 0; i < nid; i++) {
            String id = x.next();
            x.skip(3);
            boolean male = x.next().equals("#TRUE#");
            int n = count(x, "typed locus", 3);
            typed[i] = new int[n][];
            for (int j = 0; j < n; j++) {
                typed[i][j] = new int[] {intOf(x.next(), x), intOf(x.next(), x), intOf(x.next(), x)};
            }
            persons.add(id);
            sexes.add(male ? Pedigree.MALE : Pedigree.FEMALE);
        }
        if (!x.next().equals("Known relations")) {
            throw x.bad("\"Known relations\"");
        }
        List<String> ids = new ArrayList<>(persons);
        // an added person is only of use as the parent or child of a relation (two lines)
        int extraF = count(x, "extra female", 1);
        int extraM = count(x, "extra male", 1);
        addExtras(ids, sexes, extraF, extraM);
        int[] father = filled(ids.size());
        int[] mother = filled(ids.size());
        readPairs(x, count(x, "relation", 2), sexes, father, mother);
        int nPed = count(x, "pedigree", 5);
        for (int p = 0; p < nPed; p++) {
            x.next(); // index
            String pedName = x.next();
            List<String> pid = new ArrayList<>(ids);
            List<Integer> psex = new ArrayList<>(sexes);
            int pedF = count(x, "extra female", 1);
            addExtras(pid, psex, pedF, count(x, "extra male", 1));
            int[] f = java.util.Arrays.copyOf(father, pid.size());
            int[] m = java.util.Arrays.copyOf(mother, pid.size());
            for (int i = father.length; i < pid.size(); i++) {
                f[i] = -1;
                m[i] = -1;
            }
            readPairs(x, count(x, "relation", 2), psex, f, m);
            pedigrees.add(new NamedPedigree(pedName, build(pid, psex, f, m)));
        }
        String dbLine = x.next();
        if (dbLine.startsWith("#TRUE#")) {
            throw Modality.invalid(name + ": files with precomputed probabilities are not supported");
        }
        Matcher tm = Pattern.compile("Theta/Kinship/Fst:\\s*([0-9.eE+-]+)").matcher(dbLine);
        theta = tm.find() ? Double.parseDouble(tm.group(1)) : 0;
        // as the JSON reader: theta is a probability of identity by descent, 1 would make every allele shared
        if (!(theta >= 0 && theta < 1)) {
            throw Modality.invalid(name + " line " + x.pos + ": theta " + tm.group(1) + " must be in [0, 1)");
        }
        int nLoc = count(x, "locus", 13);
        if (x.next().equals("#TRUE#")) {
            x.next(); // database name
        }
        for (int l = 0; l < nLoc; l++) {
            String locus = x.next();
            double rateF = num(x.next(), x);
            double rateM = num(x.next(), x);
            int modelF = intOf(x.next(), x);
            int modelM = intOf(x.next(), x);
            x.next(); // alleles including silent
            double rangeF = num(x.next(), x);
            double rangeM = num(x.next(), x);
            double rate2F = num(x.next(), x);
            double rate2M = num(x.next(), x);
            if (x.next().equals("#TRUE#")) {
                throw Modality.invalid(name + ": locus " + MutationModel.clip(locus) + " has a silent allele (not supported)");
            }
            x.next(); // silent frequency
            int nAll = count(x.next().split("\t")[0].trim(), x, "allele", 2);
            List<String> alleles = new ArrayList<>();
            for (int a = 0; a < nAll; a++) {
                String allele = x.next();
                double f = num(x.next(), x);
                alleles.add(allele);
                // a frequency is a probability: above 1 (was clamped to 1), negative or NaN means a corrupt file
                if (!(f >= 0 && f <= 1)) {
                    throw Modality.invalid(name + " line " + x.pos + ": frequency " + f + " of allele "
                            + MutationModel.clip(allele) + " at " + MutationModel.clip(locus) + " is not in [0, 1]");
                }
                if (f > 0) {
                    frequencies.put(locus, allele, f);
                } else {
                    warnings.add("allele " + allele + " at " + locus + " has frequency 0 in the file: skipped");
                }
            }
            loci.add(new LocusInfo(FrequencyTable.locusKey(locus), List.copyOf(alleles),
                    model(modelF, rateF, rate2F, rangeF, locus), model(modelM, rateM, rate2M, rangeM, locus)));
        }
        for (int i = 0; i < nid; i++) {
            Map<String, String[]> g = new LinkedHashMap<>();
            for (int[] t : typed[i]) {
                if (t[2] < 0 || t[2] >= loci.size()) {
                    throw Modality.invalid(name + ": a genotype refers to locus " + t[2] + " of " + loci.size());
                }
                LocusInfo li = loci.get(t[2]);
                g.put(li.name(), new String[] {allele(li, t[0], name), allele(li, t[1], name)});
            }
            if (!g.isEmpty()) {
                genotypes.put(persons.get(i), g);
            }
        }
        for (int i = 0; i < x.lines.size(); i++) {
            if (x.lines.get(i).equals("[DVI]")) {
                dvi = readDvi(x.lines.subList(i + 1, x.lines.size()), name, i + 2);
                break;
            }
        }
    }

    /** Reads a file. INVALID_INPUT when it is not a Familias 3 project file this reader understands. */
    public static FamiliasFile read(Path file) {
        try {
            return new FamiliasFile(Files.readAllLines(file, StandardCharsets.ISO_8859_1),
                    file.getFileName().toString());
        } catch (IOException e) {
            throw Modality.invalid("cannot read " + file.getFileName() + ": " + e.getMessage());
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            throw Modality.invalid(file.getFileName() + ": truncated or malformed Familias file");
        }
    }

    public String version() {
        return version;
    }

    public List<String> persons() {
        return List.copyOf(persons);
    }

    public int sex(String person) {
        return sex.getOrDefault(person, 0);
    }

    public Map<String, Map<String, String[]>> genotypes() {
        return genotypes;
    }

    public List<NamedPedigree> pedigrees() {
        return List.copyOf(pedigrees);
    }

    public List<LocusInfo> loci() {
        return List.copyOf(loci);
    }

    public FrequencyTable frequencies() {
        return frequencies;
    }

    public double theta() {
        return theta;
    }

    public List<String> warnings() {
        List<String> w = new ArrayList<>(warnings);
        w.addAll(frequencies.warnings());
        return w;
    }

    /** The DVI section, or null when the file has none. */
    public Dvi dvi() {
        return dvi;
    }

    /**
     * LR of pedigree {@code h1} against pedigree {@code h2} (indexes into {@link #pedigrees()}) on the file's typed
     * persons, per locus with the locus' own male and female mutation models, and the file's θ.
     */
    public KinshipCase.Result evaluate(int h1, int h2) {
        NamedPedigree p1 = pedigrees.get(h1);
        NamedPedigree p2 = pedigrees.get(h2);
        Map<String, Map<String, String[]>> byLocus = new LinkedHashMap<>();
        genotypes.forEach((person, g) -> g.forEach((locus, ab) ->
                byLocus.computeIfAbsent(locus, k -> new LinkedHashMap<>()).put(person, ab)));
        List<KinshipCase.LocusLr> out = new ArrayList<>();
        double total = 1;
        double log10 = 0;
        String mm = "";
        String ff = "";
        for (LocusInfo li : loci) {
            Map<String, String[]> g = byLocus.get(li.name());
            if (g == null) {
                continue;
            }
            for (String[] ab : g.values()) {
                for (String a : ab) {
                    if (a != null) {
                        frequencies.alleleIndex(li.name(), a);
                    }
                }
            }
            FrequencyTable.Locus fl = frequencies.locus(li.name());
            boolean[] observed = new boolean[fl.size()];
            for (String[] ab : g.values()) {
                for (String a : ab) {
                    if (a != null) {
                        observed[fl.indexOf(a)] = true;
                    }
                }
            }
            double[][] male = li.male().matrix(fl.name(), fl.freqs, fl.values);
            double[][] female = li.female().equals(li.male()) ? male
                    : li.female().matrix(fl.name(), fl.freqs, fl.values);
            double l1 = KinshipLikelihood.locusLikelihood(List.of(p1.pedigree()), g, li.name(), frequencies, li.male(),
                    li.female(), male, female, observed, theta);
            double l2 = KinshipLikelihood.locusLikelihood(List.of(p2.pedigree()), g, li.name(), frequencies, li.male(),
                    li.female(), male, female, observed, theta);
            if (l2 == 0) {
                throw Modality.invalid("the genotypes at " + li.name() + " are impossible under " + p2.name());
            }
            out.add(new KinshipCase.LocusLr(li.name(), l1, l2, l1 / l2));
            total *= l1 / l2;
            log10 += Math.log10(l1 / l2);
            mm = li.male().toString();
            ff = li.female().toString();
        }
        return new KinshipCase.Result(p1.name() + " vs " + p2.name(), theta, mm, ff, out, total, log10, warnings());
    }

    // ---------------------------------------------------------------- helpers

    private static final class Lines {
        final List<String> lines = new ArrayList<>();
        final String name;
        int pos;

        Lines(List<String> raw, String name) {
            for (String r : raw) {
                lines.add(r.replace("\"", "").strip());
            }
            this.name = name;
        }

        String next() {
            return lines.get(pos++);
        }

        String peek() {
            return lines.get(pos);
        }

        Lines skip(int n) {
            pos += n;
            return this;
        }

        RuntimeException bad(String expected) {
            return Modality.invalid(name + " line " + pos + ": expected " + expected);
        }
    }

    private static int intOf(String s, Lines x) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw x.bad("an integer");
        }
    }

    private static double num(String s, Lines x) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw x.bad("a number");
        }
    }

    /**
     * A count read from the next line: refused when negative or when the rest of the file (each item taking at least
     * {@code linesEach} lines) cannot hold that many.
     */
    private static int count(Lines x, String what, int linesEach) {
        return count(x.next(), x, what, linesEach);
    }

    private static int count(String s, Lines x, String what, int linesEach) {
        int n = intOf(s, x);
        if (n < 0) {
            throw Modality.invalid(x.name + " line " + x.pos + ": negative " + what + " count " + n);
        }
        int rest = x.lines.size() - x.pos;
        if (n > rest / linesEach) {
            throw Modality.invalid(x.name + " line " + x.pos + ": " + what + " count " + n
                    + " is more than the rest of the file (" + rest + " lines) can hold");
        }
        return n;
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, -1);
        return a;
    }

    private int added;

    private void addExtras(List<String> ids, List<Integer> sexes, int females, int males) {
        for (int i = 0; i < females + males; i++) {
            ids.add("added_" + (++added));
            sexes.add(i < females ? Pedigree.FEMALE : Pedigree.MALE);
        }
    }

    private static void readPairs(Lines x, int n, List<Integer> sexes, int[] father, int[] mother) {
        for (int i = 0; i < n; i++) {
            String ps = x.next();
            if (ps.contains("Direct")) {
                throw Modality.invalid(x.name + ": twins (direct relations) are not supported");
            }
            int parent = intOf(ps, x);
            int child = intOf(x.next(), x);
            if (sexes.get(parent) == Pedigree.MALE) {
                father[child] = parent;
            } else {
                mother[child] = parent;
            }
        }
    }

    private Pedigree build(List<String> ids, List<Integer> sexes, int[] father, int[] mother) {
        List<Pedigree.Person> ps = new ArrayList<>();
        List<Pedigree.Person> extra = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String f = father[i] < 0 ? "0" : ids.get(father[i]);
            String m = mother[i] < 0 ? "0" : ids.get(mother[i]);
            if (f.equals("0") != m.equals("0")) {
                String id = "added_" + (++added);
                extra.add(new Pedigree.Person(id, "0", "0", f.equals("0") ? Pedigree.MALE : Pedigree.FEMALE));
                if (f.equals("0")) {
                    f = id;
                } else {
                    m = id;
                }
            }
            ps.add(new Pedigree.Person(ids.get(i), f, m, sexes.get(i)));
            if (i < persons.size()) {
                sex.put(ids.get(i), sexes.get(i));
            }
        }
        ps.addAll(extra);
        return new Pedigree(ps);
    }

    private MutationModel model(int code, double rate, double rate2, double range, String locus) {
        String kind = switch (code) {
            case 0 -> "equal";
            case 1 -> "proportional";
            case 2, 3, 4 -> "stepwise";
            default -> throw Modality.invalid("unknown Familias mutation model code " + code + " at " + locus);
        };
        if (code == 3 && rate > 0) {
            warnings.add("locus " + locus + ": stationary stepwise mutation read as extended stepwise (not stabilised)");
        }
        return MutationModel.parse(kind, Double.toString(rate), Double.toString(code == 4 ? rate2 : 0),
                Double.toString(range > 0 && range < 1 ? range : 0.1));
    }

    private static String allele(LocusInfo li, int index, String file) {
        if (index < 0) {
            return null;
        }
        if (index >= li.alleles().size()) {
            throw Modality.invalid(file + ": allele index " + index + " out of range at " + li.name());
        }
        return li.alleles().get(index);
    }

    // ---------------------------------------------------------------- DVI section

    /** The DVI section; {@code firstLine} is the 1-based file line number of {@code lines.get(0)}. */
    private Dvi readDvi(List<String> lines, String file, int firstLine) {
        Map<String, Integer> vSex = new LinkedHashMap<>();
        Map<String, Map<String, String[]>> vGeno = new LinkedHashMap<>();
        List<Family> families = new ArrayList<>();
        String section = "";
        Family fam = null;
        Map<String, Integer> fSex = null;
        Map<String, Map<String, String[]>> fGeno = null;
        List<String[]> pairs = null;
        String pedName = null;
        List<NamedPedigree> peds = null;
        String person = null;
        String system = null;
        String a1 = null;
        boolean expectFamilyName = false;
        for (int li = 0; li < lines.size(); li++) {
            String line = lines.get(li).strip();
            String at = file + " line " + (firstLine + li) + ": ";
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                int depth = 0;
                while (depth < line.length() && line.charAt(depth) == '[') {
                    depth++;
                }
                String title = line.replaceAll("[\\[\\]]", "").strip();
                expectFamilyName = false;
                if (depth == 1) {
                    if (pairs != null && fam != null) {
                        peds.add(new NamedPedigree(pedName, familyPedigree(fSex, pairs, file)));
                        pairs = null;
                    }
                    section = "other";
                    continue;
                }
                if (depth == 2) {
                    if (pairs != null && fam != null) {
                        peds.add(new NamedPedigree(pedName, familyPedigree(fSex, pairs, file)));
                        pairs = null;
                    }
                    section = title;
                    continue;
                }
                if (section.equals("Reference Families") && depth == 3) {
                    if (pairs != null && fam != null) {
                        peds.add(new NamedPedigree(pedName, familyPedigree(fSex, pairs, file)));
                        pairs = null;
                    }
                    fSex = new LinkedHashMap<>();
                    fGeno = new LinkedHashMap<>();
                    peds = new ArrayList<>();
                    fam = new Family(title, fSex, fGeno, peds);
                    families.add(fam);
                    expectFamilyName = true;
                }
                if (section.equals("Reference Families") && depth == 5 && title.startsWith("Pedigree")) {
                    if (fam == null) {
                        throw Modality.invalid(at + "a pedigree before any family header [[[Family ...]]]");
                    }
                    if (pairs != null) {
                        peds.add(new NamedPedigree(pedName, familyPedigree(fSex, pairs, file)));
                    }
                    pairs = new ArrayList<>();
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String val = line.substring(eq + 1).strip();
            boolean victims = section.equals("Unidentified persons");
            boolean refs = section.equals("Reference Families");
            if (!victims && !refs) {
                continue;
            }
            boolean personKey = switch (key) {
                case "Name", "Gender", "SystemName", "Allele1", "Allele2", "Parent", "Child" -> true;
                default -> false;
            };
            if (refs && fam == null && personKey) {
                throw Modality.invalid(at + "'" + key + "=' before any family header [[[Family ...]]]");
            }
            // each of these would otherwise be attached to nothing (NPE) or to the previous person or locus
            if (person == null && (key.equals("Gender") || key.equals("SystemName") || key.startsWith("Allele"))
                    && !(refs && pairs != null)) {
                throw Modality.invalid(at + "'" + key + "=' before any 'Name='");
            }
            switch (key) {
                case "Name" -> {
                    if (refs && pairs != null) {
                        pedName = val;
                    } else if (refs && expectFamilyName) {
                        families.set(families.size() - 1, fam = new Family(val, fSex, fGeno, peds));
                        expectFamilyName = false;
                    } else {
                        person = val;
                        (victims ? vSex : fSex).put(person, 0);
                        system = null;
                        a1 = null;
                    }
                }
                case "Gender" -> (victims ? vSex : fSex).put(person, val.equalsIgnoreCase("Male") ? Pedigree.MALE
                        : val.equalsIgnoreCase("Female") ? Pedigree.FEMALE : 0);
                case "SystemName" -> {
                    system = FrequencyTable.locusKey(val);
                    a1 = null;
                }
                case "Allele1" -> {
                    if (system == null) {
                        throw Modality.invalid(at + "'Allele1=' without a preceding 'SystemName='");
                    }
                    a1 = val;
                }
                case "Allele2" -> {
                    if (a1 == null) {
                        throw Modality.invalid(at + "'Allele2=' without a preceding 'Allele1=' for its locus");
                    }
                    (victims ? vGeno : fGeno).computeIfAbsent(person, k -> new LinkedHashMap<>())
                            .put(system, new String[] {a1.isEmpty() ? null : a1, val.isEmpty() ? null : val});
                    a1 = null; // one Allele1 per Allele2: a missing one must not reuse the previous locus's
                }
                case "Parent", "Child" -> {
                    if (pairs != null) {
                        boolean open = !pairs.isEmpty() && pairs.getLast()[1] == null;
                        if (key.equals("Parent")) {
                            if (open) {
                                throw Modality.invalid(file + " line " + pairs.getLast()[2]
                                        + ": 'Parent=' without a following 'Child='");
                            }
                            pairs.add(new String[] {val, null, Integer.toString(firstLine + li)});
                        } else {
                            if (!open) {
                                throw Modality.invalid(at + "'Child=' without a preceding 'Parent='");
                            }
                            pairs.getLast()[1] = val;
                        }
                    }
                }
                default -> { }
            }
        }
        if (pairs != null && fam != null) {
            peds.add(new NamedPedigree(pedName, familyPedigree(fSex, pairs, file)));
        }
        return new Dvi(vSex, vGeno, families);
    }

    /** A family pedigree from (parent, child) pairs; persons not in the family's list are added (sex inferred). */
    private static Pedigree familyPedigree(Map<String, Integer> famSex, List<String[]> pairs, String file) {
        if (!pairs.isEmpty() && pairs.getLast()[1] == null) {
            throw Modality.invalid(file + " line " + pairs.getLast()[2] + ": 'Parent=' without a following 'Child='");
        }
        Map<String, Integer> sx = new LinkedHashMap<>(famSex);
        for (String[] pc : pairs) {
            sx.putIfAbsent(pc[0], 0);
            sx.putIfAbsent(pc[1], 0);
        }
        Map<String, String> father = new LinkedHashMap<>();
        Map<String, String> mother = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            for (String[] pc : pairs) {
                int s = sx.get(pc[0]);
                if (s == Pedigree.MALE) {
                    father.put(pc[1], pc[0]);
                } else if (s == Pedigree.FEMALE) {
                    mother.put(pc[1], pc[0]);
                } else if (round == 1) {
                    // undecided sex: the other parent's opposite
                    boolean hasFather = father.containsKey(pc[1]) && !father.get(pc[1]).equals(pc[0]);
                    sx.put(pc[0], hasFather ? Pedigree.FEMALE : Pedigree.MALE);
                    (hasFather ? mother : father).put(pc[1], pc[0]);
                }
            }
        }
        List<Pedigree.Person> ps = new ArrayList<>();
        List<Pedigree.Person> extra = new ArrayList<>();
        int added = 0;
        for (Map.Entry<String, Integer> e : sx.entrySet()) {
            String id = e.getKey();
            String f = father.getOrDefault(id, "0");
            String m = mother.getOrDefault(id, "0");
            if (f.equals("0") != m.equals("0")) {
                String a = "added_" + id.replace(' ', '_') + "_" + (++added);
                extra.add(new Pedigree.Person(a, "0", "0", f.equals("0") ? Pedigree.MALE : Pedigree.FEMALE));
                if (f.equals("0")) {
                    f = a;
                } else {
                    m = a;
                }
            }
            ps.add(new Pedigree.Person(id, f, m, e.getValue()));
        }
        ps.addAll(extra);
        try {
            return new Pedigree(ps);
        } catch (RuntimeException ex) {
            throw Modality.invalid(file + ": DVI family pedigree: " + ex.getMessage());
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Familias %s: %d persons, %d pedigrees, %d loci, theta %s%s", version,
                persons.size(), pedigrees.size(), loci.size(), theta,
                dvi == null ? "" : ", DVI " + dvi.victimSex().size() + " victims, " + dvi.families().size()
                        + " families");
    }
}
