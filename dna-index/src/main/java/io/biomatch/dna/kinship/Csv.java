package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Minimal CSV reading for the case files (comma separated, optional double quotes, header row). */
final class Csv {
    private Csv() {
    }

    static String[] split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(b.toString().trim());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString().trim());
        return out.toArray(String[]::new);
    }

    /** Rows of a CSV with a header, as maps from lower-case column name to value; required columns checked. */
    /** The key under which each row holds its line number in the file (no CSV header can hold a NUL). */
    static final String LINE = "\u0000line";

    /** "file line N: " for a row's messages. */
    static String where(Path file, Map<String, String> row) {
        return file.getFileName() + " line " + row.get(LINE) + ": ";
    }

    static List<Map<String, String>> read(Path file, String... required) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw Modality.invalid("cannot read " + file.getFileName() + ": " + e.getMessage());
        }
        List<Map<String, String>> rows = new ArrayList<>();
        String[] header = null;
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (header == null && line.charAt(0) == '\uFEFF') {
                line = line.substring(1); // a byte-order mark (spreadsheet exports) is not part of the first column
            }
            String[] f = split(line.strip());
            if (header == null) {
                header = f;
                for (int i = 0; i < header.length; i++) {
                    header[i] = header[i].toLowerCase(Locale.ROOT);
                }
                for (String r : required) {
                    if (!List.of(header).contains(r)) {
                        throw Modality.invalid(file.getFileName() + ": missing column '" + r + "'");
                    }
                }
                continue;
            }
            if (f.length != header.length) {
                throw Modality.invalid(file.getFileName() + " line " + lineNo + ": expected " + header.length
                        + " fields, found " + f.length);
            }
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < f.length; i++) {
                row.put(header[i], f[i]);
            }
            row.put(LINE, Integer.toString(lineNo));
            rows.add(row);
        }
        return rows;
    }
}
