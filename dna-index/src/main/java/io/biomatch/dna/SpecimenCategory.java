package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.Locale;

/**
 * What a profile is, as in the CODIS indexes. Stored in the slot (one byte, the ordinal), so searches can be
 * restricted to some categories (probe option {@code categories}). Never reorder: append only.
 */
public enum SpecimenCategory {
    /** Not declared. */
    UNSPECIFIED("unspecified"),
    /** Convicted offender reference. */
    OFFENDER("offender"),
    /** Arrestee reference. */
    ARRESTEE("arrestee"),
    /** Crime-scene profile of unknown origin (may be partial or mixed). */
    FORENSIC_UNKNOWN("forensic-unknown"),
    /** Reference of a missing person (direct: from personal effects). */
    MISSING_PERSON("missing-person"),
    /** Reference of a biological relative of a missing person. */
    RELATIVE_OF_MISSING_PERSON("relative-of-missing-person"),
    /** Profile of unidentified human remains. */
    UNIDENTIFIED_REMAINS("unidentified-remains");

    private final String label;

    SpecimenCategory(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Parses a label; accepts case, spaces and underscores freely, and a few short forms. */
    public static SpecimenCategory parse(String text) {
        String k = text.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        for (SpecimenCategory c : values()) {
            if (c.label.equals(k)) {
                return c;
            }
        }
        return switch (k) {
            case "convicted-offender", "reference" -> OFFENDER;
            case "forensic", "crime-scene", "casework" -> FORENSIC_UNKNOWN;
            case "missing" -> MISSING_PERSON;
            case "relative", "family-reference" -> RELATIVE_OF_MISSING_PERSON;
            case "unidentified", "uhr", "remains", "unidentified-human-remains" -> UNIDENTIFIED_REMAINS;
            default -> throw Modality.invalid("unknown specimen category; expected one of offender, arrestee, "
                    + "forensic-unknown, missing-person, relative-of-missing-person, unidentified-remains");
        };
    }
}
