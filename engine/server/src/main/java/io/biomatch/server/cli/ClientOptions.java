package io.biomatch.server.cli;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Options shared by the client commands. */
final class ClientOptions {
    @Option(names = "--server", defaultValue = "localhost:7300", description = "host:port of biomatch serve (default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Option(names = "--deadline-ms", defaultValue = "60000", description = "give up after this many milliseconds (default: ${DEFAULT-VALUE})")
    long deadlineMillis;

    ManagedChannel channel() {
        return ManagedChannelBuilder.forTarget(server).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    BiomatchGrpc.BiomatchBlockingStub stub(ManagedChannel ch) {
        return BiomatchGrpc.newBlockingStub(ch).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .withMaxOutboundMessageSize(Integer.MAX_VALUE);
    }

    static String json(MessageOrBuilder m) {
        try {
            return JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(m);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static void close(ManagedChannel ch) {
        ch.shutdownNow();
        try {
            ch.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
