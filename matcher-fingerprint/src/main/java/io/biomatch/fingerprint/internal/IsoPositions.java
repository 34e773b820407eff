package io.biomatch.fingerprint.internal;

import com.machinezoo.fingerprintio.TemplateFormat;
import com.machinezoo.fingerprintio.ansi378v2004.Ansi378v2004Template;
import com.machinezoo.fingerprintio.ansi378v2009.Ansi378v2009Template;
import com.machinezoo.fingerprintio.ansi378v2009am1.Ansi378v2009Am1Template;
import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Template;
import com.machinezoo.fingerprintio.iso19794p2v2011.Iso19794p2v2011Template;
import com.machinezoo.sourceafis.FingerprintTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * Finger positions of the finger views of an ISO/IEC 19794-2 or ANSI INCITS 378 record (read with
 * fingerprintio, the parser SourceAFIS itself uses, so the views come in the same order as
 * {@code FingerprintCompatibility.importTemplates}). The position codes 0..10 of these standards are the
 * ANSI/NIST ones; multi-finger codes (ISO 2011: 13 and up) count as unknown (0).
 */
final class IsoPositions {
    private IsoPositions() {
    }

    /** Pairs each imported template with its view's position; all unknown when the record cannot be re-read. */
    static List<FingerInputs.Positioned> attach(List<FingerprintTemplate> templates, byte[] record) {
        int[] pos = positions(record);
        List<FingerInputs.Positioned> out = new ArrayList<>(templates.size());
        for (int i = 0; i < templates.size(); i++) {
            out.add(new FingerInputs.Positioned(pos != null && pos.length == templates.size() ? pos[i] : 0,
                    templates.get(i)));
        }
        return out;
    }

    /** Position per finger view (0 = unknown), or null when the record is not one fingerprintio reads. */
    static int[] positions(byte[] record) {
        try {
            TemplateFormat format = TemplateFormat.identify(record);
            if (format == null) {
                return null;
            }
            List<? extends Enum<?>> list = switch (format) {
                case ISO_19794_2_2005 -> new Iso19794p2v2005Template(record, true).fingerprints.stream()
                        .map(f -> f.position).toList();
                case ISO_19794_2_2011 -> new Iso19794p2v2011Template(record, true).fingerprints.stream()
                        .map(f -> f.position).toList();
                case ANSI_378_2004 -> new Ansi378v2004Template(record, true).fingerprints.stream()
                        .map(f -> f.position).toList();
                case ANSI_378_2009 -> new Ansi378v2009Template(record, true).fingerprints.stream()
                        .map(f -> f.position).toList();
                case ANSI_378_2009_AM1 -> new Ansi378v2009Am1Template(record, true).fingerprints.stream()
                        .map(f -> f.position).toList();
            };
            int[] out = new int[list.size()];
            for (int i = 0; i < out.length; i++) {
                Enum<?> e = list.get(i);
                // the enums list the codes 0..10 in order (UNKNOWN, RIGHT_THUMB .. LEFT_LITTLE)
                out[i] = e == null || e.ordinal() > 10 ? 0 : e.ordinal();
            }
            return out;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
