package io.biomatch.server.cli;

import io.biomatch.dna.kinship.KinshipCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "kinship", description = "Kinship likelihood ratio between two pedigree hypotheses (JSON case, "
        + "exact pedigree likelihoods with mutation and theta): per-locus LRs and the total.")
final class KinshipCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CASE_JSON", description = "case file (persons with id, fid, mid, sex; genotypes a/b, a/-, -/-)")
    Path caseJson;

    @Option(names = "--freq", required = true, description = "allele frequencies, CSV locus,allele,frequency")
    Path freq;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
        for (Path p : new Path[] {caseJson, freq}) {
            if (!Files.isRegularFile(p)) {
                throw new BiomatchCli.CliException(2, "no such file: " + p);
            }
        }
        KinshipCase.Result r = KinshipCase.run(caseJson, freq);
        EvalCommand.print(r, r.toText(), json);
        return 0;
    }
}
