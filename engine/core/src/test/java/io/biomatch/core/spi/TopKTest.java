package io.biomatch.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKTest {
    @Test
    void keepsTheSameSetAsAFullSortWithTiesBrokenByTheTieBreak() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(2000);
            int k = 1 + rnd.nextInt(50);
            float[] scores = new float[n];
            for (int i = 0; i < n; i++) {
                scores[i] = rnd.nextInt(20) - 10 + (rnd.nextBoolean() ? 0.5f : 0f); // many ties
            }
            // Tie-break: a fixed random permutation stands in for id order.
            int[] idRank = IntStream.range(0, n).toArray();
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = idRank[i];
                idRank[i] = idRank[j];
                idRank[j] = t;
            }
            float floor = rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : rnd.nextInt(10) - 5;
            TopK top = new TopK((a, b) -> Integer.compare(idRank[a], idRank[b]));
            top.reset(k, floor);
            for (int i = 0; i < n; i++) {
                top.offer(scores[i], i);
            }
            Integer[] ref = IntStream.range(0, n).filter(i -> scores[i] >= floor).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> idRank[i]))
                    .limit(k).toArray(Integer[]::new);
            float[] s = new float[k];
            int[] o = new int[k];
            int got = top.drainBestFirst(s, o);
            assertEquals(ref.length, got, "seed " + seed);
            assertArrayEquals(Arrays.stream(ref).mapToInt(Integer::intValue).toArray(), Arrays.copyOf(o, got),
                    "seed " + seed);
        }
    }

    @Test
    void dropsNaNAndKeepsNegativeScoresInOrder() {
        TopK top = new TopK(Integer::compare);
        top.reset(3, Float.NEGATIVE_INFINITY);
        top.offer(Float.NaN, 0);
        top.offer(-5f, 1);
        top.offer(-0.5f, 2);
        top.offer(-100f, 3);
        top.offer(Float.NaN, 4);
        top.offer(3f, 5);
        float[] s = new float[3];
        int[] o = new int[3];
        assertEquals(3, top.drainBestFirst(s, o));
        assertArrayEquals(new int[] {5, 2, 1}, o);
        assertArrayEquals(new float[] {3f, -0.5f, -5f}, s);
    }

    @Test
    void nextSetBitWalksOnlyTheRange() {
        long[] w = new long[4];
        for (int i : new int[] {0, 63, 64, 130, 255}) {
            Bits.set(w, i);
        }
        assertEquals(0, Bits.nextSetBit(w, 0, 256));
        assertEquals(63, Bits.nextSetBit(w, 1, 256));
        assertEquals(64, Bits.nextSetBit(w, 64, 256));
        assertEquals(130, Bits.nextSetBit(w, 65, 256));
        assertEquals(-1, Bits.nextSetBit(w, 131, 255));
        assertEquals(255, Bits.nextSetBit(w, 131, 256));
        assertEquals(-1, Bits.nextSetBit(w, 5, 5));
        assertEquals(5, Bits.cardinality(w));
    }
}
