package io.biomatch.fingerprint;

import com.machinezoo.fingerprintio.TemplateFormat;
import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Fingerprint;
import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Position;
import com.machinezoo.fingerprintio.iso19794p2v2005.Iso19794p2v2005Template;
import com.machinezoo.fingerprintio.iso19794p2v2011.Iso19794p2v2011Fingerprint;
import com.machinezoo.fingerprintio.iso19794p2v2011.Iso19794p2v2011Position;
import com.machinezoo.fingerprintio.iso19794p2v2011.Iso19794p2v2011Template;
import com.machinezoo.sourceafis.FingerprintCompatibility;
import com.machinezoo.sourceafis.FingerprintTemplate;
import io.biomatch.core.spi.Modality;
import io.biomatch.fingerprint.internal.StoredTemplateFormat;
import java.util.List;

/**
 * Export of stored fingerprint records (the bytes {@link FingerprintModality#extractTemplate} returns and the
 * record store keeps) to ISO/IEC 19794-2 minutiae records, for exchange with other AFIS.
 *
 * <p>One finger view per stored finger, in stored order, with its ANSI/NIST finger position (0 = unknown) and
 * view numbers counting from 0 per position. Minutiae come from the stored SourceAFIS template through
 * SourceAFIS {@code FingerprintCompatibility} (coordinates at 500 ppi, 197 px/cm in the record; endings and
 * bifurcations; no quality, ridge counts or cores). Importing the result through the {@code iso-19794-2}
 * payload format gives back the same fingers: SourceAFIS scores against the original stay far above the
 * threshold, though not bit-identical (ISO angles have 256 steps).
 */
public final class FingerprintExport {
    /** The ISO/IEC 19794-2 edition to write. */
    public enum IsoVersion {
        /** ISO/IEC 19794-2:2005, the edition most AFIS read. */
        V2005,
        /** ISO/IEC 19794-2:2011. */
        V2011
    }

    private FingerprintExport() {
    }

    /** ISO/IEC 19794-2:2005 record of every finger of a stored template. */
    public static byte[] toIso(byte[] storedTemplate) {
        return toIso(storedTemplate, IsoVersion.V2005);
    }

    /**
     * ISO/IEC 19794-2 record of every finger of a stored template.
     *
     * @throws io.biomatch.core.EngineException INVALID_INPUT when the bytes are not a valid stored template
     */
    public static byte[] toIso(byte[] storedTemplate, IsoVersion version) {
        List<StoredTemplateFormat.Finger> fingers = StoredTemplateFormat.decode(storedTemplate);
        FingerprintTemplate[] templates = new FingerprintTemplate[fingers.size()];
        int[] positions = new int[fingers.size()];
        for (int i = 0; i < templates.length; i++) {
            try {
                templates[i] = new FingerprintTemplate(fingers.get(i).sourceAfis());
            } catch (RuntimeException e) {
                throw Modality.invalid("stored SourceAFIS template cannot be read");
            }
            positions[i] = fingers.get(i).position();
        }
        return switch (version) {
            case V2005 -> {
                var iso = new Iso19794p2v2005Template(
                        FingerprintCompatibility.exportTemplates(TemplateFormat.ISO_19794_2_2005, templates));
                int[] views = new int[11];
                for (int i = 0; i < iso.fingerprints.size(); i++) {
                    Iso19794p2v2005Fingerprint fp = iso.fingerprints.get(i);
                    fp.position = Iso19794p2v2005Position.values()[positions[i]];
                    fp.view = views[positions[i]]++;
                }
                yield iso.toByteArray();
            }
            case V2011 -> {
                var iso = new Iso19794p2v2011Template(
                        FingerprintCompatibility.exportTemplates(TemplateFormat.ISO_19794_2_2011, templates));
                int[] views = new int[11];
                for (int i = 0; i < iso.fingerprints.size(); i++) {
                    Iso19794p2v2011Fingerprint fp = iso.fingerprints.get(i);
                    fp.position = Iso19794p2v2011Position.values()[positions[i]];
                    fp.view = views[positions[i]]++;
                }
                yield iso.toByteArray();
            }
        };
    }
}
