package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A kinship case: LR = P(genotypes | H1) / P(genotypes | H2), per locus and in total.
 *
 * <p>JSON input (see {@code dna/kinship_case_example.json} in the shared data): {@code id}, {@code theta},
 * {@code mutation} ({@code {"model": "none"|"equal"|"proportional"|"stepwise", "rate", "rate2", "range"}}, the same
 * for both sexes, or {@code {"male": {...}, "female": {...}}}), {@code H1_pedigrees} and {@code H2_pedigrees} (lists of
 * pedigrees, each a list of {@code {"id", "fid", "mid", "sex"}}), {@code genotypes} ({@code {person: {locus: "a/b"}}},
 * {@code "a/-"} for one allele seen, {@code "-/-"} untyped). Frequencies: a {@code locus,allele,frequency} CSV.
 */
public final class KinshipCase {
    private KinshipCase() {
    }

    /** LR of one locus. */
    public record LocusLr(String locus, double likelihoodH1, double likelihoodH2, double lr) {
    }

    /** The result: per-locus LRs, the total LR and its log10, and warnings (alleles given the minimum frequency). */
    public record Result(String caseId, double theta, String mutationMale, String mutationFemale, List<LocusLr> loci,
                         double totalLr, double log10Lr, List<String> warnings) {
        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append("kinship case ").append(caseId).append(" (theta ").append(theta).append(", mutation male ")
                    .append(mutationMale).append(", female ").append(mutationFemale).append(")\n");
            b.append(String.format(Locale.ROOT, "%-10s %14s %14s %12s%n", "locus", "P(E|H1)", "P(E|H2)", "LR"));
            for (LocusLr l : loci) {
                b.append(String.format(Locale.ROOT, "%-10s %14.6g %14.6g %12.6g%n", l.locus(), l.likelihoodH1(),
                        l.likelihoodH2(), l.lr()));
            }
            b.append(String.format(Locale.ROOT, "total LR %.6g (log10 %.4f)%n", totalLr, log10Lr));
            for (String w : warnings) {
                b.append("warning: ").append(w).append('\n');
            }
            return b.toString();
        }
    }

    /** Reads and runs a case file with a frequency CSV. */
    public static Result run(Path caseJson, Path freqCsv) {
        String text;
        try {
            text = Files.readString(caseJson);
        } catch (IOException e) {
            throw Modality.invalid("cannot read case file " + caseJson.getFileName() + ": " + e.getMessage());
        }
        return run(text, FrequencyTable.readCsv(freqCsv));
    }

    /** Runs a case given as JSON text. */
    @SuppressWarnings("unchecked")
    public static Result run(String caseJson, FrequencyTable freqs) {
        Object parsed = Json.parse(caseJson);
        if (!(parsed instanceof Map<?, ?> root)) {
            throw Modality.invalid("a kinship case is a JSON object");
        }
        Map<String, Object> c = (Map<String, Object>) root;
        String id = c.get("id") == null ? "case" : String.valueOf(c.get("id"));
        double theta = c.get("theta") == null ? 0 : num(c.get("theta"), "theta");
        if (!(theta >= 0 && theta < 1)) {
            throw Modality.invalid("theta must be in [0, 1)");
        }
        MutationModel male = MutationModel.NONE;
        MutationModel female = MutationModel.NONE;
        if (c.get("mutation") instanceof Map<?, ?> mu) {
            if (mu.containsKey("male") || mu.containsKey("female")) {
                male = model(mu.get("male"), "mutation.male");
                female = model(mu.get("female"), "mutation.female");
            } else {
                male = model(mu, "mutation");
                female = male;
            }
        } else if (c.get("mutation") != null) {
            // "mutation": "equal" was silently read as no mutation
            throw Modality.invalid("mutation must be an object {\"model\", \"rate\", ...} or {\"male\": {...},"
                    + " \"female\": {...}}");
        }
        List<Pedigree> h1 = pedigrees(c.get("H1_pedigrees"), "H1_pedigrees");
        List<Pedigree> h2 = pedigrees(c.get("H2_pedigrees"), "H2_pedigrees");
        Map<String, Map<String, String[]>> byLocus = new LinkedHashMap<>(); // locus -> person -> genotype
        if (c.get("genotypes") instanceof Map<?, ?> gm) {
            for (Map.Entry<?, ?> pe : gm.entrySet()) {
                String person = String.valueOf(pe.getKey());
                if (!(pe.getValue() instanceof Map<?, ?> loci)) {
                    throw Modality.invalid("genotypes of '" + MutationModel.clip(person) + "' must be an object");
                }
                for (Map.Entry<?, ?> le : loci.entrySet()) {
                    String[] g = KinshipLikelihood.parseGenotype(String.valueOf(le.getValue()));
                    if (g == null) {
                        continue;
                    }
                    String locus = FrequencyTable.locusKey(String.valueOf(le.getKey()));
                    for (String a : g) {
                        try {
                            if (a != null) {
                                FrequencyTable.normaliseAllele(a);
                            }
                        } catch (io.biomatch.core.EngineException x) {
                            throw Modality.invalid("genotype of '" + MutationModel.clip(person) + "' at "
                                    + MutationModel.clip(locus) + ": " + x.getMessage());
                        }
                    }
                    byLocus.computeIfAbsent(locus, k -> new LinkedHashMap<>()).put(person, g);
                }
            }
        } else if (c.get("genotypes") != null) {
            throw Modality.invalid("genotypes must be an object {person: {locus: \"a/b\"}}");
        }
        Set<String> typed = new LinkedHashSet<>();
        byLocus.values().forEach(m -> typed.addAll(m.keySet()));
        for (String p : typed) {
            if (!contains(h1, p) || !contains(h2, p)) {
                throw Modality.invalid("typed person '" + MutationModel.clip(p) + "' must appear in both hypotheses");
            }
        }
        List<String> missingLoci = new ArrayList<>();
        for (String locus : byLocus.keySet()) {
            if (!freqs.hasLocus(locus)) {
                missingLoci.add(locus);
            }
        }
        if (!missingLoci.isEmpty()) {
            throw Modality.invalid("no allele frequencies for locus/loci " + String.join(", ", missingLoci));
        }
        // resolve every allele first: alleles missing from the table are added before matrices are built
        for (Map.Entry<String, Map<String, String[]>> e : byLocus.entrySet()) {
            for (String[] g : e.getValue().values()) {
                for (String a : g) {
                    if (a != null) {
                        freqs.alleleIndex(e.getKey(), a);
                    }
                }
            }
        }
        List<LocusLr> out = new ArrayList<>();
        double total = 1;
        double log10 = 0;
        for (Map.Entry<String, Map<String, String[]>> e : byLocus.entrySet()) {
            String locus = e.getKey();
            FrequencyTable.Locus fl = freqs.locus(locus);
            boolean[] observed = new boolean[fl.size()];
            for (String[] g : e.getValue().values()) {
                for (String a : g) {
                    if (a != null) {
                        observed[fl.indexOf(a)] = true;
                    }
                }
            }
            double[][] mm = male.matrix(fl.name(), fl.freqs, fl.values);
            double[][] ff = female.equals(male) ? mm : female.matrix(fl.name(), fl.freqs, fl.values);
            double l1 = KinshipLikelihood.locusLikelihood(h1, e.getValue(), locus, freqs, male, female, mm, ff,
                    observed, theta);
            double l2 = KinshipLikelihood.locusLikelihood(h2, e.getValue(), locus, freqs, male, female, mm, ff,
                    observed, theta);
            if (l2 == 0) {
                throw Modality.invalid("the genotypes at " + locus + " are impossible under H2 (likelihood 0)");
            }
            double lr = l1 / l2;
            // last guard: never print or return a NaN or infinite LR (a degenerate model must fail, naming the locus)
            if (!Double.isFinite(l1) || !Double.isFinite(l2) || !Double.isFinite(lr)) {
                throw Modality.invalid("the LR at locus " + fl.name() + " is not a finite number (P(E|H1) " + l1
                        + ", P(E|H2) " + l2 + "): the mutation model or frequencies there are degenerate");
            }
            out.add(new LocusLr(fl.name(), l1, l2, lr));
            total *= lr;
            log10 += Math.log10(lr);
        }
        return new Result(id, theta, male.toString(), female.toString(), out, total, log10, freqs.warnings());
    }

    private static boolean contains(List<Pedigree> peds, String id) {
        for (Pedigree p : peds) {
            if (p.indexOf(id) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static double num(Object o, String what) {
        if (o instanceof Double d) {
            return d;
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw Modality.invalid(what + " must be a number");
    }

    private static MutationModel model(Object o, String what) {
        if (o == null) {
            return MutationModel.NONE;
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw Modality.invalid(what + " must be an object {\"model\", \"rate\", ...}");
        }
        return MutationModel.parse(m.get("model") == null ? "none" : String.valueOf(m.get("model")),
                str(m.get("rate")), str(m.get("rate2")), str(m.get("range")));
    }

    private static String str(Object o) {
        return o == null ? null : o instanceof Double d ? Double.toString(d) : String.valueOf(o);
    }

    @SuppressWarnings("unchecked")
    private static List<Pedigree> pedigrees(Object o, String what) {
        if (!(o instanceof List<?> list) || list.isEmpty()) {
            throw Modality.invalid(what + " must be a non-empty list of pedigrees");
        }
        List<Pedigree> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Object po : list) {
            if (!(po instanceof List<?> persons)) {
                throw Modality.invalid(what + ": a pedigree is a list of persons");
            }
            List<Pedigree.Person> ps = new ArrayList<>();
            for (Object x : persons) {
                if (!(x instanceof Map<?, ?> pm)) {
                    throw Modality.invalid(what + ": a person is an object {id, fid, mid, sex}");
                }
                Map<String, Object> p = (Map<String, Object>) pm;
                String pid = p.get("id") == null ? null : idStr(p.get("id"));
                double sex = p.get("sex") == null ? 0 : num(p.get("sex"), "sex");
                ps.add(new Pedigree.Person(pid, idStr(p.get("fid")), idStr(p.get("mid")), (int) sex));
                if (pid != null && !seen.add(pid)) {
                    throw Modality.invalid(what + ": person '" + MutationModel.clip(pid) + "' is in two pedigrees");
                }
            }
            out.add(new Pedigree(ps));
        }
        return out;
    }

    private static String idStr(Object o) {
        if (o == null) {
            return "0";
        }
        if (o instanceof Double d && d == Math.rint(d)) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(o);
    }
}
