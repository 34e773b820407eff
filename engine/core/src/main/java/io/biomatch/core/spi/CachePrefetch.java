package io.biomatch.core.spi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;

/**
 * Software prefetch for scan kernels: a handle of type {@code (long address)void} that asks the CPU to bring
 * a fixed set of cache lines at {@code address + offset} into cache, without waiting for them.
 *
 * <p>Why: a kernel that reads a few dozen scattered lines of each slot and then computes on them for hundreds
 * of nanoseconds leaves the hardware prefetcher little to follow, and a plain Java load used as a prefetch
 * stalls retirement until the line arrives. Java has no prefetch instruction, so on Linux x86-64 this class
 * writes a small leaf function of {@code PREFETCHT0} instructions (7 bytes each, then {@code RET}) into a page
 * of its own ({@code mmap} read-write, then {@code mprotect} read-execute) and calls it through a critical
 * (no thread-state transition) FFM downcall. A prefetch never faults, not even on an unmapped address, and
 * changes no result: only when data arrives.
 *
 * <p>Anywhere else (another OS or CPU, native access denied, {@code -Dbiomatch.prefetch=false}, any failure
 * while making the stub) the handle does nothing; {@link #status()} says which. Needs
 * {@code --enable-native-access=ALL-UNNAMED} (in the JVM flags the launcher and the build use) to run without
 * the JDK's restricted-method warning.
 */
public final class CachePrefetch {
    private static final MethodHandle NO_OP = MethodHandles.empty(MethodType.methodType(void.class, long.class));
    private static final int PAGE = 4096;
    private static final int PREFETCH_BYTES = 7; // 0F 18 8F disp32: prefetcht0 [rdi + disp32]
    /** Most lines one stub can prefetch (one page of code). */
    public static final int MAX_LINES = (PAGE - 1) / PREFETCH_BYTES;

    private static volatile String status = "not used yet";

    private CachePrefetch() {
    }

    /**
     * A handle {@code (long address)void} prefetching the cache lines that hold {@code address + offset} for
     * each offset (bytes, 0 ≤ offset &lt; 2^31). Keep it in a {@code static final} field: C2 then inlines the
     * call. Returns a no-op handle where prefetch is unavailable (see the class comment).
     */
    public static MethodHandle lines(int... byteOffsets) {
        if (byteOffsets.length > MAX_LINES) {
            throw new IllegalArgumentException("at most " + MAX_LINES + " lines per stub, got " + byteOffsets.length);
        }
        for (int offset : byteOffsets) {
            if (offset < 0) {
                throw new IllegalArgumentException("negative offset " + offset);
            }
        }
        if (!Boolean.parseBoolean(System.getProperty("biomatch.prefetch", "true"))) {
            status = "off (-Dbiomatch.prefetch=false)";
            return NO_OP;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            status = "unavailable on " + os + "/" + arch;
            return NO_OP;
        }
        try {
            MethodHandle stub = x86Stub(byteOffsets);
            status = "on (x86-64 PREFETCHT0 stub)";
            return stub;
        } catch (Throwable t) { // native access denied, mmap refused (e.g. no executable mappings), ...
            status = "unavailable: " + t;
            return NO_OP;
        }
    }

    /** What the last {@link #lines} call gave: on, off or unavailable, and why. */
    public static String status() {
        return status;
    }

    private static MethodHandle x86Stub(int[] byteOffsets) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MethodHandle mprotect = linker.downcallHandle(linker.defaultLookup().find("mprotect").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
        final int protRead = 1, protWrite = 2, protExec = 4, mapPrivate = 0x02, mapAnonymous = 0x20; // Linux
        long address = (long) mmap.invokeExact(0L, (long) PAGE, protRead | protWrite, mapPrivate | mapAnonymous,
                -1, 0L);
        if (address == -1L || address == 0L) {
            throw new IllegalStateException("mmap of one page failed");
        }
        MemorySegment code = MemorySegment.ofAddress(address).reinterpret(PAGE);
        long at = 0;
        for (int offset : byteOffsets) {
            code.set(ValueLayout.JAVA_BYTE, at, (byte) 0x0F);
            code.set(ValueLayout.JAVA_BYTE, at + 1, (byte) 0x18);
            code.set(ValueLayout.JAVA_BYTE, at + 2, (byte) 0x8F); // ModRM: mod 10 (disp32), /1 (T0), rm 111 (rdi)
            code.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at + 3, offset);
            at += PREFETCH_BYTES;
        }
        code.set(ValueLayout.JAVA_BYTE, at, (byte) 0xC3); // ret
        int rc = (int) mprotect.invokeExact(address, (long) PAGE, protRead | protExec);
        if (rc != 0) {
            throw new IllegalStateException("mprotect to read-execute failed");
        }
        // the page stays mapped for the life of the JVM: the handle may be called until then
        return linker.downcallHandle(code, FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG),
                Linker.Option.critical(false));
    }
}
