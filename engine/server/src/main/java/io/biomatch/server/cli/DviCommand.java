package io.biomatch.server.cli;

import io.biomatch.dna.kinship.DviCase;
import io.biomatch.dna.kinship.DviData;
import io.biomatch.dna.kinship.FamiliasFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dvi", description = "Disaster victim identification on a case folder (am_pedigrees.csv, am_genotypes.csv, "
        + "pm_genotypes.csv, frequencies.csv, mutation_models.csv) or a Familias .fam file with a DVI section: "
        + "pairwise LRs, undisputed identifications, ranked joint solutions with posteriors (flat prior).")
final class DviCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CASE", description = "case folder in the dvir export layout, or a Familias 3 .fam file "
            + "(its [DVI] section: unidentified persons, reference families; its own frequencies and mutation models)")
    Path caseDir;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
        boolean fam = Files.isRegularFile(caseDir)
                && caseDir.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".fam");
        if (!fam) {
            EvalCommand.existingDir(caseDir);
        }
        long t0 = System.nanoTime();
        System.err.println("solving " + caseDir + " ...");
        DviCase.Result r = fam
                ? DviCase.run(DviData.fromFamilias(FamiliasFile.read(caseDir)), caseDir.getFileName().toString())
                : DviCase.run(caseDir);
        System.err.printf("done in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        EvalCommand.print(r, r.toText(), json);
        return 0;
    }
}
