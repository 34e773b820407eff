package io.biomatch.server.cli;

import io.biomatch.dna.kinship.KinshipCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "kinship", description = "Kinship likelihood ratio between two pedigree hypotheses (exact pedigree "
        + "likelihoods with mutation and theta): per-locus LRs and the total. Input: a JSON case with --freq, or a "
        + "Familias .fam file (its pedigrees --h1 and --h2, its own frequencies and mutation models).")
final class KinshipCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CASE_JSON", description = "case file (persons with id, fid, mid, sex; genotypes a/b, a/-, -/-)")
    Path caseJson;

    @Option(names = "--freq", description = "allele frequencies, CSV locus,allele,frequency (JSON cases)")
    Path freq;

    @Option(names = "--h1", defaultValue = "1", description = ".fam files: pedigree number of H1, from 1 (default: ${DEFAULT-VALUE})")
    int h1;

    @Option(names = "--h2", defaultValue = "2", description = ".fam files: pedigree number of H2, from 1 (default: ${DEFAULT-VALUE})")
    int h2;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
        if (caseJson.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".fam")) {
            if (!Files.isRegularFile(caseJson)) {
                throw new BiomatchCli.CliException(2, "no such file: " + caseJson);
            }
            io.biomatch.dna.kinship.FamiliasFile fam = io.biomatch.dna.kinship.FamiliasFile.read(caseJson);
            int n = fam.pedigrees().size();
            if (h1 < 1 || h2 < 1 || h1 > n || h2 > n || h1 == h2) {
                throw new BiomatchCli.CliException(2, caseJson + " has " + n + " pedigrees; --h1 and --h2 must be two of 1.." + n);
            }
            KinshipCase.Result r = fam.evaluate(h1 - 1, h2 - 1);
            EvalCommand.print(r, r.toText(), json);
            return 0;
        }
        if (freq == null) {
            throw new BiomatchCli.CliException(2, "--freq is required for a JSON case");
        }
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
