package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.spi.ImageHeader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Image headers are read before OpenCV decodes ({@link ImageHeader}): the size they declare is the size OpenCV
 * decodes, for every format taken, and an oversized declaration is refused before any decoder allocates for it.
 */
class ImageInputTest {
    static final Random RANDOM = new Random(20261130);

    @BeforeAll
    static void natives() {
        OpenCvNatives.load();
    }

    static byte[] encode(String ext, int w, int h, int channels, int... params) {
        Mat m = new Mat(h, w, channels == 1 ? CvType.CV_8UC1 : CvType.CV_8UC3);
        Core.randu(m, 0, 256);
        MatOfByte out = new MatOfByte();
        assertTrue(Imgcodecs.imencode(ext, m, out, new MatOfInt(params)), ext);
        m.release();
        return out.toArray();
    }

    static Mat decoded(byte[] image) {
        return Imgcodecs.imdecode(new MatOfByte(image), Imgcodecs.IMREAD_COLOR);
    }

    static void assertHeaderIsDecodedSize(String format, byte[] image) {
        ImageHeader h = ImageHeader.read(image);
        Mat d = decoded(image);
        assertTrue(!d.empty(), format + " decodes");
        assertEquals(format, h.format());
        assertEquals(d.cols(), h.width(), format + " width");
        assertEquals(d.rows(), h.height(), format + " height");
        d.release();
    }

    /** One sample of each format OpenCV writes here, at random sizes. */
    static Map<String, byte[]> samples(int w, int h) {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("JPEG", encode(".jpg", w, h, 3));
        s.put("PNG", encode(".png", w, h, 3));
        s.put("PNG gray", encode(".png", w, h, 1));
        s.put("BMP", encode(".bmp", w, h, 3));
        s.put("WebP", encode(".webp", w, h, 3, Imgcodecs.IMWRITE_WEBP_QUALITY, 80));
        s.put("WebP lossless", encode(".webp", w, h, 3, Imgcodecs.IMWRITE_WEBP_QUALITY, 101));
        s.put("TIFF", encode(".tiff", w, h, 3));
        s.put("JPEG 2000", encode(".jp2", w, h, 3));
        return s;
    }

    static String formatOf(String sample) {
        return sample.replace(" gray", "").replace(" lossless", "");
    }

    @Test
    void theHeaderGivesTheDecodedSizeForEveryFormatTaken() {
        for (int round = 0; round < 6; round++) {
            // OpenJPEG needs 32 pixels a side at its default 6 resolution levels
            int w = 32 + RANDOM.nextInt(300), h = 32 + RANDOM.nextInt(300);
            for (var e : samples(w, h).entrySet()) {
                assertHeaderIsDecodedSize(formatOf(e.getKey()), e.getValue());
                assertEquals(w, ImageHeader.read(e.getValue()).width(), e.getKey());
                assertEquals(h, ImageHeader.read(e.getValue()).height(), e.getKey());
            }
        }
    }

    @Test
    void variantsOpenCvDoesNotWriteAreReadAsItDecodesThem() {
        int w = 37, h = 33;
        // a JPEG with fill bytes before a marker and an APP1 segment holding a thumbnail JPEG of another size
        byte[] jpeg = encode(".jpg", w, h, 3);
        byte[] thumb = encode(".jpg", 8, 5, 3);
        var b = new ByteArrayOutputStream();
        b.write(jpeg, 0, 2);
        b.write(0xFF);
        b.write(0xFF); // fill
        b.write(0xE1);
        int len = thumb.length + 2;
        b.write(len >> 8);
        b.write(len & 0xFF);
        b.write(thumb, 0, thumb.length);
        b.write(jpeg, 2, jpeg.length - 2);
        assertHeaderIsDecodedSize("JPEG", b.toByteArray());
        assertEquals(w, ImageHeader.read(b.toByteArray()).width());

        // a top-down BMP (negative height)
        byte[] bmp = encode(".bmp", w, h, 3);
        ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(22, -h);
        assertHeaderIsDecodedSize("BMP", bmp);
        assertEquals(h, ImageHeader.read(bmp).height());

        // WebP with the extended header (VP8X) in front of the lossy frame: the canvas size
        byte[] lossy = encode(".webp", w, h, 3, Imgcodecs.IMWRITE_WEBP_QUALITY, 80);
        ByteBuffer x = ByteBuffer.allocate(lossy.length + 18).order(ByteOrder.LITTLE_ENDIAN);
        x.put("RIFF".getBytes()).putInt(lossy.length + 18 - 8).put("WEBP".getBytes());
        x.put("VP8X".getBytes()).putInt(10).putInt(0);
        x.put((byte) (w - 1)).put((byte) 0).put((byte) 0).put((byte) (h - 1)).put((byte) 0).put((byte) 0);
        x.put(lossy, 12, lossy.length - 12);
        assertHeaderIsDecodedSize("WebP", x.array());

        // big-endian TIFF, classic and BigTIFF, written by hand (uncompressed 8-bit gray)
        assertHeaderIsDecodedSize("TIFF", grayTiff(w, h, ByteOrder.BIG_ENDIAN, false));
        assertHeaderIsDecodedSize("TIFF", grayTiff(w, h, ByteOrder.LITTLE_ENDIAN, false));
        assertHeaderIsDecodedSize("TIFF", grayTiff(w, h, ByteOrder.BIG_ENDIAN, true));
        assertHeaderIsDecodedSize("TIFF", grayTiff(w, h, ByteOrder.LITTLE_ENDIAN, true));

        // a raw JPEG 2000 codestream (the contents of a JP2 file's codestream box)
        byte[] jp2 = encode(".jp2", w, h, 3);
        int at = indexOf(jp2, "jp2c".getBytes()) + 4;
        assertHeaderIsDecodedSize("JPEG 2000", Arrays.copyOfRange(jp2, at, jp2.length));
    }

    /** A minimal uncompressed 8-bit gray TIFF (classic or BigTIFF) with ImageWidth as SHORT, ImageLength as LONG. */
    static byte[] grayTiff(int w, int h, ByteOrder order, boolean big) {
        int[][] tags = {{256, 3, w}, {257, 4, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, 0},
                {277, 3, 1}, {278, 4, h}, {279, 4, w * h}};
        int header = big ? 16 : 8, entry = big ? 20 : 12, count = big ? 8 : 2, next = big ? 8 : 4;
        int ifdBytes = count + tags.length * entry + next;
        int pixels = header + ifdBytes;
        ByteBuffer t = ByteBuffer.allocate(pixels + w * h).order(order);
        t.put(order == ByteOrder.LITTLE_ENDIAN ? "II".getBytes() : "MM".getBytes());
        if (big) {
            t.putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(header);
            t.putLong(tags.length);
        } else {
            t.putShort((short) 42).putInt(header);
            t.putShort((short) tags.length);
        }
        for (int[] tag : tags) {
            int value = tag[0] == 273 ? pixels : tag[2];
            t.putShort((short) tag[0]).putShort((short) tag[1]);
            if (big) {
                t.putLong(1);
            } else {
                t.putInt(1);
            }
            int start = t.position();
            if (tag[1] == 3) {
                t.putShort((short) value);
            } else {
                t.putInt(value);
            }
            t.position(start + (big ? 8 : 4));
        }
        if (big) {
            t.putLong(0);
        } else {
            t.putInt(0);
        }
        for (int i = 0; i < w * h; i++) {
            t.put((byte) RANDOM.nextInt(256));
        }
        return t.array();
    }

    static int indexOf(byte[] d, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= d.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (d[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /**
     * A phone photo stored sideways with an EXIF orientation tag is decoded upright (OpenCV applies the tag), so its
     * face is found and embedded as in the upright photo.
     */
    @Test
    void exifOrientationIsApplied() throws Exception {
        Mat upright = Imgcodecs.imread(FacePipelineTest.imagesDir().resolve("obama/obama.jpg").toString());
        Mat sideways = new Mat();
        Core.rotate(upright, sideways, Core.ROTATE_90_COUNTERCLOCKWISE);
        MatOfByte jpg = new MatOfByte();
        Imgcodecs.imencode(".jpg", sideways, jpg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 95));
        byte[] j = jpg.toArray();
        // APP1 "Exif": a little-endian TIFF directory with one entry, Orientation (274) = 6 (rotate 90 clockwise)
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0).putInt(0);
        var out = new ByteArrayOutputStream();
        out.write(j, 0, 2);
        int len = 2 + 6 + tiff.capacity();
        out.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        out.writeBytes("Exif\0\0".getBytes());
        out.writeBytes(tiff.array());
        out.write(j, 2, j.length - 2);
        byte[] tagged = out.toByteArray();

        Mat d = FaceAnalyzer.decode(tagged);
        assertEquals(upright.cols(), d.cols());
        assertEquals(upright.rows(), d.rows());
        assertTrue(Core.norm(d, upright, Core.NORM_L1) / d.total() < 10, "decoded upright");
        FaceAnalyzer analyzer = new FaceModality(FaceConfig.defaults()).analyzer();
        float[] a = analyzer.embedLargest(Imgcodecs.imencode(".png", upright, jpg) ? jpg.toArray() : null).vector();
        float[] b = analyzer.embedLargest(tagged).vector();
        assertTrue(Embeddings.dot(a, b) > 0.9f, "same face, cosine " + Embeddings.dot(a, b));
        d.release();
    }

    /** Forges each format's declared size: refused with the size, before any decode. */
    @Test
    void oversizedImagesAreRefusedFromTheirHeaderBeforeDecoding() {
        Map<String, byte[]> forged = new LinkedHashMap<>();
        forged.put("PNG", png(30000, 30000, new byte[0]));
        byte[] jpeg = encode(".jpg", 40, 30, 3);
        int sof = indexOf(jpeg, new byte[]{(byte) 0xFF, (byte) 0xC0});
        ByteBuffer.wrap(jpeg).putShort(sof + 5, (short) 60000).putShort(sof + 7, (short) 60000);
        forged.put("JPEG", jpeg);
        byte[] bmp = encode(".bmp", 40, 30, 3);
        ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(18, 40000).putInt(22, -40000);
        forged.put("BMP", bmp);
        byte[] webp = encode(".webp", 40, 30, 3, Imgcodecs.IMWRITE_WEBP_QUALITY, 80);
        ByteBuffer.wrap(webp).order(ByteOrder.LITTLE_ENDIAN).putShort(26, (short) 16383).putShort(28, (short) 16383);
        forged.put("WebP", webp);
        byte[] tiff = grayTiff(40, 30, ByteOrder.BIG_ENDIAN, false); // ImageWidth's value at 18, ImageLength's at 30
        ByteBuffer.wrap(tiff).putShort(18, (short) 20000).putInt(30, 20000);
        forged.put("TIFF", tiff);
        byte[] jp2 = encode(".jp2", 40, 32, 3);
        int siz = indexOf(jp2, new byte[]{(byte) 0xFF, 0x4F, (byte) 0xFF, 0x51});
        ByteBuffer.wrap(jp2).putInt(siz + 8, 50000).putInt(siz + 12, 50000);
        forged.put("JPEG 2000", jp2);
        for (var e : forged.entrySet()) {
            EngineException x = assertThrows(EngineException.class, () -> FaceAnalyzer.decode(e.getValue()), e.getKey());
            assertEquals(EngineException.Reason.INVALID_INPUT, x.reason());
            ImageHeader h = ImageHeader.read(e.getValue());
            assertTrue(x.getMessage().startsWith(e.getKey() + " image is " + h.width() + " x " + h.height() + " pixels"),
                    x.getMessage());
            assertTrue(h.pixels() > FaceLimits.MAX_IMAGE_PIXELS);
        }
        // a real deflate bomb: 12,000 x 12,000 black gray pixels (144 MP) in a few hundred KB
        byte[] bomb = png(12000, 12000, zeros(12000, 12000));
        assertTrue(bomb.length < 1 << 20, "bomb is " + bomb.length + " bytes");
        EngineException x = assertThrows(EngineException.class, () -> FaceAnalyzer.decode(bomb));
        assertTrue(x.getMessage().startsWith("PNG image is 12000 x 12000 pixels (144.0 MP); at most 67.1 MP"),
                x.getMessage());
        // the limit itself still decodes: 8,192 x 8,192 = exactly MAX_IMAGE_PIXELS
        Mat big = FaceAnalyzer.decode(png(8192, 8192, zeros(8192, 8192)));
        assertEquals(8192, big.cols());
        big.release();
    }

    /** Deflated scanlines of zero gray pixels (filter byte 0 + row). */
    static byte[] zeros(int w, int h) {
        Deflater z = new Deflater(Deflater.BEST_COMPRESSION);
        var out = new ByteArrayOutputStream();
        byte[] row = new byte[w + 1];
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < h; y++) {
            z.setInput(row);
            while (!z.needsInput()) {
                out.write(buf, 0, z.deflate(buf));
            }
        }
        z.finish();
        while (!z.finished()) {
            out.write(buf, 0, z.deflate(buf));
        }
        return out.toByteArray();
    }

    /** A PNG of 8-bit gray with the given IDAT contents. */
    static byte[] png(int w, int h, byte[] idat) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(type.getBytes());
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(type.getBytes());
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /**
     * Files whose header passes but whose decode would still cost minutes, gigabytes or a silently gray image: a
     * JPEG cut short, a JPEG of more than 100 scans, a TIFF that gives its size twice, a TIFF of huge tiles.
     */
    @Test
    void truncatedAndCostlyFilesAreRefused() throws Exception {
        byte[] photo = FacePipelineTest.read("obama/obama.jpg");
        for (double part : new double[]{0.35, 0.9, 0.999}) {
            byte[] cut = Arrays.copyOf(photo, (int) (photo.length * part));
            EngineException x = assertThrows(EngineException.class, () -> FaceAnalyzer.decode(cut));
            assertEquals("JPEG data is truncated (no end-of-image marker)", x.getMessage());
        }
        assertEquals("JPEG", ImageHeader.read(photo).format(), "the whole file passes");
        // trailing bytes after the end-of-image marker (some cameras append data) are fine
        byte[] trailing = Arrays.copyOf(photo, photo.length + 100);
        assertEquals(ImageHeader.read(photo), ImageHeader.read(trailing));

        // a progressive JPEG passes; the same with its last scan repeated up to 101 scans is refused
        byte[] progressive = encode(".jpg", 64, 48, 3, Imgcodecs.IMWRITE_JPEG_PROGRESSIVE, 1);
        assertHeaderIsDecodedSize("JPEG", progressive);
        int lastScan = lastIndexOf(progressive, new byte[]{(byte) 0xFF, (byte) 0xDA});
        byte[] scan = Arrays.copyOfRange(progressive, lastScan, progressive.length - 2);
        int scans = countScans(progressive);
        var many = new ByteArrayOutputStream();
        many.write(progressive, 0, progressive.length - 2);
        for (int i = scans; i < ImageHeader.MAX_JPEG_SCANS; i++) {
            many.writeBytes(scan);
        }
        many.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xD9});
        assertEquals(64, ImageHeader.read(many.toByteArray()).width(), "exactly 100 scans pass");
        many.reset();
        many.write(progressive, 0, progressive.length - 2);
        for (int i = scans; i <= ImageHeader.MAX_JPEG_SCANS; i++) {
            many.writeBytes(scan);
        }
        many.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xD9});
        EngineException x = assertThrows(EngineException.class, () -> ImageHeader.read(many.toByteArray()));
        assertTrue(x.getMessage().startsWith("JPEG has more than 100 scans"), x.getMessage());

        // TIFF: ImageWidth given twice (a decoy 40 and the 30,000 the decoder would use) and a 64 x 64 image in one
        // 16,368 x 16,368 tile
        byte[] tiff = grayTiff(40, 30, ByteOrder.LITTLE_ENDIAN, false);
        ByteBuffer t = ByteBuffer.wrap(tiff).order(ByteOrder.LITTLE_ENDIAN);
        t.putShort(10 + 2 * 12, (short) 256).putShort(10 + 2 * 12 + 2, (short) 4).putInt(10 + 2 * 12 + 8, 30000);
        x = assertThrows(EngineException.class, () -> ImageHeader.read(tiff));
        assertEquals("TIFF header is malformed: ImageWidth given twice", x.getMessage());
        byte[] tiled = grayTiff(64, 64, ByteOrder.LITTLE_ENDIAN, false);
        ByteBuffer.wrap(tiled).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(10 + 2 * 12, (short) 322).putShort(10 + 2 * 12 + 2, (short) 4).putInt(10 + 2 * 12 + 8, 16368)
                .putShort(10 + 7 * 12, (short) 323).putShort(10 + 7 * 12 + 2, (short) 4).putInt(10 + 7 * 12 + 8, 16368);
        x = assertThrows(EngineException.class, () -> ImageHeader.read(tiled));
        assertEquals("TIFF header is malformed: tiles of 16368 x 16368 px for a 64 x 64 image", x.getMessage());
    }

    static int lastIndexOf(byte[] d, byte[] what) {
        for (int i = d.length - what.length; i >= 0; i--) {
            if (Arrays.equals(d, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    /** SOS markers (a 0xFF 0xDA pair never occurs inside entropy-coded data). */
    static int countScans(byte[] jpeg) {
        int n = 0;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if (jpeg[i] == (byte) 0xFF && jpeg[i + 1] == (byte) 0xDA) {
                n++;
            }
        }
        return n;
    }

    @Test
    void otherFormatsAndBrokenHeadersAreRefusedWithWhatWasWrong() {
        // formats OpenCV decodes but whose headers are not read here
        for (String ext : new String[]{".ppm", ".pam", ".pfm", ".sr", ".hdr"}) {
            EngineException x = assertThrows(EngineException.class, () -> ImageHeader.read(encode(ext, 20, 10, 3)), ext);
            assertTrue(x.getMessage().startsWith("image format not recognised"), x.getMessage());
        }
        EngineException empty = assertThrows(EngineException.class, () -> ImageHeader.read(png(0, 10, new byte[0])));
        assertTrue(empty.getMessage().contains("empty image (0 x 10)"), empty.getMessage());
        EngineException cut = assertThrows(EngineException.class,
                () -> ImageHeader.read(Arrays.copyOf(encode(".png", 20, 10, 3), 20)));
        assertEquals("PNG header is truncated (IHDR)", cut.getMessage());

        // every prefix and thousands of single-byte corruptions of every sample: the true size or INVALID_INPUT,
        // never another exception
        for (var e : samples(61, 47).entrySet()) {
            byte[] good = e.getValue();
            ImageHeader truth = ImageHeader.read(good);
            for (int n = 0; n < Math.min(good.length, 600); n++) {
                byte[] prefix = Arrays.copyOf(good, n);
                try {
                    ImageHeader h = ImageHeader.read(prefix);
                    assertEquals(truth, h, e.getKey() + " prefix " + n);
                } catch (EngineException x) {
                    assertEquals(EngineException.Reason.INVALID_INPUT, x.reason());
                }
            }
            for (int i = 0; i < 3000; i++) {
                byte[] bad = good.clone();
                int at = RANDOM.nextInt(Math.min(good.length, 256));
                bad[at] = (byte) RANDOM.nextInt(256);
                try {
                    ImageHeader h = ImageHeader.read(bad);
                    assertTrue(h.width() >= 1 && h.height() >= 1);
                } catch (EngineException x) {
                    assertEquals(EngineException.Reason.INVALID_INPUT, x.reason());
                }
            }
        }
    }
}
