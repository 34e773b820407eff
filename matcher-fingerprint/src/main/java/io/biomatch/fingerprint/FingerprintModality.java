package io.biomatch.fingerprint;

import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.Payload;
import io.biomatch.core.spi.DemoSet;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.Rescorer;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ScoreMeaning;
import io.biomatch.core.spi.TopK;
import io.biomatch.fingerprint.internal.FingerInputs;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.Minutiae;
import io.biomatch.fingerprint.internal.PairingStage;
import io.biomatch.fingerprint.internal.ProbeFinger;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fingerprint modality: SourceAFIS extracts templates and gives the reported scores; our own off-heap
 * local-structure first stage picks the short list that SourceAFIS re-scores.
 *
 * <h2>Payload formats</h2>
 * <ul>
 *   <li>{@code image}: PNG, JPEG, BMP or TIFF bytes (JDK ImageIO). Attribute {@code dpi} (100..2000); when
 *   absent the file's resolution is used, else 500 (the FVC TIFFs carry none).</li>
 *   <li>{@code wsq}: a WSQ-compressed 8-bit gray image (jnbis). Resolution from the WSQ file (its
 *   {@code NIST_COM PPI}) when in range, else the attribute {@code dpi}, else 500.</li>
 *   <li>{@code ansi-nist}: an ANSI/NIST-ITL transaction (1-2011 and earlier, traditional encoding; jnbis).
 *   Every single-finger image record (Type-4, Type-14, Type-13 latent; uncompressed, WSQ, baseline JPEG or
 *   PNG) becomes one finger, with the record's finger position and resolution, so a ten-print transaction
 *   is one ten-finger record. Rules (plain thumbs, slaps, duplicates) in {@code internal/AnsiNistInput}.</li>
 *   <li>{@code iso-19794-2}: an ISO/IEC 19794-2 (2005, 2011) or ANSI INCITS 378 (2004, 2009, 2009/AM1)
 *   minutiae template, imported with SourceAFIS {@code FingerprintCompatibility}; each finger view of the
 *   record becomes one finger, with the view's finger position. {@link FingerprintExport} writes stored
 *   records back to ISO/IEC 19794-2.</li>
 *   <li>{@code sourceafis}: a serialized SourceAFIS 3.x template ({@code FingerprintTemplate.toByteArray()}).</li>
 * </ul>
 * Every payload may carry {@code finger_position}: the ANSI/NIST finger position 0..10 (0 = unknown,
 * 1 = right thumb ... 10 = left little). A position stated inside the payload (ANSI/NIST record, ISO finger
 * view; 1..10) wins; the attribute applies where the payload says nothing (unknown, or images).
 * Several payloads = several fingers (a record holds 1..10).
 *
 * <h2>Scores and fusion</h2>
 * Reported scores are SourceAFIS similarity scores (threshold 40 = FMR 0.01 % by SourceAFIS's
 * calibration; configurable). With several fingers on either side, a probe finger is compared with every
 * stored finger of a compatible position (equal, or either unknown) and the record's score is the
 * <em>maximum</em> over those pairs; the maximum keeps the single-finger scale and threshold meaning (the
 * FMR per pair), at the price of not adding evidence across fingers.
 *
 * <h2>Search</h2>
 * The stored template ({@link StoredTemplateFormat}) holds per finger the position, the exact minutiae and
 * the SourceAFIS template. A record takes one 2 KiB shard slot per finger ({@link Modality#slotsFor}; the
 * first slot carries the finger count), each holding the exact minutiae and local-structure codes of up to 34
 * central minutiae ({@link FingerSlotLayout}). Search option {@code mode}:
 * <ul>
 *   <li>{@code fast} (default): a cascade. The kernel scores local structures ({@link FirstStage}) over every
 *   slot; each shard's best {@link Config#pairingFraction()} (0.5 %) of its records go through the pairing
 *   stage ({@link PairingStage}: alignment by the best local pairs, then minutiae paired within 12 px and 30
 *   degrees), on the shard's worker thread ({@code ScanKernel.refine}); the best
 *   max({@link Config#shortlist()} (100), {@link Config#pairedFraction()} (0.01 %) of the gallery's fingerprint
 *   records) by the pairing score, or the search option {@code shortlist} (1..100000), are re-scored by SourceAFIS
 *   (matcher built once per probe). Search option {@code pairing=off} cuts the short list from the first stage's
 *   order instead, at least {@link Config#galleryFraction()} (0.5 %) of the gallery (the fourth round's
 *   cascade). A shard's pairing depth is at least the short list, so in a small gallery the pairing stage
 *   re-orders each shard's best 100.</li>
 *   <li>{@code exhaustive}: the reference. The kernel rebuilds each slot's SourceAFIS template from the
 *   exact minutiae in the slot (bit-identical scores to the stored template) and scores it with
 *   SourceAFIS; this allocates per slot and is as slow as SourceAFIS 1:N, by design. Nothing is re-scored
 *   (short list 0): the kernel's scores are final.</li>
 * </ul>
 * Adaptive depth (fast mode, off by default): search option {@code stop_score=T} re-scores the short list in
 * first-stage order and stops at the end of the chunk of {@code stop_chunk} candidates (default 20) in which
 * a SourceAFIS score reached T; otherwise the whole short list is re-scored. T should be a score the
 * background practically never reaches (measured with {@code FingerprintScaleEval}, see the README), so a
 * stop means "a mate has been found": rank-1 is kept while mated searches re-score far fewer candidates.
 * After a stop the result holds only the candidates re-scored so far (fine for rank-1 identification, not
 * for a complete top-K list); a search whose mate is absent or weak never stops early and costs as much as
 * without the option.
 */
public final class FingerprintModality implements Modality<FingerprintProbe> {
    public static final String NAME = "fingerprint";
    /** Every search option; others are refused ({@link Modality#requireKnownOptions}). */
    static final java.util.Set<String> SEARCH_OPTIONS = java.util.Set.of("mode", "shortlist", "stop_score",
            "stop_chunk", "pairing");
    /** Largest {@code shortlist} search option. */
    public static final int MAX_SHORTLIST = 100_000;
    /** Largest {@code stop_score} search option (SourceAFIS scores of genuine pairs rarely exceed a few hundred). */
    public static final float MAX_STOP_SCORE = 1000f;
    /** Default {@code stop_chunk}: candidates re-scored between two checks of the adaptive stop rule. */
    public static final int DEFAULT_STOP_CHUNK = 20;

    /**
     * @param maxFingers      fingers a record may hold (1..10); each takes one 2 KiB slot
     * @param shortlist       first-stage candidates re-scored by SourceAFIS (at least topK), at the least
     * @param threshold       SourceAFIS score reported as a match (40 = FMR 0.01 %)
     * @param galleryFraction with {@code pairing=off}, the short list grows to this fraction of the gallery's
     *                        fingerprint records when that is more than {@code shortlist} (0 = a fixed short list)
     * @param pairingFraction each shard's pairing stage takes this fraction of its records from the first stage
     *                        (when that is more than the short list; 0 = no pairing stage)
     * @param pairedFraction  as {@code galleryFraction} when the pairing stage orders the short list
     */
    public record Config(int maxFingers, int shortlist, float threshold, double galleryFraction,
                         double pairingFraction, double pairedFraction) {
        public static final float THRESHOLD_FMR_0_01_PERCENT = 40f;
        /**
         * Default {@link #galleryFraction}: 0.5 %. Measured (README, FingerprintScaleEval): against exhaustive
         * SourceAFIS the fast path lost no rank-1 at S = 5,000 of 1,000,000 and was within 0.5 points only from
         * S = 1,000 of 200,000, i.e. at 0.5 % both times; a fixed S = 100 lost 5.7 points at 1,000,000.
         */
        public static final double DEFAULT_GALLERY_FRACTION = 0.005;
        /**
         * Default {@link #pairingFraction}: 0.5 % of each shard's fingerprint records go through the pairing stage
         * ({@link PairingStage}) before the short list is cut from its order: the first stage alone lost no
         * rank-1 at that depth at 1,000,000 (README).
         */
        public static final double DEFAULT_PAIRING_FRACTION = 0.005;
        /**
         * Default {@link #pairedFraction}: with the pairing stage on, SourceAFIS re-scores max({@link #shortlist},
         * 0.01 %) of the gallery, cut from the pairing order: at 1,000,000 lists of 50 to 300 lost no rank-1 on any
         * FVC set in four runs, against the best SourceAFIS score among the first stage's 5,000 (which exhaustive
         * SourceAFIS matched on its sample; README).
         */
        public static final double DEFAULT_PAIRED_FRACTION = 0.0001;

        public Config {
            if (maxFingers < 1 || maxFingers > StoredTemplateFormat.MAX_FINGERS) {
                throw new IllegalArgumentException("maxFingers must be 1..10: " + maxFingers);
            }
            if (shortlist < 1) {
                throw new IllegalArgumentException("shortlist must be >= 1: " + shortlist);
            }
            if (!(galleryFraction >= 0 && galleryFraction <= 1)) {
                throw new IllegalArgumentException("galleryFraction must be 0..1: " + galleryFraction);
            }
            if (!(pairingFraction >= 0 && pairingFraction <= 1)) {
                throw new IllegalArgumentException("pairingFraction must be 0..1: " + pairingFraction);
            }
            if (!(pairedFraction >= 0 && pairedFraction <= 1)) {
                throw new IllegalArgumentException("pairedFraction must be 0..1: " + pairedFraction);
            }
        }

        /**
         * 10 fingers per record (system property {@code biomatch.fingerprint.maxFingers}), short list at least
         * 100 ({@code biomatch.fingerprint.shortlist}) and at least 0.01 % of the gallery after the pairing stage
         * ({@code biomatch.fingerprint.pairedShortlistFraction}), 0.5 % with {@code pairing=off}
         * ({@code biomatch.fingerprint.shortlistFraction}; 0 = fixed), pairing stage on 0.5 % of each shard
         * ({@code biomatch.fingerprint.pairingFraction}; 0 = none), threshold 40
         * ({@code biomatch.fingerprint.threshold}).
         */
        public static Config defaults() {
            return new Config(Integer.getInteger("biomatch.fingerprint.maxFingers", 10),
                    Integer.getInteger("biomatch.fingerprint.shortlist", 100),
                    Float.parseFloat(System.getProperty("biomatch.fingerprint.threshold", "40")),
                    Double.parseDouble(System.getProperty("biomatch.fingerprint.shortlistFraction",
                            Double.toString(DEFAULT_GALLERY_FRACTION))),
                    Double.parseDouble(System.getProperty("biomatch.fingerprint.pairingFraction",
                            Double.toString(DEFAULT_PAIRING_FRACTION))),
                    Double.parseDouble(System.getProperty("biomatch.fingerprint.pairedShortlistFraction",
                            Double.toString(DEFAULT_PAIRED_FRACTION))));
        }

        public Config withMaxFingers(int n) {
            return new Config(n, shortlist, threshold, galleryFraction, pairingFraction, pairedFraction);
        }

        public Config withGalleryFraction(double f) {
            return new Config(maxFingers, shortlist, threshold, f, pairingFraction, pairedFraction);
        }

        public Config withShortlist(int n) {
            return new Config(maxFingers, n, threshold, galleryFraction, pairingFraction, pairedFraction);
        }

        public Config withPairingFraction(double f) {
            return new Config(maxFingers, shortlist, threshold, galleryFraction, f, pairedFraction);
        }

        public Config withPairedFraction(double f) {
            return new Config(maxFingers, shortlist, threshold, galleryFraction, pairingFraction, f);
        }
    }

    private static final ThreadLocal<FirstStage.Scratch> SCRATCH = ThreadLocal.withInitial(FirstStage.Scratch::new);
    private static final ThreadLocal<PairingStage.Scratch> PAIRING = ThreadLocal.withInitial(PairingStage.Scratch::new);

    private final Config config;
    private final ScanKernel<FingerprintProbe> kernel;

    public FingerprintModality() {
        this(Config.defaults());
    }

    public FingerprintModality(Config config) {
        this.config = config;
        this.kernel = new Kernel(config);
    }

    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of(FingerInputs.IMAGE, FingerInputs.WSQ, FingerInputs.ANSI_NIST, FingerInputs.ISO,
                FingerInputs.SOURCEAFIS);
    }

    /** One slot = one finger block ({@link FingerSlotLayout#FINGER_BYTES}); a record takes one per finger. */
    @Override
    public int slotBytes() {
        return FingerSlotLayout.FINGER_BYTES;
    }

    /**
     * One slot per finger. Reads only the finger count of the stored template's header; a template whose
     * header is unreadable takes one slot and {@link #writeSlot} rejects it.
     */
    @Override
    public int slotsFor(byte[] template) {
        int n = StoredTemplateFormat.fingerCount(template);
        return n >= 1 && n <= config.maxFingers() ? n : 1;
    }

    @Override
    public byte[] extractTemplate(List<Payload> payloads) {
        List<FingerInputs.Finger> fingers = FingerInputs.decode(payloads);
        if (fingers.size() > config.maxFingers()) {
            throw Modality.invalid("this engine stores at most " + config.maxFingers() + " fingers per record, got "
                    + fingers.size());
        }
        List<StoredTemplateFormat.Finger> stored = new ArrayList<>(fingers.size());
        for (FingerInputs.Finger f : fingers) {
            stored.add(new StoredTemplateFormat.Finger(f.position(), f.minutiae(), f.template().toByteArray()));
        }
        return StoredTemplateFormat.encode(stored);
    }

    @Override
    public void writeSlot(byte[] template, MemorySegment slot) {
        List<StoredTemplateFormat.Finger> fingers = StoredTemplateFormat.decode(template);
        if (fingers.size() > config.maxFingers()) {
            throw Modality.invalid("stored record has " + fingers.size() + " fingers, slots hold "
                    + config.maxFingers());
        }
        if (slot.byteSize() < (long) fingers.size() * slotBytes()) {
            throw new IllegalArgumentException("slots too small: " + slot.byteSize());
        }
        for (int f = 0; f < fingers.size(); f++) {
            StoredTemplateFormat.Finger fi = fingers.get(f);
            FingerSlotLayout.writeFinger(slot, FingerSlotLayout.fingerOffset(0, f), fi.position(), fi.minutiae(),
                    f == 0 ? fingers.size() : 0);
        }
    }

    @Override
    public FingerprintProbe prepareProbe(List<Payload> payloads, Map<String, String> options) {
        Modality.requireKnownOptions(options, NAME, SEARCH_OPTIONS);
        String mode = options == null ? "fast" : options.getOrDefault("mode", "fast");
        boolean exhaustive = switch (mode) {
            case "fast" -> false;
            case "exhaustive" -> true;
            default -> throw Modality.invalid("fingerprint option mode must be fast or exhaustive");
        };
        int shortlist = Modality.intOption(options, "shortlist", 0, 1, MAX_SHORTLIST);
        float stopScore = Float.POSITIVE_INFINITY;
        String ss = options == null ? null : options.get("stop_score");
        if (ss != null) {
            try {
                stopScore = Float.parseFloat(ss.trim());
            } catch (NumberFormatException e) {
                stopScore = Float.NaN;
            }
            if (!(stopScore > 0 && stopScore <= MAX_STOP_SCORE)) {
                throw Modality.invalid("fingerprint option stop_score must be a SourceAFIS score in (0, "
                        + (int) MAX_STOP_SCORE + "]");
            }
        }
        int stopChunk = Modality.intOption(options, "stop_chunk", DEFAULT_STOP_CHUNK, 1, MAX_SHORTLIST);
        if (ss == null && options != null && options.containsKey("stop_chunk")) {
            throw Modality.invalid("fingerprint option stop_chunk applies with stop_score only");
        }
        String pairingOption = options == null ? "on" : options.getOrDefault("pairing", "on").trim();
        boolean pairing = switch (pairingOption) {
            case "on", "" -> true;
            case "off" -> false;
            default -> throw Modality.invalid("fingerprint option pairing must be on or off");
        };
        List<FingerInputs.Finger> fingers = FingerInputs.decode(payloads);
        List<ProbeFinger> prepared = new ArrayList<>(fingers.size());
        for (FingerInputs.Finger f : fingers) {
            prepared.add(new ProbeFinger(f.position(), f.minutiae(), f.template()));
        }
        return new FingerprintProbe(prepared, exhaustive, shortlist, stopScore, stopChunk, pairing);
    }

    @Override
    public ScanKernel<FingerprintProbe> kernel() {
        return kernel;
    }

    private static final class Kernel implements ScanKernel<FingerprintProbe> {
        /**
         * How many slots ahead the scan prefetches: dev harness, 20,030 slots, one thread, whole score, ns per
         * slot with the prefetch 1 / 2 / 4 / 8 slots ahead: 406 / 385 / 415 / 416 (without: 497-580).
         */
        static final int PREFETCH_SLOTS = 2;
        private final Config config;

        Kernel(Config config) {
            this.config = config;
        }

        @Override
        public float score(FingerprintProbe probe, MemorySegment slots, long slotOffset) {
            if (probe.exhaustive()) {
                return exhaustiveScore(probe, slots, slotOffset);
            }
            return FirstStage.score(probe.fingers(), slots, slotOffset, SCRATCH.get());
        }

        /**
         * Fast mode with pairing on: {@link Config#pairingFraction()} of the shard's records (rounded up, at most
         * {@link #MAX_SHORTLIST}), and at least the short list, so that the first-stage candidates of all shards
         * together are never fewer than that fraction of the gallery, nor than the short list; 0 (no pairing stage)
         * when the fraction is 0.
         */
        @Override
        public int refineDepth(FingerprintProbe probe, int shortlist, long shardRecords) {
            if (probe.exhaustive() || !probe.pairing() || config.pairingFraction() == 0) {
                return 0;
            }
            long byShard = (long) Math.ceil(config.pairingFraction() * Math.max(0, shardRecords));
            return (int) Math.max(shortlist, Math.min(MAX_SHORTLIST, byShard));
        }

        @Override
        public float refine(FingerprintProbe probe, MemorySegment slots, long slotOffset) {
            return PairingStage.score(probe.fingers(), slots, slotOffset, PAIRING.get());
        }

        @Override
        public void scan(FingerprintProbe probe, MemorySegment slots, int slotBytes, long[] live, int fromOrdinal,
                         int toOrdinal, TopK top) {
            if (probe.exhaustive()) {
                ScanKernel.super.scan(probe, slots, slotBytes, live, fromOrdinal, toOrdinal, top);
                return;
            }
            FirstStage.Scratch scratch = SCRATCH.get();
            ProbeFinger[] fingers = probe.fingers();
            for (int ord = io.biomatch.core.spi.Bits.nextSetBit(live, fromOrdinal, toOrdinal); ord >= 0;
                 ord = io.biomatch.core.spi.Bits.nextSetBit(live, ord + 1, toOrdinal)) {
                // the block PREFETCH_SLOTS ahead (whatever record it belongs to) arrives while this one is scored
                FirstStage.prefetch(slots, (long) (ord + PREFETCH_SLOTS) * slotBytes);
                // exact pruning: a slot that cannot beat the current top-K threshold skips consolidation
                top.offer(FirstStage.score(fingers, slots, (long) ord * slotBytes, scratch, top.threshold()), ord);
            }
        }
    }

    /** SourceAFIS on the template rebuilt from the slot's exact minutiae (reference; allocates). */
    static float exhaustiveScore(FingerprintProbe probe, MemorySegment slots, long slotOffset) {
        int fingers = FingerSlotLayout.fingerCount(slots, slotOffset);
        double best = 0;
        for (int f = 0; f < fingers; f++) {
            long fo = FingerSlotLayout.fingerOffset(slotOffset, f);
            int pos = FingerSlotLayout.position(slots, fo);
            FingerprintTemplate candidate = null;
            for (ProbeFinger pf : probe.fingers()) {
                if (ProbeFinger.compatible(pf.position, pos)) {
                    if (candidate == null) {
                        candidate = FingerSlotLayout.readMinutiae(slots, fo).toSourceAfis();
                    }
                    best = Math.max(best, pf.matcher.match(candidate));
                }
            }
        }
        return (float) best;
    }

    private static final Rescorer<FingerprintProbe> RESCORER = new Rescorer<>() {
        @Override
        public float rescore(FingerprintProbe probe, byte[] storedTemplate) {
            return FingerprintModality.rescore(probe, storedTemplate);
        }

        /** Adaptive depth: stop at the end of a chunk once the best score reached the probe's stop score. */
        @Override
        public boolean enough(FingerprintProbe probe, int rescored, float bestScore) {
            return bestScore >= probe.stopScore() && rescored % probe.stopChunk() == 0;
        }

        /** Only with {@code stop_score}; without it the short list may be re-scored in parallel. */
        @Override
        public boolean mayStopEarly(FingerprintProbe probe) {
            return probe.stopScore() != Float.POSITIVE_INFINITY;
        }
    };

    @Override
    public Optional<Rescorer<FingerprintProbe>> rescorer() {
        return Optional.of(RESCORER);
    }

    /** Per-thread finger index of the stored template being re-scored (no allocation per candidate). */
    private static final class RescoreScratch {
        final int[] position = new int[StoredTemplateFormat.MAX_FINGERS];
        final int[] offset = new int[StoredTemplateFormat.MAX_FINGERS];
        final int[] length = new int[StoredTemplateFormat.MAX_FINGERS];
    }

    private static final ThreadLocal<RescoreScratch> RESCORE = ThreadLocal.withInitial(RescoreScratch::new);

    /**
     * SourceAFIS score of the probe against a stored template (max over compatible finger pairs).
     *
     * <p>Cost per stored finger that has a compatible probe finger: {@code new FingerprintTemplate(bytes)}
     * (CBOR decode, ~1 us, plus SourceAFIS sorting the minutiae and building its neighbour-edge table, ~20-35 us
     * for 35 minutiae) and one {@code match} per compatible probe finger (~60 us against an impostor). The
     * public SourceAFIS API has no cheaper way to get a matchable candidate: every constructor (serialized,
     * ISO/ANSI import) builds the same search structures, and keeping them for the gallery is the heap cache
     * this engine does not allow. What is skipped here: the stored minutiae (only the first stage reads them)
     * and fingers no probe finger is compatible with.
     */
    static float rescore(FingerprintProbe probe, byte[] stored) {
        RescoreScratch s = RESCORE.get();
        int fingers = StoredTemplateFormat.locateSourceAfis(stored, s.position, s.offset, s.length);
        ProbeFinger[] probeFingers = probe.fingers();
        double best = 0;
        for (int f = 0; f < fingers; f++) {
            FingerprintTemplate candidate = null;
            for (ProbeFinger pf : probeFingers) {
                if (ProbeFinger.compatible(pf.position, s.position[f])) {
                    if (candidate == null) {
                        candidate = sourceAfisTemplate(
                                Arrays.copyOfRange(stored, s.offset[f], s.offset[f] + s.length[f]));
                    }
                    best = Math.max(best, pf.matcher.match(candidate));
                }
            }
        }
        return (float) best;
    }

    private static FingerprintTemplate sourceAfisTemplate(byte[] serialized) {
        try {
            return new FingerprintTemplate(serialized);
        } catch (RuntimeException e) {
            throw Modality.invalid("stored SourceAFIS template cannot be read");
        }
    }

    @Override
    public int shortlistSize(int topK) {
        return Math.max(topK, config.shortlist());
    }

    /**
     * Fast mode: {@code max(topK, shortlist option or the configured short list)}. Exhaustive mode: 0, the
     * kernel's scores already are SourceAFIS scores.
     */
    @Override
    public int shortlistSize(FingerprintProbe probe, int topK) {
        return shortlistSize(probe, topK, 0);
    }

    /**
     * As {@link #shortlistSize(FingerprintProbe, int)}, and without a {@code shortlist} option the short list is
     * also at least a fraction of the gallery (rounded up, at most {@link #MAX_SHORTLIST}): chance matches grow with
     * the gallery, and a fixed list loses mates at scale. The fraction is {@link Config#pairedFraction()} (0.01 %)
     * when the pairing stage orders the list, {@link Config#galleryFraction()} (0.5 %) with {@code pairing=off}.
     */
    @Override
    public int shortlistSize(FingerprintProbe probe, int topK, long galleryRecords) {
        if (probe.exhaustive()) {
            return 0;
        }
        if (probe.shortlist() > 0) {
            return Math.max(topK, probe.shortlist());
        }
        double fraction = probe.pairing() ? config.pairedFraction() : config.galleryFraction();
        long byGallery = (long) Math.ceil(fraction * Math.max(0, galleryRecords));
        return (int) Math.max(topK, Math.max(config.shortlist(), Math.min(MAX_SHORTLIST, byGallery)));
    }

    @Override
    public ScoreMeaning scoreMeaning() {
        float t = config.threshold();
        String meaning = t == Config.THRESHOLD_FMR_0_01_PERCENT ? "FMR 0.01 % (SourceAFIS calibration)"
                : "configured threshold (40 = FMR 0.01 %, 30 ~ 0.1 %, 20 ~ 1 % per SourceAFIS)";
        return new ScoreMeaning("SourceAFIS similarity", t, meaning);
    }

    @Override
    public float compare(FingerprintProbe probe, byte[] template) {
        return rescore(probe, template);
    }

    /**
     * Demo: impression 1 of every finger of FVC2002 DB1 B enrolled; impressions 2 and 5 of three fingers
     * and one finger of FVC2000 DB1 B (no mate in the gallery) as probes.
     */
    @Override
    public List<DemoSet> demo(Path sharedData) {
        Path set = sharedData.resolve("fingerprint/fvc2002-db1b");
        Path other = sharedData.resolve("fingerprint/fvc2000-db1b/101_2.tif");
        if (!Files.isDirectory(set)) {
            return List.of();
        }
        try {
            List<DemoSet.Entry> gallery = new ArrayList<>();
            for (int finger = 101; finger <= 110; finger++) {
                Path f = set.resolve(finger + "_1.tif");
                if (Files.exists(f)) {
                    gallery.add(new DemoSet.Entry("fvc2002-db1b/" + finger, "demo", Map.of("impression", "1"),
                            List.of(image(f))));
                }
            }
            List<DemoSet.Probe> probes = new ArrayList<>();
            for (String name : List.of("102_2", "105_5", "109_2")) {
                Path f = set.resolve(name + ".tif");
                if (Files.exists(f)) {
                    probes.add(new DemoSet.Probe("fvc2002-db1b/" + name, List.of(image(f)), Map.of(),
                            "fvc2002-db1b/" + name.substring(0, 3)));
                }
            }
            if (Files.exists(other)) {
                probes.add(new DemoSet.Probe("fvc2000-db1b/101_2 (not enrolled)", List.of(image(other)), Map.of(),
                        null));
            }
            return gallery.isEmpty() ? List.of() : List.of(new DemoSet("Fingerprint", gallery, probes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Payload image(Path f) throws IOException {
        return new Payload(FingerInputs.IMAGE, Files.readAllBytes(f), Map.of("dpi", "500"));
    }

    /** Minutiae count of a stored template's fingers (diagnostics). */
    public static int[] minutiaCounts(byte[] stored) {
        return StoredTemplateFormat.decode(stored).stream().mapToInt(f -> f.minutiae().count()).toArray();
    }

    static Minutiae minutiae(FingerprintTemplate t) {
        return Minutiae.of(t);
    }
}
