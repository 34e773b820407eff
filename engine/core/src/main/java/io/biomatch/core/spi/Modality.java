package io.biomatch.core.spi;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a modality (fingerprint, face, DNA) plugs into the core. Implementations are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.biomatch.core.spi.Modality}).
 *
 * <p>Data flow. Enrol: {@link #extractTemplate} turns raw payloads into the stored template bytes (kept by
 * the record store, the source of truth), then {@link #writeSlot} lays them into one fixed-stride slot of
 * a shard segment. Identify: {@link #prepareProbe} builds the probe once; every shard runs the
 * {@link #kernel()} over its live slots keeping a primitive top-K; the core merges the shards' lists and,
 * when the modality has a {@link #rescorer()}, re-scores the merged short list of
 * {@link #shortlistSize(int)} candidates from their stored templates.
 *
 * <p>Errors: every method that reads caller input throws {@link EngineException} with reason
 * {@code INVALID_INPUT} and a message that says what was wrong (never the biometric bytes).
 * Implementations must be thread-safe: the core calls them from many threads.
 *
 * @param <P> the prepared probe (immutable, shared by all shard workers of one search)
 */
public interface Modality<P> {
    /** Lower-case name used in requests and records, e.g. {@code fingerprint}. */
    String name();

    /** Payload formats accepted by {@link #extractTemplate} and {@link #prepareProbe}. */
    Set<String> formats();

    /** Bytes of one slot in a shard segment; every stored template of this modality fits in it. */
    int slotBytes();

    /** Validates and decodes the payloads and extracts the template to store. */
    byte[] extractTemplate(List<Payload> payloads);

    /**
     * Consecutive slots this template takes (default 1). A record with several parts (fingers of a
     * ten-print card) can take one slot per part; the scan visits only the record's first slot, so the
     * first slot must tell the kernel how many follow. At most 255.
     */
    default int slotsFor(byte[] template) {
        return 1;
    }

    /**
     * Writes a stored template into its slots ({@code slotsFor(template) * slotBytes()} bytes, zero-filled). Also called when
     * segments are rebuilt from the record store, so it must reject corrupt bytes with INVALID_INPUT.
     */
    void writeSlot(byte[] template, MemorySegment slot);

    /** Validates and decodes the payloads and builds the probe, once per search. */
    P prepareProbe(List<Payload> payloads, Map<String, String> options);

    /** The shard scan kernel: probe x slot -> score. */
    ScanKernel<P> kernel();

    /** Optional second stage over the merged short list, from stored templates. */
    default Optional<Rescorer<P>> rescorer() {
        return Optional.empty();
    }

    /** How many first-stage candidates to re-score when {@code topK} are wanted. */
    default int shortlistSize(int topK) {
        return topK;
    }

    /**
     * How many first-stage candidates to re-score for this probe; 0 = no second stage for this probe
     * (its first-stage scores are final). The default ignores the probe.
     */
    default int shortlistSize(P probe, int topK) {
        return shortlistSize(topK);
    }

    /**
     * {@link #shortlistSize(Object, int)} for a search over {@code galleryRecords} live records of this modality
     * (the engine's count as of the shards' last mutations): a modality whose first stage loses more true mates
     * to chance matches as the gallery grows can keep a fixed fraction of it. The default ignores the size.
     */
    default int shortlistSize(P probe, int topK, long galleryRecords) {
        return shortlistSize(probe, topK);
    }

    /**
     * A per-shard secondary index (graph, postings), or null for scan only. Called on the shard's worker
     * thread when the shard first holds this modality.
     *
     * @param shard    the shard number
     * @param dataDir  the engine's data directory, for indexes that keep files (use a sub-folder per shard)
     */
    default ShardIndex<P> newShardIndex(int shard, java.nio.file.Path dataDir) {
        return null;
    }

    /**
     * Slots a shard scans between two checks of the request's deadline and cancellation. Choose it so a
     * block takes at most a few milliseconds: a client's deadline is honoured to within one block.
     */
    default int scanBlockSlots() {
        return 1024;
    }

    /** What scores mean: scale, default threshold and its error rate. */
    ScoreMeaning scoreMeaning();

    /** What this probe's scores mean, when search options change the scale; the default ignores the probe. */
    default ScoreMeaning scoreMeaning(P probe) {
        return scoreMeaning();
    }

    /**
     * 1:1 comparison of a probe with one stored template (verify). The default writes the template into a
     * scratch slot and runs the kernel, then the re-scorer when there is one.
     */
    default float compare(P probe, byte[] template) {
        Optional<Rescorer<P>> rescorer = rescorer();
        if (rescorer.isPresent()) {
            return rescorer.get().rescore(probe, template);
        }
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment slot = arena.allocate((long) slotsFor(template) * slotBytes(), 64);
            writeSlot(template, slot);
            return kernel().score(probe, slot, 0);
        }
    }

    /**
     * Sample data this modality can enrol and search in the demo, read from the shared data folder
     * ({@code ../shared/data} next to the repository); empty when the folder lacks what it needs.
     */
    default List<DemoSet> demo(Path sharedData) {
        return List.of();
    }

    /** Shorthand for an INVALID_INPUT failure. */
    static EngineException invalid(String message) {
        return EngineException.invalid(message);
    }

    /**
     * INVALID_INPUT naming the first option key not in {@code known}. Why: a misspelt option (say {@code modee} for
     * {@code mode}) would otherwise run the default search while the examiner believes the asked-for one ran.
     *
     * @param options the request's options (may be null)
     */
    static void requireKnownOptions(Map<String, String> options, String modality, java.util.Set<String> known) {
        if (options == null) {
            return;
        }
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                String shown = k.length() > 30 ? k.substring(0, 30) + "..." : k;
                throw invalid("unknown " + modality + " search option '" + shown.replaceAll("\\p{Cntrl}", "?")
                        + "'; known: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }

    /**
     * A search option holding an integer in {@code [min, max]}; {@code absent} when the option is not given (or
     * empty); anything else (not a number, out of range) is INVALID_INPUT naming the option and its range.
     *
     * @param options the request's options (may be null)
     */
    static int intOption(Map<String, String> options, String key, int absent, int min, int max) {
        String v = options == null ? null : options.get(key);
        if (v == null || v.isBlank()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("option " + key + " must be an integer " + min + ".." + max);
    }

    /** {@link #intOption} for a real number in {@code [min, max]}. */
    static double realOption(Map<String, String> options, String key, double absent, double min, double max) {
        String v = options == null ? null : options.get(key);
        if (v == null || v.isBlank()) {
            return absent;
        }
        try {
            double x = Double.parseDouble(v.strip());
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("option " + key + " must be a number " + min + ".." + max);
    }
}
