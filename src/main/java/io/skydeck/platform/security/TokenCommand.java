package io.skydeck.platform.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code java -jar quarkus-run.jar token --role admin [--tenant ID] [--subject NAME] [--hours N]}:
 * prints a token signed with the key under the data directory (created if missing), so a
 * newcomer can call the API of a service running on its embedded defaults.
 */
public final class TokenCommand {

    private TokenCommand() {
    }

    public static int run(String... args) {
        String role = null;
        String tenant = null;
        String subject = null;
        long hours = 12;
        String dataDir = firstNonBlank(System.getenv("SKYDECK_DATA_DIR"), System.getProperty("user.home") + "/.skydeck");
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--role" -> role = args[++i];
                    case "--tenant" -> tenant = args[++i];
                    case "--subject" -> subject = args[++i];
                    case "--hours" -> hours = Long.parseLong(args[++i]);
                    case "--data-dir" -> dataDir = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (role == null) {
                throw new IllegalArgumentException("--role is required");
            }
            Path keys = Path.of(dataDir).toAbsolutePath().resolve("keys");
            if (subject == null) {
                subject = Roles.TENANT.equals(role) ? "tenant-user@" + tenant : role + "@skydeck";
            }
            SigningKeys signingKeys = SigningKeys.in(keys).ensureExist();
            String issuer = firstNonBlank(System.getenv("SKYDECK_JWT_ISSUER"), TokenMinter.ISSUER);
            String token = new TokenMinter(signingKeys.privateKey(), issuer)
                    .mint(subject, role, tenant, Instant.now(), Duration.ofHours(hours));
            System.out.println(token);
            return Files.exists(keys) ? 0 : 1;
        } catch (RuntimeException e) {
            System.err.println("token: " + e.getMessage());
            System.err.println("usage: token --role tenant|finance|scheduler|admin [--tenant TENANT_ID] "
                    + "[--subject NAME] [--hours N] [--data-dir DIR]");
            return 2;
        }
    }

    private static String firstNonBlank(String a, String b) {
        return a == null || a.isBlank() ? b : a;
    }
}
