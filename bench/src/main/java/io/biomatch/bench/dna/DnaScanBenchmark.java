package io.biomatch.bench.dna;

import io.biomatch.dna.DnaBenchGallery;
import io.biomatch.dna.DnaProbe;
import java.nio.file.Path;
import java.util.Map;
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
 * One shard of DNA profiles (one thread): a moderate-stringency partial-stain search by the genotype-postings index,
 * by the packed kernel scan, and by a plain scalar brute force over profile objects (the baseline); plus the
 * mixture-LR packed scan. Setup checks that the three stringency paths return the same top-k on 16 probes.
 * Run: {@code bench/run DnaScanBenchmark -p size=500000} (shared data from {@code -Dbiomatch.shared} or
 * {@code ../shared/data}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class DnaScanBenchmark {
    @Param({"200000"})
    int size;

    DnaBenchGallery g;
    DnaProbe[] moderate;
    DnaProbe[] mixture;
    int next;

    @Setup(Level.Trial)
    public void setup() {
        Path data = Path.of(System.getProperty("biomatch.shared", "../shared/data"));
        g = new DnaBenchGallery(data, size);
        moderate = new DnaProbe[16];
        mixture = new DnaProbe[4];
        for (int t = 0; t < moderate.length; t++) {
            moderate[t] = g.stain(t, Map.of("stringency", "moderate"));
            long a = g.searchIndex(moderate[t], 20);
            long b = g.searchPacked(moderate[t], 20);
            long c = g.searchScalar(moderate[t], 20);
            if (a != b || b != c) {
                throw new AssertionError("index, packed scan and scalar brute force differ on probe " + t);
            }
        }
        for (int t = 0; t < mixture.length; t++) {
            mixture[t] = g.mixture(t);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        g.close();
    }

    @Benchmark
    public long moderateIndex() {
        return g.searchIndex(moderate[next++ & 15], 20);
    }

    @Benchmark
    public long moderatePackedScan() {
        return g.searchPacked(moderate[next++ & 15], 20);
    }

    @Benchmark
    public long moderateScalarBaseline() {
        return g.searchScalar(moderate[next++ & 15], 20);
    }

    @Benchmark
    public long mixtureLrPackedScan() {
        return g.searchPacked(mixture[next++ & 3], 20);
    }
}
