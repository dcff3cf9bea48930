package io.skydeck.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Tokens from the packaged jar's own {@code token} command, signed with the run's data directory keys. */
final class ServiceTokens {
    static String token(Path jar, Path work, String... args) throws Exception {
        var command = new ArrayList<>(List.of(SoakReplicas.javaBinary(), "-jar", jar.toString(), "token",
                "--data-dir", work.resolve("data").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("the token command failed: " + out);
        }
        return out.lines().reduce((a, b) -> b).orElseThrow();
    }

    private ServiceTokens() {
    }
}
