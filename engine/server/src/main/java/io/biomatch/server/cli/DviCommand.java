package io.biomatch.server.cli;

import io.biomatch.dna.kinship.DviCase;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dvi", description = "Disaster victim identification on a case folder (am_pedigrees.csv, am_genotypes.csv, "
        + "pm_genotypes.csv, frequencies.csv, mutation_models.csv): pairwise LRs, undisputed identifications, "
        + "ranked joint solutions with posteriors (flat prior).")
final class DviCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CASE_DIR", description = "case folder in the dvir export layout")
    Path caseDir;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
        EvalCommand.existingDir(caseDir);
        long t0 = System.nanoTime();
        System.err.println("solving " + caseDir + " ...");
        DviCase.Result r = DviCase.run(caseDir);
        System.err.printf("done in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        EvalCommand.print(r, r.toText(), json);
        return 0;
    }
}
