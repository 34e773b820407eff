package io.biomatch.server.cli;

import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code biomatch} command line: {@code serve} runs the engine behind its gRPC front; client commands
 * talk gRPC to {@code --server host:port}; {@code demo} runs everything in one process. Results go to
 * stdout ({@code --json} for machine-readable output), errors to stderr with a non-zero exit code:
 * 2 bad input or usage, 3 not found, 4 already exists, 5 server unreachable, 6 overloaded or deadline,
 * 1 anything else.
 */
@Command(name = "biomatch", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "biomatch 0.1.0",
        description = "Biometric matching engine: fingerprint, face and DNA 1:N search.",
        subcommands = {ServeCommand.class, EnrolCommand.class, IdentifyCommand.class, VerifyCommand.class,
                GetCommand.class, DeleteCommand.class, StatsCommand.class, DemoCommand.class, EvalCommand.class,
                KinshipCommand.class, DviCommand.class,
                CommandLine.HelpCommand.class})
public final class BiomatchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new BiomatchCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof StatusRuntimeException s && tooLargeForServer(s) != null) {
                err.println("error: " + tooLargeForServer(s));
                err.flush();
                return 2;
            }
            if (ex instanceof StatusRuntimeException s) {
                err.println("error: " + s.getStatus().getCode() + ": "
                        + (s.getStatus().getDescription() == null ? "" : s.getStatus().getDescription()));
                err.flush();
                return exitCode(s.getStatus().getCode());
            }
            if (ex instanceof io.biomatch.core.EngineException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return e.reason() == io.biomatch.core.EngineException.Reason.INVALID_INPUT ? 2 : 1;
            }
            if (ex instanceof CliException c) {
                err.println("error: " + c.getMessage());
                err.flush();
                return c.exitCode;
            }
            if (ex instanceof IllegalArgumentException) {
                // a setting out of range (EngineConfig, modality settings): the message says which
                err.println("error: " + ex.getMessage());
                err.flush();
                return 2;
            }
            err.println("error: " + ex);
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }

    private static final java.util.regex.Pattern MESSAGE_TOO_LARGE =
            java.util.regex.Pattern.compile("gRPC message exceeds maximum size (\\d+): (\\d+)");

    /**
     * The server's gRPC refusing a request bigger than its message limit (serve --max-payload-bytes x 4 + 1 MiB,
     * unknown to the client): RESOURCE_EXHAUSTED, which would exit 6 as if the server were busy and a retry could
     * help. It is the input that is too large (2), said in words. A response over the client's own limit reads the
     * same but with that limit, and is left as it is.
     */
    static String tooLargeForServer(StatusRuntimeException s) {
        if (s.getStatus().getCode() != io.grpc.Status.Code.RESOURCE_EXHAUSTED || s.getStatus().getDescription() == null) {
            return null;
        }
        var m = MESSAGE_TOO_LARGE.matcher(s.getStatus().getDescription());
        if (!m.find() || m.group(1).equals(Integer.toString(ClientOptions.MAX_INBOUND_BYTES))) {
            return null;
        }
        return "the request is " + m.group(2) + " bytes, more than the server takes (" + m.group(1)
                + " bytes; serve --max-payload-bytes sets it)";
    }

    static int exitCode(io.grpc.Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT -> 2;
            case NOT_FOUND -> 3;
            case ALREADY_EXISTS -> 4;
            case UNAVAILABLE -> 5;
            case RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED -> 6;
            default -> 1;
        };
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** A failure the CLI explains itself (bad file, bad flag value). */
    static final class CliException extends RuntimeException {
        final int exitCode;

        CliException(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }
}
