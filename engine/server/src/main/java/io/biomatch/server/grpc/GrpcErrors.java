package io.biomatch.server.grpc;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. Engine reasons map one to one; anything else is a
 * bug on our side: it is logged here with an incident number and the client sees INTERNAL with that
 * number only (no stack trace, no data).
 */
public final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);
    private static final AtomicLong INCIDENTS = new AtomicLong();

    private GrpcErrors() {
    }

    public static Status.Code code(EngineException.Reason reason) {
        return switch (reason) {
            case INVALID_INPUT -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case OVERLOADED, MEMORY_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
            case CANCELLED -> Status.Code.CANCELLED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
        };
    }

    public static Status status(Throwable failure) {
        Throwable t = Engine.cause(failure);
        if (t instanceof EngineException e) {
            return Status.fromCode(code(e.reason())).withDescription(bounded(e.getMessage()));
        }
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        long incident = INCIDENTS.incrementAndGet();
        LOG.error("internal error, incident {}", incident, t);
        return Status.INTERNAL.withDescription("internal error (incident " + incident + " in the server log)");
    }

    public static StatusRuntimeException exception(Throwable failure) {
        return status(failure).asRuntimeException();
    }

    public static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(bounded(message)).asRuntimeException();
    }

    /** Longest status description sent, in characters. */
    static final int MAX_DESCRIPTION_CHARS = 1000;

    /**
     * A description cut to {@link #MAX_DESCRIPTION_CHARS}. Why: it travels percent-encoded in an HTTP/2 trailer, and
     * one past the peer's header limit (8 KiB by default) turned an INVALID_ARGUMENT that echoed a 9,000-character
     * attribute into INTERNAL "http2 exception" at the client.
     */
    static String bounded(String description) {
        if (description == null || description.length() <= MAX_DESCRIPTION_CHARS) {
            return description;
        }
        return description.substring(0, MAX_DESCRIPTION_CHARS) + "... (" + (description.length() - MAX_DESCRIPTION_CHARS)
                + " more characters)";
    }
}
