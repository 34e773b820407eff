package io.biomatch.core;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One enrolled record, as held by the durable record store (the source of truth).
 *
 * @param id            caller-chosen unique id (1..{@value #MAX_ID_BYTES} bytes of UTF-8, no control characters)
 * @param modality      modality name, e.g. {@code fingerprint}, {@code face}, {@code dna}
 * @param agency        owning agency (e.g. an NCB or lab code); may be empty
 * @param metadata      free key/value metadata, sorted by key
 * @param template      the modality's stored template bytes (what the shard segment slot is built from)
 * @param createdMillis creation time, milliseconds since the epoch (UTC)
 */
public record Record(String id, String modality, String agency, SortedMap<String, String> metadata,
                     byte[] template, long createdMillis) {
    public static final int MAX_ID_BYTES = 128;

    public Record {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(modality, "modality");
        agency = agency == null ? "" : agency;
        metadata = Collections.unmodifiableSortedMap(new TreeMap<>(metadata == null ? Map.of() : metadata));
        Objects.requireNonNull(template, "template");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && id.equals(r.id) && modality.equals(r.modality) && agency.equals(r.agency)
                && metadata.equals(r.metadata) && java.util.Arrays.equals(template, r.template)
                && createdMillis == r.createdMillis;
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "Record[id=" + id + ", modality=" + modality + ", agency=" + agency + ", metadata=" + metadata
                + ", templateBytes=" + template.length + ", createdMillis=" + createdMillis + "]";
    }
}
