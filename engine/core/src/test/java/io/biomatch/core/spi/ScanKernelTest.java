package io.biomatch.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScanKernelTest {
    @Test
    void defaultScanOffersExactlyTheLiveOrdinalsOfTheRange() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ScanKernel<Object> kernel = (probe, slots, off) -> slots.get(ValueLayout.JAVA_INT, off);
        try (Arena arena = Arena.ofConfined()) {
            for (int round = 0; round < 300; round++) {
                int n = 1 + rnd.nextInt(700);
                MemorySegment slots = arena.allocate(4L * n, 8);
                long[] live = new long[Bits.words(n)];
                for (int i = 0; i < n; i++) {
                    slots.set(ValueLayout.JAVA_INT, 4L * i, i); // score = ordinal
                    if (rnd.nextInt(3) > 0) {
                        Bits.set(live, i);
                    }
                }
                int from = rnd.nextInt(n + 1);
                int to = from + rnd.nextInt(n - from + 1);
                TopK top = new TopK(Integer::compare);
                top.reset(n, Float.NEGATIVE_INFINITY);
                kernel.scan(null, slots, 4, live, from, to, top);
                int[] expected = java.util.stream.IntStream.range(from, to).filter(i -> Bits.get(live, i)).toArray();
                float[] s = new float[n];
                int[] o = new int[n];
                int got = top.drainBestFirst(s, o);
                int[] offered = Arrays.copyOf(o, got);
                Arrays.sort(offered);
                assertEquals(expected.length, got, "seed " + seed);
                assertArrayEquals(expected, offered, "seed " + seed + " range " + from + ".." + to);
            }
        }
    }
}
