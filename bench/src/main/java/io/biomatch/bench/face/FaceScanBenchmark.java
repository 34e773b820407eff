package io.biomatch.bench.face;

import io.biomatch.core.Payload;
import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.Embeddings;
import io.biomatch.face.FaceConfig;
import io.biomatch.face.FaceHnswIndex;
import io.biomatch.face.FaceHnswSettings;
import io.biomatch.face.FaceModality;
import io.biomatch.face.FaceProbe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Face scan speed over one shard of {@code n} faces, in faces per second (every benchmark is one
 * full pass over the n faces, {@link OperationsPerInvocation} = n):
 * <ul>
 *   <li>{@code readBandwidth}: sum of every long of the packed float32 slot segment (n * 2048 B at 512-d: exactly
 *       the bytes the float32 scan needs) with the Vector API, the memory yardstick: GB/s = score * 2048
 *       ({@code readBandwidthScalar}: the same with a plain loop);</li>
 *   <li>{@code fp32Vector} / {@code fp32Scalar}: the float32 scan ({@code mode=fp32}) over those slots;</li>
 *   <li>{@code int8Vector} / {@code int8Scalar}: the int8 first pass of {@code mode=exact} over the shard index's
 *       int8 plane ({@code dim} bytes + a 4-byte scale per face);</li>
 *   <li>{@code exactVector}: the whole {@code mode=exact} shard search (int8 pass + float32 re-rank of 64 from
 *       the slots), as the engine runs it;</li>
 *   <li>{@code readBandwidthTwoThreads}: the yardstick on both cores (each thread one half);
 *       {@code fp32VectorTwoThreads}: the float32 scan the same way, as two shards run it.</li>
 * </ul>
 * fp32 as a fraction of bandwidth = fp32Vector / readBandwidth (the same bytes). The setup checks each kernel
 * finds the planted mate first, that the vector and scalar int8 passes keep the same list, and that the two
 * sums agree. Run: {@code bench/run FaceScanBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FaceScanBenchmark {
    public static final int N = 200_000;

    @Param({"200000"})
    int n;

    FaceModality simd;
    FaceModality scalar;
    FaceHnswIndex planeSimd;
    FaceHnswIndex planeScalar;
    Arena arena;
    MemorySegment slots;
    int stride;
    long[] live;
    TopK top;
    FaceProbe fp32Simd;
    FaceProbe fp32Scalar;
    FaceProbe int8Simd;
    FaceProbe int8Scalar;
    FaceProbe binary64;
    FaceProbe binary4096;

    @Setup(Level.Trial)
    public void setUp() {
        if (n != N) {
            throw new IllegalStateException("OperationsPerInvocation is fixed at " + N);
        }
        simd = new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off());
        scalar = FaceModality.withScalarKernels(FaceConfig.defaults(), FaceHnswSettings.off());
        if (!simd.simd()) {
            throw new IllegalStateException("Vector API not available: run through bench/run");
        }
        stride = simd.slotBytes();
        ClusteredFaces gen = new ClusteredFaces(7, simd.dim(), n, 100);
        arena = Arena.ofShared();
        slots = arena.allocate((long) n * stride, 64);
        live = new long[Bits.words(n)];
        for (int i = 0; i < n; i++) {
            simd.writeSlot(simd.extractTemplate(List.of(emb(gen.gallery(i)))), slots.asSlice((long) i * stride, stride));
            Bits.set(live, i);
        }
        // the shard index's int8 plane (no graph), fed as the core does on enrol
        planeSimd = simd.newShardIndex(0, null);
        planeScalar = scalar.newShardIndex(0, null);
        for (int i = 0; i < n; i++) {
            MemorySegment slot = slots.asSlice((long) i * stride, stride);
            planeSimd.add(i, slot);
            planeScalar.add(i, slot);
        }
        int mate = n / 3;
        float[] probe = gen.mateProbe(mate);
        fp32Simd = simd.probe(probe, FaceProbe.Mode.FP32);
        fp32Scalar = scalar.probe(probe, FaceProbe.Mode.FP32);
        int8Simd = simd.probe(probe, FaceProbe.Mode.EXACT);
        int8Scalar = scalar.probe(probe, FaceProbe.Mode.EXACT);
        binary64 = simd.binaryProbe(probe, 64);
        binary4096 = simd.binaryProbe(probe, 4096);
        top = new TopK(Integer::compare);
        // sanity: every kernel ranks the planted mate first; both int8 passes keep the same list; the sums agree
        int[] firstInt8 = null;
        for (int run = 0; run < 6; run++) {
            int which = run;
            int[] o = ranked(() -> {
                switch (which) {
                    case 0 -> scan(simd, fp32Simd);
                    case 1 -> scan(scalar, fp32Scalar);
                    case 2 -> int8(planeSimd, int8Simd);
                    case 3 -> int8(planeScalar, int8Scalar);
                    case 4 -> binaryPass();
                    default -> exactVector();
                }
            });
            if (o[0] != mate) {
                throw new IllegalStateException("sanity: run " + run + " ranked " + o[0] + " first, mate " + mate);
            }
            if (run == 2) {
                firstInt8 = o;
            } else if (run == 3 && !java.util.Arrays.equals(firstInt8, o)) {
                throw new IllegalStateException("sanity: vector and scalar int8 passes differ");
            }
        }
        long sum = 0;
        for (long off = 0; off < slots.byteSize(); off += 8) {
            sum += slots.get(ValueLayout.JAVA_LONG, off);
        }
        if (sum != readBandwidth() || sum != readBandwidthScalar()) {
            throw new IllegalStateException("sanity: bandwidth sum");
        }
    }

    static Payload emb(float[] v) {
        return new Payload(FaceModality.FORMAT_EMBEDDING, Embeddings.toBytes(v));
    }

    /** Ordinals left in {@link #top} by the run, best first. */
    private int[] ranked(Runnable run) {
        run.run();
        float[] s = new float[top.size()];
        int[] o = new int[top.size()];
        top.drainBestFirst(s, o);
        return o;
    }

    private float scan(FaceModality m, FaceProbe p) {
        top.reset(10, Float.NEGATIVE_INFINITY);
        m.kernel().scan(p, slots, stride, live, 0, n, top);
        return top.threshold();
    }

    /** The int8 pass alone, short list of 64 (what {@code mode=exact} keeps for k = 10). */
    private float int8(FaceHnswIndex plane, FaceProbe p) {
        top.reset(64, Float.NEGATIVE_INFINITY);
        plane.int8Scan(p, live, top);
        return top.threshold();
    }

    /** The shard index's whole search for one probe, top-10. */
    private float shardSearch(FaceProbe p) {
        top.reset(10, Float.NEGATIVE_INFINITY);
        planeSimd.search(p, slots, stride, live, top, SearchControl.NONE);
        return top.threshold();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        planeSimd.close();
        planeScalar.close();
        arena.close();
    }

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    /**
     * The memory yardstick: every long of the segment summed with the Vector API, four accumulators (a plain
     * long loop, {@link #readBandwidthScalar}, is load-issue-bound here, below the memory's speed).
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public long readBandwidth() {
        MemorySegment s = slots;
        long bytes = s.byteSize();
        int w = L.vectorByteSize();
        LongVector a0 = LongVector.zero(L);
        LongVector a1 = LongVector.zero(L);
        LongVector a2 = LongVector.zero(L);
        LongVector a3 = LongVector.zero(L);
        long o = 0;
        for (; o + 4L * w <= bytes; o += 4L * w) {
            a0 = a0.add(LongVector.fromMemorySegment(L, s, o, ByteOrder.nativeOrder()));
            a1 = a1.add(LongVector.fromMemorySegment(L, s, o + w, ByteOrder.nativeOrder()));
            a2 = a2.add(LongVector.fromMemorySegment(L, s, o + 2L * w, ByteOrder.nativeOrder()));
            a3 = a3.add(LongVector.fromMemorySegment(L, s, o + 3L * w, ByteOrder.nativeOrder()));
        }
        long sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; o < bytes; o += 8) {
            sum += s.get(ValueLayout.JAVA_LONG, o);
        }
        return sum;
    }

    /**
     * Both cores reading: each of two threads sums one half of the segment (JMH adds the threads' scores, so the
     * result is slots per second of the whole machine). On the shared 2-core VM it has ranged from 1.2x to 2.1x
     * {@link #readBandwidth} from one run to the next, and caps what a second shard can add to the memory-bound
     * float32 scan at that moment.
     */
    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(N / 2)
    public long readBandwidthTwoThreads(ThreadParams t) {
        long half = (slots.byteSize() / 2) & ~63L;
        MemorySegment s = t.getThreadIndex() == 0 ? slots.asSlice(0, half) : slots.asSlice(half);
        return sum(s);
    }

    private static long sum(MemorySegment s) {
        long bytes = s.byteSize();
        int w = L.vectorByteSize();
        LongVector a0 = LongVector.zero(L);
        LongVector a1 = LongVector.zero(L);
        LongVector a2 = LongVector.zero(L);
        LongVector a3 = LongVector.zero(L);
        long o = 0;
        for (; o + 4L * w <= bytes; o += 4L * w) {
            a0 = a0.add(LongVector.fromMemorySegment(L, s, o, ByteOrder.nativeOrder()));
            a1 = a1.add(LongVector.fromMemorySegment(L, s, o + w, ByteOrder.nativeOrder()));
            a2 = a2.add(LongVector.fromMemorySegment(L, s, o + 2L * w, ByteOrder.nativeOrder()));
            a3 = a3.add(LongVector.fromMemorySegment(L, s, o + 3L * w, ByteOrder.nativeOrder()));
        }
        long sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; o < bytes; o += 8) {
            sum += s.get(ValueLayout.JAVA_LONG, o);
        }
        return sum;
    }

    /** Every long of the segment, four independent scalar sums. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long readBandwidthScalar() {
        MemorySegment s = slots;
        long bytes = s.byteSize();
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        long o = 0;
        for (; o + 32 <= bytes; o += 32) {
            a0 += s.get(ValueLayout.JAVA_LONG, o);
            a1 += s.get(ValueLayout.JAVA_LONG, o + 8);
            a2 += s.get(ValueLayout.JAVA_LONG, o + 16);
            a3 += s.get(ValueLayout.JAVA_LONG, o + 24);
        }
        for (; o < bytes; o += 8) {
            a0 += s.get(ValueLayout.JAVA_LONG, o);
        }
        return a0 + a1 + a2 + a3;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float fp32Vector() {
        return scan(simd, fp32Simd);
    }

    /** A top-K list per benchmark thread. */
    @State(Scope.Thread)
    public static class ThreadTop {
        final TopK top = new TopK(Integer::compare);
    }

    /**
     * The float32 scan on both cores: each of two threads scans one half of the slots into its own top-K (the
     * kernel alone, as two shards would run it; compare with {@link #readBandwidthTwoThreads} of the same run).
     */
    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(N / 2)
    public float fp32VectorTwoThreads(ThreadParams t, ThreadTop tt) {
        int half = n / 2;
        int from = t.getThreadIndex() == 0 ? 0 : half;
        int to = t.getThreadIndex() == 0 ? half : n;
        tt.top.reset(10, Float.NEGATIVE_INFINITY);
        simd.kernel().scan(fp32Simd, slots, stride, live, from, to, tt.top);
        return tt.top.threshold();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float fp32Scalar() {
        return scan(scalar, fp32Scalar);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float int8Vector() {
        return int8(planeSimd, int8Simd);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float int8Scalar() {
        return int8(planeScalar, int8Scalar);
    }

    /** The shard's whole {@code mode=exact} search: int8 pass, then the float32 re-rank of 64 from the slots. */
    @Benchmark
    @OperationsPerInvocation(N)
    public float exactVector() {
        return shardSearch(int8Simd);
    }

    /**
     * The 1-bit pass of {@code mode=binary} alone: Hamming distances of the sign-bit codes (64 B per face at 512-d)
     * with a short list of 64 (then int8 re-scores those 64 and float32 re-ranks: a tiny fixed cost at 200,000).
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public float binaryPass() {
        return shardSearch(binary64);
    }

    /** The shard's whole {@code mode=binary} search at the default short list of 4,096 codes. */
    @Benchmark
    @OperationsPerInvocation(N)
    public float binaryDefault() {
        return shardSearch(binary4096);
    }
}
