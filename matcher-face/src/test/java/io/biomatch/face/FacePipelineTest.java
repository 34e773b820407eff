package io.biomatch.face;

import static io.biomatch.face.FaceModalityTest.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;

/** The photo pipeline on the shared face images (README: ../shared/data/face/README.md). */
class FacePipelineTest {
    /** Faces per group photo, counted by eye on the images (every visible face, including background ones). */
    static final Map<String, Integer> GROUP_FACES = Map.of(
            "_group/bbt1.jpg", 4, "_group/bbt2.jpg", 3, "_group/bbt3.jpg", 5, "_group/bbt4.jpg", 6,
            "_group/bbt5.jpg", 5, "_group/kit_with_rose.jpg", 2, "_group/lin-manuel-miranda.png", 1,
            "_group/obama_and_biden.jpg", 3, "_group/two_people.jpg", 2);

    static Path images;
    static FaceModality face;

    @BeforeAll
    static void setUp() {
        images = SharedData.require("face/images");
        face = new FaceModality(FaceConfig.defaults());
        face.analyzer(); // loads OpenCV natives, which the test's own Mat calls need
    }

    static Path imagesDir() {
        return SharedData.require("face/images");
    }

    static byte[] read(String rel) throws Exception {
        return Files.readAllBytes(images.resolve(rel));
    }

    @Test
    void everySinglePersonImageIsDetectedAndIdentifiedAtRank1AndTheThresholdSeparates() {
        FaceEval.Result r = FaceEval.evaluate(images, FaceConfig.defaults());
        System.out.print(r.toText());
        assertTrue(r.images() >= 40, "expected the shared image set, got " + r.images());
        assertEquals(List.of(), r.failures());
        assertEquals(r.images(), r.detected());
        assertEquals(r.detected(), r.rank1Probes(), "every identity has at least two images");
        assertEquals(r.rank1Probes(), r.rank1Correct(), String.valueOf(r.rank1Misses()));
        assertTrue(r.separable());
        assertTrue(r.impostor().max() < FaceModality.DEFAULT_THRESHOLD, "impostor max " + r.impostor().max());
        assertTrue(r.genuine().min() >= FaceModality.DEFAULT_THRESHOLD, "genuine min " + r.genuine().min());
        assertEquals(0.0, r.fmrAtDefault());
        assertEquals(0.0, r.fnmrAtDefault());
        assertEquals(GROUP_FACES, r.groupFaces());
        assertEquals(face.scoreMeaning().defaultThreshold(), (float) r.defaultThreshold());
        // every pair of photos of one person is counted (each has >= 3 photos of others) and the statistic is a
        // correlation: the benchmark generator is calibrated against it (ClusteredFaces in bench/)
        assertEquals(r.genuine().count(), r.carryOver().genuinePairs());
        assertTrue(r.carryOver().profileCorrelation() > 0 && r.carryOver().profileCorrelation() < 1, r.carryOver().toString());
    }

    @Test
    void the128dModelRunsThroughTheSameCode() {
        FaceEval.Result r = FaceEval.evaluate(images, FaceConfig.defaults().withEmbedder(FaceModelSpec.MOBILEFACENET_PADDLEX));
        assertEquals(128, r.dim());
        assertEquals(r.images(), r.detected());
        assertEquals(r.rank1Probes(), r.rank1Correct(), String.valueOf(r.rank1Misses()));
        assertEquals(0.0, r.fmrAtDefault());
    }

    @Test
    void groupPhotoYieldsEveryFaceWithItsBoxAndEmbedding() throws Exception {
        byte[] group = read("_group/obama_and_biden.jpg");
        List<DetectedFace> faces = face.analyzer().detect(group);
        assertEquals(3, faces.size());
        for (int i = 1; i < faces.size(); i++) {
            assertTrue(faces.get(i - 1).area() >= faces.get(i).area(), "largest first");
        }
        List<FaceEmbedding> embedded = face.analyzer().embedAll(group);
        assertEquals(3, embedded.size());
        // Obama and Biden from the group photo match their single-person photos; the third face matches neither.
        float[] obama = face.analyzer().embedLargest(read("obama/obama.jpg")).vector();
        float[] biden = face.analyzer().embedLargest(read("biden/biden.jpg")).vector();
        int obamaHits = 0, bidenHits = 0;
        for (FaceEmbedding e : embedded) {
            float so = Embeddings.dot(e.vector(), obama), sb = Embeddings.dot(e.vector(), biden);
            obamaHits += so >= FaceModality.DEFAULT_THRESHOLD ? 1 : 0;
            bidenHits += sb >= FaceModality.DEFAULT_THRESHOLD ? 1 : 0;
            assertTrue(e.face().width() > 0 && e.face().height() > 0 && e.face().score() > 0.6f);
        }
        assertEquals(1, obamaHits);
        assertEquals(1, bidenHits);
    }

    @Test
    void unreadableImagesAreInvalidInput() throws Exception {
        byte[] random = new byte[5000];
        new Random(1).nextBytes(random);
        assertInvalid(() -> face.extractTemplate(List.of(new Payload("image", random))));
        assertInvalid(() -> face.extractTemplate(List.of(new Payload("image", new byte[0]))));
        byte[] truncated = Arrays.copyOf(read("obama/obama.jpg"), 200);
        assertInvalid(() -> face.prepareProbe(List.of(new Payload("image", truncated)), Map.of()));
        // a header declaring 900 MP is refused before any decode (ImageInputTest has every format)
        assertInvalid(() -> face.extractTemplate(List.of(new Payload("image", ImageInputTest.png(30000, 30000, new byte[0])))));
    }

    @Test
    void noFaceAndTooSmallFaceSayWhy() throws Exception {
        Mat gray = new Mat(300, 400, CvType.CV_8UC3, new Scalar(128, 128, 128));
        MatOfByte png = new MatOfByte();
        Imgcodecs.imencode(".png", gray, png);
        EngineException noFace = assertThrows(EngineException.class,
                () -> face.extractTemplate(List.of(new Payload("image", png.toArray()))));
        assertEquals(EngineException.Reason.INVALID_INPUT, noFace.reason());
        assertTrue(noFace.getMessage().contains("no face"), noFace.getMessage());

        FaceModality strict = new FaceModality(FaceConfig.defaults().withMinFacePixels(2000));
        EngineException small = assertThrows(EngineException.class,
                () -> strict.extractTemplate(List.of(new Payload("image", read("obama/obama_small.jpg")))));
        assertEquals(EngineException.Reason.INVALID_INPUT, small.reason());
        assertTrue(small.getMessage().contains("too small"), small.getMessage());
    }

    @Test
    void missingModelsAreUnavailableButEmbeddingsStillWork(@org.junit.jupiter.api.io.TempDir Path empty) throws Exception {
        FaceModality noModels = new FaceModality(FaceConfig.defaults().withModelsDir(empty));
        float[] v = FaceModalityTest.random(new Random(3), noModels.dim());
        noModels.extractTemplate(List.of(FaceModalityTest.emb(v)));
        EngineException e = assertThrows(EngineException.class,
                () -> noModels.extractTemplate(List.of(new Payload("image", read("obama/obama.jpg")))));
        assertEquals(EngineException.Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("model"), e.getMessage());
    }

    @Test
    void analyzerIsThreadSafe() throws Exception {
        byte[] img = read("obama/obama1.jpg");
        float[] ref = face.analyzer().embedLargest(img).vector();
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5; i++) {
                    if (Embeddings.dot(ref, face.analyzer().embedLargest(img).vector()) < 0.999f) {
                        bad.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, bad.get());
    }
}
