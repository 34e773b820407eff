package io.biomatch.face;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;

/**
 * The saved HNSW graph of one shard ({@link FaceHnswIndex}), so a restart reuses it instead of re-inserting
 * every record. Big-endian:
 * <pre>
 *  int magic "BMFH" | int version (1) | int dim | int M | int beamWidth | int count | int entryNode | int numLevels
 *  long[count]  vector hash of node i (int8 vector + scale, {@link #hash})
 *  byte[count]  top level of node i
 *  per level l = 0..numLevels-1, per node i with level >= l: int n | int[n] neighbours | float[n] scores
 *  long         CRC32C of everything before
 * </pre>
 * Why hashes and not ordinals: at start the core re-adds the stored records in the record store's order, not
 * the order they were first enrolled in, so ordinals change across a restart. A saved node is matched to the
 * new ordinal of the record with the same vector hash; nodes of records deleted since (no match) are dropped
 * from neighbour lists; records not in the file are inserted afterwards. The file is reused only when at least
 * {@value #MIN_MATCH_PERCENT} % of both sides match and the entry node is among them; any damage (CRC, header,
 * truncation) means a fresh build, never wrong answers: scores are always recomputed from the vectors.
 */
final class HnswGraphFile {
    private HnswGraphFile() {
    }

    static final int MAGIC = 0x424D4648; // "BMFH"
    static final int VERSION = 1;
    static final int MIN_MATCH_PERCENT = 90;

    /** A file read back: header, node hashes and levels, neighbour lists per level. */
    record Saved(int count, int entryNode, int numLevels, long[] hashes, byte[] levels, int[][][] neighbours,
                 float[][][] scores, int[] toOrdinal) {
    }

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

    static void write(Path file, int dim, FaceHnswSettings settings, long[] hashes, int count, OnHeapHnswGraph graph)
            throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        int numLevels = graph.numLevels();
        byte[] levels = new byte[count];
        for (int l = 1; l < numLevels; l++) {
            HnswGraph.NodesIterator it = graph.getNodesOnLevel(l);
            while (it.hasNext()) {
                levels[it.nextInt()] = (byte) l;
            }
        }
        CRC32C crc = new CRC32C();
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
             DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(dim);
            out.writeInt(settings.maxConn());
            out.writeInt(settings.beamWidth());
            out.writeInt(count);
            out.writeInt(graph.entryNode());
            out.writeInt(numLevels);
            for (int i = 0; i < count; i++) {
                out.writeLong(hashes[i]);
            }
            out.write(levels);
            for (int l = 0; l < numLevels; l++) {
                for (int i = 0; i < count; i++) {
                    if (levels[i] < l) {
                        continue;
                    }
                    NeighborArray na = graph.getNeighbors(l, i);
                    int n = na.size();
                    out.writeInt(n);
                    int[] nodes = na.nodes();
                    for (int j = 0; j < n; j++) {
                        out.writeInt(nodes[j]);
                    }
                    for (int j = 0; j < n; j++) {
                        out.writeFloat(na.getScores(j));
                    }
                }
            }
            out.flush();
            raw.write(longBytes(crc.getValue()));
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    /** The file, or null when it is missing, damaged or made with other settings. */
    static Saved read(Path file, int dim, FaceHnswSettings settings) {
        CRC32C crc = new CRC32C();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION || in.readInt() != dim
                    || in.readInt() != settings.maxConn() || in.readInt() != settings.beamWidth()) {
                return null;
            }
            int count = in.readInt();
            int entry = in.readInt();
            int numLevels = in.readInt();
            if (count < 1 || entry < 0 || entry >= count || numLevels < 1 || numLevels > 64) {
                return null;
            }
            long[] hashes = new long[count];
            for (int i = 0; i < count; i++) {
                hashes[i] = in.readLong();
            }
            byte[] levels = in.readNBytes(count);
            if (levels.length != count) {
                return null;
            }
            int maxN = 2 * settings.maxConn() + 1;
            int[][][] neighbours = new int[numLevels][count][];
            float[][][] scores = new float[numLevels][count][];
            for (int l = 0; l < numLevels; l++) {
                for (int i = 0; i < count; i++) {
                    if (levels[i] < l) {
                        continue;
                    }
                    int n = in.readInt();
                    if (n < 0 || n > maxN) {
                        return null;
                    }
                    int[] ids = new int[n];
                    float[] sc = new float[n];
                    for (int j = 0; j < n; j++) {
                        ids[j] = in.readInt();
                        if (ids[j] < 0 || ids[j] >= count) {
                            return null;
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        sc[j] = in.readFloat();
                    }
                    neighbours[l][i] = ids;
                    scores[l][i] = sc;
                }
            }
            long want = crc.getValue();
            byte[] tail = raw.readNBytes(8);
            if (tail.length != 8 || java.nio.ByteBuffer.wrap(tail).getLong() != want || raw.read() != -1) {
                return null;
            }
            return new Saved(count, entry, numLevels, hashes, levels, neighbours, scores, new int[count]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Fills {@code saved.toOrdinal} (saved node -> new ordinal or -1); returns the number matched. */
    private static int match(Saved saved, long[] hashes, int size) {
        Map<Long, Integer> head = new HashMap<>(size * 2);
        int[] next = new int[size];
        for (int o = size - 1; o >= 0; o--) { // chains keep ordinals ascending for equal hashes
            Integer h = head.put(hashes[o], o);
            next[o] = h == null ? -1 : h;
        }
        int matched = 0;
        for (int i = 0; i < saved.count(); i++) {
            Integer o = head.get(saved.hashes()[i]);
            if (o == null || o < 0) {
                saved.toOrdinal()[i] = -1;
                continue;
            }
            saved.toOrdinal()[i] = o;
            head.put(saved.hashes()[i], next[o]);
            matched++;
        }
        return matched;
    }

    /** Whether the file covers the vectors well enough to be reused (also fills the node mapping). */
    static boolean matches(Saved saved, long[] hashes, int size) {
        int matched = match(saved, hashes, size);
        return saved.toOrdinal()[saved.entryNode()] >= 0
                && matched * 100L >= (long) MIN_MATCH_PERCENT * saved.count()
                && matched * 100L >= (long) MIN_MATCH_PERCENT * size;
    }

    /** Loads the matched part of the saved graph into the empty {@code graph}; false when it does not match. */
    static boolean load(Saved saved, long[] hashes, int size, OnHeapHnswGraph graph) {
        if (!matches(saved, hashes, size)) {
            return false;
        }
        int[] to = saved.toOrdinal();
        for (int i = 0; i < saved.count(); i++) {
            if (to[i] >= 0) {
                for (int l = saved.levels()[i]; l >= 0; l--) { // top level first: it sizes the node's levels
                    graph.addNode(l, to[i]);
                }
            }
        }
        for (int l = 0; l < saved.numLevels(); l++) {
            for (int i = 0; i < saved.count(); i++) {
                if (to[i] < 0 || saved.levels()[i] < l) {
                    continue;
                }
                NeighborArray na = graph.getNeighbors(l, to[i]);
                int[] ids = saved.neighbours()[l][i];
                float[] sc = saved.scores()[l][i];
                for (int j = 0; j < ids.length; j++) {
                    int m = to[ids[j]];
                    if (m >= 0) {
                        na.addOutOfOrder(m, sc[j]);
                    }
                }
            }
        }
        return graph.trySetNewEntryNode(to[saved.entryNode()], saved.levels()[saved.entryNode()]);
    }

    /** Ordinals below {@code size} that no saved node maps to (records new since the save), ascending. */
    static int[] unmatchedOrdinals(Saved saved, int size) {
        boolean[] covered = new boolean[size];
        for (int o : saved.toOrdinal()) {
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
