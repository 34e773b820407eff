package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A database search as SmartRank (NFI) defines it, with its full hypotheses: known contributors with their own
 * drop-out under H<sub>p</sub> and H<sub>d</sub>, separate unknown counts and drop-outs, a candidate drop-out, several
 * replicates. The per-locus model is {@link MixtureLikelihood#smartRankLikelihood}; {@code mode=mixture-lr
 * model=smartrank} is the special case without known contributors and one replicate.
 *
 * <p>SmartRank's rules reproduced here:
 * <ul>
 *   <li>Loci: those of the replicates, less every locus that a known profile lacks or has empty, less loci the
 *       frequency table does not list; per candidate, the enabled loci the candidate is typed at.</li>
 *   <li>Pr(E | H<sub>d</sub>) is computed once per search: θ is conditioned on the known profiles only (those not
 *       contributing under H<sub>d</sub> are non-contributors: conditioned, not in the trace).</li>
 *   <li>Pr(E | H<sub>p</sub>): the candidate (drop-out {@code candidateDropout}) + H<sub>p</sub>'s known contributors +
 *       unknowns that carry only replicate alleles; θ conditioned on the candidate and all known profiles.</li>
 *   <li>A locus where both probabilities are 0 (a known donor with drop-out 0 whose allele is absent from the trace)
 *       makes the candidate's LR NaN, so it is never reported, as in SmartRank.</li>
 * </ul>
 * Per locus the H<sub>p</sub> value depends only on the candidate's genotype over (replicate alleles + one allele Q
 * for all others; exact because unknowns cannot carry Q), so it is tabulated once per search. Thread-safe after
 * construction.
 */
public final class SmartRankSearch {
    /** A known profile: name and locus name -> alleles (one or two; a single allele is one copy). */
    public record Known(String name, Map<String, List<String>> loci) {
    }

    /** The search criteria (the content of a SmartRank search-criteria file). */
    public record Criteria(List<Map<String, List<String>>> replicates, List<Known> knowns,
                           Map<String, Double> hpContributors, Map<String, Double> hdContributors, int hpUnknowns,
                           double hpUnknownDropout, int hdUnknowns, double hdUnknownDropout, double candidateDropout,
                           double dropin, double theta, double rareAlleleFrequency, double lrThreshold) {
    }

    private final int[] loci;
    /** Per enabled locus: replicate alleles (sorted, distinct). */
    private final int[][] evidence;
    /** Per enabled locus: log10 Pr(E | Hp) − log10 Pr(E | Hd) over (evidence + Q)², row-major, NaN for 0/0. */
    private final double[][] table;

    /** Prepares the search; INVALID_INPUT on a malformed allele or too many unknowns. */
    public SmartRankSearch(Criteria c, AlleleFrequencies freqs) {
        if (c.hpUnknowns() > MixtureLikelihood.MAX_UNKNOWNS || c.hdUnknowns() > MixtureLikelihood.MAX_UNKNOWNS
                || c.hpUnknowns() < 0 || c.hdUnknowns() < 0) {
            throw Modality.invalid("0 to " + MixtureLikelihood.MAX_UNKNOWNS + " unknowns per hypothesis");
        }
        List<Integer> enabled = new ArrayList<>();
        for (Map<String, List<String>> r : c.replicates()) {
            for (String name : r.keySet()) {
                int l = Loci.require(name);
                if (!enabled.contains(l)) {
                    enabled.add(l);
                }
            }
        }
        enabled.removeIf(l -> !freqs.hasLocus(l) || c.knowns().stream().anyMatch(k -> known(k, l).length == 0));
        loci = enabled.stream().mapToInt(Integer::intValue).toArray();
        evidence = new int[loci.length][];
        table = new double[loci.length][];
        for (int i = 0; i < loci.length; i++) {
            int l = loci[i];
            List<int[]> reps = new ArrayList<>();
            for (Map<String, List<String>> r : c.replicates()) {
                reps.add(codes(r, l));
            }
            int[] ev = reps.stream().flatMapToInt(Arrays::stream).distinct().sorted().toArray();
            evidence[i] = ev;
            List<Integer> knownAlleles = new ArrayList<>();
            List<MixtureLikelihood.Contributor> hp = new ArrayList<>();
            List<MixtureLikelihood.Contributor> hd = new ArrayList<>();
            for (Known k : c.knowns()) {
                int[] g = known(k, l);
                for (int a : g) {
                    knownAlleles.add(a);
                }
                int b = g.length > 1 ? g[1] : Allele.NONE;
                Double dp = c.hpContributors().get(k.name());
                if (dp != null) {
                    hp.add(new MixtureLikelihood.Contributor(g[0], b, dp));
                }
                Double dd = c.hdContributors().get(k.name());
                if (dd != null) {
                    hd.add(new MixtureLikelihood.Contributor(g[0], b, dd));
                }
            }
            int[] condHd = knownAlleles.stream().mapToInt(Integer::intValue).toArray();
            double den = MixtureLikelihood.smartRankLikelihood(l, reps, hd, condHd, c.hdUnknowns(),
                    c.hdUnknownDropout(), c.dropin(), c.theta(), freqs, false);
            int m = ev.length;
            int q = 1;
            while (Arrays.binarySearch(ev, q) >= 0) {
                q++;
            }
            double[] t = new double[(m + 1) * (m + 1)];
            for (int x = 0; x <= m; x++) {
                for (int y = x; y <= m; y++) {
                    int a = x < m ? ev[x] : q;
                    int b = y < m ? ev[y] : q;
                    List<MixtureLikelihood.Contributor> con = new ArrayList<>(hp);
                    con.add(new MixtureLikelihood.Contributor(a, b, c.candidateDropout()));
                    int[] cond = Arrays.copyOf(condHd, condHd.length + 2);
                    cond[condHd.length] = a;
                    cond[condHd.length + 1] = b;
                    double num = MixtureLikelihood.smartRankLikelihood(l, reps, con, cond, c.hpUnknowns(),
                            c.hpUnknownDropout(), c.dropin(), c.theta(), freqs, true);
                    double v = Math.log10(num) - Math.log10(den); // 0/0 -> -inf - -inf = NaN
                    t[x * (m + 1) + y] = v;
                    t[y * (m + 1) + x] = v;
                }
            }
            table[i] = t;
        }
    }

    /** The loci the search uses (candidates are compared on those they are typed at). */
    public List<String> loci() {
        return Arrays.stream(loci).mapToObj(Loci::name).toList();
    }

    /** log10 LR of a candidate (reference profile); NaN when a locus has Pr(E|Hp) = Pr(E|Hd) = 0. */
    public double log10Lr(StrProfile candidate) {
        double sum = 0;
        for (int i = 0; i < loci.length; i++) {
            int[] g = candidate.alleles(loci[i]);
            if (g == null || g.length == 0) {
                continue;
            }
            if (g.length > 2) {
                throw Modality.invalid("candidate has more than two alleles at " + Loci.name(loci[i]));
            }
            int m = evidence[i].length;
            sum += table[i][index(evidence[i], g[0]) * (m + 1) + index(evidence[i], g[g.length - 1])];
        }
        return sum;
    }

    /** Candidates with LR above the criteria's threshold, best first: id -> LR. */
    public Map<String, Double> search(Map<String, StrProfile> database, double lrThreshold) {
        double t = Math.log10(lrThreshold);
        List<Map.Entry<String, Double>> hits = new ArrayList<>();
        for (Map.Entry<String, StrProfile> e : database.entrySet()) {
            double v = log10Lr(e.getValue());
            if (v > t) { // NaN never passes
                hits.add(Map.entry(e.getKey(), v));
            }
        }
        hits.sort((x, y) -> Double.compare(y.getValue(), x.getValue()));
        Map<String, Double> out = new LinkedHashMap<>();
        hits.forEach(h -> out.put(h.getKey(), Math.pow(10, h.getValue())));
        return out;
    }

    private static int index(int[] ev, int code) {
        int i = Arrays.binarySearch(ev, code);
        return i >= 0 ? i : ev.length;
    }

    private static int[] codes(Map<String, List<String>> r, int l) {
        for (Map.Entry<String, List<String>> e : r.entrySet()) {
            if (Loci.indexOf(e.getKey()) == l) {
                return e.getValue().stream().mapToInt(a -> Allele.parse(a, l)).filter(a -> a != Allele.NONE)
                        .distinct().sorted().toArray();
            }
        }
        return new int[0]; // the replicate lacks the locus: every contributor allele dropped out there
    }

    /** A known's alleles at l, one entry per copy (1 or 2); empty when it lacks the locus. */
    private static int[] known(Known k, int l) {
        for (Map.Entry<String, List<String>> e : k.loci().entrySet()) {
            if (Loci.indexOf(e.getKey()) == l) {
                int[] a = e.getValue().stream().filter(s -> !s.isBlank()).mapToInt(s -> Allele.parse(s, l))
                        .filter(x -> x != Allele.NONE).toArray();
                if (a.length > 2) {
                    throw Modality.invalid("known profile " + k.name() + " has more than two alleles at "
                            + Loci.name(l));
                }
                return a;
            }
        }
        return new int[0];
    }
}
