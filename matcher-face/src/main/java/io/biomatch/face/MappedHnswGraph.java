package io.biomatch.face;

import static org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;

/**
 * A saved graph ({@link HnswGraphFile}) walked where it lies: the file is memory-mapped read-only and every
 * neighbour list is read from the mapping, so a restarted shard searches without loading the graph onto the heap
 * (the page cache holds it; nothing is copied). Node ids are the saved nodes, which
 * {@link FaceHnswIndex} translates to the shard's current ordinals. Bottom-level lists hold Lucene's links first,
 * then the reverse links ({@link ReverseEdgeGraph}) written at save; {@link #reverseLinks(boolean)} chooses
 * whether a walk follows the second part.
 *
 * <p>Built only by {@link HnswGraphFile#open}, which has checked the CRC and every offset, count and node id, so
 * that the reads here need no checks of their own. One walker at a time (the shard's worker thread): the cursor of
 * {@link #seek} is state.
 */
final class MappedHnswGraph extends HnswGraph implements AutoCloseable {
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final MemorySegment file;
    private final int count;
    private final int entryNode;
    private final int maxConn;
    private final long hashesAt;
    private final long levelsAt;
    /** Per level: nodes on it, and byte offsets of its node ids (levels above 0), list offsets, Lucene counts, links, scores. */
    private final int[] levelSize;
    private final long[] nodesAt;
    private final long[] offsetsAt;
    private final long[] lucCountAt;
    private final long[] linksAt;
    private final long[] scoresAt;
    private final long reverseLinks;
    private boolean withReverse = true;
    // cursor of the current seek: byte positions in the links section
    private long pos;
    private long end;
    private int listSize;

    MappedHnswGraph(Arena arena, MemorySegment file, int count, int entryNode, int maxConn, long hashesAt,
                    long levelsAt, int[] levelSize, long[] nodesAt, long[] offsetsAt, long[] lucCountAt,
                    long[] linksAt, long[] scoresAt, long reverseLinks) {
        this.arena = arena;
        this.file = file;
        this.count = count;
        this.entryNode = entryNode;
        this.maxConn = maxConn;
        this.hashesAt = hashesAt;
        this.levelsAt = levelsAt;
        this.levelSize = levelSize;
        this.nodesAt = nodesAt;
        this.offsetsAt = offsetsAt;
        this.lucCountAt = lucCountAt;
        this.linksAt = linksAt;
        this.scoresAt = scoresAt;
        this.reverseLinks = reverseLinks;
    }

    /** Whether walks follow the reverse links written with the graph (on by default). */
    void reverseLinks(boolean on) {
        this.withReverse = on;
    }

    /** The saved hash of node {@code node}'s int8 vector and scale (what it is matched to a record by). */
    long hash(int node) {
        return file.get(I64, hashesAt + 8L * node);
    }

    /** Reverse links on the bottom level, in all. */
    long reverseLinkCount() {
        return reverseLinks;
    }

    /** Bytes mapped. */
    long byteSize() {
        return file.byteSize();
    }

    /** Index of {@code node} within level {@code level}'s ascending node list (level 0: the node itself). */
    private int indexOn(int level, int node) {
        if (level == 0) {
            return node;
        }
        int lo = 0;
        int hi = levelSize[level] - 1;
        long at = nodesAt[level];
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int v = file.get(I32, at + 4L * mid);
            if (v < node) {
                lo = mid + 1;
            } else if (v > node) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        throw new IllegalArgumentException("node " + node + " is not on level " + level);
    }

    @Override
    public void seek(int level, int target) {
        int i = indexOn(level, target);
        long from = file.get(I64, offsetsAt[level] + 8L * i);
        long to = withReverse ? file.get(I64, offsetsAt[level] + 8L * (i + 1))
                : from + file.get(I32, lucCountAt[level] + 4L * i);
        pos = linksAt[level] + 4 * from;
        end = linksAt[level] + 4 * to;
        listSize = (int) (to - from);
    }

    @Override
    public int nextNeighbor() {
        if (pos < end) {
            int n = file.get(I32, pos);
            pos += 4;
            return n;
        }
        return NO_MORE_DOCS;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int numLevels() {
        return levelSize.length;
    }

    @Override
    public int maxConn() {
        return maxConn;
    }

    @Override
    public int entryNode() {
        return entryNode;
    }

    @Override
    public NodesIterator getNodesOnLevel(int level) {
        if (level == 0) {
            return new DenseNodesIterator(count);
        }
        int[] nodes = new int[levelSize[level]];
        MemorySegment.copy(file, I32, nodesAt[level], nodes, 0, nodes.length);
        return new ArrayNodesIterator(nodes, nodes.length);
    }

    @Override
    public int neighborCount() {
        return listSize;
    }

    /**
     * Copies Lucene's part of the lists into the empty {@code graph} (the reverse links are derived again there),
     * node i as ordinal {@code toOrdinal[i]}, in steps, so that a worker can serve requests in between (walking
     * this mapping); nodes mapped to -1 (records gone since the save) and links to them are dropped.
     */
    Loader loader(OnHeapHnswGraph graph, int[] toOrdinal) {
        return new Loader(graph, toOrdinal);
    }

    /**
     * Resumable copy into a builder's graph: first every live node on its levels (top level first: it sizes the
     * node's levels), then each level's lists, then the entry node ({@link #finish}).
     */
    final class Loader {
        private final OnHeapHnswGraph graph;
        private final int[] toOrdinal;
        /** -1: adding nodes; else the level whose lists are being copied. */
        private int level = -1;
        /** Next node (adding) or next list of {@link #level}. */
        private int next;

        private Loader(OnHeapHnswGraph graph, int[] toOrdinal) {
            this.graph = graph;
            this.toOrdinal = toOrdinal;
        }

        /** Copies up to about {@code nodes} nodes or lists; true when everything is copied. */
        boolean step(int nodes) {
            int budget = nodes;
            if (level < 0) {
                int end = (int) Math.min(count, (long) next + budget);
                for (int i = next; i < end; i++) {
                    int o = toOrdinal == null ? i : toOrdinal[i];
                    if (o >= 0) {
                        for (int l = file.get(ValueLayout.JAVA_BYTE, levelsAt + i); l >= 0; l--) {
                            graph.addNode(l, o);
                        }
                    }
                }
                budget -= end - next;
                next = end;
                if (next < count) {
                    return false;
                }
                level = 0;
                next = 0;
            }
            while (level < levelSize.length && budget > 0) {
                int l = level;
                int end = (int) Math.min(levelSize[l], (long) next + budget);
                for (int j = next; j < end; j++) {
                    int i = l == 0 ? j : file.get(I32, nodesAt[l] + 4L * j);
                    int o = toOrdinal == null ? i : toOrdinal[i];
                    if (o < 0) {
                        continue;
                    }
                    NeighborArray na = graph.getNeighbors(l, o);
                    long from = file.get(I64, offsetsAt[l] + 8L * j);
                    int n = file.get(I32, lucCountAt[l] + 4L * j);
                    for (long k = from; k < from + n; k++) {
                        int y = file.get(I32, linksAt[l] + 4 * k);
                        int m = toOrdinal == null ? y : toOrdinal[y];
                        if (m >= 0) {
                            na.addOutOfOrder(m, file.get(F32, scoresAt[l] + 4 * k));
                        }
                    }
                }
                budget -= end - next;
                next = end;
                if (next == levelSize[l]) {
                    level++;
                    next = 0;
                }
            }
            return level >= levelSize.length;
        }

        /** After the last {@link #step}: sets the entry node; false when it could not be set. */
        boolean finish() {
            int entry = toOrdinal == null ? entryNode : toOrdinal[entryNode];
            return entry >= 0 && graph.trySetNewEntryNode(entry, levelSize.length - 1);
        }
    }

    /** Unmaps the file; the graph must not be walked after. */
    @Override
    public void close() {
        arena.close();
    }
}
