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

    /** The largest response the client takes. */
    static final int MAX_INBOUND_BYTES = 64 << 20;

    ManagedChannel channel() {
        checkServer(server);
        return ManagedChannelBuilder.forTarget(server).usePlaintext().maxInboundMessageSize(MAX_INBOUND_BYTES)
                .build();
    }

    /**
     * host:port checked before connecting: gRPC takes a bad one (port 99999, no port) as a name to resolve later,
     * and its resolver thread logs a stack trace while the call waits out the whole deadline (exit 6). Explicit
     * gRPC target URIs (dns:///host:port, unix:/path) are passed on as they are.
     */
    static void checkServer(String target) {
        if (target.contains(":///") || target.startsWith("unix:") || target.startsWith("unix-abstract:")) {
            return;
        }
        int colon = target.lastIndexOf(':');
        String host = colon < 0 ? "" : target.substring(0, colon);
        String port = colon < 0 ? "" : target.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [::1]:7300
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (colon < 0 || host.isBlank() || host.contains(":") && !target.startsWith("[") || p < 1 || p > 65535) {
            throw new BiomatchCli.CliException(2, "--server must be host:port with port 1..65535 (IPv6: [addr]:port): "
                    + target);
        }
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

    /**
     * A JSON object of string fields, in the given order, escaped by Gson: the CLI's JSON that is not a protobuf
     * message. Hand-made JSON printed an id like {@code a\q} or one with a control character unescaped.
     */
    static String jsonObject(String... keysAndValues) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            o.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new com.google.gson.GsonBuilder().disableHtmlEscaping().create().toJson(o);
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
