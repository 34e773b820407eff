package io.biomatch.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The prefetch stub runs where it can be made, never faults, and changes no data; elsewhere it is a no-op. */
class CachePrefetchTest {
    private static boolean linuxX86() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    @Test
    void stubPrefetchesRealAndUnmappedAddressesWithoutFaultOrChange() throws Throwable {
        MethodHandle prefetch = CachePrefetch.lines(0, 64, 128, 4032, Integer.MAX_VALUE - 63);
        if (linuxX86()) {
            // the build machines are Linux x86-64: there the stub must really be made, not silently dropped
            assertTrue(CachePrefetch.status().startsWith("on"), CachePrefetch.status());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(8192, 64);
            for (long i = 0; i < 8192; i += 8) {
                data.set(ValueLayout.JAVA_LONG, i, i * 31);
            }
            for (long at = 0; at < 8192; at += 512) {
                prefetch.invokeExact(data.address() + at);
            }
            prefetch.invokeExact(0L);           // page zero: never mapped
            prefetch.invokeExact(-4096L);       // kernel space
            for (long i = 0; i < 8192; i += 8) {
                assertEquals(i * 31, data.get(ValueLayout.JAVA_LONG, i));
            }
        }
    }

    @Test
    void switchedOffGivesANoOpHandle() throws Throwable {
        String before = System.getProperty("biomatch.prefetch");
        System.setProperty("biomatch.prefetch", "false");
        try {
            MethodHandle prefetch = CachePrefetch.lines(0);
            assertTrue(CachePrefetch.status().startsWith("off"), CachePrefetch.status());
            prefetch.invokeExact(0L);
        } finally {
            if (before == null) {
                System.clearProperty("biomatch.prefetch");
            } else {
                System.setProperty("biomatch.prefetch", before);
            }
        }
    }

    @Test
    void badOffsetsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CachePrefetch.lines(-64));
        assertThrows(IllegalArgumentException.class, () -> CachePrefetch.lines(new int[CachePrefetch.MAX_LINES + 1]));
    }
}
