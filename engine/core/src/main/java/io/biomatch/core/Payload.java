package io.biomatch.core;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Raw input for enrolment or a probe: bytes in a declared format plus format-specific attributes.
 *
 * <p>The same shape carries every modality's input (an image with {@code dpi}, an ISO template, a float32
 * embedding, an STR profile), so the front needs one set of RPCs. The modality decides which formats it
 * accepts and validates the bytes.
 *
 * @param format     declared format, e.g. {@code image}, {@code iso-19794-2}, {@code embedding-f32}, {@code str-csv}
 * @param data       the bytes; never null
 * @param attributes format-specific attributes (e.g. {@code dpi=500}, {@code finger_position=2}); never null
 */
public record Payload(String format, byte[] data, Map<String, String> attributes) {
    public Payload {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(data, "data");
        attributes = attributes == null ? Map.of() : Map.copyOf(new TreeMap<>(attributes));
    }

    public Payload(String format, byte[] data) {
        this(format, data, Map.of());
    }

    /** An attribute, or {@code fallback} when absent. */
    public String attribute(String name, String fallback) {
        return attributes.getOrDefault(name, fallback);
    }

    @Override
    public String toString() {
        // Never print biometric bytes.
        return "Payload[format=" + format + ", bytes=" + data.length + ", attributes=" + attributes + "]";
    }
}
