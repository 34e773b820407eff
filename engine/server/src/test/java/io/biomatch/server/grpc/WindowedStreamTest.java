package io.biomatch.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.Payload;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bulk streams' inbound flow control against a client that always has requests ready: small requests fill the
 * count window, big ones are held to the byte budget, and finishing requests asks for more.
 */
class WindowedStreamTest {
    /** A call whose client has {@code pending} requests ready: each {@code request(n)} delivers up to n at once. */
    static final class Call extends ServerCallStreamObserver<EnrolAck> {
        final Deque<EnrolRequest> pending = new ArrayDeque<>();
        final List<EnrolAck> results = new ArrayList<>();
        BiomatchService.WindowedStream<EnrolRequest, EnrolAck> stream;
        int asked;
        int delivered;
        boolean ready = true;
        Runnable onReady;

        @Override
        public void request(int count) {
            asked += count;
            deliver();
        }

        /** Hands the stream every request asked for that the client has (as the transport does once started). */
        void deliver() {
            while (stream != null && delivered < asked && !pending.isEmpty()) {
                delivered++;
                stream.onNext(pending.poll());
            }
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable r) {
            onReady = r;
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void disableAutoRequest() {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable r) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void onNext(EnrolAck value) {
            results.add(value);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    static EnrolRequest request(int i, int payloadBytes) {
        return EnrolRequest.newBuilder().setId("r" + i).setModality("face")
                .addPayloads(Payload.newBuilder().setFormat("embedding-f32").setData(ByteString.copyFrom(new byte[payloadBytes])))
                .build();
    }

    /** Holds every request it is given until the test finishes it. */
    static BiomatchService.WindowedStream<EnrolRequest, EnrolAck> holding(Call call, long maxRequestBytes, List<EnrolRequest> held) {
        return new BiomatchService.WindowedStream<>(call, maxRequestBytes) {
            @Override
            void start(long sequence, EnrolRequest request) {
                held.add(request);
            }
        };
    }

    @Test
    void smallRequestsFillTheWindowAndEachFinishedOneBringsAnother() {
        Call call = new Call();
        for (int i = 0; i < 1000; i++) {
            call.pending.add(request(i, 2048));
        }
        List<EnrolRequest> held = new ArrayList<>();
        // the largest request gRPC accepts by default (16 MiB payloads): 65 MiB, so 3 before any has arrived
        long max = io.biomatch.server.BiomatchServer.grpcMessageLimit(16 << 20);
        BiomatchService.WindowedStream<EnrolRequest, EnrolAck> s = holding(call, max, held);
        call.stream = s;
        call.deliver(); // what the constructor asked for
        call.onReady.run();
        assertEquals(BiomatchService.STREAM_WINDOW, s.inFlight() + s.requested(), "the window is full");
        assertTrue(s.inFlight() >= BiomatchService.STREAM_WINDOW - 3, "in flight " + s.inFlight());
        int before = held.size();
        for (int i = 0; i < 10; i++) {
            s.finished(EnrolAck.newBuilder().setId(held.get(i).getId()).build(), held.get(i));
        }
        assertEquals(10, call.results.size());
        assertEquals(before + 10, held.size(), "each finished request let one more in");
        assertEquals(BiomatchService.STREAM_WINDOW, s.inFlight() + s.requested());
    }

    @Test
    void bigRequestsAreHeldToTheByteBudget() {
        Call call = new Call();
        int payload = 40 << 20; // 40 MiB each: six fill the 256 MiB budget
        for (int i = 0; i < 20; i++) {
            call.pending.add(request(i, payload));
        }
        List<EnrolRequest> held = new ArrayList<>();
        long max = payload + 1024;
        BiomatchService.WindowedStream<EnrolRequest, EnrolAck> s = holding(call, max, held);
        call.stream = s;
        call.deliver();
        call.onReady.run();
        long bytes = 0;
        for (EnrolRequest r : held) {
            bytes += r.getSerializedSize();
        }
        assertTrue(bytes + (long) s.requested() * max <= BiomatchService.STREAM_BYTES + max,
                "held " + bytes + " bytes with " + s.requested() + " more asked for");
        assertTrue(held.size() >= 5 && held.size() <= 7, "held " + held.size());
        // a client that cannot take results gets no more requests asked of it
        call.ready = false;
        int asked = call.asked;
        s.finished(EnrolAck.newBuilder().build(), held.get(0));
        assertEquals(asked, call.asked);
        call.ready = true;
        call.onReady.run();
        assertTrue(call.asked > asked, "asked for more once the client can take results");
    }
}
