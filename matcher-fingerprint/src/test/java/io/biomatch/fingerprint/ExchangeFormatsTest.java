package io.biomatch.fingerprint;

import static io.biomatch.fingerprint.FingerprintModalityTest.assertInvalid;
import static io.biomatch.fingerprint.FingerprintModalityTest.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Position;
import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Template;
import com.machinezoo.fingerprintio.iso19794p2v2011.Iso19794p2v2011Template;
import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.EngineException;
import io.biomatch.core.EnrolRequest;
import io.biomatch.core.IdentifyRequest;
import io.biomatch.core.IdentifyResult;
import io.biomatch.core.Payload;
import io.biomatch.core.SearchControl;
import io.biomatch.core.SearchFilter;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import io.biomatch.fingerprint.internal.WsqInput;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WSQ, ANSI/NIST-ITL transactions, finger positions inside ISO records, ISO export. */
class ExchangeFormatsTest {
    static final FingerprintModality TEN = new FingerprintModality(FingerprintModality.Config.defaults());
    static final String WSQ_FILE = "sourceafis-testdata/wsq-original.wsq";

    @TempDir
    Path dir;

    static List<StoredTemplateFormat.Finger> fingers(byte[] stored) {
        return StoredTemplateFormat.decode(stored);
    }

    static int[] positions(byte[] stored) {
        return fingers(stored).stream().mapToInt(StoredTemplateFormat.Finger::position).toArray();
    }

    static float score(Payload probe, int position, byte[] stored) {
        Payload p = new Payload(probe.format(), probe.data(), Map.of("dpi", "500", "finger_position",
                String.valueOf(position)));
        return TEN.compare(TEN.prepareProbe(List.of(p), Map.of()), stored);
    }

    static Payload image(String rel) {
        return new Payload("image", file(rel), Map.of("dpi", "500"));
    }

    // ---------------------------------------------------------------- WSQ

    @Test
    void wsqDecodesToTheReferenceRasterWithItsPpi() throws IOException {
        WsqInput.Raster r = WsqInput.decode(file(WSQ_FILE), "test");
        assertEquals(832, r.width());
        assertEquals(768, r.height());
        assertEquals(500.0, r.ppi(), "PPI of the NIST_COM comment");
        BufferedImage ref = ImageIO.read(new ByteArrayInputStream(file("sourceafis-testdata/wsq-converted.png")));
        assertEquals(832, ref.getWidth());
        long diff = 0;
        for (int y = 0; y < 768; y++) {
            for (int x = 0; x < 832; x++) {
                diff += Math.abs((r.gray()[y * 832 + x] & 0xFF) - (ref.getRGB(x, y) & 0xFF));
            }
        }
        assertTrue(diff / (832.0 * 768) < 1.0, "mean difference to the reference PNG " + diff / (832.0 * 768));
    }

    @Test
    void wsqPayloadExtractsTheSameFingerAsTheDecodedPng() {
        byte[] fromWsq = TEN.extractTemplate(List.of(new Payload("wsq", file(WSQ_FILE), Map.of("finger_position", "4"))));
        assertArrayEquals(new int[] {4}, positions(fromWsq));
        float s = score(image("sourceafis-testdata/wsq-converted.png"), 0, fromWsq);
        assertTrue(s > 100, "WSQ vs its PNG decode " + s);
        // the file's PPI wins over a dpi attribute
        byte[] withDpi = TEN.extractTemplate(List.of(new Payload("wsq", file(WSQ_FILE), Map.of("dpi", "1000"))));
        assertArrayEquals(fingers(fromWsq).get(0).sourceAfis(), fingers(withDpi).get(0).sourceAfis());
    }

    @Test
    void badWsqIsInvalidInput() {
        byte[] wsq = file(WSQ_FILE);
        List<byte[]> bad = new ArrayList<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 5; i++) {
            byte[] b = new byte[1 + rnd.nextInt(4000)];
            rnd.nextBytes(b);
            bad.add(b);
        }
        byte[] soiThenNoise = new byte[3000];
        rnd.nextBytes(soiThenNoise);
        soiThenNoise[0] = (byte) 0xFF;
        soiThenNoise[1] = (byte) 0xA0;
        bad.add(soiThenNoise);
        for (int len : new int[] {1, 2, 10, 100, 300, 680, 700, 1000, wsq.length / 2, wsq.length - 100}) {
            bad.add(Arrays.copyOf(wsq, len));
        }
        // a forged frame header (65535 x 65535 px) is refused before decoding
        byte[] huge = wsq.clone();
        int sof = indexOf(huge, (byte) 0xFF, (byte) 0xA2);
        huge[sof + 6] = huge[sof + 7] = huge[sof + 8] = huge[sof + 9] = (byte) 0xFF;
        bad.add(huge);
        // damaged entropy-coded data
        byte[] damaged = wsq.clone();
        for (int i = 2000; i < damaged.length; i += 97) {
            damaged[i] ^= (byte) 0x5A;
        }
        bad.add(damaged);
        bad.add(file("sourceafis-testdata/probe.png"));
        for (byte[] b : bad) {
            assertInvalid(() -> TEN.extractTemplate(List.of(new Payload("wsq", b))));
        }
    }

    static int indexOf(byte[] d, byte a, byte b) {
        for (int i = 0; i + 1 < d.length; i++) {
            if (d[i] == a && d[i + 1] == b) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }

    // ---------------------------------------------------------------- ANSI/NIST-ITL

    /** Hand-assembled ANSI/NIST-ITL 1-2011 transaction (traditional encoding). */
    static final class Transaction {
        final List<String> cnt = new ArrayList<>();
        final ByteArrayOutputStream records = new ByteArrayOutputStream();
        int idc = 0;

        Transaction type2() {
            tagged(2, List.of("2.002:" + String.format("%02d", idc)), null);
            return this;
        }

        /** Type-4: binary header (LEN, IDC, IMP, FGP x6, ISR, HLL, VLL, GCA) and the image. */
        Transaction type4(int fgp, int isr, int w, int h, int gca, byte[] image) {
            int len = 18 + image.length;
            records.writeBytes(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len,
                    (byte) idc, 1, (byte) fgp, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) isr,
                    (byte) (w >> 8), (byte) w, (byte) (h >> 8), (byte) h, (byte) gca});
            records.writeBytes(image);
            cnt.add("4\u001F" + String.format("%02d", idc++));
            return this;
        }

        /** Type-14 with SLC/HPS, compression and FGP; image in 14.999. */
        Transaction type14(int fgp, String compression, int w, int h, int slc, int hps, byte[] image) {
            tagged(14, List.of("14.002:" + String.format("%02d", idc), "14.003:1", "14.004:TESTAGENCY",
                    "14.005:20240101", "14.006:" + w, "14.007:" + h, "14.008:" + slc, "14.009:" + hps,
                    "14.010:" + hps, "14.011:" + compression, "14.012:8", "14.013:" + fgp), image);
            return this;
        }

        /** A record with fields and an optional binary last field (.999), its .001 length computed. */
        void tagged(int type, List<String> fields, byte[] data) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (String f : fields) {
                body.writeBytes(("\u001D" + f).getBytes(StandardCharsets.US_ASCII));
            }
            if (data != null) {
                body.writeBytes(("\u001D" + type + ".999:").getBytes(StandardCharsets.US_ASCII));
                body.writeBytes(data);
            }
            body.write(0x1C);
            byte[] rest = body.toByteArray();
            String prefix = type + ".001:";
            int len = prefix.length() + rest.length + 1;
            while (prefix.length() + String.valueOf(len).length() + rest.length != len) {
                len++;
            }
            records.writeBytes((prefix + len).getBytes(StandardCharsets.US_ASCII));
            records.writeBytes(rest);
            cnt.add(type + "\u001F" + String.format("%02d", idc++));
        }

        byte[] bytes() {
            String cntField = "1\u001F" + cnt.size() + (cnt.isEmpty() ? "" : "\u001E" + String.join("\u001E", cnt));
            List<String> f = List.of("1.002:0500", "1.003:" + cntField, "1.004:CAR", "1.005:20240101",
                    "1.007:DEST00000", "1.008:ORIG00000", "1.009:TCN0001", "1.011:19.69", "1.012:19.69",
                    "1.013:TEST 1.0");
            StringBuilder body = new StringBuilder();
            for (String s : f) {
                body.append('\u001D').append(s);
            }
            body.append('\u001C');
            int len = 6 + body.length() + 1;
            while (6 + String.valueOf(len).length() + body.length() != len) {
                len++;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("1.001:" + len + body).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(records.toByteArray());
            return out.toByteArray();
        }
    }

    static byte[] gray(String rel) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(file(rel)));
            int[] row = new int[img.getWidth()];
            byte[] out = new byte[img.getWidth() * img.getHeight()];
            for (int y = 0; y < img.getHeight(); y++) {
                img.getRaster().getSamples(0, y, img.getWidth(), 1, 0, row);
                for (int x = 0; x < row.length; x++) {
                    out[y * row.length + x] = (byte) row[x];
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ten-print-like transaction: WSQ Type-4, raw, PNG and WSQ Type-14, a slap and a plain thumb (both skipped). */
    static byte[] tenPrint() {
        return new Transaction().type2()
                .type4(1, 0, 832, 768, 1, file(WSQ_FILE))                                         // right thumb, WSQ
                .type14(2, "NONE", 388, 374, 1, 500, gray("fvc2002-db1b/101_1.tif"))               // right index, raw
                .type14(7, "PNG", 388, 374, 2, 197, file("sourceafis-testdata/probe.png"))         // left index, PNG
                .type14(4, "WSQ20", 832, 768, 1, 500, file(WSQ_FILE))                              // right ring, WSQ
                .type14(13, "NONE", 388, 374, 1, 500, gray("fvc2002-db1b/105_1.tif"))              // slap: skipped
                .type4(11, 0, 388, 374, 0, gray("fvc2002-db1b/106_1.tif"))                         // plain R thumb: 1 taken
                .bytes();
    }

    @Test
    void tenPrintTransactionBecomesOneMultiFingerRecord() {
        byte[] stored = TEN.extractTemplate(List.of(new Payload("ansi-nist", tenPrint())));
        assertArrayEquals(new int[] {1, 2, 7, 4}, positions(stored));
        // each finger is found by another impression at its position, and only there
        assertTrue(score(image("sourceafis-testdata/wsq-converted.png"), 1, stored) > 100);
        assertArrayEquals(fingers(stored).get(0).sourceAfis(), fingers(stored).get(3).sourceAfis(),
                "the same WSQ file in Type-4 and Type-14 gives the same template");
        assertTrue(score(image("fvc2002-db1b/101_2.tif"), 2, stored) > 40);
        assertTrue(score(image("fvc2002-db1b/101_2.tif"), 7, stored) < 20);
        assertTrue(score(image("sourceafis-testdata/matching.png"), 7, stored) > 40);
        assertTrue(score(image("fvc2002-db1b/105_2.tif"), 0, stored) < 20, "the slap was skipped");
        // the raw Type-14 finger equals the image extraction of the same pixels at the same resolution
        byte[] direct = TEN.extractTemplate(List.of(image("fvc2002-db1b/101_1.tif")));
        assertArrayEquals(fingers(direct).get(0).sourceAfis(), fingers(stored).get(1).sourceAfis());
    }

    @Test
    void plainThumbIsUsedWhenNoRolledThumbAndResolutionComesFromTheRecord() {
        byte[] t = new Transaction()
                .type4(11, 0, 388, 374, 0, gray("fvc2002-db1b/106_1.tif"))  // plain right thumb -> 1, NTR 19.69/mm
                .type14(0, "NONE", 388, 374, 2, 197, gray("fvc2002-db1b/107_1.tif")) // unknown position, 197 px/cm
                .bytes();
        byte[] stored = TEN.extractTemplate(List.of(new Payload("ansi-nist", t, Map.of("finger_position", "9"))));
        assertArrayEquals(new int[] {1, 9}, positions(stored), "record positions win, the attribute fills unknown");
        assertTrue(score(image("fvc2002-db1b/106_2.tif"), 1, stored) > 40);
        assertTrue(score(image("fvc2002-db1b/107_2.tif"), 9, stored) > 40);
    }

    @Test
    void badTransactionsAreInvalidInputAndNothingIsStored() {
        byte[] good = tenPrint();
        List<byte[]> bad = new ArrayList<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 5; i++) {
            byte[] b = new byte[1 + rnd.nextInt(5000)];
            rnd.nextBytes(b);
            bad.add(b);
        }
        for (int len : new int[] {5, 50, 150, 250, 400, 2000, good.length / 2, good.length - 1}) {
            bad.add(Arrays.copyOf(good, len));
        }
        bad.add(new Transaction().type2().bytes());                                       // no fingerprint record
        bad.add(new Transaction().bytes());                                               // Type-1 only
        bad.add(new Transaction().type14(13, "NONE", 388, 374, 1, 500, gray("fvc2002-db1b/105_1.tif")).bytes()); // slap only
        bad.add(new Transaction().type14(2, "JP2", 388, 374, 1, 500, new byte[1000]).bytes());        // no decoder
        bad.add(new Transaction().type14(2, "NONE", 388, 374, 1, 5000, gray("fvc2002-db1b/101_1.tif")).bytes()); // absurd ppi
        bad.add(new Transaction().type14(2, "NONE", 388, 374, 1, 500, new byte[100]).bytes());         // short raster
        bad.add(new Transaction().type14(2, "WSQ20", 388, 374, 1, 500, new byte[500]).bytes());        // bad WSQ
        bad.add(new Transaction().type4(1, 0, 400, 400, 0, new byte[400 * 400]).bytes());              // blank image
        Transaction unknown = new Transaction();
        unknown.tagged(18, List.of("18.002:00"), null);
        bad.add(unknown.bytes());                                                         // type the decoder lacks
        byte[] forged = good.clone();                                                     // Type-4 length 2^31-1
        int t4 = new String(good, StandardCharsets.ISO_8859_1).indexOf('\u001C',
                new String(good, StandardCharsets.ISO_8859_1).indexOf("2.001:")) + 1;
        forged[t4] = 0x7F;
        bad.add(forged);
        bad.add(file(WSQ_FILE));
        for (byte[] b : bad) {
            assertInvalid(() -> TEN.extractTemplate(List.of(new Payload("ansi-nist", b))));
        }
        // stated resolutions that cannot be read are refused (they became 500 ppi silently): HPS "abc" with SLC 1,
        // SLC 3, and a Type-1 NTR (1.012) of "ab.cd" for a Type-4 record
        byte[] t14 = new Transaction().type14(2, "NONE", 388, 374, 1, 500, gray("fvc2002-db1b/101_1.tif")).bytes();
        String latin = new String(t14, StandardCharsets.ISO_8859_1);
        for (String[] edit : new String[][] {{"14.009:500", "14.009:abc", "horizontal pixel scale 'abc' is not a"
                + " positive number (scale units 1)"}, {"14.008:1", "14.008:3", "scale units '3' are not 0"}}) {
            byte[] edited = latin.replace(edit[0], edit[1]).getBytes(StandardCharsets.ISO_8859_1);
            EngineException x = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                    () -> TEN.extractTemplate(List.of(new Payload("ansi-nist", edited))));
            assertTrue(x.getMessage().contains(edit[2]), x.getMessage());
        }
        byte[] type4 = new Transaction().type4(1, 0, 388, 374, 0, gray("fvc2002-db1b/101_1.tif")).bytes();
        byte[] badNtr = new String(type4, StandardCharsets.ISO_8859_1).replace("1.012:19.69", "1.012:ab.cd")
                .getBytes(StandardCharsets.ISO_8859_1);
        EngineException ntr = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                () -> TEN.extractTemplate(List.of(new Payload("ansi-nist", badNtr))));
        assertTrue(ntr.getMessage().contains("Type-1 NTR or NSR) is not a positive number"), ntr.getMessage());
        // a Type-14 PNG whose header declares 40,000 x 40,000: refused from the header, before a 1.6 GB raster
        byte[] png = file("sourceafis-testdata/probe.png");
        java.nio.ByteBuffer.wrap(png).putInt(16, 40000).putInt(20, 40000);
        EngineException huge = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                () -> TEN.extractTemplate(List.of(new Payload("ansi-nist",
                        new Transaction().type14(7, "PNG", 388, 374, 2, 197, png).bytes()))));
        assertEquals(EngineException.Reason.INVALID_INPUT, huge.reason());
        assertTrue(huge.getMessage().contains("image size 40000 x 40000 px is outside 32..8000"), huge.getMessage());

        try (Engine engine = Engine.open(EngineConfig.defaults(dir).withShards(2).withCapacity(100, 8192),
                List.of(TEN))) {
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> engine.enrol(new EnrolRequest("bad", "fingerprint", "test", Map.of(),
                            List.of(new Payload("ansi-nist", Arrays.copyOf(good, good.length / 2))), false)).join());
            assertEquals(EngineException.Reason.INVALID_INPUT, ((EngineException) Engine.cause(e)).reason());
            EngineException nf = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                    () -> engine.get("bad"));
            assertEquals(EngineException.Reason.NOT_FOUND, nf.reason());

            // and the good one is enrolled as one record that a single finger finds
            engine.enrol(new EnrolRequest("tenprint", "fingerprint", "test", Map.of(),
                    List.of(new Payload("ansi-nist", good)), false)).join();
            engine.enrol(new EnrolRequest("other", "fingerprint", "test", Map.of(),
                    List.of(image("fvc2002-db1b/103_1.tif")), false)).join();
            IdentifyResult r = engine.identify(new IdentifyRequest("fingerprint",
                    List.of(new Payload("image", file("fvc2002-db1b/101_3.tif"), Map.of("finger_position", "2"))),
                    Map.of(), 2, Float.NEGATIVE_INFINITY, SearchFilter.NONE, Long.MAX_VALUE), SearchControl.NONE).join();
            assertEquals("tenprint", r.candidates().get(0).id());
            assertTrue(r.candidates().get(0).score() >= 40, String.valueOf(r.candidates().get(0)));
        }
    }

    // ---------------------------------------------------------------- ISO positions and export

    static final String ISO_FILE = "fvc-iso19794-2-secugen/fvc2002-db1b/101_1.iso";

    @Test
    void isoFingerPositionWinsOverTheAttributeWhichFillsUnknown() {
        byte[] unknown = file(ISO_FILE); // SecuGen wrote position 0
        byte[] s1 = TEN.extractTemplate(List.of(new Payload("iso-19794-2", unknown, Map.of("finger_position", "5"))));
        assertArrayEquals(new int[] {5}, positions(s1));
        Iso19794p2v2005Template iso = new Iso19794p2v2005Template(unknown);
        iso.fingerprints.get(0).position = Iso19794p2v2005Position.LEFT_MIDDLE;
        byte[] s2 = TEN.extractTemplate(List.of(new Payload("iso-19794-2", iso.toByteArray(),
                Map.of("finger_position", "5"))));
        assertArrayEquals(new int[] {8}, positions(s2));
        assertArrayEquals(fingers(s1).get(0).sourceAfis(), fingers(s2).get(0).sourceAfis());
    }

    @Test
    void isoExportRoundTripsPositionsAndScores() {
        byte[] stored = TEN.extractTemplate(List.of(
                new Payload("image", file("fvc2002-db1b/101_1.tif"), Map.of("dpi", "500", "finger_position", "2")),
                new Payload("image", file("fvc2002-db1b/104_1.tif"), Map.of("dpi", "500", "finger_position", "7")),
                new Payload("image", file("fvc2002-db1b/108_1.tif"), Map.of("dpi", "500"))));
        for (FingerprintExport.IsoVersion v : FingerprintExport.IsoVersion.values()) {
            byte[] iso = FingerprintExport.toIso(stored, v);
            if (v == FingerprintExport.IsoVersion.V2005) {
                assertEquals(3, new Iso19794p2v2005Template(iso).fingerprints.size());
                assertArrayEquals(iso, FingerprintExport.toIso(stored));
            } else {
                assertEquals(3, new Iso19794p2v2011Template(iso).fingerprints.size());
            }
            byte[] back = TEN.extractTemplate(List.of(new Payload("iso-19794-2", iso)));
            assertArrayEquals(new int[] {2, 7, 0}, positions(back), v.name());
            for (int i = 0; i < 3; i++) {
                FingerprintProbe original = TEN.prepareProbe(List.of(new Payload("sourceafis",
                        fingers(stored).get(i).sourceAfis())), Map.of());
                byte[] one = StoredTemplateFormat.encode(List.of(fingers(back).get(i)));
                float s = TEN.compare(original, one);
                assertTrue(s > 40, v + " finger " + i + " round-trip score " + s);
            }
            // a mate impression still matches the exported finger at its position
            assertTrue(score(image("fvc2002-db1b/104_2.tif"), 7, back) > 40, v.name());
        }
        assertInvalid(() -> FingerprintExport.toIso(new byte[] {1, 2, 3}));
        byte[] corrupt = stored.clone();
        corrupt[20] ^= 1;
        assertInvalid(() -> FingerprintExport.toIso(corrupt));
    }

    /** An ISO 19794-2:2005 record of one finger view with these minutiae (x, y in px; angle in 1.40625-degree units). */
    static byte[] isoRecord(int width, int height, int[][] minutiae) {
        int length = 24 + 4 + 6 * minutiae.length + 2;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(length);
        b.put("FMR\0 20\0".getBytes(StandardCharsets.ISO_8859_1)).putInt(length).putShort((short) 0)
                .putShort((short) width).putShort((short) height).putShort((short) 197).putShort((short) 197)
                .put((byte) 1).put((byte) 0);
        b.put((byte) 2).put((byte) 0).put((byte) 80).put((byte) minutiae.length);
        for (int[] m : minutiae) {
            b.putShort((short) ((m[3] == 1 ? 0x8000 : 0x4000) | m[0])).putShort((short) m[1]).put((byte) m[2])
                    .put((byte) 60);
        }
        b.putShort((short) 0);
        return b.array();
    }

    /**
     * Records from other extractors may hold up to 255 minutiae (rolled prints often over 100); they were refused.
     * Now the 100 that SourceAFIS's own extractor would keep are stored (those whose 5th nearest neighbour is
     * farthest), checked against a plain reference over the positions, and the finger is found by itself.
     */
    @Test
    void isoRecordsOfMoreThan100MinutiaeKeepTheHundredSourceAfisWould() {
        java.util.Random rnd = new java.util.Random(150);
        int[][] all = new int[150][];
        java.util.Set<Long> used = new java.util.HashSet<>();
        for (int i = 0; i < all.length; i++) {
            int x, y;
            do {
                x = 20 + rnd.nextInt(360);
                y = 20 + rnd.nextInt(460);
            } while (!used.add((long) x << 32 | y));
            all[i] = new int[] {x, y, rnd.nextInt(256), rnd.nextInt(2)};
        }
        byte[] stored = TEN.extractTemplate(List.of(new Payload("iso-19794-2", isoRecord(400, 500, all),
                Map.of("finger_position", "2"))));
        io.biomatch.fingerprint.internal.Minutiae kept = fingers(stored).get(0).minutiae();
        assertEquals(100, kept.count());
        // reference: the same rule written plainly on the imported positions (SourceAFIS rescales 197 px/cm to 500
        // dpi, which keeps the order of distances)
        var raw = com.machinezoo.sourceafis.FingerprintCompatibility.importTemplate(isoRecord(400, 500, all));
        assertTrue(io.biomatch.fingerprint.internal.Minutiae.of(raw).reduced);
        byte[] full = TEN.extractTemplate(List.of(new Payload("iso-19794-2", isoRecord(400, 500,
                java.util.Arrays.copyOf(all, 100)))));
        assertEquals(100, fingers(full).get(0).minutiae().count(), "100 are taken as they are");
        java.util.List<int[]> xy = new java.util.ArrayList<>();
        short[][] every = allPositions(raw);
        assertEquals(150, every[0].length);
        for (int i = 0; i < every[0].length; i++) {
            xy.add(new int[] {every[0][i], every[1][i], i});
        }
        java.util.List<int[]> expected = xy.stream().sorted(java.util.Comparator.comparingLong((int[] a) -> -xy.stream()
                .mapToLong(o -> (long) (a[0] - o[0]) * (a[0] - o[0]) + (long) (a[1] - o[1]) * (a[1] - o[1]))
                .sorted().skip(5).findFirst().getAsLong())).limit(100)
                .sorted(java.util.Comparator.comparingInt(a -> a[2])).toList();
        for (int k = 0; k < 100; k++) {
            assertEquals(expected.get(k)[0], kept.x[k]);
            assertEquals(expected.get(k)[1], kept.y[k]);
        }
        // the stored template scores against a probe of the same record as SourceAFIS does on its 100
        Payload probe = new Payload("iso-19794-2", isoRecord(400, 500, all), Map.of("finger_position", "2"));
        assertTrue(TEN.compare(TEN.prepareProbe(List.of(probe), Map.of("mode", "exhaustive")), stored) > 100);
    }

    /** The positions of every minutia of a SourceAFIS template (no cap), read from its serialized form. */
    static short[][] allPositions(com.machinezoo.sourceafis.FingerprintTemplate t) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.cbor.CBORFactory()).readTree(t.toByteArray());
            int n = node.get("positionsX").size();
            short[][] xy = new short[2][n];
            for (int i = 0; i < n; i++) {
                xy[0][i] = (short) node.get("positionsX").get(i).asInt();
                xy[1][i] = (short) node.get("positionsY").get(i).asInt();
            }
            return xy;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
