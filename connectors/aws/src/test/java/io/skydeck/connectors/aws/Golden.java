package io.skydeck.connectors.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden files of EC2 Query requests under src/test/resources/golden: the form body as sent,
 * one decoded {@code name=value} per line in the order the SDK wrote them — Action and Version
 * included — so a parameter more, less, renamed, reordered or with another value fails.
 * {@code -Dskydeck.golden.update=true} rewrites the files from what is sent; the diff is then
 * reviewed like code.
 */
final class Golden {
    private Golden() {
    }

    static void assertForm(String name, String sentBody) {
        String actual = Arrays.stream(sentBody.split("&"))
                .map(pair -> URLDecoder.decode(pair, StandardCharsets.UTF_8))
                .collect(Collectors.joining("\n", "", "\n"));
        if (Boolean.getBoolean("skydeck.golden.update")) {
            write(name, actual);
            return;
        }
        assertThat(actual).as("request form against golden/" + name).isEqualTo(read(name));
    }

    private static String read(String name) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no golden file golden/" + name + " (run with -Dskydeck.golden.update=true to write it)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(String name, String content) {
        try {
            Path file = Path.of("src/test/resources/golden", name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
