package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The canonical STR loci biomatch knows, in slot order, and locus-name normalisation.
 *
 * <p>Index 0..19 are the CODIS 20 core loci, 20 is amelogenin (sex marker: stored and shown, never counted as a
 * compared locus), then the common extra loci of the ESS/PowerPlex/GlobalFiler kits and of the NIST 1036 set.
 * The index of a locus is its bit in the slot's locus mask, so the list may grow (up to {@link #MAX}) but never
 * reorder.
 *
 * <p>Names are matched case-, space-, underscore-, hyphen-, dot- and slash-insensitively, plus a few historic
 * aliases: {@code vWA}, {@code VWA} and {@code vWA31} are one locus; {@code Penta D}, {@code PENTA_D} and
 * {@code PentaD} are one locus; {@code AMEL}, {@code Amelogenin} and {@code AM} are one locus.
 */
public final class Loci {
    /** Capacity of the 32-bit locus mask. */
    public static final int MAX = 32;

    private static final String[] CANONICAL = {
            // CODIS 20 (original 13, then the 7 added in 2017)
            "CSF1PO", "D3S1358", "D5S818", "D7S820", "D8S1179", "D13S317", "D16S539", "D18S51", "D21S11", "FGA",
            "TH01", "TPOX", "vWA", "D1S1656", "D2S441", "D2S1338", "D10S1248", "D12S391", "D19S433", "D22S1045",
            // sex marker
            "AMEL",
            // Penta / SE33 / other kit and NIST 1036 loci
            "Penta D", "Penta E", "SE33", "D6S1043", "Penta C", "F13A01", "F13B", "FESFPS", "LPL", "DYS391"};

    /** Number of defined loci. */
    public static final int COUNT = CANONICAL.length;
    /** Number of CODIS core loci (indexes 0..19). */
    public static final int CODIS_CORE = 20;
    /** Index of amelogenin. */
    public static final int AMEL = 20;
    /** Mask of every defined locus except amelogenin: the loci that count in a comparison. */
    public static final int COMPARABLE_MASK = ((1 << COUNT) - 1) & ~(1 << AMEL);

    private static final Map<String, Integer> BY_KEY = new HashMap<>();

    static {
        for (int i = 0; i < COUNT; i++) {
            BY_KEY.put(key(CANONICAL[i]), i);
        }
        alias("VWA31", "vWA");
        alias("AMELOGENIN", "AMEL");
        alias("AM", "AMEL");
        alias("THO1", "TH01");
        alias("F13A1", "F13A01");
        alias("FES", "FESFPS");
        alias("ACTBP2", "SE33");
        alias("PD", "Penta D");
        alias("PE", "Penta E");
        if (COUNT > MAX) {
            throw new AssertionError("too many loci for the 32-bit mask");
        }
    }

    private Loci() {
    }

    private static void alias(String alias, String canonical) {
        BY_KEY.put(key(alias), BY_KEY.get(key(canonical)));
    }

    private static String key(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != ' ' && c != '_' && c != '-' && c != '.' && c != '/' && c != '"' && c != '\t') {
                b.append(c);
            }
        }
        return b.toString().toUpperCase(Locale.ROOT);
    }

    /** The locus index of a name in any usual spelling, or -1 when unknown. */
    public static int indexOf(String name) {
        if (name == null) {
            return -1;
        }
        Integer i = BY_KEY.get(key(name));
        return i == null ? -1 : i;
    }

    /** The locus index of a name; INVALID_INPUT when unknown (the name is not biometric data, so it is quoted). */
    public static int require(String name) {
        int i = indexOf(name);
        if (i < 0) {
            String shown = name == null ? "null" : name.length() > 40 ? name.substring(0, 40) + "..." : name;
            throw Modality.invalid("unknown locus '" + shown + "'; known loci: " + String.join(", ", CANONICAL));
        }
        return i;
    }

    /** Canonical spelling of locus {@code index}. */
    public static String name(int index) {
        return CANONICAL[index];
    }

    /** All canonical names in index order. */
    public static List<String> names() {
        return List.of(CANONICAL);
    }

    /** The canonical name of a spelling, or null when unknown. */
    public static String normalise(String name) {
        int i = indexOf(name);
        return i < 0 ? null : CANONICAL[i];
    }
}
