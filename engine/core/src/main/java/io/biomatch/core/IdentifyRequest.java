package io.biomatch.core;

import java.util.List;
import java.util.Map;

/**
 * A 1:N search.
 *
 * @param modality       modality name
 * @param payloads       the probe input
 * @param options        modality-specific search options (e.g. {@code mode=exact|hnsw}, {@code stringency=moderate})
 * @param topK           number of candidates wanted, 1..{@value #MAX_TOP_K}
 * @param minScore       candidates scoring below this are dropped ({@code Float.NEGATIVE_INFINITY} = keep all)
 * @param filter         agency/metadata restriction
 * @param deadlineNanos  {@link System#nanoTime()} value after which the search gives up; {@code Long.MAX_VALUE} = none
 */
public record IdentifyRequest(String modality, List<Payload> payloads, Map<String, String> options, int topK,
                              float minScore, SearchFilter filter, long deadlineNanos) {
    public static final int MAX_TOP_K = 10_000;

    public IdentifyRequest {
        payloads = payloads == null ? List.of() : List.copyOf(payloads);
        options = options == null ? Map.of() : Map.copyOf(options);
        filter = filter == null ? SearchFilter.NONE : filter;
    }
}
