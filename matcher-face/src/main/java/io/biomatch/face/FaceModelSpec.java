package io.biomatch.face;

import java.util.Objects;

/**
 * How to run one ONNX face-embedding model: which file, what it outputs and how its input blob is built
 * ({@code Dnn.blobFromImage(aligned112Bgr, scale, 112x112, (mean, mean, mean), swapRB, false)}).
 *
 * <p>Every model sees the same 112x112 aligned face (see {@code internal.FaceAligner}); only the blob and
 * the output differ, so a new model is a new spec, not new code.
 *
 * @param id          stable model id, stored in every template so that embeddings of different models never mix
 * @param fileName    file name under the models folder (or an absolute path)
 * @param dim         embedding dimension the model outputs
 * @param mean        value subtracted from every 8-bit channel before scaling
 * @param scale       multiplier applied after the mean is subtracted
 * @param swapRB      true when the model expects RGB (the aligned face is BGR)
 * @param outputName  the graph output to read; empty for the network's default output
 * @param threshold   default match threshold (cosine) for this model's scores
 * @param thresholdMeaning where the threshold comes from and its measured error rates
 */
public record FaceModelSpec(String id, String fileName, int dim, double mean, double scale, boolean swapRB,
                            String outputName, float threshold, String thresholdMeaning) {
    /**
     * Recommended: Faceplugin {@code fr_feature.onnx}, 512-d, RGB, (pixel - 127) / 128.
     *
     * <p>Threshold 0.32: the middle of the gap between the highest impostor (0.285) and the lowest genuine
     * score (0.357) measured with {@link FaceEval} on the 49 shared single-person images of 10 identities
     * (1074 impostor, 102 genuine pairs): FMR 0/1074, FNMR 0/102 there. 1074 pairs only bound the FMR below
     * about 0.3 % (95 %, rule of three); a large impostor set is needed before quoting a production FMR.
     */
    public static final FaceModelSpec FR_FEATURE =
            new FaceModelSpec("fr_feature", "fr_feature.onnx", 512, 127.0, 1 / 128.0, true, "output", 0.32f,
                    "FaceEval on the shared face images (49 images, 10 identities): FMR 0/1074 impostor pairs, "
                            + "FNMR 0/102 genuine pairs; FMR below ~0.3 % (95 %), not a production figure");

    /**
     * PaddleX MobileFaceNet (MS1Mv3), 128-d, BGR, (pixel - 127.5) / 127.5. Licence unclear: test use only.
     * Not separable on the shared images (EER 0.14 % at 0.265); 0.28 is just above the highest impostor.
     */
    public static final FaceModelSpec MOBILEFACENET_PADDLEX =
            new FaceModelSpec("mobilefacenet_paddlex", "mobilefacenet_paddlex.onnx", 128, 127.5, 1 / 127.5, false,
                    "reshape2_0.tmp_0", 0.28f, "FaceEval on the shared face images (49 images, 10 identities): "
                            + "FMR 0/1074 impostor pairs, FNMR 3/102 genuine pairs; EER 0.14 %");

    public FaceModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fileName, "fileName");
        outputName = outputName == null ? "" : outputName;
        thresholdMeaning = thresholdMeaning == null ? "" : thresholdMeaning;
        if (id.isEmpty() || id.length() > 64) {
            throw new IllegalArgumentException("model id must be 1..64 characters");
        }
        if (dim < 2 || dim > FaceLimits.MAX_DIM) {
            throw new IllegalArgumentException("embedding dim must be 2.." + FaceLimits.MAX_DIM + ": " + dim);
        }
        if (!(scale > 0) || !Double.isFinite(mean)) {
            throw new IllegalArgumentException("bad blob mean/scale");
        }
    }

    /** A built-in spec by id ({@code fr_feature}, {@code mobilefacenet_paddlex}). */
    public static FaceModelSpec named(String id) {
        return switch (id) {
            case "fr_feature" -> FR_FEATURE;
            case "mobilefacenet_paddlex" -> MOBILEFACENET_PADDLEX;
            default -> throw new IllegalArgumentException("unknown face model '" + id
                    + "' (known: fr_feature, mobilefacenet_paddlex; or build a FaceModelSpec)");
        };
    }
}
