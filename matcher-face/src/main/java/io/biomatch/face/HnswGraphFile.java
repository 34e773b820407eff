package io.biomatch.face;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;

/**
 * The saved HNSW graph of one shard ({@link FaceHnswIndex}), laid out to be walked where it lies
 * ({@link MappedHnswGraph}): a restart maps the file and searches it without building anything on the heap.
 * Little-endian, every section starting at a multiple of 8 bytes:
 * <pre>
 *  header (64 B)  int magic "BMFH" | int version (2) | int dim | int M | int beamWidth | int count | int entryNode
 *                 | int numLevels | int longestList | zeros
 *  long[count]    vector hash of node i (int8 vector + scale, {@link #hash})
 *  byte[count]    top level of node i
 *  per level l = 0..numLevels-1 (n = nodes on it):
 *                 int n | int 0 | int[n] its nodes, ascending (levels above 0 only)
 *                 long[n + 1] list offsets (in links) | int[n] Lucene's links per list
 *                 int[offsets[n]] links: Lucene's first, then (level 0) the reverse links ({@link ReverseEdgeGraph})
 *                 float[offsets[n]] Lucene's DOT_PRODUCT scores of the links (0 for reverse links)
 *  long           CRC32C of everything before
 * </pre>
 * The scores are kept so that the graph can be loaded back into Lucene's builder when the shard must insert
 * again ({@link MappedHnswGraph#loader}); walks use the links only.
 *
 * <p>Why hashes and not ordinals: at start the core re-adds the stored records in the record store's order, not
 * the order they were first enrolled in, so ordinals change across a restart. A saved node is matched to the
 * new ordinal of the record with the same vector hash ({@link #match}); nodes of records deleted since (no match)
 * are never offered and score 0 as stepping stones; records not in the file are searched apart or inserted. The
 * file is reused only when at least {@value #MIN_MATCH_PERCENT} % of its nodes match and the entry node is among
 * them; any damage (CRC, header, an offset or node id out of bounds) means a fresh build, never wrong answers:
 * scores are always recomputed from the vectors. Version 1 files (big-endian, no reverse links) are not read: the
 * graph is built afresh once.
 */
final class HnswGraphFile {
    private HnswGraphFile() {
    }

    static final int MAGIC = 0x424D4648; // "BMFH"
    static final int VERSION = 2;
    static final int MIN_MATCH_PERCENT = 90;
    static final int HEADER_BYTES = 64;
    private static final int CRC_CHUNK = 1 << 26;

    /** 64-bit hash of {@code bytes} bytes at {@code off} (SplitMix64 finaliser over 8-byte words). */
    static long hash(MemorySegment s, long off, int bytes) {
        long h = 0x9E3779B97F4A7C15L ^ bytes;
        int i = 0;
        for (; i + 8 <= bytes; i += 8) {
            h = mix(h ^ s.get(ValueLayout.JAVA_LONG_UNALIGNED, off + i));
        }
        for (; i < bytes; i++) {
            h = mix(h ^ (s.get(ValueLayout.JAVA_BYTE, off + i) & 0xFFL) ^ ((long) i << 56));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes {@code graph}'s first {@code count} nodes with the bottom level's reverse links from {@code reverse}
     * (a snapshot of this graph covering all {@code count} nodes) to a temporary file, then renames it over
     * {@code file} atomically.
     */
    static void write(Path file, int dim, FaceHnswSettings settings, long[] hashes, int count, OnHeapHnswGraph graph,
                      ReverseEdgeGraph reverse) throws IOException {
        if (reverse.covered() != count || !reverse.isOf(graph)) {
            throw new IllegalArgumentException("reverse links of another graph or size");
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        int numLevels = graph.numLevels();
        byte[] levels = new byte[count];
        int[][] onLevel = new int[numLevels][];
        for (int l = 1; l < numLevels; l++) {
            HnswGraph.NodesIterator it = graph.getNodesOnLevel(l);
            int[] nodes = new int[it.size()];
            int n = 0;
            while (it.hasNext()) {
                int node = it.nextInt();
                levels[node] = (byte) l;
                nodes[n++] = node;
            }
            Arrays.sort(nodes, 0, n);
            onLevel[l] = Arrays.copyOf(nodes, n);
        }
        int longest = 0;
        for (int x = 0; x < count; x++) {
            longest = Math.max(longest, graph.getNeighbors(0, x).size() + reverse.extraTo(x) - reverse.extraFrom(x));
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Out out = new Out(ch);
            out.putInt(MAGIC);
            out.putInt(VERSION);
            out.putInt(dim);
            out.putInt(settings.maxConn());
            out.putInt(settings.beamWidth());
            out.putInt(count);
            out.putInt(graph.entryNode());
            out.putInt(numLevels);
            out.putInt(longest);
            out.pad(HEADER_BYTES);
            for (int i = 0; i < count; i++) {
                out.putLong(hashes[i]);
            }
            out.put(levels);
            out.align8();
            for (int l = 0; l < numLevels; l++) {
                int[] nodes = onLevel[l];
                int n = l == 0 ? count : nodes.length;
                out.putInt(n);
                out.putInt(0);
                if (l > 0) {
                    for (int node : nodes) {
                        out.putInt(node);
                    }
                    out.align8();
                }
                long at = 0;
                out.putLong(0);
                for (int j = 0; j < n; j++) {
                    int x = l == 0 ? j : nodes[j];
                    at += graph.getNeighbors(l, x).size() + (l == 0 ? reverse.extraTo(x) - reverse.extraFrom(x) : 0);
                    out.putLong(at);
                }
                for (int j = 0; j < n; j++) {
                    out.putInt(graph.getNeighbors(l, l == 0 ? j : nodes[j]).size());
                }
                out.align8();
                for (int j = 0; j < n; j++) {
                    int x = l == 0 ? j : nodes[j];
                    NeighborArray na = graph.getNeighbors(l, x);
                    int[] ids = na.nodes();
                    for (int k = 0; k < na.size(); k++) {
                        out.putInt(ids[k]);
                    }
                    if (l == 0) {
                        for (int k = reverse.extraFrom(x); k < reverse.extraTo(x); k++) {
                            out.putInt(reverse.extra(k));
                        }
                    }
                }
                out.align8();
                for (int j = 0; j < n; j++) {
                    int x = l == 0 ? j : nodes[j];
                    NeighborArray na = graph.getNeighbors(l, x);
                    for (int k = 0; k < na.size(); k++) {
                        out.putFloat(na.getScores(k));
                    }
                    if (l == 0) {
                        for (int k = reverse.extraFrom(x); k < reverse.extraTo(x); k++) {
                            out.putFloat(0f);
                        }
                    }
                }
                out.align8();
            }
            out.finish();
            ch.force(false);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Buffered little-endian writes to a channel, with a running CRC32C of everything written. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long written;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        private void room(int bytes) throws IOException {
            if (buf.remaining() < bytes) {
                drain();
            }
        }

        private void drain() throws IOException {
            buf.flip();
            crc.update(buf.duplicate());
            while (buf.hasRemaining()) {
                written += ch.write(buf);
            }
            buf.clear();
        }

        void putInt(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void putLong(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void putFloat(float v) throws IOException {
            room(4);
            buf.putFloat(v);
        }

        void put(byte[] bytes) throws IOException {
            for (int at = 0; at < bytes.length; ) {
                room(1);
                int n = Math.min(buf.remaining(), bytes.length - at);
                buf.put(bytes, at, n);
                at += n;
            }
        }

        private long position() {
            return written + buf.position();
        }

        /** Zeros up to absolute position {@code to}. */
        void pad(long to) throws IOException {
            while (position() < to) {
                room(1);
                buf.put((byte) 0);
            }
        }

        void align8() throws IOException {
            pad((position() + 7) & ~7L);
        }

        /** Flushes and appends the CRC32C of everything before it. */
        void finish() throws IOException {
            drain();
            buf.putLong(crc.getValue());
            buf.flip();
            while (buf.hasRemaining()) {
                written += ch.write(buf);
            }
            buf.clear();
        }
    }

    /** Thrown while checking a file: it is not used. */
    private static final class Bad extends Exception {
        Bad(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Maps the file read-only and checks it: header against {@code dim} and {@code settings}, the CRC, and every
     * section, offset, count and node id, so that walks need no checks. Null when it is missing, damaged, of
     * another version or made with other settings (the reason goes to {@code why[0]} when given). The whole
     * {@link Check} at once.
     */
    static MappedHnswGraph open(Path file, int dim, FaceHnswSettings settings, String[] why) {
        Check check = new Check(file, dim, settings, Integer.MAX_VALUE);
        while (!check.step()) {
            // at this unit a step is a whole phase, or 64 MB of the CRC
        }
        if (why != null && why.length > 0 && check.why() != null) {
            why[0] = check.why();
        }
        return check.result();
    }

    /**
     * The checks of {@link #open} in steps, so that a shard's worker can do them between requests: at 500,000
     * faces per shard the file is ~0.3 GB, and reading all of it (CRC) and every link took ~0.8 s in one go.
     * Each {@link #step} does one unit of one phase: {@code 64 * unit} bytes of the CRC, or {@code unit} nodes or
     * lists, or {@code 4 * unit} links. Not thread-safe; the mapping belongs to the result, or is released when the
     * check fails or is {@link #abandon}ed.
     */
    static final class Check {
        /**
         * Nodes per step between two looks at a slice's clock. Timed on a 100,000-node file (scratch program, 13th
         * round, a machine without AVX-512): 65 steps of 1.6 ms on average, the longest 4.2 ms once compiled; the
         * first check in a JVM had one of 36.8 ms (interpreted code, cold pages).
         */
        static final int UNIT = 65_536;
        private static final int HEADER = 0, CRC = 1, LEVELS = 2, LEVEL = 3, NODES = 4, LISTS = 5, LINKS = 6, DONE = 7;
        private static final ValueLayout.OfInt I32 = MappedHnswGraph.I32;
        private static final ValueLayout.OfLong I64 = MappedHnswGraph.I64;

        private final Path file;
        private final int dim;
        private final FaceHnswSettings settings;
        private final long unit;
        private int phase = HEADER;
        private Arena arena;
        private MemorySegment f;
        private int count, entry, numLevels, longest;
        private long end;
        private CRC32C crc;
        /** Where the phase in progress is: a byte (CRC), a node or list index, a link index. */
        private long cursor;
        /** The next section's offset (the walk through the file that {@link #open} did in one loop). */
        private long at;
        private long hashesAt, levelsAt;
        private int[] perLevel;
        private int level;
        private int[] levelSize;
        private long[] nodesAt, offsetsAt, lucAt, linksAt, scoresAt;
        private long linksStart, total, prevOffset;
        private int prevNode;
        private long reverseLinks;
        private MappedHnswGraph result;
        private String why;

        Check(Path file, int dim, FaceHnswSettings settings, int unit) {
            this.file = file;
            this.dim = dim;
            this.settings = settings;
            this.unit = Math.max(1, unit);
        }

        /** One unit of work; true when the check is over ({@link #result} or {@link #why}). */
        boolean step() {
            if (phase == DONE) {
                return true;
            }
            try {
                switch (phase) {
                    case HEADER -> header();
                    case CRC -> crc();
                    case LEVELS -> levels();
                    case LEVEL -> level();
                    case NODES -> nodes();
                    case LISTS -> lists();
                    case LINKS -> links();
                    default -> throw new IllegalStateException("phase " + phase);
                }
            } catch (Bad | IOException | RuntimeException e) {
                why = e instanceof Bad ? e.getMessage() : e.toString();
                abandon();
            }
            return phase == DONE;
        }

        /** The checked graph (its mapping now the graph's to close), or null: not over, or refused. */
        MappedHnswGraph result() {
            return result;
        }

        /** Why the file was refused, or null. */
        String why() {
            return why;
        }

        /** Stops the check and releases the mapping (not the result's, once there is one). */
        void abandon() {
            if (result == null && arena != null) {
                arena.close();
            }
            arena = null;
            f = null;
            phase = DONE;
        }

        private void header() throws Bad, IOException {
            arena = Arena.ofShared();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                need(size >= HEADER_BYTES + 8, "shorter than a header");
                f = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                end = size - 8;
            }
            need(f.get(I32, 0) == MAGIC, "not a biomatch face graph");
            need(f.get(I32, 4) == VERSION, "version " + f.get(I32, 4) + ", not " + VERSION);
            need(f.get(I32, 8) == dim && f.get(I32, 12) == settings.maxConn() && f.get(I32, 16) == settings.beamWidth(),
                    "made with other dim, M or beamWidth");
            count = f.get(I32, 20);
            entry = f.get(I32, 24);
            numLevels = f.get(I32, 28);
            longest = f.get(I32, 32);
            need(count >= 1 && entry >= 0 && entry < count && numLevels >= 1 && numLevels <= 64
                    && longest >= 0 && longest <= Math.max(count, 2 * settings.maxConn() + 1), "bad header");
            crc = new CRC32C();
            cursor = 0;
            phase = CRC;
        }

        private void crc() throws Bad {
            long len = Math.min(Math.min(64 * unit, CRC_CHUNK), end - cursor);
            crc.update(f.asSlice(cursor, len).asByteBuffer());
            cursor += len;
            if (cursor < end) {
                return;
            }
            need(crc.getValue() == f.get(I64, end), "CRC mismatch");
            hashesAt = HEADER_BYTES;
            levelsAt = hashesAt + 8L * count;
            at = align8(levelsAt + count);
            need(at <= end, "truncated");
            perLevel = new int[numLevels];
            cursor = 0;
            phase = LEVELS;
        }

        private void levels() throws Bad {
            int to = (int) Math.min(count, cursor + unit);
            for (int i = (int) cursor; i < to; i++) {
                int top = f.get(ValueLayout.JAVA_BYTE, levelsAt + i);
                need(top >= 0 && top < numLevels, "node level out of range");
                for (int l = 0; l <= top; l++) {
                    perLevel[l]++;
                }
            }
            cursor = to;
            if (cursor < count) {
                return;
            }
            need(f.get(ValueLayout.JAVA_BYTE, levelsAt + entry) == numLevels - 1 && perLevel[numLevels - 1] >= 1,
                    "entry node not on the top level");
            levelSize = new int[numLevels];
            nodesAt = new long[numLevels];
            offsetsAt = new long[numLevels];
            lucAt = new long[numLevels];
            linksAt = new long[numLevels];
            scoresAt = new long[numLevels];
            level = 0;
            phase = LEVEL;
        }

        /** The head of level {@link #level}: its node count, then its node list (above 0) or its lists. */
        private void level() throws Bad {
            if (level == numLevels) {
                need(at == end, "trailing bytes");
                int maxConn = Math.max(settings.maxConn(), (longest + 1) / 2);
                result = new MappedHnswGraph(arena, f, count, entry, maxConn, hashesAt, levelsAt, levelSize, nodesAt,
                        offsetsAt, lucAt, linksAt, scoresAt, reverseLinks);
                arena = null;
                f = null;
                phase = DONE;
                return;
            }
            int l = level;
            need(at + 8 <= end, "truncated");
            int n = f.get(I32, at);
            need(n == perLevel[l], "level " + l + " holds " + n + " nodes, levels say " + perLevel[l]);
            levelSize[l] = n;
            at += 8;
            if (l > 0) {
                nodesAt[l] = at;
                at = align8(at + 4L * n);
                need(at <= end, "truncated");
                prevNode = -1;
                cursor = 0;
                phase = NODES;
                return;
            }
            startLists();
        }

        private void nodes() throws Bad {
            int l = level;
            int n = levelSize[l];
            int to = (int) Math.min(n, cursor + unit);
            for (int j = (int) cursor; j < to; j++) {
                int x = f.get(I32, nodesAt[l] + 4L * j);
                need(x > prevNode && x < count && f.get(ValueLayout.JAVA_BYTE, levelsAt + x) >= l,
                        "level " + l + " node list");
                prevNode = x;
            }
            cursor = to;
            if (cursor == n) {
                startLists();
            }
        }

        private void startLists() throws Bad {
            int l = level;
            int n = levelSize[l];
            offsetsAt[l] = at;
            lucAt[l] = at + 8L * (n + 1);
            linksStart = align8(lucAt[l] + 4L * n);
            need(linksStart <= end, "truncated");
            total = f.get(I64, offsetsAt[l] + 8L * n);
            need(f.get(I64, offsetsAt[l]) == 0 && total >= 0 && total <= (end - linksStart) / 8, "bad offsets");
            prevOffset = 0;
            cursor = 0;
            phase = LISTS;
        }

        private void lists() throws Bad {
            int l = level;
            int n = levelSize[l];
            int lucMax = l == 0 ? 2 * settings.maxConn() + 1 : settings.maxConn() + 1;
            int to = (int) Math.min(n, cursor + unit);
            long prev = prevOffset;
            for (int j = (int) cursor; j < to; j++) {
                long next = f.get(I64, offsetsAt[l] + 8L * (j + 1));
                int luc = f.get(I32, lucAt[l] + 4L * j);
                need(next >= prev && next - prev <= (l == 0 ? longest : lucMax) && luc >= 0 && luc <= next - prev
                        && luc <= lucMax && (l == 0 || luc == next - prev), "bad list at level " + l);
                reverseLinks += next - prev - luc;
                prev = next;
            }
            prevOffset = prev;
            cursor = to;
            if (cursor < n) {
                return;
            }
            need(prev == total, "bad offsets");
            linksAt[l] = linksStart;
            scoresAt[l] = align8(linksStart + 4 * total);
            at = align8(scoresAt[l] + 4 * total);
            need(at <= end, "truncated");
            cursor = 0;
            phase = LINKS;
        }

        private void links() throws Bad {
            int l = level;
            long to = Math.min(total, cursor + 4 * unit);
            for (long k = cursor; k < to; k++) {
                int y = f.get(I32, linksAt[l] + 4 * k);
                need(y >= 0 && y < count && (l == 0 || f.get(ValueLayout.JAVA_BYTE, levelsAt + y) >= l),
                        "link out of range at level " + l);
            }
            cursor = to;
            if (cursor == total) {
                level++;
                phase = LEVEL;
            }
        }
    }

    private static void need(boolean ok, String why) throws Bad {
        if (!ok) {
            throw new Bad(why);
        }
    }

    private static long align8(long at) {
        return (at + 7) & ~7L;
    }

    /**
     * Saved node -> current ordinal (-1: no record with its vector any more), or null when too much of the file is
     * gone to reuse it: under {@value #MIN_MATCH_PERCENT} % of its nodes still among the records, or the entry node
     * gone. Records it lacks (however many) are the caller's to score apart or insert. Equal vectors are matched
     * in ascending order on both sides.
     */
    static int[] match(MappedHnswGraph g, long[] hashes, int size) {
        return match(g::hash, g.size(), g.entryNode(), hashes, size);
    }

    /**
     * {@link #match} over saved node hashes {@code fileHash(0 .. count-1)}: the whole {@link Match} at once.
     */
    static int[] match(java.util.function.IntToLongFunction fileHash, int count, int entry, long[] hashes, int size) {
        Match m = new Match(fileHash, count, entry, hashes, size, Integer.MAX_VALUE);
        while (!m.step()) {
            // two steps at this unit: the table, then the lookups
        }
        return m.result();
    }

    /**
     * {@link #match} in steps of {@code unit} records or nodes, for a shard's worker between requests. A primitive
     * open-addressing table (hash -> the lowest ordinal not yet taken, chained to the next through {@code next})
     * instead of a map of boxed keys: at 500,000 records per shard the boxed map cost ~0.1 s and ~40 MB of garbage
     * at every start. Reads {@code hashes[0 .. size)} as they are at each step (the caller only appends past them).
     */
    static final class Match {
        private final java.util.function.IntToLongFunction fileHash;
        private final int count;
        private final int entry;
        private final long[] hashes;
        private final int size;
        private final int unit;
        private final int bits;
        private final int mask;
        private long[] keys;
        /** Per slot: 0 empty, -1 every ordinal with this hash taken, else the next ordinal to take + 1. */
        private int[] heads;
        private int[] next;
        private int[] to;
        /** Table: the next ordinal to enter, downwards; then lookups: the next node, upwards. */
        private int cursor;
        private boolean lookups;
        private int matched;
        private boolean done;
        private int[] result;

        Match(java.util.function.IntToLongFunction fileHash, int count, int entry, long[] hashes, int size, int unit) {
            this.fileHash = fileHash;
            this.count = count;
            this.entry = entry;
            this.hashes = hashes;
            this.size = size;
            this.unit = Math.max(1, unit);
            this.bits = Math.max(2, 64 - Long.numberOfLeadingZeros(2L * Math.max(size, 1) - 1)); // >= 2 * size slots
            this.mask = (1 << bits) - 1;
            this.keys = new long[1 << bits];
            this.heads = new int[1 << bits];
            this.next = new int[size];
            this.cursor = size - 1;
        }

        /** One unit of work; true when over ({@link #result}). */
        boolean step() {
            if (done) {
                return true;
            }
            if (!lookups) {
                int stop = Math.max(-1, cursor - unit);
                for (int o = cursor; o > stop; o--) { // chains keep ordinals ascending for equal hashes
                    int slot = slot(keys, heads, hashes[o], bits, mask);
                    next[o] = heads[slot] - 1; // -1: none after it
                    keys[slot] = hashes[o];
                    heads[slot] = o + 1;
                }
                cursor = stop;
                if (cursor < 0) {
                    lookups = true;
                    cursor = 0;
                    to = new int[count];
                }
                return false;
            }
            int stop = (int) Math.min(count, (long) cursor + unit);
            for (int i = cursor; i < stop; i++) {
                int slot = slot(keys, heads, fileHash.applyAsLong(i), bits, mask);
                int head = heads[slot];
                if (head <= 0) {
                    to[i] = -1; // no record with this vector, or none left
                    continue;
                }
                int o = head - 1;
                to[i] = o;
                heads[slot] = next[o] >= 0 ? next[o] + 1 : -1;
                matched++;
            }
            cursor = stop;
            if (cursor < count) {
                return false;
            }
            // only the file's side: records it lacks are inserted between requests, so a file that covers part of
            // the records (a build cut short by a restart) is still the better start
            boolean ok = entry >= 0 && entry < count && to[entry] >= 0
                    && matched * 100L >= (long) MIN_MATCH_PERCENT * count;
            result = ok ? to : null;
            keys = null;
            heads = null;
            next = null;
            done = true;
            return true;
        }

        /** Saved node -> ordinal, or null: not over, or too little of the file matched ({@link #match}). */
        int[] result() {
            return result;
        }

    }

    /** The slot holding {@code h}, or the empty slot where it would go (linear probing; the table is never full). */
    private static int slot(long[] keys, int[] heads, long h, int bits, int mask) {
        int slot = (int) ((h * 0x9E3779B97F4A7C15L) >>> (64 - bits));
        while (heads[slot] != 0 && keys[slot] != h) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Ordinals below {@code size} that no saved node maps to (records new since the save), ascending. */
    static int[] unmatchedOrdinals(int[] toOrdinal, int size) {
        boolean[] covered = new boolean[size];
        for (int o : toOrdinal) {
            if (o >= 0) {
                covered[o] = true;
            }
        }
        int n = 0;
        for (boolean c : covered) {
            n += c ? 0 : 1;
        }
        int[] out = new int[n];
        for (int o = 0, j = 0; o < size; o++) {
            if (!covered[o]) {
                out[j++] = o;
            }
        }
        return out;
    }
}
