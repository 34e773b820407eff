package io.biomatch.core.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Ordinal <-> record id for one shard segment, with no Java object per record: id bytes (UTF-8) live
 * off-heap, appended; per ordinal a packed {@code long} (offset << 8 | length) and the id's hash; an
 * open-addressing {@code int[]} table (linear probing, ordinal + 1, 0 = empty, -1 = removed) maps id to
 * ordinal. Used by the owning shard thread only.
 *
 * <p>Id order everywhere in the engine is unsigned UTF-8 byte order ({@link #compareIds}).
 */
final class IdTable implements AutoCloseable {
    private static final int REMOVED = -1;

    private Arena arena = Arena.ofShared();
    private MemorySegment bytes = arena.allocate(4096, 8);
    private long bytesUsed;
    private long[] offsetAndLength = new long[1024];
    private int[] hashes = new int[1024];
    private int[] table = new int[2048];
    private int tableUsed; // occupied + removed entries

    static byte[] utf8(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    static int hash(byte[] id) {
        int h = 0x9E3779B9;
        for (byte b : id) {
            h = (h ^ b) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** Records the id of a new ordinal (which must not be present yet). */
    void put(int ordinal, byte[] id) {
        if (ordinal >= offsetAndLength.length) {
            int n = Math.max(ordinal + 1, offsetAndLength.length * 2);
            offsetAndLength = Arrays.copyOf(offsetAndLength, n);
            hashes = Arrays.copyOf(hashes, n);
        }
        ensureBytes(id.length);
        MemorySegment.copy(id, 0, bytes, ValueLayout.JAVA_BYTE, bytesUsed, id.length);
        offsetAndLength[ordinal] = (bytesUsed << 8) | id.length;
        bytesUsed += id.length;
        int h = hash(id);
        hashes[ordinal] = h;
        if ((tableUsed + 1) * 2 > table.length) {
            rehash();
        }
        insert(h, ordinal);
        tableUsed++;
    }

    /** The live ordinal of the id, or -1. */
    int find(byte[] id) {
        int mask = table.length - 1;
        for (int i = hash(id) & mask; ; i = (i + 1) & mask) {
            int e = table[i];
            if (e == 0) {
                return -1;
            }
            if (e != REMOVED && equalsId(e - 1, id)) {
                return e - 1;
            }
        }
    }

    /** Forgets the id of a live ordinal (its bytes stay until compaction). */
    void remove(int ordinal) {
        int mask = table.length - 1;
        for (int i = hashes[ordinal] & mask; ; i = (i + 1) & mask) {
            int e = table[i];
            if (e == 0) {
                return;
            }
            if (e == ordinal + 1) {
                table[i] = REMOVED;
                return;
            }
        }
    }

    String id(int ordinal) {
        long ol = offsetAndLength[ordinal];
        byte[] b = new byte[(int) (ol & 0xFF)];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, ol >>> 8, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Unsigned UTF-8 byte order of the ids of two ordinals. */
    int compareIds(int a, int b) {
        long oa = offsetAndLength[a];
        long ob = offsetAndLength[b];
        long la = oa & 0xFF;
        long lb = ob & 0xFF;
        long offA = oa >>> 8;
        long offB = ob >>> 8;
        long mismatch = MemorySegment.mismatch(bytes, offA, offA + la, bytes, offB, offB + lb);
        if (mismatch < 0) {
            return 0;
        }
        if (mismatch == la) {
            return -1;
        }
        if (mismatch == lb) {
            return 1;
        }
        int ba = bytes.get(ValueLayout.JAVA_BYTE, offA + mismatch) & 0xFF;
        int bb = bytes.get(ValueLayout.JAVA_BYTE, offB + mismatch) & 0xFF;
        return Integer.compare(ba, bb);
    }

    /**
     * Keeps only the ordinals with {@code oldToNew[o] >= 0}, renumbered (new ordinals may leave gaps);
     * {@code count} is the old ordinal high-water mark, {@code newCount} the new one.
     */
    void compact(int[] oldToNew, int count, int newCount) {
        Arena newArena = Arena.ofShared();
        long need = 0;
        for (int o = 0; o < count; o++) {
            if (oldToNew[o] >= 0) {
                need += offsetAndLength[o] & 0xFF;
            }
        }
        MemorySegment nb = newArena.allocate(Math.max(4096, need), 8);
        long[] nol = new long[Math.max(1024, newCount)];
        int[] nh = new int[nol.length];
        long used = 0;
        for (int o = 0; o < count; o++) {
            int n = oldToNew[o];
            if (n >= 0) {
                long ol = offsetAndLength[o];
                long len = ol & 0xFF;
                MemorySegment.copy(bytes, ol >>> 8, nb, used, len);
                nol[n] = (used << 8) | len;
                nh[n] = hashes[o];
                used += len;
            }
        }
        arena.close();
        arena = newArena;
        bytes = nb;
        bytesUsed = used;
        offsetAndLength = nol;
        hashes = nh;
        table = new int[Math.max(2048, Integer.highestOneBit(Math.max(1, newCount)) * 4)];
        tableUsed = 0;
        for (int o = 0; o < count; o++) {
            int n = oldToNew[o];
            if (n >= 0) {
                insert(hashes[n], n);
                tableUsed++;
            }
        }
    }

    long offHeapBytes() {
        return bytes.byteSize();
    }

    long heapBytes() {
        return offsetAndLength.length * 8L + hashes.length * 4L + table.length * 4L;
    }

    private boolean equalsId(int ordinal, byte[] id) {
        long ol = offsetAndLength[ordinal];
        if ((ol & 0xFF) != id.length) {
            return false;
        }
        return MemorySegment.mismatch(bytes, ol >>> 8, (ol >>> 8) + id.length,
                MemorySegment.ofArray(id), 0, id.length) < 0;
    }

    private void insert(int h, int ordinal) {
        int mask = table.length - 1;
        int i = h & mask;
        while (table[i] > 0) {
            i = (i + 1) & mask;
        }
        if (table[i] == REMOVED) {
            tableUsed--; // reusing a removed entry
        }
        table[i] = ordinal + 1;
    }

    /** Rebuilds the table without removed entries, sized for live load <= 1/4. */
    private void rehash() {
        int[] old = table;
        int live = 0;
        for (int e : old) {
            if (e > 0) {
                live++;
            }
        }
        int size = 2048;
        while (size < (live + 1) * 4) {
            size *= 2;
        }
        table = new int[size];
        tableUsed = 0;
        for (int e : old) {
            if (e > 0) {
                insert(hashes[e - 1], e - 1);
                tableUsed++;
            }
        }
    }

    private void ensureBytes(int more) {
        if (bytesUsed + more <= bytes.byteSize()) {
            return;
        }
        long n = Math.max(bytes.byteSize() * 2, bytesUsed + more);
        Arena na = Arena.ofShared();
        MemorySegment nb = na.allocate(n, 8);
        MemorySegment.copy(bytes, 0, nb, 0, bytesUsed);
        arena.close();
        arena = na;
        bytes = nb;
    }

    @Override
    public void close() {
        arena.close();
    }
}
