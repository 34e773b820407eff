package io.biomatch.bench.load;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code biomatch bench ...}: load runs through the real front (JMH lives in bench/run). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks through the real gRPC front.",
        subcommands = {LoadCommand.class, io.biomatch.bench.report.ReportCommand.class})
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a benchmark: load");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }
}
