package io.biomatch.dna;

import io.biomatch.core.Payload;
import io.biomatch.core.spi.DemoSet;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ScoreMeaning;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The DNA modality ({@code dna}): STR profiles, CODIS-style stringency search ranked by match LR, and mixture
 * LR ranking.
 *
 * <p><b>Input.</b> One payload of format {@code str-csv} ({@link StrCsvFormat}: rows {@code locus,allele,...}
 * or {@code profile,locus,allele,...}) with attributes {@code category} ({@link SpecimenCategory}) and
 * {@code contributors}. Enrolled profiles hold at most 4 alleles per locus.
 *
 * <p><b>Storage.</b> Template = {@link StrProfile#toTemplate()}; slot = {@link DnaSlotLayout} (144 bytes:
 * locus masks, category, contributors, 4 allele bytes per locus).
 *
 * <p><b>Search options</b> ({@link DnaSearchOptions}): {@code mode=stringency} (default) with
 * {@code stringency=high|moderate|low}, {@code min_loci}, {@code mismatches}, {@code theta}, {@code formula},
 * {@code categories}; or {@code mode=mixture-lr} with {@code dropout}, {@code dropin}, {@code theta}, and known
 * contributors (e.g. the victim) as further single-source payloads after the mixture: they are present under both
 * hypotheses (Hp = candidate + knowns + unknowns, Hd = knowns + unknowns; the mixture's {@code contributors} counts
 * everyone; loci where a known is untyped or partial are left out); or
 * {@code mode=familial} ({@link Familial}) with {@code relation=parent-child|full-sibling|half-sibling},
 * {@code theta}, {@code mutation_rate} / {@code mutation_model} / {@code mutation_range} (parent-child), {@code min_loci},
 * {@code categories}: score = log10 kinship LR, default threshold log10 4.
 *
 * <p><b>Scores</b> ({@link #scoreMeaning()}): log10 likelihood ratio. Stringency mode: Σ over matching compared
 * loci of log10(1 / P(probe's genotype at the locus)) (NRC II 4.10 θ correction by default; 2p for partial loci;
 * (Σp)² inclusion for mixture loci) — for a full single-source match this is log10(1/RMP), the match LR. Without a
 * configured frequency table, stringency searches still work with {@code score=loci} (the number of matching
 * loci) and LR searches fail with INVALID_INPUT. Non-matching candidates are not returned.
 *
 * <p><b>Frequencies.</b> The table comes from the constructor, or from {@code -Dbiomatch.dna.frequencies=FILE}
 * ({@code -Dbiomatch.dna.population=NAME}), or by default NIST 1036 Caucasian from the shared data folder; it is
 * loaded lazily once.
 */
public final class DnaModality implements Modality<DnaProbe> {
    public static final String NAME = "dna";
    /** Default threshold: log10 LR 6, one million. */
    public static final float DEFAULT_THRESHOLD_LOG10_LR = 6f;
    /** Mixture-LR threshold: log10 LR 3, SmartRank's default reporting threshold. */
    public static final float MIXTURE_THRESHOLD_LOG10_LR = 3f;

    private final Supplier<AlleleFrequencies> frequencies;
    private final DnaScanKernel kernel = new DnaScanKernel();

    /** Uses the default table ({@link AlleleFrequencies#defaultOrNull()}), loaded on first need. */
    public DnaModality() {
        this.frequencies = new Lazy(null);
    }

    /** Uses this table (null: none; LR searches then fail, stringency with score=loci works). */
    public DnaModality(AlleleFrequencies table) {
        this.frequencies = new Lazy(table == null ? NONE : table);
    }

    private static final AlleleFrequencies NONE = AlleleFrequencies.of("none", new double[0][], null, Double.NaN);

    /** Thread-safe lazy load of the default table. */
    private static final class Lazy implements Supplier<AlleleFrequencies> {
        private volatile AlleleFrequencies value;
        private volatile boolean loaded;

        Lazy(AlleleFrequencies fixed) {
            this.value = fixed;
            this.loaded = fixed != null;
        }

        @Override
        public AlleleFrequencies get() {
            if (!loaded) {
                synchronized (this) {
                    if (!loaded) {
                        value = AlleleFrequencies.defaultOrNull();
                        loaded = true;
                    }
                }
            }
            return value == NONE ? null : value;
        }
    }

    /** The frequency table in use, or null. */
    public AlleleFrequencies frequencies() {
        return frequencies.get();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of(StrCsvFormat.NAME);
    }

    @Override
    public int slotBytes() {
        return DnaSlotLayout.SLOT_BYTES;
    }

    static StrProfile parse(List<Payload> payloads) {
        if (payloads == null || payloads.size() != 1) {
            throw Modality.invalid("a DNA request takes exactly one payload (one profile), got "
                    + (payloads == null ? 0 : payloads.size()));
        }
        return StrCsvFormat.parse(payloads.get(0));
    }

    @Override
    public byte[] extractTemplate(List<Payload> payloads) {
        StrProfile p = parse(payloads);
        DnaSlotLayout.checkStorable(p);
        return p.toTemplate();
    }

    @Override
    public void writeSlot(byte[] template, MemorySegment slot) {
        DnaSlotLayout.write(StrProfile.fromTemplate(template), slot);
    }

    @Override
    public DnaProbe prepareProbe(List<Payload> payloads, Map<String, String> options) {
        if (payloads != null && payloads.size() > 1) {
            // mixture-lr with known contributors: the mixture first, then one single-source profile per known
            StrProfile mixture = StrCsvFormat.parse(payloads.get(0));
            List<StrProfile> knowns = new java.util.ArrayList<>();
            for (int i = 1; i < payloads.size(); i++) {
                StrProfile k = StrCsvFormat.parse(payloads.get(i));
                if (k.isMixture()) {
                    throw Modality.invalid("known contributor " + i + " is a mixture; knowns must be single-source");
                }
                knowns.add(k);
            }
            return prepare(mixture, knowns, options);
        }
        return prepare(parse(payloads), options);
    }

    /**
     * A {@code mode=mixture-lr} probe conditioned on known contributors (present under both hypotheses, e.g. a
     * victim): Hp = candidate + knowns + unknowns, Hd = knowns + one more unknown, with the mixture's
     * {@code contributors} counting everyone.
     */
    public DnaProbe prepare(StrProfile mixture, List<StrProfile> knowns, Map<String, String> options) {
        AlleleFrequencies f = frequencies.get();
        DnaSearchOptions o = DnaSearchOptions.parse(options == null ? Map.of() : options, mixture.comparableLoci(),
                f != null);
        if (!knowns.isEmpty() && o.mode() != DnaSearchOptions.Mode.MIXTURE_LR) {
            throw Modality.invalid("known contributors (payloads after the first) need mode=mixture-lr");
        }
        return new DnaProbe(mixture, knowns, o, f);
    }

    /** Prepares a probe from a profile. */
    public DnaProbe prepare(StrProfile profile, Map<String, String> options) {
        AlleleFrequencies f = frequencies.get();
        DnaSearchOptions o = DnaSearchOptions.parse(options == null ? Map.of() : options, profile.comparableLoci(),
                f != null);
        if (o.mode() == DnaSearchOptions.Mode.FAMILIAL
                && (profile.typedMask() & ~profile.partialMask() & Loci.COMPARABLE_MASK) == 0) {
            // familial likelihoods use loci typed with both alleles: one of only partial loci searched on none
            throw Modality.invalid("familial search needs loci typed with both alleles; the probe has none");
        }
        return new DnaProbe(profile, o, f);
    }

    @Override
    public ScanKernel<DnaProbe> kernel() {
        return kernel;
    }

    @Override
    public ScoreMeaning scoreMeaning() {
        return new ScoreMeaning("log10 likelihood ratio", DEFAULT_THRESHOLD_LOG10_LR,
                "LR 1,000,000 (log10 6): stringency mode, the match LR 1/RMP with NRC II 4.10 theta over the matching"
                        + " compared loci; mixture-lr mode, the LRmix/SmartRank semi-continuous LR (SmartRank reports"
                        + " candidates from log10 3, LR 1000). Non-matching candidates are never returned."
                        + " With score=loci the score is the number of matching loci instead.");
    }

    /**
     * What this search's scores mean: the match LR (stringency, {@code score=lr}), the number of matching loci
     * ({@code score=loci}), or the semi-continuous mixture LR ({@code mode=mixture-lr}, threshold LR 1000 as in
     * SmartRank).
     */
    @Override
    public ScoreMeaning scoreMeaning(DnaProbe probe) {
        DnaSearchOptions o = probe.options();
        if (o.mode() == DnaSearchOptions.Mode.FAMILIAL) {
            return new ScoreMeaning("log10 likelihood ratio (kinship, " + o.relation().label + ")",
                    Familial.DEFAULT_THRESHOLD_LOG10_LR, String.format(java.util.Locale.ROOT,
                    "LR 10,000 (log10 4): P(profiles | candidate is the probe's %s) / P(profiles | unrelated),"
                            + " IBD k0=%s k1=%s k2=%s, theta %s, mutation %s, over loci fully typed in both (at least"
                            + " %d); excluded candidates (LR 0) are not returned. Among unrelated people LR >= 10,000"
                            + " is rare but not impossible in large databases: confirm with Y-STR/lineage markers",
                    o.relation().label.replace("parent-child", "parent or child"), o.relation().k0,
                    o.relation().k1, o.relation().k2, o.theta(), o.mutation(), o.minLoci()));
        }
        if (o.mode() == DnaSearchOptions.Mode.MIXTURE_LR) {
            return new ScoreMeaning("log10 likelihood ratio (mixture)", MIXTURE_THRESHOLD_LOG10_LR,
                    String.format(java.util.Locale.ROOT, "LR 1000 (log10 3), the SmartRank reporting threshold:"
                                    + " semi-continuous LRmix/SmartRank model, Hp = candidate + %d known + %d unknown(s)"
                                    + " vs Hd = %d known + %d unknowns, drop-out %s, drop-in %s, theta %s",
                            probe.knowns.size(), probe.profile().contributors() - 1 - probe.knowns.size(),
                            probe.knowns.size(), probe.profile().contributors() - probe.knowns.size(), o.dropout(),
                            o.dropin(), o.theta()));
        }
        String rule = String.format(java.util.Locale.ROOT, "%s stringency, at least %d compared loci, at most %d"
                + " mismatching", o.stringency().name().toLowerCase(java.util.Locale.ROOT), o.minLoci(),
                o.mismatches());
        if (!o.scoreLr()) {
            return new ScoreMeaning("matching loci", o.minLoci() - o.mismatches(),
                    "number of matching compared loci (" + rule + "); every returned candidate meets the rule");
        }
        return new ScoreMeaning("log10 likelihood ratio (match)", DEFAULT_THRESHOLD_LOG10_LR,
                String.format(java.util.Locale.ROOT, "LR 1,000,000 (log10 6): 1/RMP over the matching loci, %s"
                                + " theta %s (%s); non-matching candidates are never returned",
                        o.formula() == MatchStatistics.Formula.NRC2_4_10 ? "NRC II 4.10" : "NRC II 4.1", o.theta(),
                        rule));
    }

    /**
     * The per-shard genotype postings ({@link DnaShardIndex}) that filter stringency searches before the kernel;
     * {@code -Dbiomatch.dna.index=false} turns it off (every search scans).
     */
    @Override
    public io.biomatch.core.spi.ShardIndex<DnaProbe> newShardIndex(int shard, Path dataDir) {
        return Boolean.parseBoolean(System.getProperty("biomatch.dna.index", "true")) ? new DnaShardIndex(false) : null;
    }

    @Override
    public List<DemoSet> demo(Path sharedData) {
        return DnaDemo.sets(sharedData, this);
    }
}
