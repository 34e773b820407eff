package io.biomatch.bench.report;

import io.biomatch.core.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** The labelled sets the report reads from the shared data folder, one layout per modality. */
final class SharedSets {
    private SharedSets() {
    }

    /** {@code face/images/<identity>/<image>}; folders starting with '_' (group photos) are skipped. */
    static LabelledEval.Set faces(Path shared) {
        Path dir = shared.resolve("face/images");
        List<LabelledEval.Sample> samples = new ArrayList<>();
        for (Path id : list(dir)) {
            if (!Files.isDirectory(id) || id.getFileName().toString().startsWith("_")) {
                continue;
            }
            for (Path img : list(id)) {
                String n = img.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png") || n.endsWith(".bmp")) {
                    samples.add(new LabelledEval.Sample(id.getFileName().toString(), id.getFileName() + "/" + img.getFileName(),
                            List.of(new Payload("image", read(img)))));
                }
            }
        }
        return new LabelledEval.Set("face", "face/images (one folder per identity)", samples, Map.of());
    }

    /** FVC naming {@code <finger>_<impression>.tif}: same prefix in one set = same finger. 500 dpi. */
    static LabelledEval.Set fingerprints(Path setDir) {
        String set = setDir.getFileName().toString();
        List<LabelledEval.Sample> samples = new ArrayList<>();
        for (Path img : list(setDir)) {
            String n = img.getFileName().toString();
            int us = n.indexOf('_');
            if (us > 0 && n.toLowerCase(Locale.ROOT).matches(".*\\.(tif|tiff|png|bmp|jpg)$")) {
                samples.add(new LabelledEval.Sample(set + "/" + n.substring(0, us), set + "/" + n,
                        List.of(new Payload("image", read(img), Map.of("dpi", "500")))));
            }
        }
        return new LabelledEval.Set("fingerprint", "fingerprint/" + set + " (FVC, 500 dpi)", samples, Map.of());
    }

    /**
     * DNA: for the first {@code people} NIST 1036 genotypes, a full reference profile and a seeded partial
     * stain of the same person (10 random loci, 2 of them with one allele dropped), both as str-csv;
     * searched at moderate stringency, scores log10 LR (no match = below every threshold).
     */
    static LabelledEval.Set dna(Path shared, int people, long seed) {
        Path file = shared.resolve("dna/frequencies/nist1036_genotypes_29loci.csv");
        List<String> lines = readLines(file);
        String[] header = lines.get(0).split(",");
        SplittableRandom rnd = new SplittableRandom(seed);
        List<LabelledEval.Sample> samples = new ArrayList<>();
        for (int r = 1; r < lines.size() && r <= people; r++) {
            String[] f = lines.get(r).split(",", -1);
            List<String> rows = new ArrayList<>();
            for (int c = 2; c + 1 < f.length; c += 2) {
                String locus = header[c].substring(0, header[c].lastIndexOf('_'));
                if (!f[c].isEmpty() && !f[c + 1].isEmpty()) {
                    rows.add(locus + "," + f[c] + "," + f[c + 1]);
                }
            }
            samples.add(new LabelledEval.Sample(f[0], f[0] + " reference", List.of(csv(rows, "offender"))));
            List<String> stain = new ArrayList<>(rows);
            while (stain.size() > 10) {
                stain.remove(rnd.nextInt(stain.size()));
            }
            for (int k = 0; k < 2; k++) {
                int i = rnd.nextInt(stain.size());
                String[] p = stain.get(i).split(",");
                stain.set(i, p[0] + "," + p[1 + rnd.nextInt(2)] + ",-");
            }
            samples.add(new LabelledEval.Sample(f[0], f[0] + " partial stain", List.of(csv(stain, "forensic-unknown"))));
        }
        return new LabelledEval.Set("dna", "NIST 1036 genotypes: " + people + " references + partial stains",
                samples, Map.of("stringency", "moderate"));
    }

    private static Payload csv(List<String> rows, String category) {
        return new Payload("str-csv", (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8),
                Map.of("category", category));
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
