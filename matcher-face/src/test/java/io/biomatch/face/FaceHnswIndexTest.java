package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Candidate;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HNSW against the exact float32 ranking: recall, deletes, filters, compaction and restart through the engine. */
class FaceHnswIndexTest {
    private static final int N = 3000;
    private static final int K = 10;

    @TempDir
    Path dir;

    private final FaceModality face = new FaceModality(FaceConfig.defaults());
    /** The slots of the index built last (what the core passes to search: float32 re-ranks read them). */
    private MemorySegment slots;

    /** Clustered unit vectors: {@code n / 10} random centres, each member = centre + noise (cosine to centre ~0.5). */
    static float[][] clustered(long seed, int n, int dim) {
        Random rnd = new Random(seed);
        float[][] centres = new float[Math.max(1, n / 10)][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = unit(FaceModalityTest.random(rnd, dim));
        }
        float[][] v = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] c = centres[rnd.nextInt(centres.length)];
            float[] x = new float[dim];
            for (int d = 0; d < dim; d++) {
                x[d] = c[d] + (float) (rnd.nextGaussian() / Math.sqrt(dim));
            }
            v[i] = unit(x);
        }
        return v;
    }

    static float[] unit(float[] v) {
        return Embeddings.normalise(v, "test");
    }

    static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Ordinals of the k best allowed vectors, best first (ties by ordinal). */
    static int[] exact(float[][] g, float[] q, long[] allowed, int k) {
        TopK top = new TopK(Integer::compare);
        top.reset(k, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < g.length; i++) {
            if (Bits.get(allowed, i)) {
                top.offer(dot(g[i], q), i);
            }
        }
        return drain(top);
    }

    static int[] drain(TopK top) {
        float[] s = new float[top.size()];
        int[] o = new int[top.size()];
        top.drainBestFirst(s, o);
        return o;
    }

    /** An index over the vectors, fed through the slot layout like the core does. */
    private FaceHnswIndex index(float[][] g, Arena arena) {
        FaceHnswIndex index = reopened(g, inOrder(g.length), arena);
        index.catchUp(); // enrolments queue for the graph; the shard's worker inserts them between requests
        return index;
    }

    /** 0, 1, ..., n - 1. */
    private static int[] inOrder(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Writes {@code g[order[o]]} into slot o of a new segment ({@link #slots}). */
    private MemorySegment writeSlots(float[][] g, int[] order, Arena arena) {
        slots = arena.allocate((long) order.length * face.slotBytes(), 64);
        for (int o = 0; o < order.length; o++) {
            face.writeSlot(face.extractTemplate(List.of(FaceModalityTest.emb(g[order[o]]))),
                    slots.asSlice((long) o * face.slotBytes(), face.slotBytes()));
        }
        return slots;
    }

    /** g[order[o]] at o: the vectors as a reopened index holds them. */
    private static float[][] gInOrder(float[][] g, int[] order) {
        float[][] out = new float[order.length][];
        for (int o = 0; o < order.length; o++) {
            out[o] = g[order[o]];
        }
        return out;
    }

    private static long[] all(int n) {
        long[] b = new long[Bits.words(n)];
        for (int i = 0; i < n; i++) {
            Bits.set(b, i);
        }
        return b;
    }

    private double recall(FaceHnswIndex index, float[][] g, long[] allowed, List<float[]> queries, int ef) {
        TopK top = new TopK(Integer::compare);
        int found = 0;
        for (float[] q : queries) {
            top.reset(K, Float.NEGATIVE_INFINITY);
            assertTrue(index.search(face.probe(q, FaceProbe.Mode.HNSW, ef), slots, face.slotBytes(), allowed, top,
                    SearchControl.NONE));
            int[] got = drain(top);
            Set<Integer> want = new HashSet<>();
            for (int o : exact(g, q, allowed, K)) {
                want.add(o);
            }
            for (int o : got) {
                assertTrue(Bits.get(allowed, o), "a deleted or filtered ordinal came back");
                if (want.contains(o)) {
                    found++;
                }
            }
        }
        return found / (double) (queries.size() * K);
    }

    private List<float[]> queries(float[][] g, long seed, int n) {
        Random rnd = new Random(seed);
        List<float[]> q = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // half near a gallery vector (a mate), half anywhere
            float[] x = i % 2 == 0 ? g[rnd.nextInt(g.length)].clone() : FaceModalityTest.random(rnd, face.dim());
            for (int d = 0; d < x.length; d++) {
                x[d] += (float) (0.5 * rnd.nextGaussian() / Math.sqrt(x.length));
            }
            q.add(unit(x));
        }
        return q;
    }

    @Test
    void recallAt10AgainstExactAndDeletesNeverReturned() {
        float[][] g = clustered(41, N, face.dim());
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = index(g, arena)) {
            assertEquals(N, index.size());
            // snapshots on the insert path: the newest ninth at most has Lucene's links only
            assertTrue(9L * index.reverseCovered() >= 8L * N, "reverse links cover " + index.reverseCovered() + " of " + N);
            // the int8 plane only (dim + 4 bytes per face, capacity doubled as it grows): no float32 copies
            long planeBytes = (face.dim() + 4L) * N;
            assertTrue(index.offHeapBytes() >= planeBytes && index.offHeapBytes() < 2 * planeBytes,
                    "off-heap " + index.offHeapBytes());
            long[] allowed = all(N);
            double r = recall(index, g, allowed, queries(g, 42, 100), 100);
            assertTrue(r >= 0.95, "recall@10 " + r);
            // delete a third: the graph keeps the nodes, searches skip them
            for (int i = 0; i < N; i += 3) {
                Bits.clear(allowed, i);
                index.delete(i);
            }
            double rd = recall(index, g, allowed, queries(g, 43, 100), 100);
            assertTrue(rd >= 0.95, "recall@10 with deletes " + rd);
            // compaction: the live vectors move to 0..n-1 and the graph is rebuilt from them
            List<float[]> kept = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                if (Bits.get(allowed, i)) {
                    kept.add(g[i]);
                }
            }
            float[][] k = kept.toArray(float[][]::new);
            int[] order = inOrder(k.length);
            index.rebuild(writeSlots(k, order, arena), face.slotBytes(), all(kept.size()), kept.size());
            assertEquals(k.length, index.size());
            index.catchUp(); // the shard's worker does this in slices between requests
            assertEquals(k.length, index.reverseCovered(), "a rebuilt graph gets reverse links for every face");
            assertTrue(recall(index, k, all(k.length), queries(k, 44, 100), 100) >= 0.95);
        }
    }

    /** Ordinals found through the graph for each query, best first. */
    private int[][] hnswResults(FaceHnswIndex index, List<float[]> queries, long[] allowed) {
        TopK top = new TopK(Integer::compare);
        int[][] out = new int[queries.size()][];
        for (int j = 0; j < queries.size(); j++) {
            top.reset(K, Float.NEGATIVE_INFINITY);
            assertTrue(index.search(face.probe(queries.get(j), FaceProbe.Mode.HNSW, 100), slots, face.slotBytes(),
                    allowed, top, SearchControl.NONE));
            out[j] = drain(top);
        }
        return out;
    }

    /**
     * Lucene's searcher and builder score a node's neighbours through {@code bulkScore}; ours (four int8 dots per
     * call) must give each node the same score as {@code score}, bit for bit, and return the best, for the
     * probe's scorer and the builder's.
     */
    @Test
    void bulkScoresEqualOneByOneScores() throws Exception {
        float[][] g = clustered(9, 500, face.dim());
        Random rnd = new Random(13);
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = index(g, arena)) {
            FaceProbe probe = face.probe(FaceModalityTest.random(rnd, face.dim()), FaceProbe.Mode.HNSW);
            var build = index.new Supplier().scorer();
            build.setScoringOrdinal(17);
            for (var scorer : List.of(index.new ProbeScorer(probe.q, probe.qScale), build)) {
                for (int rep = 0; rep < 2_000; rep++) {
                    int n = rnd.nextInt(14);
                    int[] nodes = new int[n];
                    float[] scores = new float[n + 2];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        nodes[i] = rnd.nextInt(g.length);
                        max = Math.max(max, scorer.score(nodes[i]));
                    }
                    float got = scorer.bulkScore(nodes, scores, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToIntBits(scorer.score(nodes[i])), Float.floatToIntBits(scores[i]),
                                "rep " + rep + " node " + nodes[i]);
                    }
                    assertEquals(max, got, 0f, "rep " + rep);
                }
            }
        }
    }

    /**
     * Prefetching neighbours (graph build and walk) and the binary short list changes no score: a graph built with
     * it equals one built without it, result for result, and one index answers the same with it switched off.
     */
    @Test
    void prefetchChangesNeitherTheGraphNorAnyResult() throws Exception {
        float[][] g = clustered(23, 1500, face.dim());
        List<float[]> qs = queries(g, 24, 40);
        long[] allowed = all(g.length);
        int[] order = inOrder(g.length);
        try (Arena arena = Arena.ofConfined();
             FaceHnswIndex with = face.newShardIndex(0, null);
             FaceHnswIndex without = face.newShardIndex(1, null)) {
            without.prefetch(false);
            MemorySegment s = writeSlots(g, order, arena);
            for (int o = 0; o < g.length; o++) {
                with.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
                without.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            TopK top = new TopK(Integer::compare);
            int checked = 0;
            for (float[] q : qs) {
                for (FaceProbe probe : List.of(face.probe(q, FaceProbe.Mode.HNSW, 40), face.binaryProbe(q, 64))) {
                    float[][] scores = new float[3][];
                    int[][] ords = new int[3][];
                    int v = 0;
                    for (FaceHnswIndex index : List.of(with, without, with)) {
                        index.prefetch(v != 2); // the third pass: the prefetching index with prefetch off
                        top.reset(K, Float.NEGATIVE_INFINITY);
                        assertTrue(index.search(probe, s, face.slotBytes(), allowed, top, SearchControl.NONE));
                        scores[v] = new float[top.size()];
                        ords[v] = new int[top.size()];
                        top.drainBestFirst(scores[v], ords[v]);
                        v++;
                    }
                    with.prefetch(true);
                    for (int w = 1; w < 3; w++) {
                        assertEquals(java.util.Arrays.toString(ords[0]), java.util.Arrays.toString(ords[w]), "ordinals");
                        assertEquals(java.util.Arrays.toString(scores[0]), java.util.Arrays.toString(scores[w]), "scores");
                    }
                    assertEquals(K, ords[0].length);
                    checked++;
                }
            }
            assertEquals(2 * qs.size(), checked);
        }
    }

    /** Level-0 neighbours of node n in the graph, in listing order. */
    private static List<Integer> neighbours(org.apache.lucene.util.hnsw.HnswGraph graph, int level, int n) throws Exception {
        graph.seek(level, n);
        List<Integer> out = new ArrayList<>();
        for (int x = graph.nextNeighbor(); x != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; x = graph.nextNeighbor()) {
            out.add(x);
        }
        assertEquals(out.size(), graph.neighborCount(), "neighborCount of node " + n + " at level " + level);
        return out;
    }

    /**
     * An index over the vectors with M=8: lists fill and Lucene prunes them, as at M=64 with millions of faces
     * (at the default M a few thousand faces rarely fill a list of 128).
     */
    /** M=8: lists fill and Lucene prunes them at a few thousand faces (see {@link #smallDegreeIndex}). */
    private static final FaceHnswSettings SMALL_DEGREE = new FaceHnswSettings(true, 8, 50, 100);

    private FaceHnswIndex smallDegreeIndex(float[][] g, Arena arena) {
        FaceModality small = new FaceModality(FaceConfig.defaults(), SMALL_DEGREE);
        FaceHnswIndex index = filled(small, null, g, inOrder(g.length), arena);
        index.catchUp();
        return index;
    }

    @Test
    void reverseLinksAreExactlyEveryMissingReverseOfLucenesLinks() throws Exception {
        float[][] g = clustered(61, 2000, face.dim());
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = smallDegreeIndex(g, arena)) {
            org.apache.lucene.util.hnsw.OnHeapHnswGraph lucene = index.luceneGraph();
            int n = g.length;
            // reference: plain sets from Lucene's own lists
            List<List<Integer>> out = new ArrayList<>();
            for (int x = 0; x < n; x++) {
                out.add(neighbours(lucene, 0, x));
            }
            List<Set<Integer>> in = new ArrayList<>();
            for (int x = 0; x < n; x++) {
                in.add(new HashSet<>());
            }
            for (int x = 0; x < n; x++) {
                for (int y : out.get(x)) {
                    in.get(y).add(x);
                }
            }
            // taken in steps, as the shard's worker takes it between requests: one unit of 7 nodes per step here
            ReverseEdgeGraph.Snapshot stepped = new ReverseEdgeGraph.Snapshot(lucene, n, 7);
            int steps = 1;
            while (!stepped.step(() -> true)) { // one unit per call
                steps++;
            }
            assertTrue(steps >= 3 * (n / 7), "three passes of 7 nodes per step: " + steps + " steps");
            ReverseEdgeGraph view = stepped.result();
            assertTrue(view.isOf(lucene));
            ReverseEdgeGraph oneGo = ReverseEdgeGraph.of(lucene, n);
            for (int y = 0; y < n; y++) {
                assertEquals(neighbours(oneGo, 0, y), neighbours(view, 0, y), "in steps as in one go, node " + y);
            }
            long extra = 0;
            int longest = 0;
            for (int y = 0; y < n; y++) {
                List<Integer> got = neighbours(view, 0, y);
                List<Integer> own = out.get(y);
                assertEquals(own, got.subList(0, own.size()), "Lucene's links first, unchanged, node " + y);
                Set<Integer> want = new HashSet<>(in.get(y));
                own.forEach(want::remove);
                List<Integer> added = got.subList(own.size(), got.size());
                assertEquals(want, new HashSet<>(added), "reverse links of node " + y);
                assertEquals(added.size(), new HashSet<>(added).size(), "no duplicates, node " + y);
                extra += added.size();
                longest = Math.max(longest, got.size());
            }
            assertEquals(extra, view.extraLinks());
            assertTrue(extra > 0, "Lucene's pruning leaves some links one-way");
            assertTrue(2 * view.maxConn() >= longest, "Lucene sizes its scratch by 2 * maxConn: " + view.maxConn() + " vs " + longest);
            for (int level = 1; level < lucene.numLevels(); level++) {
                var it = lucene.getNodesOnLevel(level);
                while (it.hasNext()) {
                    int node = it.nextInt();
                    assertEquals(neighbours(lucene, level, node), neighbours(view, level, node), "upper level " + level);
                }
            }
            assertEquals(lucene.entryNode(), view.entryNode());
            assertEquals(lucene.numLevels(), view.numLevels());
        }
    }

    /**
     * The saved file, mapped, walks exactly the lists of the graph it was written from (Lucene's, then the reverse
     * links), loads back into Lucene's builder with the same lists and scores under a new order of the records,
     * and is refused with a reason when any byte is changed or it is cut short.
     */
    @Test
    void graphFileMapsEveryListLoadsBackAndRefusesDamage() throws Exception {
        float[][] g = clustered(62, 2000, face.dim());
        int n = g.length;
        FaceHnswSettings settings = SMALL_DEGREE;
        FaceModality small = new FaceModality(FaceConfig.defaults(), settings);
        Path file = dir.resolve("face-hnsw").resolve("shard-0").resolve(FaceHnswIndex.GRAPH_FILE);
        List<List<List<Integer>>> lucene = new ArrayList<>(); // level -> node -> Lucene's list
        List<List<List<Float>>> scores = new ArrayList<>();
        List<List<Integer>> withReverse = new ArrayList<>(); // level 0 only
        long reverseLinks;
        int entry;
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = filled(small, dir, g, inOrder(n), arena)) {
            org.apache.lucene.util.hnsw.OnHeapHnswGraph graph = index.luceneGraph();
            ReverseEdgeGraph view = ReverseEdgeGraph.of(graph, n);
            reverseLinks = view.extraLinks();
            entry = graph.entryNode();
            assertTrue(reverseLinks > 0, "Lucene's pruning leaves some links one-way at M=8");
            for (int l = 0; l < graph.numLevels(); l++) {
                List<List<Integer>> lists = new ArrayList<>();
                List<List<Float>> sc = new ArrayList<>();
                for (int x = 0; x < n; x++) {
                    boolean on = l == 0 || contains(graph.getNodesOnLevel(l), x);
                    lists.add(on ? neighbours(graph, l, x) : null);
                    List<Float> f = new ArrayList<>();
                    if (on) {
                        var na = graph.getNeighbors(l, x);
                        for (int k = 0; k < na.size(); k++) {
                            f.add(na.getScores(k));
                        }
                    }
                    sc.add(f);
                    if (l == 0) {
                        withReverse.add(neighbours(view, 0, x));
                    }
                }
                lucene.add(lists);
                scores.add(sc);
            }
        } // close writes the file
        String[] why = new String[1];
        try (MappedHnswGraph m = HnswGraphFile.open(file, face.dim(), settings, why)) {
            assertTrue(m != null, "a file just written opens: " + why[0]);
            assertEquals(n, m.size());
            assertEquals(lucene.size(), m.numLevels());
            assertEquals(entry, m.entryNode());
            assertEquals(reverseLinks, m.reverseLinkCount());
            for (int x = 0; x < n; x++) {
                List<Integer> got = neighbours(m, 0, x);
                assertEquals(withReverse.get(x), got, "level 0, node " + x);
                assertTrue(got.size() <= 2 * m.maxConn(), "Lucene sizes its scratch by 2 * maxConn");
            }
            for (int l = 1; l < lucene.size(); l++) {
                int on = 0;
                for (int x = 0; x < n; x++) {
                    if (lucene.get(l).get(x) != null) {
                        assertEquals(lucene.get(l).get(x), neighbours(m, l, x), "level " + l + ", node " + x);
                        on++;
                    }
                }
                assertEquals(on, m.getNodesOnLevel(l).size(), "nodes on level " + l);
            }
            m.reverseLinks(false);
            for (int x = 0; x < n; x++) {
                assertEquals(lucene.get(0).get(x), neighbours(m, 0, x), "Lucene's part, node " + x);
            }
        }
        // records back in another order, then an insert: the lists are loaded, translated, with their scores
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = n - 1 - i;
        }
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = filled(small, dir, g, order, arena)) {
            hnswResults(index, List.of(g[0]), all(n));
            assertEquals("mapped", index.origin());
            index.loadStepNodes = 7; // resumed after every 7 nodes or lists, across level boundaries
            org.apache.lucene.util.hnsw.OnHeapHnswGraph back = index.luceneGraph();
            assertEquals("loaded", index.origin());
            for (int l = 0; l < lucene.size(); l++) {
                for (int x = 0; x < n; x++) {
                    List<Integer> want = lucene.get(l).get(x);
                    if (want == null) {
                        continue;
                    }
                    int o = n - 1 - x; // the record of saved node x is now at ordinal n - 1 - x
                    List<Integer> got = neighbours(back, l, o);
                    List<Integer> translated = new ArrayList<>();
                    want.forEach(y -> translated.add(n - 1 - y));
                    assertEquals(translated, got, "loaded list, level " + l + ", node " + x);
                    var na = back.getNeighbors(l, o);
                    for (int k = 0; k < na.size(); k++) {
                        assertEquals(scores.get(l).get(x).get(k), na.getScores(k), "score, level " + l + ", node " + x);
                    }
                }
            }
        }
        // any changed byte, a cut, or another version: refused with a reason
        byte[] good = java.nio.file.Files.readAllBytes(file);
        Path bad = dir.resolve("bad.bin");
        for (int at : new int[] {0, 4, 21, 64 + 3, 64 + 8 * n + 1, good.length / 2, good.length - 20, good.length - 1}) {
            byte[] b = good.clone();
            b[at] ^= 0x01;
            java.nio.file.Files.write(bad, b);
            why[0] = null;
            assertTrue(HnswGraphFile.open(bad, face.dim(), settings, why) == null, "byte " + at + " changed");
            assertTrue(why[0] != null && !why[0].isEmpty(), "a reason, byte " + at);
        }
        // a link out of range under a valid CRC: the bounds checks, not the CRC, refuse it
        byte[] forged = good.clone();
        java.nio.ByteBuffer le = java.nio.ByteBuffer.wrap(forged).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long level0 = (HnswGraphFile.HEADER_BYTES + 9L * n + 7) & ~7L;
        long firstLink = (level0 + 8 + 8L * (n + 1) + 4L * n + 7) & ~7L;
        le.putInt((int) firstLink, n + 5);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(forged, 0, forged.length - 8);
        le.putLong(forged.length - 8, crc.getValue());
        java.nio.file.Files.write(bad, forged);
        assertTrue(HnswGraphFile.open(bad, face.dim(), settings, why) == null, "forged link");
        assertTrue(why[0].contains("link out of range"), why[0]);
        java.nio.file.Files.write(bad, java.util.Arrays.copyOf(good, good.length - 8));
        assertTrue(HnswGraphFile.open(bad, face.dim(), settings, why) == null, "cut short");
        assertTrue(HnswGraphFile.open(file, face.dim(), new FaceHnswSettings(true, 9, 50, 100), why) == null,
                "other M");
        assertTrue(why[0].contains("M"), why[0]);
        assertTrue(HnswGraphFile.open(dir.resolve("missing.bin"), face.dim(), settings, why) == null, "missing");
    }

    private static boolean contains(org.apache.lucene.util.hnsw.HnswGraph.NodesIterator it, int node) {
        while (it.hasNext()) {
            if (it.nextInt() == node) {
                return true;
            }
        }
        return false;
    }

    @Test
    void reverseLinksFindMatesLucenesLinksMiss() throws Exception {
        // isotropic 512-d faces and mates at cosine ~0.65 (a photo of the same person); a small ef so that Lucene's
        // links alone miss some: with the reverse links the same graph must find more of them
        int n = 4000;
        Random rnd = new Random(5);
        float[][] g = new float[n][];
        for (int i = 0; i < n; i++) {
            g[i] = unit(FaceModalityTest.random(rnd, face.dim()));
        }
        List<float[]> qs = new ArrayList<>();
        int[] mate = new int[200];
        for (int j = 0; j < mate.length; j++) {
            mate[j] = rnd.nextInt(n);
            float[] x = new float[face.dim()];
            float[] noise = unit(FaceModalityTest.random(rnd, face.dim()));
            for (int d = 0; d < x.length; d++) {
                x[d] = (float) (Math.sqrt(0.65) * g[mate[j]][d] + Math.sqrt(0.35) * noise[d]);
            }
            qs.add(unit(x));
        }
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = smallDegreeIndex(g, arena)) {
            long[] allowed = all(n);
            int[] found = new int[2];
            TopK top = new TopK(Integer::compare);
            for (int v = 0; v < 2; v++) {
                index.reverseLinks(v == 1);
                for (int j = 0; j < qs.size(); j++) {
                    top.reset(1, Float.NEGATIVE_INFINITY);
                    assertTrue(index.search(face.probe(qs.get(j), FaceProbe.Mode.HNSW, 2), slots, face.slotBytes(), allowed, top,
                            SearchControl.NONE));
                    if (drain(top)[0] == mate[j]) {
                        found[v]++;
                    }
                }
            }
            System.out.println("mates at rank 1 through the graph at ef=2: Lucene's links " + found[0] + ", with reverse links "
                    + found[1] + " of " + qs.size() + "; reverse links " + index.reverseLinkCount());
            assertTrue(found[1] > found[0], "Lucene's links " + found[0] + ", with reverse links " + found[1]);
        }
    }

    private FaceHnswIndex reopened(float[][] g, int[] order, Arena arena) {
        return filled(face, dir, g, order, arena);
    }

    /** A shard index of {@code m} (saved under {@code dataDir}, or not when null) fed g[order[o]] at ordinal o. */
    private FaceHnswIndex filled(FaceModality m, Path dataDir, float[][] g, int[] order, Arena arena) {
        FaceHnswIndex index = m.newShardIndex(0, dataDir);
        MemorySegment s = writeSlots(g, order, arena);
        for (int o = 0; o < order.length; o++) {
            index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
        }
        index.openSavedGraph(); // what the worker's first slices do in steps (savedGraphIsCheckedAndMatchedInSteps...)
        return index;
    }

    @Test
    void savedGraphIsCheckedAndMatchedInStepsWhileSearchesAreExact() throws Exception {
        int n = 2000;
        float[][] g = clustered(91, n + 1, face.dim());
        float[][] gallery = java.util.Arrays.copyOf(g, n);
        List<float[]> qs = queries(gallery, 92, 10);
        try (Arena arena = Arena.ofConfined()) {
            index(gallery, arena).close(); // built, then saved
        }
        int[] reversed = new int[n + 1];
        for (int o = 0; o < n; o++) {
            reversed[o] = n - 1 - o;
        }
        reversed[n] = n; // a face enrolled while the file is being checked
        int[][] oneGo;
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = filled(face, dir, gallery, java.util.Arrays.copyOf(reversed, n), arena);
            assertEquals("mapped", index.origin());
            oneGo = hnswResults(index, qs, all(n));
            index.close();
        }
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = face.newShardIndex(0, dir);
            MemorySegment s = writeSlots(g, reversed, arena);
            for (int o = 0; o < n; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            index.openStepUnit = 64;
            assertEquals(n, index.unindexedRecords(), "none is in a graph yet");
            int slices = 0;
            int size = n;
            while (index.maintain(1)) { // a slice of a nanosecond: one step
                slices++;
                if (!"incremental".equals(index.origin())) {
                    break; // resolved: mapped
                }
                if (slices == 40) {
                    index.add(n, s.asSlice((long) n * face.slotBytes(), face.slotBytes()));
                    size = n + 1;
                }
                if (slices % 10 == 0) {
                    float[] q = qs.get(slices / 10 % qs.size());
                    Found h = search(index, q, FaceProbe.Mode.HNSW, all(size));
                    Found x = search(index, q, FaceProbe.Mode.EXACT, all(size));
                    assertArrayEquals(x.ordinals(), h.ordinals(), "while the file is checked: the exact search");
                    assertEquals(size, h.scanned());
                }
            }
            assertEquals("mapped", index.origin());
            assertTrue(slices > 100, "the check and the match spanned slices: " + slices);
            assertEquals(1, index.unindexedRecords(), "only the face enrolled meanwhile is not in the file");
            Found nw = search(index, g[n], FaceProbe.Mode.HNSW, all(n + 1));
            assertEquals(n, nw.ordinals()[0], "found beside the walk");
            assertEquals(1, nw.scanned());
            int[][] stepped = hnswResults(index, qs, all(n));
            for (int j = 0; j < qs.size(); j++) {
                assertArrayEquals(oneGo[j], stepped[j], "the same mapping as in one go, query " + j);
            }
            index.close();
        }
        // damaged: the stepped check refuses it as the one-go check does, and a build begins
        Path file = dir.resolve("face-hnsw").resolve("shard-0").resolve(FaceHnswIndex.GRAPH_FILE);
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 0x01;
        java.nio.file.Files.write(file, bytes);
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = face.newShardIndex(0, dir);
            MemorySegment s = writeSlots(gallery, java.util.Arrays.copyOf(reversed, n), arena);
            for (int o = 0; o < n; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            index.openStepUnit = 64;
            int slices = 0;
            while ("incremental".equals(index.origin())) {
                assertTrue(index.maintain(1));
                slices++;
            }
            assertEquals("built", index.origin());
            assertTrue(slices > 10, "refused at the CRC's end, after its steps: " + slices);
            assertEquals(n, index.unindexedRecords(), "the build starts over every record");
            index.close();
        }
    }

    @Test
    void savedGraphIsReusedWhenRecordsComeBackInAnotherOrder() throws Exception {
        int n = 2000;
        float[][] g = clustered(71, n, face.dim());
        List<float[]> qs = queries(g, 72, 40);
        int[][] before;
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = index(g, arena);
            // the file holds Lucene's links and the reverse links of a snapshot taken at close, while searches
            // before it used snapshots taken during the inserts: compare walks over Lucene's links
            index.reverseLinks(false);
            before = hnswResults(index, qs, all(n));
            assertEquals("incremental", index.origin());
            assertTrue(index.graphHeapBytes() > 0, "an inserted graph is on the heap");
            index.close();
        }
        Path file = dir.resolve("face-hnsw").resolve("shard-0").resolve(FaceHnswIndex.GRAPH_FILE);
        assertTrue(java.nio.file.Files.isRegularFile(file), "graph saved on close");
        // the store hands the records back in another order: ordinal o now holds g[order[o]]
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            perm.add(i);
        }
        java.util.Collections.shuffle(perm, new Random(5));
        for (int i = 0; i < n; i++) {
            order[i] = perm.get(i);
        }
        long savedBytes = java.nio.file.Files.size(file);
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = reopened(g, order, arena);
            index.reverseLinks(false);
            int[][] mappedLucene = hnswResults(index, qs, all(n));
            assertEquals("mapped", index.origin());
            assertTrue(index.graphHeapBytes() < savedBytes / 4,
                    "walked in the mapping, not loaded: heap " + index.graphHeapBytes() + " B, file " + savedBytes);
            assertTrue(index.offHeapBytes() >= savedBytes, "the mapped file counts off the heap");
            // the same lists in the same order, node ids translated: the very same walk
            for (int j = 0; j < qs.size(); j++) {
                int[] translated = new int[mappedLucene[j].length];
                for (int r = 0; r < translated.length; r++) {
                    translated[r] = order[mappedLucene[j][r]];
                }
                assertArrayEquals(before[j], translated, "query " + j + " through the mapped graph");
            }
            index.reverseLinks(true);
            assertEquals(n, index.reverseCovered());
            double mappedRecall = recall(index, gInOrder(g, order), all(n), qs, 100);
            assertTrue(mappedRecall >= 0.95, "recall@10 through the mapped graph with reverse links " + mappedRecall);
            // enrolments: up to maxMappedTail the graph stays mapped and they are scored beside the walk; one more
            // and the mapped lists are loaded into Lucene's builder and they are all inserted
            int t = FaceHnswIndex.maxMappedTail(n);
            float[][] extra = clustered(78, t + 1, face.dim());
            float[][] grown = java.util.Arrays.copyOf(gInOrder(g, order), n + t + 1);
            System.arraycopy(extra, 0, grown, n, t + 1);
            MemorySegment s2 = writeSlots(grown, inOrder(n + t + 1), arena);
            for (int i = 0; i < t; i++) {
                index.add(n + i, s2.asSlice((long) (n + i) * face.slotBytes(), face.slotBytes()));
            }
            assertEquals("mapped", index.origin());
            assertTrue(index.graphHeapBytes() < savedBytes / 4, "still off the heap: " + index.graphHeapBytes());
            for (int i : new int[] {0, t / 2, t - 1}) {
                assertEquals(n + i, hnswResults(index, List.of(extra[i]), all(n + t))[0][0], "enrolled while mapped " + i);
            }
            index.add(n + t, s2.asSlice((long) (n + t) * face.slotBytes(), face.slotBytes()));
            assertEquals("mapped", index.origin(), "no request waits for the load");
            assertEquals(n + t, hnswResults(index, List.of(extra[t]), all(n + t + 1))[0][0], "scored apart");
            assertEquals(t + 1, index.lastSearchScored(), "the records the file lacks, reported as scanned");
            // the worker loads the file in steps (small ones here), searches walking the mapping until it is in
            index.loadStepNodes = 100;
            int slices = 0;
            while ("mapped".equals(index.origin())) {
                assertTrue(index.maintain(1), "inserts remain after the load");
                slices++;
                assertEquals(n + t, hnswResults(index, List.of(extra[t]), all(n + t + 1))[0][0], "while loading");
            }
            assertTrue(slices > 10, "a load of " + n + " nodes in steps of 100 spans slices: " + slices);
            assertEquals("loaded", index.origin());
            assertEquals(t + 1, index.unindexedRecords());
            index.catchUp();
            assertEquals(0, index.unindexedRecords());
            double loadedRecall = recall(index, grown, all(n + t + 1), qs, 100);
            assertTrue(loadedRecall >= 0.95, "recall@10 through the loaded graph " + loadedRecall);
            index.reverseLinks(true);
            for (int i : new int[] {0, t / 2, t}) {
                assertEquals(n + i, hnswResults(index, List.of(extra[i]), all(n + t + 1))[0][0],
                        "enrolled face " + i + " found through the graph");
            }
            assertEquals(n + t + 1, index.reverseCovered(), "a loaded graph gets reverse links for every face");
            index.close();
        }
        // 20 % of the records gone and 100 new ones: below the 90 % match, the graph is built afresh
        float[][] more = clustered(73, 100, face.dim());
        float[][] g2 = new float[n - 400 + 100][];
        for (int i = 0; i < n - 400; i++) {
            g2[i] = g[order[i]];
        }
        System.arraycopy(more, 0, g2, n - 400, 100);
        int[] id2 = new int[g2.length];
        for (int i = 0; i < id2.length; i++) {
            id2[i] = i;
        }
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = reopened(g2, id2, arena);
            index.catchUp();
            double r = recall(index, g2, all(g2.length), queries(g2, 74, 60), 100);
            assertEquals("built", index.origin());
            assertTrue(r >= 0.95, "recall@10 " + r);
            index.close();
        }
        // 2 % gone, 10 new: walked in the mapping; the gone ones never offered, the new ones scored apart
        float[][] g3 = new float[g2.length - 30 + 10][];
        System.arraycopy(g2, 30, g3, 0, g2.length - 30);
        System.arraycopy(clustered(75, 10, face.dim()), 0, g3, g2.length - 30, 10);
        int[] id3 = new int[g3.length];
        for (int i = 0; i < id3.length; i++) {
            id3[i] = i;
        }
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = reopened(g3, id3, arena);
            double r = recall(index, g3, all(g3.length), queries(g3, 76, 60), 100);
            assertEquals("mapped", index.origin());
            assertTrue(r >= 0.95, "recall@10 " + r);
            for (int o = g3.length - 10; o < g3.length; o++) {
                assertEquals(o, hnswResults(index, List.of(g3[o]), all(g3.length))[0][0], "new record " + o);
            }
            // a filter that leaves out half the records: only allowed ones come back
            long[] even = new long[Bits.words(g3.length)];
            for (int o = 0; o < g3.length; o += 2) {
                Bits.set(even, o);
            }
            for (int[] got : hnswResults(index, queries(g3, 79, 20), even)) {
                for (int o : got) {
                    assertEquals(0, o % 2, "only allowed ordinals");
                }
            }
            index.close();
        }
        // a damaged file is never trusted
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        java.nio.file.Files.write(file, bytes);
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = reopened(g3, id3, arena);
            index.catchUp();
            double r = recall(index, g3, all(g3.length), queries(g3, 77, 60), 100);
            assertEquals("built", index.origin());
            assertTrue(r >= 0.95, "recall@10 " + r);
            index.close();
        }
    }

    /** Ordinals and scores of a search in {@code mode}, best first, and what it reported as scanned. */
    private record Found(int[] ordinals, float[] scores, long scanned) {
    }

    private Found search(FaceHnswIndex index, float[] q, FaceProbe.Mode mode, long[] allowed) {
        TopK top = new TopK(Integer::compare);
        top.reset(K, Float.NEGATIVE_INFINITY);
        assertTrue(index.search(face.probe(q, mode, 100), slots, face.slotBytes(), allowed, top, SearchControl.NONE));
        float[] sc = new float[top.size()];
        int[] o = new int[top.size()];
        top.drainBestFirst(sc, o);
        return new Found(o, sc, index.lastSearchScored());
    }

    @Test
    void reverseLinkSnapshotIsTakenInSlicesWhileSearchesWalkTheLastOne() throws Exception {
        int n = 3000;
        int first = 2000;
        float[][] g = clustered(91, n, face.dim());
        List<float[]> qs = queries(g, 92, 40);
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = face.newShardIndex(0, null)) {
            index.snapshotNodesPerCheck = 64;
            MemorySegment s = writeSlots(g, inOrder(n), arena);
            for (int o = 0; o < first; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            index.catchUp();
            assertEquals(first, index.reverseCovered());
            // half as many again: past the eighth of growth that calls for a new snapshot, more than once
            for (int o = first; o < n; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            assertEquals(n - first, index.unindexedRecords(), "enrolments queue for the graph");
            int snapshots = 0;
            while (index.maintain(1)) {
                if (!index.snapshotInProgress()) {
                    continue;
                }
                snapshots++;
                long left = index.unindexedRecords();
                int covered = index.reverseCovered();
                int steps = 0;
                while (index.snapshotInProgress()) {
                    // between two steps: searches walk the last complete snapshot, and find what exact finds
                    int o = (steps * 97) % n;
                    assertEquals(o, search(index, g[o], FaceProbe.Mode.HNSW, all(n)).ordinals()[0], "record " + o);
                    assertEquals(covered, index.reverseCovered(), "the last complete snapshot until the next is");
                    assertTrue(index.maintain(1));
                    if (index.snapshotInProgress()) {
                        assertEquals(left, index.unindexedRecords(), "no insert while a snapshot is taken");
                    }
                    steps++;
                }
                int now = index.reverseCovered();
                assertTrue(now > covered, "a newer snapshot: " + covered + " -> " + now);
                // three passes over its nodes at 64 per step, one step per slice of a nanosecond
                assertTrue(steps >= 3 * (now / 64) - 1, steps + " slices for a snapshot of " + now);
            }
            assertTrue(snapshots >= 3, "a snapshot at each eighth of growth: " + snapshots);
            assertEquals(0, index.unindexedRecords());
            assertTrue(9L * index.reverseCovered() >= 8L * n, "the newest ninth at most has Lucene's links only: "
                    + index.reverseCovered());
            assertTrue(recall(index, g, all(n), qs, 100) >= 0.95);
            // a compaction while a snapshot of the rebuilt graph is being taken: that snapshot is dropped, the
            // graph rebuilt from the start, and the next snapshots cover it
            index.rebuild(s, face.slotBytes(), all(n), n);
            while (!index.snapshotInProgress() || index.unindexedRecords() > n / 2) {
                assertTrue(index.maintain(1));
            }
            index.rebuild(s, face.slotBytes(), all(n), n);
            assertFalse(index.snapshotInProgress(), "the graph it was of is gone");
            assertEquals(n, index.unindexedRecords());
            index.catchUp();
            assertEquals(0, index.unindexedRecords());
            assertTrue(9L * index.reverseCovered() >= 8L * n, "covered " + index.reverseCovered());
            assertTrue(recall(index, g, all(n), qs, 100) >= 0.95);
        }
    }

    @Test
    void graphBuildRunsInSlicesBetweenRequestsAndSearchesStayCorrect() throws Exception {
        int n = 2000;
        float[][] g = clustered(81, n, face.dim());
        List<float[]> qs = queries(g, 82, 40);
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = index(g, arena);
            assertEquals(0, index.unindexedRecords(), "the worker's slices have inserted every enrolment");
            // a compaction: the plane is rebuilt at once, the graph is left to the worker's slices
            index.rebuild(writeSlots(g, inOrder(n), arena), face.slotBytes(), all(n), n);
            assertEquals(n, index.unindexedRecords());
            assertEquals("built", index.origin());
            for (float[] q : qs.subList(0, 10)) {
                Found h = search(index, q, FaceProbe.Mode.HNSW, all(n));
                Found x = search(index, q, FaceProbe.Mode.EXACT, all(n));
                assertArrayEquals(x.ordinals(), h.ordinals(), "no graph yet: the exact search");
                assertArrayEquals(x.scores(), h.scores());
                assertEquals(n, h.scanned(), "an exact search reports every allowed record scanned");
            }
            // a slice of a nanosecond inserts one record; enrolments meanwhile queue behind the backlog
            assertTrue(index.maintain(1));
            assertEquals(n - 1, index.unindexedRecords());
            // while searches are exact (a quarter or more not in the graph), a waiting request does not cut a slice
            long before0 = index.unindexedRecords();
            assertTrue(index.maintain(50_000_000, () -> true));
            assertTrue(before0 - index.unindexedRecords() > 1, "a whole slice while the build is that far behind");
            while (4 * index.unindexedRecords() >= n || index.snapshotInProgress()) {
                assertTrue(index.maintain(1_000_000));
            }
            // past that, a slice of an hour ends after one insert once a request is waiting
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < 3; i++) {
                long before = index.unindexedRecords();
                assertTrue(index.maintain(3_600_000_000_000L, () -> asked.incrementAndGet() > 0));
                assertEquals(before - 1, index.unindexedRecords(), "one insert per slice a request cuts short");
            }
            assertTrue(asked.get() >= 3, "the waiting request was asked for: " + asked.get());
            // and a snapshot's slice after one unit, with no insert meanwhile
            index.snapshotNodesPerCheck = 16; // a snapshot of this graph is many units
            while (!index.snapshotInProgress() && index.unindexedRecords() > 1) {
                index.maintain(1);
            }
            assertTrue(index.snapshotInProgress(), "the next eighth of growth calls for a snapshot");
            long beforeCut = index.unindexedRecords();
            assertTrue(index.maintain(3_600_000_000_000L, () -> true));
            assertTrue(index.snapshotInProgress(), "the rest of the snapshot is left to the next slices");
            assertEquals(beforeCut, index.unindexedRecords());
            while (index.snapshotInProgress()) {
                assertTrue(index.maintain(1_000_000));
            }
            int left = (int) index.unindexedRecords();
            assertTrue(left > 0, "a slice of 1 ms inserts a few records, not all");
            assertTrue(index.reverseCovered() >= (n - left) * 8 / 9 && index.reverseCovered() <= n - left,
                    "the prefix built so far gets reverse links every eighth: " + index.reverseCovered());
            // part in the graph, the rest scored apart: both found, and the rest is what is reported as scanned
            for (int o : new int[] {0, n / 2, n - left - 1, n - left, n - 1}) {
                Found h = search(index, g[o], FaceProbe.Mode.HNSW, all(n));
                assertEquals(o, h.ordinals()[0], "record " + o + (o >= n - left ? " (not in the graph yet)" : ""));
                assertEquals(left, h.scanned());
            }
            long[] even = new long[Bits.words(n)];
            for (int o = 0; o < n; o += 2) {
                Bits.set(even, o);
            }
            for (float[] q : qs.subList(0, 10)) {
                for (int o : search(index, q, FaceProbe.Mode.HNSW, even).ordinals()) {
                    assertEquals(0, o % 2, "only allowed ordinals, from the graph or from the rest");
                }
            }
            double partial = recall(index, g, all(n), qs, 100);
            assertTrue(partial >= 0.95, "recall@10 with a quarter of the graph missing " + partial);
            // cut short by a restart: the prefix in the graph is saved and the next start goes on from it
            int inGraph = n - (int) index.unindexedRecords();
            index.close();
            MappedHnswGraph saved = HnswGraphFile.open(dir.resolve("face-hnsw/shard-0").resolve(FaceHnswIndex.GRAPH_FILE),
                    face.dim(), FaceHnswSettings.defaults(), null);
            assertNotNull(saved, "the prefix was saved");
            assertEquals(inGraph, saved.size());
            saved.close();
        }
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = reopened(g, inOrder(n), arena);
            Found first = search(index, g[n - 1], FaceProbe.Mode.HNSW, all(n));
            assertEquals(n - 1, first.ordinals()[0]);
            assertEquals("mapped", index.origin(), "the saved prefix is reused");
            assertTrue(index.unindexedRecords() > 0 && index.unindexedRecords() < n / 4 + 1,
                    "only the rest is left: " + index.unindexedRecords());
            index.catchUp();
            assertEquals("loaded", index.origin());
            assertEquals(0, index.unindexedRecords());
            assertEquals(n, index.reverseCovered());
            assertEquals(0, search(index, g[7], FaceProbe.Mode.HNSW, all(n)).scanned(), "the walk alone");
            double r = recall(index, g, all(n), qs, 100);
            assertTrue(r >= 0.95, "recall@10 once caught up " + r);
            // an enrolment into a current graph queues too: found at once (scored apart), inserted by the next slice
            float[][] grown = java.util.Arrays.copyOf(g, n + 1);
            grown[n] = clustered(83, 1, face.dim())[0];
            MemorySegment s2 = writeSlots(grown, inOrder(n + 1), arena);
            index.add(n, s2.asSlice((long) n * face.slotBytes(), face.slotBytes()));
            assertEquals(1, index.unindexedRecords(), "the enrolment did not wait for its graph insert");
            Found queued = search(index, grown[n], FaceProbe.Mode.HNSW, all(n + 1));
            assertEquals(n, queued.ordinals()[0]);
            assertEquals(1, queued.scanned(), "the walk plus the one record not in the graph yet");
            index.catchUp();
            assertEquals(0, index.unindexedRecords());
            Found inserted = search(index, grown[n], FaceProbe.Mode.HNSW, all(n + 1));
            assertEquals(n, inserted.ordinals()[0]);
            assertEquals(0, inserted.scanned(), "found by the walk alone");
            assertFalse(index.maintain(Long.MAX_VALUE), "nothing left to do");
            index.close();
        }
        // a start-up restore with no saved graph: the adds only fill the plane, the worker builds afterwards
        java.nio.file.Files.delete(dir.resolve("face-hnsw/shard-0").resolve(FaceHnswIndex.GRAPH_FILE));
        try (Arena arena = Arena.ofConfined()) {
            FaceHnswIndex index = face.newShardIndex(0, dir);
            index.restoring();
            MemorySegment s = writeSlots(g, inOrder(n), arena);
            for (int o = 0; o < n; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            assertEquals(n, index.unindexedRecords(), "nothing inserted while restoring");
            assertEquals(n, search(index, g[5], FaceProbe.Mode.HNSW, all(n)).scanned(), "exact meanwhile");
            index.catchUp();
            assertEquals("built", index.origin());
            assertEquals(0, search(index, g[5], FaceProbe.Mode.HNSW, all(n)).scanned());
            assertTrue(recall(index, g, all(n), qs, 100) >= 0.95);
            index.close();
        }
    }

    @Test
    void fp32AndRestrictiveFiltersGoToTheScanExactStaysInTheIndex() {
        float[][] g = clustered(51, 1000, face.dim());
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = index(g, arena)) {
            TopK top = new TopK(Integer::compare);
            top.reset(K, Float.NEGATIVE_INFINITY);
            int stride = face.slotBytes();
            assertFalse(index.search(face.probe(g[0], FaceProbe.Mode.FP32), slots, stride, all(1000), top, SearchControl.NONE));
            long[] few = new long[Bits.words(1000)];
            for (int i = 0; i < 50; i++) {
                Bits.set(few, i * 7);
            }
            assertFalse(index.search(face.probe(g[0], FaceProbe.Mode.HNSW), slots, stride, few, top, SearchControl.NONE));
            assertEquals(0, top.size());
            // exact: answered by the int8 plane even under that filter, and only from it
            assertTrue(index.search(face.probe(g[7], FaceProbe.Mode.EXACT), slots, stride, few, top, SearchControl.NONE));
            assertEquals(K, top.size());
            int[] got = drain(top);
            assertEquals(7, got[0]);
            for (int o : got) {
                assertTrue(Bits.get(few, o));
            }
        }
        // HNSW off: the index is still there (exact), hnsw goes to the scan
        FaceModality noGraph = new FaceModality(FaceConfig.defaults(), FaceHnswSettings.off());
        try (Arena arena = Arena.ofConfined(); FaceHnswIndex index = noGraph.newShardIndex(0, dir)) {
            MemorySegment s = writeSlots(g, java.util.stream.IntStream.range(0, g.length).toArray(), arena);
            for (int o = 0; o < g.length; o++) {
                index.add(o, s.asSlice((long) o * face.slotBytes(), face.slotBytes()));
            }
            assertFalse(index.hasGraph());
            assertEquals(0, index.graphHeapBytes());
            TopK top = new TopK(Integer::compare);
            top.reset(K, Float.NEGATIVE_INFINITY);
            assertFalse(index.search(noGraph.probe(g[3], FaceProbe.Mode.HNSW), s, face.slotBytes(), all(1000), top,
                    SearchControl.NONE));
            assertTrue(index.search(noGraph.probe(g[3], FaceProbe.Mode.EXACT), s, face.slotBytes(), all(1000), top,
                    SearchControl.NONE));
            assertEquals(3, drain(top)[0]);
        }
    }

    @Test
    void engineHnswFollowsDeletesCompactionAndRestart() throws Exception {
        float[][] g = clustered(61, 2400, face.dim());
        Map<String, float[]> live = new HashMap<>();
        EngineConfig config = EngineConfig.defaults(dir).withShards(2).withCapacity(10_000, 2_400);
        try (Engine e = Engine.open(config, List.of(face))) {
            for (int i = 0; i < g.length; i++) {
                e.enrol(new EnrolRequest("f" + i, "face", "", Map.of(), List.of(FaceModalityTest.emb(g[i])), false)).join();
                live.put("f" + i, g[i]);
            }
            for (int i = 0; i < g.length; i += 2) { // half: enough for the core to compact both shards
                e.delete("f" + i).join();
                live.remove("f" + i);
            }
            assertRanksLikeExact(e, live, g, "after deletes", true);
            e.compact().join();
            // the graph is rebuilt between requests: searches are answered at once, exactly until it is in
            assertRanksLikeExact(e, live, g, "right after compaction", false);
            awaitGraph(e, g[1], "after compaction");
            assertRanksLikeExact(e, live, g, "after compaction", true);
        }
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("face-hnsw/shard-0/graph.bin")), "graph saved");
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults())))) {
            awaitGraph(e, g[1], "after restart"); // the worker checks and maps the saved file between requests
            assertRanksLikeExact(e, live, g, "after restart (saved graph)", true);
        }
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults())))) {
            awaitGraph(e, g[1], "after a second restart");
            assertRanksLikeExact(e, live, g, "after a second restart", true);
            // deleted while the graph is walked in the mapped file: never returned
            e.delete("f1").join();
            live.remove("f1");
            assertTrue(identify(e, g[1], Map.of("mode", "hnsw")).candidates().stream().noneMatch(c -> c.id().equals("f1")),
                    "deleted while mapped");
            // an enrolment while mapped: scored apart beside the walk (the file stays as it is)
            e.enrol(new EnrolRequest("new", "face", "", Map.of(), List.of(FaceModalityTest.emb(g[0])), false)).join();
            IdentifyResult h = identify(e, g[0], Map.of("mode", "hnsw"));
            assertEquals("new", h.candidates().getFirst().id());
            assertEquals(1, h.slotsScanned(), "the one record the mapped file lacks");
        }
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults())))) {
            IdentifyResult h = identify(e, g[0], Map.of("mode", "hnsw"));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (h.slotsScanned() > 1) { // exact until the worker has checked and mapped the saved files
                assertTrue(System.nanoTime() < deadline, "the saved graphs were never mapped");
                Thread.sleep(20);
                h = identify(e, g[0], Map.of("mode", "hnsw"));
            }
            assertEquals(1, h.slotsScanned(), "the file saved before the enrolment, walked; the enrolment apart");
            assertEquals("new", h.candidates().getFirst().id());
            assertTrue(h.candidates().stream().noneMatch(c -> c.id().equals("f1")), "deleted before the restart");
        }
        // no graph files (a crash before any save): the start does not build them, searches are right at once
        for (int shard = 0; shard < 2; shard++) {
            java.nio.file.Files.delete(dir.resolve("face-hnsw/shard-" + shard + "/graph.bin"));
        }
        live.put("new", g[0]);
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults())))) {
            assertEquals("new", identify(e, g[0], Map.of("mode", "hnsw")).candidates().getFirst().id());
            awaitGraph(e, g[3], "after lost graph files");
            assertRanksLikeExact(e, live, g, "after lost graph files", true);
        }
        // damaged graph files: the engine opens at once, searches are right at once, the graphs come back
        for (int shard = 0; shard < 2; shard++) {
            Path file = dir.resolve("face-hnsw/shard-" + shard + "/graph.bin");
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            bytes[bytes.length / 3] ^= 0x01;
            java.nio.file.Files.write(file, bytes);
        }
        try (Engine e = Engine.open(config, List.of(new FaceModality(FaceConfig.defaults())))) {
            IdentifyResult h = identify(e, g[0], Map.of("mode", "hnsw"));
            assertEquals("new", h.candidates().getFirst().id());
            awaitGraph(e, g[3], "after damaged files");
            assertRanksLikeExact(e, live, g, "after damaged files", true);
        }
    }

    /** Waits (up to 2 minutes) until hnsw searches are answered by the graphs alone (nothing scanned). */
    private static void awaitGraph(Engine e, float[] v, String when) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (identify(e, v, Map.of("mode", "hnsw")).slotsScanned() > 0) {
            assertTrue(System.nanoTime() < deadline, when + ": the graph never caught up");
            Thread.sleep(20);
        }
        // the slice that finished the build published it before that search ran
        for (var shard : e.stats().shards()) {
            assertEquals(Map.of(), shard.unindexedByModality(), when + ": stats of shard " + shard.index());
        }
    }

    /** Every live vector finds itself first through the graph, deleted ones never come back; recall vs fp32 scan. */
    private void assertRanksLikeExact(Engine e, Map<String, float[]> live, float[][] g, String when, boolean graph) {
        int same = 0;
        int total = 0;
        for (int i = 1; i < g.length; i += 40) {
            String id = "f" + i;
            if (!live.containsKey(id)) {
                continue; // f1, deleted while mapped
            }
            IdentifyResult h = identify(e, g[i], Map.of("mode", "hnsw"));
            if (graph) {
                assertEquals(0, h.slotsScanned(), when + ": answered by the graph");
            }
            assertEquals(id, h.candidates().getFirst().id(), when);
            assertEquals(1f, h.candidates().getFirst().score(), 1e-5f, when);
            IdentifyResult x = identify(e, g[i], Map.of("mode", "fp32"));
            Set<String> want = new HashSet<>();
            x.candidates().forEach(c -> want.add(c.id()));
            for (Candidate c : h.candidates()) {
                assertTrue(live.containsKey(c.id()), when + ": deleted " + c.id() + " returned");
                same += want.contains(c.id()) ? 1 : 0;
            }
            total += x.candidates().size();
            // a deleted record's vector: the record itself must not come back
            String deleted = "f" + (i - 1);
            IdentifyResult d = identify(e, g[i - 1], Map.of("mode", "hnsw", "hnsw_ef", "50"));
            assertTrue(d.candidates().stream().noneMatch(c -> c.id().equals(deleted)), when);
        }
        assertTrue(same >= 0.95 * total, when + ": recall@10 " + same + "/" + total);
    }

    private static IdentifyResult identify(Engine e, float[] v, Map<String, String> options) {
        return e.identify(new IdentifyRequest("face", List.of(FaceModalityTest.emb(v)), options, K,
                Float.NEGATIVE_INFINITY, null, Long.MAX_VALUE), SearchControl.NONE).join();
    }
}
