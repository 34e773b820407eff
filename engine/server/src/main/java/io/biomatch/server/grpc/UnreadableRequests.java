package io.biomatch.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests that protobuf cannot parse (a string field of invalid UTF-8, a cut or garbled message) answered with
 * INVALID_ARGUMENT saying so. Why: grpc-java turns any exception from parsing a request into UNKNOWN "Application
 * error processing RPC" and logs a stack trace, and in a client stream it ended the whole stream, leaving the
 * records behind the bad one unacknowledged. Here the request marshaller never throws: a request it cannot parse
 * becomes an empty message of its type carrying the parser's complaint in field {@link #MARK}; a unary or
 * server-streaming call is then closed with INVALID_ARGUMENT before the service sees it, and a client stream's item
 * reaches the service, whose per-item mapping ({@link ProtoMapping#requireReadable}) refuses it in that item's answer
 * while the stream goes on.
 */
final class UnreadableRequests {
    /** The largest field number protobuf allows; the biomatch.v1 messages use small ones. */
    static final int MARK = 536_870_911;

    private UnreadableRequests() {
    }

    /** The service with lenient request marshallers and the unary close-on-unreadable interceptor. */
    static ServerServiceDefinition wrap(ServerServiceDefinition def) {
        ServiceDescriptor old = def.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
                .setSchemaDescriptor(old.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
            ServerMethodDefinition<?, ?> lenient = lenient(m);
            descriptor.addMethod(lenient.getMethodDescriptor());
            methods.add(lenient);
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
        for (ServerMethodDefinition<?, ?> m : methods) {
            b.addMethod(m);
        }
        return ServerInterceptors.intercept(b.build(), new CloseUnaryOnUnreadable());
    }

    private static <Q, R> ServerMethodDefinition<Q, R> lenient(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor<Q, R> lenient = md.toBuilder().setRequestMarshaller(new Lenient<>(md.getRequestMarshaller()))
                .build();
        return ServerMethodDefinition.create(lenient, m.getServerCallHandler());
    }

    /** The parser's complaint carried by an unreadable request, or null for a parsed one. */
    static String complaint(Object request) {
        if (request instanceof Message m && m.getUnknownFields().hasField(MARK)) {
            List<ByteString> v = m.getUnknownFields().getField(MARK).getLengthDelimitedList();
            return v.isEmpty() ? "request could not be parsed" : v.get(0).toStringUtf8();
        }
        return null;
    }

    private record Lenient<Q>(MethodDescriptor.Marshaller<Q> inner)
            implements MethodDescriptor.PrototypeMarshaller<Q> {
        @Override
        public InputStream stream(Q value) {
            return inner.stream(value);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Q parse(InputStream stream) {
            try {
                return inner.parse(stream);
            } catch (StatusRuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                String why = "request is not a valid " + typeName() + " message: " + cause.getMessage();
                Message prototype = (Message) getMessagePrototype();
                return (Q) prototype.newBuilderForType().setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(MARK, UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(ByteString.copyFromUtf8(why)).build()).build()).build();
            }
        }

        private String typeName() {
            Object p = getMessagePrototype();
            return p instanceof Message m ? m.getDescriptorForType().getFullName() : "request";
        }

        @Override
        @SuppressWarnings("unchecked")
        public Q getMessagePrototype() {
            return ((MethodDescriptor.PrototypeMarshaller<Q>) inner).getMessagePrototype();
        }

        @Override
        public Class<Q> getMessageClass() {
            return ((MethodDescriptor.PrototypeMarshaller<Q>) inner).getMessageClass();
        }
    }

    /** Unary and server-streaming calls: an unreadable request closes the call with INVALID_ARGUMENT. */
    private static final class CloseUnaryOnUnreadable implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            ServerCall.Listener<Q> delegate = next.startCall(call, headers);
            if (call.getMethodDescriptor().getType().clientSendsOneMessage()) {
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                    boolean closed;

                    @Override
                    public void onMessage(Q message) {
                        String why = complaint(message);
                        if (why != null) {
                            closed = true;
                            call.close(Status.INVALID_ARGUMENT.withDescription(GrpcErrors.bounded(why)), new Metadata());
                            return;
                        }
                        super.onMessage(message);
                    }

                    @Override
                    public void onHalfClose() {
                        if (!closed) {
                            super.onHalfClose();
                        }
                    }

                    @Override
                    public void onReady() {
                        if (!closed) {
                            super.onReady();
                        }
                    }

                    @Override
                    public void onComplete() {
                        if (!closed) {
                            super.onComplete();
                        }
                    }
                };
            }
            return delegate;
        }
    }
}
