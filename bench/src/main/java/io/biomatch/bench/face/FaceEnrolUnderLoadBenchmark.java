package io.biomatch.bench.face;

import io.biomatch.core.EnrolRequest;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EngineStats;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.face.FaceConfig;
import io.biomatch.face.FaceHnswSettings;
import io.biomatch.face.FaceModality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What enrolling into a face gallery with HNSW graphs costs the searches that run meanwhile (a DVI team enrols a
 * batch while a lab searches). Through the whole {@link Engine}, graphs on: enrol a {@link ClusteredFaces} gallery
 * and wait until the graphs hold it; then one client sends {@code mode=hnsw} mate probes back to back while the
 * main thread enrols {@code added} new faces in batches of {@code batch} concurrent requests ({@code pauseUs} > 0:
 * the client pauses that long after each answer, so that its searches also arrive while the shards are idle). Reports the enrolment
 * rate, the searches' latency during the enrolment and until the graphs hold every face again, then recall@10
 * and mates at ef 100 against {@code mode=exact} for probes of old and of newly enrolled faces. Benchmark main, not
 * a test:
 * <pre>
 * java @engine/server/target/jvm.args -Xmx6g -cp bench/target/benchmarks.jar \
 *      io.biomatch.bench.face.FaceEnrolUnderLoadBenchmark [records=200000] [added=20000] [batch=500] [shards=2] [M=64] [beamWidth=300] [indexSliceUs=10000] [pauseUs=0]
 * </pre>
 * Uses only the engine's public API, so the same class runs against an older build for a before/after (builds
 * before {@code EngineConfig.indexSliceMicros}: drop that line).
 */
public final class FaceEnrolUnderLoadBenchmark {
    private FaceEnrolUnderLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int added = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int shards = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int m = args.length > 4 ? Integer.parseInt(args[4]) : FaceHnswSettings.defaults().maxConn();
        int beam = args.length > 5 ? Integer.parseInt(args[5]) : FaceHnswSettings.defaults().beamWidth();
        int sliceUs = args.length > 6 ? Integer.parseInt(args[6]) : EngineConfig.DEFAULT_INDEX_SLICE_MICROS;
        int pauseUs = args.length > 7 ? Integer.parseInt(args[7]) : 0;
        Path dir = Files.createTempDirectory("bm-face-enrol-load-");
        try {
            run(dir, n, added, batch, shards, m, beam, sliceUs, pauseUs);
        } finally {
            FaceAnnBenchmark.deleteTree(dir);
        }
    }

    private static void run(Path dir, int n, int added, int batch, int shards, int m, int beam, int sliceUs,
                            int pauseUs) throws Exception {
        int total = n + added;
        EngineConfig config = EngineConfig.defaults(dir).withShards(shards).withCapacity(total + 1000L, 2300)
                .withIndexSliceMicros(sliceUs);
        ClusteredFaces gen = new ClusteredFaces(2026, FaceConfig.defaults().embedder().dim(), total, 100,
                ClusteredFaces.Spectrum.parse("fitted"), ClusteredFaces.Spectrum.parse("fitted"));
        System.out.printf(Locale.ROOT, "records=%,d added=%,d batch=%d shards=%d M=%d beamWidth=%d index slice %d us"
                + " pause %d us cpus=%d%n", n, added, batch, shards, m, beam, sliceUs, pauseUs, Runtime.getRuntime().availableProcessors());
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults(),
                new FaceHnswSettings(true, m, beam, 100))))) {
            long t0 = System.nanoTime();
            FaceEngineBenchmark.enrolGallery(e, gen, n);
            double enrolSeconds = seconds(t0);
            awaitGraphs(e);
            System.out.printf(Locale.ROOT, "gallery: enrolled in %.1f s (%.0f records/s), graphs hold it %.1f s after"
                    + " the start of the enrolment%n", enrolSeconds, n / enrolSeconds, seconds(t0));

            Random rnd = new Random(11);
            int probes = 200;
            IdentifyRequest[] load = new IdentifyRequest[probes];
            for (int j = 0; j < probes; j++) {
                load[j] = hnsw(gen, rnd.nextInt(n));
            }
            // ---- enrol the new faces while one client searches back to back
            // each search's start (nanoTime) and latency, read after the client has stopped
            List<long[]> searches = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            long c0 = System.nanoTime();
            Thread client = Thread.ofPlatform().start(() -> {
                for (int j = 0; !stop.get(); j++) {
                    long q0 = System.nanoTime();
                    e.identify(load[j % probes], SearchControl.NONE).join();
                    searches.add(new long[] {q0, System.nanoTime() - q0});
                    if (pauseUs > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(pauseUs * 1000L); // a client that pauses
                    }
                }
            });
            Thread.sleep(2000); // the client's searches alone first (JIT, caches)
            long e0 = System.nanoTime();
            double slowestBatchMs = 0;
            for (int from = n; from < total; from += batch) {
                long b0 = System.nanoTime();
                List<CompletableFuture<?>> pending = new ArrayList<>();
                for (int i = from; i < Math.min(total, from + batch); i++) {
                    pending.add(e.enrol(new EnrolRequest(FaceGraphCatchUpBenchmark.id(i), "face", "", Map.of(),
                            List.of(FaceScanBenchmark.emb(gen.gallery(i))), false)));
                }
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                slowestBatchMs = Math.max(slowestBatchMs, (System.nanoTime() - b0) / 1e6);
            }
            long e1 = System.nanoTime();
            double addSeconds = seconds(e0);
            awaitGraphs(e);
            double caughtUp = seconds(e0);
            stop.set(true);
            client.join();
            long c1 = System.nanoTime() + 1;
            System.out.printf(Locale.ROOT, "enrolled %,d in %.1f s (%.0f records/s; slowest batch of %d: %.0f ms)"
                    + " while one client searched; graphs hold every face %.1f s after the enrolment began%n", added,
                    addSeconds, added / addSeconds, batch, slowestBatchMs, caughtUp);
            print("searches alone first (2 s)", latencies(searches, c0, e0));
            print("searches that began during the enrolment", latencies(searches, e0, e1));
            print("searches after it, until the graphs held every face", latencies(searches, e1, c1));

            // ---- the graphs in: recall and mates, for old faces and the newly enrolled ones
            IdentifyRequest[] oldH = new IdentifyRequest[100];
            IdentifyRequest[] oldX = new IdentifyRequest[100];
            int[] oldMates = new int[100];
            IdentifyRequest[] newH = new IdentifyRequest[100];
            IdentifyRequest[] newX = new IdentifyRequest[100];
            int[] newMates = new int[100];
            for (int j = 0; j < 100; j++) {
                oldMates[j] = rnd.nextInt(n);
                newMates[j] = n + rnd.nextInt(added);
                oldH[j] = hnsw(gen, oldMates[j]);
                oldX[j] = exact(gen, oldMates[j]);
                newH[j] = hnsw(gen, newMates[j]);
                newX[j] = exact(gen, newMates[j]);
            }
            FaceGraphCatchUpBenchmark.report(e, "gallery faces", oldH, oldX, oldMates);
            FaceGraphCatchUpBenchmark.report(e, "faces enrolled under load", newH, newX, newMates);
        }
    }

    /** Waits until no shard has face records outside its graph (stats), polling every 50 ms. */
    private static void awaitGraphs(Engine e) throws InterruptedException {
        while (true) {
            long left = 0;
            EngineStats stats = e.stats();
            for (EngineStats.ShardStats s : stats.shards()) {
                left += s.unindexedByModality().getOrDefault("face", 0L);
            }
            if (left == 0) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private static IdentifyRequest hnsw(ClusteredFaces gen, int mate) {
        return new IdentifyRequest("face", List.of(FaceScanBenchmark.emb(gen.mateProbe(mate))),
                Map.of("mode", "hnsw", "hnsw_ef", "100"), 10, -1f, SearchFilter.NONE, 0);
    }

    private static IdentifyRequest exact(ClusteredFaces gen, int mate) {
        return new IdentifyRequest("face", List.of(FaceScanBenchmark.emb(gen.mateProbe(mate))),
                Map.of("mode", "exact"), 10, -1f, SearchFilter.NONE, 0);
    }

    private static void print(String what, double[] lat) {
        if (lat.length == 0) {
            System.out.printf(Locale.ROOT, "%s: none%n", what);
            return;
        }
        System.out.printf(Locale.ROOT, "%s: %,d, latency ms p50 %.1f p99 %.1f p99.9 %.1f max %.1f%n", what,
                lat.length, pct(lat, 0.5), pct(lat, 0.99), pct(lat, 0.999), lat[lat.length - 1]);
    }

    /** Latencies in ms, sorted, of the searches that began in [from, to) (nanoTime). */
    private static double[] latencies(List<long[]> searches, long from, long to) {
        return searches.stream().filter(s -> s[0] - from >= 0 && to - s[0] > 0).mapToDouble(s -> s[1] / 1e6).sorted()
                .toArray();
    }

    private static double pct(double[] sorted, double p) {
        return FaceGraphCatchUpBenchmark.pct(sorted, p);
    }

    private static double seconds(long t0) {
        return FaceGraphCatchUpBenchmark.seconds(t0);
    }
}
