package io.biomatch.server.grpc;

import com.google.gson.GsonBuilder;
import io.biomatch.core.EngineException;
import io.biomatch.dna.kinship.DviCase;
import io.biomatch.dna.kinship.KinshipCase;
import io.biomatch.server.grpc.v1.DviProgress;
import io.biomatch.server.grpc.v1.DviRequest;
import io.biomatch.server.grpc.v1.KinshipRequest;
import io.biomatch.server.grpc.v1.KinshipResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Kinship and DVI case jobs: CPU work on their own small bounded pool (never on gRPC threads), files
 * uploaded by the client into a private temporary folder (no server-side paths from clients).
 */
final class CaseJobs {
    static final Set<String> DVI_FILES = Set.of("am_pedigrees.csv", "am_genotypes.csv", "pm_genotypes.csv",
            "frequencies.csv", "mutation_models.csv", "truth.csv");
    static final Set<String> DVI_REQUIRED = Set.of("am_pedigrees.csv", "am_genotypes.csv", "pm_genotypes.csv",
            "frequencies.csv");
    static final int MAX_CASE_BYTES = 64 << 20;

    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(8), r -> Thread.ofPlatform().name("biomatch-case-job").daemon(true).unstarted(r));

    void kinship(KinshipRequest req, StreamObserver<KinshipResponse> out) {
        submit(out, () -> {
            if (req.getCaseJson().isEmpty() || req.getFrequenciesCsv().isEmpty()) {
                throw EngineException.invalid("case_json and frequencies_csv are both required");
            }
            Path dir = Files.createTempDirectory("biomatch-kinship-");
            try {
                Path caseFile = Files.write(dir.resolve("case.json"), req.getCaseJson().toByteArray());
                Path freq = Files.write(dir.resolve("frequencies.csv"), req.getFrequenciesCsv().toByteArray());
                KinshipCase.Result r = KinshipCase.run(caseFile, freq);
                out.onNext(KinshipResponse.newBuilder().setTotalLr(r.totalLr()).setLog10Lr(r.log10Lr())
                        .setResultJson(json(r)).build());
                out.onCompleted();
            } finally {
                deleteTree(dir);
            }
        });
    }

    void dvi(DviRequest req, StreamObserver<DviProgress> responses) {
        var out = (ServerCallStreamObserver<DviProgress>) responses;
        long start = System.nanoTime();
        submit(out, () -> {
            long total = 0;
            boolean fam = req.getFilesCount() == 1
                    && req.getFilesMap().keySet().iterator().next().toLowerCase(java.util.Locale.ROOT).endsWith(".fam");
            for (var e : req.getFilesMap().entrySet()) {
                if (!fam && !DVI_FILES.contains(e.getKey())) {
                    throw EngineException.invalid("unexpected case file '" + printable(e.getKey()) + "'; expected "
                            + DVI_FILES + " or one Familias .fam file");
                }
                total += e.getValue().size();
            }
            if (!fam && !req.getFilesMap().keySet().containsAll(DVI_REQUIRED)) {
                throw EngineException.invalid("a DVI case needs " + DVI_REQUIRED + " or one Familias .fam file; got "
                        + req.getFilesMap().keySet());
            }
            if (total > MAX_CASE_BYTES) {
                throw EngineException.invalid("case files are " + total + " bytes; the limit is " + MAX_CASE_BYTES);
            }
            progress(out, "received " + req.getFilesCount() + " files (" + total + " bytes)", start);
            Path dir = Files.createTempDirectory("biomatch-dvi-");
            try {
                for (var e : req.getFilesMap().entrySet()) {
                    // a .fam file is stored under a fixed name: the client's name is never a path here
                    Files.write(dir.resolve(fam ? "case.fam" : e.getKey()), e.getValue().toByteArray());
                }
                io.biomatch.dna.kinship.DviData data = fam
                        ? io.biomatch.dna.kinship.DviData.fromFamilias(io.biomatch.dna.kinship.FamiliasFile.read(dir.resolve("case.fam")))
                        : io.biomatch.dna.kinship.DviData.read(dir);
                progress(out, "solving: pairwise LRs, undisputed identifications, joint solutions", start);
                if (out.isCancelled()) {
                    return;
                }
                DviCase.Result r = DviCase.run(data, req.getCaseName().isEmpty() ? "case" : req.getCaseName());
                out.onNext(DviProgress.newBuilder().setStage("done").setElapsedMillis((System.nanoTime() - start) / 1e6)
                        .setResultJson(json(r)).setResultText(r.toText()).build());
                out.onCompleted();
            } finally {
                deleteTree(dir);
            }
        });
    }

    private static void progress(ServerCallStreamObserver<DviProgress> out, String stage, long start) {
        if (!out.isCancelled()) {
            out.onNext(DviProgress.newBuilder().setStage(stage).setElapsedMillis((System.nanoTime() - start) / 1e6).build());
        }
    }

    interface Job {
        void run() throws IOException;
    }

    private void submit(StreamObserver<?> out, Job job) {
        try {
            CompletableFuture.runAsync(() -> {
                try {
                    job.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, pool).whenComplete((v, e) -> {
                if (e != null) {
                    out.onError(GrpcErrors.exception(e));
                }
            });
        } catch (RejectedExecutionException e) {
            out.onError(GrpcErrors.exception(new EngineException(EngineException.Reason.OVERLOADED,
                    "too many kinship/DVI jobs queued; retry later")));
        }
    }

    private static String json(Object result) {
        return new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(result);
    }

    private static String printable(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s.replaceAll("\\p{Cntrl}", "?");
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary folder; best effort
        }
    }

    void close() {
        pool.shutdownNow();
    }
}
