package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import io.biomatch.fingerprint.internal.ProbeFinger;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * The re-scoring path that skips the stored minutiae ({@link FingerprintModality#rescore}) must give exactly
 * the score of a full decode of the stored template ({@link #fullDecodeReference}) and of SourceAFIS itself.
 */
class RescoreTest {
    static final FingerprintModality MODALITY = new FingerprintModality(
            FingerprintModality.Config.defaults().withMaxFingers(3));

    static byte[] iso(String set, String name) {
        try {
            return Files.readAllBytes(SharedData.require("fingerprint/fvc-iso19794-2-secugen/" + set)
                    .resolve(name + ".iso"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Payload isoPayload(String set, String name, int position) {
        return new Payload("iso-19794-2", iso(set, name), position == 0 ? Map.of()
                : Map.of("finger_position", Integer.toString(position)));
    }

    /**
     * Reference for {@code rescore}, written apart from it: every finger fully decoded (minutiae included, not
     * located by offset), its SourceAFIS template built from the decoded bytes and matched by each probe finger
     * whose position is compatible (either unknown, 0, or the same finger); the record's score is the max. So a
     * {@code rescore} that located the wrong bytes, or the wrong finger's bytes, would differ from it.
     */
    static float fullDecodeReference(FingerprintProbe probe, byte[] stored) {
        double best = 0;
        for (StoredTemplateFormat.Finger finger : StoredTemplateFormat.decode(stored)) {
            FingerprintTemplate candidate = new FingerprintTemplate(finger.sourceAfis());
            for (ProbeFinger pf : probe.fingers()) {
                if (pf.position == 0 || finger.position() == 0 || pf.position == finger.position()) {
                    best = Math.max(best, pf.matcher.match(candidate));
                }
            }
        }
        return (float) best;
    }

    @Test
    void bitIdenticalToTheFullDecodeAndToSourceAfisOnFvcTemplates() {
        List<byte[]> gallery = new ArrayList<>();
        List<FingerprintTemplate> heap = new ArrayList<>();
        List<FingerprintProbe> probes = new ArrayList<>();
        for (String set : List.of("fvc2002-db1b", "fvc2002-db3b", "fvc2004-db1b")) {
            for (int finger = 101; finger <= 110; finger++) {
                byte[] stored = MODALITY.extractTemplate(List.of(isoPayload(set, finger + "_1", 0)));
                gallery.add(stored);
                heap.add(new FingerprintTemplate(StoredTemplateFormat.decode(stored).get(0).sourceAfis()));
                probes.add(MODALITY.prepareProbe(List.of(isoPayload(set, finger + "_4", 0)), Map.of()));
            }
        }
        int pairs = 0, genuineAbove40 = 0, impostorBelow40 = 0;
        for (int p = 0; p < probes.size(); p++) {
            FingerprintProbe probe = probes.get(p);
            for (int g = 0; g < gallery.size(); g++) {
                float fast = FingerprintModality.rescore(probe, gallery.get(g));
                float reference = fullDecodeReference(probe, gallery.get(g));
                float sourceafis = (float) probe.fingers()[0].matcher.match(heap.get(g));
                assertEquals(Float.floatToIntBits(reference), Float.floatToIntBits(fast), "probe " + p + " vs " + g);
                assertEquals(Float.floatToIntBits(sourceafis), Float.floatToIntBits(fast), "probe " + p + " vs " + g);
                pairs++;
                if (p == g && fast >= 40) {
                    genuineAbove40++;
                } else if (p != g && fast < 40) {
                    impostorBelow40++;
                }
            }
        }
        assertEquals(900, pairs);
        // the comparison covers real genuine and impostor scores, not a degenerate constant
        assertTrue(genuineAbove40 >= 15, "genuine pairs >= 40: " + genuineAbove40);
        assertTrue(impostorBelow40 >= 860, "impostor pairs < 40: " + impostorBelow40);
    }

    @Test
    void multiFingerRecordsTakeTheBestCompatiblePairExactlyAsTheFullDecode() {
        String set = "fvc2002-db1b";
        byte[] record = MODALITY.extractTemplate(List.of(isoPayload(set, "103_1", 2),
                isoPayload(set, "104_1", 3), isoPayload(set, "105_1", 0)));
        assertEquals(3, StoredTemplateFormat.decode(record).size());
        int checked = 0;
        for (int position : new int[] {0, 2, 3, 7}) {
            for (String name : List.of("103_2", "104_2", "105_2", "106_2")) {
                FingerprintProbe probe = MODALITY.prepareProbe(List.of(isoPayload(set, name, position)), Map.of());
                float fast = FingerprintModality.rescore(probe, record);
                assertEquals(Float.floatToIntBits(fullDecodeReference(probe, record)),
                        Float.floatToIntBits(fast), name + " at position " + position);
                checked++;
            }
        }
        assertEquals(16, checked);
        // position 7 compares only with the finger of unknown position (105), so 103's probe does not match
        FingerprintProbe asSeven = MODALITY.prepareProbe(List.of(isoPayload(set, "103_2", 7)), Map.of());
        FingerprintProbe asTwo = MODALITY.prepareProbe(List.of(isoPayload(set, "103_2", 2)), Map.of());
        assertTrue(FingerprintModality.rescore(asTwo, record) > FingerprintModality.rescore(asSeven, record));
    }

    @Test
    void corruptStoredBytesAreInvalidInputOnTheLeanPath() {
        byte[] t = MODALITY.extractTemplate(List.of(isoPayload("fvc2002-db1b", "101_1", 0)));
        FingerprintProbe probe = MODALITY.prepareProbe(List.of(isoPayload("fvc2002-db1b", "101_2", 0)), Map.of());
        assertTrue(FingerprintModality.rescore(probe, t) > 0);
        byte[] flipped = t.clone();
        flipped[t.length / 2] ^= 0x04;
        byte[] longer = withChecksum(Arrays.copyOf(t, t.length + 3));
        byte[] badLength = t.clone();
        int lengthAt = 8 + 6 + (t[9] & 0xFF) * 8; // u32 length of the first finger's SourceAFIS bytes
        ByteBuffer.wrap(badLength).order(ByteOrder.LITTLE_ENDIAN).putInt(lengthAt, t.length);
        for (byte[] bad : List.of(new byte[0], Arrays.copyOf(t, t.length - 5), flipped, longer,
                withChecksum(badLength))) {
            EngineException e = assertThrows(EngineException.class, () -> FingerprintModality.rescore(probe, bad));
            assertEquals(EngineException.Reason.INVALID_INPUT, e.reason(), e.getMessage());
        }
    }

    /** The bytes with their last four replaced by the CRC32 of the rest (a well-formed checksum). */
    static byte[] withChecksum(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }
}
