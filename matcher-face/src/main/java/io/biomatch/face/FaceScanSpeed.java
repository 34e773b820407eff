package io.biomatch.face;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A quick single-thread scan-speed measurement (not JMH; for a note, never a test): fills N slots with
 * random unit vectors and scans them with the fp32 kernel and the int8 pass over the shard index's int8 plane
 * (Vector API and scalar), next to a plain sequential read of the slots (a Vector API float sum) as the
 * bandwidth yardstick. The JMH version with the README's numbers is {@code bench/.../FaceScanBenchmark}.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ...
 * io.biomatch.face.FaceScanSpeed [vectors=200000] [dim-model=fr_feature] [rounds=10]}
 */
public final class FaceScanSpeed {
    private FaceScanSpeed() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        FaceModelSpec spec = FaceModelSpec.named(args.length > 1 ? args[1] : "fr_feature");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        FaceConfig config = FaceConfig.defaults().withEmbedder(spec);
        FaceModality simd = new FaceModality(config, true, FaceHnswSettings.off());
        FaceModality scalar = new FaceModality(config, false, FaceHnswSettings.off());
        int stride = simd.slotBytes();
        Random rnd = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate((long) n * stride, 64);
            float[] v = new float[spec.dim()];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) rnd.nextGaussian();
                }
                simd.writeSlot(simd.extractTemplate(List.of(new io.biomatch.core.Payload("embedding-f32",
                        Embeddings.toBytes(v)))), slots.asSlice((long) i * stride, stride));
            }
            long[] live = new long[Bits.words(n)];
            for (int i = 0; i < n; i++) {
                Bits.set(live, i);
            }
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) rnd.nextGaussian();
            }
            System.out.printf(Locale.ROOT, "%d vectors, dim %d, slot %d bytes (%.0f MB), %d float lanes, %d rounds%n",
                    n, spec.dim(), stride, (double) n * stride / 1e6, F.length(), rounds);
            double readGbs = readBandwidth(slots, rounds);
            System.out.printf(Locale.ROOT, "sequential read (Vector API float sum over the whole segment): %.2f GB/s%n", readGbs);
            for (FaceModality m : List.of(simd, scalar)) {
                FaceHnswIndex index = m.newShardIndex(0, null);
                for (int i = 0; i < n; i++) {
                    index.add(i, slots.asSlice((long) i * stride, stride));
                }
                for (FaceProbe.Mode mode : List.of(FaceProbe.Mode.EXACT, FaceProbe.Mode.FP32)) {
                    FaceProbe p = m.probe(v, mode);
                    TopK top = new TopK(Integer::compare);
                    double best = 0;
                    for (int r = 0; r < rounds + 2; r++) {
                        top.reset(64, Float.NEGATIVE_INFINITY);
                        long t0 = System.nanoTime();
                        if (mode == FaceProbe.Mode.EXACT) {
                            index.int8Scan(p, live, top);
                        } else {
                            m.kernel().scan(p, slots, stride, live, 0, n, top);
                        }
                        double vps = n / ((System.nanoTime() - t0) / 1e9);
                        best = r >= 2 ? Math.max(best, vps) : best;
                    }
                    long bytesPerVector = mode == FaceProbe.Mode.FP32 ? 4L * spec.dim() : spec.dim() + 4;
                    double gbs = best * bytesPerVector / 1e9;
                    System.out.printf(Locale.ROOT, "%-6s %-5s  %,12.0f vectors/s  %6.2f GB/s of vector bytes  (%.0f %% of read)%n",
                            m.simd() ? "simd" : "scalar", mode, best, gbs, 100 * gbs / readGbs);
                }
                index.close();
            }
        }
    }

    private static double readBandwidth(MemorySegment s, int rounds) {
        long bytes = s.byteSize() & ~((long) F.vectorByteSize() * 4 - 1);
        double best = 0;
        float sink = 0;
        for (int r = 0; r < rounds + 2; r++) {
            long t0 = System.nanoTime();
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int w = F.vectorByteSize();
            for (long o = 0; o < bytes; o += 4L * w) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + w, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * w, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * w, ByteOrder.LITTLE_ENDIAN));
            }
            sink += a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
            double gbs = bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
            best = r >= 2 ? Math.max(best, gbs) : best;
        }
        if (sink == 42) {
            System.out.print("");
        }
        return best;
    }
}
