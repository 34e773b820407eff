package io.biomatch.face;

import io.biomatch.core.SearchControl;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.ShardIndex;
import io.biomatch.core.spi.TopK;
import io.biomatch.face.internal.FaceSlotLayout;
import io.biomatch.face.internal.Int8Plane;
import io.biomatch.face.internal.SignBitPlane;
import io.biomatch.face.internal.PanamaDot;
import io.biomatch.face.internal.ScalarDot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

/**
 * The face modality's per-shard index, always present: the shard's int8 plane ({@link Int8Plane}), which
 * {@code mode=exact} scans, and optionally the HNSW graph of {@code mode=hnsw} built over that plane
 * ({@link FaceHnswSettings#enabled()}). It keeps no float32 copies: every float32 score (the exact re-rank, the
 * graph's ef candidates) reads the shard's own slots, which the core passes to {@link #search}.
 *
 * <h2>{@code mode=exact}</h2>
 * An int8 pass over the plane (only ordinals set in {@code allowed}; deadline and cancel checked every
 * {@value #EXACT_BLOCK} faces) keeps a short list of max(4k, 64) in a primitive top-K; each of those is re-scored
 * in float32 from the slot and offered to the shard's top-K with that cosine, bit for bit the score
 * {@code mode=fp32} gives. The int8 cosine errs by under 0.01, so the true top k sit well inside the short list.
 * Why here and not in the scan kernel: the int8 bytes are a plane of their own (a quarter of the float32 bytes,
 * contiguous), and the float32 re-rank needs the slots, which only {@link #search} sees.
 *
 * <h2>{@code mode=binary}</h2>
 * The shard's sign-bit codes ({@link SignBitPlane}, 1 bit per dimension, 64 B per face at 512-d): a Hamming pass
 * (deadline and cancel checked every {@value #BINARY_BLOCK} faces) writes each allowed face's distance and a
 * histogram; the probe's {@code binary_shortlist} nearest codes are read off the histogram threshold in ordinal
 * order (the same set a top-R list keeps, with no heap work per face), re-scored in int8 from the plane four at a
 * time into a short list of max(4k, 64), re-ranked in float32 from the slots. Why: the pass reads 1/32 of the
 * float32 bytes; at 1,000,000 faces it keeps recall@10 0.987 and every mate at rank 1 at 18x the float32 scan
 * (face README). Dimensions that are not a multiple of 64 have no codes and get {@code exact}.
 *
 * <h2>{@code mode=hnsw}</h2>
 * Lucene's {@code util.hnsw} builder and searcher over the int8 plane, node id = shard ordinal; the ef candidates
 * found are re-scored in float32 from the slots. Why int8 in the graph: a graph walk reads vectors at random, so
 * its cost is cache and TLB misses per visited node (measured: ~20 ns per 512-d int8 dot from cache, ~240 ns at
 * random over 500,000 vectors); an int8 vector is 8 cache lines against 32 for float32. Its cosine error (under
 * 0.01) barely changes which neighbours are linked. The probe is widened to shorts once per search
 * ({@link PanamaDot#i8(short[], MemorySegment, long, int)}).
 *
 * <p>Searches walk Lucene's links plus each bottom-level link's reverse ({@link ReverseEdgeGraph}, a snapshot
 * taken in {@link #maintain}'s slices after a build, load or compaction, and after each eighth more inserts):
 * Lucene prunes a node's list to keep it diverse and bounded, which leaves many links one-way, and a face whose
 * incoming links were pruned is hard to reach. The graph file holds both: the reverse links of a snapshot taken at save.
 *
 * <p>Restarts: {@link #close} saves the graph with its reverse links ({@link HnswGraphFile},
 * {@code dataDir/face-hnsw/shard-N/graph.bin}); at start, while a saved file exists, {@link #add} only fills the
 * plane and the first {@code hnsw} search (or the worker's first {@link #maintain} after the restore) maps the file
 * ({@link MappedHnswGraph}) and matches its nodes to the re-added records by vector hash (the store re-adds them in
 * its own order). Searches then walk the mapping: saved node ids are translated to ordinals, nodes of records gone
 * since score 0 and are never offered, and the records the file does not hold (new since its save, or enrolled
 * since the restart) are scored apart. Nothing of the graph is on the heap until there are more of those than
 * {@link #maxMappedTail}: then {@link #maintain} loads the mapped lists into Lucene's builder, as a graph built
 * here would be, unmaps the file and inserts them. A file that does not match (under 90 % of its nodes still
 * records, other settings, damaged) is ignored and the graph is built afresh. Measured at 300,000 (version 1,
 * loading into the heap): save 0.5 s, re-add + load 1.2 s, against 197 s to build; mapped: face README, "Tenth
 * round".
 *
 * <p>No request waits for graph work. Every graph insert (an enrolment's, a graph built afresh after a file that
 * did not match or a compaction's {@link #rebuild}, a loaded file's missing records) and every reverse-link
 * snapshot runs in {@link #maintain}, which the shard's worker runs in slices of ~10 ms between requests (the
 * core's {@code ShardIndex.maintain}); {@link #add} only fills the plane and queues the record. ~14 minutes of
 * inserts at 1,000,000 faces used to block the shard inside one search, and an enrolment batch held the shard's
 * searches for ~1.6 ms per record. Meanwhile an {@code hnsw} search stays correct: with a
 * quarter or more of the records not in the graph it is the exact search ({@code mode=exact}), else the walk plus
 * the records not yet in scored apart (int8 short list, float32 re-rank; reported as scanned). A build cut short by
 * a restart saves the prefix it holds, and the next start goes on from there.
 *
 * <p>Why Lucene's graph code and not an {@code IndexWriter} with {@code KnnFloatVectorField}: the shard already
 * owns ordinals, live bits and compaction; an index of documents would add doc-id mapping, segment flushes and
 * merges (graph rebuilds) and a second delete set to keep in step. Here deletes cost nothing (the graph keeps
 * dead nodes as stepping stones; searches accept only ordinals set in {@code allowed}), compaction rebuilds the
 * plane and the graph from the compacted slots, and a restart walks the saved graph memory-mapped (above), as
 * Lucene's own reader walks a segment's graph off the heap.
 *
 * <p>Memory: the plane, {@code dim + 4} bytes per face off-heap, and the sign codes with their distance scratch,
 * {@code dim / 8 + 2} bytes per face ({@link #offHeapBytes()}); the graph on the heap
 * ({@link #graphHeapBytes()}, about {@code 2*M*8} bytes plus object headers per node, and 4 bytes per reverse link
 * plus 4 per node for the snapshot).
 *
 * <p>Scores inside the graph are Lucene's DOT_PRODUCT scale {@code (1 + cos) / 2} of the int8 cosine. Restrictive
 * filters (few allowed ordinals) go to the float32 scan ({@link #search} returns false), where they are cheap and
 * exact.
 *
 * <p>Touched only by the shard's worker thread (the {@link ShardIndex} contract).
 */
public final class FaceHnswIndex implements ShardIndex<FaceProbe> {
    /** Faces of the int8 pass between two checks of deadline and cancel (~8 MB of int8 at 512-d, well under 1 ms). */
    static final int EXACT_BLOCK = 1 << 14;
    /** Faces of the Hamming pass between two checks (4 MB of codes at 512-d). */
    static final int BINARY_BLOCK = 1 << 16;
    /** Build seed: the same inserts give the same graph. */
    static final long SEED = 0x5EED_FACEL;
    static final String GRAPH_FILE = "graph.bin";
    /** {@code -Dbiomatch.face.hnsw.reverseLinks=false}: search Lucene's links only. */
    static final boolean REVERSE_LINKS =
            Boolean.parseBoolean(System.getProperty("biomatch.face.hnsw.reverseLinks", "true"));
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FaceSlotLayout layout;
    private final int dim;
    private final boolean simd;
    /** Prefetch a node's neighbours before scoring them ({@link Int8Plane#prefetch}); see {@link #prefetch(boolean)}. */
    private boolean prefetch = true;
    private final FaceHnswSettings settings;
    private final Int8Plane plane;
    /** Sign-bit codes for {@code mode=binary}, or null when dim is not a multiple of 64. */
    private final SignBitPlane bits;
    private boolean closed;
    private final float[] scratchUnit;
    /** int8 vector + LE float32 scale of one face, contiguous: the bytes {@link HnswGraphFile#hash} hashes. */
    private final MemorySegment hashScratch;
    private int deleted;       // deletes since the last rebuild (stats only: searches use the caller's live bits)
    private HnswGraphBuilder builder; // null: no graph (settings.enabled() is false)
    /** Search with each bottom-level link's reverse ({@link ReverseEdgeGraph}); see {@link #reverseLinks(boolean)}. */
    private boolean reverseLinks = REVERSE_LINKS;
    /** The last reverse-link snapshot, or null (none taken: no graph, reverse links off, or not yet). */
    private ReverseEdgeGraph reverse;
    private long buildNanos;
    /** Per ordinal: a 64-bit hash of its int8 vector and scale (what a saved graph node is matched by). */
    private long[] hashes = new long[1024];
    /** Graph file of this shard ({@code dataDir/face-hnsw/shard-N/graph.bin}), or null: nothing persisted. */
    private final Path file;
    /**
     * True while a saved graph waits to be matched against the records added since start: adds only fill the
     * plane; {@link #maintain}'s slices check and match the file in steps, then map it, or build the graph when it
     * does not match; hnsw searches are exact until then (close keeps a matching file as it is and drops one that
     * does not).
     */
    private boolean pending;
    /** While {@link #pending}: the saved file's check in {@link #maintain}'s steps (null: not begun, or over). */
    private HnswGraphFile.Check opening;
    /** While {@link #pending}: the checked file, being matched by {@link #matching}. */
    private MappedHnswGraph opened;
    private HnswGraphFile.Match matching;
    /** Time spent checking and matching the pending file, in steps (for the log line). */
    private long openNanos;
    private long matchNanos;
    /** Nodes, lists or records per step of that check and match ({@link HnswGraphFile.Check#UNIT}); smaller in tests. */
    int openStepUnit = HnswGraphFile.Check.UNIT;
    /** How the graph was obtained: "mapped", "loaded", "built", "incremental" (no saved graph), "none". */
    private String origin;
    /** The saved graph, walked where it lies after a restart until too many records are missing from it; else null. */
    private MappedHnswGraph mapped;
    /** Saved node -> ordinal for {@link #mapped} (-1: record gone), or null when every node is its ordinal. */
    private int[] mappedToOrdinal;
    /**
     * Ordinals in the plane the graph does not hold, {@code unindexed[unindexedFrom .. unindexedTo)}: with a
     * {@link #mapped} file, records new since its save or enrolled since (never inserted into it); with the heap
     * graph, the backlog {@link #maintain} inserts between requests (a build after a compaction or a file that did
     * not match, a loaded file's missing records, enrolments meanwhile), front first. Searches score them apart.
     */
    private int[] unindexed = new int[0];
    private int unindexedFrom;
    private int unindexedTo;
    /** Set by {@link #restoring}: the first {@link #maintain} says whether a whole graph is built from the records. */
    private boolean restored;
    /** A reverse-link snapshot being taken in {@link #maintain}'s slices (inserts wait for it), or null. */
    private ReverseEdgeGraph.Snapshot snapshot;
    /** {@link ReverseEdgeGraph.Snapshot#NODES_PER_CHECK}, smaller in tests to see a snapshot span many slices. */
    int snapshotNodesPerCheck = ReverseEdgeGraph.Snapshot.NODES_PER_CHECK;
    /** Largest backlog {@link #maintain} met since the graph last held every face (for the log line only). */
    private int backlogPeak;
    /** A backlog at least this large is a build worth a log line when it is in (not each enrolment batch). */
    private static final int LOG_BUILD_AT_LEAST = 10_000;
    /** While {@link #maintain} loads the {@link #mapped} lists into the heap in steps: the builder being filled. */
    private HnswGraphBuilder loading;
    private MappedHnswGraph.Loader loader;
    /** Nodes (or lists) a load copies between two looks at the slice's clock (~0.5M links at M=64). */
    static final int LOAD_STEP_NODES = 4096;
    /** {@link #LOAD_STEP_NODES}, smaller in tests to see a load span slices. */
    int loadStepNodes = LOAD_STEP_NODES;

    // exact mode: short list and its drain buffers, kept between searches (one worker thread)
    private final TopK shortlist = new TopK(Integer::compare);
    private float[] shortScores = new float[64];
    private int[] shortOrds = new int[64];
    private final int[] scratchOrd = new int[4];
    /** Faces the last search scored in a full pass: the allowed ones for exact and binary; 0 for a graph walk. */
    private long lastScored;
    // binary mode: the nearest codes and their drain buffers
    /** Faces per Hamming distance 0..dim in the last binary pass. */
    private final int[] histogram;
    private int[] codeOrds = new int[64];
    private final int[] scratchDot = new int[4];

    FaceHnswIndex(FaceSlotLayout layout, boolean simd, FaceHnswSettings settings) {
        this(layout, simd, settings, null);
    }

    /** With {@code dir}: the graph is saved there on close and reused at the next start when it matches. */
    FaceHnswIndex(FaceSlotLayout layout, boolean simd, FaceHnswSettings settings, Path dir) {
        this.layout = layout;
        this.dim = layout.dim();
        this.simd = simd;
        this.settings = settings;
        this.plane = new Int8Plane(dim);
        this.bits = SignBitPlane.supports(dim) ? new SignBitPlane(dim) : null;
        this.histogram = new int[dim + 1];
        this.scratchUnit = new float[dim];
        this.hashScratch = MemorySegment.ofArray(new byte[dim + 4]);
        this.file = dir == null || !settings.enabled() ? null : dir.resolve(GRAPH_FILE);
        this.origin = settings.enabled() ? "incremental" : "none";
        if (settings.enabled()) {
            newBuilder();
        }
        pending = file != null && Files.isRegularFile(file);
    }

    private void newBuilder() {
        reverse = null;
        snapshot = null; // of the graph replaced
        builder = createBuilder();
    }

    private HnswGraphBuilder createBuilder() {
        try {
            return HnswGraphBuilder.create(new Supplier(), settings.maxConn(), settings.beamWidth(), SEED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when this shard keeps an HNSW graph. */
    public boolean hasGraph() {
        return builder != null;
    }

    @Override
    public void add(int ordinal, MemorySegment slot) {
        if (ordinal != plane.size()) {
            // The core adds ordinals in order (its high-water mark); anything else means a missed hook.
            throw new IllegalStateException("face index: ordinal " + ordinal + " added, expected " + plane.size());
        }
        append(slot, 0);
        if (builder == null || pending) {
            return;
        }
        // Queued, never inserted here: an enrolment (or the engine's start) does not wait for graph inserts (~1.6 ms
        // each at 1,000,000 faces and M=64, so a batch of 1,000 held the shard's searches for 0.8 s), and searches
        // score the queue apart until maintain() has inserted it between requests. With a mapped file, the records
        // it lacks are scored apart beside the walk until there are too many; then maintain() loads the file.
        markUnindexed(ordinal);
    }

    private int unindexedCount() {
        return unindexedTo - unindexedFrom;
    }

    private void markUnindexed(int ordinal) {
        if (unindexedTo == unindexed.length) {
            int live = unindexedCount();
            int[] grown = new int[Math.max(16, 2 * live + 1)];
            System.arraycopy(unindexed, unindexedFrom, grown, 0, live);
            unindexed = grown;
            unindexedFrom = 0;
            unindexedTo = live;
        }
        unindexed[unindexedTo++] = ordinal;
    }

    /** The graph holds none of ordinals {@code [0, size)}: a build in {@link #maintain}'s slices starts over them. */
    private void unindexedBelow(int size) {
        unindexed = new int[size];
        for (int i = 0; i < size; i++) {
            unindexed[i] = i;
        }
        unindexedFrom = 0;
        unindexedTo = unindexed.length;
    }

    private void unindexedOrdinals(int[] ascending) {
        unindexed = ascending;
        unindexedFrom = 0;
        unindexedTo = ascending.length;
    }

    /** Quantises the slot's float32 vector into the plane (and hashes it for a saved graph). */
    private void append(MemorySegment slots, long slotOffset) {
        layout.read(slots, slotOffset, scratchUnit);
        int o = plane.append(scratchUnit);
        if (bits != null) {
            bits.append(scratchUnit);
        }
        if (builder == null) {
            return;
        }
        MemorySegment.copy(plane.vectors(), plane.offset(o), hashScratch, 0, dim);
        hashScratch.set(F32, dim, plane.scale(o));
        if (o == hashes.length) {
            hashes = java.util.Arrays.copyOf(hashes, o * 2);
        }
        hashes[o] = HnswGraphFile.hash(hashScratch, 0, dim + 4);
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
        plane.clear();
        if (bits != null) {
            bits.clear();
        }
        deleted = 0;
        pending = false;
        abandonOpen();
        closeMapped();
        for (int o = 0; o < count; o++) {
            append(slots, (long) o * slotBytes);
        }
        unindexedBelow(0);
        if (builder == null) {
            return;
        }
        // the graph is built in maintain()'s slices between requests (minutes at 1,000,000 faces); searches are
        // answered exactly meanwhile, then by the graph plus the records it does not hold yet
        origin = "built";
        buildNanos = 0;
        newBuilder();
        unindexedBelow(count);
    }

    @Override
    public long lastSearchScored() {
        return lastScored;
    }

    @Override
    public boolean search(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                          SearchControl control) {
        lastScored = 0;
        return switch (probe.mode) {
            case FP32 -> false;
            case EXACT -> exact(probe, slots, slotBytes, allowed, top, control);
            case HNSW -> hnsw(probe, slots, slotBytes, allowed, top, control);
            case BINARY -> bits == null || probe.bits == null ? exact(probe, slots, slotBytes, allowed, top, control)
                    : binary(probe, slots, slotBytes, allowed, top, control);
        };
    }

    /**
     * {@code mode=binary}: Hamming pass over the sign-bit codes keeping the probe's {@code binary_shortlist}
     * nearest, then their int8 cosines keep max(4k, 64), re-ranked in float32 from the slots (as {@link #exact}).
     */
    private boolean binary(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                           SearchControl control) {
        int size = bits.size();
        if (size == 0) {
            return true;
        }
        int r = Math.max(probe.binaryShortlist, Math.max(4 * top.capacity(), 64));
        java.util.Arrays.fill(histogram, 0);
        lastScored = Bits.cardinality(allowed);
        for (int from = 0; from < size; from += BINARY_BLOCK) {
            control.check();
            bits.hammingPass(probe.bits, allowed, from, Math.min(size, from + BINARY_BLOCK), histogram, simd);
        }
        control.check();
        if (codeOrds.length < r) {
            codeOrds = new int[Math.min(r, Math.max(size, 64))];
        }
        // ascending ordinals: the int8 reads then walk the plane forwards
        int n = bits.selectNearest(histogram, Math.min(r, codeOrds.length), size, codeOrds);
        int m = Math.max(4 * top.capacity(), 64);
        shortlist.reset(m, Float.NEGATIVE_INFINITY);
        plane.scoreEach(probe.q, probe.qScale, codeOrds, n, shortlist, simd, scratchDot, prefetch);
        rerank(probe, slots, slotBytes, top, m);
        return true;
    }

    /** Drains {@link #shortlist} (capacity m) into {@code top} with float32 cosines from the slots. */
    private void rerank(FaceProbe probe, MemorySegment slots, int slotBytes, TopK top, int m) {
        if (shortOrds.length < m) {
            shortOrds = new int[m];
            shortScores = new float[m];
        }
        int n = shortlist.drainBestFirst(shortScores, shortOrds);
        for (int i = 0; i < n; i++) {
            int o = shortOrds[i];
            top.offer(f32(probe.unit, slots, (long) o * slotBytes), o);
        }
    }

    /** Short list of max(4k, 64) by the int8 pass, re-ranked in float32 from the slots. */
    private boolean exact(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                          SearchControl control) {
        int size = plane.size();
        if (size == 0) {
            return true;
        }
        int m = Math.max(4 * top.capacity(), 64);
        shortlist.reset(m, Float.NEGATIVE_INFINITY);
        lastScored = Bits.cardinality(allowed);
        for (int from = 0; from < size; from += EXACT_BLOCK) {
            control.check();
            plane.scan(probe.q, probe.qScale, allowed, from, Math.min(size, from + EXACT_BLOCK), shortlist, simd,
                    scratchOrd, scratchDot);
        }
        control.check();
        rerank(probe, slots, slotBytes, top, m);
        return true;
    }

    /** The int8 pass alone over {@code [0, size)} into {@code top} (benchmarks and tests: scalar vs vector). */
    public void int8Scan(FaceProbe probe, long[] allowed, TopK top) {
        plane.scan(probe.q, probe.qScale, allowed, 0, plane.size(), top, simd, scratchOrd, scratchDot);
    }

    /** The int8 score of one face (reference for the vectorised pass). */
    float int8Score(FaceProbe probe, int ordinal) {
        return plane.score(probe.q, probe.qScale, ordinal, simd);
    }

    private float f32(float[] q, MemorySegment slots, long slotOffset) {
        return simd ? PanamaDot.f32(q, slots, slotOffset, dim) : ScalarDot.f32(q, slots, slotOffset, dim);
    }

    private boolean hnsw(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                         SearchControl control) {
        if (builder == null) {
            return false;
        }
        int size = plane.size();
        if (size == 0) {
            return true;
        }
        int ef = Math.max(probe.ef(settings.defaultEf()), top.capacity());
        int allowedCount = Bits.cardinality(allowed);
        if (allowedCount < Math.max(4L * ef, size / 10)) {
            return false; // a restrictive filter: the exact scan over the few allowed slots is cheap and exact
        }
        if (pending || 4L * unindexedCount() >= size) {
            // a saved graph still being checked and matched in maintain()'s steps, or a graph still being built
            // (after a compaction, or a saved file that did not match): the exact search, rather than a walk over a
            // part and a pass over most of the rest
            return exact(probe, slots, slotBytes, allowed, top, control);
        }
        control.check();
        // after a restart the walk is over the mapped file, whose node ids are translated to ordinals (null: equal)
        HnswGraph graph = mapped != null ? mapped : searchGraph();
        int[] to = mapped != null ? mappedToOrdinal : null;
        if (mapped != null) {
            mapped.reverseLinks(reverseLinks);
        }
        RandomVectorScorer probeScorer = new ProbeScorer(probe.q, probe.qScale);
        RandomVectorScorer scorer = to == null ? probeScorer : new NodeScorer(probeScorer, to);
        TopKnnCollector collector = new TopKnnCollector(ef, Integer.MAX_VALUE);
        try {
            if (to == null && allowedCount >= size) {
                HnswGraphSearcher.search(scorer, collector, graph, null);
            } else if (mapped == null) {
                long[] words = allowed.length >= FixedBitSet.bits2words(size) ? allowed
                        : java.util.Arrays.copyOf(allowed, FixedBitSet.bits2words(size));
                HnswGraphSearcher.search(scorer, collector, graph, new FixedBitSet(words, size), allowedCount);
            } else {
                HnswGraphSearcher.search(scorer, collector, graph, allowedNodes(graph.size(), to, allowed),
                        Math.min(allowedCount, graph.size()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        control.check();
        for (ScoreDoc d : collector.topDocs().scoreDocs) {
            int o = to == null ? d.doc : to[d.doc];
            if (o >= 0 && o < size && Bits.get(allowed, o)) {
                top.offer(f32(probe.unit, slots, (long) o * slotBytes), o);
            }
        }
        scoreUnindexed(probe, slots, slotBytes, allowed, top, control);
        return true;
    }

    /**
     * The allowed records the graph does not hold ({@link #unindexed}), scored apart as {@link #exact} scores all:
     * int8 into a short list of max(4k, 64), re-ranked in float32 from the slots. Reported as scanned.
     */
    private void scoreUnindexed(FaceProbe probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top,
                                SearchControl control) {
        if (unindexedCount() == 0) {
            return; // the graph holds every face: the walk alone
        }
        int m = Math.max(4 * top.capacity(), 64);
        shortlist.reset(m, Float.NEGATIVE_INFINITY);
        int scored = 0;
        for (int from = unindexedFrom; from < unindexedTo; from += EXACT_BLOCK) {
            control.check();
            int to = Math.min(unindexedTo, from + EXACT_BLOCK);
            if (codeOrds.length < to - from) {
                codeOrds = new int[Math.max(to - from, 64)];
            }
            int n = 0;
            for (int i = from; i < to; i++) {
                int o = unindexed[i];
                if (Bits.get(allowed, o)) {
                    codeOrds[n++] = o;
                }
            }
            plane.scoreEach(probe.q, probe.qScale, codeOrds, n, shortlist, simd, scratchDot, prefetch);
            scored += n;
        }
        if (scored > 0) {
            rerank(probe, slots, slotBytes, top, m);
        }
        lastScored = scored;
    }

    /**
     * The nodes of a mapped graph a walk may return: those whose ordinal ({@code to}, or the node itself when null)
     * is set in {@code allowed}; nodes of records gone ({@code to[node] == -1}) never. A view, not a
     * {@link FixedBitSet} over {@code allowed}'s words: those may hold ordinals past the file's nodes (records it
     * lacks), which a bit set of the graph's size must not.
     */
    private static org.apache.lucene.util.Bits allowedNodes(int nodes, int[] to, long[] allowed) {
        return new org.apache.lucene.util.Bits() {
            @Override
            public boolean get(int node) {
                int o = to == null ? node : to[node];
                return o >= 0 && Bits.get(allowed, o);
            }

            @Override
            public int length() {
                return nodes;
            }
        };
    }

    /**
     * Most records a mapped graph may lack and stay mapped (each search scores them apart, 512 bytes of int8 each
     * at 512-d; at 500,000 saved nodes 488 of them, against a walk that scores ~10,000 int8 rows at random): 256,
     * or one per 1,024 saved nodes. One more, at start or by an enrolment, and {@link #maintain} loads the graph
     * into the heap and inserts them.
     */
    static int maxMappedTail(int savedNodes) {
        return Math.max(256, savedNodes / 1024);
    }

    /** Faces held (and graph nodes, when there is a graph), live or deleted. */
    public int size() {
        return plane.size();
    }

    /** Deletes since the last rebuild (their nodes stay in the graph until compaction). */
    public int deleted() {
        return deleted;
    }

    /** Heap bytes of the graph (Lucene's estimate); 0 without a graph. */
    public long graphHeapBytes() {
        if (builder == null) {
            return 0;
        }
        return builder.getGraph().ramBytesUsed() + (reverse == null ? 0 : reverse.ramBytesUsed())
                + 4L * unindexed.length + (mappedToOrdinal == null ? 0 : 4L * mappedToOrdinal.length)
                + (loading == null ? 0 : loading.getGraph().ramBytesUsed()) // a load in progress
                + (snapshot == null ? 0 : snapshot.ramBytesUsed()); // a reverse-link snapshot in progress
    }

    /** Time spent inserting nodes since the last rebuild (or creation). */
    public long buildNanos() {
        return buildNanos;
    }

    /** The int8 plane ({@code dim + 4} bytes per face of capacity), the sign codes and a mapped graph file. */
    @Override
    public long offHeapBytes() {
        return closed ? 0 : plane.byteSize() + (bits == null ? 0 : bits.byteSize())
                + (mapped == null ? 0 : mapped.byteSize());
    }

    /**
     * Maps the saved graph when it matches the vectors added since start (relabelled to their new ordinals: the
     * store may restore records in another order), else starts a build over them in {@link #maintain}'s slices.
     * The check ({@link HnswGraphFile.Check}: CRC, every offset and link) and the match ({@link HnswGraphFile.Match})
     * go in steps of {@link #openStepUnit} until the slice is {@code over}, so that no request waits for them
     * (in one go: 1.6-1.7 s for both shards at 1,000,000 faces in the tenth and eleventh rounds; 0.8 s per shard at
     * 200,000 on the thirteenth round's slower machine); hnsw searches are exact meanwhile. The records the file
     * lacks, and those enrolled meanwhile, are scored apart; with more than {@link #maxMappedTail},
     * {@link #maintain} loads the graph into the heap and inserts them. Returns whether nothing is pending any more.
     */
    private boolean pendingStep(BooleanSupplier over) {
        if (!pending) {
            return true;
        }
        do {
            long t0 = System.nanoTime();
            if (matching == null) {
                if (opening == null) {
                    opening = new HnswGraphFile.Check(file, dim, settings, openStepUnit);
                }
                boolean done = opening.step();
                openNanos += System.nanoTime() - t0;
                if (done) {
                    opened = opening.result();
                    String why = opening.why();
                    opening = null;
                    if (opened == null) {
                        pendingResolved(null, why);
                        return true;
                    }
                    // a quarter of the unit: each record and node is a random access into a table of ~12 MB
                    // at 500,000 faces, against the check's sequential reads
                    matching = new HnswGraphFile.Match(opened::hash, opened.size(), opened.entryNode(), hashes,
                            plane.size(), Math.max(1, openStepUnit / 4));
                }
            } else {
                boolean done = matching.step();
                matchNanos += System.nanoTime() - t0;
                if (done) {
                    pendingResolved(matching.result(), null);
                    return true;
                }
            }
        } while (!over.getAsBoolean());
        return false;
    }

    /** The end of {@link #pendingStep}: the file mapped with {@code to} (saved node -> ordinal), or a build begun. */
    private void pendingResolved(int[] to, String why) {
        pending = false;
        MappedHnswGraph g = opened;
        opened = null;
        matching = null;
        int size = plane.size(); // records enrolled during the steps are past the match: not in the file
        buildNanos += openNanos + matchNanos;
        if (to != null) {
            System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.INFO, String.format(
                    java.util.Locale.ROOT, "face hnsw: saved graph of %,d faces mapped (%,d records now): opened and"
                            + " checked in %d ms, matched in %d ms, in steps between requests", g.size(), size,
                    openNanos / 1_000_000, matchNanos / 1_000_000));
            mapped = g;
            boolean identity = true; // every saved node is its ordinal: no translation
            for (int i = 0; i < to.length && identity; i++) {
                identity = to[i] == i;
            }
            mappedToOrdinal = identity ? null : to;
            unindexedOrdinals(HnswGraphFile.unmatchedOrdinals(to, size));
            origin = "mapped";
            return;
        }
        if (g != null) {
            g.close();
            why = "under " + HnswGraphFile.MIN_MATCH_PERCENT + " % of its nodes are still records, or its entry"
                    + " node is gone";
        }
        System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.INFO,
                "face hnsw: saved graph " + file + " not used (" + why + "); building the graph over " + size
                        + " faces between requests (hnsw searches are exact until most are in)");
        origin = "built";
        newBuilder();
        unindexedBelow(size);
    }

    /** Drops a check or match of the pending file in progress (compaction, close), releasing its mapping. */
    private void abandonOpen() {
        if (opening != null) {
            opening.abandon();
            opening = null;
        }
        if (opened != null) {
            opened.close();
            opened = null;
        }
        matching = null;
    }

    /**
     * Checks, matches and maps a saved graph still pending now, as {@link #maintain}'s slices would in steps
     * (benchmarks and tests; a no-op when none is pending). Shard worker thread only.
     */
    public void openSavedGraph() {
        pendingStep(NEVER);
    }

    /**
     * One slice of the graph work deferred so that no request waits for it, on the shard's worker between
     * requests ({@link ShardIndex#maintain}): a saved graph still pending is checked and matched in steps, then
     * mapped or its build started ({@link #pendingStep}); a mapped graph lacking more than {@link #maxMappedTail} records is loaded into the heap in steps of
     * {@value #LOAD_STEP_NODES} nodes (searches walk the mapping until the load is complete: ~2-3 s of steps per
     * 500,000 faces); then backlog records are inserted until {@code budgetNanos} is spent (one insert
     * past it at most, ~1.6 ms at 500,000 faces and M=64). A reverse-link snapshot is due after each eighth of growth
     * ({@link #snapshotStep}); it is taken in steps over the next slices, with no insert until it is complete.
     * Returns whether work remains.
     */
    @Override
    public boolean maintain(long budgetNanos) {
        return maintain(budgetNanos, NEVER);
    }

    /** Always false: no request waits, or a slice that is never over. */
    private static final BooleanSupplier NEVER = () -> false;

    /**
     * {@link #maintain(long)} on a slice that also ends at the next step (one insert, snapshot unit or load step)
     * once {@code requestWaiting} says a request is queued, unless a quarter or more of the faces are not in the
     * graph: searches are then exact (~18 ms each at 200,000 faces here, more at 1M) until the build is that far,
     * so cutting its slices would slow the build that makes them fast (measured: a build of 200,000 faces under a
     * client that never paused took 906 s with every idle slice cut, against 527 s with none cut).
     */
    @Override
    public boolean maintain(long budgetNanos, BooleanSupplier requestWaiting) {
        long t0 = System.nanoTime();
        BooleanSupplier cut = !pending && 4L * unindexedCount() >= plane.size() ? NEVER : requestWaiting;
        BooleanSupplier over = budgetNanos == Long.MAX_VALUE ? NEVER
                : () -> System.nanoTime() - t0 >= budgetNanos || cut.getAsBoolean();
        return maintainSlice(over);
    }

    private boolean maintainSlice(BooleanSupplier over) {
        if (closed || builder == null) {
            return false;
        }
        if (restored) {
            restored = false;
            if (unindexedCount() > 0 && builder.getGraph().size() == 0) {
                origin = "built"; // restored records, no saved graph: built from them in these slices
                System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.INFO,
                        "face hnsw: no saved graph; building it over " + unindexedCount()
                                + " faces between requests (hnsw searches are exact until most are in)");
            }
        }
        if (pending) {
            pendingStep(over);
            // true also on the slice that ends it: the worker then publishes the stats (every record counted as
            // unindexed until now), and the next slice finds what is left (a load, inserts, or nothing)
            return true;
        }
        if (mapped != null) {
            if (loader == null && unindexedCount() <= maxMappedTail(mapped.size())) {
                return false;
            }
            // loaded in steps while searches keep walking the mapping; swapped in when complete
            if (!loadStep(over)) {
                return true;
            }
            return unindexedCount() > 0; // a load starts only with records missing: their last insert snapshots
        }
        if (snapshotStep(over)) {
            return true; // the graph holds still until the reverse-link snapshot in progress is complete
        }
        if (unindexedCount() == 0) {
            return false;
        }
        backlogPeak = Math.max(backlogPeak, unindexedCount());
        do {
            insert(unindexed[unindexedFrom++]);
        } while (unindexedFrom < unindexedTo && !over.getAsBoolean());
        if (unindexedCount() > 0) {
            snapshotStep(over); // a build's prefix gets reverse links every eighth of growth
            return true;
        }
        unindexedBelow(0);
        if (backlogPeak >= LOG_BUILD_AT_LEAST) {
            System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.INFO,
                    "face hnsw: graph holds all " + plane.size() + " faces (" + origin + ")");
        }
        backlogPeak = 0;
        return snapshotStep(over); // true while the snapshot this growth calls for is being taken
    }

    /**
     * The core's start-up restore follows: adds only fill the plane and queue for {@link #maintain}, so that the
     * engine's start does not wait for a graph build when no saved graph is there (a first start with graphs on, or
     * after a crash before any save).
     */
    @Override
    public void restoring() {
        restored = builder != null;
    }

    /** Runs {@link #maintain} to the end: the graph then holds every face (benchmarks and tests). */
    public void catchUp() {
        while (maintain(Long.MAX_VALUE)) {
            // each call does all it can; a load is followed by the inserts
        }
    }

    /**
     * Records the graph does not hold yet (mapped file: scored apart; heap graph: waiting for {@link #maintain}); all
     * of them while a saved file is still being checked (searches are exact then).
     */
    @Override
    public long unindexedRecords() {
        return pending ? plane.size() : unindexedCount();
    }

    /**
     * Loads the mapped graph's lists into Lucene's builder at once (what {@link #maintain} does in steps) and unmaps
     * the file; the records it lacked stay {@link #unindexed}, the backlog {@link #maintain} inserts.
     */
    private void materialize() {
        loadStep(NEVER);
    }

    /**
     * Copies the mapped lists into a new builder's graph until the slice is {@code over} (a step past it
     * at most); when all are in, swaps that graph in for the mapping. Returns whether the load is complete.
     */
    private boolean loadStep(BooleanSupplier over) {
        long t0 = System.nanoTime();
        if (loader == null) {
            loading = createBuilder();
            loader = mapped.loader(loading.getGraph(), mappedToOrdinal);
        }
        boolean done;
        do {
            done = loader.step(loadStepNodes);
        } while (!done && !over.getAsBoolean());
        buildNanos += System.nanoTime() - t0;
        if (!done) {
            return false;
        }
        boolean ok = loader.finish();
        HnswGraphBuilder loaded = loading;
        closeMapped();
        reverse = null;
        builder = loaded;
        if (!ok) {
            // not expected of a checked file whose entry node matched; a fresh build rather than a broken graph
            origin = "built";
            newBuilder();
            unindexedBelow(plane.size());
        } else {
            origin = "loaded";
        }
        return true;
    }

    private void closeMapped() {
        loader = null;
        loading = null;
        if (mapped != null) {
            mapped.close();
            mapped = null;
            mappedToOrdinal = null;
        }
    }

    /**
     * How the current graph was obtained: "mapped" (saved file walked where it lies), "loaded" (saved file loaded
     * into the heap, when enrolments after a restart exceed {@link #maxMappedTail}), "built" (a file missing or not
     * matching, or a compaction), "incremental", or "none" (no graph).
     */
    public String origin() {
        return origin;
    }

    /**
     * Saves the graph for the next start (write to a temporary file, then an atomic rename). A file still pending
     * (no hnsw search or maintenance since start) stays when it matches and is deleted when not; a mapped file
     * stays as it is; a build cut short saves the prefix it holds (the next start inserts the rest), and a loaded
     * file whose backlog is not in yet stays on disk instead.
     */
    private void save() {
        if (file == null || closed) {
            return;
        }
        int size = plane.size();
        try {
            if (pending) {
                // not resolved since start: a file that still matches stays as it is (records it lacks are matched
                // as new at the next start), one that does not is dropped rather than paying a build here
                abandonOpen(); // a check in steps: done here in one go instead
                MappedHnswGraph g = HnswGraphFile.open(file, dim, settings, null);
                boolean keep = g != null && HnswGraphFile.match(g, hashes, size) != null;
                if (g != null) {
                    g.close();
                }
                if (!keep) {
                    Files.deleteIfExists(file);
                }
                return;
            }
            if (mapped != null) {
                return; // the file is the graph being walked: nothing was inserted since it was mapped
            }
            OnHeapHnswGraph graph = builder.getGraph();
            // all, or a build in ordinal order cut short: its prefix is saved, and the next start goes on from there
            int count = heapPrefix();
            if (count < 0) {
                return; // a loaded file's backlog (not a prefix): that file, still on disk, is the better start
            }
            if (count == 0) {
                Files.deleteIfExists(file);
                return;
            }
            ReverseEdgeGraph links = reverse != null && reverse.isOf(graph) && reverse.covered() == count ? reverse
                    : ReverseEdgeGraph.of(graph, count);
            HnswGraphFile.write(file, dim, settings, hashes, count, graph, links);
        } catch (IOException | RuntimeException e) {
            // The graph is a cache of the records: losing it costs a rebuild, never data.
            System.getLogger(FaceHnswIndex.class.getName()).log(System.Logger.Level.WARNING,
                    "face hnsw: graph not saved to " + file + ": " + e);
        }
    }

    @Override
    public void close() {
        save();
        if (!closed) {
            closed = true;
            reverse = null;
            abandonOpen();
            closeMapped();
            plane.close();
            if (bits != null) {
                bits.close();
            }
        }
    }

    /** Lucene's DOT_PRODUCT scale (1 + cos) / 2 of the int8 approximation of the cosine. */
    private float similarity(short[] q, float qScale, int ord) {
        MemorySegment v = plane.vectors();
        long off = plane.offset(ord);
        int d = simd ? PanamaDot.i8(q, v, off, dim) : ScalarDot.i8(q, v, off, dim);
        return similarity(d, qScale, ord);
    }

    /** {@link #similarity(short[], float, int)} with the probe's bytes as they are (the same integer dot). */
    private float similarity(byte[] q, float qScale, int ord) {
        MemorySegment v = plane.vectors();
        long off = plane.offset(ord);
        int d = simd ? PanamaDot.i8(q, v, off, dim) : ScalarDot.i8(q, v, off, dim);
        return similarity(d, qScale, ord);
    }

    private float similarity(int dot, float qScale, int ord) {
        return Math.max(0f, (1f + dot * qScale * plane.scale(ord)) * 0.5f);
    }

    /**
     * Takes a new reverse-link snapshot ({@link ReverseEdgeGraph}) when there is none of the current graph (built,
     * loaded or compacted since) or when an eighth more faces were inserted since the last, in steps until the
     * slice is {@code over}; returns true while it is unfinished. Called from {@link #maintain}, so
     * that no request waits for it: a snapshot reads every bottom-level list three times (~1 s per 500,000 faces
     * at M=64 here, which in one slice held the shard's requests that long), so it is taken in steps of a few
     * milliseconds while the graph holds still (the next slices finish it before any insert). Searches meanwhile
     * walk the last snapshot, whose nodes are all still in the graph. Taken every eighth of growth, the snapshots
     * together cost about nine times the last one, a few percent of the inserts' own time (counted in
     * {@link #buildNanos()}). Faces inserted after a snapshot have Lucene's links only until the next.
     */
    private boolean snapshotStep(BooleanSupplier over) {
        OnHeapHnswGraph graph = builder == null ? null : builder.getGraph();
        if (snapshot != null && !snapshot.isOf(graph)) {
            snapshot = null; // the graph was replaced (load, compaction) or grew: start over
        }
        if (snapshot == null) {
            if (!reverseLinks || builder == null || pending || mapped != null) {
                return false;
            }
            // a snapshot covers ordinals 0..covered-1, all in the graph: the whole plane, or a build's prefix so far
            int covered = heapPrefix();
            if (covered <= 0) {
                return false; // nothing yet, or a loaded file's backlog (not a prefix): Lucene's links until it is in
            }
            if (reverse != null && reverse.isOf(graph)
                    && covered - reverse.covered() < Math.max(reverse.covered() / 8, 1)) {
                return false;
            }
            snapshot = new ReverseEdgeGraph.Snapshot(graph, covered, snapshotNodesPerCheck);
        }
        long s0 = System.nanoTime();
        boolean done = snapshot.step(over);
        buildNanos += System.nanoTime() - s0;
        if (!done) {
            return true;
        }
        reverse = snapshot.result();
        snapshot = null;
        return false;
    }

    /** {@link #snapshotStep} to the end at once (benchmarks' switches, {@link #loadIntoHeap}). */
    private void refreshReverseLinks() {
        snapshotStep(NEVER);
    }

    /**
     * k when the heap graph holds exactly ordinals 0..k-1 (every face, or a build in ordinal order so far: the
     * backlog is then k..size-1), else -1 (a loaded file's backlog is spread over the ordinals).
     */
    private int heapPrefix() {
        if (unindexedCount() == 0) {
            return plane.size();
        }
        int first = unindexed[unindexedFrom];
        return builder.getGraph().size() == first ? first : -1;
    }

    /** The graph a search walks: Lucene's, or Lucene's with the reverse links of the last snapshot. */
    private HnswGraph searchGraph() {
        OnHeapHnswGraph lucene = builder.getGraph();
        if (!reverseLinks) {
            return lucene;
        }
        // Lucene's alone until maintain() has taken the first snapshot of this graph (never here: no search waits)
        return reverse != null && reverse.isOf(lucene) ? reverse : lucene;
    }

    /**
     * Whether searches also follow each bottom-level link backwards ({@link ReverseEdgeGraph}; on by default,
     * {@code -Dbiomatch.face.hnsw.reverseLinks=false} turns it off). For benchmarks comparing both on one index;
     * shard worker thread only.
     */
    public void reverseLinks(boolean on) {
        this.reverseLinks = on;
        if (on && !closed) {
            refreshReverseLinks(); // none were taken while off
        }
    }

    /** Whether a reverse-link snapshot is being taken in {@link #maintain}'s slices (tests). */
    boolean snapshotInProgress() {
        return snapshot != null;
    }

    /** Faces the last reverse-link snapshot covers (tests). */
    int reverseCovered() {
        if (mapped != null) {
            return mapped.size(); // written with the file for every saved node
        }
        return reverse == null ? 0 : reverse.covered();
    }

    /**
     * Loads a mapped graph into Lucene's builder now, as enrolments past {@link #maxMappedTail} would; a no-op unless
     * the graph is mapped. For benchmarks comparing walks over the mapping and over the heap; worker thread only.
     */
    public void loadIntoHeap() {
        openSavedGraph();
        if (mapped != null) {
            materialize();
        }
        catchUp();
        refreshReverseLinks(); // taken here, not by the first search after
    }

    /** Lucene's graph holding every face (tests). */
    OnHeapHnswGraph luceneGraph() {
        loadIntoHeap();
        return builder.getGraph();
    }

    /** Reverse links in the current snapshot (0 when none was taken); for stats and benchmarks. */
    public long reverseLinkCount() {
        if (mapped != null) {
            return mapped.reverseLinkCount();
        }
        return reverse == null ? 0 : reverse.extraLinks();
    }

    /**
     * Whether graph walks (search and build) prefetch each node's unvisited neighbours before scoring them, and
     * {@code mode=binary} its short list a few faces ahead (on by default; the same scores either way). For
     * benchmarks comparing both on one index; shard worker thread only.
     */
    public void prefetch(boolean on) {
        this.prefetch = on;
    }

    /**
     * Lucene's searcher hands over the unvisited neighbours of a node at once ({@code bulkScore}): with the Vector
     * API they are scored four per {@link PanamaDot#i8x4} call, so four random 512-byte reads are in flight instead
     * of one. Integer dots, so each score equals {@link #similarity(short[], float, int)} bit for bit. Returns the
     * best score, as Lucene's default does. {@code dots}: 4 ints of the caller's scorer. {@code qShort}: the probe
     * widened once (a search's scorer), or null (the builder's, whose scoring node changes too often to widen).
     */
    private float bulkSimilarity(byte[] q, short[] qShort, float qScale, int[] nodes, float[] scores, int n,
                                 int[] dots) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (prefetch) {
            for (int k = 0; k < n; k++) {
                plane.prefetch(nodes[k]);
            }
        }
        if (simd) {
            MemorySegment v = plane.vectors();
            for (; i + 4 <= n; i += 4) {
                int n0 = nodes[i], n1 = nodes[i + 1], n2 = nodes[i + 2], n3 = nodes[i + 3];
                PanamaDot.i8x4(q, v, plane.offset(n0), plane.offset(n1), plane.offset(n2), plane.offset(n3), dim,
                        dots);
                scores[i] = similarity(dots[0], qScale, n0);
                scores[i + 1] = similarity(dots[1], qScale, n1);
                scores[i + 2] = similarity(dots[2], qScale, n2);
                scores[i + 3] = similarity(dots[3], qScale, n3);
                max = Math.max(max, Math.max(Math.max(scores[i], scores[i + 1]), Math.max(scores[i + 2], scores[i + 3])));
            }
        }
        for (; i < n; i++) {
            scores[i] = qShort != null ? similarity(qShort, qScale, nodes[i]) : similarity(q, qScale, nodes[i]);
            max = Math.max(max, scores[i]);
        }
        return max;
    }

    /** Vector-vs-vector scores while inserting nodes (Lucene's builder asks one scorer for each insert). */
    final class Supplier implements RandomVectorScorerSupplier {
        @Override
        public UpdateableRandomVectorScorer scorer() {
            byte[] buildQueryBytes = new byte[dim];
            int[] dots = new int[4];
            return new UpdateableRandomVectorScorer() {
                float buildScale;

                /**
                 * Lucene's diversity checks set a new scoring node for each neighbour they weigh, thousands of
                 * times per insert: one bulk copy of the row. (A byte-by-byte copy that also widened the row to
                 * shorts took 20 % of the shard threads' samples while enrolling through gRPC.)
                 */
                @Override
                public void setScoringOrdinal(int node) {
                    MemorySegment.copy(plane.vectors(), ValueLayout.JAVA_BYTE, plane.offset(node), buildQueryBytes, 0,
                            dim);
                    buildScale = plane.scale(node);
                }

                @Override
                public float score(int node) {
                    return similarity(buildQueryBytes, buildScale, node);
                }

                @Override
                public float bulkScore(int[] nodes, float[] scores, int numNodes) {
                    return bulkSimilarity(buildQueryBytes, null, buildScale, nodes, scores, numNodes, dots);
                }

                @Override
                public int maxOrd() {
                    return plane.size();
                }
            };
        }

        @Override
        public RandomVectorScorerSupplier copy() {
            return this; // single-threaded builds only
        }
    }

    /** Probe-vs-vector scores for one search. */
    final class ProbeScorer implements RandomVectorScorer {
        private final byte[] qBytes;
        private final short[] q;
        private final float qScale;
        private final int[] dots = new int[4];

        ProbeScorer(byte[] q, float qScale) {
            this.qBytes = q;
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
        public float bulkScore(int[] nodes, float[] scores, int numNodes) {
            return bulkSimilarity(qBytes, q, qScale, nodes, scores, numNodes, dots);
        }

        @Override
        public int maxOrd() {
            return plane.size();
        }
    }

    /**
     * Scores of saved nodes for a walk over the {@link #mapped} graph: node -> ordinal through {@code toOrdinal};
     * nodes of records gone since the save score 0 (Lucene's lowest), so they stay stepping stones at worst.
     */
    static final class NodeScorer implements RandomVectorScorer {
        private final RandomVectorScorer ordinals;
        private final int[] toOrdinal;
        private int[] ords = new int[64];

        NodeScorer(RandomVectorScorer ordinals, int[] toOrdinal) {
            this.ordinals = ordinals;
            this.toOrdinal = toOrdinal;
        }

        @Override
        public float score(int node) throws IOException {
            int o = toOrdinal[node];
            return o < 0 ? 0f : ordinals.score(o);
        }

        @Override
        public float bulkScore(int[] nodes, float[] scores, int numNodes) throws IOException {
            if (ords.length < numNodes) {
                ords = new int[Math.max(numNodes, 2 * ords.length)];
            }
            boolean gone = false;
            for (int i = 0; i < numNodes; i++) {
                int o = toOrdinal[nodes[i]];
                gone |= o < 0;
                ords[i] = Math.max(o, 0); // scored, then overwritten below
            }
            float max = ordinals.bulkScore(ords, scores, numNodes);
            if (gone) {
                max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < numNodes; i++) {
                    if (toOrdinal[nodes[i]] < 0) {
                        scores[i] = 0f;
                    }
                    max = Math.max(max, scores[i]);
                }
            }
            return max;
        }

        @Override
        public int maxOrd() {
            return toOrdinal.length;
        }
    }
}
