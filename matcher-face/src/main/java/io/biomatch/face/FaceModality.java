package io.biomatch.face;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.spi.DemoSet;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.Rescorer;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ScoreMeaning;
import io.biomatch.face.internal.FaceSlotLayout;
import io.biomatch.face.internal.FaceTemplateFormat;
import io.biomatch.face.internal.PanamaDot;
import io.biomatch.face.internal.ScalarDot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The face modality ({@code face}): photo or embedding in, cosine similarity out.
 *
 * <h2>Payload formats</h2>
 * <ul>
 *   <li>{@code image}: JPEG, PNG or BMP bytes (WebP, TIFF and JPEG 2000 too; other formats are refused). The
 *       size in the header is checked before decoding: at most {@link FaceLimits#MAX_IMAGE_PIXELS} pixels. The
 *       largest face is detected (YuNet), aligned to 112x112 on its 5 landmarks and embedded with the configured
 *       model ({@link FaceConfig#embedder()}). Errors: unreadable, unrecognised or oversized image, no face, face
 *       too small (INVALID_INPUT); models not found (UNAVAILABLE).</li>
 *   <li>{@code embedding-f32}: the configured model's embedding as {@code dim} little-endian float32 values
 *       ({@code dim*4} bytes; 512 for {@code fr_feature}). Must be finite and non-zero; it is L2-normalised.
 *       Optional attribute {@code model}: when present it must equal the configured model id.</li>
 * </ul>
 * Several payloads in one enrol or probe are fused: their unit embeddings are averaged and re-normalised.
 *
 * <h2>Search options</h2>
 * {@code mode=exact} (default): int8 first pass over the shard's int8 plane, then float32 re-rank of a short list
 * of max(4k, 64) from the shard's slots, both inside the shard ({@link FaceHnswIndex}); the reported score is the
 * float32 cosine.
 * {@code mode=fp32}: float32 scan of every slot (same scores; reads 4x the bytes).
 * {@code mode=hnsw}: approximate, through each shard's HNSW graph ({@link FaceHnswIndex}); option
 * {@code hnsw_ef} (1..{@value FaceHnswSettings#MAX_EF}, default {@link FaceHnswSettings#defaultEf()}) trades
 * speed for recall; scores are the float32 cosines. Without a graph ({@link FaceHnswSettings#off()}) or under a
 * restrictive filter it scans in float32.
 * {@code mode=binary}: approximate, a Hamming scan of each shard's sign-bit codes (1 bit per dimension, 1/32 of the
 * float32 bytes; {@link io.biomatch.face.internal.SignBitPlane}) keeps the {@code binary_shortlist} nearest codes
 * (1..{@value FaceProbe#MAX_BINARY_SHORTLIST}, default {@value FaceProbe#DEFAULT_BINARY_SHORTLIST} per shard), then
 * int8 and float32 re-rank them as in {@code exact}; float32 scores. For models whose dimension is not a multiple
 * of 64 it is {@code exact}.
 *
 * <h2>Storage</h2>
 * Stored template: {@link FaceTemplateFormat} (header with dim and model id, then the unit float32 vector).
 * Slot: {@link FaceSlotLayout} (the float32 unit vector only); the int8 copies live in the shard index's plane
 * ({@link io.biomatch.face.internal.Int8Plane}).
 *
 * <h2>Scores</h2>
 * Cosine similarity in [-1, 1] of the unit embeddings; the default threshold is the model's
 * ({@link FaceModelSpec#threshold()}, 0.32 for {@code fr_feature}), measured on the shared images with {@link FaceEval}.
 *
 * <p>Configuration: {@link FaceConfig}; the no-argument constructor (used by {@link java.util.ServiceLoader})
 * reads {@link FaceConfig#fromSystemProperties()}. Model files are resolved on the first image, so without
 * them the modality still loads and serves {@code embedding-f32}.
 */
public final class FaceModality implements Modality<FaceProbe> {
    public static final String NAME = "face";
    public static final String FORMAT_IMAGE = "image";
    public static final String FORMAT_EMBEDDING = "embedding-f32";
    public static final String OPTION_MODE = "mode";
    public static final String OPTION_HNSW_EF = "hnsw_ef";
    public static final String OPTION_BINARY_SHORTLIST = "binary_shortlist";
    /** Every search option; others are refused ({@link Modality#requireKnownOptions}). */
    static final java.util.Set<String> SEARCH_OPTIONS = java.util.Set.of(OPTION_MODE, OPTION_HNSW_EF,
            OPTION_BINARY_SHORTLIST);

    /** Default match threshold of the default model (cosine); see {@link FaceModelSpec#FR_FEATURE} for how it was measured. */
    public static final float DEFAULT_THRESHOLD = 0.32f;

    /** Most payloads fused into one template or probe. */
    public static final int MAX_PAYLOADS = 16;

    private final FaceConfig config;
    private final FaceSlotLayout layout;
    private final int modelCode;
    private final FaceScanKernel kernel;
    private final FaceHnswSettings hnsw;
    private final Object analyzerLock = new Object();
    private volatile FaceAnalyzer analyzer;

    public FaceModality() {
        this(FaceConfig.fromSystemProperties(), FaceHnswSettings.fromSystemProperties());
    }

    public FaceModality(FaceConfig config) {
        this(config, FaceHnswSettings.defaults());
    }

    public FaceModality(FaceConfig config, FaceHnswSettings hnsw) {
        this(config, FaceScanKernel.vectorApiAvailable(), hnsw);
    }

    /** The same modality with the plain-loop kernels (reference for tests and scalar/vector benchmark pairs). */
    public static FaceModality withScalarKernels(FaceConfig config) {
        return new FaceModality(config, false);
    }

    /** As {@link #withScalarKernels(FaceConfig)} with these HNSW settings (benchmarks: {@link FaceHnswSettings#off()}). */
    public static FaceModality withScalarKernels(FaceConfig config, FaceHnswSettings hnsw) {
        return new FaceModality(config, false, hnsw);
    }

    /** {@code simd=false} forces the scalar kernel (tests compare both). */
    FaceModality(FaceConfig config, boolean simd) {
        this(config, simd, FaceHnswSettings.defaults());
    }

    FaceModality(FaceConfig config, boolean simd, FaceHnswSettings hnsw) {
        this.config = config;
        this.hnsw = hnsw;
        this.layout = new FaceSlotLayout(config.embedder().dim());
        this.modelCode = FaceTemplateFormat.modelCode(config.embedder().id());
        this.kernel = new FaceScanKernel(layout, simd);
    }

    public FaceConfig config() {
        return config;
    }

    public FaceHnswSettings hnswSettings() {
        return hnsw;
    }

    /** Embedding dimension of the configured model. */
    public int dim() {
        return layout.dim();
    }

    /** True when the scan runs the Vector API kernel. */
    public boolean simd() {
        return kernel.simd();
    }

    /**
     * The photo pipeline (detect, align, embed), loaded on first use.
     *
     * @throws EngineException UNAVAILABLE when the model files cannot be found or loaded
     */
    public FaceAnalyzer analyzer() {
        FaceAnalyzer a = analyzer;
        if (a == null) {
            synchronized (analyzerLock) {
                a = analyzer;
                if (a == null) {
                    a = new FaceAnalyzer(config);
                    analyzer = a;
                }
            }
        }
        return a;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of(FORMAT_IMAGE, FORMAT_EMBEDDING);
    }

    @Override
    public int slotBytes() {
        return layout.slotBytes();
    }

    @Override
    public byte[] extractTemplate(List<Payload> payloads) {
        return FaceTemplateFormat.encode(embed(payloads), modelCode);
    }

    /** The unit embedding of one or more payloads (fused by averaging). */
    public float[] embed(List<Payload> payloads) {
        if (payloads == null || payloads.isEmpty()) {
            throw Modality.invalid("face: at least one payload (image or embedding-f32) is required");
        }
        if (payloads.size() > MAX_PAYLOADS) {
            throw Modality.invalid("face: at most " + MAX_PAYLOADS + " payloads, got " + payloads.size());
        }
        if (payloads.size() == 1) {
            return embed(payloads.getFirst());
        }
        float[] sum = new float[dim()];
        for (Payload p : payloads) {
            float[] v = embed(p);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        return Embeddings.normalise(sum, "fused embedding");
    }

    private float[] embed(Payload p) {
        return switch (p.format()) {
            case FORMAT_EMBEDDING -> {
                String model = p.attribute("model", null);
                if (model != null && !model.equals(config.embedder().id())) {
                    String shown = model.length() > 64 ? model.substring(0, 64) + "..." : model;
                    throw Modality.invalid("embedding-f32 is from model '" + shown.replaceAll("[^A-Za-z0-9_.-]", "?")
                            + "', this engine uses '" + config.embedder().id() + "'");
                }
                yield Embeddings.parse(p.data(), dim());
            }
            case FORMAT_IMAGE -> analyzer().embedLargest(p.data()).vector();
            default -> throw Modality.invalid("face: unknown payload format (expected image or embedding-f32)");
        };
    }

    @Override
    public void writeSlot(byte[] template, MemorySegment slot) {
        layout.write(FaceTemplateFormat.decode(template, dim(), modelCode), slot);
    }

    @Override
    public FaceProbe prepareProbe(List<Payload> payloads, Map<String, String> options) {
        Modality.requireKnownOptions(options, NAME, SEARCH_OPTIONS);
        FaceProbe.Mode mode = mode(options);
        // an option of another mode would be ignored while the examiner believes it applied
        if (options != null && options.containsKey(OPTION_HNSW_EF) && mode != FaceProbe.Mode.HNSW) {
            throw Modality.invalid("face option hnsw_ef applies to mode=hnsw only");
        }
        if (options != null && options.containsKey(OPTION_BINARY_SHORTLIST) && mode != FaceProbe.Mode.BINARY) {
            throw Modality.invalid("face option binary_shortlist applies to mode=binary only");
        }
        int ef = Modality.intOption(options, OPTION_HNSW_EF, 0, 1, FaceHnswSettings.MAX_EF);
        int binaryShortlist = Modality.intOption(options, OPTION_BINARY_SHORTLIST, FaceProbe.DEFAULT_BINARY_SHORTLIST,
                1, FaceProbe.MAX_BINARY_SHORTLIST);
        return new FaceProbe(embed(payloads), mode, ef, binaryShortlist);
    }

    /** A {@code mode=binary} probe keeping {@code shortlist} codes per shard (benchmarks). */
    public FaceProbe binaryProbe(float[] vector, int shortlist) {
        return probe(vector, FaceProbe.Mode.BINARY, 0, shortlist);
    }


    /** A probe from an embedding already computed (eval, demo, benchmarks). */
    public FaceProbe probe(float[] vector, FaceProbe.Mode mode) {
        return probe(vector, mode, 0);
    }

    /** As {@link #probe(float[], FaceProbe.Mode)} with an HNSW ef ({@code 0}: the default). */
    public FaceProbe probe(float[] vector, FaceProbe.Mode mode, int hnswEf) {
        return probe(vector, mode, hnswEf, FaceProbe.DEFAULT_BINARY_SHORTLIST);
    }

    private FaceProbe probe(float[] vector, FaceProbe.Mode mode, int hnswEf, int binaryShortlist) {
        if (vector.length != dim()) {
            throw Modality.invalid("embedding dim " + vector.length + " != " + dim());
        }
        if (hnswEf < 0 || hnswEf > FaceHnswSettings.MAX_EF) {
            throw Modality.invalid("face: hnsw_ef must be 1.." + FaceHnswSettings.MAX_EF);
        }
        if (binaryShortlist < 1 || binaryShortlist > FaceProbe.MAX_BINARY_SHORTLIST) {
            throw Modality.invalid("face: binary_shortlist must be 1.." + FaceProbe.MAX_BINARY_SHORTLIST);
        }
        return new FaceProbe(Embeddings.normalise(vector, "embedding"), mode, hnswEf, binaryShortlist);
    }

    private static FaceProbe.Mode mode(Map<String, String> options) {
        String m = options == null ? null : options.get(OPTION_MODE);
        if (m == null || m.isEmpty() || m.equals("exact")) {
            return FaceProbe.Mode.EXACT;
        }
        if (m.equals("fp32")) {
            return FaceProbe.Mode.FP32;
        }
        if (m.equals("hnsw")) {
            return FaceProbe.Mode.HNSW;
        }
        if (m.equals("binary")) {
            return FaceProbe.Mode.BINARY;
        }
        throw Modality.invalid("face: unknown mode (expected exact, fp32, hnsw or binary)");
    }

    @Override
    public ScanKernel<FaceProbe> kernel() {
        return kernel;
    }

    /** Float32 cosine of the probe with a stored template (header checked). */
    @Override
    public Optional<Rescorer<FaceProbe>> rescorer() {
        return Optional.of(this::cosine);
    }

    private float cosine(FaceProbe probe, byte[] template) {
        MemorySegment v = FaceTemplateFormat.vectorView(template, dim(), modelCode);
        return kernel.simd() ? PanamaDot.f32(probe.unit, v, 0, dim()) : ScalarDot.f32(probe.unit, v, 0, dim());
    }

    /**
     * No second stage from the record store, in any mode: every shard already reports float32 cosines
     * ({@code mode=exact} re-ranks its int8 short list from its own slots, see {@link FaceHnswIndex}).
     * The re-scorer stays for {@link #compare} (verify).
     */
    @Override
    public int shortlistSize(int topK) {
        return 0;
    }

    @Override
    public int shortlistSize(FaceProbe probe, int topK) {
        return 0;
    }

    /**
     * The shard's index, always: its int8 plane answers {@code mode=exact}; its HNSW graph, unless
     * {@link FaceHnswSettings#enabled()} is off, answers {@code mode=hnsw} and is saved under
     * {@code dataDir/face-hnsw/shard-N} on close.
     */
    @Override
    public FaceHnswIndex newShardIndex(int shard, Path dataDir) {
        Path dir = dataDir == null ? null : dataDir.resolve("face-hnsw").resolve("shard-" + shard);
        return new FaceHnswIndex(layout, kernel.simd(), hnsw, dir);
    }

    @Override
    public ScoreMeaning scoreMeaning() {
        return new ScoreMeaning("cosine similarity of " + config.embedder().id() + " embeddings (-1..1)",
                config.embedder().threshold(), config.embedder().thresholdMeaning());
    }



    /**
     * One gallery photo per identity (the first file by name), every other photo of that identity as a probe
     * whose mate is that record. Needs {@code face/images} and the models.
     */
    @Override
    public List<DemoSet> demo(Path sharedData) {
        Path images = sharedData.resolve("face/images");
        if (!Files.isDirectory(images) || !Files.isDirectory(sharedData.resolve("face/models"))) {
            return List.of();
        }
        List<DemoSet.Entry> gallery = new ArrayList<>();
        List<DemoSet.Probe> probes = new ArrayList<>();
        for (Path dir : identityFolders(images)) {
            String identity = dir.getFileName().toString();
            List<Path> files = imageFiles(dir);
            if (files.isEmpty()) {
                continue;
            }
            String id = "face-" + identity;
            gallery.add(new DemoSet.Entry(id, "demo", Map.of("name", identity, "file", files.getFirst().getFileName().toString()),
                    List.of(new Payload(FORMAT_IMAGE, read(files.getFirst())))));
            for (Path f : files.subList(1, files.size())) {
                probes.add(new DemoSet.Probe(identity + "/" + f.getFileName(),
                        List.of(new Payload(FORMAT_IMAGE, read(f))), Map.of(), id));
            }
        }
        return gallery.isEmpty() ? List.of() : List.of(new DemoSet("Face", gallery, probes));
    }

    /** Identity folders (one person each; names starting with '_' such as {@code _group} are skipped), sorted. */
    static List<Path> identityFolders(Path images) {
        try (Stream<Path> s = Files.list(images)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("_")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Image files of a folder (jpg, jpeg, png, bmp), sorted by name. */
    static List<Path> imageFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
                    .matches(".*\\.(jpe?g|png|bmp)")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
