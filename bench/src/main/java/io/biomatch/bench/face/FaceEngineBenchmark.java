package io.biomatch.bench.face;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EnrolRequest;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Face identification through the whole engine ({@link Engine#identify}: probe preparation, fan-out to the
 * shards, merge), one caller thread, queries per second, with 1 and 2 shards: {@code mode=fp32} is the float32
 * scan of the slots, {@code mode=exact} each shard's int8 plane pass + float32 re-rank of its short list from
 * its slots; both split over the shards' worker threads. {@link ClusteredFaces} gallery of {@code records}, probes = mate samples (each checked to
 * come back at rank 1 in setup). HNSW graphs off (this measures the scans; the int8 plane is kept either way).
 * Run: {@code bench/run FaceEngineBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FaceEngineBenchmark {
    @Param({"1", "2"})
    int shards;

    @Param({"200000"})
    int records;

    Path dir;
    Engine engine;
    IdentifyRequest[] fp32;
    IdentifyRequest[] exact;
    int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bm-face-engine-");
        FaceModality face = new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off());
        engine = Engine.open(EngineConfig.defaults(dir).withShards(shards).withCapacity(records + 1000, 2300),
                List.of(face));
        ClusteredFaces gen = new ClusteredFaces(11, face.dim(), records, 100);
        enrolGallery(engine, gen, records);
        int q = 16;
        fp32 = new IdentifyRequest[q];
        exact = new IdentifyRequest[q];
        for (int j = 0; j < q; j++) {
            int mate = (int) ((long) j * records / q + 7);
            var payload = List.of(FaceScanBenchmark.emb(gen.mateProbe(mate)));
            fp32[j] = new IdentifyRequest("face", payload, Map.of("mode", "fp32"), 10, -1f, SearchFilter.NONE, 0);
            exact[j] = new IdentifyRequest("face", payload, Map.of("mode", "exact"), 10, -1f, SearchFilter.NONE, 0);
            for (IdentifyRequest r : List.of(fp32[j], exact[j])) {
                IdentifyResult res = engine.identify(r, SearchControl.NONE).join();
                if (!res.candidates().get(0).id().equals(id(mate))) {
                    throw new IllegalStateException("sanity: mate not at rank 1 for " + r.options());
                }
            }
        }
    }

    private static String id(int i) {
        return "f" + i;
    }

    /** Enrols gallery faces 0..n-1 of {@code gen} as ids f0, f1, ..., 256 requests in flight at a time. */
    static void enrolGallery(Engine engine, ClusteredFaces gen, int n) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(engine.enrol(new EnrolRequest(id(i), "face", "", Map.of(),
                    List.of(FaceScanBenchmark.emb(gen.gallery(i))), false)));
            if (pending.size() >= 256) {
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                pending.clear();
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        engine.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public IdentifyResult fp32() {
        return engine.identify(fp32[next++ & 15], SearchControl.NONE).join();
    }

    @Benchmark
    public IdentifyResult exact() {
        return engine.identify(exact[next++ & 15], SearchControl.NONE).join();
    }
}
