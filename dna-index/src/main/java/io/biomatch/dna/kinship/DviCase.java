package io.biomatch.dna.kinship;

import io.biomatch.core.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a DVI case directory (see {@link DviData} for the layout): pairwise LRs of every (victim, missing person) with
 * the number of inconsistent loci, undisputed identifications (refined as dvir does: identified victims are placed in
 * their families and the rule is applied again) and the joint solution ranked by likelihood with flat-prior
 * posteriors. θ is 0 in DVI (as in dvir).
 */
public final class DviCase {
    /** Assignments kept by the joint search. */
    public static final int KEEP_SOLUTIONS = 10;
    /**
     * Two assignments tie when their natural-log LRs differ by at most this: the lookup tables hold LRs per locus as
     * float (relative error about 6e-8 per locus), so exact symmetric solutions differ in the last digits.
     */
    public static final double TIE_LOG_TOLERANCE = 1e-5;

    private DviCase() {
    }

    /** One (victim, missing person) pair. inconsistentLoci is -1 when their sexes differ (not compared). */
    public record Pair(String victim, String missing, String family, double lr, double log10Lr,
                       int inconsistentLoci) {
    }

    /**
     * An undisputed identification (LR >= 10,000 and 10,000 times every competing LR in its row and column), found in
     * refinement round {@code round}: 0 from the pairwise matrix, k > 0 after the identifications of rounds < k were
     * placed in their families (dvir's {@code findUndisputed}); {@code lr} is the LR of that round (conditioned on
     * the victims already placed in the family).
     */
    public record Identification(String victim, String missing, String family, double lr, int round) {
    }

    /**
     * A joint assignment: victim -> missing person (unidentified victims omitted), log10 LR against "nobody
     * identified", posterior under a flat prior, and whether it ties the best (symmetric: e.g. siblings that the
     * data cannot tell apart).
     */
    public record Solution(int rank, Map<String, String> assignment, double log10Lr, double posterior,
                           boolean tiedWithBest) {
    }

    /** The case result. */
    public record Result(String caseName, int victims, int missingPersons, int families, int loci,
                         List<Pair> pairwise, List<Identification> undisputed, List<Solution> solutions,
                         boolean posteriorsOverAllAssignments, long familyPlacements, Map<String, String> truth,
                         boolean bestContainsTruth, List<String> warnings, long millis) {
        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "DVI case %s: %d victims, %d missing persons in %d families, %d loci"
                    + " (%d ms)%n", caseName, victims, missingPersons, families, loci, millis));
            b.append("pairwise log10 LR (inconsistent loci) where LR > 0:\n");
            Map<String, List<Pair>> byVictim = new LinkedHashMap<>();
            for (Pair p : pairwise) {
                byVictim.computeIfAbsent(p.victim(), k -> new ArrayList<>()).add(p);
            }
            byVictim.forEach((v, ps) -> {
                b.append(String.format(Locale.ROOT, "  %-8s", v));
                for (Pair p : ps) {
                    if (p.lr() > 0) {
                        b.append(String.format(Locale.ROOT, " %s:%.2f(%d)", p.missing(), p.log10Lr(),
                                p.inconsistentLoci()));
                    }
                }
                b.append('\n');
            });
            b.append("undisputed:");
            if (undisputed.isEmpty()) {
                b.append(" none");
            }
            for (Identification i : undisputed) {
                b.append(String.format(Locale.ROOT, " %s=%s (LR %.3g%s)", i.victim(), i.missing(), i.lr(),
                        i.round() > 0 ? ", round " + i.round() : ""));
            }
            b.append('\n');
            b.append(posteriorsOverAllAssignments ? "joint solutions (posteriors over all assignments):\n"
                    : "joint solutions (posteriors over the listed assignments only):\n");
            for (Solution s : solutions) {
                b.append(String.format(Locale.ROOT, "  #%d log10 LR %.3f posterior %.4f%s %s%n", s.rank(),
                        s.log10Lr(), s.posterior(), s.tiedWithBest() ? " (ties best)" : "", s.assignment()));
            }
            if (!truth.isEmpty()) {
                b.append("truth ").append(truth).append(bestContainsTruth
                        ? ": contained in the best solution (or one tying with it)"
                        : ": NOT contained in the best solution").append('\n');
            }
            for (String w : warnings) {
                b.append("warning: ").append(w).append('\n');
            }
            return b.toString();
        }
    }

    /** Reads and solves a case directory. */
    public static Result run(Path caseDir) {
        return run(DviData.read(caseDir), caseDir.getFileName().toString());
    }

    /** Solves a loaded case. */
    public static Result run(DviData data, String name) {
        long t0 = System.nanoTime();
        DviSolver s = new DviSolver(data);
        s.buildTargets();
        s.pairwise();
        int nt = s.targets.size();
        String[] tid = new String[nt];
        String[] tfam = new String[nt];
        for (int t = 0; t < nt; t++) {
            DviData.Family f = data.families.get(s.targets.get(t).family);
            tid[t] = f.pedigree().id(s.targets.get(t).person);
            tfam[t] = f.name();
        }
        List<Pair> pairs = new ArrayList<>();
        for (int v = 0; v < data.victims.size(); v++) {
            for (int t = 0; t < nt; t++) {
                double lr = s.sexOk[v][t] ? s.lr[v][t] : 0;
                pairs.add(new Pair(data.victims.get(v).id(), tid[t], tfam[t], lr, lr > 0 ? Math.log10(lr) : -999,
                        s.sexOk[v][t] ? s.incompatible[v][t] : -1));
            }
        }
        List<Identification> und = new ArrayList<>();
        for (DviSolver.Undisputed u : s.undisputedRefined(DviSolver.UNDISPUTED_LR)) {
            und.add(new Identification(data.victims.get(u.victim()).id(), tid[u.target()], tfam[u.target()], u.lr(),
                    u.round()));
        }
        DviSolver.Joint j = s.joint(KEEP_SOLUTIONS);
        List<Solution> sols = new ArrayList<>();
        double bestLog = j.best().isEmpty() ? 0 : j.best().get(0).logLr();
        for (int r = 0; r < j.best().size(); r++) {
            DviSolver.Assignment a = j.best().get(r);
            Map<String, String> m = new LinkedHashMap<>();
            for (int t = 0; t < nt; t++) {
                if (a.victimOfTarget()[t] >= 0) {
                    m.put(data.victims.get(a.victimOfTarget()[t]).id(), tid[t]);
                }
            }
            Map<String, String> sorted = new LinkedHashMap<>();
            for (DviData.Victim v : data.victims) {
                if (m.containsKey(v.id())) {
                    sorted.put(v.id(), m.get(v.id()));
                }
            }
            sols.add(new Solution(r + 1, sorted, a.logLr() / Math.log(10), Math.exp(a.logLr() - j.logSum()),
                    Math.abs(a.logLr() - bestLog) <= TIE_LOG_TOLERANCE));
        }
        // the best solution, or one tying with it (symmetric: relatives the data cannot tell apart)
        boolean contains = !data.truth.isEmpty() && sols.stream().filter(Solution::tiedWithBest)
                .anyMatch(sol -> data.truth.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(sol.assignment().get(e.getKey()))));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Result(name, data.victims.size(), nt, data.families.size(), model(s).loci, pairs, und, sols,
                j.exhaustive(), j.configurations(), data.truth, contains, data.freqs.warnings(), ms);
    }

    private static DviModel model(DviSolver s) {
        return s.model;
    }

    /** Text for the demo: the dvir case {@code planecrash} from the shared data. */
    public static String demo(Path sharedData) {
        Path root = sharedData != null ? sharedData : SharedData.rootOrNull();
        if (root == null) {
            return "DVI demo: shared data not found\n";
        }
        return run(root.resolve("dna/dvi/planecrash")).toText();
    }
}
