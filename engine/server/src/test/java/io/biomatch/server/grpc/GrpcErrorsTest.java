package io.biomatch.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.biomatch.core.EngineException;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {
    @Test
    void everyEngineReasonHasItsStatusAndUnknownFailuresRevealNothing() {
        Map<EngineException.Reason, Status.Code> expected = Map.of(
                EngineException.Reason.INVALID_INPUT, Status.Code.INVALID_ARGUMENT,
                EngineException.Reason.NOT_FOUND, Status.Code.NOT_FOUND,
                EngineException.Reason.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS,
                EngineException.Reason.OVERLOADED, Status.Code.RESOURCE_EXHAUSTED,
                EngineException.Reason.MEMORY_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED,
                EngineException.Reason.DEADLINE_EXCEEDED, Status.Code.DEADLINE_EXCEEDED,
                EngineException.Reason.CANCELLED, Status.Code.CANCELLED,
                EngineException.Reason.UNAVAILABLE, Status.Code.UNAVAILABLE);
        assertEquals(EngineException.Reason.values().length, expected.size());
        for (var e : expected.entrySet()) {
            Status s = GrpcErrors.status(new CompletionException(new EngineException(e.getKey(), "why")));
            assertEquals(e.getValue(), s.getCode());
            assertEquals("why", s.getDescription());
        }
        Status internal = GrpcErrors.status(new IllegalStateException("secret detail at line 42"));
        assertEquals(Status.Code.INTERNAL, internal.getCode());
        assertFalse(internal.getDescription().contains("secret"));
    }

    @Test
    void longDescriptionsAreCutSoThatTheStatusStillReachesTheClient() {
        String longMessage = "x".repeat(9000);
        Status s = GrpcErrors.status(new EngineException(EngineException.Reason.INVALID_INPUT, longMessage));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("x".repeat(1000) + "... (8000 more characters)", s.getDescription());
        assertEquals("short", GrpcErrors.status(new EngineException(EngineException.Reason.NOT_FOUND, "short"))
                .getDescription());
    }
}
