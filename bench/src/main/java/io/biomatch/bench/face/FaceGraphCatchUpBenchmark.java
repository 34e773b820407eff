package io.biomatch.bench.face;

import io.biomatch.core.Candidate;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.face.FaceConfig;
import io.biomatch.face.FaceHnswSettings;
import io.biomatch.face.FaceModality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What a face gallery's HNSW graph costs the engine's availability when it has to be built: a start with graphs
 * on and no saved graph (first start with graphs, a crash before any save, a file that no longer matches). Through
 * the whole {@link Engine}: enrol a {@link ClusteredFaces} gallery with graphs off, close, reopen with graphs on,
 * then one client sends {@code mode=hnsw} mate probes back to back until the shards answer from their graphs alone
 * (slots scanned 0), and reports the start's time, the latency and answers of the searches meanwhile, and the
 * time until the graphs were in. Then recall@10 and mates at ef 100 against {@code mode=exact}, a close (graphs
 * saved) and a reopen (graphs mapped). Benchmark main, not a test:
 * <pre>
 * java @engine/server/target/jvm.args -Xmx6g -cp bench/target/benchmarks.jar \
 *      io.biomatch.bench.face.FaceGraphCatchUpBenchmark [records=200000] [probes=100] [shards=2] [M=64] [beamWidth=300]
 * </pre>
 * Uses only the engine's public API, so the same class runs against an older build for a before/after.
 */
public final class FaceGraphCatchUpBenchmark {
    private FaceGraphCatchUpBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int probes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int m = args.length > 3 ? Integer.parseInt(args[3]) : FaceHnswSettings.defaults().maxConn();
        int beam = args.length > 4 ? Integer.parseInt(args[4]) : FaceHnswSettings.defaults().beamWidth();
        Path dir = Files.createTempDirectory("bm-face-catchup-");
        try {
            run(dir, n, probes, shards, m, beam);
        } finally {
            FaceAnnBenchmark.deleteTree(dir);
        }
    }

    private static void run(Path dir, int n, int probes, int shards, int m, int beam) throws Exception {
        FaceHnswSettings graphs = new FaceHnswSettings(true, m, beam, 100);
        EngineConfig config = EngineConfig.defaults(dir).withShards(shards).withCapacity(n + 1000L, 2300);
        ClusteredFaces gen = new ClusteredFaces(2026, FaceConfig.defaults().embedder().dim(), n, 100,
                ClusteredFaces.Spectrum.parse("fitted"), ClusteredFaces.Spectrum.parse("fitted"));
        System.out.printf(Locale.ROOT, "records=%,d probes=%d shards=%d M=%d beamWidth=%d cpus=%d%n", n, probes,
                shards, m, beam, Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off())))) {
            FaceEngineBenchmark.enrolGallery(e, gen, n);
        }
        System.out.printf(Locale.ROOT, "enrol with graphs off + close: %.1f s%n", seconds(t0));

        Random rnd = new Random(7);
        int[] mates = new int[probes];
        IdentifyRequest[] hnsw = new IdentifyRequest[probes];
        IdentifyRequest[] exact = new IdentifyRequest[probes];
        for (int j = 0; j < probes; j++) {
            mates[j] = rnd.nextInt(n);
            var payload = List.of(FaceScanBenchmark.emb(gen.mateProbe(mates[j])));
            hnsw[j] = new IdentifyRequest("face", payload, Map.of("mode", "hnsw", "hnsw_ef", "100"), 10, -1f,
                    SearchFilter.NONE, 0);
            exact[j] = new IdentifyRequest("face", payload, Map.of("mode", "exact"), 10, -1f, SearchFilter.NONE, 0);
        }

        // ---- start with graphs on and none saved
        long open0 = System.nanoTime();
        Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults(), graphs)));
        double openSeconds = seconds(open0);
        System.out.printf(Locale.ROOT, "open with graphs on, none saved: %.1f s%n", openSeconds);
        List<Double> latencies = new ArrayList<>();
        int served = 0;
        int matesFound = 0;
        int scannedSearches = 0;
        long firstScanned = -1;
        long caughtUp0 = System.nanoTime();
        for (int j = 0; ; j++) {
            long q0 = System.nanoTime();
            IdentifyResult r = e.identify(hnsw[j % probes], SearchControl.NONE).join();
            latencies.add((System.nanoTime() - q0) / 1e6);
            served++;
            if (firstScanned < 0) {
                firstScanned = r.slotsScanned();
            }
            matesFound += r.candidates().getFirst().id().equals(id(mates[j % probes])) ? 1 : 0;
            if (r.slotsScanned() == 0) {
                break;
            }
            scannedSearches++;
            if (served % 1000 == 0) {
                System.out.printf(Locale.ROOT, "  %,d searches, %.0f s since open, last scanned %,d%n", served,
                        seconds(caughtUp0), r.slotsScanned());
            }
        }
        double catchUpSeconds = seconds(caughtUp0);
        double[] lat = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT,
                "until the graphs answered alone: %.1f s after open (open + that: %.1f s); %,d hnsw searches served"
                        + " meanwhile (%,d with records scanned; the first scanned %,d), mate at rank 1 in %d/%d;"
                        + " latency ms p50 %.1f p99 %.1f max %.1f (first %.1f)%n",
                catchUpSeconds, openSeconds + catchUpSeconds, served, scannedSearches, firstScanned, matesFound,
                served, pct(lat, 0.5), pct(lat, 0.99), lat[lat.length - 1], latencies.getFirst());
        // the longest waits after the first search (a step of deferred work longer than a slice shows here)
        double[] rest = latencies.subList(1, latencies.size()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
        StringBuilder longest = new StringBuilder();
        for (int i = rest.length - 1; i >= Math.max(0, rest.length - 8); i--) {
            longest.append(String.format(Locale.ROOT, " %.1f", rest[i]));
        }
        System.out.printf(Locale.ROOT, "the 8 longest searches after the first, ms:%s%n", longest);

        // ---- the graphs in: recall and mates at ef 100 against the exact search, and queries per second
        report(e, "after the build", hnsw, exact, mates);
        long c0 = System.nanoTime();
        e.close();
        System.out.printf(Locale.ROOT, "close (graphs saved): %.1f s%n", seconds(c0));

        long o1 = System.nanoTime();
        e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults(), graphs)));
        System.out.printf(Locale.ROOT, "reopen (graphs saved): %.1f s%n", seconds(o1));
        // searches back to back until the saved graphs answer alone: the workers check and map them between
        // requests (before the thirteenth round, in one step inside the first slice or search)
        List<Double> reopenLatencies = new ArrayList<>();
        long f0 = System.nanoTime();
        long firstReopenScanned = -1;
        for (int j = 0; ; j++) {
            long q0 = System.nanoTime();
            IdentifyResult r = e.identify(hnsw[j % probes], SearchControl.NONE).join();
            reopenLatencies.add((System.nanoTime() - q0) / 1e6);
            if (firstReopenScanned < 0) {
                firstReopenScanned = r.slotsScanned();
            }
            if (r.slotsScanned() == 0) {
                break;
            }
        }
        double[] rl = reopenLatencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "after the reopen: %,d hnsw searches until the saved graphs answered alone,"
                        + " %.1f ms after the reopen; first %.1f ms (scanned %,d), p50 %.1f ms, max %.1f ms%n",
                reopenLatencies.size(), (System.nanoTime() - f0) / 1e6, reopenLatencies.getFirst(), firstReopenScanned,
                pct(rl, 0.5), rl[rl.length - 1]);
        report(e, "after the reopen", hnsw, exact, mates);
        e.close();
    }

    static void report(Engine e, String when, IdentifyRequest[] hnsw, IdentifyRequest[] exact, int[] mates) {
        int same = 0;
        int total = 0;
        int hnswMates = 0;
        int exactMates = 0;
        long scanned = 0;
        for (int j = 0; j < hnsw.length; j++) {
            IdentifyResult h = e.identify(hnsw[j], SearchControl.NONE).join();
            IdentifyResult x = e.identify(exact[j], SearchControl.NONE).join();
            Set<String> want = new HashSet<>();
            x.candidates().forEach(c -> want.add(c.id()));
            for (Candidate c : h.candidates()) {
                same += want.contains(c.id()) ? 1 : 0;
            }
            total += x.candidates().size();
            hnswMates += h.candidates().getFirst().id().equals(id(mates[j])) ? 1 : 0;
            exactMates += x.candidates().getFirst().id().equals(id(mates[j])) ? 1 : 0;
            scanned += h.slotsScanned();
        }
        double hnswQps = qps(e, hnsw);
        double exactQps = qps(e, exact);
        System.out.printf(Locale.ROOT,
                "%s: hnsw ef 100 recall@10 vs exact %.3f, mates %d/%d (exact %d), scanned %,d in all;"
                        + " q/s hnsw %.0f exact %.1f (%.1fx)%n",
                when, same / (double) total, hnswMates, hnsw.length, exactMates, scanned, hnswQps, exactQps,
                hnswQps / exactQps);
    }

    private static double qps(Engine e, IdentifyRequest[] reqs) {
        long t0 = System.nanoTime();
        for (IdentifyRequest r : reqs) {
            e.identify(r, SearchControl.NONE).join();
        }
        return reqs.length / seconds(t0);
    }

    static double pct(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String id(int i) {
        return "f" + i;
    }
}
