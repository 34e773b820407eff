package io.biomatch.core.spi;

/** Bit-set helpers over {@code long[]} words (bit i lives in word i >>> 6), used for live/filter sets. */
public final class Bits {
    private Bits() {
    }

    public static int words(int bits) {
        return (bits + 63) >>> 6;
    }

    public static boolean get(long[] words, int i) {
        return (words[i >>> 6] & (1L << i)) != 0;
    }

    public static void set(long[] words, int i) {
        words[i >>> 6] |= 1L << i;
    }

    public static void clear(long[] words, int i) {
        words[i >>> 6] &= ~(1L << i);
    }

    /** The first set bit at or after {@code from} and before {@code to}, or -1. */
    public static int nextSetBit(long[] words, int from, int to) {
        if (from >= to) {
            return -1;
        }
        int w = from >>> 6;
        long word = words[w] & (-1L << from);
        int lastWord = (to - 1) >>> 6;
        while (true) {
            if (word != 0) {
                int bit = (w << 6) + Long.numberOfTrailingZeros(word);
                return bit < to ? bit : -1;
            }
            if (++w > lastWord) {
                return -1;
            }
            word = words[w];
        }
    }

    public static int cardinality(long[] words) {
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }
}
