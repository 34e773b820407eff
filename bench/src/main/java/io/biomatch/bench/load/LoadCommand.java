package io.biomatch.bench.load;

import com.google.gson.GsonBuilder;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.IdentifyResponse;
import io.biomatch.server.grpc.v1.StatsRequest;
import io.biomatch.server.grpc.v1.StatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load through the real front: starts a {@code biomatch serve} process (or targets {@code --server}),
 * bulk-enrols seeded records, then runs Identify from C concurrent gRPC clients (closed loop: each client
 * sends its next probe when the last answer arrives, so concurrency stays at C) for T seconds.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Enrol N seeded records, then identify with C concurrent gRPC clients for T seconds.")
public final class LoadCommand implements Callable<Integer> {
    @Option(names = {"-m", "--modality"}, defaultValue = "face", description = "face or dna (default: ${DEFAULT-VALUE})")
    String modality;

    @Option(names = {"-n", "--records"}, defaultValue = "100000", description = "records to enrol (default: ${DEFAULT-VALUE})")
    long records;

    @Option(names = {"-c", "--clients"}, defaultValue = "4", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = {"-t", "--seconds"}, defaultValue = "30", description = "identify phase length (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = {"-k", "--top-k"}, defaultValue = "10")
    int topK;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--server", description = "target this running server instead of starting one (records are still enrolled unless --no-enrol)")
    String server;

    @Option(names = "--no-enrol", description = "skip enrolment (the target already holds the records of this seed)")
    boolean noEnrol;

    @Option(names = "--shards", description = "shards of the server this command starts (default: its default)")
    Integer shards;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = "--html", description = "also write the report as an HTML page")
    Path html;

    @Override
    public Integer call() throws Exception {
        Workload w = Workload.of(modality, records, seed);
        Process child = null;
        Path tmp = null;
        String target = server;
        try {
            if (target == null) {
                tmp = Files.createTempDirectory("biomatch-load-");
                child = startServer(tmp, w);
                target = "127.0.0.1:" + awaitPort(child, tmp.resolve("port"));
                System.err.println("started biomatch serve on " + target + " (data " + tmp + ")");
            }
            ManagedChannel ch = ManagedChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(64 << 20).build();
            try {
                LoadReport.Enrolment enrolment = noEnrol ? new LoadReport.Enrolment(0, 0, 0, Map.of(), 0)
                        : enrol(ch, w);
                LoadReport.Identify identify = identify(ch, w);
                StatsResponse stats = BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .stats(StatsRequest.getDefaultInstance());
                LoadReport report = new LoadReport(modality, records, clients, seconds, topK, seed, target,
                        Runtime.getRuntime().availableProcessors(), enrolment, identify,
                        new LoadReport.Server(stats.getStoredRecords(), stats.getHeapUsedBytes(), stats.getOffHeapBytes(),
                                stats.getStoreOffHeapBytes(), stats.getShardsCount()));
                System.out.println(json ? new GsonBuilder().setPrettyPrinting().create().toJson(report) : report.toText());
                if (html != null) {
                    Files.writeString(html, report.toHtml());
                    System.err.println("wrote " + html);
                }
                return identify.errorsByStatus().keySet().stream().allMatch(k -> k.equals("RESOURCE_EXHAUSTED")) ? 0 : 1;
            } finally {
                ch.shutdownNow();
            }
        } finally {
            if (child != null) {
                child.destroy(); // graceful: the server's shutdown hook closes the store
                if (!child.waitFor(30, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            if (tmp != null) {
                try (var walk = Files.walk(tmp)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private Process startServer(Path tmp, Workload w) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // same JVM flags as this tool
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.biomatch.server.cli.BiomatchCli", "serve",
                "--data", tmp.resolve("data").toString(), "--port", "0", "--port-file", tmp.resolve("port").toString(),
                "--max-records", Long.toString(Math.max(1000, records)),
                "--avg-record-bytes", w.modality().equals("face") ? "2600" : "512"));
        if (shards != null) {
            cmd.addAll(List.of("--shards", shards.toString()));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile()).start();
    }

    private static int awaitPort(Process p, Path portFile) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("server exited with " + p.exitValue());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("server did not start in 120 s");
    }

    private LoadReport.Enrolment enrol(ManagedChannel ch, Workload w) throws InterruptedException {
        AtomicLong stored = new AtomicLong();
        Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        long start = System.nanoTime();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("enrol " + w.modality()).setInitialMax(records)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build()) {
            BiomatchGrpc.newStub(ch).enrolBulk(new ClientResponseObserver<EnrolRequest, EnrolAck>() {
                long next;

                @Override
                public void beforeStart(ClientCallStreamObserver<EnrolRequest> requests) {
                    requests.setOnReadyHandler(() -> {
                        while (requests.isReady() && next < records) {
                            long i = next++;
                            requests.onNext(EnrolRequest.newBuilder().setId(id(i)).setModality(w.modality())
                                    .setAgency("LOAD").addPayloads(w.enrol(i)).build());
                            if (next == records) {
                                requests.onCompleted();
                            }
                        }
                    });
                }

                @Override
                public void onNext(EnrolAck ack) {
                    if (ack.getStored()) {
                        stored.incrementAndGet();
                    } else {
                        failures.computeIfAbsent(ack.getErrorCode(), k -> new AtomicLong()).incrementAndGet();
                    }
                    bar.step();
                }

                @Override
                public void onError(Throwable t) {
                    failures.computeIfAbsent("stream: " + io.grpc.Status.fromThrowable(t).getCode(), k -> new AtomicLong())
                            .incrementAndGet();
                    done.countDown();
                }

                @Override
                public void onCompleted() {
                    done.countDown();
                }
            });
            done.await();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Map<String, Long> f = new TreeMap<>();
        failures.forEach((k, v) -> f.put(k, v.get()));
        // The shards index enrolled records between requests (face graph inserts): identify measures the steady
        // state only once they hold every record, and the wait is reported.
        long indexed0 = System.nanoTime();
        awaitIndexed(ch);
        return new LoadReport.Enrolment(stored.get(), secs, stored.get() / secs, f,
                (System.nanoTime() - indexed0) / 1e9);
    }

    /**
     * Polls Stats until no shard reports records its index does not hold yet; after 30 minutes (a target server
     * that others keep enrolling into) it says so and lets the identify phase start anyway.
     */
    private static void awaitIndexed(ManagedChannel ch) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (true) {
            StatsResponse stats = BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .stats(StatsRequest.getDefaultInstance());
            long left = stats.getShardsList().stream()
                    .mapToLong(s -> s.getUnindexedByModalityMap().values().stream().mapToLong(Long::longValue).sum())
                    .sum();
            if (left == 0) {
                return;
            }
            if (System.nanoTime() > until) {
                System.err.println("warning: " + left + " records still not indexed 30 minutes after the enrolment;"
                        + " identifying anyway");
                return;
            }
            Thread.sleep(100);
        }
    }

    static String id(long i) {
        return String.format("load-%09d", i);
    }

    private LoadReport.Identify identify(ManagedChannel ch, Workload w) throws InterruptedException {
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        long[] mateFirst = new long[clients];
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            latencies[c] = new long[1024];
            threads.add(Thread.ofPlatform().name("load-client-" + c).start(() -> {
                var stub = BiomatchGrpc.newBlockingStub(ch);
                long j = client;
                while (System.nanoTime() < end) {
                    IdentifyRequest req = IdentifyRequest.newBuilder().setModality(w.modality()).addProbe(w.probe(j))
                            .putAllOptions(w.options()).setTopK(topK).build();
                    long t0 = System.nanoTime();
                    try {
                        IdentifyResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).identify(req);
                        long dt = System.nanoTime() - t0;
                        if (counts[client] == latencies[client].length) {
                            latencies[client] = Arrays.copyOf(latencies[client], counts[client] * 2);
                        }
                        latencies[client][counts[client]++] = dt;
                        if (r.getCandidatesCount() > 0 && r.getCandidates(0).getId().equals(id(w.mateOf(j)))) {
                            mateFirst[client]++;
                        }
                    } catch (StatusRuntimeException e) {
                        errors.computeIfAbsent(e.getStatus().getCode().name(), k -> new AtomicLong()).incrementAndGet();
                    }
                    j += clients;
                }
            }));
        }
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("identify x" + clients).setInitialMax(seconds)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" s", 1)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
            while (System.nanoTime() < end) {
                Thread.sleep(200);
                bar.stepTo(Math.min(seconds, (System.nanoTime() - start) / 1_000_000_000L));
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        int n = Arrays.stream(counts).sum();
        long[] all = new long[n];
        int k = 0;
        long mates = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(latencies[c], 0, all, k, counts[c]);
            k += counts[c];
            mates += mateFirst[c];
        }
        Arrays.sort(all);
        Map<String, Long> e = new TreeMap<>();
        errors.forEach((key, v) -> e.put(key, v.get()));
        return new LoadReport.Identify(n, secs, n / secs, pct(all, 0.50), pct(all, 0.95), pct(all, 0.99),
                n == 0 ? 0 : all[n - 1] / 1e6, n == 0 ? 0 : (double) mates / n, e);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
