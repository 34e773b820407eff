package io.biomatch.face;

import io.biomatch.core.EngineException;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.ImageHeader;
import io.biomatch.face.internal.SimilarityTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.FaceDetectorYN;

/**
 * Photo to embedding with OpenCV: decode (JPEG/PNG/BMP, also WebP/TIFF/JPEG 2000; EXIF orientation applied; the
 * size read from the header first, {@link ImageHeader}) -> YuNet detection on a copy
 * downscaled to {@link FaceConfig#maxDetectSide()} -> 5-point similarity alignment onto the 112x112 ArcFace
 * template (on the full-resolution image) -> ONNX embedder ({@link FaceModelSpec}) -> L2 normalisation.
 *
 * <p>Thread-safe: OpenCV {@code Net} and {@code FaceDetectorYN} objects are not, so each call borrows a
 * detector+embedder pair from a pool (one pair per concurrently calling thread, created on demand).
 *
 * <p>Errors from the caller's image are {@link EngineException.Reason#INVALID_INPUT}: unreadable image,
 * no face, face too small. Missing model files are {@link EngineException.Reason#UNAVAILABLE}.
 */
public final class FaceAnalyzer {
    private static final double[] TEMPLATE = SimilarityTransform.ARCFACE_112;
    private static final Size ALIGNED = new Size(112, 112);

    private final FaceConfig config;
    private final String detectorPath;
    private final String embedderPath;
    private final ConcurrentLinkedQueue<Models> pool = new ConcurrentLinkedQueue<>();

    /** A detector + embedder pair, used by one thread at a time. */
    private static final class Models {
        final FaceDetectorYN detector;
        final Net net;

        Models(FaceDetectorYN detector, Net net) {
            this.detector = detector;
            this.net = net;
        }
    }

    /**
     * Resolves the model files and loads one pair (so a bad file fails here, not on the first request).
     *
     * @throws EngineException UNAVAILABLE when a model file is missing or does not load
     */
    public FaceAnalyzer(FaceConfig config) {
        this.config = config;
        OpenCvNatives.load();
        Path dir;
        try {
            dir = config.modelsDir() != null ? config.modelsDir() : SharedData.require("face/models");
        } catch (IllegalStateException e) {
            throw new EngineException(EngineException.Reason.UNAVAILABLE,
                    "face images need the detector and embedder models, which were not found ("
                            + e.getMessage() + "); set -Dbiomatch.face.modelsDir or send embedding-f32 payloads");
        }
        this.detectorPath = modelFile(dir, config.detectorFile());
        this.embedderPath = modelFile(dir, config.embedder().fileName());
        pool.add(newModels());
    }

    public FaceConfig config() {
        return config;
    }

    private static String modelFile(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new EngineException(EngineException.Reason.UNAVAILABLE, "face model file missing: " + p);
        }
        return p.toAbsolutePath().toString();
    }

    private Models newModels() {
        try {
            FaceDetectorYN det = FaceDetectorYN.create(detectorPath, "", new Size(320, 320), config.detectScore(),
                    config.detectNms(), 5000);
            Net net = Dnn.readNetFromONNX(embedderPath);
            if (net.empty()) {
                throw new IllegalStateException("empty network");
            }
            return new Models(det, net);
        } catch (RuntimeException e) {
            throw new EngineException(EngineException.Reason.UNAVAILABLE,
                    "face models could not be loaded (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private Models borrow() {
        Models m = pool.poll();
        return m != null ? m : newModels();
    }

    /** All faces in the image, largest first (no size filter). */
    public List<DetectedFace> detect(byte[] image) {
        Mat img = decode(image);
        Models m = borrow();
        try {
            return detect(m, img);
        } finally {
            pool.offer(m);
            img.release();
        }
    }

    /** The largest face and its embedding; fails when there is no face or it is too small. */
    public FaceEmbedding embedLargest(byte[] image) {
        Mat img = decode(image);
        Models m = borrow();
        try {
            List<DetectedFace> faces = detect(m, img);
            if (faces.isEmpty()) {
                throw Modality.invalid("no face found in the image");
            }
            DetectedFace face = faces.getFirst();
            checkSize(face);
            return new FaceEmbedding(face, embed(m, img, face));
        } finally {
            pool.offer(m);
            img.release();
        }
    }

    /** Every face at least {@link FaceConfig#minFacePixels()} wide and high, largest first, with its embedding. */
    public List<FaceEmbedding> embedAll(byte[] image) {
        Mat img = decode(image);
        Models m = borrow();
        try {
            List<FaceEmbedding> out = new ArrayList<>();
            for (DetectedFace f : detect(m, img)) {
                if (f.minSide() >= config.minFacePixels()) {
                    out.add(new FaceEmbedding(f, embed(m, img, f)));
                }
            }
            return out;
        } finally {
            pool.offer(m);
            img.release();
        }
    }

    private void checkSize(DetectedFace face) {
        if (face.minSide() < config.minFacePixels()) {
            throw Modality.invalid(String.format(java.util.Locale.ROOT,
                    "face too small: %.0f px (at least %d px wide and high needed)", face.minSide(),
                    config.minFacePixels()));
        }
    }

    /**
     * Decodes to 8-bit BGR; rejects empty, oversized and undecodable input. The size is checked from the header
     * before OpenCV allocates the raster ({@link ImageHeader}), and again after the decode.
     */
    static Mat decode(byte[] image) {
        if (image == null || image.length == 0) {
            throw Modality.invalid("image payload is empty");
        }
        if (image.length > FaceLimits.MAX_IMAGE_BYTES) {
            throw Modality.invalid("image payload is " + image.length + " bytes; at most "
                    + FaceLimits.MAX_IMAGE_BYTES + " accepted");
        }
        ImageHeader header = ImageHeader.read(image);
        if (header.pixels() > FaceLimits.MAX_IMAGE_PIXELS) {
            throw Modality.invalid(String.format(java.util.Locale.ROOT,
                    "%s image is %d x %d pixels (%.1f MP); at most %.1f MP accepted", header.format(), header.width(),
                    header.height(), header.pixels() / 1e6, FaceLimits.MAX_IMAGE_PIXELS / 1e6));
        }
        OpenCvNatives.load();
        MatOfByte buf = new MatOfByte(image);
        Mat img;
        try {
            img = Imgcodecs.imdecode(buf, Imgcodecs.IMREAD_COLOR);
        } catch (RuntimeException e) { // CvException on some corrupt inputs
            throw Modality.invalid(header.format() + " image could not be decoded (truncated or corrupt)");
        } finally {
            buf.release();
        }
        if (img == null || img.empty() || img.cols() < 1 || img.rows() < 1) {
            throw Modality.invalid(header.format() + " image could not be decoded (truncated or corrupt)");
        }
        if ((long) img.cols() * img.rows() > FaceLimits.MAX_IMAGE_PIXELS) {
            img.release();
            throw Modality.invalid("image is larger than " + FaceLimits.MAX_IMAGE_PIXELS + " pixels");
        }
        return img;
    }

    private List<DetectedFace> detect(Models m, Mat img) {
        int longer = Math.max(img.cols(), img.rows());
        double s = Math.min(1.0, (double) config.maxDetectSide() / longer);
        Mat small = img;
        if (s < 1.0) {
            small = new Mat();
            Imgproc.resize(img, small, new Size(Math.max(1, Math.round(img.cols() * s)),
                    Math.max(1, Math.round(img.rows() * s))), 0, 0, Imgproc.INTER_AREA);
        }
        double sx = (double) img.cols() / small.cols();
        double sy = (double) img.rows() / small.rows();
        Mat faces = new Mat();
        try {
            m.detector.setInputSize(new Size(small.cols(), small.rows()));
            m.detector.detect(small, faces);
            List<DetectedFace> out = new ArrayList<>(faces.rows());
            float[] row = new float[15];
            for (int r = 0; r < faces.rows(); r++) {
                faces.get(r, 0, row);
                float[] lm = new float[10];
                for (int i = 0; i < 10; i++) {
                    lm[i] = (float) (row[4 + i] * (i % 2 == 0 ? sx : sy));
                }
                out.add(new DetectedFace((float) (row[0] * sx), (float) (row[1] * sy), (float) (row[2] * sx),
                        (float) (row[3] * sy), lm, row[14]));
            }
            out.sort(Comparator.comparingDouble(DetectedFace::area).reversed());
            return out;
        } finally {
            faces.release();
            if (small != img) {
                small.release();
            }
        }
    }

    /** The aligned 112x112 BGR crop of a face (for inspection and tests); the caller releases it. */
    static Mat align(Mat img, DetectedFace face) {
        float[] lm = face.landmarks();
        double[] src = new double[10];
        for (int i = 0; i < 10; i++) {
            src[i] = lm[i];
        }
        double[] t = SimilarityTransform.estimate(src, TEMPLATE);
        Mat affine = new Mat(2, 3, CvType.CV_64F);
        affine.put(0, 0, t);
        Mat out = new Mat();
        Imgproc.warpAffine(img, out, affine, ALIGNED, Imgproc.INTER_LINEAR, Core.BORDER_CONSTANT, new Scalar(0, 0, 0));
        affine.release();
        return out;
    }

    private float[] embed(Models m, Mat img, DetectedFace face) {
        FaceModelSpec spec = config.embedder();
        Mat aligned = align(img, face);
        Mat blob = Dnn.blobFromImage(aligned, spec.scale(), ALIGNED, new Scalar(spec.mean(), spec.mean(), spec.mean()),
                spec.swapRB(), false);
        Mat out = null;
        try {
            m.net.setInput(blob);
            out = spec.outputName().isEmpty() ? m.net.forward() : m.net.forward(spec.outputName());
            if (out.total() != spec.dim()) {
                throw new EngineException(EngineException.Reason.UNAVAILABLE, "embedding model " + spec.id()
                        + " returned " + out.total() + " values, spec says " + spec.dim());
            }
            float[] v = new float[spec.dim()];
            out.reshape(1, 1).get(0, 0, v);
            return Embeddings.normalise(v, "embedding model output");
        } finally {
            aligned.release();
            blob.release();
            if (out != null) {
                out.release();
            }
        }
    }
}
