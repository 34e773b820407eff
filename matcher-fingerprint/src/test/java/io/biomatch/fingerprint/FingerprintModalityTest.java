package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.Modality;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FingerprintModalityTest {
    static final FingerprintModality MODALITY = new FingerprintModality(
            FingerprintModality.Config.defaults().withMaxFingers(2));
    /** Extraction is slow (~0.2 s per image): stored templates are cached per test class run. */
    static final Map<String, byte[]> STORED = new ConcurrentHashMap<>();

    static byte[] file(String rel) {
        try {
            return Files.readAllBytes(SharedData.require("fingerprint/" + rel));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Payload image(String rel) {
        return new Payload("image", file(rel), Map.of("dpi", "500"));
    }

    static byte[] stored(String rel) {
        return STORED.computeIfAbsent(rel, r -> MODALITY.extractTemplate(List.of(image(r))));
    }

    /** The probe of an already extracted image, through the {@code sourceafis} format (no re-extraction). */
    static FingerprintProbe probe(String rel, Map<String, String> options) {
        byte[] sa = StoredTemplateFormat.decode(stored(rel)).get(0).sourceAfis();
        return MODALITY.prepareProbe(List.of(new Payload("sourceafis", sa)), options);
    }

    static void assertInvalid(Executable e) {
        EngineException ex = assertThrows(EngineException.class, e);
        assertEquals(EngineException.Reason.INVALID_INPUT, ex.reason(), ex.getMessage());
    }

    @Test
    void sourceAfisSamplesScoreAboveAndBelowThreshold() {
        FingerprintProbe probe = MODALITY.prepareProbe(List.of(image("sourceafis-testdata/probe.png")), Map.of());
        float mate = MODALITY.compare(probe, stored("sourceafis-testdata/matching.png"));
        float other = MODALITY.compare(probe, stored("sourceafis-testdata/nonmatching.png"));
        assertTrue(mate > 40, "genuine score " + mate);
        assertTrue(other < 20, "impostor score " + other);
        // the BMP and JPEG decodes of the same probe still match
        for (String f : List.of("sourceafis-testdata/probe.bmp", "sourceafis-testdata/probe.jpeg")) {
            FingerprintProbe p = MODALITY.prepareProbe(List.of(image(f)), Map.of());
            assertTrue(MODALITY.compare(p, stored("sourceafis-testdata/matching.png")) > 40, f);
        }
    }

    @Test
    void fvcSameFingerMostlyAboveThresholdDifferentFingersBelow() {
        int genuine = 0, above = 0;
        for (int finger = 101; finger <= 103; finger++) {
            FingerprintProbe p = probe("fvc2002-db1b/" + finger + "_1.tif", Map.of());
            for (int imp = 2; imp <= 4; imp++) {
                genuine++;
                if (MODALITY.compare(p, stored("fvc2002-db1b/" + finger + "_" + imp + ".tif")) >= 40) {
                    above++;
                }
            }
            for (int other = 101; other <= 106; other++) {
                if (other != finger) {
                    float s = MODALITY.compare(p, stored("fvc2002-db1b/" + other + "_1.tif"));
                    assertTrue(s < 40, finger + " vs " + other + ": impostor score " + s);
                }
            }
        }
        assertTrue(above >= genuine * 0.7, above + " of " + genuine + " genuine pairs reach 40");
    }

    @Test
    void exhaustiveKernelRebuildsTheExactSourceAfisScore() {
        FingerprintProbe fast = probe("fvc2002-db1b/102_1.tif", Map.of());
        FingerprintProbe exhaustive = probe("fvc2002-db1b/102_1.tif", Map.of("mode", "exhaustive"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(MODALITY.slotBytes(), 64);
            for (String g : List.of("fvc2002-db1b/102_2.tif", "fvc2002-db1b/104_1.tif")) {
                slot.fill((byte) 0);
                MODALITY.writeSlot(stored(g), slot);
                float reference = MODALITY.compare(fast, stored(g));
                assertEquals(reference, MODALITY.kernel().score(exhaustive, slot, 0), 0f, g);
                assertTrue(MODALITY.kernel().score(fast, slot, 0) >= 0);
            }
        }
    }

    @Test
    void storedTemplateRoundTripsAndRejectsCorruption() {
        byte[] t = stored("fvc2002-db1b/105_1.tif");
        var fingers = StoredTemplateFormat.decode(t);
        assertEquals(1, fingers.size());
        assertArrayEquals(t, StoredTemplateFormat.encode(fingers));
        assertTrue(FingerprintModality.minutiaCounts(t)[0] > 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(MODALITY.slotBytes(), 64);
            assertInvalid(() -> MODALITY.writeSlot(Arrays.copyOf(t, t.length - 7), slot));
            assertInvalid(() -> MODALITY.writeSlot(new byte[0], slot));
            byte[] flipped = t.clone();
            flipped[t.length / 2] ^= 0x10;
            assertInvalid(() -> MODALITY.writeSlot(flipped, slot));
            byte[] random = new byte[t.length];
            new Random(7).nextBytes(random);
            assertInvalid(() -> MODALITY.writeSlot(random, slot));
        }
    }

    @Test
    void badInputIsInvalidInput() throws Exception {
        byte[] png = file("sourceafis-testdata/probe.png");
        byte[] random = new byte[5000];
        new Random(1).nextBytes(random);
        assertInvalid(() -> MODALITY.extractTemplate(List.of()));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", new byte[0]))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", random))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", Arrays.copyOf(png, png.length / 3)))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", png, Map.of("dpi", "5")))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", png, Map.of("dpi", "99999")))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", png, Map.of("dpi", "x")))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", png, Map.of("finger_position", "11")))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("wsq-ish", png))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("iso-19794-2", random))));
        byte[] iso = file("sourceafis-testdata/iso-probe.dat");
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("iso-19794-2", Arrays.copyOf(iso, iso.length / 2)))));
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("sourceafis", random))));
        // a blank (white) image has no minutiae
        BufferedImage white = new BufferedImage(300, 300, BufferedImage.TYPE_BYTE_GRAY);
        var g = white.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 300, 300);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(white, "png", out);
        assertInvalid(() -> MODALITY.extractTemplate(List.of(new Payload("image", out.toByteArray()))));
        // 2,100 px at 100 dpi is 10,500 px at 500 dpi: refused before SourceAFIS rescales it (it took 6.5 GB and
        // minutes); the same image at 1,000 dpi (1,050 px at 500 dpi) gets past the size check
        BufferedImage big = new BufferedImage(2100, 2100, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream bigPng = new ByteArrayOutputStream();
        ImageIO.write(big, "png", bigPng);
        EngineException huge = assertThrows(EngineException.class, () -> MODALITY.extractTemplate(
                List.of(new Payload("image", bigPng.toByteArray(), Map.of("dpi", "100")))));
        assertTrue(huge.getMessage().contains("image 2100 x 2100 px at 100 dpi is 10500 x 10500 px at 500 dpi; at most "
                + "4,194,304 px at 500 dpi"), huge.getMessage());
        EngineException blank = assertThrows(EngineException.class, () -> MODALITY.extractTemplate(
                List.of(new Payload("image", bigPng.toByteArray(), Map.of("dpi", "1000")))));
        assertTrue(blank.getMessage().contains("no minutiae found"), blank.getMessage());
        // an ISO 19794-2:2005 record whose resolution fields (offsets 18, 20; px/cm) are 0: the message names them
        byte[] noResolution = iso.clone();
        java.nio.ByteBuffer.wrap(noResolution).putShort(18, (short) 0).putShort(20, (short) 0);
        EngineException res = assertThrows(EngineException.class,
                () -> MODALITY.extractTemplate(List.of(new Payload("iso-19794-2", noResolution))));
        assertTrue(res.getMessage().contains("check its image size and resolution fields"), res.getMessage());
        // a JPEG cut short decoded with gray filling the rest and gave a template of 2 minutiae; now refused
        byte[] jpeg = file("sourceafis-testdata/probe.jpeg");
        EngineException cut = assertThrows(EngineException.class, () -> MODALITY.extractTemplate(
                List.of(new Payload("image", Arrays.copyOf(jpeg, jpeg.length / 10)))));
        assertEquals("payload 1 (image): JPEG data is truncated (no end-of-image marker)", cut.getMessage());
        // too many fingers for the configured slot
        Payload p = new Payload("iso-19794-2", iso);
        assertInvalid(() -> MODALITY.extractTemplate(List.of(p, p, p)));
        assertInvalid(() -> MODALITY.prepareProbe(List.of(p), Map.of("mode", "turbo")));
        EngineException chunk = assertThrows(EngineException.class,
                () -> MODALITY.prepareProbe(List.of(p), Map.of("stop_chunk", "64")));
        assertEquals("fingerprint option stop_chunk applies with stop_score only", chunk.getMessage());
        EngineException typo = assertThrows(EngineException.class,
                () -> MODALITY.prepareProbe(List.of(p), Map.of("modee", "exhaustive")));
        assertEquals("unknown fingerprint search option 'modee'; known: mode, pairing, shortlist, stop_chunk, stop_score",
                typo.getMessage());
    }

    @Test
    void isoTemplatesImportAndMatch() {
        byte[] probe = file("sourceafis-testdata/iso-probe.dat");
        FingerprintProbe p = MODALITY.prepareProbe(List.of(new Payload("iso-19794-2", probe)), Map.of());
        byte[] mate = MODALITY.extractTemplate(List.of(new Payload("iso-19794-2", file("sourceafis-testdata/iso-matching.dat"))));
        byte[] other = MODALITY.extractTemplate(List.of(new Payload("iso-19794-2", file("sourceafis-testdata/iso-nonmatching.dat"))));
        assertTrue(MODALITY.compare(p, mate) > 40);
        assertTrue(MODALITY.compare(p, other) < 40);
    }

    @Test
    void multiFingerRecordsMatchOnCompatiblePositionsOnly() {
        byte[] thumb = StoredTemplateFormat.decode(stored("fvc2002-db1b/107_1.tif")).get(0).sourceAfis();
        byte[] index = StoredTemplateFormat.decode(stored("fvc2002-db1b/108_1.tif")).get(0).sourceAfis();
        byte[] record = MODALITY.extractTemplate(List.of(
                new Payload("sourceafis", thumb, Map.of("finger_position", "1")),
                new Payload("sourceafis", index, Map.of("finger_position", "2"))));
        assertEquals(2, StoredTemplateFormat.decode(record).size());
        byte[] probeSa = StoredTemplateFormat.decode(stored("fvc2002-db1b/108_2.tif")).get(0).sourceAfis();
        FingerprintProbe asIndex = MODALITY.prepareProbe(List.of(new Payload("sourceafis", probeSa,
                Map.of("finger_position", "2"))), Map.of());
        FingerprintProbe asThumb = MODALITY.prepareProbe(List.of(new Payload("sourceafis", probeSa,
                Map.of("finger_position", "1"))), Map.of());
        FingerprintProbe unknown = MODALITY.prepareProbe(List.of(new Payload("sourceafis", probeSa)), Map.of());
        float single = MODALITY.compare(asIndex, stored("fvc2002-db1b/108_1.tif"));
        assertEquals(single, MODALITY.compare(asIndex, record), 0f);
        assertEquals(single, MODALITY.compare(unknown, record), 0f);
        assertTrue(MODALITY.compare(asThumb, record) < single);
        assertEquals(2, MODALITY.slotsFor(record));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(2L * MODALITY.slotBytes(), 64);
            assertThrows(IllegalArgumentException.class,
                    () -> MODALITY.writeSlot(record, slot.asSlice(0, MODALITY.slotBytes())));
            MODALITY.writeSlot(record, slot);
            assertEquals(2, FingerSlotLayout.fingerCount(slot, 0));
            assertEquals(0, FingerSlotLayout.fingerCount(slot, MODALITY.slotBytes()));
            assertEquals(2, FingerSlotLayout.position(slot, FingerSlotLayout.fingerOffset(0, 1)));
            float fastIndex = MODALITY.kernel().score(asIndex, slot, 0);
            float fastThumb = MODALITY.kernel().score(asThumb, slot, 0);
            assertTrue(fastIndex > fastThumb, fastIndex + " vs " + fastThumb);
        }
    }

    @Test
    void scoreMeaningAndSlotSize() {
        assertEquals(40f, MODALITY.scoreMeaning().defaultThreshold());
        assertTrue(MODALITY.scoreMeaning().thresholdMeaning().contains("0.01"));
        // one 2 KiB slot per finger, whatever the record size
        assertEquals(2048, MODALITY.slotBytes());
        assertEquals(2048, new FingerprintModality(FingerprintModality.Config.defaults().withMaxFingers(1)).slotBytes());
        assertEquals(1, MODALITY.slotsFor(stored("fvc2002-db1b/105_1.tif")));
        assertEquals(1, MODALITY.slotsFor(new byte[3]));
        assertTrue(MODALITY.shortlistSize(5) >= 5);
        byte[] iso = file("sourceafis-testdata/iso-probe.dat");
        List<Payload> p = List.of(new Payload("iso-19794-2", iso));
        assertEquals(7, MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of("shortlist", "7")), 3));
        assertEquals(10, MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of("shortlist", "7")), 10));
        // without the option the short list is at least 0.5 % of the gallery; the option wins over the gallery
        FingerprintProbe plain = MODALITY.prepareProbe(p, Map.of());
        assertEquals(100, MODALITY.shortlistSize(plain, 3, 1_000));
        assertEquals(100, MODALITY.shortlistSize(plain, 3, 20_000));
        assertEquals(100, MODALITY.shortlistSize(plain, 3, 20_001));
        assertEquals(100, MODALITY.shortlistSize(plain, 3, 1_000_000)); // 0.01 % after the pairing stage
        assertEquals(1_000, MODALITY.shortlistSize(plain, 3, 10_000_000));
        FingerprintProbe unpaired = MODALITY.prepareProbe(p, Map.of("pairing", "off"));
        assertEquals(5_000, MODALITY.shortlistSize(unpaired, 3, 1_000_000)); // 0.5 % in first-stage order
        assertEquals(101, MODALITY.shortlistSize(unpaired, 3, 20_001));
        assertEquals(FingerprintModality.MAX_SHORTLIST, MODALITY.shortlistSize(plain, 3, 100_000_000_000L));
        assertEquals(7, MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of("shortlist", "7")), 3, 1_000_000));
        assertEquals(0, MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of("mode", "exhaustive")), 3, 1_000_000));
        FingerprintModality fixed = new FingerprintModality(FingerprintModality.Config.defaults().withGalleryFraction(0));
        assertEquals(100, fixed.shortlistSize(fixed.prepareProbe(p, Map.of("pairing", "off")), 3, 1_000_000));
        FingerprintModality fixedPaired = new FingerprintModality(FingerprintModality.Config.defaults().withPairedFraction(0));
        assertEquals(100, fixedPaired.shortlistSize(fixedPaired.prepareProbe(p, Map.of()), 3, 10_000_000));
        assertThrows(IllegalArgumentException.class, () -> FingerprintModality.Config.defaults().withPairedFraction(-1));
        assertThrows(IllegalArgumentException.class, () -> FingerprintModality.Config.defaults().withPairingFraction(2));
        assertThrows(IllegalArgumentException.class, () -> FingerprintModality.Config.defaults().withGalleryFraction(1.5));
        assertEquals(MODALITY.shortlistSize(3), MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of()), 3));
        assertEquals(0, MODALITY.shortlistSize(MODALITY.prepareProbe(p, Map.of("mode", "exhaustive")), 3));
        assertInvalid(() -> MODALITY.prepareProbe(p, Map.of("shortlist", "0")));
        assertInvalid(() -> MODALITY.prepareProbe(p, Map.of("shortlist", "lots")));
        assertTrue(Modality.class.isAssignableFrom(FingerprintModality.class));
    }

    @Test
    void demoHasAGalleryAndProbesWithMates() {
        var sets = MODALITY.demo(SharedData.require("fingerprint").getParent());
        assertEquals(1, sets.size());
        assertEquals("Fingerprint", sets.get(0).title());
        assertEquals(10, sets.get(0).gallery().size());
        assertTrue(sets.get(0).probes().stream().anyMatch(p -> p.expectedId() != null));
        assertTrue(sets.get(0).probes().stream().anyMatch(p -> p.expectedId() == null));
    }

    static Path shared(String rel) {
        return SharedData.require(rel);
    }
}
