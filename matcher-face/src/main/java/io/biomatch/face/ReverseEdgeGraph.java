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

    /** The view over {@code graph}'s first {@code size} nodes as they are now. */
    static ReverseEdgeGraph of(OnHeapHnswGraph graph, int size) {
        // in-lists of level 0 as CSR: in[inStart[y] ..] = every x with y in x's list
        int[] inStart = new int[size + 1];
        for (int x = 0; x < size; x++) {
            NeighborArray out = graph.getNeighbors(0, x);
            int[] nodes = out.nodes();
            for (int i = 0; i < out.size(); i++) {
                if (nodes[i] < size) {
                    inStart[nodes[i] + 1]++;
                }
            }
        }
        for (int y = 0; y < size; y++) {
            inStart[y + 1] += inStart[y];
        }
        int[] in = new int[inStart[size]];
        int[] fill = Arrays.copyOf(inStart, size);
        for (int x = 0; x < size; x++) {
            NeighborArray out = graph.getNeighbors(0, x);
            int[] nodes = out.nodes();
            for (int i = 0; i < out.size(); i++) {
                if (nodes[i] < size) {
                    in[fill[nodes[i]]++] = x;
                }
            }
        }
        // extra(y) = in(y) minus out(y); out lists are short (<= 2M), so a scan per candidate is cheap enough, and
        // y's list stays in cache across its in-links (a pass per link instead, in link order, measured 6-15x slower).
        // Written over the in-lists themselves (n <= j), so the only transient copy of the links is `in`.
        int[] start = new int[size + 1];
        int[] extra = in;
        int n = 0;
        int most = 0;
        for (int y = 0; y < size; y++) {
            start[y] = n;
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
                    extra[n++] = x;
                }
            }
            most = Math.max(most, n - start[y]);
        }
        start[size] = n;
        // Lucene sizes its per-search scratch by maxConn (2 * maxConn on level 0): leave room for the longest list
        return new ReverseEdgeGraph(graph, size, start, Arrays.copyOf(extra, n), graph.maxConn() + (most + 1) / 2);
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
