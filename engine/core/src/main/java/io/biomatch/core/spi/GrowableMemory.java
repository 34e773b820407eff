package io.biomatch.core.spi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Off-heap memory that grows in place: {@link #ensure} hands out a longer view of the same addresses, so growing
 * copies nothing and every earlier view stays valid. Why: the segments and planes of a shard grew by doubling
 * (allocate and zero twice the size, copy, free); at 500,000 faces per shard one doubling of the slots allocated
 * 2 GiB and copied 1 GiB inside an enrolment (~0.9 s here for the allocation alone), and the enrolment benchmark at
 * 1,000,000 faces saw a 6 s wait.
 *
 * <p>On Linux (x86-64, aarch64) the memory is one anonymous private mapping of {@code reserveBytes}, made with
 * {@code MAP_NORESERVE}: address space only, each page committed (and zeroed) by the kernel when first touched,
 * so an unused reservation costs no memory. Past the reservation, or where the mapping is unavailable (another OS,
 * native access denied, {@code -Dbiomatch.growInPlace=false}, the mapping refused), it falls back to allocating a
 * larger block and copying, as before. Contents are zero until written either way.
 *
 * <p>Owned by one thread (the shard's worker); {@link #close} frees everything, after which no view may be used.
 */
public final class GrowableMemory implements AutoCloseable {
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final String STATUS;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        String status;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!Boolean.parseBoolean(System.getProperty("biomatch.growInPlace", "true"))) {
            status = "off (-Dbiomatch.growInPlace=false)";
        } else if (!os.startsWith("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            status = "unavailable on " + os + "/" + arch;
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                status = "on (mmap MAP_NORESERVE)";
            } catch (Throwable t) {
                mmap = null;
                munmap = null;
                status = "unavailable: " + t;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        STATUS = status;
    }

    private final long alignment;
    /** Where the current memory lives: the mapping's or the last fallback block's. */
    private Arena arena;
    /** All of the current memory; {@link #ensure} returns a prefix. */
    private MemorySegment all;
    private MemorySegment view;
    private boolean mapped;

    private GrowableMemory(long alignment) {
        this.alignment = alignment;
    }

    /**
     * Memory of at least {@code initialBytes}, growable in place up to {@code reserveBytes} (address space, not
     * memory, where mapping is available), aligned to {@code alignment} (at most a page: 4,096).
     */
    public static GrowableMemory reserve(long initialBytes, long reserveBytes, long alignment) {
        if (initialBytes < 0 || reserveBytes < initialBytes || alignment < 1 || alignment > 4096
                || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("initial " + initialBytes + ", reserve " + reserveBytes + ", alignment "
                    + alignment);
        }
        GrowableMemory m = new GrowableMemory(alignment);
        if (!m.tryMap(Math.max(reserveBytes, 4096))) {
            m.allocate(Math.max(initialBytes, 64), 0);
        }
        m.view = m.all.asSlice(0, initialBytes);
        return m;
    }

    /** How growth works in this JVM: in place (mapped) or by copying, and why. */
    public static String status() {
        return STATUS;
    }

    /** Whether this memory grows in place (a mapping) rather than by copying. */
    public boolean inPlace() {
        return mapped;
    }

    /** The current memory ({@link #ensure}'s last answer). */
    public MemorySegment segment() {
        return view;
    }

    /**
     * A view of {@code bytes} (the current one when it is long enough), the first {@code keepBytes} of the current
     * one's contents kept. Within the reservation: the same addresses, longer (nothing copied, earlier views still
     * valid). Beyond it: a new block of {@code bytes}, {@code keepBytes} copied, the old memory freed (earlier views
     * invalid). Callers choose the growth policy (doubling, as before).
     */
    public MemorySegment ensure(long bytes, long keepBytes) {
        if (bytes <= view.byteSize()) {
            return view;
        }
        if (bytes <= all.byteSize()) {
            view = all.asSlice(0, bytes);
            return view;
        }
        allocate(bytes, Math.min(keepBytes, view.byteSize()));
        view = all;
        return view;
    }

    private void allocate(long bytes, long keepBytes) {
        Arena na = Arena.ofShared();
        MemorySegment block = na.allocate(bytes, alignment);
        if (all != null) {
            MemorySegment.copy(all, 0, block, 0, keepBytes);
            arena.close();
        }
        arena = na;
        all = block;
        mapped = false;
    }

    private boolean tryMap(long bytes) {
        if (MMAP == null) {
            return false;
        }
        final int protRead = 1, protWrite = 2, mapPrivate = 0x02, mapAnonymous = 0x20, mapNoReserve = 0x4000; // Linux
        long address;
        try {
            address = (long) MMAP.invokeExact(0L, bytes, protRead | protWrite, mapPrivate | mapAnonymous | mapNoReserve,
                    -1, 0L);
        } catch (Throwable t) {
            return false;
        }
        if (address == -1L || address == 0L) {
            return false; // refused (strict overcommit, address-space limit): copy on growth instead
        }
        Arena na = Arena.ofShared();
        all = MemorySegment.ofAddress(address).reinterpret(bytes, na, s -> unmap(s.address(), bytes));
        arena = na;
        mapped = true;
        return true;
    }

    private static void unmap(long address, long bytes) {
        try {
            int rc = (int) MUNMAP.invokeExact(address, bytes);
            assert rc == 0 : "munmap failed";
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    /** Off-heap bytes this memory holds: the view's length (a mapping commits only the pages touched). */
    public long byteSize() {
        return view.byteSize();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
