package io.biomatch.dna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.SharedData;
import org.junit.jupiter.api.Test;

class DnaEvalTest {
    @Test
    void evaluationOnASmallDatabase() {
        DnaEval.Result r = DnaEval.run(SharedData.rootOrNull(), 5000, 12, 3);
        System.out.print(r.toText());
        assertEquals(12, r.stainKernelEqualsReference(), "kernel equals brute force on every probe");
        assertEquals(12, r.stainSourceFirst());
        assertTrue(r.mixtureBothContributorsTop2() >= 2, r.toText());
    }
}
