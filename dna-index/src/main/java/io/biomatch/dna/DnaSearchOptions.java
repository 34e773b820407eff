package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Probe options of a DNA search (the request's options map), validated.
 *
 * <table>
 *   <caption>options</caption>
 *   <tr><th>option</th><th>values</th><th>default</th></tr>
 *   <tr><td>mode</td><td>{@code stringency} | {@code mixture-lr} | {@code familial}</td><td>stringency</td></tr>
 *   <tr><td>stringency</td><td>high | moderate | low</td><td>moderate</td></tr>
 *   <tr><td>min_loci</td><td>fewest compared loci (typed in both, amelogenin excluded)</td>
 *       <td>min(8, probe's typed loci)</td></tr>
 *   <tr><td>mismatches</td><td>allowed mismatching loci</td><td>0</td></tr>
 *   <tr><td>score</td><td>{@code lr} (log10 1/RMP) | {@code loci} (matching loci)</td>
 *       <td>lr when a frequency table is configured, else loci</td></tr>
 *   <tr><td>theta</td><td>θ (F<sub>ST</sub>), 0..0.25</td><td>0.01</td></tr>
 *   <tr><td>formula</td><td>{@code nrc2-4.10} | {@code nrc2-4.1}</td><td>nrc2-4.10</td></tr>
 *   <tr><td>categories</td><td>comma list of {@link SpecimenCategory} labels to search</td><td>all</td></tr>
 *   <tr><td>dropout</td><td>mixture-lr: drop-out probability of candidate and unknowns</td><td>0.05</td></tr>
 *   <tr><td>dropout_unknowns</td><td>mixture-lr: drop-out probability of the unknown contributors</td>
 *       <td>dropout</td></tr>
 *   <tr><td>dropin</td><td>mixture-lr: drop-in probability</td><td>0.05</td></tr>
 *   <tr><td>model</td><td>mixture-lr: {@code lrmix} (LRmix Studio: unknowns may carry any allele, θ conditioned on
 *       the candidate under both hypotheses) | {@code smartrank} (SmartRank: see
 *       {@link MixtureLikelihood#smartRankLikelihood})</td><td>lrmix</td></tr>
 *   <tr><td>relation</td><td>familial: {@code parent-child} | {@code full-sibling} | {@code half-sibling}</td>
 *       <td>parent-child</td></tr>
 *   <tr><td>mutation_rate</td><td>familial parent-child: mutation rate per transmission (0 = none)</td><td>0</td></tr>
 *   <tr><td>mutation_model</td><td>familial: {@code stepwise} | {@code equal} | {@code proportional}</td>
 *       <td>stepwise</td></tr>
 *   <tr><td>mutation_range</td><td>familial stepwise: ratio of (k+1)- to k-step mutations</td><td>0.1</td></tr>
 * </table>
 */
public record DnaSearchOptions(Mode mode, Stringency stringency, int minLoci, int mismatches, boolean scoreLr,
                               double theta, MatchStatistics.Formula formula, int categoryMask, double dropout,
                               double dropin, Familial.Relation relation,
                               io.biomatch.dna.kinship.MutationModel mutation, double dropoutUnknowns,
                               MixtureModel model) {
    /** Search mode. */
    public enum Mode { STRINGENCY, MIXTURE_LR, FAMILIAL }

    /** The semi-continuous model variant of mode mixture-lr. */
    public enum MixtureModel { LRMIX, SMARTRANK }

    public static final int DEFAULT_MIN_LOCI = 8;
    public static final double DEFAULT_THETA = 0.01;
    public static final double DEFAULT_DROPOUT = 0.05;
    public static final double DEFAULT_DROPIN = 0.05;

    private static final Set<String> KNOWN = Set.of("mode", "stringency", "min_loci", "mismatches", "score", "theta",
            "formula", "categories", "dropout", "dropin", "relation", "mutation_model", "mutation_rate",
            "mutation_range", "dropout_unknowns", "model");

    /** Parses options; {@code probeLoci} is the probe's comparable locus count, {@code lrAvailable} whether a
     * frequency table is configured. */
    public static DnaSearchOptions parse(Map<String, String> o, int probeLoci, boolean lrAvailable) {
        for (String k : o.keySet()) {
            if (!KNOWN.contains(k)) {
                throw Modality.invalid("unknown DNA search option '" + (k.length() > 30 ? k.substring(0, 30) : k)
                        + "'; known: " + String.join(", ", KNOWN.stream().sorted().toList()));
            }
        }
        Mode mode = switch (o.getOrDefault("mode", "stringency").trim().toLowerCase(Locale.ROOT)) {
            case "stringency" -> Mode.STRINGENCY;
            case "mixture-lr", "mixture_lr", "lr" -> Mode.MIXTURE_LR;
            case "familial", "kinship" -> Mode.FAMILIAL;
            default -> throw Modality.invalid("option mode must be stringency, mixture-lr or familial");
        };
        Stringency s = Stringency.parse(o.getOrDefault("stringency", "moderate"));
        int minLoci = Modality.intOption(o, "min_loci", Math.max(1, Math.min(DEFAULT_MIN_LOCI, probeLoci)), 1,
                Loci.COUNT);
        int mismatches = Modality.intOption(o, "mismatches", 0, 0, Loci.COUNT);
        String score = o.getOrDefault("score", lrAvailable ? "lr" : "loci").trim().toLowerCase(Locale.ROOT);
        if (!score.equals("lr") && !score.equals("loci")) {
            throw Modality.invalid("option score must be lr or loci");
        }
        boolean scoreLr = score.equals("lr") || mode != Mode.STRINGENCY;
        if (scoreLr && !lrAvailable) {
            throw Modality.invalid("this search needs allele frequencies, but no frequency table is configured"
                    + " (set -D" + AlleleFrequencies.PROPERTY_FILE + "=FILE, or use score=loci)");
        }
        double theta = Modality.realOption(o, "theta", DEFAULT_THETA, 0, 0.25);
        MatchStatistics.Formula formula = switch (o.getOrDefault("formula", "nrc2-4.10").trim()) {
            case "nrc2-4.10", "4.10" -> MatchStatistics.Formula.NRC2_4_10;
            case "nrc2-4.1", "4.1" -> MatchStatistics.Formula.NRC2_4_1;
            default -> throw Modality.invalid("option formula must be nrc2-4.10 or nrc2-4.1");
        };
        int cats = -1;
        String c = o.get("categories");
        if (c != null && !c.isBlank()) {
            cats = 0;
            for (String part : c.split(",")) {
                cats |= 1 << SpecimenCategory.parse(part).ordinal();
            }
            if (cats == 0) { // "," would search no category at all, silently
                throw Modality.invalid("option categories names no category");
            }
        }
        double dropout = Modality.realOption(o, "dropout", DEFAULT_DROPOUT, 0, 0.99);
        double dropin = Modality.realOption(o, "dropin", DEFAULT_DROPIN, 0, 0.99);
        double dropoutUnknowns = Modality.realOption(o, "dropout_unknowns", dropout, 0, 0.99);
        MixtureModel model = switch (o.getOrDefault("model", "lrmix").trim().toLowerCase(Locale.ROOT)) {
            case "lrmix", "lrmix-studio" -> MixtureModel.LRMIX;
            case "smartrank" -> MixtureModel.SMARTRANK;
            default -> throw Modality.invalid("option model must be lrmix or smartrank");
        };
        if (mode != Mode.MIXTURE_LR) {
            for (String k : new String[] {"model", "dropout_unknowns", "dropout", "dropin"}) {
                if (o.containsKey(k)) {
                    throw Modality.invalid("option " + k + " applies to mode=mixture-lr only");
                }
            }
        }
        Familial.Relation relation = null;
        io.biomatch.dna.kinship.MutationModel mutation = io.biomatch.dna.kinship.MutationModel.NONE;
        if (mode == Mode.FAMILIAL) {
            relation = Familial.Relation.parse(o.getOrDefault("relation", "parent-child"));
            double rate = Modality.realOption(o, "mutation_rate", 0, 0, 0.2);
            double range = Modality.realOption(o, "mutation_range", 0.1, 1e-6, 0.999);
            String mutationModel = o.getOrDefault("mutation_model", "stepwise");
            mutation = io.biomatch.dna.kinship.MutationModel.parse(mutationModel, Double.toString(rate), "0",
                    Double.toString(range));
            if (!mutation.isNone() && relation != Familial.Relation.PARENT_CHILD) {
                throw Modality.invalid("a mutation model applies to relation=parent-child only");
            }
        } else {
            for (String k : new String[] {"relation", "mutation_model", "mutation_rate", "mutation_range"}) {
                if (o.containsKey(k)) {
                    throw Modality.invalid("option " + k + " applies to mode=familial only");
                }
            }
        }
        return new DnaSearchOptions(mode, s, minLoci, mismatches, scoreLr, theta, formula, cats, dropout, dropin,
                relation, mutation, dropoutUnknowns, model);
    }
}
