package io.biomatch.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class GrowableMemoryTest {
    private static void fill(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i += 8) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i * 31 + 7);
        }
    }

    private static void check(MemorySegment s, long from, long to, String what) {
        for (long i = from; i < to; i += 8) {
            assertEquals(i * 31 + 7, s.get(ValueLayout.JAVA_LONG_UNALIGNED, i), what + " at " + i);
        }
    }

    @Test
    void growsInPlaceWithinTheReservationThenByCopying() {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        boolean off = !Boolean.parseBoolean(System.getProperty("biomatch.growInPlace", "true"));
        try (GrowableMemory m = GrowableMemory.reserve(4096, 1 << 20, 64)) {
            // in place wherever the mapping is available (Linux here), unless switched off
            assertEquals(linux && !off, m.inPlace(), GrowableMemory.status());
            MemorySegment first = m.segment();
            assertEquals(4096, first.byteSize());
            fill(first, 0, 4096);
            MemorySegment grown = m.ensure(256 << 10, 4096);
            assertEquals(256 << 10, grown.byteSize());
            check(grown, 0, 4096, "kept");
            for (long i = 4096; i < grown.byteSize(); i += 8) {
                assertEquals(0L, grown.get(ValueLayout.JAVA_LONG_UNALIGNED, i), "zero until written, at " + i);
            }
            if (m.inPlace()) {
                assertEquals(first.address(), grown.address(), "the same addresses: nothing copied");
                fill(grown, 0, 8192);
                check(first, 0, 4096, "an earlier view sees the same memory");
            }
            assertEquals(grown, m.ensure(1000, 1000), "long enough already");
            fill(grown, 0, grown.byteSize());
            // past the reservation: a new block, the kept prefix copied
            MemorySegment past = m.ensure(3 << 20, 100 << 10);
            assertEquals(3 << 20, past.byteSize());
            assertTrue(!m.inPlace(), "a fallback block after the reservation");
            check(past, 0, 100 << 10, "kept across the copy");
            assertEquals(0L, past.get(ValueLayout.JAVA_LONG_UNALIGNED, 200 << 10), "not kept: zero");
            MemorySegment more = m.ensure(8 << 20, 3 << 20);
            check(more, 0, 100 << 10, "kept across a second copy");
        }
        assertThrows(IllegalArgumentException.class, () -> GrowableMemory.reserve(10, 5, 64));
        assertThrows(IllegalArgumentException.class, () -> GrowableMemory.reserve(10, 20, 3));
    }
}
