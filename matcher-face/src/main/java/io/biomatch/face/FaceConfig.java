package io.biomatch.face;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of the face modality: where the models are, which embedder, detector settings.
 *
 * <p>{@code modelsDir == null} means "the shared data folder's {@code face/models}", resolved lazily on the
 * first image: without shared data the modality still loads and accepts {@code embedding-f32} payloads.
 *
 * @param modelsDir          folder holding the ONNX files, or null for {@code SharedData face/models}
 * @param detectorFile       YuNet file name under {@code modelsDir} (or absolute)
 * @param embedder           the embedding model
 * @param detectScore        YuNet score threshold (0.6: the zoo's default; lower finds more blurred faces and more false ones)
 * @param detectNms          YuNet non-maximum-suppression IoU (0.3)
 * @param maxDetectSide      images are downscaled so the longer side is at most this before detection (640, YuNet's export size)
 * @param minFacePixels      faces whose shorter box side is smaller (original pixels) are rejected as too small
 */
public record FaceConfig(Path modelsDir, String detectorFile, FaceModelSpec embedder, float detectScore,
                         float detectNms, int maxDetectSide, int minFacePixels) {
    public static final String DETECTOR_YUNET_2023MAR = "face_detection_yunet_2023mar.onnx";

    public FaceConfig {
        Objects.requireNonNull(detectorFile, "detectorFile");
        Objects.requireNonNull(embedder, "embedder");
        if (!(detectScore > 0 && detectScore < 1) || !(detectNms > 0 && detectNms < 1)) {
            throw new IllegalArgumentException("detector thresholds must be in (0, 1)");
        }
        if (maxDetectSide < 64 || minFacePixels < 1) {
            throw new IllegalArgumentException("maxDetectSide >= 64 and minFacePixels >= 1 required");
        }
    }

    /** Shared-data models, YuNet 2023mar, {@code fr_feature} (512-d). */
    public static FaceConfig defaults() {
        return new FaceConfig(null, DETECTOR_YUNET_2023MAR, FaceModelSpec.FR_FEATURE, 0.6f, 0.3f, 640,
                FaceLimits.DEFAULT_MIN_FACE_PIXELS);
    }

    /**
     * Defaults overridden by system properties: {@code biomatch.face.modelsDir} (folder),
     * {@code biomatch.face.model} (built-in model id, e.g. {@code mobilefacenet_paddlex}).
     */
    public static FaceConfig fromSystemProperties() {
        FaceConfig c = defaults();
        String dir = System.getProperty("biomatch.face.modelsDir");
        if (dir != null && !dir.isBlank()) {
            c = c.withModelsDir(Path.of(dir));
        }
        String model = System.getProperty("biomatch.face.model");
        if (model != null && !model.isBlank()) {
            c = c.withEmbedder(FaceModelSpec.named(model.strip()));
        }
        return c;
    }

    public FaceConfig withEmbedder(FaceModelSpec spec) {
        return new FaceConfig(modelsDir, detectorFile, spec, detectScore, detectNms, maxDetectSide, minFacePixels);
    }

    public FaceConfig withModelsDir(Path dir) {
        return new FaceConfig(dir, detectorFile, embedder, detectScore, detectNms, maxDetectSide, minFacePixels);
    }

    public FaceConfig withMinFacePixels(int px) {
        return new FaceConfig(modelsDir, detectorFile, embedder, detectScore, detectNms, maxDetectSide, px);
    }
}
