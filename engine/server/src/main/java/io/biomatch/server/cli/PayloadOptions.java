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

    List<Payload> payloads() {
        List<Payload> out = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new BiomatchCli.CliException(2, "no such file: " + f);
            }
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
