package io.biomatch.core;


/**
 * Deadline and cancellation of one request, checked by shard workers between scan blocks so that a client
 * deadline or cancel stops the work in the shards too; an enrolment checks it before its template is extracted and
 * again just before the record is stored, so that one cancelled or past its deadline by then is not stored.
 */
public final class SearchControl {
    public static final SearchControl NONE = new SearchControl(Long.MAX_VALUE);

    private final long deadlineNanos;
    private volatile boolean cancelled;

    public SearchControl(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    public void check() {
        if (cancelled) {
            throw new EngineException(EngineException.Reason.CANCELLED, "request cancelled");
        }
        if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
            throw new EngineException(EngineException.Reason.DEADLINE_EXCEEDED,
                    "deadline exceeded before the request finished");
        }
    }
}
