package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;

/** Dev: splits the pairing stage's cost (pair search, grid load, hypotheses). */
public final class PairingCostDev {
    public static String split(ProbeFinger[] probe, MemorySegment slots, int sb, int[] ords, PairingStage.Scratch sc) {
        long t0 = System.nanoTime();
        float sink = 0;
        for (int o : ords) {
            FirstStage.pairs(probe[0], slots, (long) o * sb, FingerSlotLayout.codeCount(slots, (long) o * sb), sc.pairs);
            sink += sc.pairs.bestSim[0];
        }
        long t1 = System.nanoTime();
        for (int o : ords) {
            PairingStage.load(slots, (long) o * sb, sc);
            sink += sc.columns;
        }
        long t2 = System.nanoTime();
        for (int o : ords) {
            sink += PairingStage.score(probe, slots, (long) o * sb, sc);
        }
        long t3 = System.nanoTime();
        int n = ords.length;
        return String.format(java.util.Locale.ROOT, "pairs %.2f us, load %.2f us, whole %.2f us (%s)", (t1 - t0) / 1e3 / n,
                (t2 - t1) / 1e3 / n, (t3 - t2) / 1e3 / n, sink == -1 ? "" : "ok");
    }
}
