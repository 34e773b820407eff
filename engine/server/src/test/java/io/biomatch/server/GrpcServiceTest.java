package io.biomatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.testing.VectorTestModality;
import io.biomatch.server.grpc.v1.BatchIdentifyRequest;
import io.biomatch.server.grpc.v1.BatchIdentifyResponse;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.biomatch.server.grpc.v1.DeleteRequest;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.GetRequest;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.IdentifyResponse;
import io.biomatch.server.grpc.v1.Payload;
import io.biomatch.server.grpc.v1.StatsRequest;
import io.biomatch.server.grpc.v1.StatsResponse;
import io.biomatch.server.grpc.v1.VerifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every RPC through the real service on an in-process transport. */
class GrpcServiceTest {
    static final int MAX_PAYLOAD = 1024;

    @TempDir
    Path dir;
    Engine engine;
    BiomatchServer server;
    ManagedChannel channel;
    BiomatchGrpc.BiomatchBlockingStub stub;

    @BeforeEach
    void start() {
        engine = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(10_000, 128)
                .withMaxPayloadBytes(MAX_PAYLOAD), List.of(new VectorTestModality()));
        String name = InProcessServerBuilder.generateName();
        server = BiomatchServer.start(engine, InProcessServerBuilder.forName(name).directExecutor());
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        stub = BiomatchGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.close();
        engine.close();
    }

    static Payload vec(byte[] v) {
        return Payload.newBuilder().setFormat("vec8").setData(ByteString.copyFrom(v)).build();
    }

    static EnrolRequest enrol(String id, byte[] v) {
        return EnrolRequest.newBuilder().setId(id).setModality("vec").addPayloads(vec(v)).build();
    }

    static IdentifyRequest identify(byte[] v, int k) {
        return IdentifyRequest.newBuilder().setModality("vec").addProbe(vec(v)).setTopK(k).build();
    }

    static Status.Code code(org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        String msg = e.getStatus().getDescription();
        assertTrue(msg == null || !msg.contains("Exception") && !msg.contains("\tat "), "no stack trace: " + msg);
        return e.getStatus().getCode();
    }

    @Test
    void healthIsServingAndReflectionListsTheServices() throws Exception {
        HealthCheckResponse h = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder().build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().setService("biomatch.v1.Biomatch").build()).getStatus());

        Set<String> services = new HashSet<>();
        CountDownLatch done = new CountDownLatch(1);
        var req = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse r) {
                r.getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        req.onCompleted();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(services.containsAll(Set.of("biomatch.v1.Biomatch", "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection")), services.toString());
    }

    @Test
    void enrolGetIdentifyVerifyDeleteStats() {
        Random rnd = new Random(1);
        List<byte[]> g = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            g.add(VectorTestModality.vector(rnd));
            var r = stub.enrol(enrol("id" + i, g.get(i)).toBuilder().setAgency("NCB").putMetadata("k", "v" + (i % 2)).build());
            assertEquals("id" + i, r.getRecord().getId());
        }
        var got = stub.get(GetRequest.newBuilder().setId("id7").setIncludeTemplate(true).build());
        assertEquals("NCB", got.getRecord().getAgency());
        assertEquals("v1", got.getRecord().getMetadataMap().get("k"));
        assertEquals(ByteString.copyFrom(g.get(7)), got.getTemplate());

        IdentifyResponse r = stub.identify(identify(g.get(7), 3));
        assertEquals(3, r.getCandidatesCount());
        assertEquals("id7", r.getCandidates(0).getId());
        assertEquals(1, r.getCandidates(0).getRank());
        assertTrue(r.getCandidates(0).getAboveThreshold());
        assertEquals(50, r.getSlotsScanned());
        assertFalse(r.getScoreMeaning().getScale().isEmpty());

        IdentifyResponse filtered = stub.identify(identify(g.get(7), 50).toBuilder()
                .setFilter(io.biomatch.server.grpc.v1.Filter.newBuilder().putMetadata("k", "v0")).build());
        assertEquals(25, filtered.getCandidatesCount());
        assertTrue(filtered.getCandidatesList().stream().noneMatch(c -> c.getId().equals("id7")));

        var v = stub.verify(VerifyRequest.newBuilder().setId("id7").addProbe(vec(g.get(7))).build());
        assertTrue(v.getMatch());
        assertEquals(0f, v.getScore());

        StatsResponse s = stub.stats(StatsRequest.getDefaultInstance());
        assertEquals(50, s.getStoredRecords());
        assertEquals(50L, s.getLiveByModalityMap().get("vec"));
        assertEquals(2, s.getShardsCount());
        assertTrue(s.getOffHeapBytes() > 0);

        stub.delete(DeleteRequest.newBuilder().setId("id7").build());
        assertEquals(Status.Code.NOT_FOUND, code(() -> stub.get(GetRequest.newBuilder().setId("id7").build())));
        assertEquals(49, stub.stats(StatsRequest.getDefaultInstance()).getStoredRecords());
    }

    @Test
    void badInputGetsTheRightStatusOnEveryRpc() {
        byte[] v = new byte[8];
        stub.enrol(enrol("known", v));
        // Enrol
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(EnrolRequest.newBuilder().setId("e")
                .setModality("vec").addPayloads(Payload.newBuilder().setFormat("vec8")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(EnrolRequest.newBuilder().setId("e")
                .setModality("vec").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(EnrolRequest.newBuilder().setId("e")
                .setModality("vec").addPayloads(vec(v).toBuilder().setFormat("png")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(EnrolRequest.newBuilder().setId("e")
                .setModality("iris").addPayloads(vec(v)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(EnrolRequest.newBuilder().setId("e")
                .setModality("vec").addPayloads(vec(new byte[MAX_PAYLOAD + 1])).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(enrol("", v))));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.enrol(enrol("e", new byte[5]))));
        assertEquals(Status.Code.ALREADY_EXISTS, code(() -> stub.enrol(enrol("known", v))));
        // Get / Delete
        assertEquals(Status.Code.NOT_FOUND, code(() -> stub.get(GetRequest.newBuilder().setId("nope").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.get(GetRequest.newBuilder().build())));
        assertEquals(Status.Code.NOT_FOUND, code(() -> stub.delete(DeleteRequest.newBuilder().setId("nope").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.delete(DeleteRequest.newBuilder().build())));
        // Identify
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(IdentifyRequest.newBuilder().setModality("vec").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(identify(v, 1).toBuilder().setModality("iris").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(identify(new byte[3], 1))));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(identify(v, 1).toBuilder()
                .setProbe(0, vec(v).toBuilder().setFormat("jpeg")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(identify(new byte[MAX_PAYLOAD + 1], 1))));
        // top_k is uint32: -1 from a client arrives as 4294967295 and is named so (it read "was 2147483647")
        StatusRuntimeException topK = assertThrows(StatusRuntimeException.class, () -> stub.identify(identify(v, -1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, topK.getStatus().getCode());
        assertEquals("top_k must be 1..10000, was 4294967295", topK.getStatus().getDescription());
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.identify(identify(v, 20_000))));
        // Verify
        assertEquals(Status.Code.NOT_FOUND, code(() -> stub.verify(VerifyRequest.newBuilder().setId("nope").addProbe(vec(v)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.verify(VerifyRequest.newBuilder().setId("known").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.verify(VerifyRequest.newBuilder().setId("known")
                .setModality("iris").addProbe(vec(v)).build())));
        // nothing was stored by any of the refused calls
        assertEquals(1, stub.stats(StatsRequest.getDefaultInstance()).getStoredRecords());
    }

    @Test
    void dviJobStreamsProgressThenTheJointSolutionAndKinshipAnswers() throws Exception {
        Path fire = io.biomatch.core.SharedData.require("dna/dvi/fire");
        var req = io.biomatch.server.grpc.v1.DviRequest.newBuilder().setCaseName("fire");
        for (String f : List.of("am_pedigrees.csv", "am_genotypes.csv", "pm_genotypes.csv", "frequencies.csv",
                "mutation_models.csv")) {
            if (java.nio.file.Files.exists(fire.resolve(f))) {
                req.putFiles(f, ByteString.copyFrom(java.nio.file.Files.readAllBytes(fire.resolve(f))));
            }
        }
        List<io.biomatch.server.grpc.v1.DviProgress> msgs = new ArrayList<>();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).dvi(req.build()).forEachRemaining(msgs::add);
        assertTrue(msgs.size() >= 3, "progress before the result: " + msgs.size());
        var last = msgs.get(msgs.size() - 1);
        assertEquals("done", last.getStage());
        assertTrue(last.getResultText().contains("{V1=M1, V2=M2, V3=M3}"), last.getResultText());
        com.google.gson.JsonParser.parseString(last.getResultJson());

        var bad = io.biomatch.server.grpc.v1.DviRequest.newBuilder().putFiles("passwd", ByteString.copyFromUtf8("x")).build();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.dvi(bad).forEachRemaining(m -> { })));
        var missing = io.biomatch.server.grpc.v1.DviRequest.newBuilder()
                .putFiles("frequencies.csv", ByteString.copyFromUtf8("locus,allele,frequency\n")).build();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.dvi(missing).forEachRemaining(m -> { })));

        // one Familias .fam file with a DVI section; its name is never used as a path
        var famReq = io.biomatch.server.grpc.v1.DviRequest.newBuilder().setCaseName("exclusion").putFiles("../../x.fam",
                ByteString.copyFrom(java.nio.file.Files.readAllBytes(
                        io.biomatch.core.SharedData.require("dna/familias_fam/dvir_exclusionExample.fam")))).build();
        List<io.biomatch.server.grpc.v1.DviProgress> famMsgs = new ArrayList<>();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).dvi(famReq).forEachRemaining(famMsgs::add);
        var famLast = famMsgs.get(famMsgs.size() - 1);
        assertEquals("done", famLast.getStage());
        assertTrue(famLast.getResultText().contains("16 victims, 15 missing persons in 15 families"), famLast.getResultText());
        var noDvi = io.biomatch.server.grpc.v1.DviRequest.newBuilder().putFiles("p.fam", ByteString.copyFrom(
                java.nio.file.Files.readAllBytes(io.biomatch.core.SharedData.require("dna/familias_fam/pedFamilias_paternity.fam"))))
                .build();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.dvi(noDvi).forEachRemaining(m -> { })));
        var junkFam = io.biomatch.server.grpc.v1.DviRequest.newBuilder().putFiles("j.fam", ByteString.copyFromUtf8("garbage\n1\n"))
                .build();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.dvi(junkFam).forEachRemaining(m -> { })));

        var k = stub.kinship(io.biomatch.server.grpc.v1.KinshipRequest.newBuilder()
                .setCaseJson(ByteString.copyFrom(java.nio.file.Files.readAllBytes(
                        io.biomatch.core.SharedData.require("dna/kinship_case_example.json"))))
                .setFrequenciesCsv(ByteString.copyFrom(java.nio.file.Files.readAllBytes(
                        io.biomatch.core.SharedData.require("dna/frequencies/nist1036_cauc_core20_renormalised.csv"))))
                .build());
        assertTrue(k.getTotalLr() > 1e6);
        assertEquals(Math.log10(k.getTotalLr()), k.getLog10Lr(), 1e-6);
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.kinship(io.biomatch.server.grpc.v1.KinshipRequest
                .newBuilder().setCaseJson(ByteString.copyFromUtf8("{not json")).setFrequenciesCsv(
                        ByteString.copyFromUtf8("locus,allele,frequency\nTPOX,8,1\n")).build())));
    }

    @Test
    void deadlineIsHonouredDownToTheShards() {
        Random rnd = new Random(2);
        for (int i = 0; i < 3000; i++) {
            engine.enrol(new io.biomatch.core.EnrolRequest("s" + i, "vec", "", java.util.Map.of(),
                    List.of(VectorTestModality.payload(VectorTestModality.vector(rnd))), false)).join();
        }
        long before = VectorTestModality.SLOW_SCORED.get();
        var slow = IdentifyRequest.newBuilder().setModality("vec").addProbe(vec(new byte[8]).toBuilder().setFormat("slow")).build();
        assertEquals(Status.Code.DEADLINE_EXCEEDED,
                code(() -> BiomatchGrpc.newBlockingStub(channel).withDeadlineAfter(150, TimeUnit.MILLISECONDS).identify(slow)));
        // queued behind the slow scans on both shards: when it returns, they have stopped
        IdentifyResponse r = stub.identify(identify(new byte[8], 1));
        assertEquals(1, r.getCandidatesCount());
        long scored = VectorTestModality.SLOW_SCORED.get() - before;
        assertTrue(scored < 1000, "the shards stopped at the deadline, after " + scored + " of 3000 slots (1 ms each)");
    }

    /**
     * Below the free-memory floor an enrolment is refused with RESOURCE_EXHAUSTED and a message that says why,
     * single or bulk, and nothing is stored; searches, deletes and stats go on. The same data with the check off
     * takes enrolments again. (A floor no machine has stands for a machine that has run short.)
     */
    @Test
    void enrolmentsAreRefusedWhileMemoryIsShortAndNothingIsStored() throws Exception {
        Path short_ = dir.resolve("short");
        byte[] v = VectorTestModality.vector(new Random(4));
        for (long floor : new long[] {Long.MAX_VALUE / 2, 0}) {
            try (Engine e = Engine.open(EngineConfig.defaults(short_).withShards(2).withCapacity(10_000, 128)
                    .withMinFreeMemoryBytes(floor), List.of(new VectorTestModality()))) {
                String name = InProcessServerBuilder.generateName();
                BiomatchServer srv = BiomatchServer.start(e, InProcessServerBuilder.forName(name).directExecutor());
                ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor().build();
                try {
                    var s = BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
                    if (floor > 0) {
                        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                                () -> s.enrol(enrol("a", v)));
                        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
                        assertTrue(refused.getStatus().getDescription().contains("enrolment refused: this process can take"),
                                refused.getStatus().getDescription());
                        Collected<EnrolAck> acks = new Collected<>();
                        var in = BiomatchGrpc.newStub(ch).enrolBulk(acks);
                        in.onNext(enrol("b", v));
                        in.onCompleted();
                        acks.await();
                        assertEquals(1, acks.items.size());
                        assertFalse(acks.items.get(0).getStored());
                        assertEquals("RESOURCE_EXHAUSTED", acks.items.get(0).getErrorCode());
                        assertEquals(0, s.stats(StatsRequest.getDefaultInstance()).getStoredRecords());
                        assertEquals(0, s.identify(identify(v, 3)).getCandidatesCount());
                        assertEquals(Status.Code.NOT_FOUND, code(() -> s.get(GetRequest.newBuilder().setId("a").build())));
                        assertEquals(Status.Code.NOT_FOUND, code(() -> s.delete(DeleteRequest.newBuilder().setId("a").build())));
                    } else {
                        assertEquals(0, s.stats(StatsRequest.getDefaultInstance()).getStoredRecords());
                        s.enrol(enrol("a", v));
                        assertEquals("a", s.identify(identify(v, 1)).getCandidates(0).getId());
                    }
                } finally {
                    ch.shutdownNow();
                    srv.close();
                }
            }
        }
    }

    @Test
    void bulkEnrolAcksEveryRecordAndBatchIdentifyAnswersEveryProbe() throws Exception {
        Random rnd = new Random(3);
        int n = 300;
        List<byte[]> g = new ArrayList<>();
        Collected<EnrolAck> ackStream = new Collected<>();
        List<EnrolAck> acks = ackStream.items;
        var in = BiomatchGrpc.newStub(channel).enrolBulk(ackStream);
        for (int i = 0; i < n; i++) {
            g.add(VectorTestModality.vector(rnd));
            in.onNext(enrol("b" + i, g.get(i)));
        }
        in.onNext(enrol("b0", g.get(0)));          // duplicate
        in.onNext(enrol("bad", new byte[3]));      // invalid
        in.onCompleted();
        ackStream.await();
        assertEquals(n + 2, acks.size());
        assertEquals(n, acks.stream().filter(EnrolAck::getStored).count());
        assertEquals(Set.of("ALREADY_EXISTS", "INVALID_ARGUMENT"),
                Set.copyOf(acks.stream().filter(a -> !a.getStored()).map(EnrolAck::getErrorCode).toList()));
        assertEquals(n, stub.stats(StatsRequest.getDefaultInstance()).getStoredRecords());

        Collected<BatchIdentifyResponse> resultStream = new Collected<>();
        List<BatchIdentifyResponse> results = resultStream.items;
        var probes = BiomatchGrpc.newStub(channel).batchIdentify(resultStream);
        for (int i = 0; i < 100; i++) {
            probes.onNext(BatchIdentifyRequest.newBuilder().setRequestId("q" + i).setIdentify(identify(g.get(i), 1)).build());
        }
        probes.onNext(BatchIdentifyRequest.newBuilder().setRequestId("broken").setIdentify(identify(new byte[2], 1)).build());
        probes.onCompleted();
        resultStream.await();
        assertEquals(101, results.size());
        for (BatchIdentifyResponse r : results) {
            if (r.getRequestId().equals("broken")) {
                assertEquals("INVALID_ARGUMENT", r.getErrorCode());
            } else {
                assertEquals("b" + r.getRequestId().substring(1), r.getResult().getCandidates(0).getId());
            }
        }
    }

    /** Collects a response stream; {@link #await} fails if the stream ended with an error or did not end. */
    static final class Collected<T> implements StreamObserver<T> {
        final List<T> items = java.util.Collections.synchronizedList(new ArrayList<>());
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile Throwable error;

        @Override
        public void onNext(T item) {
            items.add(item);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }

        void await() throws InterruptedException {
            assertTrue(done.await(30, TimeUnit.SECONDS), "stream did not end");
            assertTrue(error == null, () -> "stream failed: " + error);
        }
    }

    /** A client that sends bytes as they are (a hand-made or broken client), to see what the server makes of them. */
    static final io.grpc.MethodDescriptor.Marshaller<byte[]> RAW = new io.grpc.MethodDescriptor.Marshaller<>() {
        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };

    static <Q, R> io.grpc.MethodDescriptor<byte[], byte[]> raw(io.grpc.MethodDescriptor<Q, R> m) {
        return io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder().setType(m.getType())
                .setFullMethodName(m.getFullMethodName()).setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    }

    /**
     * Requests protobuf cannot parse (invalid UTF-8 in a string, garbage) get INVALID_ARGUMENT saying so, not
     * UNKNOWN; in EnrolBulk the bad item's ack carries the error and the stream goes on with the records behind it.
     */
    @Test
    void unparseableRequestsAreInvalidArgumentAndABulkStreamGoesOn() throws Exception {
        byte[] v = new byte[8];
        // EnrolRequest{id (field 1) = bytes C3 28 (not UTF-8), modality (field 2) = "vec"}
        byte[] badUtf8 = {0x0A, 0x02, (byte) 0xC3, 0x28, 0x12, 0x03, 'v', 'e', 'c'};
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                .blockingUnaryCall(channel, raw(BiomatchGrpc.getEnrolMethod()), io.grpc.CallOptions.DEFAULT, badUtf8));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("request is not a valid biomatch.v1.EnrolRequest message: Protocol message had invalid UTF-8.",
                e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel,
                raw(BiomatchGrpc.getGetMethod()), io.grpc.CallOptions.DEFAULT, new byte[]{(byte) 0xFF, (byte) 0xFF}));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());

        List<byte[]> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] failed = new Throwable[1];
        var call = channel.newCall(raw(BiomatchGrpc.getEnrolBulkMethod()), io.grpc.CallOptions.DEFAULT);
        StreamObserver<byte[]> in = io.grpc.stub.ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            public void onNext(byte[] ack) {
                acks.add(ack);
            }

            public void onError(Throwable t) {
                failed[0] = t;
                done.countDown();
            }

            public void onCompleted() {
                done.countDown();
            }
        });
        for (int i = 0; i < 5; i++) {
            in.onNext(i == 2 ? badUtf8 : enrol("bulk" + i, v).toByteArray());
        }
        in.onCompleted();
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertEquals(null, failed[0], "the stream ended normally");
        assertEquals(5, acks.size());
        int stored = 0;
        for (byte[] a : acks) {
            EnrolAck ack = EnrolAck.parseFrom(a);
            if (ack.getStored()) {
                stored++;
            } else {
                assertEquals(2, ack.getSequence());
                assertEquals("INVALID_ARGUMENT", ack.getErrorCode());
                assertTrue(ack.getErrorMessage().contains("invalid UTF-8"), ack.getErrorMessage());
            }
        }
        assertEquals(4, stored);
        assertEquals(4, stub.stats(StatsRequest.getDefaultInstance()).getStoredRecords());
    }
}
