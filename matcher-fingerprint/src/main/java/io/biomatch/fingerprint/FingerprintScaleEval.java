package io.biomatch.fingerprint;

import com.machinezoo.sourceafis.FingerprintMatcher;
import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.Minutiae;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identification inside a large seeded background ({@link FingerprintBackground}): the FVC sets'
 * impression 1 of every finger plus {@code background} generated templates form the gallery (one 2 KiB
 * slot each, off-heap); every other impression is a probe.
 *
 * <ul>
 *   <li>Fast path, every probe: the first-stage kernel scans all slots (timed, one thread per probe) and keeps
 *   its best {@code max(shortlists)}, which SourceAFIS re-scores; rank-1 for each short-list size S is read
 *   from the same pass (the best SourceAFIS score among the first S). With {@code --pairing-depth D} the first
 *   stage keeps its best D instead (its exact pruning threshold depends on how many it keeps), the pairing
 *   stage re-scores them from their slots (timed, and added to the first stage's time) and the short lists are
 *   cut from its order (at most D long), as the engine does per shard with pairing on.</li>
 *   <li>Exhaustive SourceAFIS, on a sample of probes: every slot's template matched by SourceAFIS
 *   ({@code FingerprintMatcher.match} on heap templates; only the match calls are timed, template
 *   construction is not charged). Its rank-1 on the sample is compared with the fast path's on the same
 *   probes; for the other probes the stand-in is the best SourceAFIS score among the first stage's best
 *   {@code --reference-depth R} (default max(D, max(shortlists)); exact first-stage order, untimed), and on the
 *   sample its agreement with exhaustive is reported.</li>
 *   <li>Speed-up for S = exhaustive time / (first-stage time + re-scoring time of the first S), all measured
 *   in this run. Re-scoring is timed per candidate as the engine runs it ({@code FingerprintModality.rescore}
 *   on the candidate's stored template bytes: locate + SourceAFIS template construction + match) on the real
 *   short lists, so the cost of S is the summed time of exactly those S candidates (reading the record store
 *   is not charged). On the first {@value #SAME_PAIRS} candidates of every short list the engine path and a
 *   plain SourceAFIS match on a ready template are timed again, each pair one way only (by rank mod 2, so
 *   neither way runs on caches warmed by the other on the same pair), and each must return the score the
 *   engine path gave that pair in the short list (checked).</li>
 *   <li>Adaptive depth ({@code --stop-scores}, {@code --stop-chunk}): the short list is re-scored in
 *   first-stage order in chunks, stopping at the end of the chunk where the best score so far reaches the
 *   stop score T, else at S; read from the same pass. A probe with no mate in the gallery never stops
 *   early (when the background never reaches T), so its cost is the fixed-S cost.</li>
 *   <li>Mates sit after the background (ties rank the background first: conservative).</li>
 * </ul>
 * Everything scales linearly with the gallery (first stage, exhaustive, impostor-driven mate ranks), so a
 * short list S at background N corresponds to S x (1,000,000 / N) at 1,000,000 with the same speed-up;
 * {@link Result#toText()} prints that projection.
 */
public final class FingerprintScaleEval {
    /**
     * First candidates of every short list on which the engine path and a plain match are compared (each pair
     * timed one way only, the way chosen by rank mod 2).
     */
    static final int SAME_PAIRS = 500;

    /**
     * @param stopScores adaptive depth: stop scores T to evaluate (SourceAFIS scores)
     * @param stopChunk  adaptive depth: candidates re-scored between two checks of the stop rule
     * @param pairingDepth the pairing stage ({@code PairingStage}) re-orders the first stage's best
     *                   {@code pairingDepth} candidates before the short lists are cut (0 = off: first-stage order);
     *                   the timed first stage then keeps that many (its pruning threshold depends on it), and
     *                   short lists longer than it are cut at it
     * @param referenceDepth the stand-in for exhaustive SourceAFIS is the best SourceAFIS score among the first
     *                   stage's best {@code referenceDepth} (exact first-stage order, untimed); 0 = the larger of
     *                   the longest short list and the pairing depth
     */
    public record Options(int background, long seed, int threads, int exhaustiveProbes, List<Integer> shortlists,
                          boolean mirroredSeeds, List<Float> stopScores, int stopChunk, int pairingDepth,
                          int referenceDepth) {
        public static Options defaults() {
            return new Options(100_000, 42, Math.max(1, Runtime.getRuntime().availableProcessors()), 10,
                    List.of(1, 5, 10, 20, 50, 100, 200, 500, 1000), true, List.of(40f, 45f, 50f, 60f),
                    FingerprintModality.DEFAULT_STOP_CHUNK, 0, 0);
        }
    }

    /**
     * Re-scoring cost per candidate, microseconds, one thread. {@code samePairs} short-list pairs: the engine's
     * path and a plain match on a ready template (the exhaustive reference's unit of work);
     * {@code allCandidates}: the engine's path over every short-listed candidate; {@code galleryLoop}: the
     * earlier runs' measure (1,000 calls cycling over probes and the 30 gallery templates, so genuine pairs,
     * which SourceAFIS takes ~5x longer to match, weigh more than in a short list).
     */
    public record RescoreCost(long samePairs, double sameNewMicros, double sameMatchMicros,
                              double allCandidatesNewMicros, double galleryLoopNewMicros) {
    }

    /**
     * Adaptive depth at short list S and stop score T: rank-1 and its loss vs the stand-in; mean candidates
     * re-scored; share of probes that stopped early; false stops (the stop was triggered by a non-mate);
     * speed-up over these (mated) probes, and for a probe without a mate (= fixed S).
     */
    public record AdaptivePoint(int shortlist, float stopScore, int chunk, double rank1, double rank1LostVsStandIn,
                                double meanRescored, double stoppedEarly, int falseStops, double speedup,
                                double speedupNoMate, double searchMillisOneThread) {
    }

    public record Point(int shortlist, double shortlistFraction, double rank1, double rank1LostVsStandIn,
                        double mateInShortlist, double sampleRank1, double sampleRank1Lost, double speedup,
                        double searchMillisOneThread, int projectedShortlistAt1M) {
    }

    public record SetPoint(String set, int probes, double standInRank1, List<Double> rank1BySortlist) {
    }

    public record Result(int background, int gallerySlots, int seeds, int probes, long offHeapBytesPerFinger,
                         long offHeapBytes, long heapBytesBefore, long heapBytesAfterBuild,
                         long heapBytesAfterSearch, double firstStageComparisonsPerSecond,
                         double sourceafisComparisonsPerSecond, double rescoreMillisPerCandidate,
                         double firstStageMillisPerSearch, double exhaustiveMillisPerSearch,
                         int exhaustiveSampleProbes, double sampleExhaustiveRank1, double sampleStandInAgreement,
                         double standInRank1, int[] mateRankPercentiles, double maxBackgroundScoreP50,
                         int backgroundAbove40, List<SetPoint> sets, List<Point> points, RescoreCost rescoreCost,
                         double maxBackgroundScoreSample, double[] shortlistBackgroundMaxPercentiles,
                         List<AdaptivePoint> adaptive, int pairingDepth, double pairingMillisPerSearch,
                         int referenceDepth) {
        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT,
                    "fingerprint scale eval: %,d background + %d gallery fingers (%d seed templates), %d probes%n",
                    background, gallerySlots - background, seeds, probes));
            b.append(String.format(Locale.ROOT,
                    "off-heap %,d B per finger, %,d B total; heap used after GC: %,d B before, %,d B after "
                            + "building the background, %,d B after searching%n",
                    offHeapBytesPerFinger, offHeapBytes, heapBytesBefore, heapBytesAfterBuild, heapBytesAfterSearch));
            b.append(String.format(Locale.ROOT,
                    "per thread: first stage %,.0f comparisons/s, SourceAFIS %,.0f comparisons/s (x%.1f); re-scoring "
                            + "%.3f ms/candidate; first stage %.1f ms/search, exhaustive SourceAFIS %.0f ms/search%n",
                    firstStageComparisonsPerSecond, sourceafisComparisonsPerSecond,
                    firstStageComparisonsPerSecond / sourceafisComparisonsPerSecond, rescoreMillisPerCandidate,
                    firstStageMillisPerSearch, exhaustiveMillisPerSearch));
            if (pairingDepth > 0) {
                b.append(String.format(Locale.ROOT, "pairing stage on the first stage's best %,d: %.1f ms/search "
                        + "(%.2f us/candidate), included in the first stage's ms/search above and in every row below%n",
                        pairingDepth, pairingMillisPerSearch, pairingMillisPerSearch * 1e3 / pairingDepth));
            }
            RescoreCost c = rescoreCost;
            b.append(String.format(Locale.ROOT,
                    "re-scoring per candidate, %,d short-list pairs (half each way): engine path %.1f us, plain "
                            + "SourceAFIS match %.1f us (engine path = x%.2f a match); all short-listed candidates: "
                            + "%.1f us; gallery loop (previous measure): %.1f us%n",
                    c.samePairs(), c.sameNewMicros(), c.sameMatchMicros(), c.sameNewMicros() / c.sameMatchMicros(),
                    c.allCandidatesNewMicros(), c.galleryLoopNewMicros()));
            b.append(String.format(Locale.ROOT,
                    "exhaustive SourceAFIS on %d sample probes: rank-1 %.2f %%; stand-in (best SourceAFIS score among the "
                            + "first stage's best %d) agrees on %.0f %% of them; stand-in rank-1 over all probes %.2f %%%n",
                    exhaustiveSampleProbes, 100 * sampleExhaustiveRank1, referenceDepth,
                    100 * sampleStandInAgreement, 100 * standInRank1));
            b.append(String.format(Locale.ROOT,
                    "sample: median over probes of the best background SourceAFIS score %.1f, max %.1f; background "
                            + "scores >= 40: %d%n",
                    maxBackgroundScoreP50, maxBackgroundScoreSample, backgroundAbove40));
            b.append(String.format(Locale.ROOT,
                    "best non-mate SourceAFIS score in each probe's re-scored short list, percentiles 50/90/99/max: "
                            + "%s%n", Arrays.toString(shortlistBackgroundMaxPercentiles)));
            b.append(String.format(Locale.ROOT, "mate first-stage rank percentiles 50/90/95/99/max: %s%n",
                    Arrays.toString(mateRankPercentiles)));
            b.append(String.format(Locale.ROOT, "%n%7s %9s %9s %10s %9s %12s %12s %9s %10s %12s%n", "S", "S/N %",
                    "rank-1", "lost(pts)", "mate in", "sample r-1", "sample lost", "speed-up", "ms/search",
                    "S at 1M"));
            for (Point p : points) {
                b.append(String.format(Locale.ROOT, "%7d %9.3f %8.2f%% %10.2f %8.2f%% %11.2f%% %12.2f %9.1f %10.1f %12d%n",
                        p.shortlist(), 100 * p.shortlistFraction(), 100 * p.rank1(), 100 * p.rank1LostVsStandIn(),
                        100 * p.mateInShortlist(), 100 * p.sampleRank1(), 100 * p.sampleRank1Lost(), p.speedup(),
                        p.searchMillisOneThread(), p.projectedShortlistAt1M()));
            }
            if (!adaptive.isEmpty()) {
                b.append(String.format(Locale.ROOT, "%nadaptive depth: re-score in short-list order, chunks of %d, stop "
                        + "at the end of the chunk where the best score >= T, else at S%n", adaptive.get(0).chunk()));
                b.append(String.format(Locale.ROOT, "%7s %6s %9s %10s %11s %9s %7s %9s %10s %13s%n", "S", "T",
                        "rank-1", "lost(pts)", "mean depth", "stopped", "false", "speed-up", "ms/search",
                        "no-mate s-up"));
                for (AdaptivePoint a : adaptive) {
                    b.append(String.format(Locale.ROOT, "%7d %6.1f %8.2f%% %10.2f %11.1f %8.1f%% %7d %9.1f %10.1f %13.1f%n",
                            a.shortlist(), a.stopScore(), 100 * a.rank1(), 100 * a.rank1LostVsStandIn(),
                            a.meanRescored(), 100 * a.stoppedEarly(), a.falseStops(), a.speedup(),
                            a.searchMillisOneThread(), a.speedupNoMate()));
                }
            }
            b.append(String.format(Locale.ROOT, "%nper set: rank-1 of the stand-in, then fast at each S%n"));
            for (SetPoint s : sets) {
                StringBuilder r = new StringBuilder();
                for (double v : s.rank1BySortlist()) {
                    r.append(String.format(Locale.ROOT, " %.1f", 100 * v));
                }
                b.append(String.format(Locale.ROOT, "  %-14s %3d probes  stand-in %.1f %%  fast:%s%n", s.set(),
                        s.probes(), 100 * s.standInRank1(), r));
            }
            return b.toString();
        }
    }

    private FingerprintScaleEval() {
    }

    static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    public static Result run(List<Path> setDirs, Path isoRoot, Options o) throws Exception {
        FingerprintModality modality = new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(1));
        Map<String, List<FingerprintEval.Item>> sets = FingerprintEval.load(modality, setDirs, o.threads());
        List<FingerprintEval.Item> gallery = new ArrayList<>();
        List<FingerprintEval.Item> probes = new ArrayList<>();
        List<Minutiae> mirrored = new ArrayList<>();
        for (List<FingerprintEval.Item> items : sets.values()) {
            for (FingerprintEval.Item it : items) {
                (it.impression() == 1 ? gallery : probes).add(it);
                if (o.mirroredSeeds()) {
                    mirrored.add(StoredTemplateFormat.decode(it.stored()).get(0).minutiae());
                }
            }
        }
        gallery.sort(Comparator.comparing(FingerprintEval.Item::key));
        Map<String, Integer> mateOf = new java.util.HashMap<>();
        int n = o.background();
        for (int g = 0; g < gallery.size(); g++) {
            mateOf.put(gallery.get(g).key(), n + g);
        }
        probes.removeIf(p -> !mateOf.containsKey(p.key()));
        FingerprintBackground bg = new FingerprintBackground(
                FingerprintBackground.seeds(isoRoot, new HashSet<>(sets.keySet()), mirrored), o.seed());

        long heapBefore = usedHeap();
        int total = n + gallery.size();
        int slotBytes = modality.slotBytes();
        List<Integer> sls = o.shortlists();
        int smax = Math.min(total, sls.stream().mapToInt(Integer::intValue).max().orElse(100));
        // the timed first stage keeps what the next stage takes: the pairing depth, or the longest short list
        int firstDepth = Math.min(total, o.pairingDepth() > 0 ? o.pairingDepth() : smax);
        int listDepth = Math.min(smax, firstDepth);
        int referenceDepth = Math.min(total, o.referenceDepth() > 0 ? o.referenceDepth() : Math.max(smax, firstDepth));
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slots = arena.allocate((long) total * slotBytes, 64);
            ExecutorService pool = Executors.newFixedThreadPool(o.threads());
            try {
                List<Future<?>> fs = new ArrayList<>();
                int chunk = 4096;
                for (int from = 0; from < n; from += chunk) {
                    int a = from, z = Math.min(n, from + chunk);
                    fs.add(pool.submit(() -> {
                        for (int i = a; i < z; i++) {
                            FingerSlotLayout.writeFinger(slots, (long) i * slotBytes, 0, bg.generate(i), 1);
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                for (int g = 0; g < gallery.size(); g++) {
                    modality.writeSlot(gallery.get(g).stored(), slots.asSlice((long) (n + g) * slotBytes, slotBytes));
                }
                long heapAfterBuild = usedHeap();
                long[] live = new long[Bits.words(total)];
                for (int i = 0; i < total; i++) {
                    Bits.set(live, i);
                }
                // warm-up
                TopK warm = new TopK(Integer::compare);
                for (int w = 0; w < 2; w++) {
                    warm.reset(smax, Float.NEGATIVE_INFINITY);
                    modality.kernel().scan(probes.get(w).probe(), slots, slotBytes, live, 0, Math.min(total, 50_000), warm);
                }
                // fast path: first stage + re-scoring of the top smax
                int P = probes.size();
                int[][] shortOrd = new int[P][];
                double[][] shortAfis = new double[P][];
                int[] mateRank = new int[P];
                long[] firstNanos = new long[P];
                long[] pairingNanos = new long[P];
                long[][] rescoreNanosCum = new long[P][]; // [p][q] = engine re-scoring time of the first q candidates
                boolean[] standInCorrect = new boolean[P];
                int[] referenceMaxMateRank = new int[1];
                AtomicLong samePairs = new AtomicLong(), sameNew = new AtomicLong(), sameMatch = new AtomicLong();
                List<Future<?>> pf = new ArrayList<>();
                for (int p = 0; p < P; p++) {
                    int pi = p;
                    pf.add(pool.submit(() -> {
                        FingerprintEval.Item probe = probes.get(pi);
                        TopK top = new TopK(Integer::compare);
                        top.reset(firstDepth, Float.NEGATIVE_INFINITY);
                        long t0 = System.nanoTime();
                        modality.kernel().scan(probe.probe(), slots, slotBytes, live, 0, total, top);
                        firstNanos[pi] = System.nanoTime() - t0;
                        float[] sc = new float[firstDepth];
                        int[] ords = new int[firstDepth];
                        int k = top.drainBestFirst(sc, ords);
                        if (o.pairingDepth() > 0) {
                            // the pairing stage re-scores the first stage's best `depth` from their slots (timed),
                            // and the short lists are cut from its order (ties: first-stage order)
                            long t2 = System.nanoTime();
                            for (int q = 0; q < k; q++) {
                                sc[q] = modality.kernel().refine(probe.probe(), slots, (long) ords[q] * slotBytes);
                            }
                            TopK refined = new TopK(Integer::compare);
                            refined.reset(listDepth, Float.NEGATIVE_INFINITY);
                            for (int q = 0; q < k; q++) {
                                refined.offer(sc[q], ords[q]);
                            }
                            k = refined.drainBestFirst(sc, ords);
                            pairingNanos[pi] = System.nanoTime() - t2;
                        }
                        int mate = mateOf.get(probe.key());
                        float mateFirst = modality.kernel().score(probe.probe(), slots, (long) mate * slotBytes);
                        // rank of the mate by first-stage score (ties: background first)
                        int rank = 1;
                        var scratch = new io.biomatch.fingerprint.internal.FirstStage.Scratch();
                        // the stand-in's list: the first stage's best referenceDepth in exact order (untimed)
                        TopK reference = new TopK(Integer::compare);
                        reference.reset(referenceDepth, Float.NEGATIVE_INFINITY);
                        reference.offer(mateFirst, mate);
                        for (int i = 0; i < total; i++) {
                            if (i != mate) {
                                float s = io.biomatch.fingerprint.internal.FirstStage.score(probe.probe().fingers(),
                                        slots, (long) i * slotBytes, scratch);
                                reference.offer(s, i);
                                if (s > mateFirst || (s == mateFirst && i < mate)) {
                                    rank++;
                                }
                            }
                        }
                        mateRank[pi] = rank;
                        int[] refOrds = new int[referenceDepth];
                        int refK = reference.drainBestFirst(new float[referenceDepth], refOrds);
                        FingerprintProbe fp = probe.probe();
                        double[] afis = new double[k];
                        long[] cum = new long[k + 1];
                        for (int q = 0; q < k; q++) {
                            byte[] stored = storedOf(ords[q], n, gallery, bg);
                            long t1 = System.nanoTime();
                            float s = FingerprintModality.rescore(fp, stored); // as the engine does, once per pair
                            cum[q + 1] = cum[q] + (System.nanoTime() - t1);
                            afis[q] = s;
                        }
                        rescoreNanosCum[pi] = cum;
                        shortOrd[pi] = Arrays.copyOf(ords, k);
                        shortAfis[pi] = afis;
                        // stand-in: the best SourceAFIS score in the reference list (scores of the short list's
                        // candidates reused, the others computed here, untimed); ties: the earlier first-stage rank
                        Map<Integer, Double> known = new HashMap<>();
                        for (int q = 0; q < k; q++) {
                            known.put(ords[q], afis[q]);
                        }
                        double[] refAfis = new double[refK];
                        for (int q = 0; q < refK; q++) {
                            Double v = known.get(refOrds[q]);
                            refAfis[q] = v != null ? v
                                    : FingerprintModality.rescore(fp, storedOf(refOrds[q], n, gallery, bg));
                        }
                        standInCorrect[pi] = fastCorrect(refOrds, refAfis, refK, mate);
                        if (standInCorrect[pi]) {
                            synchronized (referenceMaxMateRank) {
                                referenceMaxMateRank[0] = Math.max(referenceMaxMateRank[0], rank);
                            }
                        }
                    }));
                }
                for (Future<?> f : pf) {
                    f.get();
                }
                long heapAfterSearch = usedHeap();
                // the earlier runs' measure of re-scoring (gallery loop), kept so this figure stays comparable with
                // theirs: the same 500 pairs twice (the two rounds the loop had when it alternated two paths)
                double galleryNewMicros;
                {
                    double sink = 0;
                    for (int w = 0; w < 200; w++) {
                        sink += FingerprintModality.rescore(probes.get(w % P).probe(), gallery.get(w % gallery.size()).stored());
                    }
                    int reps = 1000;
                    long newNanos = 0;
                    for (int round = 0; round < 2; round++) {
                        long t0 = System.nanoTime();
                        for (int w = 0; w < reps / 2; w++) {
                            FingerprintProbe pr = probes.get(w % P).probe();
                            byte[] st = gallery.get((w * 7) % gallery.size()).stored();
                            sink += FingerprintModality.rescore(pr, st);
                        }
                        newNanos += System.nanoTime() - t0;
                    }
                    galleryNewMicros = newNanos / 1e3 / reps;
                    if (sink == -1) {
                        System.out.print("");
                    }
                }
                AtomicLong[] counts = {new AtomicLong(), new AtomicLong()};
                // same pairs, two ways: each pair runs one way only (by its rank mod 2), so neither way gains from
                // caches or branch history that the other warmed on the same pair; scores must be identical
                {
                    List<Future<?>> sf = new ArrayList<>();
                    for (int p = 0; p < P; p++) {
                        int pi = p;
                        sf.add(pool.submit(() -> {
                            FingerprintProbe fp = probes.get(pi).probe();
                            FingerprintMatcher matcher = fp.fingers()[0].matcher;
                            long nNew = 0, nMatch = 0;
                            int same = 0;
                            for (int q = 0; q < Math.min(SAME_PAIRS, shortOrd[pi].length); q++) {
                                int ord = shortOrd[pi][q];
                                byte[] stored = storedOf(ord, n, gallery, bg);
                                double score;
                                long t0 = System.nanoTime();
                                if (q % 2 == 0) {
                                    score = FingerprintModality.rescore(fp, stored);
                                    nNew += System.nanoTime() - t0;
                                } else {
                                    // template construction is not charged: the exhaustive reference's unit of work
                                    FingerprintTemplate t = ord >= n ? gallery.get(ord - n).template()
                                            : new FingerprintTemplate(StoredTemplateFormat.decode(stored).get(0)
                                                    .sourceAfis());
                                    t0 = System.nanoTime();
                                    score = (float) matcher.match(t);
                                    nMatch += System.nanoTime() - t0;
                                }
                                counts[q % 2].incrementAndGet();
                                if (score != shortAfis[pi][q]) {
                                    throw new IllegalStateException("re-scoring disagrees with the short list's score: "
                                            + score + " vs " + shortAfis[pi][q]);
                                }
                                same++;
                            }
                            samePairs.addAndGet(same);
                            sameNew.addAndGet(nNew);
                            sameMatch.addAndGet(nMatch);
                        }));
                    }
                    for (Future<?> f : sf) {
                        f.get();
                    }
                }
                long allNanos = 0, allCount = 0;
                for (int p = 0; p < P; p++) {
                    allNanos += rescoreNanosCum[p][rescoreNanosCum[p].length - 1];
                    allCount += rescoreNanosCum[p].length - 1;
                }
                double allMicros = allNanos / 1e3 / Math.max(1, allCount);
                double rescoreMillis = allMicros / 1e3;
                RescoreCost cost = new RescoreCost(samePairs.get(),
                        sameNew.get() / 1e3 / Math.max(1, counts[0].get()),
                        sameMatch.get() / 1e3 / Math.max(1, counts[1].get()), allMicros, galleryNewMicros);
                // exhaustive SourceAFIS on a sample of probes
                List<Integer> sample = new ArrayList<>();
                for (int p = 0; p < P; p++) {
                    sample.add(p);
                }
                Collections.shuffle(sample, new Random(o.seed()));
                sample = new ArrayList<>(sample.subList(0, Math.min(o.exhaustiveProbes(), P)));
                Collections.sort(sample);
                int K = sample.size();
                double[][] exBest = new double[o.threads()][K];
                int[][] exBestOrd = new int[o.threads()][K];
                double[][] exBg = new double[o.threads()][K];
                AtomicLong matchNanos = new AtomicLong();
                AtomicLong matches = new AtomicLong();
                int[] above40 = new int[1];
                List<Future<?>> ef = new ArrayList<>();
                int per = (total + o.threads() - 1) / o.threads();
                final List<Integer> fsample = sample;
                for (int t = 0; t < o.threads(); t++) {
                    int tt = t, a = t * per, z = Math.min(total, (t + 1) * per);
                    ef.add(pool.submit(() -> {
                        FingerprintMatcher[] ms = new FingerprintMatcher[K];
                        for (int q = 0; q < K; q++) {
                            ms[q] = new FingerprintMatcher(probes.get(fsample.get(q)).template());
                            exBest[tt][q] = -1;
                        }
                        long nanos = 0;
                        int hi = 0;
                        for (int i = a; i < z; i++) {
                            FingerprintTemplate t2 = i >= n ? gallery.get(i - n).template() : bg.generate(i).toSourceAfis();
                            long t0 = System.nanoTime();
                            for (int q = 0; q < K; q++) {
                                double s = ms[q].match(t2);
                                int mate = mateOf.get(probes.get(fsample.get(q)).key());
                                if (i != mate && i < n && s >= 40) {
                                    hi++;
                                }
                                if (i < n && s > exBg[tt][q]) {
                                    exBg[tt][q] = s;
                                }
                                if (s > exBest[tt][q]) { // ties: lower ordinal first
                                    exBest[tt][q] = s;
                                    exBestOrd[tt][q] = i;
                                }
                            }
                            nanos += System.nanoTime() - t0;
                        }
                        matchNanos.addAndGet(nanos);
                        matches.addAndGet((long) (z - a) * K);
                        synchronized (above40) {
                            above40[0] += hi;
                        }
                    }));
                }
                for (Future<?> f : ef) {
                    f.get();
                }
                double afisRate = matches.get() / (matchNanos.get() / 1e9);
                long firstSum = 0;
                for (long v : firstNanos) {
                    firstSum += v;
                }
                long pairingSum = 0;
                for (long v : pairingNanos) {
                    pairingSum += v;
                }
                // the pairing stage is charged to the first stage's time (both run before SourceAFIS)
                double pairingMillis = pairingSum / 1e6 / P;
                double firstMillis = firstSum / 1e6 / P + pairingMillis;
                double firstRate = total / ((firstMillis - pairingMillis) / 1e3);
                double exMillis = total / afisRate * 1e3;

                // exhaustive results on the sample; background max score (sample)
                boolean[] exCorrect = new boolean[P];
                boolean[] inSample = new boolean[P];
                double[] bgMax = new double[K];
                int exOk = 0, agree = 0;
                for (int q = 0; q < K; q++) {
                    int p = sample.get(q);
                    inSample[p] = true;
                    double best = -1;
                    int bestOrd = Integer.MAX_VALUE;
                    for (int t = 0; t < o.threads(); t++) {
                        if (exBest[t][q] > best || (exBest[t][q] == best && exBestOrd[t][q] < bestOrd)) {
                            best = exBest[t][q];
                            bestOrd = exBestOrd[t][q];
                        }
                    }
                    int mate = mateOf.get(probes.get(p).key());
                    exCorrect[p] = bestOrd == mate;
                    exOk += exCorrect[p] ? 1 : 0;
                    boolean standIn = standInCorrect[p];
                    agree += standIn == exCorrect[p] ? 1 : 0;
                    for (int t = 0; t < o.threads(); t++) {
                        bgMax[q] = Math.max(bgMax[q], exBg[t][q]);
                    }
                }
                double[] bgm = bgMax.clone();
                Arrays.sort(bgm);
                int standInOk = 0;
                for (int p = 0; p < P; p++) {
                    standInOk += standInCorrect[p] ? 1 : 0;
                }
                List<Point> points = new ArrayList<>();
                for (int s : sls) {
                    int S = Math.min(s, total);
                    int ok = 0, in = 0, sOk = 0, sLost = 0, lost = 0;
                    for (int p = 0; p < P; p++) {
                        int mate = mateOf.get(probes.get(p).key());
                        boolean f = fastCorrect(shortOrd[p], shortAfis[p], S, mate);
                        boolean ref = standInCorrect[p];
                        ok += f ? 1 : 0;
                        lost += (ref ? 1 : 0) - (f ? 1 : 0);
                        in += mateRank[p] <= S ? 1 : 0;
                        if (inSample[p]) {
                            sOk += f ? 1 : 0;
                            sLost += (exCorrect[p] ? 1 : 0) - (f ? 1 : 0);
                        }
                    }
                    double ms = firstMillis + meanRescoreMillis(rescoreNanosCum, S);
                    points.add(new Point(S, (double) S / total, (double) ok / P, (double) lost / P, (double) in / P,
                            K == 0 ? Double.NaN : (double) sOk / K, K == 0 ? Double.NaN : (double) sLost / K,
                            exMillis / ms, ms, (int) Math.round(S * (1_000_000.0 / total))));
                }
                // how deep the first stage must go for the probes the stand-in gets right (diagnostics, stderr)
                System.err.printf(Locale.ROOT, "stand-in correct on %d probes; their mates' worst first-stage rank %d"
                        + " (reference depth %d)%n", standInOk, referenceMaxMateRank[0], referenceDepth);
                // which probes each short list loses against the stand-in (diagnostics, stderr)
                for (int s : sls) {
                    StringBuilder lostList = new StringBuilder();
                    for (int p = 0; p < P; p++) {
                        int mate = mateOf.get(probes.get(p).key());
                        if (standInCorrect[p] && !fastCorrect(shortOrd[p], shortAfis[p], Math.min(s, total), mate)) {
                            int at = 0;
                            while (at < shortOrd[p].length && shortOrd[p][at] != mate) {
                                at++;
                            }
                            lostList.append(String.format(Locale.ROOT, " %s/%s (first-stage rank %d, short-list place %s)",
                                    probes.get(p).set(), probes.get(p).key(), mateRank[p],
                                    at < shortOrd[p].length ? Integer.toString(at + 1) : "none"));
                        }
                    }
                    if (lostList.length() > 0) {
                        System.err.println("S=" + s + " loses:" + lostList);
                    }
                }
                List<SetPoint> setPoints = new ArrayList<>();
                for (String set : sets.keySet()) {
                    int cnt = 0, st = 0;
                    double[] r = new double[sls.size()];
                    for (int p = 0; p < P; p++) {
                        if (!probes.get(p).set().equals(set)) {
                            continue;
                        }
                        cnt++;
                        int mate = mateOf.get(probes.get(p).key());
                        st += standInCorrect[p] ? 1 : 0;
                        for (int s = 0; s < sls.size(); s++) {
                            r[s] += fastCorrect(shortOrd[p], shortAfis[p], Math.min(sls.get(s), total), mate) ? 1 : 0;
                        }
                    }
                    List<Double> rl = new ArrayList<>();
                    for (double v : r) {
                        rl.add(cnt == 0 ? Double.NaN : v / cnt);
                    }
                    setPoints.add(new SetPoint(set, cnt, cnt == 0 ? Double.NaN : (double) st / cnt, rl));
                }
                int[] ranks = mateRank.clone();
                Arrays.sort(ranks);
                int[] pct = {ranks[(int) (0.5 * (P - 1))], ranks[(int) (0.9 * (P - 1))], ranks[(int) (0.95 * (P - 1))],
                        ranks[(int) (0.99 * (P - 1))], ranks[P - 1]};
                double bgMedian = K == 0 ? Double.NaN : bgm[K / 2];
                double bgSampleMax = K == 0 ? Double.NaN : bgm[K - 1];
                // best non-mate score each probe meets in its re-scored short list
                double[] slBg = new double[P];
                for (int p = 0; p < P; p++) {
                    int mate = mateOf.get(probes.get(p).key());
                    for (int q = 0; q < shortOrd[p].length; q++) {
                        if (shortOrd[p][q] != mate) {
                            slBg[p] = Math.max(slBg[p], shortAfis[p][q]);
                        }
                    }
                }
                Arrays.sort(slBg);
                double[] slBgPct = {slBg[(int) (0.5 * (P - 1))], slBg[(int) (0.9 * (P - 1))],
                        slBg[(int) (0.99 * (P - 1))], slBg[P - 1]};
                List<AdaptivePoint> adaptive = new ArrayList<>();
                int stopChunk = o.stopChunk();
                for (int s : sls) {
                    int S = Math.min(s, total);
                    if (S <= stopChunk) {
                        continue; // nothing to save
                    }
                    double fixedMs = firstMillis + meanRescoreMillis(rescoreNanosCum, S);
                    for (float T : o.stopScores()) {
                        int ok = 0, lost = 0, stopped = 0, falseStops = 0;
                        double depthSum = 0, msSum = 0;
                        for (int p = 0; p < P; p++) {
                            int mate = mateOf.get(probes.get(p).key());
                            int k = Math.min(S, shortOrd[p].length);
                            int depth = adaptiveDepth(shortAfis[p], k, T, stopChunk);
                            if (depth < k) {
                                stopped++;
                                int first = 0;
                                while (shortAfis[p][first] < T) {
                                    first++;
                                }
                                falseStops += shortOrd[p][first] != mate ? 1 : 0;
                            }
                            boolean f = fastCorrect(shortOrd[p], shortAfis[p], depth, mate);
                            boolean ref = standInCorrect[p];
                            ok += f ? 1 : 0;
                            lost += (ref ? 1 : 0) - (f ? 1 : 0);
                            depthSum += depth;
                            msSum += firstMillis + rescoreNanosCum[p][depth] / 1e6;
                        }
                        double ms = msSum / P;
                        adaptive.add(new AdaptivePoint(S, T, stopChunk, (double) ok / P, (double) lost / P, depthSum / P,
                                (double) stopped / P, falseStops, exMillis / ms, exMillis / fixedMs, ms));
                    }
                }
                return new Result(n, total, bg.seedCount(), P, slotBytes, (long) total * slotBytes, heapBefore,
                        heapAfterBuild, heapAfterSearch, firstRate, afisRate, rescoreMillis, firstMillis, exMillis, K,
                        K == 0 ? Double.NaN : (double) exOk / K, K == 0 ? Double.NaN : (double) agree / K,
                        (double) standInOk / P, pct, bgMedian, above40[0], setPoints, points, cost, bgSampleMax,
                        slBgPct, adaptive, o.pairingDepth() > 0 ? firstDepth : 0, pairingMillis, referenceDepth);
            } finally {
                pool.shutdown();
            }
        }
    }

    /** The stored template bytes of a gallery slot (background ones are generated again; not timed). */
    static byte[] storedOf(int ord, int background, List<FingerprintEval.Item> gallery, FingerprintBackground bg) {
        if (ord >= background) {
            return gallery.get(ord - background).stored();
        }
        Minutiae m = bg.generate(ord);
        return StoredTemplateFormat.encode(List.of(new StoredTemplateFormat.Finger(0, m, m.toSourceAfisBytes())));
    }

    /** Mean over probes of the measured re-scoring time of their first {@code s} candidates, ms. */
    static double meanRescoreMillis(long[][] cumulativeNanos, int s) {
        double sum = 0;
        for (long[] c : cumulativeNanos) {
            sum += c[Math.min(s, c.length - 1)];
        }
        return sum / 1e6 / cumulativeNanos.length;
    }

    /**
     * Candidates re-scored by the adaptive rule: chunks of {@code chunk} in first-stage order, stopping at the
     * end of the chunk in which a score reaches {@code stopScore}, at most {@code k}.
     */
    static int adaptiveDepth(double[] afis, int k, float stopScore, int chunk) {
        for (int q = 0; q < k; q++) {
            if (afis[q] >= stopScore) {
                return Math.min(k, (q / chunk + 1) * chunk);
            }
        }
        return k;
    }

    /** The mate has the best SourceAFIS score among the first {@code s} of the short list (ties: lower ordinal). */
    static boolean fastCorrect(int[] ords, double[] afis, int s, int mate) {
        int best = -1;
        for (int q = 0; q < Math.min(s, ords.length); q++) {
            if (best < 0 || afis[q] > afis[best] || (afis[q] == afis[best] && ords[q] < ords[best])) {
                best = q;
            }
        }
        return best >= 0 && ords[best] == mate;
    }

    /**
     * {@code java ... FingerprintScaleEval [--json] [--background N] [--seed S] [--threads T]
     * [--exhaustive-probes K] [--shortlists S1,S2,...] [--stop-scores T1,T2,...] [--stop-chunk C] [--pairing-depth D] [--reference-depth R] [--iso DIR]
     * SET_DIR...}
     */
    public static void main(String[] args) throws Exception {
        Options d = Options.defaults();
        int background = d.background(), threads = d.threads(), ex = d.exhaustiveProbes();
        long seed = d.seed();
        boolean json = false;
        Path iso = null;
        List<Integer> shortlists = d.shortlists();
        List<Float> stopScores = d.stopScores();
        int stopChunk = d.stopChunk();
        int pairingDepth = d.pairingDepth();
        int referenceDepth = d.referenceDepth();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--background" -> background = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--exhaustive-probes" -> ex = Integer.parseInt(args[++i]);
                case "--iso" -> iso = Path.of(args[++i]);
                case "--shortlists" -> shortlists = java.util.Arrays.stream(args[++i].split(","))
                        .map(String::trim).map(Integer::valueOf).sorted().toList();
                case "--stop-scores" -> stopScores = java.util.Arrays.stream(args[++i].split(","))
                        .map(String::trim).map(Float::valueOf).sorted().toList();
                case "--stop-chunk" -> stopChunk = Integer.parseInt(args[++i]);
                case "--pairing-depth" -> pairingDepth = Integer.parseInt(args[++i]);
                case "--reference-depth" -> referenceDepth = Integer.parseInt(args[++i]);
                default -> dirs.add(Path.of(args[i]));
            }
        }
        if (iso == null && !dirs.isEmpty()) {
            iso = dirs.get(0).toAbsolutePath().getParent().resolve("fvc-iso19794-2-secugen");
        }
        Result r = run(dirs, iso, new Options(background, seed, threads, ex, shortlists, d.mirroredSeeds(), stopScores,
                stopChunk, pairingDepth, referenceDepth));
        System.out.println(json ? new com.google.gson.GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(r) : r.toText());
    }
}
