package io.biomatch.server.grpc;

import com.google.protobuf.ByteString;
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
import java.util.concurrent.TimeUnit;

/**
 * biomatch.v1.Biomatch over the engine. Never blocks the gRPC executor: engine calls return futures whose
 * completion writes the response. Client deadlines and cancellation reach the shards through a
 * {@link SearchControl} per call.
 */
public final class BiomatchService extends BiomatchGrpc.BiomatchImplBase {
    /** Requests in flight per bulk or batch stream; the server asks the client for more as they finish. */
    static final int STREAM_WINDOW = 16;

    private final Engine engine;
    private final CaseJobs caseJobs = new CaseJobs();

    public BiomatchService(Engine engine) {
        this.engine = engine;
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
        engine.enrol(ProtoMapping.enrol(request)).whenComplete((r, e) ->
                reply(out, e == null ? EnrolResponse.newBuilder().setRecord(ProtoMapping.record(r)).build() : null, e));
    }

    @Override
    public StreamObserver<EnrolRequest> enrolBulk(StreamObserver<EnrolAck> responses) {
        var out = (ServerCallStreamObserver<EnrolAck>) responses;
        return new WindowedStream<EnrolRequest, EnrolAck>(out) {
            @Override
            void start(long sequence, EnrolRequest request) {
                engine.enrol(ProtoMapping.enrol(request)).whenComplete((r, e) -> {
                    EnrolAck.Builder ack = EnrolAck.newBuilder().setSequence(sequence).setId(request.getId());
                    if (e == null) {
                        ack.setStored(true);
                    } else {
                        Status s = GrpcErrors.status(e);
                        ack.setStored(false).setErrorCode(s.getCode().name())
                                .setErrorMessage(s.getDescription() == null ? "" : s.getDescription());
                    }
                    finished(ack.build());
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
        engine.identify(ProtoMapping.identify(request, control.deadlineNanos()), control).whenComplete((r, e) ->
                reply(out, e == null ? ProtoMapping.identifyResponse(r, start) : null, e));
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
        return new WindowedStream<BatchIdentifyRequest, BatchIdentifyResponse>(out) {
            @Override
            void start(long sequence, BatchIdentifyRequest request) {
                long started = System.nanoTime();
                engine.identify(ProtoMapping.identify(request.getIdentify(), control.deadlineNanos()), control)
                        .whenComplete((r, e) -> {
                            var b = BatchIdentifyResponse.newBuilder().setRequestId(request.getRequestId());
                            if (e == null) {
                                b.setResult(ProtoMapping.identifyResponse(r, started));
                            } else {
                                Status s = GrpcErrors.status(e);
                                b.setErrorCode(s.getCode().name())
                                        .setErrorMessage(s.getDescription() == null ? "" : s.getDescription());
                            }
                            finished(b.build());
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
     * A bidirectional stream with at most {@link #STREAM_WINDOW} requests in flight: inbound flow control
     * asks for one more request each time a result is written and the client can take it; results that
     * the client cannot take yet wait in gRPC's buffer only up to the window.
     */
    abstract static class WindowedStream<Q, R> implements StreamObserver<Q> {
        private final ServerCallStreamObserver<R> out;
        private long nextSequence;
        private int inFlight;
        private int owedRequests;
        private boolean inputDone;
        private boolean closed;

        WindowedStream(ServerCallStreamObserver<R> out) {
            this.out = out;
            out.disableAutoRequest();
            out.setOnReadyHandler(this::onReady);
            out.setOnCancelHandler(() -> {
                synchronized (this) {
                    closed = true;
                }
            });
            out.request(STREAM_WINDOW);
        }

        abstract void start(long sequence, Q request);

        @Override
        public void onNext(Q request) {
            long seq;
            synchronized (this) {
                seq = nextSequence++;
                inFlight++;
            }
            try {
                start(seq, request);
            } catch (RuntimeException e) {
                // start() maps its own failures into the response; this is only a safety net.
                synchronized (this) {
                    inFlight--;
                }
                throw e;
            }
        }

        /** Called once per request with its result. */
        final void finished(R result) {
            synchronized (this) {
                inFlight--;
                if (closed) {
                    return;
                }
                out.onNext(result);
                if (out.isReady()) {
                    out.request(1);
                } else {
                    owedRequests++;
                }
                maybeComplete();
            }
        }

        private synchronized void onReady() {
            while (owedRequests > 0 && out.isReady() && !closed) {
                owedRequests--;
                out.request(1);
            }
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
