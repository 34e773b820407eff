package io.biomatch.dna;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;

final class TestData {
    private static AlleleFrequencies cauc;
    private static List<NistGenotypes.Person> nist;

    private TestData() {
    }

    static synchronized AlleleFrequencies cauc() {
        if (cauc == null) {
            cauc = AlleleFrequencies.read(SharedData.require(AlleleFrequencies.DEFAULT_SHARED_FILE), "Cauc");
        }
        return cauc;
    }

    static synchronized List<NistGenotypes.Person> nist() {
        if (nist == null) {
            nist = NistGenotypes.read(SharedData.require(NistGenotypes.SHARED_FILE), -1);
        }
        return nist;
    }

    static Payload csv(String text) {
        return new Payload(StrCsvFormat.NAME, text.getBytes(StandardCharsets.UTF_8));
    }

    static Payload csv(String text, Map<String, String> attrs) {
        return new Payload(StrCsvFormat.NAME, text.getBytes(StandardCharsets.UTF_8), attrs);
    }

    static StrProfile profile(String text) {
        return StrCsvFormat.parse(csv(text));
    }

    static void assertInvalid(Executable e, String messagePart) {
        EngineException ex = Assertions.assertThrows(EngineException.class, e);
        Assertions.assertEquals(EngineException.Reason.INVALID_INPUT, ex.reason());
        if (messagePart != null) {
            Assertions.assertTrue(ex.getMessage().contains(messagePart),
                    () -> "message '" + ex.getMessage() + "' lacks '" + messagePart + "'");
        }
    }
}
