package io.biomatch.bench.face;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.FaceConfig;
import io.biomatch.face.FaceEval;
import io.biomatch.face.FaceHnswIndex;
import io.biomatch.face.FaceHnswSettings;
import io.biomatch.face.FaceModality;
import io.biomatch.face.FaceProbe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * HNSW against exact search at scale (a benchmark main, not a CI test): {@link ClusteredFaces} gallery of n
 * records split over S shards exactly as the engine's shards hold them (slots + one {@link FaceHnswIndex} each,
 * fed through the same {@code add} hook), then Q mate probes searched single-threaded by
 * <ul>
 *   <li>the float32 scan of every slot ({@code mode=fp32}: the ground truth top-10),</li>
 *   <li>the int8 pass + float32 re-rank of 64 ({@code mode=exact}),</li>
 *   <li>each shard's graph at several ef ({@code mode=hnsw}), shard lists merged.</li>
 * </ul>
 * Prints recall@10 against the fp32 top-10, the rate at which the known mate is rank 1, queries per second,
 * build time and memory.
 *
 * <p>Run (after {@code bench/run} has built the jar):
 * {@code java @engine/server/target/jvm.args -Xmx4g -cp bench/target/benchmarks.jar
 * io.biomatch.bench.face.FaceAnnBenchmark [n=1000000] [queries=200] [efs=50,100,200] [shards=2] [M=64] [beamWidth=300]
 * [spectrum=fitted|iso|pr=N, or A:B] [binary short lists=1024,4096,16384] [graph|nograph]} (see {@link ClusteredFaces}:
 * "fitted" matches the shared photos' impostor spread; "A:B" spreads identities by A and each photo's own variation
 * by B, a sensitivity option; "nograph" skips the HNSW rows and does not build graphs)
 */
public final class FaceAnnBenchmark {
    /** -DbuildPrefetch=false: build the graphs without prefetching neighbours (the build-time A/B). */
    private static final boolean BUILD_PREFETCH = Boolean.parseBoolean(System.getProperty("buildPrefetch", "true"));

    private static String label(boolean[] variants, boolean prefetch) {
        return variants.length == 1 ? "" : prefetch ? " prefetch" : " no prefetch";
    }

    /** The shard indexes and what a row of index searches is compared with. */
    private record IndexRows(FaceHnswIndex[] index, MemorySegment[] slots, int stride, long[][] live, TopK[] tops,
                             int k, int queries, int[][] truth, int[] mates, double fp32Qps, double exactQps) {
        /** Every query through each shard's index (prefetch and reverse links on or off), merged top-k; one row. */
        void run(String label, boolean prefetch, boolean reverseLinks, java.util.function.IntFunction<FaceProbe> probeOf) {
            for (FaceHnswIndex idx : index) {
                idx.prefetch(prefetch);
                idx.reverseLinks(reverseLinks);
            }
            int[][] got = new int[queries][];
            long e0 = System.nanoTime();
            for (int q = 0; q < queries; q++) {
                FaceProbe p = probeOf.apply(q);
                for (int s = 0; s < index.length; s++) {
                    tops[s].reset(k, Float.NEGATIVE_INFINITY);
                    if (!index[s].search(p, slots[s], stride, live[s], tops[s], SearchControl.NONE)) {
                        throw new IllegalStateException(label + ": the index declined the search");
                    }
                }
                got[q] = merge(tops, index.length, k);
            }
            report(label, got, truth, mates, queries / ((System.nanoTime() - e0) / 1e9), fp32Qps, exactQps);
        }
    }

    private FaceAnnBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String[] efList = (args.length > 2 ? args[2] : "50,100,200").split(",");
        int shards = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int m = args.length > 4 ? Integer.parseInt(args[4]) : FaceHnswSettings.defaults().maxConn();
        int beam = args.length > 5 ? Integer.parseInt(args[5]) : FaceHnswSettings.defaults().beamWidth();
        // "A" or "A:B": A for cluster centres and identities, B (default A) for each photo's own variation
        String[] spectra = (args.length > 6 ? args[6] : "fitted").split(":", 2);
        ClusteredFaces.Spectrum spectrum = ClusteredFaces.Spectrum.parse(spectra[0]);
        ClusteredFaces.Spectrum noiseSpectrum = spectra.length > 1 ? ClusteredFaces.Spectrum.parse(spectra[1]) : spectrum;
        String[] binaryList = (args.length > 7 ? args[7] : "1024,4096,16384").split(",");
        boolean graphs = args.length <= 8 || !args[8].equals("nograph");
        FaceModality face = new FaceModality(FaceConfig.defaults(), graphs ? new FaceHnswSettings(true, m, beam, 100)
                : FaceHnswSettings.off());
        int dim = face.dim();
        int stride = face.slotBytes();
        ClusteredFaces gen = new ClusteredFaces(2026, dim, n, 100, spectrum, noiseSpectrum);
        System.out.printf(Locale.ROOT, "n=%,d dim=%d clusters=%,d shards=%d M=%d beamWidth=%d queries=%d simd=%s cpus=%d spectrum=%s%n",
                n, dim, gen.clusters(), shards, m, beam, queries, face.simd(), Runtime.getRuntime().availableProcessors(),
                noiseSpectrum.equals(spectrum) ? spectrum : spectrum + ", photo variation " + noiseSpectrum);
        printCosineStats(gen, n);

        Path dir = Files.createTempDirectory("face-ann-");
        Arena arena = Arena.ofShared();
        int[] sizes = new int[shards];
        for (int i = 0; i < n; i++) {
            sizes[i % shards]++;
        }
        MemorySegment[] slots = new MemorySegment[shards];
        FaceHnswIndex[] index = new FaceHnswIndex[shards];
        long[][] live = new long[shards][];
        long[] genNanos = new long[shards];
        long t0 = System.nanoTime();
        List<Thread> builders = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            int shard = s;
            slots[s] = arena.allocate((long) sizes[s] * stride, 64);
            live[s] = new long[Bits.words(sizes[s])];
            builders.add(Thread.ofPlatform().start(() -> {
                FaceHnswIndex idx = face.newShardIndex(shard, dir); // created on its "worker" thread like the core does
                idx.prefetch(BUILD_PREFETCH);
                index[shard] = idx;
                for (int local = 0; local < sizes[shard]; local++) {
                    long g0 = System.nanoTime();
                    MemorySegment slot = slots[shard].asSlice((long) local * stride, stride);
                    face.writeSlot(face.extractTemplate(List.of(FaceScanBenchmark.emb(gen.gallery(local * shards + shard)))), slot);
                    Bits.set(live[shard], local);
                    genNanos[shard] += System.nanoTime() - g0;
                    idx.add(local, slot);
                    if (shard == 0 && (local + 1) % 100_000 == 0) {
                        System.out.printf(Locale.ROOT, "  shard 0: %,d added, %.0f s%n", local + 1, (System.nanoTime() - t0) / 1e9);
                    }
                }
                idx.catchUp(); // the graph inserts, which an engine's shard worker runs between requests
            }));
        }
        for (Thread t : builders) {
            t.join();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long graphHeap = 0;
        long indexOffHeap = 0;
        double insertSeconds = 0;
        long reverseLinks = 0;
        for (FaceHnswIndex idx : index) {
            graphHeap += idx.graphHeapBytes();
            reverseLinks += idx.reverseLinkCount();
            indexOffHeap += idx.offHeapBytes();
            insertSeconds = Math.max(insertSeconds, idx.buildNanos() / 1e9);
        }
        System.gc();
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "build: %.1f s wall (%d shards in parallel); graph inserts %.1f s in the slowest shard (%.0f us/insert), "
                        + "generation+slot writes %.1f s%n", wall, shards, insertSeconds, insertSeconds * 1e6 / sizes[0],
                genNanos[0] / 1e9);
        System.out.printf(Locale.ROOT, "memory: slots %.2f GB off-heap, shard index planes (int8, scales, sign codes) %.2f GB off-heap, graph %.2f GB heap (Lucene estimate"
                        + " + %,d reverse links), JVM heap used after GC %.2f GB%n", (double) n * stride / 1e9, indexOffHeap / 1e9, graphHeap / 1e9,
                reverseLinks, heapUsed / 1e9);

        // probes: the mate sample of Q random gallery records
        SplittableRandom rnd = new SplittableRandom(99);
        int[] mates = new int[queries];
        float[][] probes = new float[queries][];
        for (int q = 0; q < queries; q++) {
            mates[q] = rnd.nextInt(n);
            probes[q] = gen.mateProbe(mates[q]);
        }
        TopK[] tops = new TopK[shards];
        for (int s = 0; s < shards; s++) {
            tops[s] = new TopK(Integer::compare);
        }
        int k = 10;
        // ground truth: fp32 scan
        int[][] truth = new int[queries][];
        long e0 = System.nanoTime();
        for (int q = 0; q < queries; q++) {
            FaceProbe p = face.probe(probes[q], FaceProbe.Mode.FP32);
            for (int s = 0; s < shards; s++) {
                tops[s].reset(k, Float.NEGATIVE_INFINITY);
                face.kernel().scan(p, slots[s], stride, live[s], 0, sizes[s], tops[s]);
            }
            truth[q] = merge(tops, shards, k);
        }
        double fp32Qps = queries / ((System.nanoTime() - e0) / 1e9);
        report("fp32 scan (truth)", truth, truth, mates, fp32Qps, fp32Qps, Double.NaN);
        // exact: int8 pass over each shard index's int8 plane, fp32 re-rank of 64 from the slots (as the engine does)
        int[][] exact = new int[queries][];
        e0 = System.nanoTime();
        for (int q = 0; q < queries; q++) {
            FaceProbe p8 = face.probe(probes[q], FaceProbe.Mode.EXACT);
            for (int s = 0; s < shards; s++) {
                tops[s].reset(k, Float.NEGATIVE_INFINITY);
                index[s].search(p8, slots[s], stride, live[s], tops[s], SearchControl.NONE);
            }
            exact[q] = merge(tops, shards, k);
        }
        double exactQps = queries / ((System.nanoTime() - e0) / 1e9);
        report("int8 + fp32 re-rank", exact, truth, mates, exactQps, fp32Qps, exactQps);
        // -DprefetchAB=true: each binary R and each ef four times on the same index, prefetch off / on / off / on
        boolean[] variants = Boolean.getBoolean("prefetchAB") ? new boolean[] {false, true, false, true} : new boolean[] {true};
        // -DreverseAB=true: each ef four times, Lucene's links only / with reverse links / only / with
        boolean[] reverseVariants = Boolean.getBoolean("reverseAB") ? new boolean[] {false, true, false, true} : new boolean[] {true};
        // one row per (R or ef, prefetch variant): every query through each shard's index, shard lists merged
        IndexRows rows = new IndexRows(index, slots, stride, live, tops, k, queries, truth, mates, fp32Qps, exactQps);
        // binary: Hamming pass over the sign-bit codes keeping R per shard, then int8 and float32 re-rank
        for (String rs : binaryList) {
            int r = Integer.parseInt(rs.strip());
            for (boolean prefetch : variants) {
                rows.run("binary R=" + r + label(variants, prefetch), prefetch, true, q -> face.binaryProbe(probes[q], r));
            }
        }
        if (!graphs) {
            arena.close();
            deleteTree(dir);
            return;
        }
        for (String efs : efList) {
            int ef = Integer.parseInt(efs.strip());
            for (boolean prefetch : variants) {
                for (boolean reverse : reverseVariants) {
                    rows.run("hnsw ef=" + ef + label(variants, prefetch)
                                    + (reverseVariants.length == 1 ? "" : reverse ? " reverse links" : " Lucene's links"), prefetch, reverse,
                            q -> face.probe(probes[q], FaceProbe.Mode.HNSW, ef));
                }
            }
        }
        if (Boolean.getBoolean("noRestart")) { // -DnoRestart=true: the rows above only, no save and reload
            for (FaceHnswIndex idx : index) {
                idx.close();
            }
            arena.close();
            deleteTree(dir);
            return;
        }
        // restart: close saves each shard's graph; a new index is re-fed the records in another order (the record
        // store hands them back in its own; here reversed, so every saved node is translated to a new ordinal) and
        // the saved file is mapped and walked there
        long c0 = System.nanoTime();
        for (FaceHnswIndex idx : index) {
            idx.close();
        }
        double saveSeconds = (System.nanoTime() - c0) / 1e9;
        long bytes = 0;
        try (var files = Files.walk(dir.resolve("face-hnsw"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(p);
            }
        }
        MemorySegment[] reversed = new MemorySegment[shards];
        for (int s = 0; s < shards; s++) {
            reversed[s] = arena.allocate((long) sizes[s] * stride, 64);
            for (int local = 0; local < sizes[s]; local++) {
                MemorySegment.copy(slots[s], (long) local * stride, reversed[s], (long) (sizes[s] - 1 - local) * stride, stride);
            }
        }
        long r0 = System.nanoTime();
        reAdd(face, dir, index, reversed, sizes, stride);
        double readdSeconds = (System.nanoTime() - r0) / 1e9;
        long m0 = System.nanoTime();
        String origin = firstSearch(face, index, reversed, stride, live, tops, probes[0]);
        double mapSeconds = (System.nanoTime() - m0) / 1e9;
        System.out.printf(Locale.ROOT, "restart: graphs saved in %.1f s (%.2f GB on disk); records re-added in reverse "
                + "order in %.1f s; first search (map + match) %.1f s (%s); graph heap %.3f GB, mapped %.2f GB%n",
                saveSeconds, bytes / 1e9, readdSeconds, mapSeconds, origin, graphHeap(index) / 1e9, bytes / 1e9);
        reloadedRow("hnsw ef=100 mapped file", face, stride, index, reversed, sizes, live, tops, probes, truth, mates, fp32Qps, exactQps);
        reloadedRow("hnsw ef=100 mapped file, again", face, stride, index, reversed, sizes, live, tops, probes, truth, mates, fp32Qps, exactQps);
        long l0 = System.nanoTime();
        for (FaceHnswIndex idx : index) {
            idx.loadIntoHeap();
        }
        System.out.printf(Locale.ROOT, "loaded into the heap (as enrolments past the mapped limit would) in %.1f s: graph heap %.3f GB%n",
                (System.nanoTime() - l0) / 1e9, graphHeap(index) / 1e9);
        reloadedRow("hnsw ef=100 loaded", face, stride, index, reversed, sizes, live, tops, probes, truth, mates, fp32Qps, exactQps);
        reloadedRow("hnsw ef=100 loaded, again", face, stride, index, reversed, sizes, live, tops, probes, truth, mates, fp32Qps, exactQps);
        // a second restart in the same (reversed) order: the file saved by the loaded graph is in these ordinals,
        // so every saved node is its own ordinal and walks need no translation
        for (FaceHnswIndex idx : index) {
            idx.close();
        }
        reAdd(face, dir, index, reversed, sizes, stride);
        origin = firstSearch(face, index, reversed, stride, live, tops, probes[0]);
        System.out.printf(Locale.ROOT, "second restart, same order (%s): graph heap %.3f GB%n", origin,
                graphHeap(index) / 1e9);
        reloadedRow("hnsw ef=100 mapped, no translation", face, stride, index, reversed, sizes, live, tops, probes,
                truth, mates, fp32Qps, exactQps);
        reloadedRow("hnsw ef=100 mapped, no translation, again", face, stride, index, reversed, sizes, live, tops,
                probes, truth, mates, fp32Qps, exactQps);
        for (FaceHnswIndex idx : index) {
            idx.close();
        }
        arena.close();
        deleteTree(dir);
    }

    /** The run's saved graphs (0.67 GB at 1,000,000 faces) are not left behind in the temporary folder. */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * The generator's cosine statistics on a sample (to compare with the shared photos: impostor mean 0.005,
     * sd 0.095; genuine mean 0.656): mate pairs, same-cluster and different-cluster gallery pairs.
     */
    static void printCosineStats(ClusteredFaces gen, int n) {
        int sample = Math.min(n, 2000);
        SplittableRandom r = new SplittableRandom(5);
        double[] genuine = new double[2];
        double[] same = new double[2];
        double[] other = new double[2];
        int sameCount = 0;
        int otherCount = 0;
        for (int i = 0; i < sample; i++) {
            int a = r.nextInt(n);
            float[] va = gen.gallery(a);
            double g = dot(va, gen.mateProbe(a));
            genuine[0] += g;
            genuine[1] += g * g;
            int b = r.nextInt(n);
            if (b != a) {
                double c = dot(va, gen.gallery(b));
                boolean sameCluster = a % gen.clusters() == b % gen.clusters();
                double[] acc = sameCluster ? same : other;
                acc[0] += c;
                acc[1] += c * c;
                if (sameCluster) {
                    sameCount++;
                } else {
                    otherCount++;
                }
            }
            int c2 = (a + gen.clusters()) % n; // a same-cluster identity
            if (c2 != a && c2 % gen.clusters() == a % gen.clusters()) {
                double c = dot(va, gen.gallery(c2));
                same[0] += c;
                same[1] += c * c;
                sameCount++;
            }
        }
        System.out.printf(Locale.ROOT, "cosines on a sample: genuine mean %.3f sd %.3f (n=%d); same-cluster impostors mean %.3f sd %.3f (n=%d); "
                        + "other impostors mean %.3f sd %.3f (n=%d)%n",
                genuine[0] / sample, sd(genuine, sample), sample, same[0] / Math.max(1, sameCount), sd(same, sameCount), sameCount,
                other[0] / Math.max(1, otherCount), sd(other, otherCount), otherCount);
        FaceEval.ImpostorCarryOver c = carryOver(gen, n, Math.min(n, 500));
        System.out.printf(Locale.ROOT, "carry-over on %d identities (gallery vector + mate probe each): impostor profile r=%.3f, top impostor"
                        + " %.2f as similar to the mate (the shared photos: r=0.661 and 0.60 under fr_feature, biomatch eval face)%n",
                c.genuinePairs(), c.profileCorrelation(), c.topImpostorCarryOver());
    }

    /**
     * {@link FaceEval.ImpostorCarryOver} of the generator: two photos (gallery, mate probe) of each of
     * {@code identities} distinct random identities (a repeated one would pair identical photos as impostors).
     */
    static FaceEval.ImpostorCarryOver carryOver(ClusteredFaces gen, int n, int identities) {
        SplittableRandom r = new SplittableRandom(11);
        int[] id = new int[2 * identities];
        float[][] v = new float[2 * identities][];
        java.util.Set<Integer> drawn = new java.util.HashSet<>();
        for (int i = 0; i < identities; i++) {
            int a;
            do {
                a = r.nextInt(n);
            } while (!drawn.add(a));
            id[2 * i] = id[2 * i + 1] = i;
            v[2 * i] = gen.gallery(a);
            v[2 * i + 1] = gen.mateProbe(a);
        }
        double[][] sim = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = i; j < v.length; j++) {
                sim[i][j] = sim[j][i] = dot(v[i], v[j]);
            }
        }
        return FaceEval.ImpostorCarryOver.of(id, sim);
    }

    private static double sd(double[] acc, int count) {
        if (count < 2) {
            return Double.NaN;
        }
        double m = acc[0] / count;
        return Math.sqrt(Math.max(0, acc[1] / count - m * m));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** New shard indexes over {@code dir} re-fed every record, as the core does at start. */
    private static void reAdd(FaceModality face, Path dir, FaceHnswIndex[] index, MemorySegment[] slots, int[] sizes,
                              int stride) {
        for (int s = 0; s < index.length; s++) {
            FaceHnswIndex idx = face.newShardIndex(s, dir);
            for (int local = 0; local < sizes[s]; local++) {
                idx.add(local, slots[s].asSlice((long) local * stride, stride));
            }
            index[s] = idx;
        }
    }

    /** The saved graphs checked, matched and mapped (or their build begun), then one hnsw search per shard; origins. */
    private static String firstSearch(FaceModality face, FaceHnswIndex[] index, MemorySegment[] slots, int stride,
                                      long[][] live, TopK[] tops, float[] probe) {
        String origin = "";
        for (int s = 0; s < index.length; s++) {
            index[s].openSavedGraph(); // an engine's worker does it in steps between requests
            tops[s].reset(tops[s].capacity(), Float.NEGATIVE_INFINITY);
            index[s].search(face.probe(probe, FaceProbe.Mode.HNSW, 100), slots[s], stride, live[s], tops[s],
                    SearchControl.NONE);
            origin += (s == 0 ? "" : ",") + index[s].origin();
        }
        return origin;
    }

    private static long graphHeap(FaceHnswIndex[] index) {
        long sum = 0;
        for (FaceHnswIndex idx : index) {
            sum += idx.graphHeapBytes();
        }
        return sum;
    }

    /** ef=100 over indexes re-fed in reverse order: ordinal r of shard s holds local record sizes[s] - 1 - r. */
    private static void reloadedRow(String what, FaceModality face, int stride, FaceHnswIndex[] index,
                                    MemorySegment[] reversed, int[] sizes,
                                    long[][] live, TopK[] tops, float[][] probes, int[][] truth, int[] mates,
                                    double fp32Qps, double exactQps) {
        int shards = index.length;
        int k = tops[0].capacity();
        int queries = truth.length;
        int[][] got = new int[queries][];
        long e0 = System.nanoTime();
        for (int q = 0; q < queries; q++) {
            FaceProbe p = face.probe(probes[q], FaceProbe.Mode.HNSW, 100);
            for (int s = 0; s < shards; s++) {
                tops[s].reset(k, Float.NEGATIVE_INFINITY);
                index[s].search(p, reversed[s], stride, live[s], tops[s], SearchControl.NONE);
                float[] sc = new float[tops[s].size()];
                int[] or = new int[tops[s].size()];
                tops[s].drainBestFirst(sc, or);
                tops[s].reset(k, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < or.length; i++) {
                    tops[s].offer(sc[i], sizes[s] - 1 - or[i]);
                }
            }
            got[q] = merge(tops, shards, k);
        }
        report(what, got, truth, mates, queries / ((System.nanoTime() - e0) / 1e9), fp32Qps, exactQps);
    }

    /** Global ids (local * shards + shard) of the best k over the shards' lists, best first. */
    private static int[] merge(TopK[] tops, int shards, int k) {
        TopK all = new TopK(Integer::compare);
        all.reset(k, Float.NEGATIVE_INFINITY);
        for (int s = 0; s < shards; s++) {
            float[] sc = new float[tops[s].size()];
            int[] or = new int[tops[s].size()];
            tops[s].drainBestFirst(sc, or);
            for (int i = 0; i < or.length; i++) {
                all.offer(sc[i], or[i] * shards + s);
            }
        }
        float[] sc = new float[all.size()];
        int[] ids = new int[all.size()];
        all.drainBestFirst(sc, ids);
        return ids;
    }

    /**
     * One row: recall@10 against the truth, mates at rank 1, queries/s, and queries/s against both scans of the
     * same run: the float32 scan and the exact search ({@code mode=exact}, the "exact scan"; NaN until it
     * has run).
     */
    private static void report(String what, int[][] got, int[][] truth, int[] mates, double qps, double fp32Qps,
                               double exactQps) {
        long hit = 0;
        long total = 0;
        int rank1 = 0;
        for (int q = 0; q < got.length; q++) {
            java.util.Set<Integer> want = new java.util.HashSet<>();
            for (int id : truth[q]) {
                want.add(id);
            }
            for (int id : got[q]) {
                hit += want.contains(id) ? 1 : 0;
            }
            total += truth[q].length;
            rank1 += got[q].length > 0 && got[q][0] == mates[q] ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "%-22s recall@10 %.4f  mate rank-1 %d/%d  %,10.1f queries/s  (%.1fx fp32 scan, %.1fx exact)%n",
                what, hit / (double) total, rank1, got.length, qps, qps / fp32Qps, qps / exactQps);
    }
}
