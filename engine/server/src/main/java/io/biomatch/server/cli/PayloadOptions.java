package io.biomatch.server.cli;

import com.google.protobuf.ByteString;
import io.biomatch.server.grpc.v1.Payload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Payload input: one or more files of one declared format, with format attributes. */
final class PayloadOptions {
    @Option(names = {"-f", "--format"}, required = true,
            description = "payload format, e.g. image, iso-19794-2, embedding-f32, str-csv")
    String format;

    @Option(names = "--file", required = true, arity = "1..*", description = "payload file(s); several = several parts (e.g. fingers)")
    List<Path> files;

    @Option(names = "--attr", description = "format attribute key=value, e.g. dpi=500 or finger_position=2")
    Map<String, String> attributes = new LinkedHashMap<>();

    /**
     * The most payload bytes one request can carry: a gRPC/protobuf message is at most 2 GiB - 1, less room for the
     * request's other fields. The server's own limit (serve --max-payload-bytes, 16 MiB by default) is configurable
     * and not known here, so a file under this but over that is still sent and refused by the server; this check
     * stops files that no server could take before they are read (at 2 GiB the read itself failed with
     * OutOfMemoryError).
     */
    static final long MAX_REQUEST_PAYLOAD_BYTES = Integer.MAX_VALUE - (1 << 20);

    List<Payload> payloads() {
        long total = 0;
        for (Path f : files) {
            if (Files.isDirectory(f)) {
                throw new BiomatchCli.CliException(2, f + " is a directory");
            }
            if (!Files.exists(f)) {
                throw new BiomatchCli.CliException(2, "no such file: " + f);
            }
            if (!Files.isRegularFile(f)) { // /dev/null, a pipe: no size to check
                throw new BiomatchCli.CliException(2, f + " is not a regular file");
            }
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw new BiomatchCli.CliException(2, "cannot read " + f + ": " + e.getMessage());
            }
            if (size > MAX_REQUEST_PAYLOAD_BYTES) {
                throw new BiomatchCli.CliException(2, "file " + f + " is " + size + " bytes; at most "
                        + MAX_REQUEST_PAYLOAD_BYTES + " (the gRPC message limit; the server's own payload limit"
                        + " may be lower)");
            }
            total += size;
            if (total > MAX_REQUEST_PAYLOAD_BYTES) {
                throw new BiomatchCli.CliException(2, "files are " + total + " bytes together; at most "
                        + MAX_REQUEST_PAYLOAD_BYTES + " in one request (the gRPC message limit)");
            }
        }
        List<Payload> out = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(Payload.newBuilder().setFormat(format).setData(ByteString.copyFrom(Files.readAllBytes(f)))
                        .putAllAttributes(attributes).build());
            } catch (IOException e) {
                throw new BiomatchCli.CliException(2, "cannot read " + f + ": " + e.getMessage());
            }
        }
        return out;
    }
}
