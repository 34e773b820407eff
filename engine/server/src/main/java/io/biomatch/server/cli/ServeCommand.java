package io.biomatch.server.cli;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.server.BiomatchServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the engine behind its gRPC front (biomatch.v1, health, reflection).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "biomatch-data", description = "data directory (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "7300", description = "port; 0 = any free port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--port-file", description = "write the bound port to this file once serving")
    Path portFile;

    @Option(names = "--shards", description = "shards, one worker thread each (default: available processors)")
    Integer shards;

    /**
     * Past about 10^9 Chronicle's segment arithmetic overflows ("segments should be positive" at Long.MAX_VALUE),
     * and the store file it sizes from this would not fit a disk anyway.
     */
    static final long MAX_RECORDS = 1_000_000_000L;
    /** Well above any template or stored payload (the default payload limit is 16 MiB). */
    static final int MAX_AVG_RECORD_BYTES = 16 << 20;
    /**
     * The store is one file that Chronicle allocates up front at about records x average size: past 16 TiB (ext4's
     * largest file) it fails with "File too large"; below, a disk without room says so ("Not enough space").
     */
    static final long MAX_STORE_PLAN_BYTES = 1L << 44;

    @Option(names = "--max-records", defaultValue = "1000000", description = "planned records, 1..1000000000, sizes the store and the address space the shards reserve to grow without copying; the store file takes about records x average size on disk, at most 16 TiB (default: ${DEFAULT-VALUE})")
    long maxRecords;

    @Option(names = "--avg-record-bytes", defaultValue = "4096", description = "planned average record size, 1..16777216 (default: ${DEFAULT-VALUE})")
    int avgRecordBytes;

    @Option(names = "--max-payload-bytes", defaultValue = "16777216", description = "largest accepted payload (default: ${DEFAULT-VALUE})")
    int maxPayloadBytes;

    @Option(names = "--index-slice-us", defaultValue = "" + EngineConfig.DEFAULT_INDEX_SLICE_MICROS,
            description = "budget of one slice of a shard's deferred index work (face graph inserts), run between"
                    + " requests, in microseconds, " + EngineConfig.MIN_INDEX_SLICE_MICROS + ".."
                    + EngineConfig.MAX_INDEX_SLICE_MICROS + "; a request ends an idle shard's slice at its next"
                    + " step, and a busy shard runs a whole one every five slices' time: smaller gives lower latency"
                    + " behind those and a slower catch-up under load (default: ${DEFAULT-VALUE})")
    int indexSliceMicros;

    @Option(names = "--min-free-memory-mb", defaultValue = "" + (EngineConfig.DEFAULT_MIN_FREE_MEMORY_BYTES >> 20),
            description = "enrolments are refused (RESOURCE_EXHAUSTED) while this process can take less memory than"
                    + " this, in MiB: the machine's available memory, or its memory cgroup's room when smaller;"
                    + " searches and deletes go on, so that the process refuses work before the kernel's OOM killer"
                    + " ends it; a compaction waits until its copy of the live slots fits above it."
                    + " 0: no check (default: ${DEFAULT-VALUE})")
    long minFreeMemoryMb;

    /**
     * The address to bind, checked before the engine opens its data folder. Port 0 asks the system for any free
     * port (the bound one goes to stdout and {@code --port-file}).
     */
    static InetSocketAddress listenAddress(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new BiomatchCli.CliException(2, "--port must be 0..65535 (0 = any free port): " + port);
        }
        if (host == null || host.isBlank()) {
            throw new BiomatchCli.CliException(2, "--host must not be empty");
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new BiomatchCli.CliException(2, "cannot listen on " + host + ":" + port + ": unknown host");
        }
        return a;
    }

    /** Checked up front: Chronicle's own failures for these say neither which option nor what range. */
    static void checkStore(Path data, long maxRecords, int avgRecordBytes) {
        if (maxRecords < 1 || maxRecords > MAX_RECORDS) {
            throw new BiomatchCli.CliException(2, "--max-records must be 1.." + MAX_RECORDS + ": " + maxRecords);
        }
        if (avgRecordBytes < 1 || avgRecordBytes > MAX_AVG_RECORD_BYTES) {
            throw new BiomatchCli.CliException(2, "--avg-record-bytes must be 1.." + MAX_AVG_RECORD_BYTES + ": "
                    + avgRecordBytes);
        }
        if (maxRecords * avgRecordBytes > MAX_STORE_PLAN_BYTES) { // both bounded above: no overflow
            throw new BiomatchCli.CliException(2, "--max-records x --avg-record-bytes must be at most "
                    + MAX_STORE_PLAN_BYTES + " (16 TiB, the store's file): " + maxRecords + " x " + avgRecordBytes);
        }
        if (Files.exists(data) && !Files.isDirectory(data)) {
            throw new BiomatchCli.CliException(2, "--data must be a directory: " + data + " is a file");
        }
    }

    /** Checked before the engine opens anything: the port is written once serving, too late to fail cleanly. */
    static void checkPortFile(Path portFile) {
        if (portFile == null) {
            return;
        }
        if (Files.isDirectory(portFile)) {
            throw new BiomatchCli.CliException(2, "--port-file " + portFile + " is a directory");
        }
        Path dir = portFile.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BiomatchCli.CliException(2, "cannot write --port-file " + portFile + ": no such directory "
                    + dir);
        }
        if (!Files.isWritable(dir)) {
            throw new BiomatchCli.CliException(2, "cannot write --port-file " + portFile + ": directory " + dir
                    + " is not writable");
        }
    }

    /** The operating system's reason, e.g. "address already in use", from Netty's wrapped bind failure. */
    static String bindReason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.toString() : root.getMessage();
        // Netty's native transport says "bind(..) failed with error(-98): Address already in use"
        int colon = m.lastIndexOf(": ");
        if (colon >= 0) {
            m = m.substring(colon + 2);
        }
        return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    /** FileSystemException's message is often only the path: say what went wrong instead. */
    private static String reason(java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    @Override
    public Integer call() throws Exception {
        checkPortFile(portFile);
        checkStore(data, maxRecords, avgRecordBytes);
        EngineConfig cfg = EngineConfig.defaults(data).withCapacity(maxRecords, avgRecordBytes)
                .withMaxPayloadBytes(maxPayloadBytes).withIndexSliceMicros(indexSliceMicros);
        if (minFreeMemoryMb < 0 || minFreeMemoryMb > Long.MAX_VALUE >> 20) {
            throw new IllegalArgumentException("--min-free-memory-mb must be 0.." + (Long.MAX_VALUE >> 20) + ": "
                    + minFreeMemoryMb);
        }
        cfg = cfg.withMinFreeMemoryBytes(minFreeMemoryMb << 20);
        if (shards != null) {
            cfg = cfg.withShards(shards);
        }
        InetSocketAddress address = listenAddress(host, port);
        Engine engine = Engine.open(cfg, Engine.discoverModalities());
        BiomatchServer server;
        try {
            server = BiomatchServer.start(engine, NettyServerBuilder.forAddress(address));
        } catch (RuntimeException e) {
            // the record store is open: close it, or the next start runs Chronicle's recovery pass
            engine.close();
            if (e instanceof java.io.UncheckedIOException) {
                throw new BiomatchCli.CliException(2, "cannot listen on " + host + ":" + port + ": " + bindReason(e));
            }
            throw e;
        }
        if (portFile != null) {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            try {
                Files.writeString(tmp, Integer.toString(server.port()));
                Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (java.io.IOException e) {
                // checked up front, but the folder can go or turn read-only meanwhile: stop cleanly all the same
                // (before the shutdown hook exists, so nothing closes twice)
                server.close();
                engine.close();
                try {
                    Files.deleteIfExists(tmp);
                } catch (java.io.IOException ignored) {
                    // the message below is the one that matters
                }
                throw new BiomatchCli.CliException(2, "cannot write --port-file " + portFile + ": " + reason(e));
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "biomatch-shutdown"));
        System.out.printf("biomatch serving on %s:%d (data %s, %d shards, modalities %s, %d records)%n", host,
                server.port(), data.toAbsolutePath(), cfg.shards(), engine.modalityNames(),
                engine.stats().storedRecords());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
