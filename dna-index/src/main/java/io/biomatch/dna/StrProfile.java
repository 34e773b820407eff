package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One STR profile: the alleles seen at each typed locus, which loci are partial, the specimen category and the
 * number of contributors. Immutable and validated on construction.
 *
 * <ul>
 *   <li>Alleles at a locus are the distinct allele codes seen ({@link Allele}), ascending. A homozygote is one
 *       code with the partial bit clear ("12,12"); a partial single-source locus is one code with the partial bit
 *       set ("12,-" or a lone "12": the other allele was not seen and is unknown).</li>
 *   <li>A mixture has {@code contributors} &gt; 1 and up to {@code 2 * contributors} distinct alleles per locus;
 *       its alleles are the set seen, so the partial bit is not used.</li>
 *   <li>Amelogenin (X/Y) is kept but never counts as a compared locus.</li>
 * </ul>
 *
 * Messages of validation errors name the locus and the rule, never the alleles.
 */
public final class StrProfile {
    /** Largest declared number of contributors. */
    public static final int MAX_CONTRIBUTORS = 4;
    /** Template encoding version (first byte). */
    static final int TEMPLATE_VERSION = 1;

    private final byte[][] alleles; // [Loci.COUNT], null = untyped; unsigned codes ascending
    private final int typedMask;
    private final int partialMask;
    private final SpecimenCategory category;
    private final int contributors;

    private StrProfile(byte[][] alleles, int partialMask, SpecimenCategory category, int contributors) {
        this.alleles = alleles;
        int m = 0;
        for (int l = 0; l < Loci.COUNT; l++) {
            if (alleles[l] != null) {
                m |= 1 << l;
            }
        }
        this.typedMask = m;
        this.partialMask = partialMask;
        this.category = category;
        this.contributors = contributors;
    }

    /**
     * Builds and validates a profile from allele designations per locus name (any spelling), e.g.
     * {@code "vWA" -> ["14", "16"]}, {@code "D3S1358" -> ["15", "-"]}.
     *
     * @param contributors declared number of contributors, or 0 to infer it (1, or the fewest that explain the
     *                     largest allele count)
     */
    public static StrProfile of(Map<String, List<String>> loci, SpecimenCategory category, int contributors) {
        byte[][] a = new byte[Loci.COUNT][];
        int partial = 0;
        int maxDistinct = 0;
        for (Map.Entry<String, List<String>> e : loci.entrySet()) {
            int l = Loci.require(e.getKey());
            if (a[l] != null) {
                throw Modality.invalid("locus " + Loci.name(l) + " is given twice");
            }
            int seen = 0;
            int unknown = 0;
            int[] codes = new int[e.getValue().size()];
            for (String s : e.getValue()) {
                int c = Allele.parse(s, l);
                if (c == Allele.NONE) {
                    unknown++;
                } else {
                    codes[seen++] = c;
                }
            }
            if (seen == 0) {
                continue; // "-,-": not typed
            }
            int[] distinct = Arrays.stream(codes, 0, seen).distinct().sorted().toArray();
            byte[] b = new byte[distinct.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) distinct[i];
            }
            a[l] = b;
            // One allele seen and nothing saying it is a homozygote ("12" or "12,-"): partial.
            if (distinct.length == 1 && seen == 1 && l != Loci.AMEL) {
                partial |= 1 << l;
            }
            if (unknown > 0 && seen > 1 && distinct.length > 1) {
                throw Modality.invalid("locus " + Loci.name(l) + " mixes '-' with two or more alleles");
            }
            if (l != Loci.AMEL) {
                maxDistinct = Math.max(maxDistinct, distinct.length);
            }
        }
        int n = contributors > 0 ? contributors : Math.max(1, (maxDistinct + 1) / 2);
        if (n > 1) {
            partial = 0; // a mixture's alleles are the set seen
        }
        return validated(a, partial, category, n);
    }

    private static StrProfile validated(byte[][] a, int partial, SpecimenCategory category, int contributors) {
        if (contributors < 1 || contributors > MAX_CONTRIBUTORS) {
            throw Modality.invalid("number of contributors must be 1.." + MAX_CONTRIBUTORS);
        }
        if (category == null) {
            category = SpecimenCategory.UNSPECIFIED;
        }
        boolean any = false;
        for (int l = 0; l < Loci.COUNT; l++) {
            byte[] b = a[l];
            if (b == null) {
                if ((partial >>> l & 1) != 0) {
                    throw Modality.invalid("partial flag on an untyped locus");
                }
                continue;
            }
            if (b.length == 0) {
                throw Modality.invalid("locus " + Loci.name(l) + " has no alleles");
            }
            for (int i = 0; i < b.length; i++) {
                int c = b[i] & 0xFF;
                if (c == Allele.NONE || (i > 0 && c <= (b[i - 1] & 0xFF))) {
                    throw Modality.invalid("alleles of locus " + Loci.name(l) + " are not distinct and ascending");
                }
                boolean sex = c == Allele.X || c == Allele.Y;
                if (sex != (l == Loci.AMEL)) {
                    throw Modality.invalid("X/Y alleles belong to AMEL only (locus " + Loci.name(l) + ")");
                }
            }
            if (l == Loci.AMEL) {
                continue;
            }
            any = true;
            if (b.length > 2 * contributors) {
                throw Modality.invalid("locus " + Loci.name(l) + " has " + b.length + " alleles, more than "
                        + contributors + " contributor(s) can explain");
            }
            if ((partial >>> l & 1) != 0 && (b.length != 1 || contributors != 1)) {
                throw Modality.invalid("partial flag at locus " + Loci.name(l)
                        + " needs a single-source profile with one allele there");
            }
        }
        if (!any) {
            throw Modality.invalid("profile has no typed STR locus (amelogenin alone does not count)");
        }
        return new StrProfile(a, partial, category, contributors);
    }

    /** Alleles at locus {@code l} (codes ascending, a copy), or null when untyped. */
    public int[] alleles(int l) {
        byte[] b = alleles[l];
        if (b == null) {
            return null;
        }
        int[] r = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i] & 0xFF;
        }
        return r;
    }

    /** Number of distinct alleles at locus {@code l}; 0 when untyped. */
    public int alleleCount(int l) {
        return alleles[l] == null ? 0 : alleles[l].length;
    }

    /** Allele {@code i} at locus {@code l} (code). */
    public int allele(int l, int i) {
        return alleles[l][i] & 0xFF;
    }

    /** Bit l set when locus l is typed. */
    public int typedMask() {
        return typedMask;
    }

    /** Bit l set when locus l shows one allele and the other is unknown ("a/-"). */
    public int partialMask() {
        return partialMask;
    }

    public boolean isPartial(int l) {
        return (partialMask >>> l & 1) != 0;
    }

    public SpecimenCategory category() {
        return category;
    }

    public int contributors() {
        return contributors;
    }

    public boolean isMixture() {
        return contributors > 1;
    }

    /** Number of typed loci that count in a comparison (amelogenin excluded). */
    public int comparableLoci() {
        return Integer.bitCount(typedMask & Loci.COMPARABLE_MASK);
    }

    /** A copy with another category. */
    public StrProfile withCategory(SpecimenCategory c) {
        return new StrProfile(alleles, partialMask, c, contributors);
    }

    /** A copy keeping only the loci in {@code mask}. */
    public StrProfile restrictedTo(int mask) {
        byte[][] a = new byte[Loci.COUNT][];
        for (int l = 0; l < Loci.COUNT; l++) {
            if ((mask >>> l & 1) != 0) {
                a[l] = alleles[l];
            }
        }
        return validated(a, partialMask & mask, category, contributors);
    }

    /** Designations per canonical locus name, in locus order ("a/-" shown as [a, -], homozygote as [a, a]). */
    public Map<String, List<String>> toMap() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int l = 0; l < Loci.COUNT; l++) {
            byte[] b = alleles[l];
            if (b == null) {
                continue;
            }
            List<String> s = new ArrayList<>();
            for (byte c : b) {
                s.add(Allele.format(c & 0xFF));
            }
            if (b.length == 1 && contributors == 1) {
                s.add(isPartial(l) ? "-" : s.get(0));
            }
            m.put(Loci.name(l), s);
        }
        return m;
    }

    /**
     * The stored template:
     * <pre>
     *   u8 version (1) | u8 category | u8 contributors | u8 n
     *   n times: u8 locus | u8 flags (bit 0 = partial) | u8 count | count x u8 allele code (ascending)
     * </pre>
     */
    public byte[] toTemplate() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 + Loci.COUNT * 5);
        out.write(TEMPLATE_VERSION);
        out.write(category.ordinal());
        out.write(contributors);
        out.write(Integer.bitCount(typedMask));
        for (int l = 0; l < Loci.COUNT; l++) {
            byte[] b = alleles[l];
            if (b != null) {
                out.write(l);
                out.write(isPartial(l) ? 1 : 0);
                out.write(b.length);
                out.writeBytes(b);
            }
        }
        return out.toByteArray();
    }

    /** Decodes and validates a template; INVALID_INPUT when corrupt. */
    public static StrProfile fromTemplate(byte[] t) {
        if (t == null || t.length < 4 || t[0] != TEMPLATE_VERSION) {
            throw Modality.invalid("corrupt DNA template: bad header or version");
        }
        int cat = t[1] & 0xFF;
        if (cat >= SpecimenCategory.values().length) {
            throw Modality.invalid("corrupt DNA template: unknown category");
        }
        int contributors = t[2] & 0xFF;
        int n = t[3] & 0xFF;
        byte[][] a = new byte[Loci.COUNT][];
        int partial = 0;
        int pos = 4;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (pos + 3 > t.length) {
                throw Modality.invalid("corrupt DNA template: truncated");
            }
            int l = t[pos] & 0xFF;
            int flags = t[pos + 1] & 0xFF;
            int count = t[pos + 2] & 0xFF;
            pos += 3;
            if (l >= Loci.COUNT || l <= last || flags > 1 || count < 1 || count > 2 * MAX_CONTRIBUTORS
                    || pos + count > t.length) {
                throw Modality.invalid("corrupt DNA template: bad locus record");
            }
            last = l;
            a[l] = Arrays.copyOfRange(t, pos, pos + count);
            pos += count;
            if (flags == 1) {
                partial |= 1 << l;
            }
        }
        if (pos != t.length) {
            throw Modality.invalid("corrupt DNA template: trailing bytes");
        }
        try {
            return validated(a, partial, SpecimenCategory.values()[cat], contributors);
        } catch (RuntimeException e) {
            throw Modality.invalid("corrupt DNA template: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StrProfile p && p.partialMask == partialMask && p.category == category
                && p.contributors == contributors && Arrays.deepEquals(p.alleles, alleles);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(alleles) * 31 + partialMask;
    }

    @Override
    public String toString() {
        // No alleles: profiles are biometric data.
        return "StrProfile[loci=" + comparableLoci() + ", contributors=" + contributors + ", category="
                + category.label() + "]";
    }
}
