package io.biomatch.server.cli;

import com.google.gson.GsonBuilder;
import io.biomatch.core.SharedData;
import io.biomatch.dna.DnaEval;
import io.biomatch.face.FaceConfig;
import io.biomatch.face.FaceEval;
import io.biomatch.face.FaceModelSpec;
import io.biomatch.fingerprint.FingerprintEval;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Accuracy and speed evaluation of each modality on labelled data (runs in this process, no server). */
@Command(name = "eval", description = "Evaluate a modality on labelled data: error rates, ranks, speed.",
        subcommands = {EvalCommand.Fingerprint.class, EvalCommand.Face.class, EvalCommand.Dna.class})
final class EvalCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose: fingerprint, face or dna");
    }

    static void print(Object result, String text, boolean json) {
        System.out.println(json ? new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create().toJson(result) : text);
    }

    static Path existingDir(Path p) {
        if (!Files.isDirectory(p)) {
            throw new BiomatchCli.CliException(2, "not a directory: " + p);
        }
        return p;
    }

    @Command(name = "fingerprint", description = "FVC-named sets (<finger>_<impression>.tif): EER, FNMR at FMR 1 %/0.1 %, "
            + "rank-1/rank-10 exhaustive and fast, comparisons per second, latency.")
    static final class Fingerprint implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "SET_DIR", description = "folders of FVC-named images")
        List<Path> sets;

        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            sets.forEach(EvalCommand::existingDir);
            FingerprintEval.Result r = FingerprintEval.run(sets);
            print(r, r.toText(), json);
            return 0;
        }
    }

    @Command(name = "face", description = "One folder per identity: detection rate, genuine/impostor scores, EER, "
            + "rank-1 leave-one-out, images per second.")
    static final class Face implements Callable<Integer> {
        @Parameters(paramLabel = "IMAGES_DIR", description = "one sub-folder of images per identity")
        Path images;

        @Option(names = "--model", description = "embedding model id (default: fr_feature)")
        String model;

        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            existingDir(images);
            FaceConfig c = FaceConfig.fromSystemProperties();
            if (model != null) {
                c = c.withEmbedder(FaceModelSpec.named(model));
            }
            FaceEval.Result r = FaceEval.evaluate(images, c);
            print(r, r.toText(), json);
            return 0;
        }
    }

    @Command(name = "dna", description = "Seeded database from the NIST 1036 genotypes: partial stains and mixtures "
            + "searched against it, kernel checked against brute force.")
    static final class Dna implements Callable<Integer> {
        @Option(names = "--shared", description = "shared data folder (default: ../shared/data)")
        Path shared;

        @Option(names = "--size", defaultValue = "20000", description = "database size (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--probes", defaultValue = "20", description = "probes (default: ${DEFAULT-VALUE})")
        int probes;

        @Option(names = "--seed", defaultValue = "1")
        long seed;

        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            Path data = shared != null ? existingDir(shared) : SharedData.require(".");
            DnaEval.Result r = DnaEval.run(data, size, probes, seed);
            print(r, r.toText(), json);
            return 0;
        }
    }
}
