package io.biomatch.core;

import java.util.List;
import java.util.Map;

/**
 * Enrol one record: the modality turns the payloads into its stored template.
 *
 * @param replace when true an existing record with the same id is replaced (re-enrol); otherwise a
 *                duplicate id fails with {@link EngineException.Reason#ALREADY_EXISTS}
 */
public record EnrolRequest(String id, String modality, String agency, Map<String, String> metadata,
                           List<Payload> payloads, boolean replace) {
    public EnrolRequest {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        payloads = payloads == null ? List.of() : List.copyOf(payloads);
        agency = agency == null ? "" : agency;
    }
}
