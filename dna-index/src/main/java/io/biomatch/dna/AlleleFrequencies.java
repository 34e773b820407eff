package io.biomatch.dna;

import io.biomatch.core.SharedData;
import io.biomatch.core.EngineException;
import io.biomatch.core.spi.Modality;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Allele frequencies of one population, per locus and allele code, with the minimum allele frequency rule.
 *
 * <p>Minimum allele frequency: an allele that is rare or unseen in the sample gets at least 5/2N, where 2N is the
 * number of sampled alleles at that locus (NRC II, 1996, section 5). When the table does not give 2N, the floor
 * is {@code fallbackMinFrequency}, or when that is NaN the smallest frequency listed at the locus.
 *
 * <p>Readers (format detected from the first line by {@link #read}):
 * <ul>
 *   <li>long CSV: {@code population,locus,allele,frequency[,n_alleles]} or {@code locus,allele,frequency};</li>
 *   <li>Familias text database: a locus-name line, then {@code allele<TAB>frequency} lines;</li>
 *   <li>EuroForMix / FBI wide: {@code Allele;L1;L2;...} (semicolon or comma; empty = allele absent).</li>
 * </ul>
 * Locus names are normalised ({@link Loci}); loci and allele names without a code are skipped.
 */
public final class AlleleFrequencies {
    /** System property: path of the default frequency table. */
    public static final String PROPERTY_FILE = "biomatch.dna.frequencies";
    /** System property: population of the default table (long CSV only). */
    public static final String PROPERTY_POPULATION = "biomatch.dna.population";
    /** Default table under the shared data root, and its default population. */
    public static final String DEFAULT_SHARED_FILE = "dna/frequencies/nist1036_29loci_4pops.csv";
    public static final String DEFAULT_POPULATION = "Cauc";

    private final String source;
    private final double[][] freq; // [locus][256], NaN = not listed
    private final double[] minFrequency; // [locus], NaN = locus absent
    private final int[] sampledAlleles; // [locus] 2N, 0 = unknown
    private boolean floorListed = true;

    private AlleleFrequencies(String source, double[][] freq, int[] sampledAlleles, double fallbackMin) {
        for (int l = 0; l < freq.length; l++) {
            for (int a = 0; a < freq[l].length; a++) {
                double f = freq[l][a];
                if (!Double.isNaN(f) && !(f > 0 && f <= 1)) { // NaN: not in the table
                    throw Modality.invalid("frequency table " + source + ": " + Loci.name(l) + " allele "
                            + Allele.format(a) + " has frequency " + f + " (must be in (0, 1])");
                }
            }
        }
        this.source = source;
        this.freq = freq;
        this.sampledAlleles = sampledAlleles;
        this.minFrequency = new double[Loci.COUNT];
        Arrays.fill(minFrequency, Double.NaN);
        for (int l = 0; l < Loci.COUNT; l++) {
            double smallest = Double.POSITIVE_INFINITY;
            boolean any = false;
            for (double f : freq[l]) {
                if (!Double.isNaN(f)) {
                    any = true;
                    smallest = Math.min(smallest, f);
                }
            }
            if (!any) {
                continue;
            }
            if (sampledAlleles[l] > 0) {
                minFrequency[l] = 5.0 / sampledAlleles[l];
            } else {
                minFrequency[l] = Double.isNaN(fallbackMin) ? smallest : fallbackMin;
            }
        }
    }

    /** Where the table came from (file name and population), for reports. */
    public String source() {
        return source;
    }

    /** True when the table lists at least one allele at locus {@code l}. */
    public boolean hasLocus(int l) {
        return !Double.isNaN(minFrequency[l]);
    }

    /** The minimum allele frequency at locus {@code l} (5/2N), NaN when the locus is absent. */
    public double minFrequency(int l) {
        return minFrequency[l];
    }

    /** 2N at locus {@code l}, 0 when unknown. */
    public int sampledAlleles(int l) {
        return sampledAlleles[l];
    }

    /** The listed frequency, NaN when not listed. */
    public double listed(int l, int code) {
        return freq[l][code];
    }

    /**
     * Frequency used in statistics: max(listed, minimum frequency); the minimum for unlisted and off-ladder
     * alleles. INVALID_INPUT when the table has no frequencies for the locus.
     */
    public double frequency(int l, int code) {
        double min = minFrequency[l];
        if (Double.isNaN(min)) {
            throw Modality.invalid("no allele frequencies for locus " + Loci.name(l) + " in " + source);
        }
        double f = freq[l][code];
        return Double.isNaN(f) ? min : floorListed ? Math.max(f, min) : f;
    }

    /** The codes listed at locus {@code l}, ascending. */
    public int[] listedAlleles(int l) {
        int n = 0;
        int[] r = new int[256];
        for (int c = 1; c < 256; c++) {
            if (!Double.isNaN(freq[l][c])) {
                r[n++] = c;
            }
        }
        return Arrays.copyOf(r, n);
    }

    // ---------------------------------------------------------------- readers

    /** The default table: {@value #PROPERTY_FILE} if set, else NIST 1036 Cauc from the shared data; null if none. */
    public static AlleleFrequencies defaultOrNull() {
        String pop = System.getProperty(PROPERTY_POPULATION, DEFAULT_POPULATION);
        String file = System.getProperty(PROPERTY_FILE);
        if (file != null && !file.isBlank()) {
            return read(Path.of(file), pop);
        }
        Path root = SharedData.rootOrNull();
        if (root == null || !Files.isRegularFile(root.resolve(DEFAULT_SHARED_FILE))) {
            return null;
        }
        return read(root.resolve(DEFAULT_SHARED_FILE), pop);
    }

    /** Reads a table, detecting the format; {@code population} selects rows of a long CSV (ignored otherwise). */
    public static AlleleFrequencies read(Path file, String population) {
        try {
            return readAny(file, population);
        } catch (EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            // a raw parse exception surfaced as an internal error at the first search (the server's table loads
            // then): say which file and what
            throw Modality.invalid("frequency table " + file.getFileName()
                    + " cannot be read: " + (e instanceof ArrayIndexOutOfBoundsException ? "a row has too few fields"
                    : e instanceof NumberFormatException ? "a number cannot be read (" + e.getMessage() + ")"
                    : String.valueOf(e.getMessage())));
        }
    }

    private static AlleleFrequencies readAny(Path file, String population) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read frequency table " + file, e);
        }
        String first = lines.stream().filter(s -> !s.isBlank()).findFirst().orElse("");
        String head = unquote(first.split("[,;\t]")[0]).toLowerCase(Locale.ROOT);
        String name = file.getFileName().toString();
        if (head.equals("allele")) {
            return readWide(name, lines);
        }
        if (head.equals("population") || head.equals("locus") || head.equals("marker")) {
            return readLong(name, lines, population);
        }
        return readFamilias(name, lines);
    }

    /** Population names in a long CSV. */
    public static Set<String> populations(Path file) {
        try {
            Set<String> out = new TreeSet<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!unquote(lines.get(0).split(",")[0]).equalsIgnoreCase("population")) {
                return out;
            }
            for (int i = 1; i < lines.size(); i++) {
                if (!lines.get(i).isBlank()) {
                    out.add(unquote(lines.get(i).split(",")[0]));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AlleleFrequencies readLong(String name, List<String> lines, String population) {
        String[] header = splitLine(lines.get(0));
        int cPop = -1, cLocus = -1, cAllele = -1, cFreq = -1, cN = -1;
        for (int i = 0; i < header.length; i++) {
            switch (header[i].toLowerCase(Locale.ROOT)) {
                case "population" -> cPop = i;
                case "locus", "marker" -> cLocus = i;
                case "allele" -> cAllele = i;
                case "frequency", "freq" -> cFreq = i;
                case "n_alleles", "n", "2n" -> cN = i;
                default -> { }
            }
        }
        if (cLocus < 0 || cAllele < 0 || cFreq < 0) {
            throw Modality.invalid("frequency table " + name + ": header needs locus, allele and frequency");
        }
        double[][] f = emptyTable();
        int[] twoN = new int[Loci.COUNT];
        boolean popFound = cPop < 0;
        Set<String> pops = new TreeSet<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] r = splitLine(lines.get(i));
            if (cPop >= 0) {
                pops.add(r[cPop]);
                if (!r[cPop].equalsIgnoreCase(population)) {
                    continue;
                }
                popFound = true;
            }
            int l = Loci.indexOf(r[cLocus]);
            if (l < 0) {
                continue;
            }
            int code = Allele.parseTableAllele(r[cAllele], l);
            if (code < 0) {
                continue;
            }
            f[l][code] = nanSum(f[l][code], Double.parseDouble(r[cFreq]));
            if (cN >= 0 && cN < r.length && !r[cN].isBlank() && !r[cN].equalsIgnoreCase("NA")) {
                twoN[l] = (int) Math.round(Double.parseDouble(r[cN]));
            }
        }
        if (!popFound) {
            throw Modality.invalid("frequency table " + name + " has no population '" + population + "'; it has "
                    + pops);
        }
        return new AlleleFrequencies(name + (cPop >= 0 ? " (" + population + ")" : ""), f, twoN, Double.NaN);
    }

    static AlleleFrequencies readFamilias(String name, List<String> lines) {
        double[][] f = emptyTable();
        int l = -2; // -2: no locus yet; -1: unknown locus (skip its rows)
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] r = line.split("\\s*[\t;,]\\s*|\\s+");
            boolean alleleRow = r.length >= 2 && isNumber(r[1])
                    && (isNumber(r[0]) || r[0].startsWith("<") || r[0].startsWith(">") || r[0].equalsIgnoreCase("OL"));
            if (!alleleRow) {
                l = Loci.indexOf(line);
                continue;
            }
            if (l < 0) {
                continue;
            }
            int code = Allele.parseTableAllele(r[0], l);
            if (code >= 0) {
                f[l][code] = nanSum(f[l][code], Double.parseDouble(r[1]));
            }
        }
        return new AlleleFrequencies(name, f, new int[Loci.COUNT], Double.NaN);
    }

    static AlleleFrequencies readWide(String name, List<String> lines) {
        String sep = lines.get(0).contains(";") ? ";" : ",";
        String[] header = lines.get(0).split(sep, -1);
        int[] locus = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            locus[i] = i == 0 ? -1 : Loci.indexOf(unquote(header[i]));
        }
        double[][] f = emptyTable();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] r = lines.get(i).split(sep, -1);
            String allele = unquote(r[0]);
            for (int j = 1; j < r.length && j < header.length; j++) {
                String v = unquote(r[j]);
                if (locus[j] < 0 || v.isEmpty() || v.equalsIgnoreCase("NA")) {
                    continue;
                }
                int code = Allele.parseTableAllele(allele, locus[j]);
                if (code >= 0) {
                    f[locus[j]][code] = nanSum(f[locus[j]][code], Double.parseDouble(v));
                }
            }
        }
        return new AlleleFrequencies(name, f, new int[Loci.COUNT], Double.NaN);
    }

    /** A table from explicit values (tests, generated data): {@code freqs[l][code]}, NaN = not listed. */
    public static AlleleFrequencies of(String source, double[][] freqs, int[] sampledAlleles, double fallbackMin) {
        double[][] f = emptyTable();
        for (int l = 0; l < Math.min(freqs.length, Loci.COUNT); l++) {
            if (freqs[l] != null) {
                System.arraycopy(freqs[l], 0, f[l], 0, Math.min(256, freqs[l].length));
            }
        }
        return new AlleleFrequencies(source, f, sampledAlleles == null ? new int[Loci.COUNT]
                : Arrays.copyOf(sampledAlleles, Loci.COUNT), fallbackMin);
    }

    /**
     * A table that uses listed frequencies as they are and gives {@code rareAlleleFrequency} only to alleles it
     * does not list (the rule of LRmix Studio and SmartRank, whose "rare allele frequency" is not a floor).
     */
    public static AlleleFrequencies ofUnfloored(String source, double[][] freqs, double rareAlleleFrequency) {
        AlleleFrequencies a = of(source, freqs, null, rareAlleleFrequency);
        a.floorListed = false;
        return a;
    }

    /**
     * Reads an STRBase XML frequency file as SmartRank uses it: {@code <frequencies><marker><name>VWA</name>
     * <origin ...><frequency allele="11">9.66744E-05</frequency>...}. Markers that are not known loci and alleles
     * without a code are skipped. Unlisted alleles get {@code rareAlleleFrequency}; listed ones are not floored
     * ({@link #ofUnfloored}).
     */
    public static AlleleFrequencies readStrBaseXml(Path file, double rareAlleleFrequency) {
        double[][] f = emptyTable();
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            javax.xml.parsers.DocumentBuilderFactory dbf = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            dbf.setExpandEntityReferences(false);
            org.w3c.dom.Document doc = dbf.newDocumentBuilder().parse(in);
            org.w3c.dom.NodeList markers = doc.getElementsByTagName("marker");
            for (int i = 0; i < markers.getLength(); i++) {
                org.w3c.dom.Element m = (org.w3c.dom.Element) markers.item(i);
                org.w3c.dom.NodeList names = m.getElementsByTagName("name");
                if (names.getLength() == 0) {
                    continue;
                }
                int l = Loci.indexOf(names.item(0).getTextContent().strip());
                if (l < 0) {
                    continue;
                }
                org.w3c.dom.NodeList fr = m.getElementsByTagName("frequency");
                for (int j = 0; j < fr.getLength(); j++) {
                    org.w3c.dom.Element e = (org.w3c.dom.Element) fr.item(j);
                    int code = Allele.parseTableAllele(e.getAttribute("allele"), l);
                    if (code > 0) {
                        f[l][code] = nanSum(f[l][code], Double.parseDouble(e.getTextContent().strip()));
                    }
                }
            }
        } catch (java.io.IOException | javax.xml.parsers.ParserConfigurationException
                 | org.xml.sax.SAXException | NumberFormatException e) {
            throw Modality.invalid("unreadable STRBase XML frequency file " + file.getFileName() + ": "
                    + e.getClass().getSimpleName());
        }
        return ofUnfloored(file.getFileName().toString(), f, rareAlleleFrequency);
    }

    private static double nanSum(double a, double b) {
        return Double.isNaN(a) ? b : a + b; // two names with one code (e.g. "<8" twice) add up
    }

    private static double[][] emptyTable() {
        double[][] f = new double[Loci.COUNT][256];
        for (double[] row : f) {
            Arrays.fill(row, Double.NaN);
        }
        return f;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String[] splitLine(String line) {
        String[] r = line.split(",", -1);
        List<String> out = new ArrayList<>(r.length);
        for (String s : r) {
            out.add(unquote(s));
        }
        return out.toArray(String[]::new);
    }

    private static String unquote(String s) {
        s = s.strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }
}
