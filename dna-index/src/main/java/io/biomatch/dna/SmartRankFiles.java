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
 *   <li>Search-criteria XML ({@code SmartRankImportFile}): replicates, known profiles, H<sub>p</sub> / H<sub>d</sub>
 *       contributors with drop-out, unknowns, candidate drop-out, drop-in, θ, LR threshold, rare allele frequency
 *       ({@link #readCriteria}).</li>
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

    /**
     * Reads a SmartRank search-criteria file ({@code <SmartRankImportFile>}: {@code Replicates/Replicate@name},
     * {@code Dropin}, {@code Theta}, {@code LrThreshold}, {@code RareAlleleFrequency}, {@code HP@candidateDropout},
     * {@code HP|HD/Contributors/Contributor@name@dropout}, {@code HP|HD/Unknowns@count@dropout},
     * {@code Specimen@name/Locus@name/Allele@value}). Specimens named as replicates are the trace; specimens named as
     * contributors are the known profiles. Automatic drop-out estimation is not supported (INVALID_INPUT).
     */
    public static SmartRankSearch.Criteria readCriteria(Path file) {
        org.w3c.dom.Document doc;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            javax.xml.parsers.DocumentBuilderFactory dbf = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            dbf.setExpandEntityReferences(false);
            doc = dbf.newDocumentBuilder().parse(in);
        } catch (IOException | javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw Modality.invalid("unreadable SmartRank search criteria " + file.getFileName() + ": "
                    + e.getClass().getSimpleName());
        }
        org.w3c.dom.Element root = doc.getDocumentElement();
        Map<String, Map<String, List<String>>> specimens = new LinkedHashMap<>();
        for (org.w3c.dom.Element sp : children(root, "Specimen")) {
            Map<String, List<String>> loci = new LinkedHashMap<>();
            for (org.w3c.dom.Element loc : children(sp, "Locus")) {
                List<String> alleles = new ArrayList<>();
                for (org.w3c.dom.Element a : children(loc, "Allele")) {
                    alleles.add(a.getAttribute("value").strip());
                }
                loci.put(loc.getAttribute("name").strip(), alleles);
            }
            specimens.put(sp.getAttribute("name").strip(), loci);
        }
        List<Map<String, List<String>>> replicates = new ArrayList<>();
        for (org.w3c.dom.Element rs : children(root, "Replicates")) {
            for (org.w3c.dom.Element r : children(rs, "Replicate")) {
                Map<String, List<String>> sp = specimens.get(r.getAttribute("name").strip());
                if (sp == null) {
                    throw Modality.invalid(file.getFileName() + ": a replicate names no specimen in the file");
                }
                replicates.add(sp);
            }
        }
        if (replicates.isEmpty()) {
            throw Modality.invalid(file.getFileName() + ": no replicates");
        }
        org.w3c.dom.Element hp = single(file, root, "HP");
        org.w3c.dom.Element hd = single(file, root, "HD");
        Map<String, Double> hpC = contributors(file, hp);
        Map<String, Double> hdC = contributors(file, hd);
        List<SmartRankSearch.Known> knowns = new ArrayList<>();
        for (String name : new java.util.LinkedHashSet<>(concat(hdC.keySet(), hpC.keySet()))) {
            Map<String, List<String>> sp = specimens.get(name);
            if (sp == null) {
                throw Modality.invalid(file.getFileName() + ": a contributor names no specimen in the file");
            }
            knowns.add(new SmartRankSearch.Known(name, sp));
        }
        org.w3c.dom.Element hpU = single(file, hp, "Unknowns");
        org.w3c.dom.Element hdU = single(file, hd, "Unknowns");
        // every number is range-checked here, written as !(lo <= x && x <= hi) so that NaN is refused too: a
        // negative unknowns count recursed until the stack overflowed, NaN/negative theta or drop-in 7 gave
        // meaningless LRs, and a negative rare-allele frequency negative probabilities
        double dropin = number(file, text(root, "Dropin", "0"));
        if (!(dropin >= 0 && dropin < 1)) {
            throw Modality.invalid(file.getFileName() + ": Dropin must be in [0, 1)");
        }
        double theta = number(file, text(root, "Theta", "0"));
        if (!(theta >= 0 && theta < 1)) {
            throw Modality.invalid(file.getFileName() + ": Theta must be in [0, 1)");
        }
        double rare = number(file, text(root, "RareAlleleFrequency", "0.0003"));
        if (!(rare > 0 && rare <= 1)) {
            throw Modality.invalid(file.getFileName() + ": RareAlleleFrequency must be in (0, 1]");
        }
        double lrThreshold = number(file, text(root, "LrThreshold", "1000"));
        if (!(lrThreshold >= 0 && lrThreshold < Double.POSITIVE_INFINITY)) {
            throw Modality.invalid(file.getFileName() + ": LrThreshold must be a number >= 0");
        }
        return new SmartRankSearch.Criteria(replicates, knowns, hpC, hdC, unknowns(file, "HP", hpU),
                dropout(file, hpU.getAttribute("dropout")), unknowns(file, "HD", hdU),
                dropout(file, hdU.getAttribute("dropout")), dropout(file, hp.getAttribute("candidateDropout")),
                dropin, theta, rare, lrThreshold);
    }

    private static int unknowns(Path file, String hyp, org.w3c.dom.Element u) {
        int n = integer(file, u.getAttribute("count"));
        if (n < 0 || n > MixtureLikelihood.MAX_UNKNOWNS) {
            throw Modality.invalid(file.getFileName() + ": " + hyp + " Unknowns count must be 0.."
                    + MixtureLikelihood.MAX_UNKNOWNS);
        }
        return n;
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    private static List<org.w3c.dom.Element> children(org.w3c.dom.Element e, String tag) {
        List<org.w3c.dom.Element> out = new ArrayList<>();
        for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element c) {
                String name = c.getTagName();
                if (name.substring(name.indexOf(':') + 1).equals(tag)) { // any namespace prefix
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static org.w3c.dom.Element single(Path file, org.w3c.dom.Element e, String tag) {
        List<org.w3c.dom.Element> c = children(e, tag);
        if (c.size() != 1) {
            throw Modality.invalid(file.getFileName() + ": expected one " + tag + " element");
        }
        return c.get(0);
    }

    private static String text(org.w3c.dom.Element e, String tag, String def) {
        List<org.w3c.dom.Element> c = children(e, tag);
        return c.isEmpty() ? def : c.get(0).getTextContent().strip();
    }

    private static Map<String, Double> contributors(Path file, org.w3c.dom.Element hyp) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (org.w3c.dom.Element cs : children(hyp, "Contributors")) {
            for (org.w3c.dom.Element c : children(cs, "Contributor")) {
                out.put(c.getAttribute("name").strip(), dropout(file, c.getAttribute("dropout")));
            }
        }
        return out;
    }

    private static double dropout(Path file, String v) {
        if (v.strip().equalsIgnoreCase("automatic")) {
            throw Modality.invalid(file.getFileName() + ": automatic drop-out estimation is not supported");
        }
        double d = number(file, v);
        if (!(d >= 0 && d <= 0.99)) { // NaN passed d < 0 || d > 0.99
            throw Modality.invalid(file.getFileName() + ": drop-out must be 0..0.99");
        }
        return d;
    }

    private static double number(Path file, String v) {
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw Modality.invalid(file.getFileName() + ": malformed number in search criteria");
        }
    }

    private static int integer(Path file, String v) {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw Modality.invalid(file.getFileName() + ": malformed count in search criteria");
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw Modality.invalid("cannot read " + file.getFileName());
        }
    }
}
