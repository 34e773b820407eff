package io.biomatch.core;

import java.util.Map;
import java.util.Set;

/**
 * Restricts a search to records owned by one of {@code agencies} (empty = any agency) whose metadata holds
 * every entry of {@code metadata} (exact string equality).
 */
public record SearchFilter(Set<String> agencies, Map<String, String> metadata) {
    public static final SearchFilter NONE = new SearchFilter(Set.of(), Map.of());

    public SearchFilter {
        agencies = agencies == null ? Set.of() : Set.copyOf(agencies);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public boolean isEmpty() {
        return agencies.isEmpty() && metadata.isEmpty();
    }
}
