package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Matching a saved graph's nodes to the re-added records by vector hash, against a plain map of queues. */
class HnswGraphFileMatchTest {
    @Test
    void equalVectorsAreTakenInAscendingOrderAndAFileMostlyGoneIsRefused() {
        Random rnd = new Random(3);
        int used = 0;
        int refused = 0;
        for (int round = 0; round < 400; round++) {
            int size = rnd.nextInt(3000);
            int count = 1 + rnd.nextInt(3000);
            // a few distinct vectors in some rounds (many equal hashes), all distinct in others
            long[] pool = new long[1 + (round % 2 == 0 ? rnd.nextInt(50) : 5000)];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = rnd.nextLong();
            }
            long[] hashes = new long[size];
            for (int o = 0; o < size; o++) {
                hashes[o] = pool[rnd.nextInt(pool.length)];
            }
            double kept = 0.8 + 0.2 * rnd.nextDouble(); // share of saved nodes still among the records
            long[] file = new long[count];
            for (int i = 0; i < count; i++) {
                file[i] = size > 0 && rnd.nextDouble() < kept ? hashes[rnd.nextInt(size)] : rnd.nextLong();
            }
            int entry = rnd.nextInt(count);
            Map<Long, ArrayDeque<Integer>> left = new HashMap<>();
            for (int o = 0; o < size; o++) {
                left.computeIfAbsent(hashes[o], h -> new ArrayDeque<>()).add(o);
            }
            int[] want = new int[count];
            int matched = 0;
            for (int i = 0; i < count; i++) {
                ArrayDeque<Integer> q = left.get(file[i]);
                want[i] = q == null || q.isEmpty() ? -1 : q.poll();
                matched += want[i] >= 0 ? 1 : 0;
            }
            boolean usable = want[entry] >= 0 && matched * 100L >= (long) HnswGraphFile.MIN_MATCH_PERCENT * count;
            int[] got = HnswGraphFile.match(i -> file[i], count, entry, hashes, size);
            if (usable) {
                assertArrayEquals(want, got, "round " + round);
                used++;
            } else {
                assertNull(got, "round " + round + ": " + matched + " of " + count + " matched");
                refused++;
            }
        }
        assertTrue(used > 50 && refused > 50, "both outcomes exercised: used " + used + ", refused " + refused);
    }
}
