package io.biomatch.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The headroom read from a machine's files: meminfo, cgroup v2 and v1, limits set or not, and caching. */
class MemoryHeadroomTest {
    private static final String MEMINFO = "MemTotal:       24684132 kB\nMemFree:        20000000 kB\n"
            + "MemAvailable:    2000000 kB\nBuffers:           12345 kB\n";

    private static MemoryHeadroom machine(Map<String, String> files) {
        return new MemoryHeadroom(p -> files.get(p.toString()));
    }

    @Test
    void machineAvailableMemoryWhenNoCgroupLimits() {
        Map<String, String> f = new HashMap<>();
        f.put("/proc/meminfo", MEMINFO);
        assertEquals(2_000_000L * 1024, machine(f).measure());
        // v2 at "max", v1 at its "no limit" number: still the machine's
        f.put("/proc/self/cgroup", "0::/\n");
        f.put("/sys/fs/cgroup/memory.max", "max\n");
        f.put("/sys/fs/cgroup/memory.current", "123\n");
        assertEquals(2_000_000L * 1024, machine(f).measure());
        f.clear();
        f.put("/proc/meminfo", MEMINFO);
        f.put("/proc/self/cgroup", "4:memory:/process_api/x\n0::/\n");
        f.put("/sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "9223372036854771712\n");
        f.put("/sys/fs/cgroup/memory/process_api/x/memory.usage_in_bytes", "215015424\n");
        assertEquals(2_000_000L * 1024, machine(f).measure());
    }

    @Test
    void cgroupV2RoomCountsFileCacheAsFree() {
        Map<String, String> f = new HashMap<>();
        f.put("/proc/meminfo", MEMINFO);
        f.put("/proc/self/cgroup", "0::/job/a\n");
        f.put("/sys/fs/cgroup/job/a/memory.max", "1073741824\n");
        f.put("/sys/fs/cgroup/job/a/memory.current", "900000000\n");
        f.put("/sys/fs/cgroup/job/a/memory.stat", "anon 700000000\nfile 200000000\ninactive_file 100000000\n"
                + "active_file 60000000\n");
        assertEquals(1_073_741_824L - 740_000_000L, machine(f).measure());
        // a limit above the machine's available memory: the machine's
        f.put("/sys/fs/cgroup/job/a/memory.max", "1099511627776\n");
        assertEquals(2_000_000L * 1024, machine(f).measure());
    }

    @Test
    void cgroupV1RoomAndAContainerThatSeesItsCgroupAtTheRoot() {
        Map<String, String> f = new HashMap<>();
        f.put("/proc/meminfo", MEMINFO);
        f.put("/proc/self/cgroup", "9:cpu,cpuacct:/docker/c1\n4:memory:/docker/c1\n");
        // inside the container only the root files exist
        f.put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n");
        f.put("/sys/fs/cgroup/memory/memory.usage_in_bytes", "500000000\n");
        // the hierarchical total_ fields (v1), not the cgroup's own
        f.put("/sys/fs/cgroup/memory/memory.stat", "cache 1\ninactive_file 1\nactive_file 2\ntotal_inactive_file 50000000\n"
                + "total_active_file 30000000\n");
        assertEquals(536_870_912L - 420_000_000L, machine(f).measure());
        // usage over the limit (cache not yet reclaimed) reads as no room, not as a wrap-around
        f.put("/sys/fs/cgroup/memory/memory.usage_in_bytes", "700000000\n");
        f.put("/sys/fs/cgroup/memory/memory.stat", "total_inactive_file 0\ntotal_active_file 0\n");
        assertTrue(machine(f).measure() < 0);
    }

    @Test
    void nothingReadableMeansNoLimitKnown() {
        assertEquals(Long.MAX_VALUE, machine(Map.of()).measure());
        assertEquals(Long.MAX_VALUE, machine(Map.of("/proc/meminfo", "garbage\n", "/proc/self/cgroup", "::\n")).measure());
    }

    @Test
    void readsAreCachedBetweenRefreshes() {
        AtomicInteger reads = new AtomicInteger();
        MemoryHeadroom h = new MemoryHeadroom(p -> {
            if (p.equals(Path.of("/proc/meminfo"))) {
                reads.incrementAndGet();
                return MEMINFO;
            }
            return null;
        });
        assertEquals(h.availableBytes(), h.availableBytes());
        assertEquals(1, reads.get(), "two calls within " + MemoryHeadroom.REFRESH_NANOS + " ns read once");
    }

    @Test
    void thisMachineReportsSomething() {
        long bytes = new MemoryHeadroom().availableBytes();
        assertTrue(bytes > 0, "available " + bytes);
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            assertTrue(bytes < Long.MAX_VALUE, "read from /proc/meminfo");
        }
    }
}
