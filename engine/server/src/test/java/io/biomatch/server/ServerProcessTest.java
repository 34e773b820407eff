package io.biomatch.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.biomatch.core.testing.VectorTestModality;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.GetRequest;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.Payload;
import io.biomatch.server.grpc.v1.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code biomatch serve} process (same JVM flags as the launcher), killed with SIGKILL in the middle
 * of a bulk enrol stream, then restarted on the same data directory: every acknowledged record is there,
 * byte for byte, and searchable.
 */
class ServerProcessTest {
    @TempDir
    Path tmp;

    private Process startServer(Path data, Path portFile) throws IOException {
        return serve(tmp.resolve("server-" + System.nanoTime() + ".log"), data, "0", portFile);
    }

    /** biomatch serve in its own JVM, stdout and stderr both to {@code log}. */
    private Process serve(Path log, Path data, String port, Path portFile) throws IOException {
        Path argFile = Path.of(System.getProperty("biomatch.repoRoot"), "engine/server/target/jvm.args");
        assertTrue(Files.exists(argFile), "missing " + argFile + " (written by the build's process-resources)");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "@" + argFile, "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "io.biomatch.server.cli.BiomatchCli", "serve",
                "--data", data.toString(), "--port", port, "--port-file", portFile.toString(), "--shards", "2",
                "--max-records", "100000", "--avg-record-bytes", "128"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void aSecondServeOnAPortInUseExitsTwoAndItsStoreOpensAfterwardsWithoutRecovery() throws Exception {
        Process first = startServer(tmp.resolve("data"), tmp.resolve("port"));
        try {
            int port = awaitPort(first, tmp.resolve("port"));
            Path data2 = tmp.resolve("data2");
            Path log = tmp.resolve("second.log");
            Process second = serve(log, data2, Integer.toString(port), tmp.resolve("port2"));
            assertTrue(second.waitFor(120, TimeUnit.SECONDS), "second serve exits");
            String out = Files.readString(log);
            assertEquals(2, second.exitValue(), out);
            assertTrue(out.contains("error: cannot listen on 127.0.0.1:" + port + ": address already in use"), out);
            assertTrue(!out.contains("Exception"), "one line, no exception: " + out);

            // the store the failed start opened was closed: opening it again runs no recovery pass
            Path log3 = tmp.resolve("third.log");
            Process third = serve(log3, data2, "0", tmp.resolve("port3"));
            try {
                awaitPort(third, tmp.resolve("port3"));
            } finally {
                third.destroy();
                third.waitFor(20, TimeUnit.SECONDS);
            }
            String out3 = Files.readString(log3);
            assertTrue(!out3.contains("not closed cleanly") && !out3.contains("recovery"), out3);
        } finally {
            first.destroy();
            first.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static int awaitPort(Process p, Path portFile) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            assertTrue(p.isAlive(), "server exited early");
            Thread.sleep(50);
        }
        throw new AssertionError("server did not start in 60 s");
    }

    @Test
    void everyAcknowledgedRecordSurvivesKill9() throws Exception {
        Path data = tmp.resolve("data");
        Path portFile = tmp.resolve("port");
        Process server = startServer(data, portFile);
        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        Map<String, byte[]> sent = new ConcurrentHashMap<>();
        AtomicInteger acks = new AtomicInteger();
        try {
            int port = awaitPort(server, portFile);
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            Random rnd = new Random(99);
            // Flow-controlled producer: sends while the transport is ready, until the server dies.
            BiomatchGrpc.newStub(ch).enrolBulk(new ClientResponseObserver<EnrolRequest, EnrolAck>() {
                int next;

                @Override
                public void beforeStart(ClientCallStreamObserver<EnrolRequest> requests) {
                    requests.setOnReadyHandler(() -> {
                        while (requests.isReady() && next < 1_000_000) {
                            byte[] v = VectorTestModality.vector(rnd);
                            String id = "k" + next++;
                            sent.put(id, v);
                            requests.onNext(EnrolRequest.newBuilder().setId(id).setModality("vec")
                                    .addPayloads(Payload.newBuilder().setFormat("vec8").setData(ByteString.copyFrom(v)))
                                    .build());
                        }
                    });
                }

                @Override
                public void onNext(EnrolAck ack) {
                    assertTrue(ack.getStored(), ack.getErrorMessage());
                    acknowledged.put(ack.getId(), sent.get(ack.getId()));
                    acks.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.get() < 3000 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(acks.get() >= 3000, "bulk enrol made progress: " + acks.get());
            server.destroyForcibly(); // SIGKILL while the stream is still sending
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            ch.shutdownNow();
        } finally {
            server.destroyForcibly();
        }
        int acked = acknowledged.size();
        assertTrue(acked >= 3000);

        Files.deleteIfExists(portFile);
        Process again = startServer(data, portFile);
        try {
            int port = awaitPort(again, portFile);
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            var stub = BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
            long stored = stub.stats(StatsRequest.getDefaultInstance()).getStoredRecords();
            assertTrue(stored >= acked, "stored " + stored + " >= acknowledged " + acked);
            assertEquals(0, stub.stats(StatsRequest.getDefaultInstance()).getSkippedAtStart());
            for (var e : acknowledged.entrySet()) {
                var r = stub.get(GetRequest.newBuilder().setId(e.getKey()).setIncludeTemplate(true).build());
                assertNotNull(r.getRecord());
                assertArrayEquals(e.getValue(), r.getTemplate().toByteArray(), e.getKey());
            }
            int checked = 0;
            for (var e : acknowledged.entrySet()) {
                if (checked++ == 50) {
                    break;
                }
                var res = stub.identify(IdentifyRequest.newBuilder().setModality("vec").setTopK(1)
                        .addProbe(Payload.newBuilder().setFormat("vec8").setData(ByteString.copyFrom(e.getValue())))
                        .build());
                assertEquals(0f, res.getCandidates(0).getScore(), "an exact copy is searchable after restart");
            }
            ch.shutdownNow();
        } finally {
            again.destroy();
            again.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
