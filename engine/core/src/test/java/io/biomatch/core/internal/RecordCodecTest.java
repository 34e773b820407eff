package io.biomatch.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.biomatch.core.Record;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    private static Record sample() {
        return new Record("Ünïcode-id/42", "face", "NCB-LYON", new TreeMap<>(Map.of("case", "2026-0001", "src", "é")),
                new byte[] {1, 2, 3, -1, 0, 127}, 1_764_000_000_000L);
    }

    @Test
    void roundTrips() {
        Record r = sample();
        assertEquals(r, RecordCodec.decode(RecordCodec.encode(r)));
        Record empty = new Record("x", "dna", "", new TreeMap<>(), new byte[0], 0);
        assertEquals(empty, RecordCodec.decode(RecordCodec.encode(empty)));
    }

    @Test
    void detectsEveryFlippedByteAndTruncation() {
        byte[] good = RecordCodec.encode(sample());
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x40;
            assertThrows(RecordCodec.CorruptRecordException.class, () -> RecordCodec.decode(bad), "byte " + i);
        }
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThrows(RecordCodec.CorruptRecordException.class, () -> RecordCodec.decode(cut), "length " + len);
        }
        byte[] noise = new byte[200];
        new Random(1).nextBytes(noise);
        assertThrows(RecordCodec.CorruptRecordException.class, () -> RecordCodec.decode(noise));
    }
}
