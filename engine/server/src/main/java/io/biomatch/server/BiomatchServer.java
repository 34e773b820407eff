package io.biomatch.server;

import io.biomatch.core.Engine;
import io.biomatch.server.grpc.BiomatchService;
import io.biomatch.server.grpc.v1.BiomatchGrpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC front over an engine: biomatch.v1.Biomatch, the standard health service and server reflection.
 * Takes a {@link ServerBuilder} so tests can run it in-process. Does not own the engine.
 */
public final class BiomatchServer implements AutoCloseable {
    /**
     * gRPC's own inbound message limit. Kept well above the engine's payload limit so an oversized payload
     * reaches the engine and gets INVALID_ARGUMENT with the limit in the message; only messages past this
     * are refused by gRPC itself (RESOURCE_EXHAUSTED).
     */
    public static int grpcMessageLimit(int enginePayloadLimit) {
        return (int) Math.min(Integer.MAX_VALUE, enginePayloadLimit * 4L + (1 << 20));
    }

    private final Server server;
    private final HealthStatusManager health;

    private BiomatchServer(Server server, HealthStatusManager health) {
        this.server = server;
        this.health = health;
    }

    public static BiomatchServer start(Engine engine, ServerBuilder<?> builder) {
        HealthStatusManager health = new HealthStatusManager();
        Server server = builder
                .addService(BiomatchService.definition(engine))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(reflectionV1Alpha())
                .maxInboundMessageSize(grpcMessageLimit(engine.config().maxPayloadBytes()))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the gRPC server: " + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(BiomatchGrpc.SERVICE_NAME, ServingStatus.SERVING);
        return new BiomatchServer(server, health);
    }

    /** Reflection v1alpha too: older clients (grpcurl before v1, grpc-reflection-js) speak only that. */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService reflectionV1Alpha() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /** The bound port (-1 for in-process servers). */
    public int port() {
        return server.getPort();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Graceful: reports NOT_SERVING, lets calls in flight finish for up to 5 s, then stops. */
    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }
}
