package io.biomatch.core;

/**
 * The engine's one exception type. {@link Reason} says what kind of failure it is; the front maps each
 * reason to one status code in one place. Messages say what was wrong in words a caller can act on and
 * never contain biometric data.
 */
public final class EngineException extends RuntimeException {
    public enum Reason {
        /** Bad input from the caller: empty or malformed payload, wrong format, unknown modality, too large. */
        INVALID_INPUT,
        /** The id is not enrolled. */
        NOT_FOUND,
        /** The id is already enrolled. */
        ALREADY_EXISTS,
        /** A work queue is full; retry later. */
        OVERLOADED,
        /** The machine is short of memory: enrolments and compactions are refused until it has more (searches go on). */
        MEMORY_EXHAUSTED,
        /** The caller's deadline passed before the work finished. */
        DEADLINE_EXCEEDED,
        /** The caller cancelled. */
        CANCELLED,
        /** The engine is closed or could not do the work for reasons not caused by the caller. */
        UNAVAILABLE
    }

    private final Reason reason;

    public EngineException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public EngineException(Reason reason, String message, Throwable cause) {
        super(message, cause, false, true);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public static EngineException invalid(String message) {
        return new EngineException(Reason.INVALID_INPUT, message);
    }
}
