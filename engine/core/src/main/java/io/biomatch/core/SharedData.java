package io.biomatch.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared test and demo data ({@code ../shared/data} next to the repository root). Order:
 * system property {@code biomatch.sharedData}; {@code <biomatch.repoRoot>/../shared/data} (Surefire sets
 * {@code biomatch.repoRoot}); {@code ../shared/data} from the working directory.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The data root, or null when none of the candidates exists. */
    public static Path rootOrNull() {
        String explicit = System.getProperty("biomatch.sharedData");
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Path.of(explicit);
            return Files.isDirectory(p) ? p.toAbsolutePath().normalize() : null;
        }
        String repo = System.getProperty("biomatch.repoRoot");
        if (repo != null && !repo.isEmpty()) {
            Path p = Path.of(repo).resolve("../shared/data");
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        Path p = Path.of("../shared/data");
        return Files.isDirectory(p) ? p.toAbsolutePath().normalize() : null;
    }

    /** A path under the data root; fails with a message saying where it looked when it is missing. */
    public static Path require(String relative) {
        Path root = rootOrNull();
        if (root == null) {
            throw new IllegalStateException("shared data not found: expected ../shared/data next to the repository root"
                    + " (or -Dbiomatch.sharedData=DIR); repoRoot=" + System.getProperty("biomatch.repoRoot")
                    + ", cwd=" + Path.of("").toAbsolutePath());
        }
        Path p = root.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("shared data file missing: " + p);
        }
        return p;
    }
}
