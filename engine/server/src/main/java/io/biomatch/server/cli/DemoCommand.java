package io.biomatch.server.cli;

import com.google.protobuf.ByteString;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.DemoSet;
import io.biomatch.core.spi.Modality;
import io.biomatch.server.BiomatchServer;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.biomatch.server.grpc.v1.Candidate;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.IdentifyResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End to end in one process: an engine on a temporary data directory behind a real gRPC server on
 * 127.0.0.1, a real gRPC client that bulk-enrols each modality's sample gallery from the shared data and
 * identifies its probes, printing the ranked candidates with what their scores mean.
 */
@Command(name = "demo", description = "Start an engine, enrol the shared sample data, identify probes, print candidates.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--shared", description = "shared data folder (default: ../shared/data next to the repository)")
    Path shared;

    @Option(names = {"-k", "--top-k"}, defaultValue = "3", description = "candidates shown per probe (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--modality", description = "only this modality (repeatable)")
    List<String> only = List.of();

    @Override
    public Integer call() throws Exception {
        IdentifyCommand.checkTopK(topK); // 0 would silently mean the server's default, 10
        Path sharedRoot = shared != null ? shared : SharedData.rootOrNull();
        List<Modality<?>> modalities = Engine.discoverModalities();
        System.out.printf("biomatch demo: modalities in this build: %s%n",
                modalities.stream().map(Modality::name).toList());
        if (sharedRoot == null || !Files.isDirectory(sharedRoot)) {
            System.out.println("shared data not found (expected ../shared/data next to the repository, or --shared DIR):"
                    + " nothing to enrol.");
            return 1;
        }
        Path dataDir = Files.createTempDirectory("biomatch-demo-");
        int probes = 0;
        int mateFirst = 0;
        int withMate = 0;
        try (Engine engine = Engine.open(EngineConfig.defaults(dataDir).withCapacity(100_000, 8192), modalities)) {
            BiomatchServer server = BiomatchServer.start(engine,
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
            System.out.printf("engine: %d shards, temporary data directory %s, gRPC on 127.0.0.1:%d%n",
                    engine.config().shards(), dataDir, server.port());
            try {
                for (Modality<?> m : modalities) {
                    if (!only.isEmpty() && !only.contains(m.name())) {
                        continue;
                    }
                    List<DemoSet> sets = m.demo(sharedRoot);
                    if (sets.isEmpty()) {
                        System.out.printf("%n== %s: no sample data found under %s; skipped%n", m.name(), sharedRoot);
                        continue;
                    }
                    for (DemoSet set : sets) {
                        System.out.printf("%n== %s: %s%n", m.name(), set.title());
                        long t0 = System.nanoTime();
                        int stored = bulkEnrol(ch, m.name(), set.gallery());
                        System.out.printf("enrolled %d of %d gallery records through EnrolBulk in %.0f ms%n", stored,
                                set.gallery().size(), (System.nanoTime() - t0) / 1e6);
                        var stub = BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.MINUTES);
                        for (DemoSet.Probe p : set.probes()) {
                            IdentifyResponse r = stub.identify(IdentifyRequest.newBuilder().setModality(m.name())
                                    .addAllProbe(proto(p.payloads())).putAllOptions(p.options()).setTopK(topK).build());
                            probes++;
                            System.out.printf("%nprobe %s%s%n", p.label(),
                                    p.expectedId() == null ? " (no mate enrolled)" : " (true mate: " + p.expectedId() + ")");
                            IdentifyCommand.printCandidates(r);
                            if (p.expectedId() != null) {
                                withMate++;
                                List<Candidate> c = r.getCandidatesList();
                                int rank = -1;
                                for (Candidate x : c) {
                                    if (x.getId().equals(p.expectedId())) {
                                        rank = x.getRank();
                                        break;
                                    }
                                }
                                if (rank == 1) {
                                    mateFirst++;
                                }
                                System.out.println(rank > 0 ? "  -> true mate at rank " + rank
                                        : "  -> true mate not in the top " + topK);
                            }
                        }
                    }
                }
            } finally {
                ClientOptions.close(ch);
                server.close();
            }
        } finally {
            deleteTree(dataDir);
        }
        if (modalities.stream().anyMatch(m -> m.name().equals("dna")) && (only.isEmpty() || only.contains("dna"))) {
            System.out.printf("%n== dna: disaster victim identification (dvir case planecrash: victims against "
                    + "missing persons' relatives)%n");
            System.out.print(io.biomatch.dna.kinship.DviCase.demo(sharedRoot));
        }
        System.out.printf("%ndemo done: %d probes, true mate at rank 1 for %d of %d probes that have one%n", probes,
                mateFirst, withMate);
        return 0;
    }

    private static List<io.biomatch.server.grpc.v1.Payload> proto(List<Payload> payloads) {
        List<io.biomatch.server.grpc.v1.Payload> out = new ArrayList<>();
        for (Payload p : payloads) {
            out.add(io.biomatch.server.grpc.v1.Payload.newBuilder().setFormat(p.format())
                    .setData(ByteString.copyFrom(p.data())).putAllAttributes(p.attributes()).build());
        }
        return out;
    }

    private static int bulkEnrol(ManagedChannel ch, String modality, List<DemoSet.Entry> gallery)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger stored = new AtomicInteger();
        var requests = BiomatchGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.MINUTES).enrolBulk(new StreamObserver<>() {
            @Override
            public void onNext(EnrolAck ack) {
                if (ack.getStored()) {
                    stored.incrementAndGet();
                } else {
                    System.out.printf("  not stored: %s: %s %s%n", ack.getId(), ack.getErrorCode(), ack.getErrorMessage());
                }
            }

            @Override
            public void onError(Throwable t) {
                System.out.println("  bulk enrol failed: " + t.getMessage());
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        for (DemoSet.Entry e : gallery) {
            requests.onNext(EnrolRequest.newBuilder().setId(e.id()).setModality(modality).setAgency(e.agency())
                    .putAllMetadata(e.metadata()).addAllPayloads(proto(e.payloads())).build());
        }
        requests.onCompleted();
        done.await();
        return stored.get();
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary directory; best effort
        }
    }
}
