package io.biomatch.dna;

import io.biomatch.core.Payload;
import io.biomatch.core.spi.Modality;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code str-csv} payload format: one profile as text, one locus per row.
 *
 * <pre>
 *   # comment lines and blank lines are ignored
 *   locus,allele1,allele2[,allele3...]        e.g.  vWA,14,16     D3S1358,15,15    Penta D,9.3,-
 *   profile,locus,allele1,allele2[,...]      e.g.  S1,vWA,14,16  (every row must name the same profile)
 * </pre>
 *
 * <ul>
 *   <li>Separators: comma, semicolon or tab; fields may be quoted; "14/16" in one field is two alleles.</li>
 *   <li>An optional header row is skipped when its first field is {@code locus}, {@code marker},
 *       {@code profile}, {@code sample}, {@code samplename} or {@code specimenid} (so LRmix Studio's
 *       {@code SampleName,Marker,Allele1,...} files are read as they are).</li>
 *   <li>Alleles: repeat numbers with microvariants ({@code 9.3}), off-ladder ({@code <8}, {@code >24},
 *       {@code OL}), {@code X}/{@code Y} at amelogenin, {@code -} for an allele not seen. A homozygote is written
 *       twice ({@code 12,12}); one allele alone ({@code 12} or {@code 12,-}) is a partial locus. Empty fields are
 *       ignored (trailing commas).</li>
 *   <li>Locus names in any usual spelling ({@link Loci}).</li>
 * </ul>
 *
 * Payload attributes: {@code category} (a {@link SpecimenCategory} label, default unspecified) and
 * {@code contributors} (1..4; default: inferred from the largest allele count, two alleles per person).
 */
public final class StrCsvFormat {
    public static final String NAME = "str-csv";
    /** Largest accepted payload. */
    public static final int MAX_BYTES = 64 * 1024;

    private StrCsvFormat() {
    }

    /** Parses a payload of this format into a profile. */
    public static StrProfile parse(Payload p) {
        if (!NAME.equals(p.format())) {
            throw Modality.invalid("unsupported DNA payload format; expected " + NAME);
        }
        if (p.data().length == 0) {
            throw Modality.invalid("empty " + NAME + " payload");
        }
        if (p.data().length > MAX_BYTES) {
            throw Modality.invalid(NAME + " payload larger than " + MAX_BYTES + " bytes");
        }
        SpecimenCategory category = SpecimenCategory.UNSPECIFIED;
        String c = p.attribute("category", null);
        if (c != null && !c.isBlank()) {
            category = SpecimenCategory.parse(c);
        }
        int contributors = 0;
        String n = p.attribute("contributors", null);
        if (n != null && !n.isBlank()) {
            try {
                contributors = Integer.parseInt(n.trim());
            } catch (NumberFormatException e) {
                throw Modality.invalid("attribute contributors must be an integer 1.." + StrProfile.MAX_CONTRIBUTORS);
            }
            if (contributors < 1 || contributors > StrProfile.MAX_CONTRIBUTORS) {
                throw Modality.invalid("attribute contributors must be 1.." + StrProfile.MAX_CONTRIBUTORS);
            }
        }
        return StrProfile.of(parseLoci(new String(p.data(), StandardCharsets.UTF_8)), category, contributors);
    }

    /** Rows to locus name -&gt; designations (names as written; {@link StrProfile#of} normalises them). */
    static Map<String, List<String>> parseLoci(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a spreadsheet's byte-order mark made the first locus "unknown"
        }
        Map<String, List<String>> loci = new LinkedHashMap<>();
        String profileId = null;
        boolean first = true;
        int lineNo = 0;
        for (String raw : text.split("\r?\n|\r")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f = fields(line);
            if (first) {
                first = false;
                String h = f.get(0).toLowerCase(Locale.ROOT).replace("_", "").replace(" ", "");
                if (h.equals("locus") || h.equals("marker") || h.equals("profile") || h.equals("sample")
                        || h.equals("samplename") || h.equals("specimenid")) {
                    continue;
                }
            }
            int start;
            if (Loci.indexOf(f.get(0)) >= 0) {
                start = 0;
            } else if (f.size() >= 2 && Loci.indexOf(f.get(1)) >= 0) {
                if (profileId == null) {
                    profileId = f.get(0);
                } else if (!profileId.equals(f.get(0))) {
                    throw Modality.invalid(NAME + " line " + lineNo + ": one payload holds one profile, but a second"
                            + " profile id appears");
                }
                start = 1;
            } else {
                Loci.require(f.get(0)); // throws "unknown locus ..."
                throw new AssertionError();
            }
            String locus = f.get(start);
            if (loci.containsKey(Loci.normalise(locus))) {
                throw Modality.invalid(NAME + " line " + lineNo + ": locus " + Loci.normalise(locus)
                        + " is given twice");
            }
            List<String> alleles = new ArrayList<>();
            for (int i = start + 1; i < f.size(); i++) {
                for (String a : f.get(i).split("/")) {
                    if (!a.isBlank()) {
                        alleles.add(a.strip());
                    }
                }
            }
            if (alleles.size() > 2 * 2 * StrProfile.MAX_CONTRIBUTORS) {
                throw Modality.invalid(NAME + " line " + lineNo + ": too many alleles");
            }
            loci.put(Loci.normalise(locus), alleles);
        }
        if (loci.isEmpty()) {
            throw Modality.invalid(NAME + " payload has no locus rows");
        }
        return loci;
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && (ch == ',' || ch == ';' || ch == '\t')) {
                out.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString().strip());
        return out;
    }

    /** Writes a profile in this format (locus rows, canonical names). */
    public static String format(StrProfile p) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<String>> e : p.toMap().entrySet()) {
            b.append(e.getKey());
            for (String a : e.getValue()) {
                b.append(',').append(a);
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A payload of this format for a profile, with its category and contributors as attributes. */
    public static Payload payload(StrProfile p) {
        return new Payload(NAME, format(p).getBytes(StandardCharsets.UTF_8),
                Map.of("category", p.category().label(), "contributors", Integer.toString(p.contributors())));
    }
}
