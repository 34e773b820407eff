package io.biomatch.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * How much memory this process can still take before the kernel's OOM killer ends it: the smaller of the machine's
 * {@code MemAvailable} ({@code /proc/meminfo}) and its memory cgroup's room (limit less usage, the file cache
 * counted as free as the kernel reclaims it before it kills; cgroup v2 or v1). Why: a shard's planes and segments grow
 * in reserved address space ({@code MAP_NORESERVE}, {@link io.biomatch.core.spi.GrowableMemory}), whose pages are
 * committed as they are first written, so a machine that runs out meets the OOM killer, not an
 * {@code OutOfMemoryError} the engine could answer. The engine refuses enrolments (and compactions) below a floor
 * instead ({@code EngineConfig.minFreeMemoryBytes}, {@link MemoryFloor}); searches and deletes go on.
 *
 * <p>Read at most every {@link #REFRESH_NANOS} (a few tens of microseconds per read); {@link Long#MAX_VALUE} where
 * nothing can be read (not Linux). Thread-safe.
 */
public final class MemoryHeadroom {
    /** 100 ms: enrolments come thousands a second; memory does not run out that fast between two reads. */
    static final long REFRESH_NANOS = 100_000_000L;
    /** A cgroup limit this large is "max" written as a number (v1 writes 2^63 rounded down to a page). */
    private static final long UNLIMITED = 1L << 60;

    private final Function<Path, String> reader;
    private volatile long value;
    private volatile long readAt;
    private volatile boolean read;

    /** Reads the real files. */
    public MemoryHeadroom() {
        this(MemoryHeadroom::readOrNull);
    }

    /** Reads through {@code reader} (path -> content, or null when absent): tests give it a machine's files. */
    MemoryHeadroom(Function<Path, String> reader) {
        this.reader = reader;
    }

    /** Bytes this process can still take (cached up to {@link #REFRESH_NANOS}). */
    public long availableBytes() {
        long now = System.nanoTime();
        if (!read || now - readAt >= REFRESH_NANOS) {
            value = measure();
            readAt = now;
            read = true;
        }
        return value;
    }

    /** Reads the files now. */
    long measure() {
        long available = Long.MAX_VALUE;
        String meminfo = reader.apply(Path.of("/proc/meminfo"));
        if (meminfo != null) {
            long kb = field(meminfo, "MemAvailable:");
            if (kb >= 0) {
                available = kb * 1024;
            }
        }
        String cgroups = reader.apply(Path.of("/proc/self/cgroup"));
        return Math.min(available, cgroupRoom(cgroups));
    }

    /** Limit less usage of this process's memory cgroup (v2, else v1), or {@link Long#MAX_VALUE} when unlimited. */
    private long cgroupRoom(String cgroups) {
        String v2 = null;
        String v1 = null;
        if (cgroups != null) {
            for (String line : cgroups.split("\n")) {
                String[] parts = line.split(":", 3);
                if (parts.length < 3) {
                    continue;
                }
                if (parts[0].equals("0") && parts[1].isEmpty()) {
                    v2 = parts[2].strip();
                } else if (("," + parts[1] + ",").contains(",memory,")) {
                    v1 = parts[2].strip();
                }
            }
        }
        if (v2 != null) {
            long room = room(Path.of("/sys/fs/cgroup" + v2), Path.of("/sys/fs/cgroup"), "memory.max",
                    "memory.current", "");
            if (room != Long.MIN_VALUE) {
                return room;
            }
        }
        Path v1Root = Path.of("/sys/fs/cgroup/memory");
        long room = room(v1 == null ? v1Root : Path.of(v1Root + v1), v1Root, "memory.limit_in_bytes",
                "memory.usage_in_bytes", "total_");
        return room == Long.MIN_VALUE ? Long.MAX_VALUE : room;
    }

    /**
     * {@code limit - (usage - file cache)} from the files in {@code dir} (else {@code root}: a container sees its
     * own cgroup at the root): the file pages on the LRU lists ({@code memory.stat}'s {@code inactive_file} and
     * {@code active_file}, with {@code statPrefix}) are what the kernel reclaims before it kills, as
     * {@code MemAvailable} counts them. (Counting the inactive ones only refused enrolments at 3,139 faces in a
     * 600 MiB cgroup whose process had 218 MB resident: the record store's mapped file is active cache.)
     * {@link Long#MAX_VALUE} when unlimited; {@link Long#MIN_VALUE} when unreadable.
     */
    private long room(Path dir, Path root, String limitFile, String usageFile, String statPrefix) {
        for (Path d : dir.equals(root) ? new Path[] {dir} : new Path[] {dir, root}) {
            String limit = reader.apply(d.resolve(limitFile));
            String usage = reader.apply(d.resolve(usageFile));
            if (limit == null || usage == null) {
                continue;
            }
            limit = limit.strip();
            if (limit.equals("max")) {
                return Long.MAX_VALUE;
            }
            try {
                long l = Long.parseLong(limit);
                if (l >= UNLIMITED) {
                    return Long.MAX_VALUE;
                }
                long used = Long.parseLong(usage.strip());
                String stat = reader.apply(d.resolve("memory.stat"));
                long cache = stat == null ? 0 : Math.max(0, field(stat, statPrefix + "inactive_file"))
                        + Math.max(0, field(stat, statPrefix + "active_file"));
                return l - Math.max(0, used - cache);
            } catch (NumberFormatException e) {
                // not what the kernel writes: try the next place
            }
        }
        return Long.MIN_VALUE;
    }

    /** The number after {@code name} on the line that starts with it (first word), or -1. */
    static long field(String text, String name) {
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals(name)) {
                try {
                    return Long.parseLong(words[1]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String readOrNull(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
