package io.biomatch.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.biomatch.core.Engine;
import io.biomatch.core.Record;
import io.biomatch.core.SearchControl;
import io.biomatch.server.grpc.v1.BatchIdentifyRequest;
import io.biomatch.server.grpc.v1.BatchIdentifyResponse;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.biomatch.server.grpc.v1.DeleteRequest;
import io.biomatch.server.grpc.v1.DeleteResponse;
import io.biomatch.server.grpc.v1.EnrolAck;
import io.biomatch.server.grpc.v1.EnrolRequest;
import io.biomatch.server.grpc.v1.EnrolResponse;
import io.biomatch.server.grpc.v1.GetRequest;
import io.biomatch.server.grpc.v1.GetResponse;
import io.biomatch.server.grpc.v1.IdentifyRequest;
import io.biomatch.server.grpc.v1.IdentifyResponse;
import io.biomatch.server.grpc.v1.StatsRequest;
import io.biomatch.server.grpc.v1.StatsResponse;
import io.biomatch.server.grpc.v1.VerifyRequest;
import io.biomatch.server.grpc.v1.VerifyResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * biomatch.v1.Biomatch over the engine. Never blocks the gRPC executor: engine calls return futures whose
 * completion writes the response. Client deadlines and cancellation reach the shards through a
 * {@link SearchControl} per call.
 */
public final class BiomatchService extends BiomatchGrpc.BiomatchImplBase {
    /**
     * Requests in flight per bulk or batch stream at most; the server asks the client for more as they finish.
     * {@code biomatch bench load -n 30000} (face embeddings, 2 shards): 2,462-2,605 records/s acknowledged with
     * this stream, 1,368-1,396 with 16 in flight; a plain window of 64 gave 2,647, of 256 2,937, of 1,024 2,951.
     */
    static final int STREAM_WINDOW = 64;
    /**
     * Request bytes a stream may hold at most: those received and not finished, plus those asked for counted at the
     * largest a request may be. Big requests (images) then get a smaller window, small ones (embeddings) all 64.
     */
    static final long STREAM_BYTES = 256L << 20;

    private final Engine engine;
    private final CaseJobs caseJobs = new CaseJobs();
    /** The largest request gRPC accepts (what a request asked for may turn out to be). */
    private final long maxRequestBytes;

    public BiomatchService(Engine engine) {
        this.engine = engine;
        this.maxRequestBytes = io.biomatch.server.BiomatchServer.grpcMessageLimit(engine.config().maxPayloadBytes());
    }

    /**
     * The service as the server binds it: requests protobuf cannot parse are answered INVALID_ARGUMENT
     * ({@link UnreadableRequests}) instead of grpc-java's UNKNOWN.
     */
    public static io.grpc.ServerServiceDefinition definition(Engine engine) {
        return UnreadableRequests.wrap(new BiomatchService(engine).bindService());
    }

    /** Deadline and cancellation of the current call. */
    private static SearchControl control() {
        Context ctx = Context.current();
        Deadline d = ctx.getDeadline();
        SearchControl c = new SearchControl(d == null ? Long.MAX_VALUE
                : System.nanoTime() + d.timeRemaining(TimeUnit.NANOSECONDS));
        ctx.addListener(x -> c.cancel(), Runnable::run);
        return c;
    }

    /**
     * The future {@code call} returns, or a failed one when mapping the request throws before it (an unreadable
     * item, top_k out of range): the failure then reaches the client as its status, not as grpc-java's UNKNOWN.
     */
    private static <T> CompletableFuture<T> started(java.util.function.Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static <T> void reply(StreamObserver<T> out, T value, Throwable error) {
        if (error != null) {
            out.onError(GrpcErrors.exception(error));
        } else {
            out.onNext(value);
            out.onCompleted();
        }
    }

    @Override
    public void enrol(EnrolRequest request, StreamObserver<EnrolResponse> out) {
        engine.enrol(ProtoMapping.enrol(request), control()).whenComplete((r, e) ->
                reply(out, e == null ? EnrolResponse.newBuilder().setRecord(ProtoMapping.record(r)).build() : null, e));
    }

    @Override
    public StreamObserver<EnrolRequest> enrolBulk(StreamObserver<EnrolAck> responses) {
        var out = (ServerCallStreamObserver<EnrolAck>) responses;
        SearchControl control = control(); // a cancelled stream stores none of its records not stored yet
        return new WindowedStream<EnrolRequest, EnrolAck>(out, maxRequestBytes) {
            @Override
            void start(long sequence, EnrolRequest request) {
                // an unreadable item fails its own future: its ack carries the error, the stream goes on
                started(() -> engine.enrol(ProtoMapping.enrol(request), control)).whenComplete((r, e) -> {
                    EnrolAck.Builder ack = EnrolAck.newBuilder().setSequence(sequence).setId(request.getId());
                    if (e == null) {
                        ack.setStored(true);
                    } else {
                        Status s = GrpcErrors.status(e);
                        ack.setStored(false).setErrorCode(s.getCode().name())
                                .setErrorMessage(s.getDescription() == null ? "" : s.getDescription());
                    }
                    finished(ack.build(), request);
                });
            }
        };
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
        try {
            Record r = engine.get(request.getId());
            GetResponse.Builder b = GetResponse.newBuilder().setRecord(ProtoMapping.record(r));
            if (request.getIncludeTemplate()) {
                b.setTemplate(ByteString.copyFrom(r.template()));
            }
            reply(out, b.build(), null);
        } catch (RuntimeException e) {
            reply(out, null, e);
        }
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
        engine.delete(request.getId()).whenComplete((ok, e) -> reply(out, DeleteResponse.getDefaultInstance(), e));
    }

    @Override
    public void identify(IdentifyRequest request, StreamObserver<IdentifyResponse> out) {
        long start = System.nanoTime();
        SearchControl control = control();
        started(() -> engine.identify(ProtoMapping.identify(request, control.deadlineNanos()), control))
                .whenComplete((r, e) -> reply(out, e == null ? ProtoMapping.identifyResponse(r, start) : null, e));
    }

    @Override
    public void verify(VerifyRequest request, StreamObserver<VerifyResponse> out) {
        SearchControl control = control();
        engine.verify(request.getId(), request.getModality(), ProtoMapping.payloads(request.getProbeList()),
                request.getOptionsMap(), control).whenComplete((v, e) ->
                reply(out, e == null ? ProtoMapping.verify(v) : null, e));
    }

    @Override
    public StreamObserver<BatchIdentifyRequest> batchIdentify(StreamObserver<BatchIdentifyResponse> responses) {
        var out = (ServerCallStreamObserver<BatchIdentifyResponse>) responses;
        SearchControl control = control();
        return new WindowedStream<BatchIdentifyRequest, BatchIdentifyResponse>(out, maxRequestBytes) {
            @Override
            void start(long sequence, BatchIdentifyRequest request) {
                long started = System.nanoTime();
                started(() -> {
                    ProtoMapping.requireReadable(request); // an unreadable item: its answer carries the error
                    return engine.identify(ProtoMapping.identify(request.getIdentify(), control.deadlineNanos()),
                            control);
                }).whenComplete((r, e) -> {
                            var b = BatchIdentifyResponse.newBuilder().setRequestId(request.getRequestId());
                            if (e == null) {
                                b.setResult(ProtoMapping.identifyResponse(r, started));
                            } else {
                                Status s = GrpcErrors.status(e);
                                b.setErrorCode(s.getCode().name())
                                        .setErrorMessage(s.getDescription() == null ? "" : s.getDescription());
                            }
                            finished(b.build(), request);
                        });
            }
        };
    }

    @Override
    public void kinship(io.biomatch.server.grpc.v1.KinshipRequest request,
                        StreamObserver<io.biomatch.server.grpc.v1.KinshipResponse> out) {
        caseJobs.kinship(request, out);
    }

    @Override
    public void dvi(io.biomatch.server.grpc.v1.DviRequest request, StreamObserver<io.biomatch.server.grpc.v1.DviProgress> out) {
        caseJobs.dvi(request, out);
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> out) {
        try {
            reply(out, ProtoMapping.stats(engine.stats(), new ArrayList<>(engine.modalityNames())), null);
        } catch (RuntimeException e) {
            reply(out, null, e);
        }
    }

    /**
     * A bidirectional stream with at most {@link #STREAM_WINDOW} requests in flight and at most
     * {@link #STREAM_BYTES} of them (plus one request): inbound flow control asks for one more request while the
     * client can take results, the count is under the window, and the bytes held, with each request asked for
     * counted at {@code maxRequestBytes}, stay under the budget. Results the client cannot take yet wait in
     * gRPC's buffer only up to the window.
     */
    abstract static class WindowedStream<Q extends MessageLite, R> implements StreamObserver<Q> {
        private final ServerCallStreamObserver<R> out;
        private final long maxRequestBytes;
        private long nextSequence;
        /** Received and not finished. */
        private int inFlight;
        private long inFlightBytes;
        /** Asked for with {@code request(1)} and not received yet. */
        private int requested;
        private boolean inputDone;
        private boolean closed;

        WindowedStream(ServerCallStreamObserver<R> out, long maxRequestBytes) {
            this.out = out;
            this.maxRequestBytes = Math.max(1, maxRequestBytes);
            out.disableAutoRequest();
            out.setOnReadyHandler(this::pump);
            out.setOnCancelHandler(() -> {
                synchronized (this) {
                    closed = true;
                }
            });
            // before the call is ready: what the byte budget allows at the largest request size, one at least
            synchronized (this) {
                requested = (int) Math.max(1, Math.min(STREAM_WINDOW, STREAM_BYTES / this.maxRequestBytes));
            }
            out.request(requested);
        }

        abstract void start(long sequence, Q request);

        @Override
        public void onNext(Q request) {
            long seq;
            synchronized (this) {
                seq = nextSequence++;
                requested = Math.max(0, requested - 1);
                inFlight++;
                inFlightBytes += request.getSerializedSize();
            }
            try {
                start(seq, request);
            } catch (RuntimeException e) {
                // start() maps its own failures into the response; this is only a safety net.
                synchronized (this) {
                    inFlight--;
                    inFlightBytes -= request.getSerializedSize();
                }
                throw e;
            }
            pump();
        }

        /** Called once per request with its result (and the request, whose bytes are then released). */
        final void finished(R result, Q request) {
            synchronized (this) {
                inFlight--;
                inFlightBytes -= request.getSerializedSize();
                if (closed) {
                    return;
                }
                out.onNext(result);
                pump();
                maybeComplete();
            }
        }

        /** Asks for as many more requests as the window, the byte budget and the client's readiness allow. */
        private synchronized void pump() {
            while (!closed && !inputDone && out.isReady() && inFlight + requested < STREAM_WINDOW
                    && (inFlight + requested == 0
                    || inFlightBytes + (requested + 1L) * maxRequestBytes <= STREAM_BYTES)) {
                requested++;
                out.request(1);
            }
        }

        /** Requests received and not finished, and asked for and not received (tests). */
        synchronized int inFlight() {
            return inFlight;
        }

        synchronized int requested() {
            return requested;
        }

        @Override
        public synchronized void onError(Throwable t) {
            closed = true;
        }

        @Override
        public synchronized void onCompleted() {
            inputDone = true;
            maybeComplete();
        }

        private void maybeComplete() {
            if (inputDone && inFlight == 0 && !closed) {
                closed = true;
                out.onCompleted();
            }
        }
    }

}
