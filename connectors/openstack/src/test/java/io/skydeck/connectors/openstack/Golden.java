package io.skydeck.connectors.openstack;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden files: the exact request bodies a rendering sends, kept under src/test/resources/golden.
 * A body is compared as JSON printed with two-space indentation in the order it was sent, so the
 * files stay readable and only whitespace is normalised — a field more, less, renamed, reordered
 * or with another value fails. {@code -Dskydeck.golden.update=true} rewrites the files from what
 * is sent; the diff is then reviewed like code.
 */
final class Golden {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    static void assertJson(String name, String sentBody) {
        String actual = pretty(sentBody);
        if (Boolean.getBoolean("skydeck.golden.update")) {
            write(name, actual);
            return;
        }
        assertThat(actual).as("request body against golden/" + name).isEqualTo(read(name));
    }

    private static String pretty(String body) {
        try {
            var printer = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"));
            return JSON.writer(printer).writeValueAsString(JSON.readTree(body)) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
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
