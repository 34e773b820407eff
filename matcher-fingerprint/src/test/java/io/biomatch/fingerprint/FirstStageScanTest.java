package io.biomatch.fingerprint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import io.biomatch.fingerprint.internal.FingerSlotLayout;
import io.biomatch.fingerprint.internal.FirstStage;
import io.biomatch.fingerprint.internal.Minutiae;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pruned scan equals the plain loop; the seeded background is deterministic and well-formed. */
class FirstStageScanTest {
    static final FingerprintModality M = new FingerprintModality();

    static FingerprintBackground background() {
        Path iso = SharedData.require("fingerprint/fvc-iso19794-2-secugen");
        return new FingerprintBackground(FingerprintBackground.seeds(iso,
                Set.of("fvc2002-db1b", "fvc2002-db3b", "fvc2004-db1b", "fvc2004-db2b", "fvc2004-db3b", "fvc2004-db4b"),
                List.of()), 7);
    }

    /** Off-heap slots: {@code n} background fingers (ordinals 0..n-1), then the gallery's stored templates. */
    static MemorySegment slots(Arena arena, FingerprintBackground bg, int n, List<byte[]> gallery) {
        int sb = M.slotBytes();
        MemorySegment slots = arena.allocate((long) (n + gallery.size()) * sb, 64);
        for (int i = 0; i < n; i++) {
            FingerSlotLayout.writeFinger(slots, (long) i * sb, 0, bg.generate(i), 1);
        }
        for (int g = 0; g < gallery.size(); g++) {
            M.writeSlot(gallery.get(g), slots.asSlice((long) (n + g) * sb, sb));
        }
        return slots;
    }

    @Test
    void backgroundIsSeededAndWellFormed() {
        FingerprintBackground bg = background();
        assertEquals(2 * 160, bg.seedCount()); // two sets of 80, each also mirrored
        for (long i = 0; i < 200; i++) {
            Minutiae a = bg.generate(i), b = bg.generate(i);
            assertArrayEquals(a.x, b.x);
            assertArrayEquals(a.direction, b.direction);
            assertTrue(a.count() <= Minutiae.MAX && a.count() > 0);
        }
        assertNotEquals(java.util.Arrays.toString(bg.generate(1).x), java.util.Arrays.toString(bg.generate(2).x));
    }

    @Test
    void prunedScanEqualsPlainLoop() throws Exception {
        FingerprintBackground bg = background();
        Path set = SharedData.require("fingerprint/fvc-iso19794-2-secugen/fvc2002-db1b");
        List<byte[]> gallery = new ArrayList<>();
        for (int f = 101; f <= 110; f++) {
            gallery.add(M.extractTemplate(List.of(new Payload("iso-19794-2", Files.readAllBytes(set.resolve(f + "_1.iso"))))));
        }
        int n = 2000, total = n + gallery.size(), sb = M.slotBytes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = slots(arena, bg, n, gallery);
            long[] live = new long[Bits.words(total)];
            for (int i = 0; i < total; i++) {
                Bits.set(live, i);
            }
            FirstStage.Scratch scratch = new FirstStage.Scratch();
            int mateFirst = 0;
            for (int f = 101; f <= 110; f++) {
                FingerprintProbe p = M.prepareProbe(List.of(new Payload("iso-19794-2",
                        Files.readAllBytes(set.resolve(f + "_3.iso")))), Map.of());
                for (int k : new int[] {1, 10, 50}) {
                    TopK pruned = new TopK(Integer::compare), plain = new TopK(Integer::compare);
                    pruned.reset(k, Float.NEGATIVE_INFINITY);
                    plain.reset(k, Float.NEGATIVE_INFINITY);
                    M.kernel().scan(p, slots, sb, live, 0, total, pruned);
                    for (int i = 0; i < total; i++) {
                        plain.offer(FirstStage.score(p.fingers(), slots, (long) i * sb, scratch), i);
                    }
                    float[] s1 = new float[k], s2 = new float[k];
                    int[] o1 = new int[k], o2 = new int[k];
                    assertEquals(plain.drainBestFirst(s2, o2), pruned.drainBestFirst(s1, o1));
                    assertArrayEquals(o2, o1);
                    assertArrayEquals(s2, s1);
                    if (k == 1 && o1[0] == n + (f - 101)) {
                        mateFirst++;
                    }
                }
                // the kernel's single-slot score equals the unpruned score
                assertEquals(FirstStage.score(p.fingers(), slots, (long) (n + f - 101) * sb, scratch),
                        M.kernel().score(p, slots, (long) (n + f - 101) * sb));
            }
            assertTrue(mateFirst >= 7, mateFirst + " of 10 mates first among 2,000 background slots");
        }
    }
}
