package io.biomatch.core.internal;

import io.biomatch.core.EngineException;
import java.util.Locale;

/**
 * The engine's floor of free memory ({@code EngineConfig.minFreeMemoryBytes}) over {@link MemoryHeadroom}: what may
 * still take memory. Enrolments need the headroom at or above the floor; a compaction, which copies a segment's live
 * slots before it frees the old ones, needs the headroom less that copy at or above it. A floor of 0 turns the checks
 * off. Thread-safe.
 */
public final class MemoryFloor {
    private final MemoryHeadroom headroom;
    private final long floorBytes;

    public MemoryFloor(MemoryHeadroom headroom, long floorBytes) {
        this.headroom = headroom;
        this.floorBytes = floorBytes;
    }

    /** True when {@code bytes} more can be taken and the floor still kept (always with the floor off). */
    public boolean allows(long bytes) {
        return floorBytes == 0 || headroom.availableBytes() - bytes >= floorBytes;
    }

    /** MEMORY_EXHAUSTED unless {@code bytes} more can be taken above the floor; {@code what} opens the message. */
    public void require(long bytes, String what) {
        if (floorBytes == 0) {
            return;
        }
        long available = headroom.availableBytes();
        if (available - bytes < floorBytes) {
            throw new EngineException(EngineException.Reason.MEMORY_EXHAUSTED, String.format(Locale.ROOT,
                    "%s refused: this process can take %,d MiB more memory%s, under the floor of %,d MiB"
                            + " (serve --min-free-memory-mb); free memory or give the machine more, then retry"
                            + " (searches and deletes go on)", what, Math.max(0, available) >> 20,
                    bytes == 0 ? "" : String.format(Locale.ROOT, " and would need %,d MiB of it", ceilMiB(bytes)),
                    floorBytes >> 20));
        }
    }

    /** Bytes in MiB, rounded up (a message never says 0 MiB for a copy that takes memory). */
    public static long ceilMiB(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
