package io.biomatch.dna;

import io.biomatch.core.spi.Modality;

/**
 * Allele designations as one-byte codes, the unit of storage, matching and frequency look-up.
 *
 * <pre>
 *   code 0          no allele (padding)
 *   code 1..250     repeat number r.f with r in 1..50 and microvariant f in 0..4: code = 1 + (r - 1) * 5 + f
 *                   (9 -> 41, 9.3 -> 44, 2.2 -> 8, 50.4 -> 250)
 *   code 251, 252   amelogenin X, Y
 *   code 253        off-ladder below the ladder ("&lt;8")
 *   code 254        off-ladder above the ladder ("&gt;24")
 *   code 255        off-ladder, size not given ("OL")
 * </pre>
 *
 * Off-ladder alleles compare by class: the bound in "&lt;8" belongs to the kit's ladder, not to the allele, and two
 * labs' "&lt;8" and "&lt;7" may be the same allele, so both become "below the ladder". Microvariants beyond .4 do
 * not occur in the STR systems handled here and are rejected (report such an allele as OL).
 */
public final class Allele {
    public static final int NONE = 0;
    public static final int X = 251;
    public static final int Y = 252;
    public static final int BELOW_LADDER = 253;
    public static final int ABOVE_LADDER = 254;
    public static final int OFF_LADDER = 255;
    /** Largest repeat number that has its own code. */
    public static final int MAX_REPEATS = 50;

    private Allele() {
    }

    /** Code of a numeric allele, or -1 when it has no code (out of range or microvariant &gt; .4). */
    public static int codeOf(int repeats, int tenth) {
        if (repeats < 1 || repeats > MAX_REPEATS || tenth < 0 || tenth > 4) {
            return -1;
        }
        return 1 + (repeats - 1) * 5 + tenth;
    }

    /** True for a repeat-number code (not amelogenin, not off-ladder). */
    public static boolean isNumeric(int code) {
        return code >= 1 && code <= 250;
    }

    /**
     * Parses one allele designation of locus {@code locus}. Returns the code, or {@link #NONE} for "-" (allele not
     * seen / unknown). INVALID_INPUT on anything malformed.
     */
    public static int parse(String text, int locus) {
        String s = text.trim();
        if (s.equals("-") || s.equals("?")) {
            return NONE;
        }
        if (locus == Loci.AMEL) {
            if (s.equalsIgnoreCase("X")) {
                return X;
            }
            if (s.equalsIgnoreCase("Y")) {
                return Y;
            }
            throw Modality.invalid("malformed allele at AMEL: expected X or Y");
        }
        if (s.equalsIgnoreCase("OL") || s.equalsIgnoreCase("O.L.")) {
            return OFF_LADDER;
        }
        if (s.startsWith("<") || s.startsWith(">")) {
            if (!isDecimal(s.substring(1).trim())) {
                throw Modality.invalid("malformed off-ladder allele at " + Loci.name(locus)
                        + ": expected <n, >n or OL");
            }
            return s.charAt(0) == '<' ? BELOW_LADDER : ABOVE_LADDER;
        }
        if (!isDecimal(s)) {
            throw Modality.invalid("malformed allele at " + Loci.name(locus)
                    + ": expected a repeat number such as 9, 9.3, <8, >24 or OL");
        }
        int dot = s.indexOf('.');
        int repeats = Integer.parseInt(dot < 0 ? s : s.substring(0, dot));
        int tenth = 0;
        if (dot >= 0) {
            String frac = s.substring(dot + 1);
            // "9.30" is accepted as 9.3; "9.35" is not an allele.
            frac = frac.replaceAll("0+$", "");
            if (frac.length() > 1) {
                throw Modality.invalid("malformed allele at " + Loci.name(locus)
                        + ": a microvariant has one digit after the point (9.3)");
            }
            tenth = frac.isEmpty() ? 0 : frac.charAt(0) - '0';
        }
        int code = codeOf(repeats, tenth);
        if (code < 0) {
            throw Modality.invalid("allele out of range at " + Loci.name(locus)
                    + ": repeat numbers 1 to 50 with microvariants .1 to .4; report other alleles as <n, >n or OL");
        }
        return code;
    }

    private static boolean isDecimal(String s) {
        if (s.isEmpty() || s.length() > 8) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (++dots > 1 || i == 0 || i == s.length() - 1) {
                    return false;
                }
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Designation of a code: "9", "9.3", "X", "<", "&gt;", "OL". */
    public static String format(int code) {
        if (isNumeric(code)) {
            int repeats = (code - 1) / 5 + 1;
            int tenth = (code - 1) % 5;
            return tenth == 0 ? Integer.toString(repeats) : repeats + "." + tenth;
        }
        return switch (code) {
            case X -> "X";
            case Y -> "Y";
            case BELOW_LADDER -> "<";
            case ABOVE_LADDER -> ">";
            case OFF_LADDER -> "OL";
            case NONE -> "-";
            default -> throw new IllegalArgumentException("not an allele code: " + code);
        };
    }

    /**
     * Parses an allele name from a frequency table (lenient: returns -1 for names without a code, e.g. "51.2"
     * or "9.5", which a table may list; such rows are skipped).
     */
    static int parseTableAllele(String text, int locus) {
        try {
            int c = parse(text, locus);
            return c == NONE ? -1 : c;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
