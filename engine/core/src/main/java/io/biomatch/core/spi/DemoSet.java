package io.biomatch.core.spi;

import io.biomatch.core.Payload;
import java.util.List;
import java.util.Map;

/**
 * A modality's demo: a small gallery to enrol and probes to identify against it, with the expected mate.
 */
public record DemoSet(String title, List<Entry> gallery, List<Probe> probes) {
    /** A gallery record. */
    public record Entry(String id, String agency, Map<String, String> metadata, List<Payload> payloads) {
    }

    /** A probe; {@code expectedId} is the true mate, or null when the probe has none in the gallery. */
    public record Probe(String label, List<Payload> payloads, Map<String, String> options, String expectedId) {
    }
}
