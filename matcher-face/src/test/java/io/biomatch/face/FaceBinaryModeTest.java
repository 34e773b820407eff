package io.biomatch.face;

import static io.biomatch.face.FaceModalityTest.assertInvalid;
import static io.biomatch.face.FaceModalityTest.emb;
import static io.biomatch.face.FaceModalityTest.plane;
import static io.biomatch.face.FaceModalityTest.random;
import static io.biomatch.face.FaceModalityTest.slots;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.internal.SignBitPlane;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code mode=binary}: sign-bit codes, Hamming pass, int8 + float32 re-rank. */
class FaceBinaryModeTest {
    private final FaceModality face = new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off());

    @Test
    void hammingDistanceCountsSignDisagreementsAndSelectionEqualsATopList() {
        Random rnd = new Random(21);
        for (int dim : new int[] {512, 128}) {
            int n = 700;
            float[][] v = new float[n][];
            try (SignBitPlane plane = new SignBitPlane(dim)) {
                for (int i = 0; i < n; i++) {
                    v[i] = random(rnd, dim);
                    assertEquals(i, plane.append(v[i]));
                }
                float[] q = random(rnd, dim);
                long[] code = SignBitPlane.encode(q);
                for (int i = 0; i < n; i++) {
                    int naive = 0;
                    for (int d = 0; d < dim; d++) {
                        naive += (v[i][d] > 0) != (q[d] > 0) ? 1 : 0;
                    }
                    assertEquals(naive, plane.distance(code, i), "dim " + dim + " ordinal " + i);
                }
                long[] allowed = new long[Bits.words(n)];
                int count = 0;
                for (int i = 0; i < n; i++) {
                    if ((i / 64) % 3 != 1 && rnd.nextInt(4) != 0) { // some words empty, holes elsewhere
                        Bits.set(allowed, i);
                        count++;
                    }
                }
                // selection by histogram (two blocks) = a top-r list of -distance with ties to the lower ordinal
                int[] histogram = new int[dim + 1];
                plane.hammingPass(code, allowed, 0, 300, histogram);
                plane.hammingPass(code, allowed, 300, n, histogram);
                for (int r : new int[] {1, 7, 64, 200, count, count + 50}) {
                    int[] got = new int[n];
                    int m = plane.selectNearest(histogram, r, n, got);
                    TopK want = new TopK(Integer::compare);
                    want.reset(r, Float.NEGATIVE_INFINITY);
                    for (int i = 0; i < n; i++) {
                        if (Bits.get(allowed, i)) {
                            want.offer(-plane.distance(code, i), i);
                        }
                    }
                    assertEquals(Math.min(r, count), m, "dim " + dim + " r " + r);
                    float[] ws = new float[want.size()];
                    int[] wo = new int[want.size()];
                    want.drainBestFirst(ws, wo);
                    java.util.Arrays.sort(wo);
                    assertArrayEquals(wo, java.util.Arrays.copyOf(got, m), "dim " + dim + " r " + r);
                }
            }
        }
    }

    /**
     * The vector Hamming pass (8 faces per step over whole allowed words) counts the same distances as the scalar
     * pass: same histogram and same selections, through partial words, empty words and a ragged end, interpreted
     * and then hot enough for C2.
     */
    @Test
    void vectorHammingPassEqualsScalarPass() {
        Random rnd = new Random(5);
        int dim = 512;
        int n = 1000;
        try (SignBitPlane plane = new SignBitPlane(dim)) {
            for (int i = 0; i < n; i++) {
                plane.append(random(rnd, dim));
            }
            long[] allowed = new long[Bits.words(n)];
            for (int i = 0; i < n; i++) {
                int word = i / 64;
                if (word == 5 || (word == 3 && rnd.nextBoolean())) {
                    continue; // word 5 empty, word 3 with holes
                }
                Bits.set(allowed, i);
            }
            for (int rep = 0; rep < 3_000; rep++) {
                long[] code = SignBitPlane.encode(random(rnd, dim));
                int to = n - rnd.nextInt(100);
                int split = rep % 3 == 0 ? 0 : rnd.nextInt(to); // two blocks, as the engine passes them
                int[] scalar = new int[dim + 1];
                int[] vector = new int[dim + 1];
                plane.hammingPass(code, allowed, 0, split, scalar, false);
                plane.hammingPass(code, allowed, split, to, scalar, false);
                int[] scalarTop = new int[n];
                int ms = plane.selectNearest(scalar, 50, to, scalarTop);
                plane.hammingPass(code, allowed, 0, split, vector, true);
                plane.hammingPass(code, allowed, split, to, vector, true);
                int[] vectorTop = new int[n];
                int mv = plane.selectNearest(vector, 50, to, vectorTop);
                if (rep % 100 == 0 || !java.util.Arrays.equals(scalar, vector) || ms != mv
                        || !java.util.Arrays.equals(scalarTop, vectorTop)) {
                    assertArrayEquals(scalar, vector, "rep " + rep);
                    assertEquals(ms, mv, "rep " + rep);
                    assertArrayEquals(scalarTop, vectorTop, "rep " + rep);
                }
            }
        }
    }

    /** With a short list as large as the shard, binary re-ranks the same candidates as exact: same answer. */
    @Test
    void binaryWithEveryCodeKeptEqualsExact() {
        Random rnd = new Random(22);
        int n = 2000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(face, arena, rnd, n, null);
            try (FaceHnswIndex index = plane(face, slots, n)) {
                long[] allowed = new long[Bits.words(n)];
                for (int i = 0; i < n; i++) {
                    if (rnd.nextInt(5) != 0) {
                        Bits.set(allowed, i);
                    }
                }
                for (int rep = 0; rep < 10; rep++) {
                    float[] q = random(rnd, face.dim());
                    int k = 1 + rnd.nextInt(20);
                    TopK got = search(index, face.binaryProbe(q, n), slots, allowed, k);
                    TopK want = search(index, face.probe(q, FaceProbe.Mode.EXACT), slots, allowed, k);
                    FaceModalityTest.assertSameTop(want, got, "rep " + rep);
                }
            }
        }
    }

    /**
     * A mate at cosine ~0.65 (another sample of the same face) against 20,000 random faces: a short list of 100
     * codes (0.5 %) already holds it, so it comes back first with its float32 cosine; filtered out, it does not.
     */
    @Test
    void matesComeFirstFromASmallShortListAndFiltersHold() {
        Random rnd = new Random(23);
        int n = 20_000;
        float[][] unit = new float[n][];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(face, arena, rnd, n, unit);
            try (FaceHnswIndex index = plane(face, slots, n)) {
                long[] all = new long[Bits.words(n)];
                for (int i = 0; i < n; i++) {
                    Bits.set(all, i);
                }
                for (int rep = 0; rep < 20; rep++) {
                    int mate = rnd.nextInt(n);
                    float[] noise = Embeddings.normalise(random(rnd, face.dim()), "x");
                    float[] q = new float[face.dim()];
                    for (int d = 0; d < q.length; d++) {
                        q[d] = (float) (Math.sqrt(0.65) * unit[mate][d] + Math.sqrt(0.35) * noise[d]);
                    }
                    TopK top = search(index, face.binaryProbe(q, 100), slots, all, 5);
                    float[] s = new float[5];
                    int[] o = new int[5];
                    top.drainBestFirst(s, o);
                    assertEquals(mate, o[0], "rep " + rep);
                    assertTrue(s[0] > 0.5f, "float32 cosine " + s[0]);
                    long[] noMate = all.clone();
                    noMate[mate >>> 6] &= ~(1L << (mate & 63));
                    TopK filtered = search(index, face.binaryProbe(q, 100), slots, noMate, 5);
                    filtered.drainBestFirst(s, o);
                    for (int x : o) {
                        assertTrue(x != mate, "filtered mate returned");
                    }
                }
            }
        }
    }

    @Test
    void optionsAreParsedAndCheckedBeforeAnythingIsSearched() {
        float[] v = random(new Random(24), face.dim());
        FaceProbe p = face.prepareProbe(List.of(emb(v)), Map.of("mode", "binary", "binary_shortlist", "512"));
        assertEquals(FaceProbe.Mode.BINARY, p.mode());
        assertEquals(512, p.binaryShortlist);
        assertEquals(FaceProbe.DEFAULT_BINARY_SHORTLIST,
                face.prepareProbe(List.of(emb(v)), Map.of("mode", "binary")).binaryShortlist);
        for (String bad : new String[] {"0", "-3", "x", "1000001", "1e3"}) {
            assertInvalid(() -> face.prepareProbe(List.of(emb(v)), Map.of("mode", "binary", "binary_shortlist", bad)));
        }
        assertInvalid(() -> face.prepareProbe(List.of(emb(v)), Map.of("mode", "bits")));
    }

    private static TopK search(FaceHnswIndex index, FaceProbe p, MemorySegment slots, long[] allowed, int k) {
        TopK top = new TopK(Integer::compare);
        top.reset(k, Float.NEGATIVE_INFINITY);
        assertTrue(index.search(p, slots, 2048, allowed, top, SearchControl.NONE));
        return top;
    }
}
