package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import io.biomatch.dna.Loci;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Allele frequencies per locus for kinship work, from a {@code locus,allele,frequency} CSV (an optional leading
 * {@code population} column is accepted when the file holds one population).
 *
 * <p>Unlike the search-side {@code AlleleFrequencies}, any locus name and any allele name is kept (DVI cases use
 * loci outside the standard kits, "L1", and Familias' "Rest allele"). Locus names are normalised through
 * {@link Loci} when known ({@code VWA} = {@code vWA}); numeric alleles are normalised ({@code 9.30} = {@code 9.3}).
 * An allele seen in the data but missing from the table is added with the locus' minimum frequency and a warning.
 * Not thread-safe while alleles are being added (a case owns its own table).
 */
public final class FrequencyTable {
    /**
     * Most alleles one locus may have. Real STR loci have well under 100 (the shared tables: at most 78, D17S906 in
     * the Norwegian one; SE33 about 55). The likelihoods build n x n mutation matrices per locus and sex, so 20,000
     * alleles at one locus (3.2 GB per matrix) ran out of memory; 200 keeps a matrix at 320 KB.
     */
    public static final int MAX_ALLELES = 200;

    /** One locus: allele names in table order, their numeric values (NaN if not numeric) and frequencies. */
    public static final class Locus {
        final String name;
        final List<String> alleles = new ArrayList<>();
        final Map<String, Integer> index = new HashMap<>();
        double[] freqs = new double[0];
        double[] values = new double[0];

        Locus(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public int size() {
            return alleles.size();
        }

        public String allele(int i) {
            return alleles.get(i);
        }

        public double frequency(int i) {
            return freqs[i];
        }

        public double[] frequencies() {
            return freqs.clone();
        }

        /** Index of an allele name, or -1. */
        public int indexOf(String allele) {
            Integer i = index.get(normaliseAllele(allele));
            return i == null ? -1 : i;
        }

        double minFrequency() {
            double m = Double.MAX_VALUE;
            for (double f : freqs) {
                if (f > 0) {
                    m = Math.min(m, f);
                }
            }
            return m == Double.MAX_VALUE ? 1e-3 : m;
        }

        int add(String allele, double f) {
            if (alleles.size() >= MAX_ALLELES) {
                throw Modality.invalid("locus " + MutationModel.clip(name) + " has more than " + MAX_ALLELES
                        + " alleles (real STR loci have well under 100)");
            }
            String a = normaliseAllele(allele);
            int i = alleles.size();
            alleles.add(a);
            index.put(a, i);
            freqs = java.util.Arrays.copyOf(freqs, i + 1);
            values = java.util.Arrays.copyOf(values, i + 1);
            freqs[i] = f;
            values[i] = numericValue(a);
            return i;
        }
    }

    private final Map<String, Locus> loci = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    /** Canonical locus key: the standard spelling when {@link Loci} knows the locus, else the trimmed name. */
    public static String locusKey(String name) {
        String n = Loci.normalise(name);
        return n != null ? n : name.trim();
    }

    /**
     * A numeric allele name: STR alleles are repeat counts like 9, 9.3, 10.1 (and names like OL, X, Y start with a
     * letter). Anything else starting with a digit is refused before BigDecimal sees it: "1e999999999" threw
     * ArithmeticException in setScale and "1e-999999999" built a billion-digit string (20 s, 5 GB).
     */
    private static final java.util.regex.Pattern PLAIN_DECIMAL =
            java.util.regex.Pattern.compile("[0-9]{1,9}(\\.[0-9]{0,9})?");

    /**
     * Canonical allele spelling: numbers without trailing zeros ("9.30" -> "9.3", "09" -> "9"). INVALID_INPUT for a
     * name starting with a digit that is not a plain decimal of at most 9 + 9 digits.
     */
    public static String normaliseAllele(String a) {
        String s = a.trim();
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)))) {
            if (!PLAIN_DECIMAL.matcher(s).matches()) {
                throw Modality.invalid("allele '" + MutationModel.clip(s) + "' is not a plain decimal number of at"
                        + " most 9 digits before and after the point (STR alleles are like 9, 9.3, 10.1, OL, X)");
            }
            try {
                BigDecimal d = new BigDecimal(s).stripTrailingZeros();
                return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
            } catch (NumberFormatException e) {
                return s;
            }
        }
        return s;
    }

    static double numericValue(String a) {
        try {
            return Double.parseDouble(a);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Adds one frequency row (used by readers and by tests). */
    public FrequencyTable put(String locus, String allele, double frequency) {
        if (!(frequency > 0 && frequency <= 1)) {
            throw Modality.invalid("frequency of an allele at " + MutationModel.clip(locus) + " must be in (0, 1]");
        }
        Locus l = loci.computeIfAbsent(locusKey(locus), Locus::new);
        int i = l.indexOf(allele);
        if (i >= 0) {
            throw Modality.invalid("allele " + MutationModel.clip(allele) + " listed twice at locus " + l.name);
        }
        l.add(allele, frequency);
        return this;
    }

    /** Reads {@code locus,allele,frequency} (header optional; a leading population column is accepted). */
    public static FrequencyTable readCsv(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw Modality.invalid("cannot read frequency file " + file.getFileName() + ": " + e.getMessage());
        }
        FrequencyTable t = new FrequencyTable();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            String[] f = Csv.split(s);
            if (lineNo == 1 && f.length >= 3 && f[f.length - 1].equalsIgnoreCase("frequency")
                    || lineNo == 1 && f.length >= 3 && f[0].equalsIgnoreCase("locus")
                    || lineNo == 1 && f.length >= 4 && f[0].equalsIgnoreCase("population")) {
                continue;
            }
            String locus;
            String allele;
            String freq;
            if (f.length == 3) {
                locus = f[0];
                allele = f[1];
                freq = f[2];
            } else if (f.length >= 4) {
                locus = f[1];
                allele = f[2];
                freq = f[3];
            } else {
                throw Modality.invalid(file.getFileName() + " line " + lineNo + ": expected locus,allele,frequency");
            }
            double p;
            try {
                p = Double.parseDouble(freq.trim());
            } catch (NumberFormatException e) {
                throw Modality.invalid(file.getFileName() + " line " + lineNo + ": malformed frequency");
            }
            try {
                t.put(locus, allele, p);
            } catch (io.biomatch.core.EngineException e) {
                throw Modality.invalid(file.getFileName() + " line " + lineNo + ": " + e.getMessage());
            }
        }
        if (t.loci.isEmpty()) {
            throw Modality.invalid("frequency file " + file.getFileName() + " lists no alleles");
        }
        return t;
    }

    public boolean hasLocus(String locus) {
        return loci.containsKey(locusKey(locus));
    }

    /** The locus; INVALID_INPUT when the table has no frequencies for it. */
    public Locus locus(String locus) {
        Locus l = loci.get(locusKey(locus));
        if (l == null) {
            throw Modality.invalid("no allele frequencies for locus " + MutationModel.clip(locus));
        }
        return l;
    }

    public List<String> lociNames() {
        return List.copyOf(loci.keySet());
    }

    /**
     * Index of an allele at a locus; an allele missing from the table is added with the locus' minimum frequency and
     * a warning (once per allele).
     */
    public int alleleIndex(String locus, String allele) {
        Locus l = locus(locus);
        int i = l.indexOf(allele);
        if (i >= 0) {
            return i;
        }
        double min = l.minFrequency();
        warnings.add("allele " + normaliseAllele(allele) + " at " + l.name
                + " is not in the frequency table: given the minimum frequency " + min);
        return l.add(allele, min);
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }
}
