package io.biomatch.bench;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Per-probe cost of the engine's search path (fan-out to S shards, primitive top-K, merge) with a kernel
 * that costs nothing, against the same scan done by one plain loop in this thread (the baseline).
 *
 * <p>{@code records = 0}: pure overhead (hand-offs, merge). {@code records = 100000}: overhead plus a
 * trivial scan, showing how the scan splits over shards. Run with {@code bench/run FanOutBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {
    @Param({"1", "2", "4"})
    int shards;

    @Param({"0", "100000"})
    int records;

    @Param({"10"})
    int topK;

    Path dir;
    Engine engine;
    TrivialModality modality;
    int probeValue;
    // baseline: the same values in one off-heap segment, scanned by one loop
    Arena arena;
    MemorySegment flat;
    TopK baselineTop;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bm-fanout-");
        modality = new TrivialModality();
        engine = Engine.open(EngineConfig.defaults(dir).withShards(shards).withCapacity(Math.max(1000, records), 64),
                List.of(modality));
        SplittableRandom rnd = new SplittableRandom(42);
        arena = Arena.ofShared();
        flat = arena.allocate(Math.max(4, 4L * records), 64);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            int v = rnd.nextInt();
            flat.set(TrivialModality.INT, 4L * i, v);
            pending.add(engine.enrol(new EnrolRequest("r" + i, "trivial", "", Map.of(),
                    List.of(TrivialModality.payload(v)), false)));
            if (pending.size() == 2000) {
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                pending.clear();
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        probeValue = rnd.nextInt();
        baselineTop = new TopK(Integer::compare);
        // sanity: the engine and the baseline agree on the best score
        if (records > 0) {
            float engineBest = identify().candidates().get(0).score();
            float baseBest = baselineScan();
            if (engineBest != baseBest) {
                throw new IllegalStateException("engine best " + engineBest + " != baseline best " + baseBest);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        engine.close();
        arena.close();
        try (var w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private IdentifyResult identify() {
        return engine.identify(new IdentifyRequest("trivial", List.of(TrivialModality.payload(probeValue)), Map.of(),
                topK, Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
    }

    @Benchmark
    public IdentifyResult engineIdentify() {
        return identify();
    }

    /** Baseline: one thread, one segment, same kernel and top-K, no engine. */
    @Benchmark
    public float baselineScan() {
        baselineTop.reset(topK, Float.NEGATIVE_INFINITY);
        int p = probeValue;
        for (int i = 0; i < records; i++) {
            baselineTop.offer(-Math.abs(p - flat.get(TrivialModality.INT, 4L * i)), i);
        }
        if (baselineTop.size() == 0) {
            return Float.NaN;
        }
        float[] s = new float[baselineTop.size()];
        int[] o = new int[s.length];
        baselineTop.drainBestFirst(s, o);
        return s[0];
    }
}
