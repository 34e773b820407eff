package io.biomatch.face;

import static org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;

/**
 * A read-only view of a Lucene HNSW graph whose bottom level also holds each edge's reverse: node y lists every x
 * that lists y but that y does not list. Why: Lucene keeps a node's links diverse and bounded, so when a later
 * insert prunes y's list, the x it drops keeps its own link to y but loses the way back. In high intrinsic
 * dimension a face can be left with incoming links only from faces far from where its probes land. With the
 * reverse links every face is reachable from each face it links to; at 1,000,000 faces this finds 2-4 more mates
 * per 100 probes at the same ef (face README, "Ninth round").
 *
 * <p>The extra lists are computed once from a snapshot ({@link #of}) into two flat arrays; nodes inserted after
 * the snapshot have only Lucene's links until the next snapshot. Upper levels are Lucene's own.
 */
final class ReverseEdgeGraph extends HnswGraph {
    private final OnHeapHnswGraph graph;
    /** Nodes covered by the snapshot: the reverse links of node n are {@code extra[start[n] .. start[n + 1])}. */
    private final int covered;
    private final int[] start;
    private final int[] extra;
    private final int maxConn;
    // cursor of the current seek
    private int pos;
    private int end;
    private boolean inLucene;
    private int extraCount;

    private ReverseEdgeGraph(OnHeapHnswGraph graph, int covered, int[] start, int[] extra, int maxConn) {
        this.graph = graph;
        this.covered = covered;
        this.start = start;
        this.extra = extra;
        this.maxConn = maxConn;
    }

    /** The view over {@code graph}'s first {@code size} nodes as they are now, taken in one go. */
    static ReverseEdgeGraph of(OnHeapHnswGraph graph, int size) {
        Snapshot s = new Snapshot(graph, size);
        while (!s.step(() -> false)) {
            // one call does it all
        }
        return s.result();
    }

    /**
     * A snapshot taken in steps, so that the shard's worker can answer requests between them (~1 s per 500,000
     * faces at M=64 in all, each step a few milliseconds). The graph must not change between the steps: the three
     * passes (count the in-links, list them, keep those missing from the out-list) must see the same lists.
     */
    static final class Snapshot {
        /** Nodes per unit of work between clock checks (~1-2 ms of one pass at M=64). */
        static final int NODES_PER_CHECK = 2048;
        private final OnHeapHnswGraph graph;
        private final int nodesPerCheck;
        private final int size;
        private final int graphSize;
        private final int[] inStart;
        private int[] in;
        private int[] fill;
        private int[] start;
        /** 0: count in-links, 1: list them, 2: keep the missing reverses, 3: done. */
        private int pass;
        private int next;
        private int kept;
        private int most;
        private ReverseEdgeGraph result;

        Snapshot(OnHeapHnswGraph graph, int size) {
            this(graph, size, NODES_PER_CHECK);
        }

        /** With {@code nodesPerCheck} nodes per unit of work (tests: a snapshot of a small graph in many steps). */
        Snapshot(OnHeapHnswGraph graph, int size, int nodesPerCheck) {
            this.graph = graph;
            this.nodesPerCheck = nodesPerCheck;
            this.size = size;
            this.graphSize = graph.size();
            this.inStart = new int[size + 1];
        }

        /** True when this is a snapshot of {@code g} as it still stands (no node added since it began). */
        boolean isOf(OnHeapHnswGraph g) {
            return graph == g && g.size() == graphSize;
        }

        /** Works until {@code over} says the slice is over (one unit at least, then checked after each); true when done. */
        boolean step(java.util.function.BooleanSupplier over) {
            do {
                int to = Math.min(size, next + nodesPerCheck);
                switch (pass) {
                    case 0 -> countIn(next, to);
                    case 1 -> listIn(next, to);
                    case 2 -> keepMissing(next, to);
                    default -> {
                        return true;
                    }
                }
                next = to;
                if (next == size) {
                    endPass();
                }
            } while (pass < 3 && !over.getAsBoolean());
            return pass == 3;
        }

        /** Heap bytes of the arrays held so far. */
        long ramBytesUsed() {
            return 4L * (inStart.length + (in == null ? 0 : in.length) + (fill == null ? 0 : fill.length)
                    + (start == null ? 0 : start.length)) + 64;
        }

        /** The finished view (after {@link #step} returned true). */
        ReverseEdgeGraph result() {
            if (result == null) {
                throw new IllegalStateException("reverse-link snapshot not finished");
            }
            return result;
        }

        private void endPass() {
            next = 0;
            switch (pass) {
                case 0 -> {
                    // in-lists of level 0 as CSR: in[inStart[y] ..] = every x with y in x's list
                    for (int y = 0; y < size; y++) {
                        inStart[y + 1] += inStart[y];
                    }
                    in = new int[inStart[size]];
                    fill = Arrays.copyOf(inStart, size);
                }
                case 1 -> {
                    fill = null;
                    start = new int[size + 1];
                }
                case 2 -> {
                    start[size] = kept;
                    // Lucene sizes its per-search scratch by maxConn (2 * maxConn on level 0): room for the longest
                    result = new ReverseEdgeGraph(graph, size, start, Arrays.copyOf(in, kept),
                            graph.maxConn() + (most + 1) / 2);
                    in = null;
                }
                default -> throw new IllegalStateException();
            }
            pass++;
        }

        private void countIn(int from, int to) {
            for (int x = from; x < to; x++) {
                NeighborArray out = graph.getNeighbors(0, x);
                int[] nodes = out.nodes();
                for (int i = 0; i < out.size(); i++) {
                    if (nodes[i] < size) {
                        inStart[nodes[i] + 1]++;
                    }
                }
            }
        }

        private void listIn(int from, int to) {
            for (int x = from; x < to; x++) {
                NeighborArray out = graph.getNeighbors(0, x);
                int[] nodes = out.nodes();
                for (int i = 0; i < out.size(); i++) {
                    if (nodes[i] < size) {
                        in[fill[nodes[i]]++] = x;
                    }
                }
            }
        }

        /**
         * extra(y) = in(y) minus out(y); out lists are short (<= 2M), so a scan per candidate is cheap enough, and
         * y's list stays in cache across its in-links (a pass per link instead, in link order, measured 6-15x
         * slower). Written over the in-lists themselves (kept <= j), so the only transient copy of the links is
         * {@code in}.
         */
        private void keepMissing(int from, int to) {
            for (int y = from; y < to; y++) {
                start[y] = kept;
                NeighborArray out = graph.getNeighbors(0, y);
                int[] nodes = out.nodes();
                int outSize = out.size();
                for (int j = inStart[y]; j < inStart[y + 1]; j++) {
                    int x = in[j];
                    boolean listed = false;
                    for (int i = 0; i < outSize && !listed; i++) {
                        listed = nodes[i] == x;
                    }
                    if (!listed) {
                        in[kept++] = x;
                    }
                }
                most = Math.max(most, kept - start[y]);
            }
        }
    }

    /** True when this is a view of {@code g} (not of a graph since replaced by a build, load or compaction). */
    boolean isOf(OnHeapHnswGraph g) {
        return graph == g;
    }

    /** Nodes the snapshot covers. */
    int covered() {
        return covered;
    }

    /** Heap bytes of the snapshot's two arrays. */
    long ramBytesUsed() {
        return 4L * (start.length + extra.length) + 64;
    }

    /** Node {@code node}'s reverse links are {@link #extra}{@code (k)} for k from this (inclusive)... */
    int extraFrom(int node) {
        return start[node];
    }

    /** ... to this (exclusive). */
    int extraTo(int node) {
        return start[node + 1];
    }

    /** The k-th reverse link of the snapshot. */
    int extra(int k) {
        return extra[k];
    }

    /** Extra links in all. */
    int extraLinks() {
        return start[covered];
    }

    @Override
    public void seek(int level, int target) throws IOException {
        graph.seek(level, target);
        inLucene = true;
        if (level == 0 && target < covered) {
            pos = start[target];
            end = start[target + 1];
        } else {
            pos = end = 0;
        }
        extraCount = end - pos;
    }

    @Override
    public int nextNeighbor() throws IOException {
        if (inLucene) {
            int n = graph.nextNeighbor();
            if (n != NO_MORE_DOCS) {
                return n;
            }
            inLucene = false;
        }
        return pos < end ? extra[pos++] : NO_MORE_DOCS;
    }

    @Override
    public int size() {
        return graph.size();
    }

    @Override
    public int maxNodeId() {
        return graph.maxNodeId();
    }

    @Override
    public int numLevels() throws IOException {
        return graph.numLevels();
    }

    @Override
    public int maxConn() {
        return maxConn;
    }

    @Override
    public int entryNode() throws IOException {
        return graph.entryNode();
    }

    @Override
    public NodesIterator getNodesOnLevel(int level) throws IOException {
        return graph.getNodesOnLevel(level);
    }

    @Override
    public int neighborCount() {
        return graph.neighborCount() + extraCount;
    }
}
