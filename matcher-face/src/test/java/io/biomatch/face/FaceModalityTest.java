package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.internal.FaceTemplateFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Embedding input, stored bytes, slots and kernels: no models or shared data needed. */
class FaceModalityTest {
    private final FaceModality simd = new FaceModality(FaceConfig.defaults());
    private final FaceModality scalar = new FaceModality(FaceConfig.defaults(), false);

    static Payload emb(float[] v) {
        return new Payload(FaceModality.FORMAT_EMBEDDING, Embeddings.toBytes(v));
    }

    static float[] random(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /**
     * Drains both lists (best first) and asserts the same ordinals with bit-identical scores; returns the ordinals.
     */
    static int[] assertSameTop(TopK want, TopK got, String message) {
        float[] ws = new float[want.size()];
        int[] wo = new int[want.size()];
        float[] gs = new float[got.size()];
        int[] go = new int[got.size()];
        assertEquals(want.drainBestFirst(ws, wo), got.drainBestFirst(gs, go), message + ": list sizes");
        assertArrayEquals(wo, go, message);
        assertArrayEquals(ws, gs, 0f, message);
        return go;
    }

    static void assertInvalid(Executable e) {
        EngineException x = assertThrows(EngineException.class, e);
        assertEquals(EngineException.Reason.INVALID_INPUT, x.reason(), x.getMessage());
    }

    @Test
    void serviceLoaderFindsIt() {
        assertTrue(ServiceLoader.load(Modality.class).stream().anyMatch(p -> p.type() == FaceModality.class));
        assertEquals("face", simd.name());
        assertTrue(simd.simd(), "tests run with the Vector API module");
        assertEquals(0, simd.slotBytes() % 64);
    }

    @Test
    void badEmbeddingsAreInvalidInput() {
        int dim = simd.dim();
        assertInvalid(() -> simd.extractTemplate(List.of(emb(new float[dim - 1]))));
        assertInvalid(() -> simd.extractTemplate(List.of(new Payload("embedding-f32", new byte[4 * dim + 1]))));
        assertInvalid(() -> simd.extractTemplate(List.of(new Payload("embedding-f32", new byte[0]))));
        assertInvalid(() -> simd.extractTemplate(List.of(emb(new float[dim])))); // zero norm
        float[] nan = random(new Random(1), dim);
        nan[17] = Float.NaN;
        assertInvalid(() -> simd.extractTemplate(List.of(emb(nan))));
        float[] inf = random(new Random(2), dim);
        inf[dim - 1] = Float.POSITIVE_INFINITY;
        assertInvalid(() -> simd.prepareProbe(List.of(emb(inf)), Map.of()));
        assertInvalid(() -> simd.extractTemplate(List.of()));
        assertInvalid(() -> simd.extractTemplate(List.of(new Payload("wsq", new byte[10]))));
        assertInvalid(() -> simd.extractTemplate(List.of(new Payload("embedding-f32",
                Embeddings.toBytes(random(new Random(3), dim)), Map.of("model", "other")))));
        // the wrong model's name is echoed cut to 64 characters, not 9,000
        EngineException longModel = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                () -> simd.extractTemplate(List.of(new Payload("embedding-f32",
                        Embeddings.toBytes(random(new Random(3), dim)), Map.of("model", "m".repeat(9000))))));
        assertEquals("embedding-f32 is from model '" + "m".repeat(64) + "...', this engine uses 'fr_feature'",
                longModel.getMessage());
        float[] ok = random(new Random(4), dim);
        assertInvalid(() -> simd.prepareProbe(List.of(emb(ok)), Map.of("mode", "fast")));
        EngineException typo = assertThrows(EngineException.class,
                () -> simd.prepareProbe(List.of(emb(ok)), Map.of("mode", "hnsw", "hnsw_eff", "400")));
        assertEquals("unknown face search option 'hnsw_eff'; known: binary_shortlist, hnsw_ef, mode", typo.getMessage());
        assertInvalid(() -> simd.prepareProbe(List.of(emb(ok)), Map.of("mode", "hnsw", "hnsw_ef", "0")));
        EngineException otherMode = assertThrows(EngineException.class,
                () -> simd.prepareProbe(List.of(emb(ok)), Map.of("hnsw_ef", "400")));
        assertEquals("face option hnsw_ef applies to mode=hnsw only", otherMode.getMessage());
        assertInvalid(() -> simd.prepareProbe(List.of(emb(ok)), Map.of("mode", "hnsw", "binary_shortlist", "512")));
        assertInvalid(() -> simd.prepareProbe(List.of(emb(ok)), Map.of("mode", "hnsw", "hnsw_ef", "x")));
    }

    @Test
    void embeddingIsNormalisedAndRoundTrips() {
        float[] v = random(new Random(5), simd.dim());
        byte[] t = simd.extractTemplate(List.of(emb(v)));
        assertEquals(FaceTemplateFormat.bytes(simd.dim()), t.length);
        float[] unit = Embeddings.normalise(v, "x");
        FaceProbe p = simd.prepareProbe(List.of(emb(v)), Map.of());
        assertArrayEquals(unit, p.vector(), 1e-6f);
        assertEquals(1f, simd.compare(p, t), 1e-5f);
        // scaled input gives the same template
        float[] scaled = v.clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] *= 1024; // a power of two scales exactly
        }
        assertArrayEquals(t, simd.extractTemplate(List.of(emb(scaled))));
    }

    @Test
    void writeSlotRejectsCorruptTemplates() {
        byte[] t = simd.extractTemplate(List.of(emb(random(new Random(6), simd.dim()))));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(simd.slotBytes(), 64);
            simd.writeSlot(t, slot);
            assertInvalid(() -> simd.writeSlot(java.util.Arrays.copyOf(t, t.length - 4), slot));
            byte[] magic = t.clone();
            magic[0] ^= 1;
            assertInvalid(() -> simd.writeSlot(magic, slot));
            byte[] nan = t.clone();
            MemorySegment.ofArray(nan).set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 40, 0x7fc00000);
            assertInvalid(() -> simd.writeSlot(nan, slot));
            byte[] notUnit = t.clone();
            notUnit[FaceTemplateFormat.HEADER_BYTES + 3] ^= 0x40; // exponent bit of the first float
            assertInvalid(() -> simd.writeSlot(notUnit, slot));
            // a template of the 128-d model is refused by the 512-d modality and vice versa
            FaceModality small = new FaceModality(FaceConfig.defaults().withEmbedder(FaceModelSpec.MOBILEFACENET_PADDLEX));
            byte[] t128 = small.extractTemplate(List.of(emb(random(new Random(7), 128))));
            assertInvalid(() -> simd.writeSlot(t128, slot));
            assertInvalid(() -> small.writeSlot(t, arena.allocate(small.slotBytes(), 64)));
        }
    }

    /** Slots of n random vectors (returned unit vectors in {@code out}), laid out as the core does. */
    static MemorySegment slots(FaceModality m, Arena arena, Random rnd, int n, float[][] out) {
        MemorySegment slots = arena.allocate((long) n * m.slotBytes(), 64);
        for (int i = 0; i < n; i++) {
            float[] v = random(rnd, m.dim());
            if (out != null) {
                out[i] = Embeddings.normalise(v, "x");
            }
            m.writeSlot(m.extractTemplate(List.of(emb(v))), slots.asSlice((long) i * m.slotBytes(), m.slotBytes()));
        }
        return slots;
    }

    /** A shard index fed every slot, as the core does on enrol or restart. */
    static FaceHnswIndex plane(FaceModality m, MemorySegment slots, int n) {
        FaceHnswIndex index = m.newShardIndex(0, null);
        for (int i = 0; i < n; i++) {
            index.add(i, slots.asSlice((long) i * m.slotBytes(), m.slotBytes()));
        }
        return index;
    }

    @Test
    void slotIsThePackedFloat32VectorOnly() {
        assertEquals(2048, simd.slotBytes(), "512-d: 4*512 bytes, already a multiple of 64");
        FaceModality small = new FaceModality(FaceConfig.defaults().withEmbedder(FaceModelSpec.MOBILEFACENET_PADDLEX));
        assertEquals(512, small.slotBytes());
        float[] v = random(new Random(12), simd.dim());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(simd.slotBytes(), 64);
            simd.writeSlot(simd.extractTemplate(List.of(emb(v))), slot);
            float[] back = new float[simd.dim()];
            new io.biomatch.face.internal.FaceSlotLayout(simd.dim()).read(slot, 0, back);
            assertArrayEquals(Embeddings.normalise(v, "x"), back, 0f);
        }
    }

    @Test
    void simdAndScalarKernelsAgreeAndInt8TracksFp32() {
        Random rnd = new Random(8);
        int n = 300;
        try (Arena arena = Arena.ofConfined()) {
            float[][] vs = new float[n][];
            MemorySegment slots = slots(simd, arena, rnd, n, vs);
            try (FaceHnswIndex planeSimd = plane(simd, slots, n); FaceHnswIndex planeScalar = plane(scalar, slots, n)) {
                for (int rep = 0; rep < 10; rep++) {
                    float[] q = random(rnd, simd.dim());
                    for (FaceProbe.Mode mode : FaceProbe.Mode.values()) {
                        FaceProbe p = simd.probe(q, mode);
                        for (int i = 0; i < n; i++) {
                            long off = (long) i * simd.slotBytes();
                            float a = simd.kernel().score(p, slots, off);
                            float b = scalar.kernel().score(p, slots, off);
                            float ref = Embeddings.dot(p.vector(), vs[i]);
                            assertEquals(ref, a, 1e-5f, "the slot scan is float32 in every mode");
                            assertEquals(ref, b, 1e-5f);
                            float i8 = planeSimd.int8Score(p, i);
                            assertEquals(planeScalar.int8Score(p, i), i8, 0f, "int8 pass is exact integer arithmetic");
                            assertEquals(ref, i8, 0.01f);
                        }
                    }
                }
            }
        }
    }

    /** The plane's vectorised int8 pass (four faces per step, word fast path) gives exactly the scalar pass's list. */
    @Test
    void int8VectorPassEqualsTheScalarPass() {
        Random rnd = new Random(13);
        int n = 1000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(simd, arena, rnd, n, null);
            try (FaceHnswIndex planeSimd = plane(simd, slots, n); FaceHnswIndex planeScalar = plane(scalar, slots, n)) {
                for (int rep = 0; rep < 20; rep++) {
                    long[] allowed = new long[Bits.words(n)];
                    for (int i = 0; i < n; i++) {
                        // first reps: all (whole words); then random holes, some words empty
                        boolean on = rep < 5 || (rep < 12 ? rnd.nextInt(4) != 0 : (i / 64) % 3 == 0 && rnd.nextInt(5) != 0);
                        if (on) {
                            Bits.set(allowed, i);
                        }
                    }
                    FaceProbe p = simd.probe(random(rnd, simd.dim()), FaceProbe.Mode.EXACT);
                    int k = 1 + rnd.nextInt(100);
                    TopK got = new TopK(Integer::compare);
                    got.reset(k, Float.NEGATIVE_INFINITY);
                    planeSimd.int8Scan(p, allowed, got);
                    TopK want = new TopK(Integer::compare);
                    want.reset(k, Float.NEGATIVE_INFINITY);
                    planeScalar.int8Scan(p, allowed, want);
                    int[] go = assertSameTop(want, got, "rep " + rep);
                    for (int o : go) {
                        assertTrue(Bits.get(allowed, o), "an ordinal outside allowed came back");
                    }
                }
            }
        }
    }

    /** mode=exact through the index: the brute-force float32 top k, with the float32 scores bit for bit. */
    @Test
    void exactSearchEqualsTheFloat32Scan() {
        Random rnd = new Random(14);
        int n = 3000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(simd, arena, rnd, n, null);
            for (FaceModality m : List.of(simd, scalar)) {
                try (FaceHnswIndex index = plane(m, slots, n)) {
                    for (int rep = 0; rep < 20; rep++) {
                        long[] allowed = new long[Bits.words(n)];
                        for (int i = 0; i < n; i++) {
                            if (rep % 2 == 0 || rnd.nextInt(3) != 0) {
                                Bits.set(allowed, i);
                            }
                        }
                        float[] q = random(rnd, m.dim());
                        int k = 1 + rnd.nextInt(30);
                        TopK got = new TopK(Integer::compare);
                        got.reset(k, Float.NEGATIVE_INFINITY);
                        assertTrue(index.search(m.probe(q, FaceProbe.Mode.EXACT), slots, m.slotBytes(), allowed, got,
                                io.biomatch.core.SearchControl.NONE));
                        TopK want = new TopK(Integer::compare);
                        want.reset(k, Float.NEGATIVE_INFINITY);
                        m.kernel().scan(m.probe(q, FaceProbe.Mode.FP32), slots, m.slotBytes(), allowed, 0, n, want);
                        assertSameTop(want, got, "rep " + rep);
                    }
                }
            }
        }
    }

    @Test
    void exactSearchStopsAtTheDeadline() {
        Random rnd = new Random(15);
        int n = 100;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(simd, arena, rnd, n, null);
            try (FaceHnswIndex index = plane(simd, slots, n)) {
                long[] all = new long[Bits.words(n)];
                for (int i = 0; i < n; i++) {
                    Bits.set(all, i);
                }
                TopK top = new TopK(Integer::compare);
                top.reset(5, Float.NEGATIVE_INFINITY);
                io.biomatch.core.SearchControl cancelled = new io.biomatch.core.SearchControl(Long.MAX_VALUE);
                cancelled.cancel();
                EngineException e = assertThrows(EngineException.class, () -> index.search(
                        simd.probe(random(rnd, simd.dim()), FaceProbe.Mode.EXACT), slots, simd.slotBytes(), all, top,
                        cancelled));
                assertEquals(EngineException.Reason.CANCELLED, e.reason());
                assertEquals(0, top.size());
            }
        }
    }

    @Test
    void scanKeepsTheBestSlot() {
        Random rnd = new Random(9);
        int n = 200;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate((long) n * simd.slotBytes(), 64);
            float[][] vs = new float[n][];
            for (int i = 0; i < n; i++) {
                vs[i] = random(rnd, simd.dim());
                simd.writeSlot(simd.extractTemplate(List.of(emb(vs[i]))), slots.asSlice((long) i * simd.slotBytes(), simd.slotBytes()));
            }
            long[] live = new long[Bits.words(n)];
            for (int i = 0; i < n; i++) {
                Bits.set(live, i);
            }
            // a noisy copy of slot 123 must come first in both modes
            float[] q = vs[123].clone();
            for (int i = 0; i < q.length; i++) {
                q[i] += 0.3f * (float) rnd.nextGaussian();
            }
            for (FaceProbe.Mode mode : FaceProbe.Mode.values()) {
                TopK top = new TopK(Integer::compare);
                top.reset(5, Float.NEGATIVE_INFINITY);
                simd.kernel().scan(simd.probe(q, mode), slots, simd.slotBytes(), live, 0, n, top);
                float[] s = new float[5];
                int[] o = new int[5];
                top.drainBestFirst(s, o);
                assertEquals(123, o[0], mode.toString());
                assertTrue(s[0] > 0.8f);
            }
        }
    }

    @Test
    void fourWayScanEqualsTheOneSlotLoop() {
        Random rnd = new Random(10);
        int n = 203;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate((long) n * simd.slotBytes(), 64);
            for (int i = 0; i < n; i++) {
                simd.writeSlot(simd.extractTemplate(List.of(emb(random(rnd, simd.dim())))),
                        slots.asSlice((long) i * simd.slotBytes(), simd.slotBytes()));
            }
            for (int rep = 0; rep < 20; rep++) {
                long[] live = new long[Bits.words(n)];
                for (int i = 0; i < n; i++) {
                    if (rep < 8 || rnd.nextInt(4) != 0) { // all live (whole words) in the first reps
                        Bits.set(live, i);
                    }
                }
                int from = rep % 4 == 0 ? 0 : rnd.nextInt(70);
                int to = rep % 4 == 0 ? n : n - rnd.nextInt(70);
                float[] q = random(rnd, simd.dim());
                for (FaceProbe.Mode mode : FaceProbe.Mode.values()) {
                    FaceProbe p = simd.probe(q, mode);
                    int k = 1 + rnd.nextInt(40);
                    TopK got = new TopK(Integer::compare);
                    got.reset(k, Float.NEGATIVE_INFINITY);
                    simd.kernel().scan(p, slots, simd.slotBytes(), live, from, to, got);
                    TopK want = new TopK(Integer::compare);
                    want.reset(k, Float.NEGATIVE_INFINITY);
                    for (int o = Bits.nextSetBit(live, from, to); o >= 0; o = Bits.nextSetBit(live, o + 1, to)) {
                        want.offer(simd.kernel().score(p, slots, (long) o * simd.slotBytes()), o);
                    }
                    assertSameTop(want, got, mode.toString());
                }
            }
        }
    }

    @Test
    void fusedEnrolmentAveragesEmbeddings() {
        float[] a = random(new Random(10), simd.dim());
        float[] b = random(new Random(11), simd.dim());
        byte[] t = simd.extractTemplate(List.of(emb(a), emb(b)));
        FaceProbe pa = simd.prepareProbe(List.of(emb(a)), Map.of());
        FaceProbe pb = simd.prepareProbe(List.of(emb(b)), Map.of());
        float ca = simd.compare(pa, t), cb = simd.compare(pb, t);
        assertTrue(ca > 0.6f && cb > 0.6f, ca + " " + cb);
        assertFalse(Float.isNaN(ca));
    }
}
