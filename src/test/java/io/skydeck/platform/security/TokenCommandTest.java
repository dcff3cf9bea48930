package io.skydeck.platform.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenCommandTest {

    @Test
    void withConsoleItPrintsAConsoleLinkCarryingTheTokenOnlyInTheFragment(@TempDir Path dir) {
        String printed = run("token", "--role", "finance", "--data-dir", dir.toString(), "--console");

        assertThat(printed).matches("http://localhost:8080/console#token=ey[\\w-]+\\.[\\w-]+\\.[\\w-]+\\n");
        assertThat(printed.substring(0, printed.indexOf('#'))).doesNotContain("token").doesNotContain("?");
    }

    @Test
    void urlNamesTheServiceTheLinkPointsAt(@TempDir Path dir) {
        assertThat(run("token", "--role", "admin", "--data-dir", dir.toString(), "--console", "--url", "https://skydeck.example/"))
                .startsWith("https://skydeck.example/console#token=ey");
        assertThat(run("token", "--role", "admin", "--data-dir", dir.toString())).startsWith("ey");
    }

    @Test
    void aBaseAddressWithAQueryOrFragmentIsRefused() {
        assertThatThrownBy(() -> TokenCommand.consoleLink("http://localhost:8080/?x=1", "t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--url");
    }

    private static String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            assertThat(TokenCommand.run(args)).isZero();
        } finally {
            System.setOut(out);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
