package io.biomatch.face;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.ShardIndex;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.internal.FaceSlotLayout;
import io.biomatch.face.internal.PanamaDot;
import io.biomatch.face.internal.ScalarDot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

/**
 * The per-shard HNSW graph of {@code mode=hnsw}: Lucene's {@code util.hnsw} builder and searcher over a copy of
 * the shard's int8 vectors, node id = shard ordinal; the ef candidates found are re-scored in float32.
 *
 * <p>Why int8 in the graph: a graph walk reads vectors at random, so its cost is cache and TLB misses per
 * visited node (measured: ~20 ns per 512-d int8 dot from cache, ~240 ns at random over 500,000 vectors); the
 * int8 copy is 8 cache lines per face against 32 for float32. Its cosine error (under 0.01) barely changes which
 * neighbours are linked, and the final float32 re-score of the ef candidates gives the same scores as
 * {@code mode=fp32}. The probe is widened to shorts once per search ({@link PanamaDot#i8(short[], MemorySegment, long, int)}).
 *
 * <p>Restarts: {@link #close} saves the graph ({@link HnswGraphFile}, {@code dataDir/face-hnsw/shard-N/graph.bin});
 * at start, while a saved file exists, {@link #add} only copies vectors and the first {@code hnsw} search loads
 * the file, matching its nodes to the re-added records by vector hash (the store re-adds them in its own order),
 * then inserts records the file does not cover. A file that does not match (under 90 % common, other settings,
 * damaged) is ignored and the graph is built at that first search. Measured at 300,000: save 0.5 s, re-add +
 * load 1.2 s, against 197 s to build.
 *
 * <p>Why Lucene's graph code and not an {@code IndexWriter} with {@code KnnFloatVectorField}: the shard already
 * owns ordinals, live bits and compaction; an index of documents would add doc-id mapping, segment flushes and
 * merges (graph rebuilds) and a second delete set to keep in step. Here deletes cost nothing (the graph keeps
 * dead nodes as stepping stones; searches accept only ordinals set in {@code allowed}), compaction rebuilds the
 * graph from the compacted slots, and a restart reloads the saved graph (above).
 *
 * <p>Why a copy of the vectors: a slot handed to {@link #add} is a view of the shard's segment, which the core
 * re-allocates when it grows; the index cannot keep it. The copies live off-heap in chunks of
 * {@value #CHUNK_VECTORS} vectors (no re-allocation when growing): int8 + scale ({@code dim + 4} bytes rounded up
 * to 16: 528 at 512-d) and float32 ({@code 4*dim}) per face. The graph is
 * on the heap ({@link #graphHeapBytes()}, about {@code 2*M*8} bytes plus object headers per node).
 *
 * <p>Scores inside the graph are Lucene's DOT_PRODUCT scale {@code (1 + cos) / 2} of the int8 cosine; the ef
 * candidates are offered to the shard's top-K with their float32 cosine, the same number {@code mode=fp32} reports. Restrictive filters (few
 * allowed ordinals) go to the exact float32 scan ({@link #search} returns false), where they are cheap and exact.
 *
 * <p>Touched only by the shard's worker thread (the {@link ShardIndex} contract).
 */
public final class FaceHnswIndex implements ShardIndex<FaceProbe> {
    static final int CHUNK_SHIFT = 14;
    static final int CHUNK_VECTORS = 1 << CHUNK_SHIFT;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Build seed: the same inserts give the same graph. */
    static final long SEED = 0x5EED_FACEL;
    static final String GRAPH_FILE = "graph.bin";

    private final int dim;
    private final long vectorBytes;
    private final long qBytes;
    private final long int8Offset;
    private final long scaleOffset;
    private final boolean simd;
    private final FaceHnswSettings settings;
    private Arena arena;
    private final List<MemorySegment> chunks = new ArrayList<>();   // float32 vectors
    private final List<MemorySegment> qChunks = new ArrayList<>();  // int8[dim] | float32 scale | pad
    private int size;          // ordinals 0..size-1 hold vectors and graph nodes
    private int deleted;       // deletes since the last rebuild (stats only: searches use the caller's live bits)
    private HnswGraphBuilder builder;
    private long buildNanos;
    /** Per ordinal: a 64-bit hash of its int8 vector and scale (what a saved graph node is matched by). */
    private long[] hashes = new long[1024];
    /** Graph file of this shard ({@code dataDir/face-hnsw/shard-N/graph.bin}), or null: nothing persisted. */
    private final Path file;
    /**
     * True while a saved graph waits to be matched against the records added since start: adds only copy
     * vectors; the first hnsw search (or close) loads the graph, or builds one when it does not match.
     */
    private boolean pending;
    /** How the graph was obtained at the last resolve: "loaded", "built", or "incremental" (no saved graph). */
    private String origin = "incremental";

    FaceHnswIndex(FaceSlotLayout layout, boolean simd, FaceHnswSettings settings) {
        this(layout, simd, settings, null);
    }

    /** With {@code dir}: the graph is saved there on close and reused at the next start when it matches. */
    FaceHnswIndex(FaceSlotLayout layout, boolean simd, FaceHnswSettings settings, Path dir) {
        this.dim = layout.dim();
        this.vectorBytes = 4L * dim;
        this.qBytes = (dim + 4 + 15) & ~15L;
        this.int8Offset = layout.int8Offset();
        this.scaleOffset = layout.scaleOffset();
        this.simd = simd;
        this.settings = settings;
        this.file = dir == null ? null : dir.resolve(GRAPH_FILE);
        reset();
        pending = file != null && Files.isRegularFile(file);
    }

    private void reset() {
        if (arena != null) {
            arena.close();
        }
        arena = Arena.ofShared();
        chunks.clear();
        qChunks.clear();
        size = 0;
        deleted = 0;
        pending = false;
        newBuilder();
    }

    private void newBuilder() {
        try {
            builder = HnswGraphBuilder.create(new Supplier(), settings.maxConn(), settings.beamWidth(), SEED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void add(int ordinal, MemorySegment slot) {
        if (ordinal != size) {
            // The core adds ordinals in order (its high-water mark); anything else means a missed hook.
            throw new IllegalStateException("face hnsw: ordinal " + ordinal + " added, expected " + size);
        }
        append(slot);
        if (!pending) {
            insert(ordinal);
        }
    }

    private void append(MemorySegment slot) {
        int chunk = size >>> CHUNK_SHIFT;
        if (chunk == chunks.size()) {
            chunks.add(arena.allocate(CHUNK_VECTORS * vectorBytes, 64));
            qChunks.add(arena.allocate(CHUNK_VECTORS * qBytes, 64));
        }
        MemorySegment.copy(slot, FaceSlotLayout.F32_OFFSET, chunks.get(chunk), offsetInChunk(size), vectorBytes);
        MemorySegment q = qChunks.get(chunk);
        long qo = qOffsetInChunk(size);
        MemorySegment.copy(slot, int8Offset, q, qo, dim);
        q.set(F32, qo + dim, slot.get(F32, scaleOffset));
        if (size == hashes.length) {
            hashes = java.util.Arrays.copyOf(hashes, size * 2);
        }
        hashes[size] = HnswGraphFile.hash(q, qo, dim + 4);
        size++;
    }

    private void insert(int ordinal) {
        long t0 = System.nanoTime();
        try {
            builder.addGraphNode(ordinal);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buildNanos += System.nanoTime() - t0;
    }

    @Override
    public void delete(int ordinal) {
        deleted++;
    }

    @Override
    public void rebuild(MemorySegment slots, int slotBytes, long[] live, int count) {
        // After compaction a face record is one slot and the live records are exactly 0..count-1.
        assert Bits.cardinality(live) == count;
        reset();
        origin = "built";
        buildNanos = 0;
        for (int o = 0; o < count; o++) {
            append(slots.asSlice((long) o * slotBytes, slotBytes));
        }
        for (int o = 0; o < count; o++) {
            insert(o);
        }
    }

    @Override
    public boolean search(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                          SearchControl control) {
        if (probe.mode != FaceProbe.Mode.HNSW) {
            return false;
        }
        if (size == 0) {
            return true;
        }
        resolvePending();
        int ef = Math.max(probe.ef(settings.defaultEf()), top.capacity());
        int allowedCount = Bits.cardinality(allowed);
        if (allowedCount < Math.max(4L * ef, size / 10)) {
            return false; // a restrictive filter: the exact scan over the few allowed slots is cheap and exact
        }
        control.check();
        ProbeScorer scorer = new ProbeScorer(probe.q, probe.qScale);
        TopKnnCollector collector = new TopKnnCollector(ef, Integer.MAX_VALUE);
        try {
            OnHeapHnswGraph graph = builder.getGraph();
            if (allowedCount >= size) {
                HnswGraphSearcher.search(scorer, collector, graph, null);
            } else {
                long[] words = allowed.length >= FixedBitSet.bits2words(size) ? allowed
                        : java.util.Arrays.copyOf(allowed, FixedBitSet.bits2words(size));
                HnswGraphSearcher.search(scorer, collector, graph, new FixedBitSet(words, size), allowedCount);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        control.check();
        TopDocs docs = collector.topDocs();
        for (ScoreDoc d : docs.scoreDocs) {
            if (d.doc < size && Bits.get(allowed, d.doc)) {
                top.offer(dot(probe.unit, d.doc), d.doc);
            }
        }
        return true;
    }

    /** Vectors (and graph nodes) held, live or deleted. */
    public int size() {
        return size;
    }

    /** Deletes since the last rebuild (their nodes stay in the graph until compaction). */
    public int deleted() {
        return deleted;
    }

    /** Heap bytes of the graph (Lucene's estimate). */
    public long graphHeapBytes() {
        return builder.getGraph().ramBytesUsed();
    }

    /** Time spent inserting nodes since the last rebuild (or creation). */
    public long buildNanos() {
        return buildNanos;
    }

    @Override
    public long offHeapBytes() {
        return (long) chunks.size() * CHUNK_VECTORS * (vectorBytes + qBytes);
    }

    /**
     * Loads the saved graph when it matches the vectors added since start (relabelled to their new ordinals:
     * the store may restore records in another order), else builds the graph over them. Nodes of records gone
     * since the save are dropped from the loaded graph; records not in it are inserted.
     */
    private void resolvePending() {
        if (!pending) {
            return;
        }
        pending = false;
        long t0 = System.nanoTime();
        HnswGraphFile.Saved saved = HnswGraphFile.read(file, dim, settings);
        if (saved != null && HnswGraphFile.load(saved, hashes, size, builderGraph())) {
            origin = "loaded";
            int[] missing = HnswGraphFile.unmatchedOrdinals(saved, size);
            buildNanos += System.nanoTime() - t0;
            for (int o : missing) {
                insert(o);
            }
            return;
        }
        origin = "built";
        newBuilder();
        for (int o = 0; o < size; o++) {
            insert(o);
        }
    }

    private OnHeapHnswGraph builderGraph() {
        newBuilder();
        return builder.getGraph();
    }

    /** How the current graph was obtained: "loaded" (saved file reused), "built" (at the first search), "incremental". */
    public String origin() {
        return origin;
    }

    /**
     * Saves the graph for the next start (write to a temporary file, then an atomic rename). A graph still
     * pending is resolved first when its file matched (cheap: load, then insert the new records); a file that
     * does not match is deleted rather than paying a full build at close.
     */
    private void save() {
        if (file == null || arena == null) {
            return;
        }
        try {
            if (pending) {
                HnswGraphFile.Saved saved = HnswGraphFile.read(file, dim, settings);
                if (saved == null || !HnswGraphFile.matches(saved, hashes, size)) {
                    Files.deleteIfExists(file);
                    return;
                }
                resolvePending();
            }
            if (size == 0) {
                Files.deleteIfExists(file);
                return;
            }
            HnswGraphFile.write(file, dim, settings, hashes, size, builder.getGraph());
        } catch (IOException | RuntimeException e) {
            // The graph is a cache of the records: losing it costs a rebuild, never data.
            System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.WARNING,
                    "face hnsw: graph not saved to " + file + ": " + e);
        }
    }

    @Override
    public void close() {
        save();
        if (arena != null) {
            arena.close();
            arena = null;
            chunks.clear();
            qChunks.clear();
        }
    }

    private long offsetInChunk(int ord) {
        return (long) (ord & (CHUNK_VECTORS - 1)) * vectorBytes;
    }

    private long qOffsetInChunk(int ord) {
        return (ord & (CHUNK_VECTORS - 1)) * qBytes;
    }

    /** Lucene's DOT_PRODUCT scale (1 + cos) / 2 of the int8 approximation of the cosine. */
    private float similarity(short[] q, float qScale, int ord) {
        MemorySegment c = qChunks.get(ord >>> CHUNK_SHIFT);
        long off = qOffsetInChunk(ord);
        int d = simd ? PanamaDot.i8(q, c, off, dim) : ScalarDot.i8(q, c, off, dim);
        return Math.max(0f, (1f + d * qScale * c.get(F32, off + dim)) * 0.5f);
    }

    private float dot(float[] q, int ord) {
        MemorySegment c = chunks.get(ord >>> CHUNK_SHIFT);
        long off = offsetInChunk(ord);
        return simd ? PanamaDot.f32(q, c, off, dim) : ScalarDot.f32(q, c, off, dim);
    }

    /** Vector-vs-vector scores while inserting nodes (Lucene's builder asks one scorer for each insert). */
    private final class Supplier implements RandomVectorScorerSupplier {
        @Override
        public UpdateableRandomVectorScorer scorer() {
            short[] buildQuery = new short[dim];
            return new UpdateableRandomVectorScorer() {
                float buildScale;

                @Override
                public void setScoringOrdinal(int node) {
                    MemorySegment c = qChunks.get(node >>> CHUNK_SHIFT);
                    long off = qOffsetInChunk(node);
                    for (int i = 0; i < dim; i++) {
                        buildQuery[i] = c.get(ValueLayout.JAVA_BYTE, off + i);
                    }
                    buildScale = c.get(F32, off + dim);
                }

                @Override
                public float score(int node) {
                    return similarity(buildQuery, buildScale, node);
                }

                @Override
                public int maxOrd() {
                    return size;
                }
            };
        }

        @Override
        public RandomVectorScorerSupplier copy() {
            return this; // single-threaded builds only
        }
    }

    /** Probe-vs-vector scores for one search. */
    private final class ProbeScorer implements RandomVectorScorer {
        private final short[] q;
        private final float qScale;

        ProbeScorer(byte[] q, float qScale) {
            this.q = new short[q.length];
            for (int i = 0; i < q.length; i++) {
                this.q[i] = q[i];
            }
            this.qScale = qScale;
        }

        @Override
        public float score(int node) {
            return similarity(q, qScale, node);
        }

        @Override
        public int maxOrd() {
            return size;
        }
    }
}
