package io.biomatch.bench.dna;

import io.biomatch.dna.kinship.DviBench;
import io.biomatch.dna.kinship.FrequencyTable;
import io.biomatch.dna.kinship.KinshipCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pedigree likelihoods: the exact kinship LR of the shared trio case (alleged father, mother, child; 20 loci,
 * stepwise mutation), and the DVI pairwise path (peel each family once into per-locus target tables, then
 * every victim x missing person pair is a lookup) on a seeded case of 500 victims x 500 families, generation
 * included. Shared data from {@code ../shared/data} (run from the repository root) or
 * {@code -Dbiomatch.shared=DIR}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KinshipBenchmark {
    String trioCase;
    FrequencyTable freqs;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path data = Path.of(System.getProperty("biomatch.shared", "../shared/data"));
        trioCase = Files.readString(data.resolve("dna/kinship_case_example.json"));
        freqs = FrequencyTable.readCsv(data.resolve("dna/frequencies/nist1036_cauc_core20_renormalised.csv"));
        double lr = trio();
        if (!(lr > 1e6)) { // sanity: the trio supports paternity strongly (see KinshipCaseTest)
            throw new IllegalStateException("unexpected trio LR " + lr);
        }
    }

    @Benchmark
    public double trio() {
        return KinshipCase.run(trioCase, freqs).totalLr();
    }

    @Benchmark
    public String dviPairwise500() {
        return DviBench.run(freqs, 500, 42, false);
    }
}
