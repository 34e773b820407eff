package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.Modality;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.PairingStage;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pairing stage: known answers, sharper than the first stage on real prints, and its options. */
class PairingStageTest {
    static final FingerprintModality M = new FingerprintModality();
    static final Path SET = SharedData.require("fingerprint/fvc-iso19794-2-secugen/fvc2002-db1b");

    static byte[] iso(String name) throws Exception {
        return M.extractTemplate(List.of(new Payload("iso-19794-2", Files.readAllBytes(SET.resolve(name + ".iso")))));
    }

    static FingerprintProbe probe(String name, Map<String, String> options) throws Exception {
        return M.prepareProbe(List.of(new Payload("iso-19794-2", Files.readAllBytes(SET.resolve(name + ".iso")))), options);
    }

    @Test
    void aPrintPairsEveryMinutiaWithItself() throws Exception {
        PairingStage.Scratch scratch = new PairingStage.Scratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(M.slotBytes(), 64);
            for (int f = 101; f <= 106; f++) {
                byte[] t = iso(f + "_1");
                slot.fill((byte) 0);
                M.writeSlot(t, slot);
                int n = StoredTemplateFormat.decode(t).get(0).minutiae().count();
                // the identity hypothesis pairs all n minutiae: n^2 / min(n, n)
                assertEquals(n, PairingStage.score(probe(f + "_1", Map.of()).fingers(), slot, 0, scratch), "finger " + f);
            }
        }
    }

    @Test
    void ranksGenuineMatesAboveTheBackgroundMoreOftenThanTheFirstStage() throws Exception {
        FingerprintBackground bg = FirstStageScanTest.background();
        List<byte[]> gallery = new ArrayList<>();
        for (int f = 101; f <= 110; f++) {
            gallery.add(iso(f + "_1"));
        }
        int n = 1000, total = n + gallery.size(), sb = M.slotBytes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = FirstStageScanTest.slots(arena, bg, n, gallery);
            PairingStage.Scratch ps = new PairingStage.Scratch();
            FirstStage.Scratch fs = new FirstStage.Scratch();
            int pairingFirst = 0, firstStageFirst = 0, probes = 0;
            for (int f = 101; f <= 110; f++) {
                for (int imp : new int[] {2, 3, 4, 5}) {
                    FingerprintProbe p = probe(f + "_" + imp, Map.of());
                    int mate = n + f - 101;
                    float pm = PairingStage.score(p.fingers(), slots, (long) mate * sb, ps);
                    float fm = FirstStage.score(p.fingers(), slots, (long) mate * sb, fs);
                    boolean pTop = true, fTop = true;
                    for (int i = 0; i < total; i++) {
                        if (i != mate) {
                            pTop &= PairingStage.score(p.fingers(), slots, (long) i * sb, ps) < pm;
                            fTop &= FirstStage.score(p.fingers(), slots, (long) i * sb, fs) < fm;
                        }
                    }
                    pairingFirst += pTop ? 1 : 0;
                    firstStageFirst += fTop ? 1 : 0;
                    probes++;
                }
            }
            assertTrue(pairingFirst >= firstStageFirst && pairingFirst >= probes * 8 / 10,
                    "mates first: pairing " + pairingFirst + ", first stage " + firstStageFirst + " of " + probes);
        }
    }

    @Test
    void refineDepthFollowsThePairingOptionAndTheShardSize() throws Exception {
        var kernel = M.kernel();
        FingerprintProbe on = probe("101_2", Map.of());
        double f = FingerprintModality.Config.DEFAULT_PAIRING_FRACTION;
        assertEquals((int) Math.ceil(f * 1_000_000), kernel.refineDepth(on, 100, 1_000_000));
        assertEquals(100, kernel.refineDepth(on, 100, 0)); // never below the short list: re-orders it
        assertEquals(100, kernel.refineDepth(on, 100, 10_000));
        FingerprintModality none = new FingerprintModality(FingerprintModality.Config.defaults().withPairingFraction(0));
        assertEquals(0, none.kernel().refineDepth(none.prepareProbe(List.of(new Payload("iso-19794-2",
                Files.readAllBytes(SET.resolve("101_2.iso")))), Map.of()), 100, 1_000_000));
        assertEquals(0, kernel.refineDepth(probe("101_2", Map.of("pairing", "off")), 100, 1_000_000));
        assertEquals(0, kernel.refineDepth(probe("101_2", Map.of("mode", "exhaustive")), 100, 1_000_000));
        assertEquals(FingerprintModality.MAX_SHORTLIST, kernel.refineDepth(on, 100, 1L << 40));
        var e = assertThrows(io.biomatch.core.EngineException.class, () -> probe("101_2", Map.of("pairing", "maybe")));
        assertTrue(e.getMessage().contains("pairing must be on or off"), e.getMessage());
    }
}
